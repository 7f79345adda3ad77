// The optimisation step of a FeatureNet through oneDNN directly (see
// step_dnnl.cpp). Internal to core/; only built with oneDNN
// (NST_HAVE_DNNL), elsewhere FeatureNet runs through ATen.
#pragma once

#include "networks.h"

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace nst {

namespace winograd {
struct Weights;
}
// A network's Winograd weights by (op index, data gradient), shared by its
// DnnlSteps: they do not depend on the input size, and with F(6x6) they are
// 7.1x the kernels (VGG-19 up to 256 channels: 132 MB for both directions),
// once per size in a coarse-to-fine run otherwise.
using WinogradWeightCache = std::map<std::pair<size_t, bool>, std::shared_ptr<const winograd::Weights>>;

// Forward pass to ops()[deepest] and backward pass to the input for one
// input size (1,3,h,w) and precision. Weights are packed at construction
// (Winograd weights taken from and added to `shared` where given).
// Not thread-safe; backward() belongs to the latest forward(for_backward).
class DnnlStep {
 public:
  DnnlStep(const FeatureNet& net, int64_t h, int64_t w, size_t deepest, const std::vector<size_t>& wanted, bool bf16,
           WinogradWeightCache* shared = nullptr);
  ~DnnlStep();
  DnnlStep(const DnnlStep&) = delete;
  DnnlStep& operator=(const DnnlStep&) = delete;

  // x: the network's (preprocessed) input, float32. Returns the outputs of
  // ops()[wanted[j]] as float32 (1,C,H,W) channels-last tensors, or where
  // gram[j] (gram empty: none) their Gram matrices F F^T / (C H W), float32
  // (C, C). With for_backward, keeps what backward() needs.
  std::vector<at::Tensor> forward(const at::Tensor& x, const std::vector<size_t>& wanted,
                                  const std::vector<bool>& gram, bool for_backward);
  // grads[j]: gradient of the loss at output j of forward() (undefined = 0).
  // A Gram output's gradient becomes its layer's gradient only when the
  // backward pass reaches that layer, added in place: the shallow layers'
  // feature-sized gradients never exist all at once.
  // Returns the gradient at the input x, float32 (1,3,H,W) contiguous.
  at::Tensor backward(const std::vector<size_t>& wanted, const std::vector<bool>& gram,
                      const std::vector<at::Tensor>& grads);

 private:
  struct Stage;
  // The constructor's state from one op to the next, and the stages each
  // kind of op adds (step_dnnl.cpp).
  struct Build;
  void add_conv(Build& b, Stage st);
  void add_activation(Build& b, Stage st);
  void add_pool(Build& b, Stage st);
  int64_t h_, w_;
  bool bf16_;
  at::ScalarType type_;
  std::vector<Stage> stages_;
  std::vector<at::Tensor> saved_, workspaces_;
  std::vector<at::Tensor> gram_features_;  // by output: the features behind a Gram output
  bool forwarded_ = false;
  std::vector<double> fwd_ms_;  // NST_STEP_PROFILE: each stage's forward time
  void print_profile(const std::vector<double>& bwd_ms) const;
};

// The step's Gram products in float32, for features f (rows x c) row-major:
// g (c x c) = scale f^T f, and d (rows x c) += f k for k (c x c) row-major.
// The Gram matrix is gram::features_gram (winograd.cpp) where that kernel
// takes c and oneDNN's sgemm elsewhere (Darknet-tiny's 16 channels at 512 px:
// ~1 ms against ~4 for OpenBLAS's); the gradient is oneDNN's sgemm for every
// c, as fast as or faster than OpenBLAS's on the step's shapes, AVX2 and
// AVX-512 (bench/kernel_bench), and on the same OpenMP threads as the rest of
// the step (OpenBLAS has threads of its own).
namespace step_gram {
void gram(const float* f, int64_t rows, int64_t c, float scale, float* g);
void add_gradient(const float* f, int64_t rows, int64_t c, const float* k, float* d);
}  // namespace step_gram

}  // namespace nst
