// Feature networks for perceptual losses: VGG-19/16 (torchvision or Caffe
// weights) and Darknet-tiny (TF.js Layers). Internal to core/.
#pragma once

#include "nst.h"

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

namespace nst {

class FeatureNet {
 public:
  // One step of the sequential network.
  struct Op {
    enum Kind { Conv, Relu, Leaky, MaxPool, AvgPool } kind;
    std::string name;
    at::Tensor weight, bias;  // Conv only; frozen (no gradient)
    int padding = 0;
    bool ceil_mode = false;   // pools: TF "same" pooling keeps the last odd row
    int64_t channels = 0;     // Conv: output channels (known without the weights)
    at::Tensor weight_fast, bias_fast;  // Conv: bf16, channels-last copies (set_precision)
  };

  FeatureNet(ModelInfo info, std::vector<Op> ops);

  const ModelInfo& info() const { return info_; }
  const std::vector<Op>& ops() const { return ops_; }
  void set_pooling(Pooling p);
  // Compute precision and layout of the convolutions. Float32 keeps the plain
  // NCHW layout of the reference; BFloat16 runs the convolutions in bf16
  // (AVX512-BF16 / AMX through oneDNN) on channels-last activations, with the
  // features handed back in float32 so losses and Gram matrices stay fp32.
  // Weights are converted once here, not on every call.
  void set_precision(Precision p);
  Precision precision() const { return precision_; }
  // Whether features() runs through oneDNN directly (step_dnnl.cpp: weights
  // packed once, fused activations, no weight gradients) instead of ATen.
  // On by default where the build has it (NST_HAVE_DNNL) unless the
  // environment sets NST_STEP_ATEN=1; set_direct(false) forces ATen.
  static bool direct_available();
  void set_direct(bool on);
  bool direct() const { return direct_; }

  // The network's own input from an RGB image in [0,1], shape (N,3,H,W).
  at::Tensor preprocess(const at::Tensor& rgb01) const;
  // Features at `layers` (in that order) for an RGB [0,1] image (N,3,H,W).
  // Runs only as far as the deepest requested layer. Throws Error for
  // unknown layer names. The features may be channels-last (direct path).
  std::vector<at::Tensor> features(const at::Tensor& rgb01, const std::vector<std::string>& layers) const;
  // The same, except that where gram[j] output j is the layer's Gram matrix
  // F F^T / (C H W) (float32 (C, C), as losses::gram): on the direct path
  // the style layers' gradients are then formed layer by layer inside the
  // backward pass (at 1024 px ~0.5 GB less at the peak of a VGG-19 step).
  std::vector<at::Tensor> features(const at::Tensor& rgb01, const std::vector<std::string>& layers,
                                   const std::vector<bool>& gram) const;
  // Bytes an optimisation step needs at this image size (activations kept for
  // the backward pass, their gradients, and L-BFGS's state).
  double estimate_step_bytes(int width, int height, const std::vector<std::string>& layers, int lbfgs_history) const;
  // Bytes held whatever the size: the libraries and the weights.
  double estimate_fixed_bytes() const;
  // Index of a layer in ops(), or throws Error listing the valid names.
  size_t index_of(const std::string& layer) const;

 private:
  ModelInfo info_;
  std::vector<Op> ops_;
  Precision precision_ = Precision::Float32;
  bool direct_ = false;
  // oneDNN plans by input size and layer set (step_dnnl.cpp), opaque here.
  mutable std::shared_ptr<void> direct_cache_;
  std::vector<at::Tensor> direct_features(const at::Tensor& x, const std::vector<size_t>& want, size_t deepest,
                                          const std::vector<bool>& gram) const;
};

// Loads a network from a file or a folder (model.json inside). `preprocess`
// overrides the VGG input convention ("torchvision" or "caffe"; "" = from the
// file name). Throws Error with the reason.
std::unique_ptr<FeatureNet> load_network(const std::string& path, const std::string& preprocess = "");
// The same network's layers without its weights (cheap: for estimates).
std::unique_ptr<FeatureNet> load_network_layout(const std::string& path, const std::string& preprocess = "");

}  // namespace nst
