// Neural Style (Fast) settings dialog, GTK2 + libgimpui-2.0 and GTK3 +
// libgimpui-3.0 from one source. See fast_dialog_gtk.h.
//
// The networks run on FastPreviews' worker thread: first the chosen style at
// preview size (urgent), then a thumbnail of the layer in every installed
// style. A GLib timeout on this (main) thread picks the results up; strength
// and colour preservation are applied here to the finished preview, so those
// sliders respond at once.
#include "fast_dialog_gtk.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fast_previews.h"
#include "i18n.h"
#include "pixbuf.h"
#include "test_hook_gtk.h"

#if GTK_MAJOR_VERSION >= 3
// GtkVBox, GtkTable, GtkMisc alignment: deprecated in GTK3 but present, and
// what keeps this one source for both toolkits.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

namespace nst_ui {

namespace {

constexpr int kResponseReset = 1;
constexpr int kThumbSize = 96;
constexpr int kPreviewId = -1;  // FastPreviews id of the big preview; thumbnails use their row
constexpr guint kPollMs = 100;

enum Column { kColPixbuf, kColName, kColModel, kColumns };

struct FastUi {
  nst_plugin::FastParams p;
  FastDialogContext ctx;
  std::vector<nst::FastModelInfo> installed;
  nst::Image thumb_source;
  FastPreviews previews;
  size_t thumbs_done = 0;
  nst::Image styled;         // the current network's preview, before strength/colours
  std::string styled_model;  // the model string `styled` (or `preview_error`) belongs to
  std::string preview_error;
  bool updating = false;

  GtkWidget* dialog = nullptr;
  GtkWidget* start_button = nullptr;
  GtkListStore* store = nullptr;
  GtkWidget* icons = nullptr;
  GtkWidget* file_button = nullptr;
  GtkWidget* preview = nullptr;
  GtkWidget* preview_note = nullptr;
#if GTK_MAJOR_VERSION >= 3
  GtkWidget* strength = nullptr;  // GimpScaleEntry
#else
  GtkObject* strength = nullptr;  // its adjustment
#endif
  GtkWidget* colors = nullptr;  // GtkComboBoxText: preserve_colors 0-2
  GtkWidget* size = nullptr;
  GtkWidget* tile = nullptr;
  GtkWidget* problem = nullptr;
  guint timer = 0;
};

bool is_installed_name(const FastUi* ui, const std::string& model) {
  for (const auto& m : ui->installed)
    if (m.name == model) return true;
  return false;
}

void show_image(GtkWidget* image, const nst::Image& img, int max_w, int max_h) {
  GdkPixbuf* pb = image_pixbuf(img, max_w, max_h);
  gtk_image_set_from_pixbuf(GTK_IMAGE(image), pb);
  if (pb) g_object_unref(pb);
}

void refresh(FastUi* ui) {
  std::string problem = nst_plugin::validate_fast_params(ui->p);
  const bool have_preview = ui->styled_model == ui->p.model && !ui->p.model.empty();
  if (problem.empty() && have_preview && !ui->preview_error.empty()) problem = ui->preview_error;
  gtk_label_set_text(GTK_LABEL(ui->problem), problem.c_str());
  gtk_widget_set_visible(ui->problem, !problem.empty());
  gtk_widget_set_sensitive(ui->start_button, problem.empty());

  if (have_preview && !ui->styled.empty()) {
    show_image(ui->preview, nst_plugin::finish_fast_style(ui->ctx.layer_small, ui->styled, ui->p),
               kFastPreviewSize, kFastPreviewSize);
    gtk_label_set_text(GTK_LABEL(ui->preview_note), "");
  } else {
    show_image(ui->preview, ui->ctx.layer_small, kFastPreviewSize, kFastPreviewSize);
    gtk_label_set_text(GTK_LABEL(ui->preview_note),
                       ui->p.model.empty() ? _("Choose a style to see a preview.")
                       : have_preview      ? _("No preview: see the message below.")
                                           : _("Painting the preview…"));
  }
}

// The chosen network changed: ask for its preview first.
void model_changed(FastUi* ui) {
  ui->styled = nst::Image();
  ui->preview_error.clear();
  ui->styled_model.clear();
  if (!ui->p.model.empty()) ui->previews.add(kPreviewId, ui->p.model, ui->ctx.layer_small, true);
  refresh(ui);
}

gboolean poll(gpointer data) {
  FastUi* ui = static_cast<FastUi*>(data);
  nst::Image img;
  std::string error;
  if (ui->previews.take(kPreviewId, &img, &error)) {
    ui->styled = std::move(img);
    ui->preview_error = error;
    ui->styled_model = ui->p.model;
    refresh(ui);
  }
  for (size_t i = 0; i < ui->installed.size(); ++i) {
    if (!ui->previews.take(int(i), &img, &error)) continue;
    ++ui->thumbs_done;
    GtkTreeIter iter;
    if (!gtk_tree_model_iter_nth_child(GTK_TREE_MODEL(ui->store), &iter, nullptr, gint(i))) continue;
    GdkPixbuf* pb = error.empty() ? image_pixbuf(img, kThumbSize, kThumbSize) : nullptr;
    if (pb) {
      gtk_list_store_set(ui->store, &iter, kColPixbuf, pb, -1);
      g_object_unref(pb);
    }
  }
  if (test_hook_enabled()) {
    test_hook_note("fast-previews",
                   "thumbnails=" + std::to_string(ui->thumbs_done) + "/" + std::to_string(ui->installed.size()) +
                       " preview=" + (ui->styled_model != ui->p.model || ui->p.model.empty() ? "pending"
                                      : ui->styled.empty()                                   ? "failed"
                                                                                              : "ready") +
                       " model=" + ui->p.model + "\n");
    test_hook_dump(ui->dialog, "fast-settings");
  }
  return TRUE;
}

void select_model_icon(FastUi* ui) {
  gtk_icon_view_unselect_all(GTK_ICON_VIEW(ui->icons));
  for (size_t i = 0; i < ui->installed.size(); ++i)
    if (ui->installed[i].name == ui->p.model) {
      GtkTreePath* path = gtk_tree_path_new_from_indices(gint(i), -1);
      gtk_icon_view_select_path(GTK_ICON_VIEW(ui->icons), path);
      gtk_icon_view_scroll_to_path(GTK_ICON_VIEW(ui->icons), path, FALSE, 0, 0);
      gtk_tree_path_free(path);
    }
}

void apply_params(FastUi* ui) {
  ui->updating = true;
  select_model_icon(ui);
  if (!ui->p.model.empty() && !is_installed_name(ui, ui->p.model))
    gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(ui->file_button), ui->p.model.c_str());
  else
    gtk_file_chooser_unselect_all(GTK_FILE_CHOOSER(ui->file_button));
#if GTK_MAJOR_VERSION >= 3
  gimp_label_spin_set_value(GIMP_LABEL_SPIN(ui->strength), ui->p.strength);
#else
  gtk_adjustment_set_value(GTK_ADJUSTMENT(ui->strength), ui->p.strength);
#endif
  gtk_combo_box_set_active(GTK_COMBO_BOX(ui->colors), ui->p.preserve_colors);
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(ui->size), ui->p.size);
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(ui->tile), ui->p.tile);
  ui->updating = false;
}

void on_icon_selection(GtkIconView* view, gpointer data) {
  FastUi* ui = static_cast<FastUi*>(data);
  if (ui->updating) return;
  GList* sel = gtk_icon_view_get_selected_items(view);
  if (sel) {
    const int i = gtk_tree_path_get_indices(static_cast<GtkTreePath*>(sel->data))[0];
    if (i >= 0 && size_t(i) < ui->installed.size() && ui->installed[size_t(i)].name != ui->p.model) {
      ui->p.model = ui->installed[size_t(i)].name;
      ui->updating = true;
      gtk_file_chooser_unselect_all(GTK_FILE_CHOOSER(ui->file_button));
      ui->updating = false;
      model_changed(ui);
    }
  }
  for (GList* l = sel; l; l = l->next) gtk_tree_path_free(static_cast<GtkTreePath*>(l->data));
  g_list_free(sel);
}

void on_file_set(GtkFileChooserButton* b, gpointer data) {
  FastUi* ui = static_cast<FastUi*>(data);
  if (ui->updating) return;
  gchar* f = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(b));
  const std::string path = f ? f : "";
  g_free(f);
  if (path.empty() || path == ui->p.model) return;
  ui->p.model = path;
  ui->updating = true;
  gtk_icon_view_unselect_all(GTK_ICON_VIEW(ui->icons));
  ui->updating = false;
  model_changed(ui);
}

#if GTK_MAJOR_VERSION >= 3
void on_strength(GimpLabelSpin* spin, gpointer data) {
  FastUi* ui = static_cast<FastUi*>(data);
  if (ui->updating) return;
  ui->p.strength = gimp_label_spin_get_value(spin);
  refresh(ui);
}
#else
void on_strength(GtkAdjustment* adj, gpointer data) {
  FastUi* ui = static_cast<FastUi*>(data);
  if (ui->updating) return;
  ui->p.strength = gtk_adjustment_get_value(adj);
  refresh(ui);
}
#endif

void on_colors(GtkComboBox* combo, gpointer data) {
  FastUi* ui = static_cast<FastUi*>(data);
  if (ui->updating) return;
  ui->p.preserve_colors = std::max(0, gtk_combo_box_get_active(combo));
  refresh(ui);
}

void on_spin(GtkSpinButton* spin, gpointer data) {
  FastUi* ui = static_cast<FastUi*>(data);
  if (ui->updating) return;
  const int v = gtk_spin_button_get_value_as_int(spin);
  if (GTK_WIDGET(spin) == ui->size)
    ui->p.size = v;
  else
    ui->p.tile = v;
  refresh(ui);
}

GtkWidget* build_style_frame(FastUi* ui) {
  GtkWidget* frame = gimp_frame_new(_("Style"));
  GtkWidget* vbox = gtk_vbox_new(FALSE, 6);
  gtk_container_add(GTK_CONTAINER(frame), vbox);

  ui->store = gtk_list_store_new(kColumns, GDK_TYPE_PIXBUF, G_TYPE_STRING, G_TYPE_STRING);
  GdkPixbuf* plain = image_pixbuf(ui->thumb_source, kThumbSize, kThumbSize);
  for (const auto& m : ui->installed) {
    GtkTreeIter iter;
    gtk_list_store_append(ui->store, &iter);
    const std::string label = nst_plugin::style_display_name(m.name);
    gtk_list_store_set(ui->store, &iter, kColPixbuf, plain, kColName, label.c_str(), kColModel, m.name.c_str(), -1);
  }
  if (plain) g_object_unref(plain);

  if (ui->installed.empty()) {
    GtkWidget* none = named(gtk_label_new(_("No fast styles are installed. Install them with "
                                            "install-scripts/install-models.sh --download fast-style, "
                                            "or choose a network file below.")),
                            "nst-no-styles");
    gtk_label_set_line_wrap(GTK_LABEL(none), TRUE);
    gtk_widget_set_size_request(none, 440, -1);
    gtk_misc_set_alignment(GTK_MISC(none), 0.0, 0.5);
    gtk_box_pack_start(GTK_BOX(vbox), none, FALSE, FALSE, 0);
  }
  ui->icons = named(gtk_icon_view_new_with_model(GTK_TREE_MODEL(ui->store)), "nst-styles");
  g_object_unref(ui->store);  // the view holds it
  gtk_icon_view_set_pixbuf_column(GTK_ICON_VIEW(ui->icons), kColPixbuf);
  gtk_icon_view_set_text_column(GTK_ICON_VIEW(ui->icons), kColName);
  gtk_icon_view_set_selection_mode(GTK_ICON_VIEW(ui->icons), GTK_SELECTION_SINGLE);
  gtk_icon_view_set_item_width(GTK_ICON_VIEW(ui->icons), kThumbSize + 8);
  gtk_icon_view_set_columns(GTK_ICON_VIEW(ui->icons), 5);
  gtk_icon_view_set_margin(GTK_ICON_VIEW(ui->icons), 4);
  gtk_widget_set_tooltip_text(ui->icons, _("Your layer painted by each installed style network."));
  g_signal_connect(ui->icons, "selection-changed", G_CALLBACK(on_icon_selection), ui);
  GtkWidget* scroll = gtk_scrolled_window_new(nullptr, nullptr);
  gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_shadow_type(GTK_SCROLLED_WINDOW(scroll), GTK_SHADOW_IN);
  const int rows = std::max<int>(1, std::min<int>(2, int((ui->installed.size() + 4) / 5)));
  gtk_widget_set_size_request(scroll, 5 * (kThumbSize + 26), rows * (kThumbSize + 40));
  gtk_container_add(GTK_CONTAINER(scroll), ui->icons);
  if (!ui->installed.empty()) gtk_box_pack_start(GTK_BOX(vbox), scroll, TRUE, TRUE, 0);

  GtkWidget* hbox = gtk_hbox_new(FALSE, 6);
  GtkWidget* label = gtk_label_new_with_mnemonic(_("Or a network _file:"));
  ui->file_button = named(gtk_file_chooser_button_new(_("Choose a fast-style network"),
                                                      GTK_FILE_CHOOSER_ACTION_OPEN),
                          "nst-network-file");
  gtk_label_set_mnemonic_widget(GTK_LABEL(label), ui->file_button);
  GtkFileFilter* f = gtk_file_filter_new();
  gtk_file_filter_set_name(f, _("Style networks (manifest.json, *.pth)"));
  for (const char* pattern : {"manifest.json", "*.pth", "*.pt", "*.model"}) gtk_file_filter_add_pattern(f, pattern);
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(ui->file_button), f);
  gtk_widget_set_tooltip_text(ui->file_button,
                              _("A network trained for one style: the manifest.json of an ml5 style folder, "
                                "a pytorch/examples TransformerNet .pth, or one made with nst train."));
  g_signal_connect(ui->file_button, "file-set", G_CALLBACK(on_file_set), ui);
  gtk_box_pack_start(GTK_BOX(hbox), label, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(hbox), ui->file_button, TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(vbox), hbox, FALSE, FALSE, 0);
  return frame;
}

GtkWidget* build_result_frame(FastUi* ui) {
  GtkWidget* frame = gimp_frame_new(_("Result"));
  GtkWidget* hbox = gtk_hbox_new(FALSE, 12);
  gtk_container_add(GTK_CONTAINER(frame), hbox);

  GtkWidget* pbox = gtk_vbox_new(FALSE, 4);
  GtkWidget* pframe = gtk_frame_new(nullptr);
  gtk_frame_set_shadow_type(GTK_FRAME(pframe), GTK_SHADOW_IN);
  ui->preview = named(gtk_image_new(), "nst-preview");
  gtk_widget_set_size_request(ui->preview, kFastPreviewSize, std::min(kFastPreviewSize, 240));
  gtk_container_add(GTK_CONTAINER(pframe), ui->preview);
  gtk_box_pack_start(GTK_BOX(pbox), pframe, FALSE, FALSE, 0);
  ui->preview_note = named(gtk_label_new(""), "nst-preview-note");
  gimp_label_set_attributes(GTK_LABEL(ui->preview_note), PANGO_ATTR_STYLE, PANGO_STYLE_ITALIC, -1);
  gtk_box_pack_start(GTK_BOX(pbox), ui->preview_note, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(hbox), pbox, FALSE, FALSE, 0);

  GtkWidget* table = gtk_table_new(6, 3, FALSE);
  gtk_table_set_row_spacings(GTK_TABLE(table), 6);
  gtk_table_set_col_spacings(GTK_TABLE(table), 6);
  const char* strength_tip = _("How much of the style goes into the result: 100 is the network's "
                               "painting, 0 the layer as it is.");
#if GTK_MAJOR_VERSION >= 3
  ui->strength = gimp_scale_entry_new(_("S_trength:"), ui->p.strength, 0, 100, 0);
  gtk_widget_set_name(gimp_scale_entry_get_range(GIMP_SCALE_ENTRY(ui->strength)), "nst-strength");
  gimp_help_set_help_data(ui->strength, strength_tip, nullptr);
  gtk_widget_set_size_request(ui->strength, 260, -1);
  gtk_table_attach(GTK_TABLE(table), ui->strength, 0, 3, 0, 1, GtkAttachOptions(GTK_EXPAND | GTK_FILL), GTK_FILL, 0, 0);
#else
  ui->strength = gimp_scale_entry_new(GTK_TABLE(table), 0, 0, _("S_trength:"), 120, 5, ui->p.strength, 0, 100,
                                      1, 10, 0, TRUE, 0, 0, strength_tip, nullptr);
  gtk_widget_set_name(GTK_WIDGET(GIMP_SCALE_ENTRY_SCALE(ui->strength)), "nst-strength");
#endif
  g_signal_connect(ui->strength, "value-changed", G_CALLBACK(on_strength), ui);

  ui->colors = named(gtk_combo_box_text_new(), "nst-colors");
  for (const char* item : {_("The painting's"), _("The layer's: only the brightness is painted"),
                           _("The layer's: the result is recoloured")})
    gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(ui->colors), item);
  gtk_combo_box_set_active(GTK_COMBO_BOX(ui->colors), ui->p.preserve_colors);
  gtk_widget_set_tooltip_text(ui->colors,
                              _("Whose colours the result has. Keeping the layer's colours takes only the "
                                "brushwork and light from the style: painting only the brightness keeps the "
                                "layer's colours exactly; recolouring gives the result the layer's range of "
                                "colours."));
  g_signal_connect(ui->colors, "changed", G_CALLBACK(on_colors), ui);
  GtkWidget* colors_label = gtk_label_new_with_mnemonic(_("C_olours:"));
  gtk_misc_set_alignment(GTK_MISC(colors_label), 0.0, 0.5);
  gtk_label_set_mnemonic_widget(GTK_LABEL(colors_label), ui->colors);
  gtk_table_attach(GTK_TABLE(table), colors_label, 0, 1, 1, 2, GTK_FILL, GTK_FILL, 0, 0);
  gtk_table_attach(GTK_TABLE(table), ui->colors, 1, 3, 1, 2, GTK_FILL, GTK_FILL, 0, 0);

  GtkWidget* expander = named(gtk_expander_new_with_mnemonic(_("_Advanced")), "nst-advanced");
  GtkWidget* adv = gtk_table_new(2, 2, FALSE);
  gtk_table_set_row_spacings(GTK_TABLE(adv), 6);
  gtk_table_set_col_spacings(GTK_TABLE(adv), 6);
  gtk_container_set_border_width(GTK_CONTAINER(adv), 6);
  auto spin_row = [&](int row, const char* text, const char* name, int max, const char* tip) {
    GtkWidget* spin = named(gtk_spin_button_new_with_range(0, max, 16), name);
    gtk_spin_button_set_digits(GTK_SPIN_BUTTON(spin), 0);
    gtk_widget_set_tooltip_text(spin, tip);
    GtkWidget* l = gtk_label_new_with_mnemonic(text);
    gtk_misc_set_alignment(GTK_MISC(l), 0.0, 0.5);
    gtk_label_set_mnemonic_widget(GTK_LABEL(l), spin);
    gtk_table_attach(GTK_TABLE(adv), l, 0, 1, row, row + 1, GTK_FILL, GTK_FILL, 0, 0);
    gtk_table_attach(GTK_TABLE(adv), spin, 1, 2, row, row + 1, GTK_FILL, GTK_FILL, 0, 0);
    g_signal_connect(spin, "value-changed", G_CALLBACK(on_spin), ui);
    return spin;
  };
  ui->size = spin_row(0, _("Paint at _size (px):"), "nst-size", nst_plugin::kMaxSize,
                      _("Longest side the network paints at; the result is scaled to the layer. Smaller "
                        "sizes give larger brush strokes. 0: the layer's own size."));
  ui->tile = spin_row(1, _("_Tile size (px):"), "nst-tile", nst_plugin::kMaxTile,
                      _("Large layers are painted in overlapping tiles of this size to bound the memory "
                        "needed. 0: the default (1024)."));
  gtk_container_add(GTK_CONTAINER(expander), adv);
  gtk_table_attach(GTK_TABLE(table), expander, 0, 3, 2, 3, GTK_FILL, GTK_FILL, 0, 0);
  gtk_box_pack_start(GTK_BOX(hbox), table, TRUE, TRUE, 0);
  return frame;
}

}  // namespace

FastDialogContext fast_dialog_context(const nst::Image& layer) {
  FastDialogContext ctx;
  const double s = double(kFastPreviewSize) / std::max(layer.width, layer.height);
  ctx.layer_small = s < 1 ? nst::resize(layer, std::max(1, int(layer.width * s)), std::max(1, int(layer.height * s)))
                          : layer;
  return ctx;
}

bool run_fast_dialog(nst_plugin::FastParams& params, const FastDialogContext& ctx) {
  FastUi ui;
  ui.p = params;
  ui.ctx = ctx;
  ui.installed = nst::list_fast_models();
  ui.thumb_source = ctx.layer_small;
  if (!ui.thumb_source.empty()) {
    const double s = double(kThumbSize) / std::max(ui.thumb_source.width, ui.thumb_source.height);
    if (s < 1)
      ui.thumb_source = nst::resize(ui.thumb_source, std::max(1, int(ui.thumb_source.width * s)),
                                    std::max(1, int(ui.thumb_source.height * s)));
  }
  if (ui.p.model.empty() && !ui.installed.empty()) ui.p.model = ui.installed.front().name;

  ui.dialog = gimp_dialog_new(_("Neural Style (Fast)"), "gimp-neural-style-fast", nullptr, GtkDialogFlags(0),
                              gimp_standard_help_func, "plug-in-neural-style-fast",
                              _("_Reset"), kResponseReset,
                              _("_Cancel"), GTK_RESPONSE_CANCEL,
                              _("_Start"), GTK_RESPONSE_OK,
                              nullptr);
#if GTK_MAJOR_VERSION >= 3
  gimp_dialog_set_alternative_button_order(GTK_DIALOG(ui.dialog), GTK_RESPONSE_OK, GTK_RESPONSE_CANCEL,
                                           kResponseReset, -1);
#else
  gtk_dialog_set_alternative_button_order(GTK_DIALOG(ui.dialog), GTK_RESPONSE_OK, GTK_RESPONSE_CANCEL,
                                          kResponseReset, -1);
#endif
  gtk_widget_set_name(gtk_dialog_get_widget_for_response(GTK_DIALOG(ui.dialog), kResponseReset), "nst-reset");
  gtk_widget_set_name(gtk_dialog_get_widget_for_response(GTK_DIALOG(ui.dialog), GTK_RESPONSE_CANCEL),
                      "nst-cancel");
  ui.start_button = gtk_dialog_get_widget_for_response(GTK_DIALOG(ui.dialog), GTK_RESPONSE_OK);
  gtk_widget_set_name(ui.start_button, "nst-start");
  gimp_window_set_transient(GTK_WINDOW(ui.dialog));

  GtkWidget* vbox = gtk_vbox_new(FALSE, 12);
  gtk_container_set_border_width(GTK_CONTAINER(vbox), 12);
  gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(ui.dialog))), vbox, TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(vbox), build_style_frame(&ui), TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(vbox), build_result_frame(&ui), FALSE, FALSE, 0);
  ui.problem = named(gtk_label_new(""), "nst-problem");
  gtk_label_set_line_wrap(GTK_LABEL(ui.problem), TRUE);
  gtk_widget_set_size_request(ui.problem, 560, -1);
  gtk_misc_set_alignment(GTK_MISC(ui.problem), 0.0, 0.5);
  gtk_box_pack_start(GTK_BOX(vbox), ui.problem, FALSE, FALSE, 0);

  gtk_widget_show_all(ui.dialog);
  apply_params(&ui);
  model_changed(&ui);  // the chosen style's preview first, then the gallery
  for (size_t i = 0; i < ui.installed.size(); ++i)
    ui.previews.add(int(i), ui.installed[i].name, ui.thumb_source);
  ui.timer = g_timeout_add(kPollMs, poll, &ui);

  bool accepted = false;
  for (;;) {
    const gint response = gimp_dialog_run(GIMP_DIALOG(ui.dialog));
    if (response == kResponseReset) {
      const std::string model = ui.p.model;  // keep the chosen style
      ui.p = nst_plugin::FastParams();
      ui.p.model = model;
      apply_params(&ui);
      refresh(&ui);
      continue;
    }
    accepted = response == GTK_RESPONSE_OK && gtk_widget_is_sensitive(ui.start_button);
    break;
  }
  g_source_remove(ui.timer);
  gtk_widget_destroy(ui.dialog);
  if (accepted) params = ui.p;
  return accepted;
}

}  // namespace nst_ui
