// Settings dialog, GIMP 3 (GimpProcedureDialog, GTK3). See settings_dialog_gtk3.h.
//
// GimpProcedureDialog makes and binds the widgets of the procedure's
// arguments; this file adds the style chooser with its thumbnail, keeps the
// "quality" preset and iterations/size in step, and after every change of
// the config asks the shared Validator (dialog_logic.h) what is wrong: the
// answer is shown above the buttons and Start stays insensitive meanwhile.
#include "settings_dialog_gtk3.h"

#include <libgimp/gimpui.h>

#include <memory>
#include <string>
#include <vector>

#include "calibration.h"
#include "i18n.h"
#include "painting_list_gtk.h"
#include "test_hook_gtk.h"

namespace nst_ui {

namespace {

constexpr int kThumbWidth = 176;
constexpr int kThumbHeight = 132;

struct SettingsUi {
  GimpProcedureConfig* config = nullptr;
  SettingsContext ctx;
  Validator validator;
  bool updating = false;  // the config is being changed from here: ignore its signals
  GtkWidget* dialog = nullptr;
  GtkWidget* style_button = nullptr;
  GtkWidget* thumbnail = nullptr;
  std::string thumbnail_path;
  GtkWidget* quality_detail = nullptr;
  GtkWidget* estimate = nullptr;
  GtkWidget* problem = nullptr;
  GtkWidget* layer_chooser = nullptr;  // GimpDrawableChooser of "style-layer"
  Calibrator calibration;  // the network's speed, measured in the background once
  guint calibration_timer = 0;
  Estimator estimator;     // time and memory of the chosen settings
  // Further paintings: the "more-styles" and "style-blend-weights" arguments as a list.
  std::unique_ptr<PaintingList> paintings;
  bool mix_from_here = false;  // the list is writing the config: do not rebuild it from there
};

void refresh(SettingsUi* ui);

gboolean poll_calibration(gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (!ui->calibration.poll(ui->ctx.profile->speeds)) return TRUE;
  ui->calibration_timer = 0;
  refresh(ui);
  return FALSE;
}

std::string get_string(GimpProcedureConfig* config, const char* property) {
  gchar* s = nullptr;
  g_object_get(config, property, &s, nullptr);
  std::string out = s ? s : "";
  g_free(s);
  return out;
}

int get_int(GimpProcedureConfig* config, const char* property) {
  gint v = 0;
  g_object_get(config, property, &v, nullptr);
  return v;
}

double get_double(GimpProcedureConfig* config, const char* property) {
  gdouble v = 0;
  g_object_get(config, property, &v, nullptr);
  return v;
}

// The dialog's values as the shared logic sees them.
// The layer chosen as the style (a new reference, or null).
GimpDrawable* style_layer(GimpProcedureConfig* c) {
  GimpDrawable* d = nullptr;
  g_object_get(c, "style-layer", &d, nullptr);
  return d;
}

bool style_layer_usable(GimpDrawable* d) {
  return d && gimp_item_is_valid(GIMP_ITEM(d)) && !gimp_drawable_is_indexed(d);
}

DialogState state_from_config(GimpProcedureConfig* c) {
  DialogState s;
  gboolean from_layer = FALSE;
  g_object_get(c, "style-from-layer", &from_layer, nullptr);
  s.style_source = from_layer ? StyleSource::Layer : StyleSource::File;
  if (GimpDrawable* d = style_layer(c)) {
    s.style_drawable = gimp_item_get_id(GIMP_ITEM(d));
    g_object_unref(d);
  }
  s.style_file = get_string(c, "style-file");
  s.model_file = get_string(c, "model-file");
  s.iterations = get_int(c, "iterations");
  s.size = get_int(c, "size");
  s.seed = get_int(c, "seed");
  s.optimizer = get_int(c, "optimizer");
  s.init = get_int(c, "init");
  s.init_file = get_string(c, "init-file");
  s.style_layers = get_string(c, "style-layers");
  s.content_layers = get_string(c, "content-layers");
  s.pooling = get_int(c, "pooling");
  s.learning_rate = get_double(c, "learning-rate");
  s.strength = get_double(c, "style-strength");
  s.smoothness = get_double(c, "smoothness");
  s.output_size = get_int(c, "output-size");
  s.coarse_iterations = get_int(c, "coarse-to-fine");
  s.mix = get_double(c, "strength");
  s.preserve_colors = get_int(c, "preserve-colors");
  s.style_scale = get_double(c, "style-scale");
  gboolean mask = TRUE;
  g_object_get(c, "selection-mask", &mask, nullptr);
  s.selection_mask = mask;
  nst_plugin::PluginParams mix;  // further paintings and the weights, as the shared logic reads them
  mix.more_styles = get_string(c, "more-styles");
  mix.style_blend_weights = get_string(c, "style-blend-weights");
  const DialogState mixed = from_params(mix, nullptr);
  s.more_styles = mixed.more_styles;
  s.style_weight = mixed.style_weight;
  return s;
}

int custom_quality() { return int(quality_presets().size()); }

void update_thumbnail(SettingsUi* ui, const DialogState& s) {
  const std::string key = s.style_source == StyleSource::Layer ? "layer:" + std::to_string(s.style_drawable)
                                                               : "file:" + s.style_file;
  if (key == ui->thumbnail_path) return;
  ui->thumbnail_path = key;
  GdkPixbuf* pb = nullptr;
  if (s.style_source == StyleSource::Layer) {
    GimpDrawable* d = style_layer(ui->config);
    if (style_layer_usable(d)) pb = gimp_drawable_get_thumbnail(d, kThumbWidth, kThumbHeight, GIMP_PIXBUF_SMALL_CHECKS);
    if (d) g_object_unref(d);
  } else if (!s.style_file.empty()) {
    pb = gdk_pixbuf_new_from_file_at_scale(s.style_file.c_str(), kThumbWidth, kThumbHeight, TRUE, nullptr);
  }
  if (pb) {
    gtk_image_set_from_pixbuf(GTK_IMAGE(ui->thumbnail), pb);
    g_object_unref(pb);
  } else {
    gtk_image_clear(GTK_IMAGE(ui->thumbnail));
  }
}

// "A layer of an open image" chosen without a layer yet: offer the top
// layer of another open image (the painting the user opened), as the GIMP
// 2.10 dialog does.
void default_style_layer(SettingsUi* ui) {
  gboolean from_layer = FALSE;
  g_object_get(ui->config, "style-from-layer", &from_layer, nullptr);
  if (!from_layer) return;
  GimpDrawable* current = style_layer(ui->config);
  const bool have = style_layer_usable(current);
  if (current) g_object_unref(current);
  if (have) return;
  GimpImage** images = gimp_get_images();
  GimpLayer* pick = nullptr;
  for (GimpImage** im = images; im && *im && !pick; ++im) {
    if (*im == ui->ctx.image || gimp_image_get_base_type(*im) == GIMP_INDEXED) continue;
    GimpLayer** layers = gimp_image_get_layers(*im);
    if (layers && layers[0]) pick = layers[0];
    g_free(layers);
  }
  g_free(images);
  if (!pick) return;
  ui->updating = true;
  g_object_set(ui->config, "style-layer", pick, nullptr);
  ui->updating = false;
}

void refresh(SettingsUi* ui) {
  default_style_layer(ui);
  DialogState s = state_from_config(ui->config);
  if (ui->paintings) {  // the list as it is, empty rows too (the config's strings cannot hold those)
    s.more_styles = ui->paintings->paintings();
    s.style_weight = ui->paintings->style_weight();
  }

  // Quality preset <-> iterations and size.
  const int preset = preset_index(s.iterations, s.size, s.output_size);
  const int quality = get_int(ui->config, "quality");
  const int want = preset >= 0 ? preset : custom_quality();
  if (quality != want) {
    ui->updating = true;
    g_object_set(ui->config, "quality", want, nullptr);
    ui->updating = false;
  }
  GimpDrawable* layer = style_layer(ui->config);
  std::string problem = ui->validator.check(s, style_layer_usable(layer));
  if (layer) g_object_unref(layer);

  const nst::ModelInfo* info = ui->validator.model();
  Speed speed;
  const Calibrator::Status status = info && ui->ctx.profile && problem.empty()
                                        ? ui->calibration.status(info->path, ui->ctx.profile->speeds, &speed)
                                        : Calibrator::Status::Failed;
  // The scales do not depend on the network (nor on a usable style).
  const RunEstimate run = ui->estimator.estimate(ui->ctx.content_width, ui->ctx.content_height,
                                                 to_params(s, info ? *info : nst::ModelInfo()),
                                                 info ? info->path : "", speed);
  gtk_label_set_text(GTK_LABEL(ui->quality_detail), run.detail.c_str());
  if (problem.empty() && !run.fits()) problem = memory_problem(run.bytes, run.available_bytes);
  gtk_label_set_text(GTK_LABEL(ui->problem), problem.c_str());
  gtk_widget_set_visible(ui->problem, !problem.empty());
  gtk_dialog_set_response_sensitive(GTK_DIALOG(ui->dialog), GTK_RESPONSE_OK, problem.empty());

  std::string estimate = _("unknown");
  if (info && ui->ctx.profile && problem.empty()) {
    switch (status) {
      case Calibrator::Status::Known: estimate = format_estimate(run.seconds); break;
      case Calibrator::Status::Failed: break;
      case Calibrator::Status::Measuring:
        if (!ui->calibration_timer) ui->calibration_timer = g_timeout_add(150, poll_calibration, ui);
        estimate = _("measuring the speed of this computer…");
        break;
    }
  }
  std::string text = _("Time needed: ");
  text += estimate;
  const std::string memory = format_memory(run.bytes);
  if (!memory.empty()) text += ", " + memory;
  gtk_label_set_text(GTK_LABEL(ui->estimate), text.c_str());

  gchar* current = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(ui->style_button));
  if (s.style_file != (current ? current : "") && !s.style_file.empty())
    gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(ui->style_button), s.style_file.c_str());
  g_free(current);
  update_thumbnail(ui, s);
  const bool from_layer = s.style_source == StyleSource::Layer;
  gtk_widget_set_sensitive(ui->style_button, !from_layer);
}

gboolean dump_for_tests(gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  test_hook_dump(ui->dialog, "settings");
  return TRUE;
}

void load_mix(SettingsUi* ui);

void on_config_changed(GObject*, GParamSpec* pspec, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  if (ui->updating) return;
  const std::string name = pspec->name;
  if ((name == "more-styles" || name == "style-blend-weights") && !ui->mix_from_here && ui->paintings)
    load_mix(ui);  // e.g. the dialog's Reset
  if (name == "quality") {
    const int q = get_int(ui->config, "quality");
    if (q >= 0 && q < custom_quality()) {
      const QualityPreset& preset = quality_presets()[size_t(q)];
      ui->updating = true;
      g_object_set(ui->config, "iterations", preset.iterations, "size", preset.size, "output-size",
                   preset.output_size, nullptr);
      ui->updating = false;
    }
  }
  refresh(ui);
}

void on_recent_clicked(GtkButton* b, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  const char* path = static_cast<const char*>(g_object_get_data(G_OBJECT(b), "nst-path"));
  if (path) g_object_set(ui->config, "style-from-layer", FALSE, "style-file", path, nullptr);  // refresh() follows via notify
}

// The recently used styles as small thumbnails, one click to pick one again.
GtkWidget* recent_styles_row(SettingsUi* ui) {
  const std::vector<std::string> recent = existing_styles(ui->ctx.profile->recent_styles);
  if (recent.empty()) return nullptr;
  GtkWidget* row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 2);
  gtk_widget_set_name(row, "nst-recent");
  GtkWidget* label = gtk_label_new(_("Recent:"));
  gtk_box_pack_start(GTK_BOX(row), label, FALSE, FALSE, 4);
  int n = 0;
  for (const std::string& path : recent) {
    GdkPixbuf* pb = gdk_pixbuf_new_from_file_at_scale(path.c_str(), 40, 40, TRUE, nullptr);
    if (!pb) continue;
    GtkWidget* b = gtk_button_new();
    gtk_button_set_image(GTK_BUTTON(b), gtk_image_new_from_pixbuf(pb));
    g_object_unref(pb);
    gtk_button_set_relief(GTK_BUTTON(b), GTK_RELIEF_NONE);
    const std::string name = "nst-recent-" + std::to_string(n++);
    gtk_widget_set_name(b, name.c_str());
    gtk_widget_set_tooltip_text(b, nst_plugin::style_display_name(path).c_str());
    g_object_set_data_full(G_OBJECT(b), "nst-path", g_strdup(path.c_str()), g_free);
    g_signal_connect(b, "clicked", G_CALLBACK(on_recent_clicked), ui);
    gtk_box_pack_start(GTK_BOX(row), b, FALSE, FALSE, 0);
  }
  return row;
}

void on_style_file_set(GtkFileChooserButton* button, gpointer data) {
  SettingsUi* ui = static_cast<SettingsUi*>(data);
  gchar* file = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(button));
  g_object_set(ui->config, "style-from-layer", FALSE, "style-file", file ? file : "", nullptr);  // refresh() follows
  g_free(file);
}

GtkListStore* quality_store() {
  // Values 0..n-1: the presets, then Custom.
  const auto& presets = quality_presets();
  std::vector<const gchar*> labels;
  for (const QualityPreset& p : presets) labels.push_back(_(p.label));
  labels.push_back(_("Custom"));
  return gimp_int_store_new_array(gint(labels.size()), labels.data());
}

}  // namespace

void add_dialog_arguments(GimpProcedure* procedure) {
  const GParamFlags rw = G_PARAM_READWRITE;
  gimp_procedure_add_double_aux_argument(
      procedure, "style-strength", _("Style str_ength"),
      _("How much of the painting's look replaces the photo's details. 50 is the network's own balance; "
        "every 25 steps up make the style ten times stronger."),
      kSliderMin, kSliderMax, kSliderNeutral, rw);
  gimp_procedure_add_double_aux_argument(procedure, "smoothness", _("S_moothness"),
                                         _("Evens out grain and speckles. 0 turns it off."), kSliderMin,
                                         kSliderMax, kSliderNeutral, rw);
  gimp_procedure_add_boolean_aux_argument(procedure, "style-from-layer",
                                          _("Take the style from a la_yer of an open image"),
                                          _("Use a layer of an open image (e.g. a painting you opened) as the style "
                                            "instead of a file"),
                                          FALSE, rw);
  gimp_procedure_add_drawable_aux_argument(procedure, "style-layer", _("Style _layer"),
                                           _("A layer of an open image to take the style from"), TRUE, rw);
  gimp_procedure_add_int_aux_argument(procedure, "quality", _("_Quality"),
                                      _("Iterations and working size in one choice"), 0,
                                      int(quality_presets().size()), kDefaultPreset, rw);
}

namespace {

// The sliders from the weights of the last run (or a script's call) for its
// network, and the most recent style when none is chosen.
void sliders_from_weights(SettingsUi* ui) {
  GimpProcedureConfig* config = ui->config;
  DialogState s = state_from_config(config);
  if (ui->ctx.profile) default_to_recent_style(s, ui->ctx.profile->recent_styles);
  if (s.style_file != get_string(config, "style-file"))
    g_object_set(config, "style-file", s.style_file.c_str(), nullptr);
  if (!ui->validator.check_model(s.model_file).empty() || !ui->validator.model()) return;
  nst_plugin::PluginParams p;
  p.content_weight = get_double(config, "content-weight");
  p.style_weight = get_double(config, "style-weight");
  p.tv_weight = get_double(config, "tv-weight");
  if (p.content_weight >= 0 || p.style_weight >= 0 || p.tv_weight >= 0) {
    const DialogState from = from_params(p, ui->validator.model(), s);
    g_object_set(config, "style-strength", from.strength, "smoothness", from.smoothness, nullptr);
  }
}

// The procedure's own widgets, the non-default ones made before the fill
// calls use them. Returns the "style from a layer" check box for the header.
GtkWidget* fill_procedure_widgets(SettingsUi* ui, GimpProcedureDialog* dialog) {
  GimpProcedureConfig* config = ui->config;
  gimp_procedure_dialog_get_int_combo(dialog, "quality", GIMP_INT_STORE(quality_store()));
  gimp_procedure_dialog_get_int_combo(
      dialog, "optimizer", GIMP_INT_STORE(gimp_int_store_new(_("L-BFGS"), 0, _("Adam"), 1, nullptr)));
  gimp_procedure_dialog_get_int_combo(
      dialog, "init",
      GIMP_INT_STORE(gimp_int_store_new(_("The layer"), 0, _("Noise"), 1, _("An image file"), 2, nullptr)));
  gimp_procedure_dialog_get_int_combo(
      dialog, "pooling", GIMP_INT_STORE(gimp_int_store_new(_("Max"), 0, _("Average"), 1, nullptr)));
  for (const char* spin : {"iterations", "size", "seed", "learning-rate"})
    gimp_procedure_dialog_get_widget(dialog, spin, GIMP_TYPE_LABEL_SPIN);
  gimp_procedure_dialog_get_scale_entry(dialog, "style-strength", 1.0);
  GtkWidget* from_layer = gimp_procedure_dialog_get_widget(dialog, "style-from-layer", GTK_TYPE_CHECK_BUTTON);
  gtk_widget_set_name(from_layer, "nst-style-from-layer");
  ui->layer_chooser = gimp_procedure_dialog_get_widget(dialog, "style-layer", G_TYPE_NONE);
  if (ui->layer_chooser) gtk_widget_set_name(ui->layer_chooser, "nst-style-layer");
  gimp_procedure_dialog_set_sensitive(dialog, "style-layer", TRUE, G_OBJECT(config), "style-from-layer", FALSE);
  gimp_procedure_dialog_get_scale_entry(dialog, "smoothness", 1.0);
  gimp_procedure_dialog_get_scale_entry(dialog, "style-scale", 1.0);
  gimp_procedure_dialog_get_scale_entry(dialog, "strength", 1.0);
  gimp_procedure_dialog_get_int_combo(
      dialog, "preserve-colors",
      GIMP_INT_STORE(gimp_int_store_new(_("The painting's"), 0, _("The layer's: only the brightness is painted"), 1,
                                        _("The layer's: the painting is recoloured first"), 2, nullptr)));
  gimp_procedure_dialog_get_int_combo(
      dialog, "output-size",
      GIMP_INT_STORE(gimp_int_store_new(_("Working size, scaled to the layer"), 0,
                                        _("The layer's own size (full detail)"), -1, nullptr)));
  gimp_procedure_dialog_get_widget(dialog, "coarse-to-fine", GIMP_TYPE_LABEL_SPIN);
  for (const char* name : {"style-scale", "strength", "preserve-colors", "selection-mask", "output-size"})
    if (GtkWidget* w = gimp_procedure_dialog_get_widget(dialog, name, G_TYPE_NONE))
      gtk_widget_set_name(w, (std::string("nst-") + name).c_str());

  gimp_procedure_dialog_fill_box(dialog, "advanced-box", "model-file", "iterations", "size", "output-size", "coarse-to-fine", "seed", "style-layers", "content-layers", "optimizer",
                                 "learning-rate", "init", "init-file", "pooling", nullptr);
  gimp_procedure_dialog_get_label(dialog, "advanced-title", _("Advanced"), FALSE, FALSE);
  gimp_procedure_dialog_fill_expander(dialog, "advanced", "advanced-title", FALSE, "advanced-box");
  gimp_procedure_dialog_fill(dialog, "style-strength", "smoothness", "style-scale", "strength", "preserve-colors",
                             "selection-mask", "quality", "advanced", nullptr);
  return from_layer;
}

// --- further paintings ------------------------------------------------------------

void load_mix(SettingsUi* ui) {
  const DialogState s = state_from_config(ui->config);
  ui->paintings->set(s.more_styles, s.style_weight);
}

// The list into the config's more-styles and style-blend-weights (refresh()
// follows through the config's notify).
void store_mix(SettingsUi* ui) {
  DialogState s;
  s.more_styles = ui->paintings->paintings();
  s.style_weight = ui->paintings->style_weight();
  nst_plugin::PluginParams p;
  put_painting_mix(s, p);
  ui->mix_from_here = true;
  g_object_set(ui->config, "more-styles", p.more_styles.c_str(), "style-blend-weights",
               p.style_blend_weights.c_str(), nullptr);
  ui->mix_from_here = false;
}

// The style: a file chooser, the recent styles and a thumbnail, with the
// quality and time lines, at the top of the dialog.
void add_style_header(SettingsUi* ui, GtkWidget* from_layer) {
  GtkWidget* content = gtk_dialog_get_content_area(GTK_DIALOG(ui->dialog));
  GtkWidget* style_row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget* style_col = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget* style_label = gtk_label_new_with_mnemonic(_("Style _image:"));
  gtk_label_set_xalign(GTK_LABEL(style_label), 0.0);
  ui->style_button = image_chooser_button(_("Choose the style painting"));
  gtk_widget_set_name(ui->style_button, "nst-style-file");
  gtk_label_set_mnemonic_widget(GTK_LABEL(style_label), ui->style_button);
  if (ui->ctx.profile)
    for (const std::string& recent : existing_styles(ui->ctx.profile->recent_styles)) {
      gchar* dir = g_path_get_dirname(recent.c_str());
      gtk_file_chooser_add_shortcut_folder(GTK_FILE_CHOOSER(ui->style_button), dir, nullptr);
      g_free(dir);
    }
  g_signal_connect(ui->style_button, "file-set", G_CALLBACK(on_style_file_set), ui);
  ui->quality_detail = gtk_label_new("");
  gtk_label_set_xalign(GTK_LABEL(ui->quality_detail), 0.0);
  ui->estimate = gtk_label_new("");
  gtk_label_set_xalign(GTK_LABEL(ui->estimate), 0.0);
  gtk_box_pack_start(GTK_BOX(style_col), style_label, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(style_col), ui->style_button, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(style_col), from_layer, FALSE, FALSE, 0);
  if (ui->layer_chooser) gtk_box_pack_start(GTK_BOX(style_col), ui->layer_chooser, FALSE, FALSE, 0);
  ui->paintings = std::make_unique<PaintingList>([ui] { store_mix(ui); });
  gtk_box_pack_start(GTK_BOX(style_col), ui->paintings->widget(), FALSE, FALSE, 0);
  if (ui->ctx.profile)
    if (GtkWidget* recent = recent_styles_row(ui)) gtk_box_pack_start(GTK_BOX(style_col), recent, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(style_col), ui->quality_detail, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(style_col), ui->estimate, FALSE, FALSE, 0);
  ui->thumbnail = gtk_image_new();
  gtk_widget_set_name(ui->thumbnail, "nst-thumbnail");
  gtk_widget_set_name(ui->quality_detail, "nst-quality-detail");
  gtk_widget_set_name(ui->estimate, "nst-estimate");
  gtk_widget_set_size_request(ui->thumbnail, kThumbWidth, kThumbHeight);
  gtk_box_pack_start(GTK_BOX(style_row), style_col, TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(style_row), ui->thumbnail, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(content), style_row, FALSE, FALSE, 0);
  gtk_box_reorder_child(GTK_BOX(content), style_row, 0);
  gtk_widget_show_all(style_row);
  load_mix(ui);
}

// What is wrong, above the buttons.
void add_problem_line(SettingsUi* ui) {
  GtkWidget* content = gtk_dialog_get_content_area(GTK_DIALOG(ui->dialog));
  ui->problem = gtk_label_new("");
  gtk_widget_set_name(ui->problem, "nst-problem");
  gtk_label_set_xalign(GTK_LABEL(ui->problem), 0.0);
  gtk_label_set_line_wrap(GTK_LABEL(ui->problem), TRUE);
  gimp_label_set_attributes(GTK_LABEL(ui->problem), PANGO_ATTR_WEIGHT, PANGO_WEIGHT_BOLD, -1);
  gtk_box_pack_end(GTK_BOX(content), ui->problem, FALSE, FALSE, 0);
}

}  // namespace

bool run_settings_dialog(GimpProcedure* procedure, GimpProcedureConfig* config, const SettingsContext& ctx) {
  SettingsUi ui;
  ui.config = config;
  ui.ctx = ctx;
  sliders_from_weights(&ui);

  ui.dialog = gimp_procedure_dialog_new(procedure, config, _("Neural Style Transfer"));
  GimpProcedureDialog* dialog = GIMP_PROCEDURE_DIALOG(ui.dialog);
  gimp_procedure_dialog_set_ok_label(dialog, _("St_art"));
  GtkWidget* from_layer = fill_procedure_widgets(&ui, dialog);
  add_style_header(&ui, from_layer);
  add_problem_line(&ui);

  g_signal_connect(config, "notify", G_CALLBACK(on_config_changed), &ui);
  refresh(&ui);
  gtk_widget_set_name(gtk_dialog_get_widget_for_response(GTK_DIALOG(ui.dialog), GTK_RESPONSE_OK), "nst-start");
  gtk_widget_set_name(gtk_dialog_get_widget_for_response(GTK_DIALOG(ui.dialog), GTK_RESPONSE_CANCEL),
                      "nst-cancel");
  const guint dump_timer = test_hook_enabled() ? g_timeout_add(250, dump_for_tests, &ui) : 0;

  const bool accepted = gimp_procedure_dialog_run(dialog);
  if (dump_timer) g_source_remove(dump_timer);
  ui.calibration.stop();
  if (ui.calibration_timer) g_source_remove(ui.calibration_timer);
  g_signal_handlers_disconnect_by_func(config, reinterpret_cast<gpointer>(on_config_changed), &ui);
  gtk_widget_destroy(ui.dialog);
  if (!accepted) return false;

  // The weights for the chosen network, from the sliders.
  const DialogState s = state_from_config(config);
  if (!ui.validator.check(s, true).empty() || !ui.validator.model()) return accepted;  // run() reports it
  const nst_plugin::PluginParams p = to_params(s, *ui.validator.model());
  g_object_set(config, "content-weight", p.content_weight, "style-weight", p.style_weight, "tv-weight",
               p.tv_weight, nullptr);
  if (ctx.profile && s.style_source == StyleSource::File) remember_style(ctx.profile->recent_styles, s.style_file);
  return true;
}

}  // namespace nst_ui
