// Feed-forward style transfer networks (Johnson et al. 2016). Internal to
// core/ (uses ATen types); hosts use nst::FastModel from nst.h.
//
// One architecture in two variants found in the wild:
//   9x9 conv (c1) - 3x3 stride-2 conv (c2) - 3x3 stride-2 conv (c3)
//   - five residual blocks of two 3x3 convs (c3 channels)
//   - two x2 upsampling stages (c2, then c1 channels) - 9x9 conv to RGB;
//   instance normalisation (learned scale and shift) after every conv but the
//   last, ReLU after every normalisation except the second of each residual
//   block.
// * "transposed" (lengstrom/fast-style-transfer, as converted for ml5.js):
//   TensorFlow "same" zero padding, stride-2 transposed convs, convs without
//   bias, instance norm (eps 1e-3) after the last conv too, and output
//   150 * tanh(x) + 255/2.
// * "nearest" (pytorch/examples fast_neural_style TransformerNet, and the
//   networks `nst train` writes): reflection padding, nearest-neighbour x2
//   upsampling followed by a 3x3 conv, convs with bias, eps 1e-5, raw output.
// Both take and give RGB in 0..255. Channel widths are read from the file
// (32/64/128 in published networks).
#pragma once

#include "nst.h"

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

namespace nst::fast {

struct Layer {
  std::string name;      // e.g. "conv1", "res3.conv2", "deconv1"
  at::Tensor weight;     // conv: (out, in, k, k); transposed: its sub-pixel form (out*4, in, 2, 2)
  at::Tensor transposed_weight;  // transposed: the original (in, out, 3, 3)
  at::Tensor bias;       // undefined when the conv has none
  at::Tensor gamma, beta;  // instance norm after the conv; undefined when none
  int kernel = 3;
  int stride = 1;
  bool transposed = false;  // stride-2 transposed conv ("same": output 2x input)
  bool upsample = false;    // nearest x2 before the conv
  bool relu = false;
};

// Instance-normalisation statistics of every normalised layer, for running
// tiles of a large image with the statistics of the whole image.
struct NormStats {
  std::vector<at::Tensor> mean, var;  // per layer, float32 (C)
  // int8: the quantisation step of each convolution's input channels, in
  // order. Tiles that use these statistics quantise with the same steps, so
  // their weights (into which the steps are folded) round exactly as in the
  // statistics pass and instance norm cancels the same rounding bias.
  std::vector<std::vector<float>> steps;
};

// Sums over one region of a tile, to estimate the whole image's statistics
// from tiles: the region [x0, x1) x [y0, y1) in input pixels of the tile
// (each image pixel in exactly one tile's region).
struct NormSums {
  int64_t x0 = 0, y0 = 0, x1 = 0, y1 = 0, input_h = 0;
  std::vector<at::Tensor> sum, sumsq;  // per layer, float64 (C)
  std::vector<double> count;
  // Adds the sums of a normalised layer's (1, C, h, w) output `region`.
  void add(size_t layer, const at::Tensor& region);
  NormStats stats() const;
};

class TransformNet {
 public:
  enum class Upsampling { Transposed, Nearest };

  TransformNet(FastModelInfo info, Upsampling up, std::vector<Layer> layers, double eps);

  const FastModelInfo& info() const { return info_; }
  Upsampling upsampling() const { return up_; }
  std::vector<Layer>& layers() { return layers_; }
  const std::vector<Layer>& layers() const { return layers_; }
  double eps() const { return eps_; }

  // RGB 0..255 (N,3,H,W) -> RGB 0..255 (N,3,H',W'); H and W multiples of 4
  // give H' = H, W' = W. The dtype of x (float32 or bfloat16) selects the
  // precision. record: fills it with the batch's statistics (N = 1); use:
  // normalises with these instead of the input's own. Differentiable (used
  // for training) unless `use` is given.
  // sums: with `use`, also adds each normalised layer's sums over sums->region.
  // stop < 16: returns the output of the first `stop` layers (stop <= 3).
  at::Tensor forward(const at::Tensor& x, NormStats* record = nullptr, const NormStats* use = nullptr,
                     NormSums* sums = nullptr, size_t stop = 16) const;

  // The parameters that training updates, in a fixed order, with names
  // (state dict keys in the pytorch/examples layout).
  std::vector<std::pair<std::string, at::Tensor*>> parameters();

 private:
  at::Tensor layer(size_t i, const at::Tensor& x, size_t& norm_i, NormStats* record, const NormStats* use,
                   NormSums* sums) const;
  const Layer& cast_layer(size_t i, at::ScalarType t) const;

  FastModelInfo info_;
  Upsampling up_;
  std::vector<Layer> layers_;
  double eps_;
  mutable std::vector<Layer> bf16_;  // weights cast once for bfloat16 runs
  mutable std::shared_ptr<void> dnnl_;  // oneDNN primitives with packed weights (fast_dnnl.cpp)
  friend at::Tensor forward_dnnl(const TransformNet&, const at::Tensor&, NormStats*, const NormStats*, bool);
  friend void first_layer_sums(const TransformNet&, const at::Tensor&, NormSums&, bool);
};

// The same forward pass for float32 channels-last input without autograd,
// calling oneDNN directly: weights packed once per input size, padding
// (also TensorFlow's asymmetric "same") inside the convolution, transposed
// convolutions as sub-pixel convolutions. int8: every convolution in int8
// (VNNI) on inputs quantised per tensor, ~2x faster (Precision::Int8).
at::Tensor forward_dnnl(const TransformNet& net, const at::Tensor& x, NormStats* record, const NormStats* use,
                        bool int8 = false);

// The statistics pass of tiled runs: adds the first layer's sums over
// sums.region of the tile x (float32, as forward_dnnl takes it), computed as
// forward_dnnl(x, ..., int8) computes that layer.
void first_layer_sums(const TransformNet& net, const at::Tensor& x, NormSums& sums, bool int8);

// Row/column i of a reflection-padded layer of size n as an index into the
// layer: reflected again and again when the padding is wider than the layer
// (tiny images; ATen's reflection padding refuses that), 0 when n == 1.
inline int64_t reflect_index(int64_t i, int64_t n) {
  if (n == 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

// How the values x given to the instance norm relate to the layer's true
// convolution output: scale[c] * x + bias[c] (the int8 path's convolutions
// give integer sums, without bias).
struct NormInput {
  const float* scale = nullptr;  // per channel, or none (1)
  const float* bias = nullptr;   // per channel, or none (0)
};

// Instance norm (+ ReLU) in place on a channels-last float/bfloat16 tensor.
// out_max: when given, out_max[c] is raised to channel c's largest |output|.
void norm_act_(at::Tensor& x, const Layer& l, double eps, NormStats* record, const NormStats* use, size_t norm_i,
               const NormInput& in = {}, float* out_max = nullptr);

// The instance norm of layer l on the channels-last values x (px pixels of
// c channels, read as in) as y = scale[c] * x + off[c], from x's own
// statistics (appended to *record when given) or from *use. lo/hi: when
// given, each channel's smallest and largest x.
void norm_coefficients(const float* x, int64_t px, int64_t c, const Layer& l, double eps, NormStats* record,
                       const NormStats* use, size_t norm_i, const NormInput& in, std::vector<float>& scale,
                       std::vector<float>& off, std::vector<float>* lo = nullptr, std::vector<float>* hi = nullptr);

// Loads a network: a folder (or its manifest.json) holding an ml5
// deeplearn.js checkpoint, or a torch.save file of a TransformerNet state
// dict. Throws Error naming the problem.
std::unique_ptr<TransformNet> load(const std::string& path);

// A new network in the "nearest" layout with random weights (training).
std::unique_ptr<TransformNet> create(int width1 = 32, uint64_t seed = 0);

// Writes the network as a torch.save-compatible zip state dict (loads with
// load() and with pytorch/examples' TransformerNet.load_state_dict).
void save(const TransformNet& net, const std::string& path);

// Writes named tensors as a torch.save-compatible zip dict (atomically:
// through a temporary file).
void save_tensors(const std::vector<std::pair<std::string, at::Tensor>>& entries, const std::string& path);

// Whether Precision::Int8 can run: oneDNN in the build and a CPU with
// AVX-512 VNNI (without VNNI oneDNN's int8 kernels can saturate).
bool int8_available();

}  // namespace nst::fast
