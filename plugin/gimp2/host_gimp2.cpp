// GIMP 2.10 host of the neural style transfer plug-in: registration, argument
// handling, last values, reading the drawable and writing the new layer
// through GEGL. Everything libgimp-2.0 specific lives in this file; the
// version-neutral work is in ../procedure.cpp (see procedure.h).
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>
#include <gegl.h>

#include <algorithm>
#include <clocale>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "dialog_logic.h"
#include "dialog_storage.h"
#include "fast_dialog_gtk.h"
#include "procedure.h"
#include "i18n.h"
#include "progress_dialog.h"
#include "settings_dialog_gtk2.h"
#include "test_hook_gtk.h"

#ifndef LOCALEDIR
#error "LOCALEDIR must be defined by the build"
#endif

namespace {

// plug-in-neural-style2 has every parameter (the menu entry runs it);
// plug-in-neural-style, its first 18, stays for the scripts written for it
// (GIMP 2.10's script-fu insists on the exact number of arguments).
constexpr const char* kProcName = "plug-in-neural-style";
constexpr const char* kProcName2 = "plug-in-neural-style2";
constexpr const char* kBinary = "neural-style";
constexpr const char* kDialogDataKey = "plug-in-neural-style-dialog";
constexpr const char* kProfileFile = "neural-style.rc";
constexpr int kNumParams = 3 + nst_plugin::kClassicParams;
constexpr int kNumParams2 = 3 + nst_plugin::kAllParams;
constexpr const char* kFastProcName = "plug-in-neural-style-fast";
constexpr int kNumFastParams = 8;

// ---------------------------------------------------------------------------
// Registration

GimpParamDef g_args[] = {
    {GIMP_PDB_INT32, (gchar*)"run-mode",
     (gchar*)"The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }"},
    {GIMP_PDB_IMAGE, (gchar*)"image", (gchar*)"Input image"},
    {GIMP_PDB_DRAWABLE, (gchar*)"drawable", (gchar*)"Input drawable (its selection bounds are used)"},
    {GIMP_PDB_STRING, (gchar*)"style-file", (gchar*)"Path of the style image (the painting)"},
    {GIMP_PDB_STRING, (gchar*)"model-file",
     (gchar*)"Feature network file or folder; \"\" = the best installed network"},
    {GIMP_PDB_INT32, (gchar*)"iterations", (gchar*)"Optimisation steps (1-100000, default 300)"},
    {GIMP_PDB_INT32, (gchar*)"size",
     (gchar*)"Working size: longest side in pixels (32-16384, default 512; never upscales)"},
    {GIMP_PDB_FLOAT, (gchar*)"content-weight", (gchar*)"Content loss weight (< 0 = the network's default)"},
    {GIMP_PDB_FLOAT, (gchar*)"style-weight", (gchar*)"Style loss weight (< 0 = the network's default)"},
    {GIMP_PDB_FLOAT, (gchar*)"tv-weight",
     (gchar*)"Total variation (smoothness) weight (< 0 = the network's default)"},
    {GIMP_PDB_INT32, (gchar*)"optimizer", (gchar*)"Optimiser { L-BFGS (0), Adam (1) }"},
    {GIMP_PDB_INT32, (gchar*)"init", (gchar*)"Start image { content (0), noise (1), image file (2) }"},
    {GIMP_PDB_STRING, (gchar*)"init-file", (gchar*)"Start image file when init is 2, else ignored"},
    {GIMP_PDB_INT32, (gchar*)"seed", (gchar*)"Random seed (noise start)"},
    {GIMP_PDB_STRING, (gchar*)"style-layers",
     (gchar*)"Comma separated style layer names (\"\" = the network's default)"},
    {GIMP_PDB_STRING, (gchar*)"content-layers",
     (gchar*)"Comma separated content layer names (\"\" = the network's default)"},
    {GIMP_PDB_INT32, (gchar*)"pooling", (gchar*)"Pooling { max (0), average (1) }"},
    {GIMP_PDB_FLOAT, (gchar*)"learning-rate",
     (gchar*)"Optimiser step size (0 = default: 1.0 for L-BFGS, 0.02 for Adam)"},
    // plug-in-neural-style2 only
    {GIMP_PDB_INT32, (gchar*)"output-size",
     (gchar*)"Size the result is painted at, longest side: 0 = the working size (the result resized to the layer), "
             "-1 = the layer's own size (full detail), or 32-65536 px; above the working size the painting "
             "continues at scales up to 1.41x larger each, in tiles when large"},
    {GIMP_PDB_INT32, (gchar*)"scale-iterations",
     (gchar*)"Iterations at each scale above the working size (0 = half the scale before's, at least 20)"},
    {GIMP_PDB_INT32, (gchar*)"coarse-to-fine",
     (gchar*)"Iterations at a quarter and at half the working size first (-1 = a third of the iterations, "
             "0 = off)"},
    {GIMP_PDB_FLOAT, (gchar*)"strength",
     (gchar*)"Percent of the result mixed over the layer (0-100, default 100)"},
    {GIMP_PDB_INT32, (gchar*)"preserve-colors",
     (gchar*)"Keep the layer's colours { off (0), luminance: only the brightness is stylised (1), colour match: "
             "the painting takes the layer's colours first (2) }"},
    {GIMP_PDB_FLOAT, (gchar*)"style-scale",
     (gchar*)"The painting's size relative to the layer's: larger strokes above 1 (0.1-4, default 1)"},
    {GIMP_PDB_STRING, (gchar*)"more-styles",
     (gchar*)"Further paintings mixed with style-file, separated by ':' (\"\" = none)"},
    {GIMP_PDB_STRING, (gchar*)"style-blend-weights",
     (gchar*)"One weight per painting, style-file first, separated by commas (\"\" = equal)"},
    {GIMP_PDB_INT32, (gchar*)"selection-mask",
     (gchar*)"With a selection that is not a plain rectangle, the new layer gets a layer mask from it so that only "
             "the selected pixels change { FALSE (0), TRUE (1) }"},
};
static_assert(sizeof(g_args) / sizeof(g_args[0]) == kNumParams2, "parameter table out of sync");

GimpParamDef g_fast_args[] = {
    {GIMP_PDB_INT32, (gchar*)"run-mode",
     (gchar*)"The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }"},
    {GIMP_PDB_IMAGE, (gchar*)"image", (gchar*)"Input image"},
    {GIMP_PDB_DRAWABLE, (gchar*)"drawable", (gchar*)"Input drawable (its selection bounds are used)"},
    {GIMP_PDB_STRING, (gchar*)"model",
     (gchar*)"Style network: an installed style's name (e.g. \"wave\", see `nst models`) or the path of a "
             "network (ml5 folder or its manifest.json, TransformerNet .pth)"},
    {GIMP_PDB_FLOAT, (gchar*)"strength",
     (gchar*)"Percent of the style in the result (0-100, default 100; lower mixes in the original)"},
    {GIMP_PDB_INT32, (gchar*)"preserve-colors", (gchar*)"Keep the layer's colours { off (0), luminance: the style's brightness with the layer's colours (1), "
             "colour match: the result's colours matched to the layer's (2) }"},
    {GIMP_PDB_INT32, (gchar*)"size",
     (gchar*)"Longest side the network paints at, result scaled to the layer (0 = the layer's own size, or 64-16384)"},
    {GIMP_PDB_INT32, (gchar*)"tile",
     (gchar*)"Tile size for large layers (0 = default 1024, or 256-8192)"},
};
static_assert(sizeof(g_fast_args) / sizeof(g_fast_args[0]) == kNumFastParams, "parameter table out of sync");

GimpParamDef g_return_vals[] = {
    {GIMP_PDB_LAYER, (gchar*)"new-layer", (gchar*)"The new layer holding the stylised pixels"},
};

std::string locale_dir() { return nst_plugin::locale_dir(LOCALEDIR); }

void query() {
  gimp_plugin_domain_register(GETTEXT_PACKAGE, locale_dir().c_str());

  gimp_install_procedure(
      kProcName2,
      N_("Repaint the layer in the style of a painting (neural style transfer)"),
      "Optimises a copy of the drawable (within the selection bounds) so that the features a "
      "convolutional network extracts from it keep the content of the drawable and take the "
      "textures and colours of the style image or images (Gatys et al.), up to the layer's own size "
      "if asked. The result is added as a new layer directly above the source layer, masked by a "
      "selection that is not a plain rectangle; the source is not changed.",
      "Neural Style contributors", "Neural Style contributors", "2026",
      N_("Neural Style _Transfer..."), "RGB*, GRAY*", GIMP_PLUGIN, kNumParams2,
      G_N_ELEMENTS(g_return_vals), g_args, g_return_vals);
  gimp_plugin_menu_register(kProcName2, "<Image>/Filters/Artistic");

  gimp_install_procedure(
      kProcName,
      N_("Repaint the layer in the style of a painting (neural style transfer)"),
      "plug-in-neural-style2 with its first 18 parameters and the defaults of the others: the result at the "
      "working size resized to the layer, one painting, the painting's colours, full strength, a selection "
      "that is not a plain rectangle as the new layer's mask.",
      "Neural Style contributors", "Neural Style contributors", "2025", nullptr, "RGB*, GRAY*", GIMP_PLUGIN,
      kNumParams, G_N_ELEMENTS(g_return_vals), g_args, g_return_vals);

  gimp_install_procedure(
      kFastProcName,
      N_("Repaint the layer in a trained style in seconds (fast neural style)"),
      "Runs a feed-forward style network (Johnson et al.) trained for one painting over the drawable "
      "(within the selection bounds, in tiles when large) and adds the result as a new layer directly "
      "above the source layer; the source is not changed. Installed networks live in the models folder's "
      "fast-style/ subfolder (install-scripts/install-models.sh).",
      "Neural Style contributors", "Neural Style contributors", "2026",
      N_("Neural Style (_Fast)..."), "RGB*, GRAY*", GIMP_PLUGIN, kNumFastParams,
      G_N_ELEMENTS(g_return_vals), g_fast_args, g_return_vals);
  gimp_plugin_menu_register(kFastProcName, "<Image>/Filters/Artistic");
}

// ---------------------------------------------------------------------------
// Last values (gimp_get_data / gimp_set_data need a plain block of bytes)

constexpr guint32 kLastValuesMagic = 0x4e535433;  // "NST3"

struct LastValues {
  guint32 magic;
  guint32 struct_size;
  gchar style_file[4096];
  gchar model_file[4096];
  gchar init_file[4096];
  gchar style_layers[1024];
  gchar content_layers[1024];
  gint32 iterations;
  gint32 size;
  gint32 optimizer;
  gint32 init;
  gint32 seed;
  gint32 pooling;
  gdouble content_weight;
  gdouble style_weight;
  gdouble tv_weight;
  gdouble learning_rate;
  gint32 output_size;
  gint32 scale_iterations;
  gint32 coarse_iterations;
  gdouble strength;
  gint32 preserve_colors;
  gdouble style_scale;
  gchar more_styles[8192];
  gchar style_blend_weights[1024];
  gint32 selection_mask;
  gint32 style_drawable;  // > 0: the style was this drawable (dialog only)
  gint32 from_dialog;     // 1: written by a run from the dialog
};

// What the last run used, as remembered for RUN-WITH-LAST-VALS.
struct LastRun {
  nst_plugin::PluginParams params;
  gint32 style_drawable = -1;
  bool from_dialog = false;
};

template <size_t N>
bool copy_to(gchar (&dst)[N], const std::string& src) {
  if (src.size() >= N) return false;
  std::memset(dst, 0, N);
  std::memcpy(dst, src.data(), src.size());
  return true;
}

template <size_t N>
std::string copy_from(const gchar (&src)[N]) {
  return std::string(src, strnlen(src, N));
}

bool load_last_values(LastRun& last) {
  nst_plugin::PluginParams& p = last.params;
  if (gimp_get_data_size(kProcName) != gint(sizeof(LastValues))) return false;
  LastValues v;
  std::memset(&v, 0, sizeof v);
  if (!gimp_get_data(kProcName, &v)) return false;
  if (v.magic != kLastValuesMagic || v.struct_size != sizeof(LastValues)) return false;
  p.style_file = copy_from(v.style_file);
  p.model_file = copy_from(v.model_file);
  p.init_file = copy_from(v.init_file);
  p.style_layers = copy_from(v.style_layers);
  p.content_layers = copy_from(v.content_layers);
  p.iterations = v.iterations;
  p.size = v.size;
  p.optimizer = v.optimizer;
  p.init = v.init;
  p.seed = v.seed;
  p.pooling = v.pooling;
  p.content_weight = v.content_weight;
  p.style_weight = v.style_weight;
  p.tv_weight = v.tv_weight;
  p.learning_rate = v.learning_rate;
  p.output_size = v.output_size;
  p.scale_iterations = v.scale_iterations;
  p.coarse_iterations = v.coarse_iterations;
  p.strength = v.strength;
  p.preserve_colors = v.preserve_colors;
  p.style_scale = v.style_scale;
  p.more_styles = copy_from(v.more_styles);
  p.style_blend_weights = copy_from(v.style_blend_weights);
  p.selection_mask = v.selection_mask;
  last.style_drawable = v.style_drawable;
  last.from_dialog = v.from_dialog == 1;
  return true;
}

void save_last_values(const nst_plugin::PluginParams& p, gint32 style_drawable, bool from_dialog) {
  LastValues v;
  std::memset(&v, 0, sizeof v);
  v.magic = kLastValuesMagic;
  v.struct_size = sizeof(LastValues);
  // A path too long for the fixed fields is not stored at all rather than
  // stored truncated.
  if (!copy_to(v.style_file, p.style_file) || !copy_to(v.model_file, p.model_file) ||
      !copy_to(v.init_file, p.init_file) || !copy_to(v.style_layers, p.style_layers) ||
      !copy_to(v.content_layers, p.content_layers) || !copy_to(v.more_styles, p.more_styles) ||
      !copy_to(v.style_blend_weights, p.style_blend_weights))
    return;
  v.iterations = p.iterations;
  v.size = p.size;
  v.optimizer = p.optimizer;
  v.init = p.init;
  v.seed = p.seed;
  v.pooling = p.pooling;
  v.content_weight = p.content_weight;
  v.style_weight = p.style_weight;
  v.tv_weight = p.tv_weight;
  v.learning_rate = p.learning_rate;
  v.output_size = p.output_size;
  v.scale_iterations = p.scale_iterations;
  v.coarse_iterations = p.coarse_iterations;
  v.strength = p.strength;
  v.preserve_colors = p.preserve_colors;
  v.style_scale = p.style_scale;
  v.selection_mask = p.selection_mask;
  v.style_drawable = style_drawable;
  v.from_dialog = from_dialog ? 1 : 0;
  gimp_set_data(kProcName, &v, sizeof v);
}

constexpr guint32 kFastLastValuesMagic = 0x4e534631;  // "NSF1"

struct FastLastValues {
  guint32 magic;
  guint32 struct_size;
  gchar model[4096];
  gdouble strength;
  gint32 preserve_colors;
  gint32 size;
  gint32 tile;
};

bool load_fast_last_values(nst_plugin::FastParams& p) {
  if (gimp_get_data_size(kFastProcName) != gint(sizeof(FastLastValues))) return false;
  FastLastValues v;
  std::memset(&v, 0, sizeof v);
  if (!gimp_get_data(kFastProcName, &v)) return false;
  if (v.magic != kFastLastValuesMagic || v.struct_size != sizeof(FastLastValues)) return false;
  p.model = copy_from(v.model);
  p.strength = v.strength;
  p.preserve_colors = v.preserve_colors;
  p.size = v.size;
  p.tile = v.tile;
  return true;
}

void save_fast_last_values(const nst_plugin::FastParams& p) {
  FastLastValues v;
  std::memset(&v, 0, sizeof v);
  v.magic = kFastLastValuesMagic;
  v.struct_size = sizeof(FastLastValues);
  if (!copy_to(v.model, p.model)) return;
  v.strength = p.strength;
  v.preserve_colors = p.preserve_colors;
  v.size = p.size;
  v.tile = p.tile;
  gimp_set_data(kFastProcName, &v, sizeof v);
}

// ---------------------------------------------------------------------------
// Parameters

std::string param_string(const GimpParam& p) {
  return p.data.d_string ? std::string(p.data.d_string) : std::string();
}

// The arguments of either procedure (nparams: kNumParams or kNumParams2).
nst_plugin::PluginParams params_from_pdb(gint nparams, const GimpParam* param) {
  nst_plugin::PluginParams p;
  p.style_file = param_string(param[3]);
  p.model_file = param_string(param[4]);
  p.iterations = param[5].data.d_int32;
  p.size = param[6].data.d_int32;
  p.content_weight = param[7].data.d_float;
  p.style_weight = param[8].data.d_float;
  p.tv_weight = param[9].data.d_float;
  p.optimizer = param[10].data.d_int32;
  p.init = param[11].data.d_int32;
  p.init_file = param_string(param[12]);
  p.seed = param[13].data.d_int32;
  p.style_layers = param_string(param[14]);
  p.content_layers = param_string(param[15]);
  p.pooling = param[16].data.d_int32;
  p.learning_rate = param[17].data.d_float;
  if (nparams < kNumParams2) return p;
  p.output_size = param[18].data.d_int32;
  p.scale_iterations = param[19].data.d_int32;
  p.coarse_iterations = param[20].data.d_int32;
  p.strength = param[21].data.d_float;
  p.preserve_colors = param[22].data.d_int32;
  p.style_scale = param[23].data.d_float;
  p.more_styles = param_string(param[24]);
  p.style_blend_weights = param_string(param[25]);
  p.selection_mask = param[26].data.d_int32;
  return p;
}

std::string item_name(gint32 item) {
  gchar* name = gimp_item_get_name(item);
  std::string out = name ? name : "";
  g_free(name);
  return out;
}

// ---------------------------------------------------------------------------
// Pixels

const Babl* babl_format_for(bool rgb, bool alpha) {
  if (rgb) return babl_format(alpha ? "R'G'B'A float" : "R'G'B' float");
  return babl_format(alpha ? "Y'A float" : "Y' float");
}

// The drawable's pixels inside `rect` (drawable coordinates).
nst::Image read_drawable(gint32 drawable, const GeglRectangle& rect) {
  const bool rgb = gimp_drawable_is_rgb(drawable);
  const bool alpha = gimp_drawable_has_alpha(drawable);
  const int channels = (rgb ? 3 : 1) + (alpha ? 1 : 0);
  nst::Image img(rect.width, rect.height, channels);
  GeglBuffer* buffer = gimp_drawable_get_buffer(drawable);
  if (!buffer) throw nst::Error(_("Could not read the layer's pixels."));
  gegl_buffer_get(buffer, &rect, 1.0, babl_format_for(rgb, alpha), img.data.data(),
                  GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  g_object_unref(buffer);
  return img;
}

// Where the new layer goes: above the source layer (or the layer owning the
// mask), or above the active layer for channels.
void insertion_point(gint32 image, gint32 drawable, gint32* parent, gint* position) {
  gint32 layer = -1;
  if (gimp_item_is_layer(drawable))
    layer = drawable;
  else if (gimp_item_is_layer_mask(drawable))
    layer = gimp_layer_from_mask(drawable);
  if (layer > 0) {
    const gint32 p = gimp_item_get_parent(layer);
    *parent = p > 0 ? p : 0;
    *position = gimp_image_get_item_position(image, layer);
    if (*position < 0) *position = -1;
  } else {
    *parent = 0;
    *position = -1;
  }
}

// ---------------------------------------------------------------------------
// Outcome of a call

struct Outcome {
  GimpPDBStatusType status = GIMP_PDB_SUCCESS;
  std::string message;  // for errors
  gint32 layer = -1;    // for success
};

Outcome fail(GimpPDBStatusType status, const std::string& message) {
  Outcome o;
  o.status = status;
  o.message = message;
  return o;
}

std::string failure_message(const char* what) {
  std::string m = _("Neural style transfer failed: ");
  m += what;
  return m;
}

// ---------------------------------------------------------------------------
// Dialog state and profile

bool load_dialog_state(nst_ui::DialogState& s) {
  const gint size = gimp_get_data_size(kDialogDataKey);
  if (size <= 0 || size > (1 << 20)) return false;
  std::string text(size_t(size), '\0');
  if (!gimp_get_data(kDialogDataKey, &text[0])) return false;
  return nst_ui::parse_state(text, s);
}

void save_dialog_state(const nst_ui::DialogState& s) {
  const std::string text = nst_ui::serialize_state(s);
  gimp_set_data(kDialogDataKey, text.data(), guint32(text.size()));
}

std::string profile_path() {
  gchar* p = gimp_personal_rc_file(kProfileFile);
  std::string path = p ? p : "";
  g_free(p);
  return path;
}

// The network's description for a model setting, or null when it cannot be
// read (the dialog reports that).
bool model_info_for(const std::string& model_file, nst::ModelInfo* info) {
  try {
    *info = nst::inspect_model(nst_ui::resolve_model(model_file));
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Writing the result

// Whether the selection leaves some pixels of this rectangle (image
// coordinates) unselected or partly selected: a shape or a feather, not just
// the rectangle itself (then the new layer gets a mask from it).
bool selection_is_partial(gint32 image, const GeglRectangle& rect) {
  if (gimp_selection_is_empty(image)) return false;
  GeglBuffer* buffer = gimp_drawable_get_buffer(gimp_image_get_selection(image));
  if (!buffer) return false;
  std::vector<float> values(size_t(rect.width) * size_t(rect.height));
  gegl_buffer_get(buffer, &rect, 1.0, babl_format("Y float"), values.data(), GEGL_AUTO_ROWSTRIDE,
                  GEGL_ABYSS_NONE);
  g_object_unref(buffer);
  return std::any_of(values.begin(), values.end(), [](float v) { return v < 1.f; });
}

// Adds `pixels` as a new layer above the source (one undo step), with a layer
// mask from the selection when `mask`; -1 on failure.
gint32 add_result_layer(gint32 image, gint32 drawable, gint x, gint y, const nst::Image& pixels,
                        bool image_rgb, bool alpha, const std::string& name, bool mask = false) {
  GimpImageType type;
  if (image_rgb)
    type = alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE;
  else
    type = alpha ? GIMP_GRAYA_IMAGE : GIMP_GRAY_IMAGE;

  gint32 parent = 0;
  gint position = -1;
  insertion_point(image, drawable, &parent, &position);
  gint off_x = 0, off_y = 0;
  gimp_drawable_offsets(drawable, &off_x, &off_y);

  gimp_image_undo_group_start(image);
  const gint32 layer = gimp_layer_new(image, name.c_str(), pixels.width, pixels.height, type, 100.0,
                                      GIMP_LAYER_MODE_NORMAL);
  if (layer <= 0 || !gimp_image_insert_layer(image, layer, parent, position)) {
    if (layer > 0) gimp_item_delete(layer);
    gimp_image_undo_group_end(image);
    return -1;
  }
  gimp_layer_set_offsets(layer, off_x + x, off_y + y);

  GeglBuffer* buffer = gimp_drawable_get_buffer(layer);
  const GeglRectangle out_rect = {0, 0, pixels.width, pixels.height};
  gegl_buffer_set(buffer, &out_rect, 0, babl_format_for(image_rgb, alpha), pixels.data.data(),
                  GEGL_AUTO_ROWSTRIDE);
  gegl_buffer_flush(buffer);
  g_object_unref(buffer);
  gimp_drawable_update(layer, 0, 0, pixels.width, pixels.height);
  if (mask) {
    const gint32 m = gimp_layer_create_mask(layer, GIMP_ADD_MASK_SELECTION);
    if (m <= 0 || !gimp_layer_add_mask(layer, m)) {
      gimp_image_remove_layer(image, layer);
      gimp_image_undo_group_end(image);
      return -1;
    }
  }
  gimp_image_undo_group_end(image);
  return layer;
}

// ---------------------------------------------------------------------------
// run()

// The checks both procedures make on their image and drawable. Fills the
// selection bounds (drawable coordinates) or *failure.
bool check_target(gint32 image, gint32 drawable, gint* x, gint* y, gint* width, gint* height,
                  Outcome* failure) {
  if (!gimp_image_is_valid(image)) {
    *failure = fail(GIMP_PDB_CALLING_ERROR, _("The image argument is not a valid image."));
    return false;
  }
  if (!gimp_item_is_valid(drawable) || !gimp_item_is_drawable(drawable) ||
      gimp_item_get_image(drawable) != image) {
    *failure = fail(GIMP_PDB_CALLING_ERROR,
                    _("The drawable argument is not a valid drawable of the image."));
    return false;
  }
  if (gimp_drawable_is_indexed(drawable) || gimp_image_base_type(image) == GIMP_INDEXED) {
    *failure = fail(GIMP_PDB_CALLING_ERROR,
                    _("Indexed layers are not supported, convert the image to RGB "
                      "(Image > Mode > RGB)."));
    return false;
  }
  if (!gimp_drawable_mask_intersect(drawable, x, y, width, height) || *width <= 0 || *height <= 0) {
    *failure = fail(GIMP_PDB_EXECUTION_ERROR,
                    _("The selection does not overlap the layer: nothing to work on."));
    return false;
  }
  return true;
}

// What every call starts with: run mode, image, drawable and its selection
// bounds, checked; the UI initialised for interactive run modes.
struct Call {
  GimpRunMode run_mode = GIMP_RUN_NONINTERACTIVE;
  gint32 image = -1, drawable = -1;
  bool with_ui = false;
  gint x = 0, y = 0, width = 0, height = 0;
};

bool begin_call(const char* proc_name, gint nparams, const GimpParam* param, Call* call, Outcome* failure) {
  if (nparams < 3) {
    *failure = fail(GIMP_PDB_CALLING_ERROR,
                    nst_plugin::printf_string(_("%s needs at least run-mode, image and drawable."), proc_name));
    return false;
  }
  call->run_mode = GimpRunMode(param[0].data.d_int32);
  call->image = param[1].data.d_image;
  call->drawable = param[2].data.d_drawable;
  call->with_ui = call->run_mode == GIMP_RUN_INTERACTIVE || call->run_mode == GIMP_RUN_WITH_LAST_VALS;
  if (call->run_mode != GIMP_RUN_NONINTERACTIVE && !call->with_ui) {
    *failure = fail(GIMP_PDB_CALLING_ERROR, _("Unknown run mode."));
    return false;
  }
  if (!check_target(call->image, call->drawable, &call->x, &call->y, &call->width, &call->height, failure))
    return false;
  if (call->with_ui) {
    gimp_ui_init(kBinary, FALSE);
    // gtk_init set the user's locale; keep number parsing in the core
    // independent of it.
    std::setlocale(LC_NUMERIC, "C");
  }
  return true;
}

// plug-in-neural-style-fast: a feed-forward network, seconds instead of minutes.
Outcome run_fast_procedure(gint nparams, const GimpParam* param) {
  Call call;
  Outcome bad_call;
  if (!begin_call(kFastProcName, nparams, param, &call, &bad_call)) return bad_call;
  const GimpRunMode run_mode = call.run_mode;
  const gint32 image = call.image, drawable = call.drawable;
  const bool with_ui = call.with_ui;
  const gint x = call.x, y = call.y, width = call.width, height = call.height;
  gegl_init(nullptr, nullptr);

  const bool image_rgb = gimp_image_base_type(image) == GIMP_RGB;
  const bool source_alpha = gimp_drawable_has_alpha(drawable);
  const GeglRectangle rect = {x, y, width, height};
  nst::Image content;
  try {
    content = read_drawable(drawable, rect);
  } catch (const std::exception& e) {
    return fail(GIMP_PDB_EXECUTION_ERROR, failure_message(e.what()));
  }

  nst_plugin::FastParams p;
  switch (run_mode) {
    case GIMP_RUN_NONINTERACTIVE:
      if (nparams != kNumFastParams)
        return fail(GIMP_PDB_CALLING_ERROR,
                    _("plug-in-neural-style-fast takes 8 arguments in non-interactive mode."));
      p.model = param_string(param[3]);
      p.strength = param[4].data.d_float;
      p.preserve_colors = param[5].data.d_int32;
      p.size = param[6].data.d_int32;
      p.tile = param[7].data.d_int32;
      break;
    case GIMP_RUN_INTERACTIVE: {
      load_fast_last_values(p);
      const nst_ui::FastDialogContext ctx = nst_ui::fast_dialog_context(content);
      if (!nst_ui::run_fast_dialog(p, ctx)) {
        nst_ui::test_hook_note("result", "outcome=settings-cancelled");
        return fail(GIMP_PDB_CANCEL, _("Cancelled."));
      }
      break;
    }
    default:
      if (!load_fast_last_values(p))
        return fail(GIMP_PDB_CALLING_ERROR,
                    _("There are no last values yet: run Filters > Artistic > Neural Style (Fast)... "
                      "once first."));
      break;
  }
  const std::string problem = nst_plugin::validate_fast_params(p);
  if (!problem.empty()) return fail(GIMP_PDB_CALLING_ERROR, problem);

  // All fallible work happens here, before the image is touched.
  nst::Image pixels;
  std::string model_name = p.model;
  try {
    const nst::FastModel model(nst::find_fast_model(p.model));
    model_name = model.info().name;
    gimp_progress_init(_("Neural style (fast)"));
    const nst::Image styled = with_ui ? nst_ui::stylize_in_progress_window(content, p, model, item_name(drawable))
                                      : nst_ui::stylize_in_batch(content, p, model);
    pixels = nst_plugin::layer_pixels(styled, (image_rgb ? 3 : 1) + (source_alpha ? 1 : 0));
  } catch (const nst::Cancelled&) {
    gimp_progress_end();
    return fail(GIMP_PDB_CANCEL, _("Cancelled."));
  } catch (const std::exception& e) {
    gimp_progress_end();
    nst_ui::test_hook_note("result", std::string("outcome=failed error=") + e.what());
    return fail(GIMP_PDB_EXECUTION_ERROR, failure_message(e.what()));
  }

  const gint32 layer = add_result_layer(image, drawable, x, y, pixels, image_rgb, source_alpha,
                                        nst_plugin::fast_layer_name(model_name));
  gimp_progress_update(1.0);
  gimp_progress_end();
  if (layer <= 0)
    return fail(GIMP_PDB_EXECUTION_ERROR, failure_message(_("could not add the new layer.")));
  save_fast_last_values(p);
  if (run_mode != GIMP_RUN_NONINTERACTIVE) gimp_displays_flush();
  Outcome o;
  o.layer = layer;
  return o;
}

// The parameters of a plug-in-neural-style call, by run mode: from the PDB
// arguments, the dialog or the last values.
struct Choice {
  nst_plugin::PluginParams params;
  gint32 style_drawable = -1;  // > 0: the style is this layer, not params.style_file
  bool from_dialog = false;
};

bool choose_params(const char* proc_name, const Call& call, gint nparams, const GimpParam* param,
                   nst_ui::Profile& profile, const std::string& profile_file, Choice* c, Outcome* failure) {
  switch (call.run_mode) {
    case GIMP_RUN_NONINTERACTIVE: {
      const int expected = std::strcmp(proc_name, kProcName2) == 0 ? kNumParams2 : kNumParams;
      if (nparams != expected) {
        *failure = fail(GIMP_PDB_CALLING_ERROR,
                        nst_plugin::printf_string(_("%s takes %d arguments in non-interactive mode (got %d)."),
                                                  proc_name, expected, int(nparams)));
        return false;
      }
      c->params = params_from_pdb(nparams, param);
      return true;
    }
    case GIMP_RUN_INTERACTIVE: {
      nst_ui::DialogState state;
      const bool have_state = load_dialog_state(state);
      LastRun last;
      if (load_last_values(last) && (!last.from_dialog || !have_state)) {
        // The last run came from a script (or the dialog's values are gone):
        // start from its parameters.
        nst::ModelInfo info;
        const bool known = model_info_for(last.params.model_file, &info);
        state = nst_ui::from_params(last.params, known ? &info : nullptr, state);
        if (last.style_drawable > 0) {
          state.style_source = nst_ui::StyleSource::Layer;
          state.style_drawable = last.style_drawable;
        }
      }
      nst_ui::default_to_recent_style(state, profile.recent_styles);
      nst_ui::SettingsContext ctx;
      ctx.image = call.image;
      ctx.drawable = call.drawable;
      ctx.content_width = call.width;
      ctx.content_height = call.height;
      ctx.profile = &profile;
      const bool accepted = nst_ui::run_settings_dialog(state, ctx);
      nst_ui::save_profile(profile, profile_file);  // recent styles, measured speeds
      if (!accepted) {
        nst_ui::test_hook_note("result", "outcome=settings-cancelled");
        *failure = fail(GIMP_PDB_CANCEL, _("Cancelled."));
        return false;
      }
      if (state.random_seed) state.seed = g_random_int_range(0, G_MAXINT32);
      save_dialog_state(state);
      nst::ModelInfo info;
      if (!model_info_for(state.model_file, &info)) {
        *failure = fail(GIMP_PDB_EXECUTION_ERROR, failure_message(_("the network cannot be read any more.")));
        return false;
      }
      c->params = nst_ui::to_params(state, info);
      if (state.style_source == nst_ui::StyleSource::Layer) c->style_drawable = state.style_drawable;
      c->from_dialog = true;
      return true;
    }
    default: {  // GIMP_RUN_WITH_LAST_VALS
      LastRun last;
      if (!load_last_values(last)) {
        *failure = fail(GIMP_PDB_CALLING_ERROR,
                        _("There are no last values yet: run Filters > Artistic > Neural Style "
                          "Transfer... once first."));
        return false;
      }
      c->params = last.params;
      c->style_drawable = last.style_drawable;
      c->from_dialog = last.from_dialog;
      if (c->style_drawable > 0 && !nst_ui::style_drawable_ok(c->style_drawable)) {
        *failure = fail(GIMP_PDB_CALLING_ERROR,
                        _("The layer used as the style last time is gone: run Neural Style "
                          "Transfer... again to choose a style."));
        return false;
      }
      return true;
    }
  }
}

Outcome run_procedure(const char* proc_name, gint nparams, const GimpParam* param) {
  Call call;
  Outcome failure;
  if (!begin_call(proc_name, nparams, param, &call, &failure)) return failure;
  const gint32 image = call.image, drawable = call.drawable;

  const std::string profile_file = profile_path();
  nst_ui::Profile profile;
  if (call.with_ui) profile = nst_ui::load_profile(profile_file);
  Choice choice;
  if (!choose_params(proc_name, call, nparams, param, profile, profile_file, &choice, &failure)) return failure;
  const nst_plugin::PluginParams& p = choice.params;
  const gint32 style_drawable = choice.style_drawable;
  const std::string problem = nst_plugin::validate_params(p, style_drawable > 0);
  if (!problem.empty()) return fail(GIMP_PDB_CALLING_ERROR, problem);

  gegl_init(nullptr, nullptr);

  // All fallible work happens here, before the image is touched.
  nst::Image pixels;
  const bool image_rgb = gimp_image_base_type(image) == GIMP_RGB;
  const bool source_alpha = gimp_drawable_has_alpha(drawable);
  std::string style_name = p.style_file;
  try {
    const GeglRectangle rect = {call.x, call.y, call.width, call.height};
    nst_plugin::check_memory(call.width, call.height, p);  // before a large layer is read
    const nst::Image content = read_drawable(drawable, rect);
    nst::Image style;
    if (style_drawable > 0) {
      const GeglRectangle style_rect = {0, 0, gimp_drawable_width(style_drawable),
                                        gimp_drawable_height(style_drawable)};
      style = read_drawable(style_drawable, style_rect);
      style_name = item_name(style_drawable);
    }
    gimp_progress_init(_("Neural style transfer"));
    const nst::TransferResult result =
        call.with_ui ? nst_ui::transfer_in_progress_window(content, style, p, item_name(drawable), style_name,
                                                           profile, profile_file)
                     : nst_ui::transfer_in_batch(content, style, p);
    if (result.image.width <= 0 || result.image.height <= 0)
      throw nst::Error(_("The engine returned an empty image."));
    pixels = nst_plugin::layer_pixels(result.image, (image_rgb ? 3 : 1) + (source_alpha ? 1 : 0));
  } catch (const nst::Cancelled&) {
    gimp_progress_end();
    return fail(GIMP_PDB_CANCEL, _("Cancelled."));
  } catch (const std::exception& e) {
    gimp_progress_end();
    nst_ui::test_hook_note("result", std::string("outcome=failed error=") + e.what());
    return fail(GIMP_PDB_EXECUTION_ERROR, failure_message(e.what()));
  } catch (...) {
    gimp_progress_end();
    return fail(GIMP_PDB_EXECUTION_ERROR, failure_message(_("unknown error")));
  }

  gint off_x = 0, off_y = 0;
  gimp_drawable_offsets(drawable, &off_x, &off_y);
  const GeglRectangle image_rect = {off_x + call.x, off_y + call.y, call.width, call.height};
  const bool mask = p.selection_mask == 1 && selection_is_partial(image, image_rect);
  const gint32 layer = add_result_layer(image, drawable, call.x, call.y, pixels, image_rgb, source_alpha,
                                        nst_plugin::layer_name_for_style(style_name), mask);
  gimp_progress_update(1.0);
  gimp_progress_end();
  if (layer <= 0)
    return fail(GIMP_PDB_EXECUTION_ERROR, failure_message(_("could not add the new layer.")));

  save_last_values(p, style_drawable, choice.from_dialog);
  if (call.run_mode != GIMP_RUN_NONINTERACTIVE) gimp_displays_flush();

  Outcome o;
  o.layer = layer;
  return o;
}

void run(const gchar* name, gint nparams, const GimpParam* param, gint* nreturn_vals,
         GimpParam** return_vals) {
  static GimpParam values[2];
  static std::string message;  // must outlive run(): libgimp sends it after we return

  bindtextdomain(GETTEXT_PACKAGE, locale_dir().c_str());
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  // Keep number parsing in the core (model headers, option strings) independent
  // of the user's locale.
  std::setlocale(LC_NUMERIC, "C");

  Outcome outcome;
  try {
    if (name && std::strcmp(name, kFastProcName) == 0)
      outcome = run_fast_procedure(nparams, param);
    else
      outcome = run_procedure(name && std::strcmp(name, kProcName) == 0 ? kProcName : kProcName2, nparams, param);
  } catch (const std::exception& e) {
    outcome = fail(GIMP_PDB_EXECUTION_ERROR, failure_message(e.what()));
  } catch (...) {
    outcome = fail(GIMP_PDB_EXECUTION_ERROR, failure_message(_("unknown error")));
  }

  *return_vals = values;
  values[0].type = GIMP_PDB_STATUS;
  values[0].data.d_status = outcome.status;
  if (outcome.status == GIMP_PDB_SUCCESS) {
    values[1].type = GIMP_PDB_LAYER;
    values[1].data.d_layer = outcome.layer;
    *nreturn_vals = 2;
  } else if (outcome.status == GIMP_PDB_CANCEL) {
    *nreturn_vals = 1;
  } else {
    message = outcome.message;
    values[1].type = GIMP_PDB_STRING;
    values[1].data.d_string = const_cast<gchar*>(message.c_str());
    *nreturn_vals = 2;
  }
}

}  // namespace

const GimpPlugInInfo PLUG_IN_INFO = {
    nullptr,  // init_proc
    nullptr,  // quit_proc
    query,    // query_proc
    run,      // run_proc
};

// libgimp's MAIN(), preceded by the thread settings for real calls (-run;
// -query and -init run at every GIMP start and need no engine).
int main(int argc, char* argv[]) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "-run") == 0) nst::prefer_passive_threads(argv);
  return gimp_main(&PLUG_IN_INFO, argc, argv);
}
