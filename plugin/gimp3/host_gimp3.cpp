// GIMP 3 host of the neural style transfer plug-in: a GimpPlugIn subclass
// registering image procedures, reading their GimpProcedureConfig, reading
// the selected drawables into nst::Image, running the engine and adding the
// results as new layers through GEGL. Everything libgimp-3.0 specific lives
// here and in settings_dialog_gtk3.cpp; the version-neutral work is in
// ../procedure.cpp (see procedure.h) and the dialog logic in ui/dialog_logic.h,
// as for GIMP 2.10.
//
// Procedures are described by a table (kProcedures): name, texts, a function
// adding the arguments and a run function. A further procedure (e.g.
// plug-in-neural-style-fast) is one more entry.
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>
#include <gegl.h>

#include <algorithm>
#include <clocale>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "dialog_logic.h"
#include "dialog_storage.h"
#include "fast_dialog_gtk.h"
#include "procedure.h"
#include "i18n.h"
#include "progress_dialog.h"
#include "settings_dialog_gtk3.h"
#include "test_hook_gtk.h"

#ifndef LOCALEDIR
#error "LOCALEDIR must be defined by the build"
#endif

namespace {

constexpr const char* kBinary = "neural-style";
constexpr const char* kProfileFile = "neural-style.rc";

// ---------------------------------------------------------------------------
// Translations

std::string locale_dir() { return nst_plugin::locale_dir(LOCALEDIR); }

void init_i18n() {
  static bool done = false;
  if (done) return;
  done = true;
  bindtextdomain(GETTEXT_PACKAGE, locale_dir().c_str());
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
}

// ---------------------------------------------------------------------------
// Arguments of plug-in-neural-style: the same names, order and meaning as
// GIMP 2.10's plug-in-neural-style2, after run-mode, image and drawables
// (calls with only the first 18, as GIMP 2.10's plug-in-neural-style takes,
// get the defaults of the others). plug-in-neural-style2 is the same
// procedure under GIMP 2.10's name, so that scripts run on both.

void add_gatys_arguments(GimpProcedure* procedure) {
  const GParamFlags rw = G_PARAM_READWRITE;
  gimp_procedure_add_string_argument(procedure, "style-file", _("Style _image"),
                                     _("Path of the style image (the painting)"), "", rw);
  gimp_procedure_add_string_argument(procedure, "model-file", _("Networ_k file"),
                                     _("Feature network file or folder; \"\" = the best installed network"),
                                     "", rw);
  gimp_procedure_add_int_argument(procedure, "iterations", _("I_terations"),
                                  _("Optimisation steps (1-100000, default 300)"),
                                  nst_plugin::kMinIterations, nst_plugin::kMaxIterations, 300, rw);
  gimp_procedure_add_int_argument(procedure, "size", _("_Working size"),
                                  _("Working size: longest side in pixels (32-16384, default 512; never upscales)"),
                                  nst_plugin::kMinSize, nst_plugin::kMaxSize, 512, rw);
  gimp_procedure_add_double_argument(procedure, "content-weight", _("Content weight"),
                                     _("Content loss weight (-1 = the network's default)"), -1, 1e12, -1,
                                     rw);
  gimp_procedure_add_double_argument(procedure, "style-weight", _("Style weight"),
                                     _("Style loss weight (-1 = the network's default)"), -1, 1e12, -1, rw);
  gimp_procedure_add_double_argument(procedure, "tv-weight", _("Smoothness weight"),
                                     _("Total variation (smoothness) weight (-1 = the network's default)"),
                                     -1, 1e12, -1, rw);
  gimp_procedure_add_int_argument(procedure, "optimizer", _("Optimi_zer"),
                                  _("Optimiser { L-BFGS (0), Adam (1) }"), 0, 1, 0, rw);
  gimp_procedure_add_int_argument(procedure, "init", _("_Begin with"),
                                  _("Start image { content (0), noise (1), image file (2) }"), 0, 2, 0, rw);
  gimp_procedure_add_string_argument(procedure, "init-file", _("Start image _file"),
                                     _("Start image file when init is 2, else ignored"), "", rw);
  gimp_procedure_add_int_argument(procedure, "seed", _("Random see_d"), _("Random seed (noise start)"),
                                  G_MININT32, G_MAXINT32, 0, rw);
  gimp_procedure_add_string_argument(procedure, "style-layers", _("Style la_yers"),
                                     _("Comma separated style layer names (\"\" = the network's default)"),
                                     "", rw);
  gimp_procedure_add_string_argument(procedure, "content-layers", _("Co_ntent layers"),
                                     _("Comma separated content layer names (\"\" = the network's default)"),
                                     "", rw);
  gimp_procedure_add_int_argument(procedure, "pooling", _("_Pooling"), _("Pooling { max (0), average (1) }"),
                                  0, 1, 0, rw);
  gimp_procedure_add_double_argument(procedure, "learning-rate", _("Learnin_g rate"),
                                     _("Optimiser step size (0 = default: 1.0 for L-BFGS, 0.02 for Adam)"), 0,
                                     1e6, 0, rw);
  gimp_procedure_add_int_argument(
      procedure, "output-size", _("_Output size"),
      _("Size the result is painted at, longest side: 0 = the working size (the result resized to the layer), "
        "-1 = the layer's own size (full detail), or 32-65536 px; above the working size the painting continues "
        "at scales up to 1.41x larger each, in tiles when large"),
      -1, nst_plugin::kMaxOutputSize, 0, rw);
  gimp_procedure_add_int_argument(procedure, "scale-iterations", _("Iterations per _scale"),
                                  _("Iterations at each scale above the working size (0 = half the scale "
                                    "before's, at least 20)"),
                                  0, nst_plugin::kMaxIterations, 0, rw);
  gimp_procedure_add_int_argument(procedure, "coarse-to-fine", _("_Coarse-to-fine"),
                                  _("Iterations at a quarter and at half the working size first (-1 = a third "
                                    "of the iterations, 0 = off)"),
                                  nst::kAutoCoarse, nst_plugin::kMaxIterations, nst::kAutoCoarse, rw);
  gimp_procedure_add_double_argument(procedure, "strength", _("_Mix"),
                                     _("Percent of the result mixed over the layer (0-100, default 100)"), 0, 100,
                                     100, rw);
  gimp_procedure_add_int_argument(procedure, "preserve-colors", _("_Keep the layer's colours"),
                                  _("Keep the layer's colours { off (0), luminance: only the brightness is "
                                    "stylised (1), colour match: the painting takes the layer's colours first (2) }"),
                                  0, 2, 0, rw);
  gimp_procedure_add_double_argument(procedure, "style-scale", _("Stroke si_ze"),
                                     _("The painting's size relative to the layer's: larger strokes above 1 "
                                       "(0.1-4, default 1)"),
                                     0.1, 4, 1, rw);
  gimp_procedure_add_string_argument(procedure, "more-styles", _("More paintings"),
                                     _("Further paintings mixed with style-file, separated by ':' (\"\" = none)"),
                                     "", rw);
  gimp_procedure_add_string_argument(procedure, "style-blend-weights", _("Painting weights"),
                                     _("One weight per painting, style-file first, separated by commas (\"\" = "
                                       "equal)"),
                                     "", rw);
  gimp_procedure_add_boolean_argument(procedure, "selection-mask", _("Mask by the _selection"),
                                      _("With a selection that is not a plain rectangle, the new layer gets a "
                                        "layer mask from it so that only the selected pixels change"),
                                      TRUE, rw);

  gimp_procedure_add_layer_return_value(procedure, "new-layer", _("New layer"),
                                        _("The new layer holding the stylised pixels"), FALSE, rw);

  nst_ui::add_dialog_arguments(procedure);
}

std::string take_string(gchar* s) {
  std::string out = s ? s : "";
  g_free(s);
  return out;
}

nst_plugin::PluginParams params_from_config(GimpProcedureConfig* config) {
  nst_plugin::PluginParams p;
  gchar *style = nullptr, *model = nullptr, *init_file = nullptr, *style_layers = nullptr,
        *content_layers = nullptr;
  g_object_get(config, "style-file", &style, "model-file", &model, "iterations", &p.iterations, "size",
               &p.size, "content-weight", &p.content_weight, "style-weight", &p.style_weight, "tv-weight",
               &p.tv_weight, "optimizer", &p.optimizer, "init", &p.init, "init-file", &init_file, "seed",
               &p.seed, "style-layers", &style_layers, "content-layers", &content_layers, "pooling",
               &p.pooling, "learning-rate", &p.learning_rate, nullptr);
  gchar *more_styles = nullptr, *blend_weights = nullptr;
  gboolean selection_mask = TRUE;
  g_object_get(config, "output-size", &p.output_size, "scale-iterations", &p.scale_iterations, "coarse-to-fine",
               &p.coarse_iterations, "strength", &p.strength, "preserve-colors", &p.preserve_colors, "style-scale",
               &p.style_scale, "more-styles", &more_styles, "style-blend-weights", &blend_weights, "selection-mask",
               &selection_mask, nullptr);
  p.more_styles = take_string(more_styles);
  p.style_blend_weights = take_string(blend_weights);
  p.selection_mask = selection_mask ? 1 : 0;
  p.style_file = take_string(style);
  p.model_file = take_string(model);
  p.init_file = take_string(init_file);
  p.style_layers = take_string(style_layers);
  p.content_layers = take_string(content_layers);
  return p;
}

// ---------------------------------------------------------------------------
// Pixels

const Babl* pixel_format(GimpDrawable* drawable, bool rgb, bool alpha) {
  const char* name = rgb ? (alpha ? "R'G'B'A float" : "R'G'B' float") : (alpha ? "Y'A float" : "Y' float");
  // In the drawable's own colour space, so that an untouched pixel reads and
  // writes back unchanged whatever the image's profile.
  return babl_format_with_space(name, gimp_drawable_get_format(drawable));
}

nst::Image read_drawable(GimpDrawable* drawable, const GeglRectangle& rect) {
  const bool rgb = gimp_drawable_is_rgb(drawable);
  const bool alpha = gimp_drawable_has_alpha(drawable);
  nst::Image img(rect.width, rect.height, (rgb ? 3 : 1) + (alpha ? 1 : 0));
  GeglBuffer* buffer = gimp_drawable_get_buffer(drawable);
  if (!buffer) throw nst::Error(_("Could not read the layer's pixels."));
  gegl_buffer_get(buffer, &rect, 1.0, pixel_format(drawable, rgb, alpha), img.data.data(),
                  GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  g_object_unref(buffer);
  return img;
}

// Where the new layer goes: directly above the source layer (or the layer
// owning the mask), inside the same group; above the active layer for channels.
void insertion_point(GimpImage* image, GimpDrawable* drawable, GimpLayer** parent, gint* position) {
  GimpLayer* layer = nullptr;
  if (gimp_item_is_layer(GIMP_ITEM(drawable)))
    layer = GIMP_LAYER(drawable);
  else if (gimp_item_is_layer_mask(GIMP_ITEM(drawable)))
    layer = gimp_layer_from_mask(GIMP_LAYER_MASK(drawable));
  *parent = nullptr;
  *position = -1;
  if (layer) {
    GimpItem* p = gimp_item_get_parent(GIMP_ITEM(layer));
    *parent = p && gimp_item_is_layer(p) ? GIMP_LAYER(p) : nullptr;
    *position = std::max(-1, gimp_image_get_item_position(image, GIMP_ITEM(layer)));
  }
}

// One drawable's work, done before the image is touched.
struct Job {
  GimpDrawable* drawable = nullptr;
  GeglRectangle rect = {0, 0, 0, 0};  // selection bounds, drawable coordinates
  nst::Image pixels;                  // the result in the drawable's channel layout
  std::string layer_name;
  bool mask = false;                  // a layer mask from the selection
};

// Whether the selection leaves some pixels of this rectangle (image
// coordinates) unselected or partly selected: a shape or a feather, not just
// the rectangle itself (then the new layer gets a mask from it).
bool selection_is_partial(GimpImage* image, const GeglRectangle& rect) {
  if (gimp_selection_is_empty(image)) return false;
  GeglBuffer* buffer = gimp_drawable_get_buffer(GIMP_DRAWABLE(gimp_image_get_selection(image)));
  if (!buffer) return false;
  std::vector<float> values(size_t(rect.width) * size_t(rect.height));
  gegl_buffer_get(buffer, &rect, 1.0, babl_format("Y float"), values.data(), GEGL_AUTO_ROWSTRIDE,
                  GEGL_ABYSS_NONE);
  g_object_unref(buffer);
  return std::any_of(values.begin(), values.end(), [](float v) { return v < 1.f; });
}

// Adds `job.pixels` as a new layer above the source; null on failure.
GimpLayer* add_result_layer(GimpImage* image, const Job& job, bool image_rgb) {
  const bool alpha = gimp_drawable_has_alpha(job.drawable);
  GimpImageType type;
  if (image_rgb)
    type = alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE;
  else
    type = alpha ? GIMP_GRAYA_IMAGE : GIMP_GRAY_IMAGE;

  GimpLayer* parent = nullptr;
  gint position = -1;
  insertion_point(image, job.drawable, &parent, &position);
  gint off_x = 0, off_y = 0;
  gimp_drawable_get_offsets(job.drawable, &off_x, &off_y);

  GimpLayer* layer = gimp_layer_new(image, job.layer_name.c_str(), job.pixels.width, job.pixels.height, type,
                                    100.0, GIMP_LAYER_MODE_NORMAL);
  if (!layer) return nullptr;
  if (!gimp_image_insert_layer(image, layer, parent, position)) {
    gimp_item_delete(GIMP_ITEM(layer));
    return nullptr;
  }
  gimp_layer_set_offsets(layer, off_x + job.rect.x, off_y + job.rect.y);

  GeglBuffer* buffer = gimp_drawable_get_buffer(GIMP_DRAWABLE(layer));
  const GeglRectangle out_rect = {0, 0, job.pixels.width, job.pixels.height};
  gegl_buffer_set(buffer, &out_rect, 0, pixel_format(GIMP_DRAWABLE(layer), image_rgb, alpha),
                  job.pixels.data.data(), GEGL_AUTO_ROWSTRIDE);
  gegl_buffer_flush(buffer);
  g_object_unref(buffer);
  gimp_drawable_update(GIMP_DRAWABLE(layer), 0, 0, job.pixels.width, job.pixels.height);
  if (job.mask) {
    GimpLayerMask* mask = gimp_layer_create_mask(layer, GIMP_ADD_MASK_SELECTION);
    if (!mask || !gimp_layer_add_mask(layer, mask)) {
      gimp_image_remove_layer(image, layer);
      return nullptr;
    }
  }
  return layer;
}

// ---------------------------------------------------------------------------
// Return values

GimpValueArray* fail(GimpProcedure* procedure, GimpPDBStatusType status, const std::string& message) {
  GError* error = g_error_new_literal(GIMP_PLUG_IN_ERROR, 0, message.c_str());
  return gimp_procedure_new_return_values(procedure, status, error);
}

std::string failure_message(const char* what) {
  std::string m = _("Neural style transfer failed: ");
  m += what;
  return m;
}

std::string profile_path() {
  gchar* p = g_build_filename(gimp_directory(), kProfileFile, nullptr);
  std::string path = p ? p : "";
  g_free(p);
  return path;
}

std::string item_name(GimpItem* item) { return take_string(gimp_item_get_name(item)); }

struct Unref {
  void operator()(gpointer object) const { g_object_unref(object); }
};

// ---------------------------------------------------------------------------
// Checks and results shared by both procedures

// Fills *jobs with the selected drawables and their selection bounds, or
// returns the failure.
GimpValueArray* check_drawables(GimpProcedure* procedure, GimpImage* image, GimpDrawable** drawables,
                                std::vector<Job>* jobs_out) {
  std::vector<GimpDrawable*> sources;
  for (GimpDrawable** d = drawables; d && *d; ++d) sources.push_back(*d);
  if (!image || !gimp_image_is_valid(image))
    return fail(procedure, GIMP_PDB_CALLING_ERROR, _("The image argument is not a valid image."));
  if (sources.empty())
    return fail(procedure, GIMP_PDB_CALLING_ERROR, _("Select a layer to repaint: no drawable was given."));
  for (GimpDrawable* d : sources) {
    if (!gimp_item_is_valid(GIMP_ITEM(d)) || gimp_item_get_image(GIMP_ITEM(d)) != image)
      return fail(procedure, GIMP_PDB_CALLING_ERROR,
                  _("The drawable argument is not a valid drawable of the image."));
    if (gimp_drawable_is_indexed(d))
      return fail(procedure, GIMP_PDB_CALLING_ERROR,
                  _("Indexed layers are not supported, convert the image to RGB (Image > Mode > RGB)."));
  }

  std::vector<Job>& jobs = *jobs_out;
  jobs.resize(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    Job& job = jobs[i];
    job.drawable = sources[i];
    gint x = 0, y = 0, w = 0, h = 0;
    if (!gimp_drawable_mask_intersect(job.drawable, &x, &y, &w, &h) || w <= 0 || h <= 0)
      return fail(procedure, GIMP_PDB_EXECUTION_ERROR,
                  _("The selection does not overlap the layer: nothing to work on."));
    job.rect = {x, y, w, h};
  }

  return nullptr;
}

// All new layers in one undo step; the first one is returned.
GimpValueArray* add_result_layers(GimpProcedure* procedure, GimpRunMode run_mode, GimpImage* image,
                                  const std::vector<Job>& jobs, bool image_rgb) {
  // One undo step for all new layers.
  gimp_image_undo_group_start(image);
  GimpLayer* first = nullptr;
  bool ok = true;
  for (const Job& job : jobs) {
    GimpLayer* layer = add_result_layer(image, job, image_rgb);
    if (!layer) {
      ok = false;
      break;
    }
    if (!first) first = layer;
  }
  gimp_image_undo_group_end(image);
  gimp_progress_update(1.0);
  gimp_progress_end();
  if (!ok) return fail(procedure, GIMP_PDB_EXECUTION_ERROR, failure_message(_("could not add the new layer.")));
  if (run_mode != GIMP_RUN_NONINTERACTIVE) gimp_displays_flush();

  GimpValueArray* values = gimp_procedure_new_return_values(procedure, GIMP_PDB_SUCCESS, nullptr);
  GIMP_VALUES_SET_LAYER(values, 1, first);
  return values;
}

// ---------------------------------------------------------------------------
// plug-in-neural-style

GimpValueArray* run_gatys(GimpProcedure* procedure, GimpRunMode run_mode, GimpImage* image,
                          GimpDrawable** drawables, GimpProcedureConfig* config, gpointer /*run_data*/) {
  init_i18n();
  // Keep number parsing in the core (model headers, option strings)
  // independent of the user's locale.
  std::setlocale(LC_NUMERIC, "C");

  std::vector<Job> jobs;
  if (GimpValueArray* bad = check_drawables(procedure, image, drawables, &jobs)) return bad;

  const bool with_ui = run_mode != GIMP_RUN_NONINTERACTIVE;
  const std::string profile_file = profile_path();
  nst_ui::Profile profile;
  if (with_ui) {
    gimp_ui_init(kBinary);
    std::setlocale(LC_NUMERIC, "C");  // gtk_init set the user's locale
    profile = nst_ui::load_profile(profile_file);
  }
  if (run_mode == GIMP_RUN_INTERACTIVE) {
    nst_ui::SettingsContext ctx;
    ctx.image = image;
    ctx.content_width = jobs[0].rect.width;
    ctx.content_height = jobs[0].rect.height;
    ctx.profile = &profile;
    const bool accepted = nst_ui::run_settings_dialog(procedure, config, ctx);
    nst_ui::save_profile(profile, profile_file);  // recent styles
    if (!accepted) {
      nst_ui::test_hook_note("result", "outcome=settings-cancelled");
      return gimp_procedure_new_return_values(procedure, GIMP_PDB_CANCEL, nullptr);
    }
  }

  const nst_plugin::PluginParams p = params_from_config(config);
  // The dialog's "a layer of an open image" as the style (dialog-only
  // arguments; scripts give a style file).
  std::unique_ptr<GimpDrawable, Unref> style_drawable;
  if (with_ui) {
    gboolean from_layer = FALSE;
    GimpDrawable* d = nullptr;
    g_object_get(config, "style-from-layer", &from_layer, "style-layer", &d, nullptr);
    std::unique_ptr<GimpDrawable, Unref> chosen(d);
    if (from_layer && (!d || !gimp_item_is_valid(GIMP_ITEM(d))))
      return fail(procedure, GIMP_PDB_CALLING_ERROR,
                  _("The layer used as the style last time is gone: run Neural Style "
                    "Transfer... again to choose a style."));
    if (from_layer) style_drawable = std::move(chosen);
  }
  const std::string problem = nst_plugin::validate_params(p, style_drawable != nullptr);
  if (!problem.empty()) return fail(procedure, GIMP_PDB_CALLING_ERROR, problem);

  gegl_init(nullptr, nullptr);
  const bool image_rgb = gimp_image_get_base_type(image) == GIMP_RGB;

  // All fallible work happens here, before the image is touched.
  gimp_progress_init(_("Neural style transfer"));
  nst::Image style;
  std::string style_name = p.style_file;
  try {
    if (GimpDrawable* d = style_drawable.get()) {
      const GeglRectangle all = {0, 0, gimp_drawable_get_width(d), gimp_drawable_get_height(d)};
      style_name = item_name(GIMP_ITEM(d));
      style = read_drawable(d, all);
    }
    for (Job& job : jobs) {
      nst_plugin::check_memory(job.rect.width, job.rect.height, p);  // before a large layer is read
      const nst::Image content = read_drawable(job.drawable, job.rect);
      const nst::TransferResult result =
          with_ui ? nst_ui::transfer_in_progress_window(content, style, p, item_name(GIMP_ITEM(job.drawable)),
                                                        style_name, profile, profile_file)
                  : nst_ui::transfer_in_batch(content, style, p);
      if (result.image.width <= 0 || result.image.height <= 0)
        throw nst::Error(_("The engine returned an empty image."));
      job.pixels = nst_plugin::layer_pixels(result.image, (image_rgb ? 3 : 1) + (gimp_drawable_has_alpha(job.drawable) ? 1 : 0));
      job.layer_name = nst_plugin::layer_name_for_style(style_name);
      gint off_x = 0, off_y = 0;
      gimp_drawable_get_offsets(job.drawable, &off_x, &off_y);
      const GeglRectangle image_rect = {off_x + job.rect.x, off_y + job.rect.y, job.rect.width, job.rect.height};
      job.mask = p.selection_mask == 1 && selection_is_partial(image, image_rect);
    }
  } catch (const nst::Cancelled&) {
    gimp_progress_end();
    return gimp_procedure_new_return_values(procedure, GIMP_PDB_CANCEL, nullptr);
  } catch (const std::exception& e) {
    gimp_progress_end();
    nst_ui::test_hook_note("result", std::string("outcome=failed error=") + e.what());
    return fail(procedure, GIMP_PDB_EXECUTION_ERROR, failure_message(e.what()));
  }

  return add_result_layers(procedure, run_mode, image, jobs, image_rgb);
}

GimpValueArray* run_fast(GimpProcedure* procedure, GimpRunMode run_mode, GimpImage* image,
                         GimpDrawable** drawables, GimpProcedureConfig* config, gpointer run_data);

GimpValueArray* run_guarded(GimpProcedure* procedure, GimpRunMode run_mode, GimpImage* image,
                            GimpDrawable** drawables, GimpProcedureConfig* config, gpointer run_data) {
  try {
    if (std::strcmp(gimp_procedure_get_name(procedure), "plug-in-neural-style-fast") == 0)
      return run_fast(procedure, run_mode, image, drawables, config, run_data);
    return run_gatys(procedure, run_mode, image, drawables, config, run_data);
  } catch (const std::exception& e) {
    return fail(procedure, GIMP_PDB_EXECUTION_ERROR, failure_message(e.what()));
  } catch (...) {
    return fail(procedure, GIMP_PDB_EXECUTION_ERROR, failure_message(_("unknown error")));
  }
}

// ---------------------------------------------------------------------------
// plug-in-neural-style-fast: the same arguments as the GIMP 2.10 procedure.

void add_fast_arguments(GimpProcedure* procedure) {
  const GParamFlags rw = G_PARAM_READWRITE;
  gimp_procedure_add_string_argument(
      procedure, "model", _("Style _network"),
      _("An installed style's name (e.g. \"wave\", see `nst models`) or the path of a network (ml5 folder or "
        "its manifest.json, TransformerNet .pth)"),
      "", rw);
  gimp_procedure_add_double_argument(procedure, "strength", _("S_trength"),
                                     _("Percent of the style in the result (0-100; lower mixes in the original)"),
                                     0, 100, 100, rw);
  gimp_procedure_add_int_argument(procedure, "preserve-colors", _("_Keep the layer's colours"),
                                  _("Keep the layer's colours { off (0), luminance: the style's brightness with the "
                                    "layer's colours (1), colour match: the result's colours matched to the layer's (2) }"),
                                  0, 2, 0, rw);
  gimp_procedure_add_int_argument(procedure, "size", _("Paint at _size"),
                                  _("Longest side the network paints at, result scaled to the layer (0 = the "
                                    "layer's own size, or 64-16384)"),
                                  0, nst_plugin::kMaxSize, 0, rw);
  gimp_procedure_add_int_argument(procedure, "tile", _("_Tile size"),
                                  _("Tile size for large layers (0 = default 1024, or 256-8192)"), 0,
                                  nst_plugin::kMaxTile, 0, rw);
  gimp_procedure_add_layer_return_value(procedure, "new-layer", _("New layer"),
                                        _("The new layer holding the stylised pixels"), FALSE, rw);
}

nst_plugin::FastParams fast_params_from_config(GimpProcedureConfig* config) {
  nst_plugin::FastParams p;
  gchar* model = nullptr;
  g_object_get(config, "model", &model, "strength", &p.strength, "preserve-colors", &p.preserve_colors, "size",
               &p.size, "tile", &p.tile, nullptr);
  p.model = take_string(model);
  return p;
}

GimpValueArray* run_fast(GimpProcedure* procedure, GimpRunMode run_mode, GimpImage* image,
                         GimpDrawable** drawables, GimpProcedureConfig* config, gpointer /*run_data*/) {
  init_i18n();
  std::setlocale(LC_NUMERIC, "C");
  std::vector<Job> jobs;
  if (GimpValueArray* bad = check_drawables(procedure, image, drawables, &jobs)) return bad;

  const bool with_ui = run_mode != GIMP_RUN_NONINTERACTIVE;
  if (with_ui) {
    gimp_ui_init(kBinary);
    std::setlocale(LC_NUMERIC, "C");
  }
  gegl_init(nullptr, nullptr);
  nst_plugin::FastParams p = fast_params_from_config(config);
  if (run_mode == GIMP_RUN_INTERACTIVE) {
    // The gallery dialog (ui/fast_dialog_gtk.cpp, shared with GIMP 2.10) on
    // the first selected layer; the chosen values go back into the config,
    // which GIMP keeps as the procedure's last values.
    nst_ui::FastDialogContext ctx;
    try {
      ctx = nst_ui::fast_dialog_context(read_drawable(jobs[0].drawable, jobs[0].rect));
    } catch (const std::exception& e) {
      return fail(procedure, GIMP_PDB_EXECUTION_ERROR, failure_message(e.what()));
    }
    if (!nst_ui::run_fast_dialog(p, ctx)) {
      nst_ui::test_hook_note("result", "outcome=settings-cancelled");
      return gimp_procedure_new_return_values(procedure, GIMP_PDB_CANCEL, nullptr);
    }
    g_object_set(config, "model", p.model.c_str(), "strength", p.strength, "preserve-colors", p.preserve_colors,
                 "size", p.size, "tile", p.tile, nullptr);
  }
  const std::string problem = nst_plugin::validate_fast_params(p);
  if (!problem.empty()) return fail(procedure, GIMP_PDB_CALLING_ERROR, problem);

  const bool image_rgb = gimp_image_get_base_type(image) == GIMP_RGB;
  gimp_progress_init(_("Neural style (fast)"));
  try {
    const nst::FastModel model(nst::find_fast_model(p.model));
    for (Job& job : jobs) {
      const nst::Image content = read_drawable(job.drawable, job.rect);
      const nst::Image styled =
          with_ui ? nst_ui::stylize_in_progress_window(content, p, model, item_name(GIMP_ITEM(job.drawable)))
                  : nst_ui::stylize_in_batch(content, p, model);
      job.pixels = nst_plugin::layer_pixels(styled, (image_rgb ? 3 : 1) + (gimp_drawable_has_alpha(job.drawable) ? 1 : 0));
      job.layer_name = nst_plugin::fast_layer_name(model.info().name);
    }
  } catch (const nst::Cancelled&) {
    gimp_progress_end();
    return gimp_procedure_new_return_values(procedure, GIMP_PDB_CANCEL, nullptr);
  } catch (const std::exception& e) {
    gimp_progress_end();
    nst_ui::test_hook_note("result", std::string("outcome=failed error=") + e.what());
    return fail(procedure, GIMP_PDB_EXECUTION_ERROR, failure_message(e.what()));
  }
  return add_result_layers(procedure, run_mode, image, jobs, image_rgb);
}

// ---------------------------------------------------------------------------
// The procedures of this plug-in

struct ProcedureDef {
  const char* name;
  const char* menu_label;  // N_()
  const char* blurb;       // N_()
  const char* help;
  void (*add_arguments)(GimpProcedure*);
  GimpRunImageFunc run;
};

const ProcedureDef kProcedures[] = {
    {"plug-in-neural-style", N_("Neural Style _Transfer..."),
     N_("Repaint the layer in the style of a painting (neural style transfer)"),
     "Optimises a copy of each selected drawable (within the selection bounds) so that the features a "
     "convolutional network extracts from it keep the content of the drawable and take the textures "
     "and colours of the style image or images (Gatys et al.), up to the layer's own size if asked. The "
     "result is added as a new layer directly above the source layer, masked by a selection that is not a "
     "plain rectangle; the source is not changed. Returns the new layer (the first one when several "
     "drawables are selected).",
     add_gatys_arguments, run_guarded},
    {"plug-in-neural-style2", nullptr,
     N_("Repaint the layer in the style of a painting (neural style transfer)"),
     "The same as plug-in-neural-style, under the name GIMP 2.10's plug-in gives the procedure with all "
     "parameters, so that scripts calling it run on both GIMP versions.",
     add_gatys_arguments, run_guarded},
    {"plug-in-neural-style-fast", N_("Neural Style (_Fast)..."),
     N_("Repaint the layer in a trained style in seconds (fast neural style)"),
     "Runs a feed-forward style network (Johnson et al.) trained for one painting over each selected "
     "drawable (within the selection bounds, in tiles when large) and adds the result as a new layer "
     "directly above the source layer; the source is not changed. Installed networks live in the models "
     "folder's fast-style/ subfolder (install-scripts/install-models.sh).",
     add_fast_arguments, run_guarded},
};

const ProcedureDef* find_procedure(const gchar* name) {
  for (const ProcedureDef& def : kProcedures)
    if (std::strcmp(def.name, name) == 0) return &def;
  return nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------
// The GimpPlugIn subclass

struct NstPlugIn {
  GimpPlugIn parent_instance;
};
struct NstPlugInClass {
  GimpPlugInClass parent_class;
};

G_DEFINE_TYPE(NstPlugIn, nst_plug_in, GIMP_TYPE_PLUG_IN)

static GList* nst_plug_in_query_procedures(GimpPlugIn*) {
  GList* list = nullptr;
  for (const ProcedureDef& def : kProcedures) list = g_list_append(list, g_strdup(def.name));
  return list;
}

static GimpProcedure* nst_plug_in_create_procedure(GimpPlugIn* plug_in, const gchar* name) {
  const ProcedureDef* def = find_procedure(name);
  if (!def) return nullptr;
  init_i18n();
  GimpProcedure* procedure =
      gimp_image_procedure_new(plug_in, def->name, GIMP_PDB_PROC_TYPE_PLUGIN, def->run, nullptr, nullptr);
  gimp_procedure_set_image_types(procedure, "RGB*, GRAY*");
  gimp_procedure_set_sensitivity_mask(procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE |
                                                     GIMP_PROCEDURE_SENSITIVE_DRAWABLES);
  if (def->menu_label) {
    gimp_procedure_set_menu_label(procedure, _(def->menu_label));
    gimp_procedure_add_menu_path(procedure, "<Image>/Filters/Artistic");
  }
  gimp_procedure_set_documentation(procedure, _(def->blurb), def->help, def->name);
  gimp_procedure_set_attribution(procedure, "Neural Style contributors", "Neural Style contributors", "2025");
  def->add_arguments(procedure);
  return procedure;
}

// The plug-in binds its own gettext domain (init_i18n): its catalogues may
// be installed outside the plug-in's folder (<prefix>/share/locale).
static gboolean nst_plug_in_set_i18n(GimpPlugIn*, const gchar*, gchar**, gchar**) {
  init_i18n();
  return FALSE;
}

static void nst_plug_in_class_init(NstPlugInClass* klass) {
  GimpPlugInClass* plug_in_class = GIMP_PLUG_IN_CLASS(klass);
  plug_in_class->query_procedures = nst_plug_in_query_procedures;
  plug_in_class->create_procedure = nst_plug_in_create_procedure;
  plug_in_class->set_i18n = nst_plug_in_set_i18n;
}

static void nst_plug_in_init(NstPlugIn*) {}

// libgimp's GIMP_MAIN(), preceded by the thread settings for real calls
// (-run; -query and -init run at every GIMP start and need no engine).
int main(int argc, char* argv[]) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "-run") == 0) nst::prefer_passive_threads(argv);
  return gimp_main(nst_plug_in_get_type(), argc, argv);
}
