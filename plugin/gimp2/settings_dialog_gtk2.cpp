// Settings dialog, GTK2 + libgimpui-2.0 widgets. See settings_dialog_gtk2.h.
//
// The widgets write into a DialogState through their signal handlers; after
// every change refresh() asks the Validator what is wrong (shown above the
// buttons, Start insensitive), updates the quality preset, the thumbnail and
// the time estimate. The speed of the chosen network is measured once in the
// background (calibration.h) and kept in the profile.
#include "settings_dialog_gtk2.h"

#include <libgimp/gimpui.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "calibration.h"
#include "i18n.h"
#include "painting_list_gtk.h"
#include "test_hook_gtk.h"

namespace nst_ui {

namespace {

constexpr const char* kHelpId = "plug-in-neural-style";
constexpr int kResponseReset = 1;
constexpr int kThumbWidth = 176;
constexpr int kThumbHeight = 132;
constexpr int kRecentThumb = 40;

struct SettingsUi {
  DialogState state;
  SettingsContext ctx;
  Validator validator;
  std::vector<std::string> installed;  // installed networks, best first
  bool updating = false;               // widgets being set from state: ignore signals
  guint32 seed = 0;                    // gimp_random_seed_new writes these
  gboolean random_seed = FALSE;

  GtkWidget* dialog = nullptr;
  GtkWidget* start_button = nullptr;
  GtkWidget* radio_file = nullptr;
  GtkWidget* radio_layer = nullptr;
  GtkWidget* file_button = nullptr;
  GtkWidget* layer_combo = nullptr;
  std::unique_ptr<PaintingList> paintings;  // further paintings and the style's weight
  GtkWidget* thumbnail = nullptr;
  std::string thumbnail_key;
  GtkObject* strength = nullptr;
  GtkObject* smoothness = nullptr;
  GtkObject* stroke_size = nullptr;
  GtkObject* mix = nullptr;
  GtkWidget* colors = nullptr;
  GtkWidget* selection_mask = nullptr;
  GtkWidget* output = nullptr;
  GtkWidget* coarse = nullptr;
  Estimator estimator;
  GtkWidget* quality = nullptr;
  GtkWidget* quality_detail = nullptr;
  GtkWidget* estimate = nullptr;
  GtkWidget* seed_box = nullptr;
  GtkWidget* expander = nullptr;
  GtkWidget* network = nullptr;
  GtkWidget* network_file = nullptr;
  GtkWidget* network_info = nullptr;
  GtkWidget* iterations = nullptr;
  GtkWidget* size = nullptr;
  GtkWidget* style_layers = nullptr;
  GtkWidget* content_layers = nullptr;
  GtkWidget* optimizer = nullptr;
  GtkWidget* learning_rate = nullptr;
  GtkWidget* init = nullptr;
  GtkWidget* init_file = nullptr;
  GtkWidget* pooling = nullptr;
  GtkWidget* problem_box = nullptr;
  GtkWidget* problem = nullptr;

  // Background speed measurement.
  Calibrator calibration;
  guint calibration_timer = 0;
  guint dump_timer = 0;
};

void refresh(SettingsUi* ui);

// --- small helpers ------------------------------------------------------------

GtkWidget* left_label(const char* mnemonic_text, GtkWidget* target) {
  GtkWidget* l = gtk_label_new_with_mnemonic(mnemonic_text);
  gtk_misc_set_alignment(GTK_MISC(l), 0.0, 0.5);
  if (target) gtk_label_set_mnemonic_widget(GTK_LABEL(l), target);
  return l;
}

GtkWidget* attach_row(GtkWidget* table, int row, const char* label, GtkWidget* widget, int span = 2,
                      GtkWidget* mnemonic_target = nullptr) {
  GtkWidget* l = left_label(label, mnemonic_target ? mnemonic_target : widget);
  gtk_table_attach(GTK_TABLE(table), l, 0, 1, row, row + 1, GTK_FILL,
                   GTK_FILL, 0, 0);
  gtk_table_attach(GTK_TABLE(table), widget, 1, 1 + span, row, row + 1,
                   GtkAttachOptions(GTK_EXPAND | GTK_FILL), GTK_FILL, 0, 0);
  return l;
}

void set_chooser_file(GtkWidget* chooser, const std::string& path) {
  if (path.empty())
    gtk_file_chooser_unselect_all(GTK_FILE_CHOOSER(chooser));
  else
    gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(chooser), path.c_str());
}

std::string chooser_file(GtkWidget* chooser) {
  gchar* f = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(chooser));
  std::string s = f ? f : "";
  g_free(f);
  return s;
}

GtkWidget* text_combo(const std::vector<const char*>& items, const char* name) {
  GtkWidget* c = named(gtk_combo_box_text_new(), name);
  for (const char* item : items) gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(c), item);
  return c;
}

// --- constraint for the style layer combo --------------------------------------

gboolean style_constraint(gint32 /*image*/, gint32 item, gpointer /*data*/) {
  return style_drawable_ok(item);
}

// --- state -> widgets ----------------------------------------------------------

int network_index(const SettingsUi* ui) {
  if (ui->state.model_file.empty()) return 0;
  for (size_t i = 0; i < ui->installed.size(); ++i)
    if (ui->installed[i] == ui->state.model_file) return int(i) + 1;
  return int(ui->installed.size()) + 1;  // Other file
}

void apply_state(SettingsUi* ui) {
  ui->updating = true;
  const DialogState& s = ui->state;
  gtk_toggle_button_set_active(
      GTK_TOGGLE_BUTTON(s.style_source == StyleSource::Layer ? ui->radio_layer : ui->radio_file), TRUE);
  set_chooser_file(ui->file_button, s.style_file);
  if (style_drawable_ok(s.style_drawable))
    gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(ui->layer_combo), s.style_drawable);
  gtk_adjustment_set_value(GTK_ADJUSTMENT(ui->strength), s.strength);
  gtk_adjustment_set_value(GTK_ADJUSTMENT(ui->smoothness), s.smoothness);
  gtk_adjustment_set_value(GTK_ADJUSTMENT(ui->stroke_size), s.style_scale);
  gtk_adjustment_set_value(GTK_ADJUSTMENT(ui->mix), s.mix);
  gtk_combo_box_set_active(GTK_COMBO_BOX(ui->colors), s.preserve_colors);
  gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(ui->selection_mask), s.selection_mask);
  gtk_combo_box_set_active(GTK_COMBO_BOX(ui->output), s.output_size == 0 ? 0 : 1);
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(ui->coarse), s.coarse_iterations);
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(ui->iterations), s.iterations);
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(ui->size), s.size);
  ui->seed = guint32(s.seed);
  ui->random_seed = s.random_seed;
  gtk_adjustment_set_value(GIMP_RANDOM_SEED_SPINBUTTON_ADJ(ui->seed_box), ui->seed);
  gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(GIMP_RANDOM_SEED_TOGGLE(ui->seed_box)), s.random_seed);
  gtk_combo_box_set_active(GTK_COMBO_BOX(ui->network), network_index(ui));
  if (network_index(ui) == int(ui->installed.size()) + 1) set_chooser_file(ui->network_file, s.model_file);
  gtk_entry_set_text(GTK_ENTRY(ui->style_layers), s.style_layers.c_str());
  gtk_entry_set_text(GTK_ENTRY(ui->content_layers), s.content_layers.c_str());
  gtk_combo_box_set_active(GTK_COMBO_BOX(ui->optimizer), s.optimizer);
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(ui->learning_rate), s.learning_rate);
  gtk_combo_box_set_active(GTK_COMBO_BOX(ui->init), s.init);
  set_chooser_file(ui->init_file, s.init_file);
  gtk_combo_box_set_active(GTK_COMBO_BOX(ui->pooling), s.pooling);
  gtk_expander_set_expanded(GTK_EXPANDER(ui->expander), s.advanced_expanded);
  ui->paintings->set(s.more_styles, s.style_weight);
  ui->updating = false;
}

// --- thumbnail ------------------------------------------------------------------

void update_thumbnail(SettingsUi* ui) {
  const DialogState& s = ui->state;
  const std::string key = s.style_source == StyleSource::Layer
                              ? "layer:" + std::to_string(s.style_drawable)
                              : "file:" + s.style_file;
  if (key == ui->thumbnail_key) return;
  ui->thumbnail_key = key;
  GdkPixbuf* pb = nullptr;
  if (s.style_source == StyleSource::Layer) {
    if (style_drawable_ok(s.style_drawable))
      pb = gimp_drawable_get_thumbnail(s.style_drawable, kThumbWidth, kThumbHeight,
                                       GIMP_PIXBUF_SMALL_CHECKS);
  } else if (!s.style_file.empty()) {
    pb = gdk_pixbuf_new_from_file_at_scale(s.style_file.c_str(), kThumbWidth, kThumbHeight, TRUE,
                                           nullptr);
  }
  if (pb) {
    gtk_image_set_from_pixbuf(GTK_IMAGE(ui->thumbnail), pb);
    g_object_unref(pb);
  } else {
    gtk_image_set_from_stock(GTK_IMAGE(ui->thumbnail), GTK_STOCK_MISSING_IMAGE, GTK_ICON_SIZE_DIALOG);
  }
}

// --- time estimate ----------------------------------------------------------------

gboolean poll_calibration(gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (!ui->calibration.poll(ui->ctx.profile->speeds)) return TRUE;
  ui->calibration_timer = 0;
  refresh(ui);
  return FALSE;
}

void stop_calibration(SettingsUi* ui) {
  ui->calibration.stop();
  if (ui->calibration_timer) {
    g_source_remove(ui->calibration_timer);
    ui->calibration_timer = 0;
  }
}

// The time and memory line; returns the estimate (its fits() says whether
// the run fits in the memory available now).
RunEstimate update_estimate(SettingsUi* ui, bool valid) {
  const nst::ModelInfo* info = ui->validator.model();
  Speed speed;
  const Calibrator::Status status =
      valid && info ? ui->calibration.status(info->path, ui->ctx.profile->speeds, &speed) : Calibrator::Status::Failed;
  // The scales do not depend on the network (nor on a usable style).
  const RunEstimate e =
      ui->estimator.estimate(ui->ctx.content_width, ui->ctx.content_height,
                             to_params(ui->state, info ? *info : nst::ModelInfo()), info ? info->path : "", speed);
  gtk_label_set_text(GTK_LABEL(ui->quality_detail), e.detail.c_str());

  std::string text;
  if (!valid || !info) {
    text = "–";
  } else {
    switch (status) {
      case Calibrator::Status::Known:
        text = format_estimate(e.seconds);
        break;
      case Calibrator::Status::Failed:
        text = _("unknown");
        break;
      case Calibrator::Status::Measuring:
        if (!ui->calibration_timer) ui->calibration_timer = g_timeout_add(150, poll_calibration, ui);
        text = _("measuring the speed of this computer…");
        break;
    }
    const std::string memory = format_memory(e.bytes);
    if (!memory.empty()) text += ", " + memory;
  }
  gtk_label_set_text(GTK_LABEL(ui->estimate), text.c_str());
  return e;
}

// --- refresh after every change ------------------------------------------------------

void refresh(SettingsUi* ui) {
  if (ui->updating) return;
  DialogState& s = ui->state;
  const bool file_source = s.style_source == StyleSource::File;
  gtk_widget_set_sensitive(ui->file_button, file_source);
  gtk_widget_set_sensitive(ui->layer_combo, !file_source);
  update_thumbnail(ui);

  const int net = gtk_combo_box_get_active(GTK_COMBO_BOX(ui->network));
  gtk_widget_set_sensitive(ui->network_file, net == int(ui->installed.size()) + 1);
  gtk_widget_set_sensitive(ui->init_file, s.init == 2);

  // Quality preset follows iterations and size.
  ui->updating = true;
  const int preset = preset_index(s.iterations, s.size, s.output_size);
  gtk_combo_box_set_active(GTK_COMBO_BOX(ui->quality),
                           preset >= 0 ? preset : int(quality_presets().size()));
  ui->updating = false;

  std::string problem = ui->validator.check(s, style_drawable_ok(s.style_drawable));
  const RunEstimate e = update_estimate(ui, problem.empty());
  if (problem.empty() && !e.fits())
    problem = memory_problem(e.bytes, e.available_bytes);
  if (problem.empty()) {
    gtk_widget_hide(ui->problem_box);
  } else {
    gtk_label_set_text(GTK_LABEL(ui->problem), problem.c_str());
    gtk_widget_show(ui->problem_box);
  }
  gtk_widget_set_sensitive(ui->start_button, problem.empty());

  const nst::ModelInfo* info = ui->validator.model();
  if (info) {
    std::string layers;
    for (const auto& l : info->default_style_layers) layers += (layers.empty() ? "" : ",") + l;
    gchar* t = g_strdup_printf(_("Empty: the network's own choice (%s)."), layers.c_str());
    gtk_widget_set_tooltip_text(ui->style_layers, t);
    g_free(t);
    layers.clear();
    for (const auto& l : info->default_content_layers) layers += (layers.empty() ? "" : ",") + l;
    t = g_strdup_printf(_("Empty: the network's own choice (%s)."), layers.c_str());
    gtk_widget_set_tooltip_text(ui->content_layers, t);
    g_free(t);
    gtk_label_set_text(GTK_LABEL(ui->network_info), info->describe().c_str());
  } else {
    gtk_label_set_text(GTK_LABEL(ui->network_info), "");
  }
}

// --- signal handlers ------------------------------------------------------------------

void on_source_toggled(GtkToggleButton* b, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (ui->updating || !gtk_toggle_button_get_active(b)) return;
  ui->state.style_source = GTK_WIDGET(b) == ui->radio_layer ? StyleSource::Layer : StyleSource::File;
  refresh(ui);
}

void on_style_file_set(GtkFileChooserButton* b, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (ui->updating) return;
  ui->state.style_file = chooser_file(GTK_WIDGET(b));
  ui->state.style_source = StyleSource::File;
  refresh(ui);
}

void on_recent_clicked(GtkButton* b, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  const char* path = static_cast<const char*>(g_object_get_data(G_OBJECT(b), "nst-path"));
  if (!path) return;
  ui->state.style_file = path;
  ui->state.style_source = StyleSource::File;
  ui->updating = true;
  set_chooser_file(ui->file_button, path);
  gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(ui->radio_file), TRUE);
  ui->updating = false;
  refresh(ui);
}

void on_layer_changed(GtkWidget* combo, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (ui->updating) return;
  gint id = -1;
  if (gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(combo), &id)) ui->state.style_drawable = id;
  // Picking a layer means using it.
  ui->state.style_source = StyleSource::Layer;
  ui->updating = true;
  gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(ui->radio_layer), TRUE);
  ui->updating = false;
  refresh(ui);
}

void on_adjustment(GtkAdjustment* adj, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (ui->updating) return;
  if (GTK_OBJECT(adj) == ui->strength) ui->state.strength = gtk_adjustment_get_value(adj);
  if (GTK_OBJECT(adj) == ui->smoothness) ui->state.smoothness = gtk_adjustment_get_value(adj);
  if (GTK_OBJECT(adj) == ui->stroke_size) ui->state.style_scale = gtk_adjustment_get_value(adj);
  if (GTK_OBJECT(adj) == ui->mix) ui->state.mix = gtk_adjustment_get_value(adj);
  refresh(ui);
}

void on_spin(GtkSpinButton* spin, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (ui->updating) return;
  GtkWidget* w = GTK_WIDGET(spin);
  if (w == ui->iterations) ui->state.iterations = gtk_spin_button_get_value_as_int(spin);
  if (w == ui->size) ui->state.size = gtk_spin_button_get_value_as_int(spin);
  if (w == ui->learning_rate) ui->state.learning_rate = gtk_spin_button_get_value(spin);
  if (w == ui->coarse) ui->state.coarse_iterations = gtk_spin_button_get_value_as_int(spin);
  refresh(ui);
}

// The coarse-to-fine spin button shows -1 (a third of the iterations) as "Automatic".
gboolean on_coarse_output(GtkSpinButton* spin, gpointer) {
  if (gtk_spin_button_get_value_as_int(spin) != nst::kAutoCoarse) return FALSE;
  gtk_entry_set_text(GTK_ENTRY(spin), _("Automatic"));
  return TRUE;
}

gint on_coarse_input(GtkSpinButton* spin, gdouble* value, gpointer) {
  if (g_strcmp0(gtk_entry_get_text(GTK_ENTRY(spin)), _("Automatic")) != 0) return FALSE;
  *value = nst::kAutoCoarse;
  return TRUE;
}

void on_seed_changed(GtkAdjustment*, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (ui->updating) return;
  // gimp_random_seed_new keeps ui->seed and ui->random_seed current.
  ui->state.seed = int(ui->seed);
  ui->state.random_seed = ui->random_seed;
  refresh(ui);
}

void on_quality_changed(GtkComboBox* combo, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (ui->updating) return;
  const int i = gtk_combo_box_get_active(combo);
  const auto& presets = quality_presets();
  if (i >= 0 && i < int(presets.size())) {
    ui->state.iterations = presets[size_t(i)].iterations;
    ui->state.size = presets[size_t(i)].size;
    ui->state.output_size = presets[size_t(i)].output_size;
    ui->updating = true;
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(ui->iterations), ui->state.iterations);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(ui->size), ui->state.size);
    gtk_combo_box_set_active(GTK_COMBO_BOX(ui->output), ui->state.output_size == 0 ? 0 : 1);
    ui->updating = false;
  } else {
    // "Custom": the numbers are in the Advanced section.
    gtk_expander_set_expanded(GTK_EXPANDER(ui->expander), TRUE);
  }
  refresh(ui);
}

void on_combo(GtkComboBox* combo, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (ui->updating) return;
  const int i = gtk_combo_box_get_active(combo);
  GtkWidget* w = GTK_WIDGET(combo);
  if (w == ui->optimizer) ui->state.optimizer = i;
  if (w == ui->init) ui->state.init = i;
  if (w == ui->pooling) ui->state.pooling = i;
  if (w == ui->colors) ui->state.preserve_colors = i;
  if (w == ui->output) ui->state.output_size = i == 1 ? -1 : 0;
  if (w == ui->network) {
    if (i <= 0)
      ui->state.model_file.clear();
    else if (i <= int(ui->installed.size()))
      ui->state.model_file = ui->installed[size_t(i - 1)];
    else
      ui->state.model_file = chooser_file(ui->network_file);
  }
  refresh(ui);
}

void on_file_set(GtkFileChooserButton* b, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (ui->updating) return;
  if (GTK_WIDGET(b) == ui->network_file) ui->state.model_file = chooser_file(ui->network_file);
  if (GTK_WIDGET(b) == ui->init_file) ui->state.init_file = chooser_file(ui->init_file);
  refresh(ui);
}

void on_entry(GtkEditable* e, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (ui->updating) return;
  const std::string text = gtk_entry_get_text(GTK_ENTRY(e));
  if (GTK_WIDGET(e) == ui->style_layers) ui->state.style_layers = text;
  if (GTK_WIDGET(e) == ui->content_layers) ui->state.content_layers = text;
  refresh(ui);
}

void on_toggled(GtkToggleButton* b, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (ui->updating) return;
  if (GTK_WIDGET(b) == ui->selection_mask) ui->state.selection_mask = gtk_toggle_button_get_active(b);
  refresh(ui);
}

// The list's changes into the state.
void on_paintings_changed(SettingsUi* ui) {
  if (ui->updating) return;
  ui->state.more_styles = ui->paintings->paintings();
  ui->state.style_weight = ui->paintings->style_weight();
  refresh(ui);
}

void on_expanded(GObject* expander, GParamSpec*, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  ui->state.advanced_expanded = gtk_expander_get_expanded(GTK_EXPANDER(expander));
}

gboolean dump_for_tests(gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  test_hook_dump(ui->dialog, "settings");
  return TRUE;
}

// --- building the dialog -----------------------------------------------------------------

GtkWidget* build_style_frame(SettingsUi* ui) {
  GtkWidget* frame = gimp_frame_new(_("Style"));
  GtkWidget* hbox = gtk_hbox_new(FALSE, 12);
  gtk_container_add(GTK_CONTAINER(frame), hbox);

  GtkWidget* vbox = gtk_vbox_new(FALSE, 6);
  gtk_box_pack_start(GTK_BOX(hbox), vbox, TRUE, TRUE, 0);

  ui->radio_file = named(gtk_radio_button_new_with_mnemonic(nullptr, _("From a _painting (image file):")),
                         "nst-style-from-file");
  gtk_box_pack_start(GTK_BOX(vbox), ui->radio_file, FALSE, FALSE, 0);
  GtkWidget* indent = gtk_alignment_new(0, 0, 1, 1);
  gtk_alignment_set_padding(GTK_ALIGNMENT(indent), 0, 0, 20, 0);
  GtkWidget* file_box = gtk_vbox_new(FALSE, 4);
  gtk_container_add(GTK_CONTAINER(indent), file_box);
  gtk_box_pack_start(GTK_BOX(vbox), indent, FALSE, FALSE, 0);

  ui->file_button = named(image_chooser_button(_("Choose the Style Image")), "nst-style-file");
  gtk_widget_set_tooltip_text(ui->file_button,
                              _("A painting or any picture whose colours, brush strokes and "
                                "textures the result should take on."));
  gtk_box_pack_start(GTK_BOX(file_box), ui->file_button, FALSE, FALSE, 0);
  g_signal_connect(ui->file_button, "file-set", G_CALLBACK(on_style_file_set), ui);

  // Recently used styles as small thumbnails.
  const std::vector<std::string> recent = existing_styles(ui->ctx.profile->recent_styles);
  if (!recent.empty()) {
    GtkWidget* row = named(gtk_hbox_new(FALSE, 2), "nst-recent");
    gtk_box_pack_start(GTK_BOX(row), left_label(_("Recent:"), nullptr), FALSE, FALSE, 4);
    int n = 0;
    for (const std::string& path : recent) {
      GdkPixbuf* pb =
          gdk_pixbuf_new_from_file_at_scale(path.c_str(), kRecentThumb, kRecentThumb, TRUE, nullptr);
      if (!pb) continue;
      gchar* name = g_strdup_printf("nst-recent-%d", n++);
      GtkWidget* b = named(gtk_button_new(), name);
      g_free(name);
      gtk_button_set_relief(GTK_BUTTON(b), GTK_RELIEF_NONE);
      gtk_container_add(GTK_CONTAINER(b), gtk_image_new_from_pixbuf(pb));
      g_object_unref(pb);
      g_object_set_data_full(G_OBJECT(b), "nst-path", g_strdup(path.c_str()), g_free);
      gchar* base = g_path_get_basename(path.c_str());
      gtk_widget_set_tooltip_text(b, base);
      g_free(base);
      g_signal_connect(b, "clicked", G_CALLBACK(on_recent_clicked), ui);
      gtk_box_pack_start(GTK_BOX(row), b, FALSE, FALSE, 0);
    }
    gtk_box_pack_start(GTK_BOX(file_box), row, FALSE, FALSE, 0);
  }

  ui->radio_layer = named(gtk_radio_button_new_with_mnemonic_from_widget(
                              GTK_RADIO_BUTTON(ui->radio_file), _("From a la_yer of an open image:")),
                          "nst-style-from-layer");
  gtk_box_pack_start(GTK_BOX(vbox), ui->radio_layer, FALSE, FALSE, 0);
  indent = gtk_alignment_new(0, 0, 1, 1);
  gtk_alignment_set_padding(GTK_ALIGNMENT(indent), 0, 0, 20, 0);
  ui->layer_combo = named(gimp_drawable_combo_box_new(style_constraint, nullptr), "nst-style-layer");
  gtk_container_add(GTK_CONTAINER(indent), ui->layer_combo);
  gtk_box_pack_start(GTK_BOX(vbox), indent, FALSE, FALSE, 0);
  g_signal_connect(ui->radio_file, "toggled", G_CALLBACK(on_source_toggled), ui);
  g_signal_connect(ui->radio_layer, "toggled", G_CALLBACK(on_source_toggled), ui);

  // Further paintings mixed in, each with a weight (the style's own beside them).
  ui->paintings = std::make_unique<PaintingList>([ui] { on_paintings_changed(ui); });
  gtk_box_pack_start(GTK_BOX(vbox), ui->paintings->widget(), FALSE, FALSE, 0);

  GtkWidget* thumb_frame = gtk_frame_new(nullptr);
  gtk_frame_set_shadow_type(GTK_FRAME(thumb_frame), GTK_SHADOW_IN);
  ui->thumbnail = named(gtk_image_new(), "nst-style-thumbnail");
  gtk_widget_set_size_request(ui->thumbnail, kThumbWidth, kThumbHeight);
  gtk_container_add(GTK_CONTAINER(thumb_frame), ui->thumbnail);
  GtkWidget* thumb_align = gtk_alignment_new(0.5, 0, 0, 0);
  gtk_container_add(GTK_CONTAINER(thumb_align), thumb_frame);
  gtk_box_pack_start(GTK_BOX(hbox), thumb_align, FALSE, FALSE, 0);
  return frame;
}

GtkWidget* build_result_frame(SettingsUi* ui) {
  GtkWidget* frame = gimp_frame_new(_("Result"));
  GtkWidget* vbox = gtk_vbox_new(FALSE, 6);
  gtk_container_add(GTK_CONTAINER(frame), vbox);
  // Sliders (label, scale, number) above the other rows (label, widget);
  // the size group lines up the label columns of both tables.
  GtkWidget* sliders = gtk_table_new(4, 3, FALSE);
  gtk_table_set_col_spacings(GTK_TABLE(sliders), 6);
  gtk_table_set_row_spacings(GTK_TABLE(sliders), 6);
  gtk_box_pack_start(GTK_BOX(vbox), sliders, FALSE, FALSE, 0);
  GtkWidget* table = gtk_table_new(5, 2, FALSE);
  gtk_table_set_col_spacings(GTK_TABLE(table), 6);
  gtk_table_set_row_spacings(GTK_TABLE(table), 6);
  gtk_box_pack_start(GTK_BOX(vbox), table, FALSE, FALSE, 0);
  GtkSizeGroup* labels = gtk_size_group_new(GTK_SIZE_GROUP_HORIZONTAL);

  ui->strength = gimp_scale_entry_new(
      GTK_TABLE(sliders), 0, 0, _("Style stren_gth:"), 260, 5, kSliderNeutral, kSliderMin, kSliderMax,
      1, 10, 0, TRUE, 0, 0,
      _("How much of the painting's look replaces the photo's details. 50 is the network's own "
        "balance; 25 more makes the style ten times stronger, 25 less ten times weaker."),
      nullptr);
  gtk_widget_set_name(GTK_WIDGET(GIMP_SCALE_ENTRY_SCALE(ui->strength)), "nst-strength");
  g_signal_connect(ui->strength, "value-changed", G_CALLBACK(on_adjustment), ui);

  ui->smoothness = gimp_scale_entry_new(
      GTK_TABLE(sliders), 0, 1, _("S_moothness:"), 260, 5, kSliderNeutral, kSliderMin, kSliderMax, 1,
      10, 0, TRUE, 0, 0,
      _("Evens out grain and speckles in the result. 0 turns smoothing off; higher values give "
        "calmer, flatter areas."),
      nullptr);
  gtk_widget_set_name(GTK_WIDGET(GIMP_SCALE_ENTRY_SCALE(ui->smoothness)), "nst-smoothness");
  g_signal_connect(ui->smoothness, "value-changed", G_CALLBACK(on_adjustment), ui);

  ui->stroke_size = gimp_scale_entry_new(
      GTK_TABLE(sliders), 0, 2, _("Stroke si_ze:"), 260, 5, 1, 0.1, 4, 0.05, 0.25, 2, TRUE, 0, 0,
      _("The size of the painting's brush strokes on the layer: the painting is read this many times "
        "larger (1 = as large as the layer's copy; 2 = strokes twice as large)."),
      nullptr);
  gtk_widget_set_name(GTK_WIDGET(GIMP_SCALE_ENTRY_SCALE(ui->stroke_size)), "nst-stroke-size");
  g_signal_connect(ui->stroke_size, "value-changed", G_CALLBACK(on_adjustment), ui);

  ui->mix = gimp_scale_entry_new(
      GTK_TABLE(sliders), 0, 3, _("Mi_x (%):"), 260, 5, 100, 0, 100, 1, 10, 0, TRUE, 0, 0,
      _("How much of the result covers the layer: 100 is all style, 50 lets half of the photo show "
        "through."),
      nullptr);
  gtk_widget_set_name(GTK_WIDGET(GIMP_SCALE_ENTRY_SCALE(ui->mix)), "nst-mix");
  g_signal_connect(ui->mix, "value-changed", G_CALLBACK(on_adjustment), ui);

  ui->quality = named(gtk_combo_box_text_new(), "nst-quality");
  for (const QualityPreset& p : quality_presets())
    gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(ui->quality), _(p.label));
  gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(ui->quality), _("Custom"));
  gtk_widget_set_tooltip_text(ui->quality,
                              _("Higher quality works on a larger copy of the layer for more "
                                "steps: finer brush strokes, but it takes longer."));
  g_signal_connect(ui->quality, "changed", G_CALLBACK(on_quality_changed), ui);
  GtkWidget* quality_row = gtk_hbox_new(FALSE, 12);
  gtk_box_pack_start(GTK_BOX(quality_row), ui->quality, FALSE, FALSE, 0);
  ui->quality_detail = named(gtk_label_new(""), "nst-quality-detail");
  gtk_misc_set_alignment(GTK_MISC(ui->quality_detail), 0.0, 0.5);
  gimp_label_set_attributes(GTK_LABEL(ui->quality_detail), PANGO_ATTR_STYLE, PANGO_STYLE_ITALIC, -1);
  gtk_box_pack_start(GTK_BOX(quality_row), ui->quality_detail, TRUE, TRUE, 0);
  gtk_size_group_add_widget(labels, GTK_WIDGET(GIMP_SCALE_ENTRY_LABEL(ui->strength)));
  gtk_size_group_add_widget(labels, GTK_WIDGET(GIMP_SCALE_ENTRY_LABEL(ui->smoothness)));
  gtk_size_group_add_widget(labels, GTK_WIDGET(GIMP_SCALE_ENTRY_LABEL(ui->stroke_size)));
  gtk_size_group_add_widget(labels, GTK_WIDGET(GIMP_SCALE_ENTRY_LABEL(ui->mix)));
  gtk_size_group_add_widget(labels, attach_row(table, 1, _("_Quality:"), quality_row, 1, ui->quality));

  ui->estimate = named(gtk_label_new(""), "nst-estimate");
  gtk_misc_set_alignment(GTK_MISC(ui->estimate), 0.0, 0.5);
  gimp_label_set_attributes(GTK_LABEL(ui->estimate), PANGO_ATTR_WEIGHT, PANGO_WEIGHT_BOLD, -1);
  gtk_size_group_add_widget(labels, attach_row(table, 2, _("Time needed:"), ui->estimate, 1));

  ui->colors = text_combo({_("The painting's"), _("The layer's: only the brightness is painted"),
                           _("The layer's: the painting is recoloured first")},
                          "nst-colors");
  gtk_widget_set_tooltip_text(ui->colors,
                              _("Whose colours the result has. Keeping the layer's colours paints only the "
                                "brushwork and texture of the style."));
  g_signal_connect(ui->colors, "changed", G_CALLBACK(on_combo), ui);
  gtk_size_group_add_widget(labels, attach_row(table, 0, _("C_olours:"), ui->colors, 1));

  ui->selection_mask =
      named(gtk_check_button_new_with_mnemonic(_("Change only the selected pixels (mask from the _selection)")),
            "nst-selection-mask");
  gtk_widget_set_tooltip_text(ui->selection_mask,
                              _("With a selection that is not a plain rectangle (an ellipse, a free shape, "
                                "a feathered edge) the new layer gets a layer mask made from it."));
  g_signal_connect(ui->selection_mask, "toggled", G_CALLBACK(on_toggled), ui);
  gtk_table_attach(GTK_TABLE(table), ui->selection_mask, 1, 2, 4, 5, GTK_FILL, GTK_FILL, 0, 0);

  ui->seed_box = gimp_random_seed_new(&ui->seed, &ui->random_seed);
  gtk_widget_set_name(GTK_WIDGET(GIMP_RANDOM_SEED_SPINBUTTON(ui->seed_box)), "nst-seed");
  gtk_widget_set_name(GTK_WIDGET(GIMP_RANDOM_SEED_TOGGLE(ui->seed_box)), "nst-random-seed");
  GList* children = gtk_container_get_children(GTK_CONTAINER(ui->seed_box));
  for (GList* c = children; c; c = c->next)
    if (GTK_IS_BUTTON(c->data) && !GTK_IS_TOGGLE_BUTTON(c->data))
      gtk_widget_set_name(GTK_WIDGET(c->data), "nst-new-seed");
  g_list_free(children);
  gtk_widget_set_tooltip_text(GTK_WIDGET(GIMP_RANDOM_SEED_SPINBUTTON(ui->seed_box)),
                              _("Picks the random starting pattern when starting from noise "
                                "(Advanced); the same seed gives the same result."));
  g_signal_connect(GIMP_RANDOM_SEED_SPINBUTTON_ADJ(ui->seed_box), "value-changed",
                   G_CALLBACK(on_seed_changed), ui);
  g_signal_connect_after(GIMP_RANDOM_SEED_TOGGLE(ui->seed_box), "toggled", G_CALLBACK(on_seed_changed),
                         ui);
  gtk_size_group_add_widget(labels, attach_row(table, 3, _("Random s_eed:"), ui->seed_box, 1,
                                              GTK_WIDGET(GIMP_RANDOM_SEED_SPINBUTTON(ui->seed_box))));
  g_object_unref(labels);
  return frame;
}

GtkWidget* build_advanced(SettingsUi* ui) {
  ui->expander = named(gtk_expander_new_with_mnemonic(_("_Advanced")), "nst-advanced");
  g_signal_connect(ui->expander, "notify::expanded", G_CALLBACK(on_expanded), ui);
  GtkWidget* table = gtk_table_new(11, 3, FALSE);
  gtk_table_set_col_spacings(GTK_TABLE(table), 6);
  gtk_table_set_row_spacings(GTK_TABLE(table), 6);
  gtk_container_set_border_width(GTK_CONTAINER(table), 6);
  gtk_container_add(GTK_CONTAINER(ui->expander), table);
  int row = 0;

  // Network: automatic, each installed one, or another file.
  ui->network = named(gtk_combo_box_text_new(), "nst-network");
  std::string best;
  for (const std::string& path : ui->installed) {
    std::string label = file_display_name(path);
    try {
      label = model_display_name(nst::inspect_model(path));
    } catch (const std::exception&) {
    }
    if (best.empty()) best = label;
    gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(ui->network), label.c_str());
  }
  gchar* automatic = best.empty() ? g_strdup(_("Automatic (none installed)"))
                                  : g_strdup_printf(_("Automatic: %s"), best.c_str());
  gtk_combo_box_text_prepend_text(GTK_COMBO_BOX_TEXT(ui->network), automatic);
  g_free(automatic);
  gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(ui->network), _("Other file…"));
  gtk_widget_set_tooltip_text(ui->network,
                              _("The image-recognition network that judges content and style. "
                                "VGG-19 gives the classic look; Darknet-tiny is much faster."));
  g_signal_connect(ui->network, "changed", G_CALLBACK(on_combo), ui);
  ui->network_file = named(gtk_file_chooser_button_new(_("Choose the Network File"),
                                                       GTK_FILE_CHOOSER_ACTION_OPEN),
                           "nst-network-file");
  {
    GtkFileFilter* f = gtk_file_filter_new();
    gtk_file_filter_set_name(f, _("Networks (*.pth, model.json)"));
    gtk_file_filter_add_pattern(f, "*.pth");
    gtk_file_filter_add_pattern(f, "*.json");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(ui->network_file), f);
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(ui->network_file), all_files_filter());
  }
  g_signal_connect(ui->network_file, "file-set", G_CALLBACK(on_file_set), ui);
  gtk_table_attach(GTK_TABLE(table), left_label(_("Net_work:"), ui->network), 0, 1, row, row + 1,
                   GTK_FILL, GTK_FILL, 0, 0);
  gtk_table_attach(GTK_TABLE(table), ui->network, 1, 2, row, row + 1, GTK_FILL, GTK_FILL, 0, 0);
  gtk_table_attach(GTK_TABLE(table), ui->network_file, 2, 3, row, row + 1,
                   GtkAttachOptions(GTK_EXPAND | GTK_FILL), GTK_FILL, 0, 0);
  ++row;
  ui->network_info = named(gtk_label_new(""), "nst-network-info");
  gtk_misc_set_alignment(GTK_MISC(ui->network_info), 0.0, 0.5);
  gtk_label_set_ellipsize(GTK_LABEL(ui->network_info), PANGO_ELLIPSIZE_MIDDLE);
  gimp_label_set_attributes(GTK_LABEL(ui->network_info), PANGO_ATTR_SCALE, PANGO_SCALE_SMALL, -1);
  gtk_table_attach(GTK_TABLE(table), ui->network_info, 1, 3, row, row + 1,
                   GtkAttachOptions(GTK_EXPAND | GTK_FILL), GTK_FILL, 0, 0);
  ++row;

  ui->iterations = named(gtk_spin_button_new_with_range(nst_plugin::kMinIterations,
                                                        nst_plugin::kMaxIterations, 10),
                         "nst-iterations");
  gtk_widget_set_tooltip_text(ui->iterations, _("Optimisation steps: more steps, more detail."));
  g_signal_connect(ui->iterations, "value-changed", G_CALLBACK(on_spin), ui);
  attach_row(table, row++, _("_Iterations:"), ui->iterations, 1);

  ui->size = named(gtk_spin_button_new_with_range(nst_plugin::kMinSize, nst_plugin::kMaxSize, 32),
                   "nst-size");
  gtk_widget_set_tooltip_text(ui->size,
                              _("Longest side of the copy the network works on, in pixels. The "
                                "result is scaled back to the layer's size; a layer is never "
                                "enlarged."));
  g_signal_connect(ui->size, "value-changed", G_CALLBACK(on_spin), ui);
  attach_row(table, row++, _("Wor_king size (px):"), ui->size, 1);

  ui->output = text_combo({_("Working size, scaled to the layer"), _("The layer's own size (full detail)")},
                          "nst-output");
  gtk_widget_set_tooltip_text(ui->output,
                              _("The layer's own size goes on painting at larger and larger copies up to the "
                                "layer's size (in tiles when large): real brush detail when you zoom in or "
                                "print, for more time and memory."));
  g_signal_connect(ui->output, "changed", G_CALLBACK(on_combo), ui);
  attach_row(table, row++, _("_Paint up to:"), ui->output, 1);

  ui->coarse = named(gtk_spin_button_new_with_range(nst::kAutoCoarse, nst_plugin::kMaxIterations, 10), "nst-coarse");
  gtk_spin_button_set_numeric(GTK_SPIN_BUTTON(ui->coarse), FALSE);  // room for the word
  gtk_entry_set_width_chars(GTK_ENTRY(ui->coarse), 10);
  gtk_widget_set_tooltip_text(ui->coarse,
                              _("Iterations on a quarter-size and a half-size copy first (Automatic: a third of "
                                "the iterations; 0 = off): larger shapes of the style and a lower loss for "
                                "about a tenth more time."));
  g_signal_connect(ui->coarse, "output", G_CALLBACK(on_coarse_output), nullptr);
  g_signal_connect(ui->coarse, "input", G_CALLBACK(on_coarse_input), nullptr);
  g_signal_connect(ui->coarse, "value-changed", G_CALLBACK(on_spin), ui);
  attach_row(table, row++, _("Coarse-to-_fine steps:"), ui->coarse, 1);

  ui->style_layers = named(gtk_entry_new(), "nst-style-layers");
  g_signal_connect(ui->style_layers, "changed", G_CALLBACK(on_entry), ui);
  attach_row(table, row++, _("S_tyle layers:"), ui->style_layers);
  ui->content_layers = named(gtk_entry_new(), "nst-content-layers");
  g_signal_connect(ui->content_layers, "changed", G_CALLBACK(on_entry), ui);
  attach_row(table, row++, _("Content _layers:"), ui->content_layers);

  ui->optimizer = text_combo({_("L-BFGS (best quality)"), _("Adam (less memory)")}, "nst-optimizer");
  g_signal_connect(ui->optimizer, "changed", G_CALLBACK(on_combo), ui);
  attach_row(table, row++, _("_Optimiser:"), ui->optimizer, 1);

  ui->learning_rate = named(gtk_spin_button_new_with_range(0, 100, 0.01), "nst-learning-rate");
  gtk_spin_button_set_digits(GTK_SPIN_BUTTON(ui->learning_rate), 3);
  gtk_widget_set_tooltip_text(ui->learning_rate,
                              _("Step size of the optimiser. 0 chooses automatically (1 for "
                                "L-BFGS, 0.02 for Adam)."));
  g_signal_connect(ui->learning_rate, "value-changed", G_CALLBACK(on_spin), ui);
  attach_row(table, row++, _("Learning rate:"), ui->learning_rate, 1);

  ui->init = text_combo({_("The layer itself"), _("Random noise"), _("An image file")}, "nst-init");
  g_signal_connect(ui->init, "changed", G_CALLBACK(on_combo), ui);
  ui->init_file = named(image_chooser_button(_("Choose the Start Image")), "nst-init-file");
  g_signal_connect(ui->init_file, "file-set", G_CALLBACK(on_file_set), ui);
  gtk_table_attach(GTK_TABLE(table), left_label(_("Start _from:"), ui->init), 0, 1, row, row + 1,
                   GTK_FILL, GTK_FILL, 0, 0);
  gtk_table_attach(GTK_TABLE(table), ui->init, 1, 2, row, row + 1, GTK_FILL, GTK_FILL, 0, 0);
  gtk_table_attach(GTK_TABLE(table), ui->init_file, 2, 3, row, row + 1,
                   GtkAttachOptions(GTK_EXPAND | GTK_FILL), GTK_FILL, 0, 0);
  ++row;

  ui->pooling = text_combo({_("Max (crisper)"), _("Average (softer)")}, "nst-pooling");
  g_signal_connect(ui->pooling, "changed", G_CALLBACK(on_combo), ui);
  attach_row(table, row++, _("Pooling:"), ui->pooling, 1);
  return ui->expander;
}

void reset(SettingsUi* ui) {
  // Back to the defaults, but keep the chosen style.
  DialogState fresh;
  fresh.style_source = ui->state.style_source;
  fresh.style_file = ui->state.style_file;
  fresh.style_drawable = ui->state.style_drawable;
  fresh.advanced_expanded = ui->state.advanced_expanded;
  ui->state = fresh;
  apply_state(ui);
  refresh(ui);
}

}  // namespace

bool style_drawable_ok(gint32 drawable) {
  return drawable > 0 && gimp_item_is_valid(drawable) && gimp_item_is_drawable(drawable) &&
         !gimp_drawable_is_indexed(drawable);
}

bool run_settings_dialog(DialogState& state, const SettingsContext& ctx) {
  SettingsUi ui;
  ui.state = state;
  ui.ctx = ctx;
  try {
    ui.installed = nst::installed_models();
  } catch (const std::exception&) {
  }

  ui.dialog = gimp_dialog_new(_("Neural Style Transfer"), "gimp-neural-style", nullptr, GtkDialogFlags(0),
                              gimp_standard_help_func, kHelpId,
                              _("_Reset"), kResponseReset,
                              _("_Cancel"), GTK_RESPONSE_CANCEL,
                              _("_Start"), GTK_RESPONSE_OK,
                              nullptr);
  gtk_dialog_set_alternative_button_order(GTK_DIALOG(ui.dialog), GTK_RESPONSE_OK, GTK_RESPONSE_CANCEL,
                                           kResponseReset, -1);
  gtk_widget_set_name(gtk_dialog_get_widget_for_response(GTK_DIALOG(ui.dialog), kResponseReset), "nst-reset");
  gtk_widget_set_name(gtk_dialog_get_widget_for_response(GTK_DIALOG(ui.dialog), GTK_RESPONSE_CANCEL),
                      "nst-cancel");
  ui.start_button = gtk_dialog_get_widget_for_response(GTK_DIALOG(ui.dialog), GTK_RESPONSE_OK);
  gtk_widget_set_name(ui.start_button, "nst-start");
  gtk_widget_set_tooltip_text(ui.start_button,
                              _("Paint a copy of the layer in the chosen style. The result is "
                                "added as a new layer; you can watch it and stop early."));
  gimp_window_set_transient(GTK_WINDOW(ui.dialog));

  GtkWidget* main_vbox = gtk_vbox_new(FALSE, 12);
  gtk_container_set_border_width(GTK_CONTAINER(main_vbox), 12);
  gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(ui.dialog))), main_vbox, TRUE,
                     TRUE, 0);
  gtk_box_pack_start(GTK_BOX(main_vbox), build_style_frame(&ui), FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(main_vbox), build_result_frame(&ui), FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(main_vbox), build_advanced(&ui), FALSE, FALSE, 0);

  ui.problem_box = gtk_hbox_new(FALSE, 6);
  GtkWidget* icon = gtk_image_new_from_icon_name(GIMP_ICON_DIALOG_WARNING, GTK_ICON_SIZE_BUTTON);
  gtk_box_pack_start(GTK_BOX(ui.problem_box), icon, FALSE, FALSE, 0);
  ui.problem = named(gtk_label_new(""), "nst-problem");
  gtk_label_set_line_wrap(GTK_LABEL(ui.problem), TRUE);
  gtk_widget_set_size_request(ui.problem, 440, -1);
  gtk_misc_set_alignment(GTK_MISC(ui.problem), 0.0, 0.5);
  gtk_box_pack_start(GTK_BOX(ui.problem_box), ui.problem, TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(main_vbox), ui.problem_box, FALSE, FALSE, 0);

  // The layer combo reports its choice; when the remembered style layer is
  // gone it offers its first entry.
  ui.updating = true;
  gimp_int_combo_box_connect(GIMP_INT_COMBO_BOX(ui.layer_combo), ui.state.style_drawable,
                             G_CALLBACK(on_layer_changed), &ui);
  gint active = -1;
  if (!style_drawable_ok(ui.state.style_drawable) &&
      gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(ui.layer_combo), &active))
    ui.state.style_drawable = active;
  ui.updating = false;

  gtk_widget_show_all(ui.dialog);
  apply_state(&ui);
  // The seed widget may have drawn a new random seed.
  ui.state.seed = int(ui.seed);
  refresh(&ui);
  if (test_hook_enabled()) ui.dump_timer = g_timeout_add(250, dump_for_tests, &ui);

  bool accepted = false;
  for (;;) {
    const gint response = gimp_dialog_run(GIMP_DIALOG(ui.dialog));
    if (response == kResponseReset) {
      reset(&ui);
      continue;
    }
    accepted = response == GTK_RESPONSE_OK && gtk_widget_is_sensitive(ui.start_button);
    break;
  }
  if (ui.dump_timer) g_source_remove(ui.dump_timer);
  stop_calibration(&ui);
  gtk_widget_destroy(ui.dialog);

  if (accepted) {
    ui.state.seed = int(ui.seed);
    ui.state.random_seed = ui.random_seed;
    state = ui.state;
    if (state.style_source == StyleSource::File) remember_style(ctx.profile->recent_styles, state.style_file);
  }
  return accepted;
}

}  // namespace nst_ui
