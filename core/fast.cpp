// Feed-forward style transfer: the transform network (both variants), its
// loaders and writers, the ATen forward pass and the instance norms. Tiled
// inference and the public FastModel API are in fast_model.cpp.
#include "fast.h"

#include "cpu.h"
#include "files.h"
#include "networks.h"
#include "rows.h"

#include "weights.h"

#include <caffe2/serialize/inline_container.h>
#include <ATen/Parallel.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <mutex>

#include <thread>

#ifndef NST_HAVE_DNNL
#define NST_HAVE_DNNL 0
#endif

namespace nst {
namespace fast {
namespace {

using files::base_name;
using files::exists;
using files::is_dir;

bool ends_with(const std::string& s, const std::string& e) {
  return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}
std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// Layer names, in order, shared by both variants (pytorch/examples naming).
std::vector<std::string> layer_names() {
  std::vector<std::string> n = {"conv1", "conv2", "conv3"};
  for (int r = 1; r <= 5; ++r) {
    n.push_back("res" + std::to_string(r) + ".conv1");
    n.push_back("res" + std::to_string(r) + ".conv2");
  }
  n.insert(n.end(), {"deconv1", "deconv2", "deconv3"});
  return n;
}
// pytorch/examples instance-norm key of layer i ("in1".."in5", "resN.in1/2").
std::string norm_name(size_t i) {
  if (i < 3) return "in" + std::to_string(i + 1);
  if (i < 13) return "res" + std::to_string((i - 3) / 2 + 1) + ".in" + std::to_string((i - 3) % 2 + 1);
  return "in" + std::to_string(i - 13 + 4);
}

struct Geometry {
  int kernel, stride;
  bool relu, norm;
};
Geometry geometry(size_t i) {
  if (i == 0) return {9, 1, true, true};
  if (i < 3) return {3, 2, true, true};
  if (i < 13) return {3, 1, (i - 3) % 2 == 0, true};
  if (i < 15) return {3, 1, true, true};
  return {9, 1, false, false};
}
// Input and output channels of layer i for widths c1 < c2 < c3.
std::pair<int64_t, int64_t> channels(size_t i, int64_t c1, int64_t c2, int64_t c3) {
  static const int in_idx[16] = {0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 1};
  static const int out_idx[16] = {1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 1, 0};
  const int64_t w[4] = {3, c1, c2, c3};
  return {w[in_idx[i]], w[out_idx[i]]};
}

// A 3x3 stride-2 transposed convolution with TF "same" padding (output 2H x
// 2W: the full 2H+1 output without its last row and column) equals a 2x2
// convolution over the input padded by one zero row/column before, giving
// 4x the channels, followed by pixel_shuffle(2). Per dimension, output 2m
// takes x[m-1]*w[2] + x[m]*w[0] and output 2m+1 takes x[m]*w[1], so the 2x2
// window (x[m-1], x[m]) uses taps (2, 0) for phase 0 and (none, 1) for phase 1.
// wt: (in, out, 3, 3) -> (out*4, in, 2, 2), channel o*4 + ry*2 + rx.
at::Tensor subpixel_weight(const at::Tensor& wt) {
  const int64_t cin = wt.size(0), cout = wt.size(1);
  at::Tensor k = at::zeros({cout, 2, 2, cin, 2, 2}, wt.options());
  const int tap[2][2] = {{2, 0}, {-1, 1}};  // [phase][window position] -> kernel index
  for (int ry = 0; ry < 2; ++ry)
    for (int rx = 0; rx < 2; ++rx)
      for (int jy = 0; jy < 2; ++jy)
        for (int jx = 0; jx < 2; ++jx) {
          const int ky = tap[ry][jy], kx = tap[rx][jx];
          if (ky < 0 || kx < 0) continue;
          k.select(1, ry).select(1, rx).select(2, jy).select(2, jx).copy_(wt.select(2, ky).select(2, kx).t());
        }
  return k.reshape({cout * 4, cin, 2, 2}).contiguous();
}

// --- ml5 deeplearn.js checkpoints -------------------------------------------
std::unique_ptr<TransformNet> load_ml5(const std::string& manifest, const std::string& folder) {
  const std::string what = "fast-style model '" + folder + "'";
  weights::StateDict sd = weights::load_dljs(manifest);
  if (sd.size() != 48)
    throw Error(what + " has " + std::to_string(sd.size()) +
                " variables, expected 48 (16 convolutions with instance-norm shift and scale)");
  auto var = [&](size_t id) -> const weights::Entry& {
    const std::string key = id == 0 ? "Variable" : "Variable_" + std::to_string(id);
    const weights::Entry* e = weights::find(sd, key);
    if (!e) throw Error(what + ": manifest.json lacks variable '" + key + "' (not an ml5 style transfer model?)");
    return *e;
  };
  const auto& first = var(0);
  if (first.shape.size() != 4) throw Error(what + ": 'Variable' has shape " + shape_str(first.shape) + ", expected [9, 9, 3, C]");
  const int64_t c1 = first.shape[3];
  const auto& v3 = var(3);
  const auto& v6 = var(6);
  const int64_t c2 = v3.shape.size() == 4 ? v3.shape[3] : -1, c3 = v6.shape.size() == 4 ? v6.shape[3] : -1;
  const std::vector<std::string> names = layer_names();
  std::vector<Layer> layers;
  for (size_t i = 0; i < 16; ++i) {
    const Geometry g = geometry(i);
    auto [cin, cout] = channels(i, c1, c2, c3);
    const bool transposed = i == 13 || i == 14;
    const auto& w = var(3 * i);
    const std::vector<int64_t> ws = transposed ? std::vector<int64_t>{3, 3, cout, cin}
                                               : std::vector<int64_t>{g.kernel, g.kernel, cin, cout};
    const std::string key = i == 0 ? "Variable" : "Variable_" + std::to_string(3 * i);
    if (w.shape != ws)
      throw Error(what + ": '" + key + "' (" + names[i] + " kernel) has shape " + shape_str(w.shape) + ", expected " +
                  shape_str(ws));
    for (int k = 1; k <= 2; ++k) {
      const auto& n = var(3 * i + k);
      if (n.shape != std::vector<int64_t>{cout})
        throw Error(what + ": 'Variable_" + std::to_string(3 * i + k) + "' (" + names[i] + " instance norm) has shape " +
                    shape_str(n.shape) + ", expected " + shape_str({cout}));
    }
    Layer l;
    l.name = names[i];
    // TF [kh, kw, in, out] -> (out, in, kh, kw); transposed [kh, kw, out, in] -> (in, out, kh, kw),
    // then rewritten as an equivalent sub-pixel convolution.
    l.weight = w.tensor.permute({3, 2, 0, 1}).contiguous();
    if (transposed) {
      l.transposed_weight = l.weight;
      l.weight = subpixel_weight(l.weight);
    }
    l.beta = var(3 * i + 1).tensor;   // shift comes first,
    l.gamma = var(3 * i + 2).tensor;  // then scale
    l.kernel = g.kernel;
    l.stride = transposed ? 2 : g.stride;
    l.transposed = transposed;
    l.relu = g.relu;
    layers.push_back(std::move(l));
  }
  FastModelInfo info;
  info.name = base_name(folder);
  info.path = folder;
  info.format = "ml5";
  info.upsampling = "transposed";
  return std::make_unique<TransformNet>(info, TransformNet::Upsampling::Transposed, std::move(layers), 1e-3);
}

// --- TransformerNet state dicts -------------------------------------------------
std::unique_ptr<TransformNet> load_torch_net(const std::string& path) {
  const std::string what = "fast-style model '" + path + "'";
  auto wanted = [](const std::string& k) { return k.find("running_") == std::string::npos && !ends_with(k, "num_batches_tracked"); };
  weights::StateDict sd = weights::load_torch(path, wanted);
  const weights::Entry* c1w = weights::find(sd, "conv1.conv2d.weight");
  if (!c1w || !weights::find(sd, "deconv1.conv2d.weight")) {
    std::string keys;
    for (size_t i = 0; i < sd.size() && i < 4; ++i) keys += (i ? ", " : "") + sd[i].name;
    if (weights::find(sd, "features.0.weight"))
      throw Error("'" + path + "' is a VGG feature network, not a fast-style network (use it with `nst transfer --model`)");
    throw Error(what + " is not a TransformerNet state dict (expected keys conv1.conv2d.weight, in1.weight, "
                "res1.conv1.conv2d.weight, deconv1.conv2d.weight ...; found " + keys + (sd.size() > 4 ? ", ..." : "") + ")");
  }
  if (c1w->shape.size() != 4) throw Error(what + ": 'conv1.conv2d.weight' has shape " + shape_str(c1w->shape));
  auto width = [&](const char* key) -> int64_t {
    const weights::Entry* e = weights::find(sd, key);
    return e && !e->shape.empty() ? e->shape[0] : -1;
  };
  const int64_t c1 = c1w->shape[0], c2 = width("conv2.conv2d.weight"), c3 = width("conv3.conv2d.weight");
  const std::vector<std::string> names = layer_names();
  std::vector<Layer> layers;
  for (size_t i = 0; i < 16; ++i) {
    const Geometry g = geometry(i);
    auto [cin, cout] = channels(i, c1, c2, c3);
    auto get = [&](const std::string& key, const std::vector<int64_t>& shape) -> at::Tensor {
      const weights::Entry* e = weights::find(sd, key);
      if (!e) throw Error(what + " lacks '" + key + "' (not a TransformerNet state dict, or truncated)");
      if (e->shape != shape)
        throw Error(what + ": '" + key + "' has shape " + shape_str(e->shape) + ", expected " + shape_str(shape));
      return e->tensor;
    };
    Layer l;
    l.name = names[i];
    l.weight = get(names[i] + ".conv2d.weight", {cout, cin, g.kernel, g.kernel});
    l.bias = get(names[i] + ".conv2d.bias", {cout});
    if (g.norm) {
      l.gamma = get(norm_name(i) + ".weight", {cout});
      l.beta = get(norm_name(i) + ".bias", {cout});
    }
    l.kernel = g.kernel;
    l.stride = g.stride;
    l.upsample = i == 13 || i == 14;
    l.relu = g.relu;
    layers.push_back(std::move(l));
  }
  FastModelInfo info;
  info.name = files::stem(path);
  info.path = path;
  info.format = "torch";
  info.upsampling = "nearest";
  return std::make_unique<TransformNet>(info, TransformNet::Upsampling::Nearest, std::move(layers), 1e-5);
}

}  // namespace

TransformNet::TransformNet(FastModelInfo info, Upsampling up, std::vector<Layer> layers, double eps)
    : info_(std::move(info)), up_(up), layers_(std::move(layers)), eps_(eps) {}

std::vector<std::pair<std::string, at::Tensor*>> TransformNet::parameters() {
  std::vector<std::pair<std::string, at::Tensor*>> p;
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = layers_[i];
    p.push_back({l.name + ".conv2d.weight", &l.weight});
    if (l.bias.defined()) p.push_back({l.name + ".conv2d.bias", &l.bias});
    if (l.gamma.defined()) {
      p.push_back({norm_name(i) + ".weight", &l.gamma});
      p.push_back({norm_name(i) + ".bias", &l.beta});
    }
  }
  return p;
}

const Layer& TransformNet::cast_layer(size_t i, at::ScalarType t) const {
  if (t == at::kFloat) return layers_[i];
  if (bf16_.empty()) {
    for (const Layer& l : layers_) {
      Layer c = l;
      c.weight = l.weight.detach().to(t).contiguous(at::MemoryFormat::ChannelsLast);
      if (l.bias.defined()) c.bias = l.bias.detach().to(t);
      bf16_.push_back(std::move(c));
    }
  }
  return bf16_[i];
}

namespace {
// Reflection padding on all four sides; LibTorch 1.13 has no bfloat16 kernel
// for it, so other types are padded from flipped slices.
at::Tensor reflect_pad(const at::Tensor& x, int64_t p) {
  if (p == 0) return x;
  if (p >= x.size(2) || p >= x.size(3)) {
    // Wider than the layer (tiny images): ATen's reflection padding refuses it.
    auto index = [&](int64_t n) {
      std::vector<int64_t> idx;
      for (int64_t i = -p; i < n + p; ++i) idx.push_back(reflect_index(i, n));
      return at::tensor(idx, at::kLong);
    };
    return x.index_select(2, index(x.size(2))).index_select(3, index(x.size(3))).contiguous(x.suggest_memory_format());
  }
  if (x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble) return at::reflection_pad2d(x, {p, p, p, p});
  const int64_t h = x.size(2), w = x.size(3);
  at::Tensor y = at::cat({x.narrow(3, 1, p).flip(3), x, x.narrow(3, w - 1 - p, p).flip(3)}, 3);
  return at::cat({y.narrow(2, 1, p).flip(2), y, y.narrow(2, h - 1 - p, p).flip(2)}, 2)
      .contiguous(x.suggest_memory_format());
}
}  // namespace

// Instance norm (+ ReLU) in place on a channels-last (N,H,W,C) tensor
// without autograd: one pass for the statistics (sums shifted by the first
// pixel, for accuracy), one to apply x * scale + shift. ATen's own path
// takes five passes and converts bfloat16 to float on the way.
namespace {

// Shifted sums (float partials flushed to double every 256 rows) and/or the
// range of rows [p0, p1) of c channels. mn/mx start with the first row.
template <typename T>
inline __attribute__((always_inline)) void stats_body(const T* d, int64_t p0, int64_t p1, int64_t c,
                                                      const float* shift, float* a1, float* a2, double* o1,
                                                      double* o2, float* mn, float* mx) {
  for (int64_t p = p0; p < p1; ++p) {
    const T* row = d + p * c;
    if (mn)
      for (int64_t k = 0; k < c; ++k) {
        const float v = float(row[k]);
        mn[k] = v < mn[k] ? v : mn[k];
        mx[k] = v > mx[k] ? v : mx[k];
      }
    if (!o1) continue;
    for (int64_t k = 0; k < c; ++k) {
      const float v = float(row[k]) - shift[k];
      a1[k] += v;
      a2[k] += v * v;
    }
    if ((p & 255) == 255 || p + 1 == p1) {
      for (int64_t k = 0; k < c; ++k) {
        o1[k] += a1[k];
        o2[k] += a2[k];
        a1[k] = a2[k] = 0.f;
      }
    }
  }
}

void stats_rows(const float* d, int64_t p0, int64_t p1, int64_t c, const float* shift, float* a1, float* a2,
                double* o1, double* o2, float* mn, float* mx) {
  nst::rows::stats(d, p0, p1, c, shift, a1, a2, o1, o2, mn, mx);
}
void stats_rows(const at::BFloat16* d, int64_t p0, int64_t p1, int64_t c, const float* shift, float* a1, float* a2,
                double* o1, double* o2, float* mn, float* mx) {
  stats_body(d, p0, p1, c, shift, a1, a2, o1, o2, mn, mx);
}

// x = scale * x + off (then max(x, 0) when relu) on rows [p0, p1); hi: when
// given, raised to each channel's largest |result|.
template <typename T>
inline __attribute__((always_inline)) void apply_body(T* d, int64_t p0, int64_t p1, int64_t c, const float* scale,
                                                      const float* off, bool relu, float* hi) {
  for (int64_t p = p0; p < p1; ++p) {
    T* row = d + p * c;
    for (int64_t k = 0; k < c; ++k) {
      float v = float(row[k]) * scale[k] + off[k];
      if (relu) v = v > 0.f ? v : 0.f;
      row[k] = T(v);
    }
    if (hi)
      for (int64_t k = 0; k < c; ++k) {
        const float v = float(row[k]), a = v < 0.f ? -v : v;
        hi[k] = a > hi[k] ? a : hi[k];
      }
  }
}

void apply_rows(float* d, int64_t p0, int64_t p1, int64_t c, const float* scale, const float* off, bool relu,
                float* hi) {
  nst::rows::scale_shift(d, p0, p1, c, scale, off, relu, hi);
}
void apply_rows(at::BFloat16* d, int64_t p0, int64_t p1, int64_t c, const float* scale, const float* off, bool relu,
                float* hi) {
  apply_body(d, p0, p1, c, scale, off, relu, hi);
}

template <typename T>
void coefficients(const T* d, int64_t px, int64_t c, const Layer& l, double eps, NormStats* record,
                  const NormStats* use, size_t norm_i, const NormInput& in, std::vector<float>& scale,
                  std::vector<float>& off, std::vector<float>* lo, std::vector<float>* hi) {
  constexpr int64_t kChunk = 4096;
  std::vector<double> mean(c), var(c);
  const bool sums = use == nullptr, range = lo != nullptr && hi != nullptr;
  const int64_t chunks = (px + kChunk - 1) / kChunk;
  std::vector<double> s1(sums ? chunks * c : 0), s2(sums ? chunks * c : 0);
  std::vector<float> shift(c), m1(range ? chunks * c : 0), m2(range ? chunks * c : 0);
  for (int64_t k = 0; k < c; ++k) shift[k] = float(d[k]);
  if (sums || range) {
    at::parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      std::vector<float> a1(c, 0.f), a2(c, 0.f);
      for (int64_t ch = c0; ch < c1; ++ch) {
        float* mn = range ? &m1[ch * c] : nullptr;
        float* mx = range ? &m2[ch * c] : nullptr;
        if (range)
          for (int64_t k = 0; k < c; ++k) mn[k] = mx[k] = float(d[ch * kChunk * c + k]);
        stats_rows(d, ch * kChunk, std::min(px, (ch + 1) * kChunk), c, shift.data(), a1.data(), a2.data(),
                   sums ? &s1[ch * c] : nullptr, sums ? &s2[ch * c] : nullptr, mn, mx);
      }
    });
  }
  if (lo && hi) {
    lo->assign(m1.begin(), m1.begin() + c);
    hi->assign(m2.begin(), m2.begin() + c);
    for (int64_t ch = 1; ch < chunks; ++ch)
      for (int64_t k = 0; k < c; ++k) {
        (*lo)[k] = std::min((*lo)[k], m1[ch * c + k]);
        (*hi)[k] = std::max((*hi)[k], m2[ch * c + k]);
      }
  }
  auto in_scale = [&](int64_t k) { return double(in.scale ? in.scale[k] : 1.f); };
  auto in_bias = [&](int64_t k) { return double(in.bias ? in.bias[k] : 0.f); };
  if (use) {
    for (int64_t k = 0; k < c; ++k) {
      mean[k] = use->mean.at(norm_i)[k].item<double>();
      var[k] = use->var.at(norm_i)[k].item<double>();
    }
  } else {
    for (int64_t k = 0; k < c; ++k) {
      double t1 = 0, t2 = 0;
      for (int64_t ch = 0; ch < chunks; ++ch) {
        t1 += s1[ch * c + k];
        t2 += s2[ch * c + k];
      }
      // Rounded to float as *record keeps them: normalising with recorded
      // statistics gives exactly the same result (the int8 path's
      // quantisation would otherwise round a few values the other way).
      const double m = t1 / double(px);
      mean[k] = float(in_scale(k) * (shift[k] + m) + in_bias(k));
      var[k] = float(in_scale(k) * in_scale(k) * std::max(0.0, t2 / double(px) - m * m));
    }
    if (record) {
      record->mean.push_back(at::tensor(std::vector<float>(mean.begin(), mean.end())));
      record->var.push_back(at::tensor(std::vector<float>(var.begin(), var.end())));
    }
  }
  // y = g (in.scale * x + in.bias - mean) / sqrt(var + eps) + b = scale * x + off
  const at::Tensor gt = l.gamma.to(at::kFloat).contiguous(), bt = l.beta.to(at::kFloat).contiguous();
  const float* g = gt.data_ptr<float>();
  const float* b = bt.data_ptr<float>();
  scale.resize(c);
  off.resize(c);
  for (int64_t k = 0; k < c; ++k) {
    const double a = g[k] / std::sqrt(var[k] + eps);
    scale[k] = float(a * in_scale(k));
    off[k] = float(b[k] + a * (in_bias(k) - mean[k]));
  }
}

template <typename T>
void norm_act_nhwc(at::Tensor& x, const Layer& l, double eps, NormStats* record, const NormStats* use,
                   size_t norm_i, const NormInput& in, float* out_max) {
  const int64_t n = x.size(0), c = x.size(1), px = x.size(2) * x.size(3);
  constexpr int64_t kChunk = 4096;
  for (int64_t s = 0; s < n; ++s) {
    T* d = x.data_ptr<T>() + s * px * c;
    std::vector<float> scale, off;
    coefficients(d, px, c, l, eps, record, use, norm_i, in, scale, off, nullptr, nullptr);
    std::mutex mu;
    at::parallel_for(0, px, kChunk, [&](int64_t p0, int64_t p1) {
      std::vector<float> hi(c, 0.f);
      apply_rows(d, p0, p1, c, scale.data(), off.data(), l.relu, out_max ? hi.data() : nullptr);
      if (out_max) {
        std::lock_guard<std::mutex> lock(mu);
        for (int64_t k = 0; k < c; ++k) out_max[k] = std::max(out_max[k], hi[k]);
      }
    });
  }
}

}  // namespace

void norm_act_(at::Tensor& x, const Layer& l, double eps, NormStats* record, const NormStats* use, size_t norm_i,
               const NormInput& in, float* out_max) {
  if (x.scalar_type() == at::kFloat) norm_act_nhwc<float>(x, l, eps, record, use, norm_i, in, out_max);
  else norm_act_nhwc<at::BFloat16>(x, l, eps, record, use, norm_i, in, out_max);
}

void norm_coefficients(const float* x, int64_t px, int64_t c, const Layer& l, double eps, NormStats* record,
                       const NormStats* use, size_t norm_i, const NormInput& in, std::vector<float>& scale,
                       std::vector<float>& off, std::vector<float>* lo, std::vector<float>* hi) {
  coefficients(x, px, c, l, eps, record, use, norm_i, in, scale, off, lo, hi);
}

void NormSums::add(size_t layer, const at::Tensor& region) {
  const at::Tensor r = region.to(at::kFloat);
  if (sum.size() <= layer) {
    sum.push_back(at::zeros({r.size(1)}, at::kDouble));
    sumsq.push_back(at::zeros({r.size(1)}, at::kDouble));
    count.push_back(0);
  }
  sum[layer] += r.sum({0, 2, 3}, false, at::kDouble);
  sumsq[layer] += (r * r).sum({0, 2, 3}, false, at::kDouble);
  count[layer] += double(r.numel() / r.size(1));
}

NormStats NormSums::stats() const {
  NormStats s;
  for (size_t i = 0; i < sum.size(); ++i) {
    at::Tensor mean = sum[i] / count[i];
    s.mean.push_back(mean.to(at::kFloat));
    s.var.push_back((sumsq[i] / count[i] - mean * mean).clamp_min(0).to(at::kFloat));
  }
  return s;
}

at::Tensor TransformNet::layer(size_t i, const at::Tensor& in, size_t& norm_i, NormStats* record,
                               const NormStats* use, NormSums* sums) const {
  const Layer& l = cast_layer(i, in.scalar_type());
  // NST_FAST_PROFILE=1: per-layer times on stderr (for bench/).
  static const bool profile = std::getenv("NST_FAST_PROFILE") != nullptr;
  struct Timer {
    bool on;
    size_t i;
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    ~Timer() {
      if (on)
        std::fprintf(stderr, "layer %2zu %8.2f ms\n", i,
                     std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  } timer{profile, i};
  const int64_t pad = l.kernel / 2;
  at::Tensor x = in;
  if (up_ == Upsampling::Nearest) {
    if (l.upsample) x = at::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2});
    x = reflect_pad(x, pad);
    x = at::conv2d(x, l.weight, l.bias, l.stride);
  } else if (l.transposed) {
    // TF "same" transposed conv as a sub-pixel conv (see subpixel_weight).
    const int64_t h = x.size(2), w = x.size(3);
    x = at::conv2d(x, l.weight, l.bias.defined() ? l.bias.repeat_interleave(4) : l.bias, 1, 1);
    x = at::pixel_shuffle(x.narrow(2, 0, h).narrow(3, 0, w), 2);
  } else if (l.stride == 1) {
    x = at::conv2d(x, l.weight, l.bias, 1, pad);
  } else {
    // TF "same" with stride 2: total padding k - 2 + (H odd), the extra one after.
    const int64_t th = std::max<int64_t>(l.kernel - (x.size(2) % 2 ? 1 : 2), 0);
    const int64_t tw = std::max<int64_t>(l.kernel - (x.size(3) % 2 ? 1 : 2), 0);
    x = at::constant_pad_nd(x, {tw / 2, tw - tw / 2, th / 2, th - th / 2});
    x = at::conv2d(x, l.weight, l.bias, l.stride);
  }
  const bool fused = !sums && !at::GradMode::is_enabled() && l.gamma.defined() &&
                     (x.scalar_type() == at::kFloat || x.scalar_type() == at::kBFloat16);
  if (fused) {
    if (!x.is_contiguous(at::MemoryFormat::ChannelsLast)) x = x.contiguous(at::MemoryFormat::ChannelsLast);
    norm_act_(x, l, eps_, record, use, norm_i);
    ++norm_i;
    return x;
  }
  if (l.gamma.defined()) {
    at::Tensor mean, var;
    if (use) {
      mean = use->mean.at(norm_i).view({1, -1, 1, 1});
      var = use->var.at(norm_i).view({1, -1, 1, 1});
      if (sums) {
        const int64_t f = sums->input_h / x.size(2);  // 1, 2 or 4
        sums->add(norm_i, x.narrow(2, sums->y0 / f, (sums->y1 - sums->y0) / f)
                              .narrow(3, sums->x0 / f, (sums->x1 - sums->x0) / f));
      }
    } else {
      std::tie(var, mean) = at::var_mean(x.scalar_type() == at::kFloat ? x : x.to(at::kFloat), {2, 3}, false, true);
      if (record) {
        record->mean.push_back(mean.detach().view({-1}).clone());
        record->var.push_back(var.detach().view({-1}).clone());
      }
    }
    at::Tensor scale = l.gamma.view({1, -1, 1, 1}) * at::rsqrt(var + eps_);
    at::Tensor shift = l.beta.view({1, -1, 1, 1}) - mean * scale;
    x = x * scale.to(x.scalar_type()) + shift.to(x.scalar_type());
    ++norm_i;
  }
  if (l.relu) x = at::relu(x);
  return x;
}

at::Tensor TransformNet::forward(const at::Tensor& input, NormStats* record, const NormStats* use,
                                 NormSums* sums, size_t stop) const {
  if (input.dim() != 4 || input.size(1) != 3) throw Error("transform network input must be (N, 3, H, W)");
#if NST_HAVE_DNNL
  static const bool aten_only = std::getenv("NST_FAST_ATEN") != nullptr;  // bench/: compare both paths
  if (!aten_only && !sums && stop >= 16 && !at::GradMode::is_enabled() && input.size(0) == 1 &&
      input.scalar_type() == at::kFloat)
    return forward_dnnl(*this, input, record, use);
#endif
  size_t ni = 0;
  at::Tensor x = input;
  for (size_t i = 0; i < 3; ++i) {
    if (i == stop) return x;
    x = layer(i, x, ni, record, use, sums);
  }
  for (size_t r = 0; r < 5; ++r) {
    at::Tensor y = layer(3 + 2 * r, x, ni, record, use, sums);
    y = layer(4 + 2 * r, y, ni, record, use, sums);
    x = x + y;
  }
  for (size_t i = 13; i < 16; ++i) x = layer(i, x, ni, record, use, sums);
  if (up_ == Upsampling::Transposed) x = at::tanh(x) * 150.0 + 127.5;
  return x;
}

std::unique_ptr<TransformNet> load(const std::string& path) {
  if (path.empty()) throw Error("no fast-style model given");
  if (is_dir(path)) {
    if (exists(path + "/manifest.json")) return load_ml5(path + "/manifest.json", path);
    if (exists(path + "/model.json"))
      throw Error("'" + path + "' holds a TensorFlow.js Layers model (a feature network?), not a fast-style network");
    throw Error("model folder '" + path + "' holds no manifest.json (expected an ml5 fast-style network)");
  }
  if (!exists(path)) throw Error("fast-style model '" + path + "' does not exist");
  if (base_name(path) == "manifest.json") {
    const std::string dir = std::filesystem::path(path).parent_path().string();
    return load_ml5(path, dir.empty() ? "." : dir);
  }
  if (files::has_extension(path, ".json"))
    throw Error("'" + path + "' is not a fast-style network (expected an ml5 folder with manifest.json or a .pth file)");
  return load_torch_net(path);
}

std::unique_ptr<TransformNet> create(int c1, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  const int64_t c2 = 2 * c1, c3 = 4 * c1;
  const std::vector<std::string> names = layer_names();
  std::vector<Layer> layers;
  for (size_t i = 0; i < 16; ++i) {
    const Geometry g = geometry(i);
    auto [cin, cout] = channels(i, c1, c2, c3);
    // PyTorch's default conv initialisation (uniform, bound 1/sqrt(fan_in)).
    const double bound = 1.0 / std::sqrt(double(cin * g.kernel * g.kernel));
    Layer l;
    l.name = names[i];
    l.weight = at::rand({cout, cin, g.kernel, g.kernel}, gen, at::kFloat) * (2 * bound) - bound;
    l.bias = at::rand({cout}, gen, at::kFloat) * (2 * bound) - bound;
    if (g.norm) {
      l.gamma = at::ones({cout});
      l.beta = at::zeros({cout});
    }
    l.kernel = g.kernel;
    l.stride = g.stride;
    l.upsample = i == 13 || i == 14;
    l.relu = g.relu;
    layers.push_back(std::move(l));
  }
  FastModelInfo info;
  info.name = "untrained";
  info.format = "torch";
  info.upsampling = "nearest";
  return std::make_unique<TransformNet>(info, TransformNet::Upsampling::Nearest, std::move(layers), 1e-5);
}

void save_tensors(const std::vector<std::pair<std::string, at::Tensor>>& entries, const std::string& path) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::TensorType::get());
  for (const auto& [name, t] : entries) dict.insert(name, t.detach().to(at::kFloat).contiguous().clone());
  std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(dict));
  const std::string tmp = path + ".part";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Error("cannot write '" + path + "': folder does not exist or is not writable");
    f.write(bytes.data(), std::streamsize(bytes.size()));
    if (!f) throw Error("cannot write '" + path + "': disk full?");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error("cannot write '" + path + "' (rename failed)");
}

void save(const TransformNet& net, const std::string& path) {
  if (net.upsampling() != TransformNet::Upsampling::Nearest)
    throw Error("only networks with nearest-neighbour upsampling can be saved");
  std::vector<std::pair<std::string, at::Tensor>> entries;
  for (auto& [name, t] : const_cast<TransformNet&>(net).parameters()) entries.push_back({name, *t});
  save_tensors(entries, path);
}

bool int8_available() { return NST_HAVE_DNNL && (cpu::has_vnni() || cpu::has_avx2()); }

}  // namespace fast

}  // namespace nst
