// VGG and Darknet-tiny feature networks built from weight files.
#include "networks.h"

#include "cpu.h"
#include "files.h"
#include "losses.h"
#include "weights.h"
#ifdef NST_HAVE_DNNL
#include "step_dnnl.h"

#include <torch/csrc/autograd/custom_function.h>
#endif

#include <ATen/ATen.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

namespace nst {
namespace {

using files::base_name;
using files::exists;
using files::is_dir;

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// --- VGG ------------------------------------------------------------------
struct VggLayout {
  std::string family;
  std::vector<int> convs_per_block;  // 5 blocks
  std::vector<int> widths;
};
const VggLayout kVgg19{"vgg19", {2, 2, 4, 4, 4}, {64, 128, 256, 512, 512}};
const VggLayout kVgg16{"vgg16", {2, 2, 3, 3, 3}, {64, 128, 256, 512, 512}};

// torchvision's features.N indices of the convolutions.
std::vector<int> conv_indices(const VggLayout& v) {
  std::vector<int> idx;
  int i = 0;
  for (int n : v.convs_per_block) {
    for (int c = 0; c < n; ++c, i += 2) idx.push_back(i);
    i += 1;  // pool
  }
  return idx;
}

ModelInfo vgg_info(const std::string& path, const VggLayout& v, const std::string& input) {
  ModelInfo m;
  m.path = path;
  m.family = v.family;
  m.input = input;
  for (size_t b = 0; b < v.convs_per_block.size(); ++b) {
    for (int c = 1; c <= v.convs_per_block[b]; ++c) {
      const std::string s = std::to_string(b + 1) + "_" + std::to_string(c);
      m.layers.push_back("conv" + s);
      m.layers.push_back("relu" + s);
    }
    m.layers.push_back("pool" + std::to_string(b + 1));
  }
  m.default_style_layers = {"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"};
  m.default_content_layers = {"relu4_2"};
  if (input == "caffe") {  // features of a 0..255 input are larger
    m.default_content_weight = 5;
    m.default_style_weight = 100;
    m.default_tv_weight = 50;
  } else {
    m.default_content_weight = 1;
    m.default_style_weight = 1e6;
    m.default_tv_weight = 1;
  }
  return m;
}

std::string vgg_input_convention(const std::string& path, const std::string& override_) {
  if (!override_.empty()) {
    if (override_ != "torchvision" && override_ != "caffe")
      throw Error("unknown VGG input convention '" + override_ + "' (use torchvision or caffe)");
    return override_;
  }
  const std::string b = base_name(path);
  // neural-style-pt's Caffe conversions; anything else is taken as torchvision's layout.
  if (b.find("d01eb7cb") != std::string::npos || b.find("00b39a1b") != std::string::npos ||
      b.find("caffe") != std::string::npos)
    return "caffe";
  return "torchvision";
}

std::unique_ptr<FeatureNet> load_vgg(const std::string& path, const std::string& preprocess, bool with_weights) {
  const std::string what = "weight file '" + path + "'";
  auto is_feature = [](const std::string& k) { return k.rfind("features.", 0) == 0; };
  weights::StateDict sd = weights::load_torch(path, with_weights ? weights::KeyFilter(is_feature)
                                                                  : weights::KeyFilter([](const std::string&) { return false; }));
  const VggLayout* layout = nullptr;
  if (weights::find(sd, "features.34.weight")) layout = &kVgg19;
  else if (weights::find(sd, "features.28.weight")) layout = &kVgg16;
  if (!layout || !weights::find(sd, "features.0.weight")) {
    std::string keys;
    for (size_t i = 0; i < sd.size() && i < 4; ++i) keys += (i ? ", " : "") + sd[i].name;
    throw Error(what + " is not a VGG-16/19 state dict (expected keys features.0.weight ... features.34.bias; found " +
                keys + (sd.size() > 4 ? ", ..." : "") + ")");
  }
  std::vector<FeatureNet::Op> ops;
  ModelInfo info = vgg_info(path, *layout, vgg_input_convention(path, preprocess));
  const std::vector<int> idx = conv_indices(*layout);
  size_t name_i = 0, conv_i = 0;
  int64_t in_ch = 3;
  for (size_t b = 0; b < layout->convs_per_block.size(); ++b) {
    const int64_t out_ch = layout->widths[b];
    for (int c = 0; c < layout->convs_per_block[b]; ++c, ++conv_i) {
      const std::string wk = "features." + std::to_string(idx[conv_i]) + ".weight";
      const std::string bk = "features." + std::to_string(idx[conv_i]) + ".bias";
      const weights::Entry* w = weights::find(sd, wk);
      const weights::Entry* bias = weights::find(sd, bk);
      if (!w || !bias) throw Error(what + " lacks '" + (w ? bk : wk) + "' (is it a " + layout->family + " file?)");
      const std::vector<int64_t> ws{out_ch, in_ch, 3, 3}, bs{out_ch};
      if (w->shape != ws) throw Error(what + ": '" + wk + "' has shape " + shape_str(w->shape) + ", expected " + shape_str(ws));
      if (bias->shape != bs) throw Error(what + ": '" + bk + "' has shape " + shape_str(bias->shape) + ", expected " + shape_str(bs));
      ops.push_back({FeatureNet::Op::Conv, info.layers[name_i++], w->tensor, bias->tensor, 1});
      ops.back().channels = out_ch;
      ops.push_back({FeatureNet::Op::Relu, info.layers[name_i++], {}, {}, 0});
      in_ch = out_ch;
    }
    ops.push_back({FeatureNet::Op::MaxPool, info.layers[name_i++], {}, {}, 0});
  }
  return std::make_unique<FeatureNet>(std::move(info), std::move(ops));
}

// --- Darknet-tiny -------------------------------------------------------------
ModelInfo darknet_info(const std::string& path) {
  ModelInfo m;
  m.path = path;
  m.family = "darknet-tiny";
  m.input = "rgb01";
  const std::set<int> pool_after{1, 2, 6, 10};
  int pool = 0;
  for (int k = 1; k <= 15; ++k) {
    m.layers.push_back("conv" + std::to_string(k));
    m.layers.push_back("leaky" + std::to_string(k));
    if (pool_after.count(k)) m.layers.push_back("pool" + std::to_string(++pool));
  }
  m.default_style_layers = {"leaky1", "leaky2", "leaky4", "leaky6", "leaky8", "leaky10", "leaky12", "leaky14"};
  m.default_content_layers = {"leaky10"};
  m.default_content_weight = 1;
  m.default_style_weight = 1e5;
  m.default_tv_weight = 1;
  return m;
}

std::unique_ptr<FeatureNet> load_darknet(const std::string& json, bool with_weights) {
  const std::string what = "Darknet-tiny model '" + json + "'";
  weights::StateDict sd = weights::load_tfjs(json, [&](const std::string&) { return with_weights; });
  ModelInfo info = darknet_info(json);
  // Expected conv widths and kernel sizes of the 15 feature convolutions.
  const int widths[15] = {16, 32, 16, 128, 16, 128, 32, 256, 32, 256, 64, 512, 64, 512, 128};
  const int ksize[15] = {3, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1};
  std::vector<FeatureNet::Op> ops;
  size_t name_i = 0;
  int64_t in_ch = 3;
  for (int k = 1; k <= 15; ++k) {
    const std::string conv = "conv2d_" + std::to_string(k), bn = "batch_normalization_" + std::to_string(k);
    auto get = [&](const std::string& name, const std::vector<int64_t>& shape) -> const weights::Entry& {
      const weights::Entry* e = weights::find(sd, name);
      if (!e) throw Error(what + " lacks weight '" + name + "' (not a Darknet-tiny model?)");
      if (e->shape != shape)
        throw Error(what + ": '" + name + "' has shape " + shape_str(e->shape) + ", expected " + shape_str(shape));
      return *e;
    };
    const int64_t out = widths[k - 1], ks = ksize[k - 1];
    const auto& kernel = get(conv + "/kernel", {ks, ks, in_ch, out});
    const auto& gamma = get(bn + "/gamma", {out});
    const auto& beta = get(bn + "/beta", {out});
    const auto& mean = get(bn + "/moving_mean", {out});
    const auto& var = get(bn + "/moving_variance", {out});
    at::Tensor w, b;
    if (with_weights) {
      // Fold batch norm (eps 1e-3) into the bias-free convolution.
      at::Tensor scale = gamma.tensor / at::sqrt(var.tensor + 1e-3);
      w = kernel.tensor.permute({3, 2, 0, 1}).contiguous() * scale.view({out, 1, 1, 1});
      b = beta.tensor - mean.tensor * scale;
    }
    ops.push_back({FeatureNet::Op::Conv, info.layers[name_i++], w, b, int(ks / 2)});
    ops.back().channels = out;
    ops.push_back({FeatureNet::Op::Leaky, info.layers[name_i++], {}, {}, 0});
    if (name_i < info.layers.size() && info.layers[name_i].rfind("pool", 0) == 0)
      ops.push_back({FeatureNet::Op::MaxPool, info.layers[name_i++], {}, {}, 0, true});
    in_ch = out;
  }
  return std::make_unique<FeatureNet>(std::move(info), std::move(ops));
}

std::unique_ptr<FeatureNet> load_any(const std::string& path, const std::string& preprocess, bool with_weights) {
  if (path.empty()) throw Error("no model file given");
  if (is_dir(path)) {
    if (exists(path + "/model.json")) return load_darknet(path + "/model.json", with_weights);
    throw Error("model folder '" + path + "' holds no model.json (expected a Darknet-tiny TF.js model)");
  }
  if (!exists(path)) throw Error("model file '" + path + "' does not exist");
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0) return load_darknet(path, with_weights);
  return load_vgg(path, preprocess, with_weights);
}

#ifdef NST_HAVE_DNNL
// oneDNN plans of one network, by input size, precision and layer set.
struct DirectCache {
  std::mutex mu;
  std::map<std::vector<int64_t>, std::shared_ptr<DnnlStep>> plans;
  WinogradWeightCache winograd;  // shared by the plans
  std::shared_ptr<DnnlStep> pending;  // the plan whose backward pass is still to run
};

// The features of a DnnlStep as one autograd function of the network input.
struct DirectFeatures : torch::autograd::Function<DirectFeatures> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x,
                                                DirectCache* cache, const std::shared_ptr<DnnlStep>& step,
                                                const std::vector<int64_t>& want, const std::vector<int64_t>& gram) {
    ctx->set_materialize_grads(false);
    ctx->saved_data["want"] = want;
    ctx->saved_data["gram"] = gram;
    ctx->saved_data["cache"] = int64_t(reinterpret_cast<intptr_t>(cache));
    {
      std::lock_guard<std::mutex> lock(cache->mu);
      cache->pending = step;
    }
    return step->forward(x, std::vector<size_t>(want.begin(), want.end()), std::vector<bool>(gram.begin(), gram.end()),
                         true);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto* cache = reinterpret_cast<DirectCache*>(intptr_t(ctx->saved_data["cache"].toInt()));
    const std::vector<int64_t> want = ctx->saved_data["want"].toIntVector();
    const std::vector<int64_t> gram = ctx->saved_data["gram"].toIntVector();
    std::shared_ptr<DnnlStep> step;
    {
      std::lock_guard<std::mutex> lock(cache->mu);
      step = std::move(cache->pending);
    }
    if (!step) throw Error("oneDNN step: the backward pass ran twice or after another forward pass");
    return {step->backward(std::vector<size_t>(want.begin(), want.end()), std::vector<bool>(gram.begin(), gram.end()),
                           grads),
            at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};
#endif

}  // namespace

FeatureNet::FeatureNet(ModelInfo info, std::vector<Op> ops) : info_(std::move(info)), ops_(std::move(ops)) {
  for (Op& op : ops_)
    if (op.kind == Op::Conv && op.channels == 0 && op.weight.defined()) op.channels = op.weight.size(0);
  set_direct(direct_available());
}

bool FeatureNet::direct_available() {
#ifdef NST_HAVE_DNNL
  const char* e = std::getenv("NST_STEP_ATEN");
  return !(e && *e && std::string(e) != "0");
#else
  return false;
#endif
}

void FeatureNet::set_direct(bool on) {
#ifdef NST_HAVE_DNNL
  direct_ = on;
#else
  direct_ = false;
  (void)on;
#endif
  direct_cache_.reset();
}

void FeatureNet::set_pooling(Pooling p) {
  for (auto& op : ops_)
    if (op.kind == Op::MaxPool || op.kind == Op::AvgPool) op.kind = p == Pooling::Max ? Op::MaxPool : Op::AvgPool;
  direct_cache_.reset();
}

std::vector<at::Tensor> FeatureNet::direct_features(const at::Tensor& x, const std::vector<size_t>& want,
                                                    size_t deepest, const std::vector<bool>& gram) const {
#ifdef NST_HAVE_DNNL
  if (!direct_cache_) direct_cache_ = std::make_shared<DirectCache>();
  auto* cache = static_cast<DirectCache*>(direct_cache_.get());
  const bool bf16 = precision_ == Precision::BFloat16;
  // Plans differ by size, precision, depth and which convolutions are wanted
  // before their activation (those are not fused).
  std::vector<int64_t> key{x.size(2), x.size(3), bf16, int64_t(deepest)};
  for (size_t i : want)
    if (ops_[i].kind == Op::Conv) key.push_back(int64_t(i));
  std::shared_ptr<DnnlStep> step;
  {
    std::lock_guard<std::mutex> lock(cache->mu);
    auto it = cache->plans.find(key);
    if (it == cache->plans.end()) {
      if (cache->plans.size() >= 4) cache->plans.clear();  // sizes change rarely (coarse-to-fine, targets)
      auto plan = std::make_shared<DnnlStep>(*this, x.size(2), x.size(3), deepest, want, bf16, &cache->winograd);
      it = cache->plans.emplace(key, std::move(plan)).first;
    }
    step = it->second;
  }
  if (at::GradMode::is_enabled() && x.requires_grad())
    return DirectFeatures::apply(x, cache, step, std::vector<int64_t>(want.begin(), want.end()),
                                 std::vector<int64_t>(gram.begin(), gram.end()));
  return step->forward(x, want, gram, false);
#else
  (void)x;
  (void)want;
  (void)deepest;
  (void)gram;
  throw Error("this build has no direct oneDNN path");
#endif
}

size_t FeatureNet::index_of(const std::string& layer) const {
  for (size_t i = 0; i < ops_.size(); ++i)
    if (ops_[i].name == layer) return i;
  std::string names;
  for (const auto& op : ops_) names += (names.empty() ? "" : ",") + op.name;
  throw Error("unknown layer '" + layer + "' for " + info_.family + " (layers: " + names + ")");
}

void FeatureNet::set_precision(Precision p) {
  // bf16 pays only where oneDNN has AMX: with AVX512-BF16 alone oneDNN 2.6's
  // bf16 kernels run slower than fp32 (AMD EPYC Zen 4: VGG-19 step at 512 px
  // 1140 against 789 ms; docs/performance.md); through LibTorch bf16 is no
  // faster either.
  if (p == Precision::Auto) p = cpu::has_amx_bf16() ? Precision::BFloat16 : Precision::Float32;
  if (p == Precision::BFloat16 && !cpu::has_bf16()) throw Error(cpu::bf16_refusal());
  if (p == Precision::Int8)
    throw Error("int8 precision is for fast style networks only; the optimisation runs in fp32 or bf16");
  precision_ = p;
  direct_cache_.reset();
  for (auto& op : ops_) {
    if (op.kind != Op::Conv || !op.weight.defined()) continue;
    if (p == Precision::BFloat16) {
      op.weight_fast = op.weight.to(at::kBFloat16).contiguous(at::MemoryFormat::ChannelsLast);
      op.bias_fast = op.bias.to(at::kBFloat16);
    } else {
      op.weight_fast = at::Tensor();
      op.bias_fast = at::Tensor();
    }
  }
}

at::Tensor FeatureNet::preprocess(const at::Tensor& x) const {
  if (info_.input == "torchvision") {
    static const float mean[3] = {0.485f, 0.456f, 0.406f}, std_[3] = {0.229f, 0.224f, 0.225f};
    at::Tensor m = at::from_blob(const_cast<float*>(mean), {1, 3, 1, 1}).to(x.dtype());
    at::Tensor s = at::from_blob(const_cast<float*>(std_), {1, 3, 1, 1}).to(x.dtype());
    return (x - m) / s;
  }
  if (info_.input == "caffe") {
    static const float mean_bgr[3] = {103.939f, 116.779f, 123.68f};
    at::Tensor m = at::from_blob(const_cast<float*>(mean_bgr), {1, 3, 1, 1}).to(x.dtype());
    return x.flip({1}) * 255.0 - m;
  }
  return x;
}

std::vector<at::Tensor> FeatureNet::features(const at::Tensor& rgb01, const std::vector<std::string>& layers) const {
  return features(rgb01, layers, std::vector<bool>(layers.size(), false));
}

std::vector<at::Tensor> FeatureNet::features(const at::Tensor& rgb01, const std::vector<std::string>& layers,
                                             const std::vector<bool>& gram) const {
  if (gram.size() != layers.size()) throw Error("features: one Gram flag per layer expected");
  std::vector<size_t> want;
  size_t deepest = 0;
  for (const auto& l : layers) {
    want.push_back(index_of(l));
    deepest = std::max(deepest, want.back());
  }
  if (layers.empty()) return {};
  if (direct_ && rgb01.dim() == 4 && rgb01.size(0) == 1 && rgb01.scalar_type() == at::kFloat)
    return direct_features(preprocess(rgb01), want, deepest, gram);
  std::vector<at::Tensor> out(layers.size());
  const bool fast = precision_ == Precision::BFloat16;
  at::Tensor x = preprocess(rgb01);
  if (fast) x = x.to(at::kBFloat16).contiguous(at::MemoryFormat::ChannelsLast);
  for (size_t i = 0; i <= deepest && !layers.empty(); ++i) {
    const Op& op = ops_[i];
    switch (op.kind) {
      case Op::Conv:
        x = fast ? at::conv2d(x, op.weight_fast, op.bias_fast, 1, op.padding)
                 : at::conv2d(x, op.weight, op.bias, 1, op.padding);
        break;
      case Op::Relu: x = at::relu(x); break;
      case Op::Leaky: x = at::leaky_relu(x, 0.1); break;
      case Op::MaxPool: x = at::max_pool2d(x, {2, 2}, {2, 2}, {0, 0}, {1, 1}, op.ceil_mode); break;
      case Op::AvgPool: x = at::avg_pool2d(x, {2, 2}, {2, 2}, {0, 0}, op.ceil_mode, /*count_include_pad=*/false); break;
    }
    for (size_t k = 0; k < want.size(); ++k)
      if (want[k] == i) out[k] = fast ? x.to(at::kFloat).contiguous() : x;
  }
  for (size_t k = 0; k < want.size(); ++k)
    if (gram[k]) out[k] = losses::gram(out[k]);
  return out;
}

double FeatureNet::estimate_step_bytes(int width, int height, const std::vector<std::string>& layers,
                                       int lbfgs_history) const {
  size_t deepest = 0;
  for (const auto& l : layers) deepest = std::max(deepest, index_of(l));
  double h = height, w = width, ch = 3, total = 0;
  for (size_t i = 0; i <= deepest; ++i) {
    const Op& op = ops_[i];
    if (op.kind == Op::Conv) ch = double(op.channels);
    if (op.kind == Op::MaxPool || op.kind == Op::AvgPool) {
      h = op.ceil_mode ? std::ceil(h / 2) : std::floor(h / 2);
      w = op.ceil_mode ? std::ceil(w / 2) : std::floor(w / 2);
    }
    total += h * w * ch * 4;
  }
  // What a step keeps of the activations (saved for the backward pass, their
  // gradients, transient buffers) as a multiple of their sum: fitted to the
  // peak resident memory (VmHWM) of `nst transfer` at 256-1024 px with the
  // default layers (docs/performance.md, "Memory"); 1 for other networks.
  const double kept = info_.family == "darknet-tiny" ? 0.78 : info_.family.rfind("vgg", 0) == 0 ? 0.42 : 1.0;
  // Plus the image, its gradient, L-BFGS's history (pairs of image-sized
  // vectors) and its few working vectors.
  return kept * total + double(width) * height * 3 * 4 * (2.0 * lbfgs_history + 5);
}

double FeatureNet::estimate_fixed_bytes() const {
  // The libraries' own footprint and the weights with their packed copies
  // (fitted as above).
  double weights = 0, in = 3;
  for (const Op& op : ops_)
    if (op.kind == Op::Conv) {
      const double k = 2.0 * op.padding + 1;
      weights += double(op.channels) * in * k * k * 4;
      in = double(op.channels);
    }
  return 280.0 * (1 << 20) + 4 * weights;
}

std::unique_ptr<FeatureNet> load_network(const std::string& path, const std::string& preprocess) {
  return load_any(path, preprocess, true);
}

std::unique_ptr<FeatureNet> load_network_layout(const std::string& path, const std::string& preprocess) {
  return load_any(path, preprocess, false);
}

ModelInfo inspect_model(const std::string& path) { return load_any(path, "", false)->info(); }

std::string ModelInfo::describe() const {
  std::string name = family == "vgg19" ? "VGG-19" : family == "vgg16" ? "VGG-16" : "Darknet-tiny";
  if (input == "torchvision") name += " (torchvision weights)";
  if (input == "caffe") name += " (Caffe weights)";
  return name + " from " + path;
}

}  // namespace nst
