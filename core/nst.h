// Public interface of the neural style transfer core library.
//
// Images in, images out, an options struct, a progress callback and a cancel
// flag. No GIMP, GEGL, GTK or LibTorch types appear here, so hosts (the GIMP
// plug-in, the `nst` CLI, tests) include this header only.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace nst {

// Any failure the user can act on: missing or corrupt file, wrong shapes,
// unsupported format, too large for memory. what() is one readable sentence.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown when the cancel flag was raised during a run.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

// An interleaved float image, values nominally in [0, 1] (non-linear sRGB as
// stored in the file or layer). channels: 1 = grey, 2 = grey+alpha, 3 = RGB,
// 4 = RGBA.
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<float> data;  // height * width * channels

  Image() = default;
  Image(int w, int h, int c) : width(w), height(h), channels(c), data(size_t(w) * h * c, 0.f) {}
  bool empty() const { return data.empty(); }
  bool has_alpha() const { return channels == 2 || channels == 4; }
  float& at(int x, int y, int c) { return data[(size_t(y) * width + x) * channels + c]; }
  float at(int x, int y, int c) const { return data[(size_t(y) * width + x) * channels + c]; }
};

// --- pixel conversions (exact round trips for 8 and 16 bit) -----------------
// `stride` is in elements (bytes for u8, uint16 for u16); 0 means packed.
Image from_u8(const uint8_t* src, int width, int height, int channels, size_t stride = 0);
Image from_u16(const uint16_t* src, int width, int height, int channels, size_t stride = 0);
std::vector<uint8_t> to_u8(const Image& img);
std::vector<uint16_t> to_u16(const Image& img);
// Same pixels with a different channel layout (grey <-> RGB, alpha added as
// opaque or dropped). Grey from RGB uses Rec. 709 luma weights.
Image convert_channels(const Image& img, int channels);
// Bicubic (downscale: area) resize of every channel, clamped to [0, 1].
Image resize(const Image& img, int width, int height);

// --- finishing a stylised image ----------------------------------------------
// `original` and `stylized` must have the same size and channels (else Error).
// The stylised colours mixed with the original: strength 1 = all style,
// 0 = the original; alpha comes from `stylized`.
Image blend(const Image& original, const Image& stylized, double strength);
// Colour preservation (luminance-only transfer, Gatys et al. 2016): the
// brightness of `stylized` with the colours (YCbCr chroma, Rec. 709) of
// `original`. Grey images are returned unchanged; alpha from `stylized`.
Image keep_colors(const Image& original, const Image& stylized);
// Colour matching (Gatys et al. 2017, "Controlling Perceptual Factors in
// Neural Style Transfer"): `image` with its colours moved by one affine map
// so that their mean and covariance become those of `reference` (the RGB
// channels; the sizes may differ; clamped to [0, 1]). Grey images are
// returned unchanged; alpha is kept.
Image match_colors(const Image& image, const Image& reference);

// --- files (through OpenCV; 8/16-bit PNG, JPEG, TIFF, ...) ------------------
Image load_image(const std::string& path);  // throws Error with the reason
void save_image(const Image& img, const std::string& path);  // 8 bits per channel; format from the extension

// --- process ------------------------------------------------------------------
// Runs the program again (same arguments, same open files) with
// OMP_WAIT_POLICY=PASSIVE, OPENBLAS_THREAD_TIMEOUT=4, and
// OPENBLAS_CORETYPE=SKYLAKEX on AVX-512 CPUs, unless OMP_WAIT_POLICY is
// already set: idle OpenMP and OpenBLAS threads then sleep
// instead of spinning (measured 2x faster optimisation on 2 cores). Must be
// the first thing main() does; it returns only when nothing was done or the
// re-run failed. Costs one more process start (~0.5 s with LibTorch).
void prefer_passive_threads(char** argv);

// This process's memory: resident now and the peak so far (VmRSS and VmHWM
// of /proc/self/status), in bytes; 0 where the system does not tell.
int64_t resident_memory_bytes();
int64_t peak_memory_bytes();
// Memory the system can give to a program now without swapping
// (MemAvailable of /proc/meminfo), in bytes; 0 where it does not tell.
int64_t available_memory_bytes();

// --- models ---------------------------------------------------------------
enum class Pooling { Max, Average };
enum class Optimizer { LBFGS, Adam };
enum class Init { Content, Noise, Image };
// Auto: the fastest correct path measured for this build: BFloat16 on CPUs
// with AMX, else Float32 (see FeatureNet::set_precision). The optimisation
// runs its convolutions through oneDNN directly where the build has oneDNN.
// Int8: fast networks only (every convolution in int8 on VNNI CPUs; the
// optimisation rejects it).
enum class Precision { Auto, Float32, BFloat16, Int8 };

// The user's models folder: $NST_MODELS_DIR, else $XDG_DATA_HOME/neural-style/models,
// else ~/.local/share/neural-style/models.
std::string models_dir();
// Installed feature networks, best first (VGG-19 before VGG-16 before Darknet-tiny).
std::vector<std::string> installed_models();
// The best installed network, or throws Error explaining how to install one.
std::string default_model();

struct ModelInfo {
  std::string path;
  std::string family;      // "vgg19", "vgg16" or "darknet-tiny"
  std::string input;       // "torchvision" (RGB, [0,1], ImageNet mean/std), "caffe" (BGR 0..255 - mean), "rgb01"
  std::vector<std::string> layers;          // names of all feature layers, in order
  std::vector<std::string> default_style_layers;
  std::vector<std::string> default_content_layers;
  double default_content_weight = 1;
  double default_style_weight = 1;
  double default_tv_weight = 0;
  std::string describe() const;  // e.g. "VGG-19 (torchvision weights) from /path"
};
// Reads the file's header and key set enough to describe it; throws Error.
ModelInfo inspect_model(const std::string& path);

// --- optimisation-based transfer (Gatys et al.) ---------------------------
// Whose colours the result has (Gatys et al. 2017): the painting's (Off);
// the photo's, with only the luminance stylised (Luminance: content and
// painting optimised as grey, the painting's brightness matched to the
// photo's, the photo's chroma put back); or the photo's colours given to the
// painting before the transfer (ColorMatch: mean and covariance, see
// match_colors).
enum class PreserveColors { Off, Luminance, ColorMatch };

// TransferOptions::coarse_iterations: a third of the iterations at each coarser level.
constexpr int kAutoCoarse = -1;

struct TransferOptions {
  std::string model;            // file or folder; empty: default_model()
  int size = 512;               // working size: longest side in pixels (content is never upscaled)
  int iterations = 300;
  Optimizer optimizer = Optimizer::LBFGS;
  double learning_rate = 0;     // 0: 1.0 for L-BFGS, 0.02 for Adam (image in [0,1])
  Init init = Init::Content;
  std::string init_image;       // for Init::Image
  uint64_t seed = 0;
  double content_weight = -1;   // < 0: the network's default
  double style_weight = -1;
  double tv_weight = -1;
  std::vector<std::string> style_layers;    // empty: the network's default
  std::vector<std::string> content_layers;
  std::vector<double> style_layer_weights;  // empty: all 1
  Pooling pooling = Pooling::Max;
  int preview_every = 0;        // > 0: pass a preview image to the callback every N iterations
  int threads = 0;              // 0: all cores
  std::string preprocess;       // "" (auto), "torchvision" or "caffe": VGG weight convention
  Precision precision = Precision::Auto;  // convolution precision (losses are always fp32)
  // Coarse-to-fine: first this many iterations at a quarter and at half the
  // working size (each level while its shorter side is >= 32 px), each level's change
  // to its start image upsampled onto the next level's start image. -1: a third of
  // `iterations` (kAutoCoarse); 0: off.
  int coarse_iterations = kAutoCoarse;
  double target_loss = 0;       // > 0: stop at the first full-size iteration whose total loss is <= this
  // L-BFGS memory: pairs of image-sized vectors (2 x 12 MB each at 1024 px). 20 reached
  // the same loss in fewer iterations than PyTorch's default 100 here (docs/performance.md,
  // "Fewer iterations") with ~550 MB less memory at 512 px.
  int lbfgs_history = 20;
  // The size the optimisation ends at (longest side): 0, the working size (the
  // result is resized to the content's size); -1, the content's own size; > 0,
  // that size (at most the content's). Above the working size the image grows
  // by at most sqrt(2) per scale, each scale started from the one before
  // (its change upsampled onto the content, as coarse-to-fine does).
  int output_size = 0;
  // Iterations at each scale above the working size; 0: half the scale
  // before's (the working size's: `iterations`), at least 20.
  int scale_iterations = 0;
  // Scales of more than tile x tile pixels are optimised in overlapping tiles
  // of at most tile x tile, one after another against the style statistics
  // of the whole painting, so that memory stays bounded whatever the size.
  int tile = 1280;
  int tile_overlap = 128;  // pixels shared by neighbouring tiles (blended)
  // Several paintings: the target Gram matrices are their mix with these
  // weights (one per style image, at least one > 0; empty: all equal).
  std::vector<double> style_blend_weights;
  // The painting's size relative to the image's at each scale (the size of
  // the brush strokes): 2 paints with strokes twice as large. 0.1 to 4.
  double style_scale = 1;
  PreserveColors preserve_colors = PreserveColors::Off;
  // The result mixed with the content at the end: 1 all style, 0 the content.
  double strength = 1;
};

// One scale of a run: its size, its iterations and how it is cut into tiles.
struct TileRect {
  int x = 0, y = 0, width = 0, height = 0;
};
struct Scale {
  int width = 0, height = 0;
  int iterations = 0;
  bool working = false;         // the working size (TransferOptions::target_loss applies here)
  std::vector<TileRect> tiles;  // one covering the whole image when it is not tiled
};
// The scales transfer() runs for a content image of this size, smallest first
// (coarse-to-fine, the working size, then up to output_size). Throws Error for
// options transfer() refuses.
std::vector<Scale> transfer_scales(int content_width, int content_height, const TransferOptions& options);
// Tiles of at most `tile` x `tile` covering width x height, all of one size,
// in rows, neighbours sharing at least `overlap` pixels (one tile when it fits).
std::vector<TileRect> tile_layout(int width, int height, int tile, int overlap);
// Peak memory transfer() is expected to need, in bytes, for a content image
// of this size (the feature network's layers from options.model).
double estimate_transfer_bytes(int content_width, int content_height, const TransferOptions& options);
// Throws the Error transfer() would throw for a run that does not fit in the
// memory available now ("W x H px needs about N GiB ... the largest size that
// fits is P px"), without the pixels: a host can refuse before it reads them.
void check_transfer_memory(int content_width, int content_height, const TransferOptions& options);

// The weighted losses of one step: content, style and total variation, and
// their sum, which the optimisation minimises.
struct Losses {
  double content = 0, style = 0, tv = 0, total = 0;
};

struct Progress {
  int iteration = 0;   // completed iterations (optimiser steps, over all scales and tiles)
  int iterations = 0;  // total
  // Where a multi-scale run is: scale (1-based) of scales, its size, tile of
  // tiles, and the fraction of the run's work done (steps weighted by their
  // pixels: what an ETA should be based on).
  int scale = 0, scales = 0;
  int width = 0, height = 0;
  int tile = 0, tiles = 0;
  double work_done = 0;
  Losses losses;
  double elapsed_seconds = 0;
  const Image* preview = nullptr;  // working-size RGB preview, or null
};
using ProgressFn = std::function<void(const Progress&)>;

struct TransferResult {
  Image image;          // content's size and channel layout; content alpha carried over
  ModelInfo model;
  int iterations = 0;
  Losses losses;  // of the last step
  double seconds = 0;
  int work_width = 0, work_height = 0;
  Precision precision = Precision::Float32;  // what ran
};

// Runs the optimisation. Throws Error on bad input, Cancelled when *cancel
// became true (checked before every network evaluation). When *finish_now
// becomes true the run stops after the current iteration and returns the
// result so far ("Apply now"); result.iterations tells how many ran.
TransferResult transfer(const Image& content, const Image& style, const TransferOptions& options,
                        const ProgressFn& progress = {}, const std::atomic<bool>* cancel = nullptr,
                        const std::atomic<bool>* finish_now = nullptr);
// The same with several paintings, mixed by options.style_blend_weights.
TransferResult transfer(const Image& content, const std::vector<Image>& styles, const TransferOptions& options,
                        const ProgressFn& progress = {}, const std::atomic<bool>* cancel = nullptr,
                        const std::atomic<bool>* finish_now = nullptr);

// --- fast feed-forward style transfer (Johnson et al.) ----------------------
// A pretrained style network paints an image in one pass (about a second per
// megapixel here). Models: ml5.js fast-style folders (manifest.json +
// Variable files), pytorch/examples TransformerNet state dicts (mosaic.pth,
// ...), and networks trained with train_fast().

struct FastModelInfo {
  std::string name;        // style name: the folder or file name without extension
  std::string path;
  std::string format;      // "ml5" (deeplearn.js checkpoint) or "torch" (TransformerNet state dict)
  std::string upsampling;  // "transposed" (ml5) or "nearest" (pytorch/examples, nst train)
  std::string describe() const;  // e.g. "wave (ml5 fast-style network) from /path"
};

// Fast-style networks installed in models_dir()/fast-style/: folders with a
// manifest.json and *.pth files, sorted by name. Only their presence is
// checked (cheap); loading reports damage.
std::vector<FastModelInfo> list_fast_models();
// Reads the model enough to validate and describe it; throws Error.
FastModelInfo inspect_fast_model(const std::string& path);
// An installed network's path from its name ("wave"); anything with a '/' or
// an existing file or folder is taken as a path as it is. Throws Error for a
// name that is neither (listing the installed names).
std::string find_fast_model(const std::string& name_or_path);

struct FastOptions {
  int size = 0;        // working size: longest side in pixels (scales up or down); 0: the image's own size
  int tile = 1024;     // working images larger than tile x tile run in overlapping tiles (bounded memory)
  int overlap = 128;   // pixels shared by neighbouring tiles (blended)
  Precision precision = Precision::Auto;  // Auto here: int8 on CPUs with AVX-512 VNNI, else bf16 with AMX, else fp32
  int threads = 0;     // 0: all cores
};

// A loaded network, for repeated use (e.g. previews in a dialog). Not to be
// used from two threads at once.
class FastModel {
 public:
  explicit FastModel(const std::string& path);  // throws Error
  ~FastModel();
  FastModel(FastModel&&) noexcept;
  FastModel& operator=(FastModel&&) noexcept;
  const FastModelInfo& info() const;
  // Returns the content's size and channel layout, alpha carried over.
  // progress: iteration = tiles done, iterations = tiles in all. Throws
  // Cancelled when *cancel became true (checked between tiles).
  Image stylize(const Image& content, const FastOptions& options = {}, const ProgressFn& progress = {},
                const std::atomic<bool>* cancel = nullptr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot: loads `model` (file or folder) and stylises.
Image fast_stylize(const Image& content, const std::string& model, const FastOptions& options = {},
                   const ProgressFn& progress = {}, const std::atomic<bool>* cancel = nullptr);

// --- training fast-style networks -------------------------------------------
// Trains a TransformerNet (nearest-upsampling variant) for one style image on
// a folder of content photos with perceptual losses (Johnson et al.) from a
// feature network, with Adam. Writes a TransformerNet state dict that
// FastModel loads (and pytorch/examples can load too), plus a checkpoint to
// resume from.
struct TrainOptions {
  std::string style;            // style image file
  std::string images;           // folder of content images (jpg, png, ...; not recursive)
  std::string output;           // model file to write (.pth)
  std::string features;         // feature network file or folder; empty: default_model()
  int size = 256;               // training crops: shorter side resized to this, centre crop size x size
  int style_size = 512;         // style image: longest side
  int batch = 4;
  int epochs = 2;
  int max_steps = 0;            // > 0: stop after this many steps in all (tests, trials)
  double learning_rate = 1e-3;
  double content_weight = -1;   // < 0: the feature network's default (VGG: 1e5; see README)
  double style_weight = -1;     // < 0: the feature network's default (VGG: 1e10)
  double tv_weight = 0;
  std::vector<std::string> content_layers, style_layers;  // empty: defaults of the network family
  std::string checkpoint;       // empty: output + ".ckpt"
  int checkpoint_every = 500;   // steps; also written at the end and on cancel
  bool resume = true;           // continue from the checkpoint when it exists
  int width = 32;               // channels of the first layer (32 as published; 64 and 128 follow)
  uint64_t seed = 42;
  int threads = 0;              // 0: all cores
};

struct TrainResult {
  int steps = 0;                // steps done in all (including resumed ones)
  int resumed_from = 0;         // step the run resumed from (0: fresh)
  Losses losses;                // of the last step
  double seconds = 0;
  std::string model, checkpoint;
};

// progress: iteration = step done, iterations = total steps, losses of the
// step. Throws Error on bad input; on cancel writes the checkpoint and the
// model, then throws Cancelled.
TrainResult train_fast(const TrainOptions& options, const ProgressFn& progress = {},
                       const std::atomic<bool>* cancel = nullptr);

}  // namespace nst
