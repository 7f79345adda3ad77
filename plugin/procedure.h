// The plug-in's procedures, independent of the GIMP version: the parameters
// of `plug-in-neural-style2` (`plug-in-neural-style` takes the first 18 of
// them) and `plug-in-neural-style-fast` as plain C++ values, their validation and conversion into core options, and the one
// call into the engine.
//
// Nothing here knows about libgimp, GEGL or GTK; each GIMP version has its
// own host (gimp2/host_gimp2.cpp, gimp3/host_gimp3.cpp) that reads the
// drawable into an nst::Image, calls run_neural_style() and writes the result
// back as a layer. LibTorch never appears in plug-in code: only core/nst.h is
// included.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "nst.h"

namespace nst_plugin {

// The procedure's parameters after run-mode, image and drawable, in PDB order.
struct PluginParams {
  std::string style_file;        // 3 style-file: the style painting
  std::string model_file;        // 4 model-file: network file or folder, "" = nst::default_model()
  int iterations = 300;          // 5 iterations
  int size = 512;                // 6 size: working size, longest side in pixels
  double content_weight = -1;    // 7 content-weight, < 0 = the network's default
  double style_weight = -1;      // 8 style-weight, < 0 = default
  double tv_weight = -1;         // 9 tv-weight, < 0 = default
  int optimizer = 0;             // 10 optimizer: 0 L-BFGS, 1 Adam
  int init = 0;                  // 11 init: 0 content, 1 noise, 2 image file
  std::string init_file;         // 12 init-file (init == 2)
  int seed = 0;                  // 13 seed
  std::string style_layers;      // 14 style-layers: comma separated, "" = default
  std::string content_layers;    // 15 content-layers
  int pooling = 0;               // 16 pooling: 0 max, 1 average
  double learning_rate = 0;      // 17 learning-rate, 0 = default
  // plug-in-neural-style2 only (plug-in-neural-style: these defaults)
  int output_size = 0;           // 18 output-size: 0 working size, -1 the layer's own size, > 0 px
  int scale_iterations = 0;      // 19 scale-iterations: per larger scale, 0 = half the one before
  int coarse_iterations = nst::kAutoCoarse;  // 20 coarse-to-fine: at 1/4 and 1/2 size first, -1 = a third, 0 = off
  double strength = 100;         // 21 strength: percent of the result mixed over the layer
  int preserve_colors = 0;       // 22 preserve-colors: 0 off, 1 luminance only, 2 colour match
  double style_scale = 1;        // 23 style-scale: the painting's size relative to the layer's (0.1-4)
  std::string more_styles;       // 24 more-styles: further paintings, separated by ':'
  std::string style_blend_weights;  // 25 style-blend-weights: "w1,w2,..", one per painting, "" = equal
  int selection_mask = 1;        // 26 selection-mask: 1 the new layer gets a mask from the selection
};

// The number of parameters of plug-in-neural-style (the first ones above) and
// of plug-in-neural-style2 (all), after run-mode, image and drawable.
constexpr int kClassicParams = 15;
constexpr int kAllParams = 24;

// "a.jpg:b.jpg" -> {"a.jpg", "b.jpg"} (the separator of GIMP's folder lists; blanks kept).
std::vector<std::string> split_style_files(const std::string& list);
// "1, 0.5" -> {1, 0.5} ("" -> none: equal weights); false, with a translated
// sentence in *problem, when a value is not a number >= 0 or all are 0.
bool parse_blend_weights(const std::string& list, std::vector<double>* weights, std::string* problem);

// Limits enforced by validate_params().
constexpr int kMinIterations = 1;
constexpr int kMaxIterations = 100000;
constexpr int kMinSize = 32;  // the engine's smallest working size
constexpr int kMaxSize = 16384;
constexpr int kMaxOutputSize = 65536;

// Empty when the values are acceptable, otherwise one translated sentence
// naming the offending parameter. With `style_in_memory` (the style comes
// from another layer, see run_neural_style below) style_file may be empty.
std::string validate_params(const PluginParams& p, bool style_in_memory = false);

// "a, b,,c " -> {"a", "b", "c"}: split on commas, trim blanks, drop empties.
std::vector<std::string> split_layer_list(const std::string& list);

// Core options for these parameters (model stays "" for the default network).
nst::TransferOptions to_options(const PluginParams& p);

// Readable name of a style: "/x/starry_night.jpg" -> "Starry Night" ("" if none).
std::string style_display_name(const std::string& style_path);

// Name of the new layer: "/x/starry_night.jpg" -> "Starry Night (neural style)".
std::string layer_name_for_style(const std::string& style_path);

// Throws nst::Error when a run of these parameters on a width x height layer
// would not fit in the memory available now (the engine's sentence, naming the
// largest size that fits), before any pixel is read.
void check_memory(int width, int height, const PluginParams& p);

// Loads the style image and runs the engine on `content`. Throws nst::Error
// (bad files, bad options), nst::Cancelled when *cancel became true, or any
// other std::exception from the engine.
nst::TransferResult run_neural_style(const nst::Image& content, const PluginParams& p,
                                     const nst::ProgressFn& progress = {},
                                     const std::atomic<bool>* cancel = nullptr);

// How a run is observed and stopped (see nst::transfer).
struct RunControl {
  nst::ProgressFn progress;                       // called on the engine's thread
  const std::atomic<bool>* cancel = nullptr;      // stop, throw nst::Cancelled
  const std::atomic<bool>* finish_now = nullptr;  // stop, keep the result so far
  int preview_every = 0;                          // > 0: progress carries a preview every N iterations
};

// The same with the style image given as pixels (the dialog's "use another
// layer as the style"). An empty `style` means: load p.style_file.
nst::TransferResult run_neural_style(const nst::Image& content, const nst::Image& style,
                                     const PluginParams& p, const RunControl& control);

// --- plug-in-neural-style-fast: feed-forward style networks ---------------

// The procedure's parameters after run-mode, image and drawable, in PDB order.
struct FastParams {
  std::string model;        // 3 model: an installed style's name ("wave") or a network file/folder
  double strength = 100;    // 4 strength: percent of the style mixed into the layer (0-100)
  int preserve_colors = 0;  // 5 preserve-colors: 1 the layer's chroma kept, 2 the result's colours matched to the layer's
  int size = 0;             // 6 size: longest side the network paints at (0 = the layer's own size)
  int tile = 0;             // 7 tile: tile size in pixels for large layers (0 = default 1024)
};

constexpr int kMinFastSize = 64;    // size 0 or 64..kMaxSize
constexpr int kMinTile = 256;       // tile 0 or 256..kMaxTile
constexpr int kMaxTile = 8192;

// Empty when acceptable, otherwise one translated sentence.
std::string validate_fast_params(const FastParams& p);

// Name of the new layer: "Wave (fast style)".
std::string fast_layer_name(const std::string& model_name);

// Runs the network (loaded here, or `loaded` when given) on `content` and
// mixes in the original as the parameters say. Returns the content's size and
// channels. Progress: iteration = tiles done, iterations = tiles. Throws
// nst::Error, nst::Cancelled.
nst::Image run_fast_style(const nst::Image& content, const FastParams& p, const RunControl& control,
                          const nst::FastModel* loaded = nullptr);

// The strength and colour settings applied to an already stylised image
// (the dialog's live preview uses this without running the network again).
nst::Image finish_fast_style(const nst::Image& content, const nst::Image& stylized, const FastParams& p);

// The engine's result as layer pixels: `channels` channels (opaque alpha
// added if needed), values clamped to [0, 1], NaN replaced by 0. Throws
// nst::Error if the shape is not what was asked for.
nst::Image layer_pixels(const nst::Image& result, int channels);

}  // namespace nst_plugin
