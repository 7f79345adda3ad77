// A FeatureNet's optimisation step through oneDNN directly (oneDNN 2.x or
// 3.x, Debian's libdnnl-dev): forward to the deepest requested layer and the
// backward pass to the input image, with the weights packed once per input
// size for both directions (LibTorch 1.13 re-packs them on every call), no
// weight gradients, convolution + activation fused in the forward pass, and
// channels-last (NHWC) activations in fp32 or bf16. Only what the backward
// pass needs is kept: the signs of the activations (byte masks, or the
// outputs of the wanted layers, which the losses hold anyway) and where the
// maxima of the max pooling were.
//
// It plugs into autograd as one custom function (networks.cpp), so losses,
// optimisers and cancellation stay in ATen and the engine is unchanged.
#include "step_dnnl.h"

#include "dnnl_common.h"
#include "losses.h"
#include "process.h"
#include "rows.h"
#include "winograd.h"

#include <ATen/Parallel.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

namespace nst {
namespace {

using namespace dnnl_common;  // memory, tag, dt, cpu_engine, nhwc_tensor

memory::desc nhwc_md(int64_t c, int64_t h, int64_t w, dt type) { return memory::desc({1, c, h, w}, type, tag::nhwc); }

// oneDNN memory over an at::Tensor's storage (no copy).
memory wrap(const memory::desc& md, const at::Tensor& t) { return memory(md, cpu_engine(), t.data_ptr()); }

// Weights (OC, IC, KH, KW) fp32 reordered (and converted) into `md`.
memory pack(const at::Tensor& w, const memory::desc& md, dnnl::stream& s) {
  at::Tensor src = w.to(at::kFloat).contiguous();
  memory user(memory::desc({src.size(0), src.size(1), src.size(2), src.size(3)}, dt::f32, tag::oihw), cpu_engine(),
              src.data_ptr<float>());
  memory packed(md, cpu_engine());
  dnnl::reorder(user, packed).execute(s, user, packed);
  s.wait();
  return packed;
}

// Whether a 3x3 convolution (c -> k channels, h x w output) runs faster by
// Winograd (F(6x6, 3x3) or F(4x4, 3x3), winograd::preferred_tile) than by
// oneDNN 2.6's direct kernels: measured with
// bench/winograd_bench on the VGG-19 and Darknet-tiny layer shapes
// (docs/performance.md): below 256 x 256 channels at every size, larger
// layers (compact weights) from 32 x 32 pixels on. NST_WINOGRAD=0 turns it off.
bool use_winograd(int64_t c, int64_t k, int64_t h, int64_t w) {
  static const bool off = [] {
    const char* e = std::getenv("NST_WINOGRAD");
    return e && std::string(e) == "0";
  }();
  return !off && winograd::available() && winograd::supports(c, k) &&
         (!winograd::keep_compact(c, k) || h * w >= 32 * 32);
}

// NST_STEP_PROFILE=1: each stage's time in the forward and backward pass
// (milliseconds, Gram products included), printed to stderr after every
// backward pass, for benchmarks.
bool profiling() {
  static const bool on = std::getenv("NST_STEP_PROFILE") != nullptr;
  return on;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The Winograd weights of op `op` (bwd: its data gradient's) from `shared`,
// made by `make` and added there when absent (or without `shared`).
template <typename Make>
std::shared_ptr<const winograd::Weights> winograd_weights(WinogradWeightCache* shared, size_t op, bool bwd,
                                                          Make make) {
  if (!shared) return std::make_shared<const winograd::Weights>(make());
  std::shared_ptr<const winograd::Weights>& w = (*shared)[{op, bwd}];
  if (!w) w = std::make_shared<const winograd::Weights>(make());
  return w;
}

// The data gradient of a stride-1 convolution (weights (oc, ic, k, k),
// padding p) from the gradient at its output (dst_md) to its input (src_md),
// and the weights packed for it. Either the forward convolution of the output
// gradient with the weights flipped in space and with in/out channels swapped,
// which oneDNN 2.6 runs ~2x faster than its own backward-data kernel on NHWC
// where it has brgconv kernels (AVX-512: brgconv against jit:avx512_core); or,
// for a 3x3 kernel that would not run as brgconv (AVX2: jit:avx2 either way),
// oneDNN's backward-data primitive, then the faster one: AMD EPYC Zen 4 under
// ONEDNN_MAX_CPU_ISA=AVX2, VGG-19's 64 -> 3 at 512 px 43 -> 32 ms and at 1024
// px 191 -> 118 ms, Darknet-tiny's 16 -> 3 at 512 px 7.1 -> 4.4 ms (1x1
// kernels measured the same either way).
struct DataGradient {
  dnnl::primitive prim;
  memory weights;
  bool backward_data = false;
};
DataGradient data_gradient(const at::Tensor& weight, int64_t p, const memory::desc& src_md,
                           const memory::desc& dst_md, dt t,
                           const dnnl::convolution_forward::primitive_desc& forward, dnnl::stream& s) {
  const int64_t oc = weight.size(0), ic = weight.size(1), k = weight.size(2);
  const memory::desc wt_any({ic, oc, k, k}, t, tag::any);
  const auto fpd = convolution_forward_pd(dnnl::prop_kind::forward_inference, dst_md, wt_any, memory::desc(), src_md,
                                          {1, 1}, {k - 1 - p, k - 1 - p}, {k - 1 - p, k - 1 - p});
  DataGradient out;
  if (k == 1 || std::string(fpd.impl_info_str()).rfind("brg", 0) == 0) {
    out.prim = dnnl::convolution_forward(fpd);
    out.weights = pack(weight.transpose(0, 1).flip({2, 3}), fpd.weights_desc(), s);
    return out;
  }
  const memory::desc w_any({oc, ic, k, k}, t, tag::any);
  const auto bpd = convolution_backward_data_pd(src_md, w_any, dst_md, {1, 1}, {p, p}, {p, p}, forward);
  out.prim = dnnl::convolution_backward_data(bpd);
  out.weights = pack(weight, bpd.weights_desc(), s);
  out.backward_data = true;
  return out;
}

}  // namespace

struct DnnlStep::Stage {
  enum Kind { Conv, Act, Pool } kind = Conv;
  size_t op = 0;            // index in FeatureNet::ops()
  bool fused_act = false;   // Conv: the following activation runs as its post-op (the stage output is the activation's)
  float alpha = 0;          // activation slope below zero (ReLU 0, leaky 0.1)
  int64_t c = 0, h = 0, w = 0;  // output shape
  int64_t in_c = 0, in_h = 0, in_w = 0;
  memory::desc src_md, dst_md;
  dnnl::primitive fwd, bwd;
  memory w_fwd, w_bwd, bias;
  bool bwd_data = false;    // Conv: bwd is oneDNN's backward-data primitive (else a forward convolution, data_gradient())
  memory::desc ws_md;       // max pooling workspace (empty otherwise)
  // Pool: fp32 max pooling by rows::max_pool (the position of each maximum a
  // byte), 2-8x as fast as oneDNN 2.6's NHWC kernels (see add_pool).
  bool own_max_pool = false;
  // Conv: Winograd weights for the forward and the data-gradient
  // convolution where that is faster (winograd.h); empty: oneDNN.
  std::shared_ptr<const winograd::Weights> wg_fwd, wg_bwd;
  // Conv: the first convolution's data gradient (the image's) by
  // rows::image_gradient with these weights; empty: as above. oneDNN 2.6's
  // kernels for 3 channels are slow (bench/kernel_bench: VGG-19's 64 -> 3 at
  // 512 px 30.7 ms against 6.6 under the AVX2 cap on Zen 4).
  std::vector<float> img_wv;
};

struct DnnlStep::Build {
  const std::vector<FeatureNet::Op>& ops;
  size_t deepest;
  const std::vector<size_t>& wanted;
  dt t;
  WinogradWeightCache* shared;
  dnnl::engine& eng;
  dnnl::stream s;
  size_t i = 0;                 // the op being added
  int64_t c = 3, h = 0, w = 0;  // its input's shape

  bool is_wanted(size_t op) const { return std::find(wanted.begin(), wanted.end(), op) != wanted.end(); }
};

namespace {

// An activation's oneDNN primitives: forward (unless only its backward runs,
// after a convolution that did it as a post-op) and backward, which reads the
// activation's output: its sign is the input's (slope >= 0).
void activation_primitives(const memory::desc& md, float alpha, dnnl::primitive* fwd,
                           dnnl::primitive* bwd) {
  const auto efpd = relu_forward_pd(md, alpha);
  if (fwd) *fwd = dnnl::eltwise_forward(efpd);
  *bwd = dnnl::eltwise_backward(relu_backward_pd(md, alpha, efpd));
}

}  // namespace

DnnlStep::DnnlStep(const FeatureNet& net, int64_t h, int64_t w, size_t deepest, const std::vector<size_t>& wanted,
                   bool bf16, WinogradWeightCache* shared)
    : h_(h), w_(w), bf16_(bf16), type_(bf16 ? at::kBFloat16 : at::kFloat) {
  use_huge_pages_for_large_tensors();  // its buffers come and go every step
  Build b{net.ops(), deepest, wanted, bf16 ? dt::bf16 : dt::f32, shared, cpu_engine(), dnnl::stream(cpu_engine())};
  b.h = h;
  b.w = w;
  for (b.i = 0; b.i <= deepest; ++b.i) {
    Stage st;
    st.op = b.i;
    st.in_c = b.c;
    st.in_h = b.h;
    st.in_w = b.w;
    st.src_md = nhwc_md(b.c, b.h, b.w, b.t);
    switch (b.ops[b.i].kind) {
      case FeatureNet::Op::Conv: add_conv(b, std::move(st)); break;
      case FeatureNet::Op::Relu:
      case FeatureNet::Op::Leaky: add_activation(b, std::move(st)); break;
      case FeatureNet::Op::MaxPool:
      case FeatureNet::Op::AvgPool: add_pool(b, std::move(st)); break;
    }
  }
}

// A convolution: oneDNN's or Winograd's forward and data gradient; a
// following activation that no one reads is fused as a post-op and gets a
// stage of its own for the backward pass only (b.i moves past it).
void DnnlStep::add_conv(Build& b, Stage st) {
  const FeatureNet::Op& op = b.ops[b.i];
  st.kind = Stage::Conv;
  const int64_t oc = op.weight.size(0), k = op.weight.size(2), p = op.padding;
  b.c = oc;
  b.h = b.h + 2 * p - k + 1;
  b.w = b.w + 2 * p - k + 1;
  st.c = b.c;
  st.h = b.h;
  st.w = b.w;
  st.dst_md = nhwc_md(b.c, b.h, b.w, b.t);
  const bool next_act = b.i + 1 <= b.deepest &&
                        (b.ops[b.i + 1].kind == FeatureNet::Op::Relu || b.ops[b.i + 1].kind == FeatureNet::Op::Leaky);
  st.fused_act = next_act && !b.is_wanted(b.i);
  dnnl::primitive_attr attr;
  if (st.fused_act) {
    st.alpha = b.ops[b.i + 1].kind == FeatureNet::Op::Leaky ? 0.1f : 0.f;
    attr = relu_post_op(st.alpha);
  }
  const memory::desc w_any({oc, st.in_c, k, k}, b.t, tag::any), b_md({oc}, dt::f32, tag::x);
  const auto fpd = convolution_forward_pd(dnnl::prop_kind::forward_training, st.src_md, w_any, b_md, st.dst_md,
                                          {1, 1}, {p, p}, {p, p}, attr);
  st.fwd = dnnl::convolution_forward(fpd);
  st.bias = memory(b_md, b.eng);
  at::Tensor bias = op.bias.defined() ? op.bias.to(at::kFloat).contiguous() : at::zeros({oc});
  std::memcpy(st.bias.get_data_handle(), bias.data_ptr<float>(), size_t(oc) * sizeof(float));
  const bool wg = b.t == dt::f32 && k == 3 && p == 1;
  if (wg && use_winograd(st.in_c, oc, b.h, b.w)) {
    st.wg_fwd = winograd_weights(b.shared, b.i, false, [&] {
      const at::Tensor wf = op.weight.to(at::kFloat).contiguous();
      return winograd::transform(wf.data_ptr<float>(), oc, st.in_c, winograd::keep_compact(st.in_c, oc));
    });
  } else {
    st.w_fwd = pack(op.weight, fpd.weights_desc(), b.s);
  }
  if (b.i == 0 && b.t == dt::f32 && st.in_c == 3 && k == 3 && p == 1 && rows::image_gradient_supports(oc)) {
    const at::Tensor wf = op.weight.to(at::kFloat).contiguous();
    st.img_wv = rows::image_gradient_weights(wf.data_ptr<float>(), oc);
  } else if (wg && use_winograd(oc, st.in_c, b.h, b.w)) {
    st.wg_bwd = winograd_weights(b.shared, b.i, true, [&] {
      const at::Tensor wb = op.weight.transpose(0, 1).flip({2, 3}).to(at::kFloat).contiguous();
      return winograd::transform(wb.data_ptr<float>(), st.in_c, oc, winograd::keep_compact(oc, st.in_c));
    });
  } else {
    DataGradient dg = data_gradient(op.weight, p, st.src_md, st.dst_md, b.t, fpd, b.s);
    st.bwd = std::move(dg.prim);
    st.w_bwd = std::move(dg.weights);
    st.bwd_data = dg.backward_data;
  }
  const bool fused = st.fused_act;
  const float alpha = st.alpha;
  const memory::desc out_md = st.dst_md;
  stages_.push_back(std::move(st));
  if (!fused) return;
  Stage act;  // the activation is done: its stage only runs backward
  act.kind = Stage::Act;
  act.op = ++b.i;
  act.alpha = alpha;
  act.in_c = act.c = b.c;
  act.in_h = act.h = b.h;
  act.in_w = act.w = b.w;
  act.src_md = act.dst_md = out_md;
  activation_primitives(out_md, alpha, nullptr, &act.bwd);
  stages_.push_back(std::move(act));
}

void DnnlStep::add_activation(Build& b, Stage st) {
  st.kind = Stage::Act;
  st.alpha = b.ops[b.i].kind == FeatureNet::Op::Leaky ? 0.1f : 0.f;
  st.dst_md = st.src_md;
  st.c = b.c;
  st.h = b.h;
  st.w = b.w;
  activation_primitives(st.src_md, st.alpha, &st.fwd, &st.bwd);
  stages_.push_back(std::move(st));
}

// 2x2 pooling, stride 2 (ceil mode pads the bottom and right edges).
void DnnlStep::add_pool(Build& b, Stage st) {
  const FeatureNet::Op& op = b.ops[b.i];
  st.kind = Stage::Pool;
  const bool max = op.kind == FeatureNet::Op::MaxPool;
  const int64_t oh = op.ceil_mode ? (b.h + 1) / 2 : b.h / 2, ow = op.ceil_mode ? (b.w + 1) / 2 : b.w / 2;
  if (oh < 1 || ow < 1) throw Error("image too small for the network's pooling layers");
  const int64_t pr_h = std::max<int64_t>(2 * oh - b.h, 0), pr_w = std::max<int64_t>(2 * ow - b.w, 0);
  b.h = oh;
  b.w = ow;
  st.c = b.c;
  st.h = b.h;
  st.w = b.w;
  st.dst_md = nhwc_md(b.c, b.h, b.w, b.t);
  // oneDNN 2.6's NHWC max pooling against rows::max_pool, forward and
  // backward (AMD EPYC Zen 4, 2 threads, fastest of 9, under
  // ONEDNN_MAX_CPU_ISA=AVX2 / AVX-512): 64 channels at 512 px 5.7 + 8.0
  // -> 2.7 + 2.6 ms / 2.1 + 4.9 -> 1.9 + 2.1 ms; 16 at 512 px 0.25 + 1.7
  // -> 0.4 + 0.5 ms / 0.17 + 0.71 -> 0.26 + 0.28 ms; 256 at 128 px 1.3 +
  // 2.0 -> 0.3 + 0.4 ms / 0.7 + 1.1 -> 0.4 + 0.3 ms.
  if (max && b.t == dt::f32) {
    st.own_max_pool = true;
    stages_.push_back(std::move(st));
    return;
  }
  const auto alg = max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
  const auto fpd = pooling_forward_pd(alg, st.src_md, st.dst_md, {2, 2}, {2, 2}, {0, 0}, {pr_h, pr_w});
  st.fwd = dnnl::pooling_forward(fpd);
  st.ws_md = fpd.workspace_desc();
  st.bwd = dnnl::pooling_backward(pooling_backward_pd(alg, st.src_md, st.dst_md, {2, 2}, {2, 2}, {0, 0}, {pr_h, pr_w}, fpd));
  stages_.push_back(std::move(st));
}

DnnlStep::~DnnlStep() = default;

std::vector<at::Tensor> DnnlStep::forward(const at::Tensor& x, const std::vector<size_t>& wanted,
                                          const std::vector<bool>& gram, bool for_backward) {
  if (x.dim() != 4 || x.size(0) != 1 || x.size(1) != 3 || x.size(2) != h_ || x.size(3) != w_)
    throw Error("oneDNN step: input of the wrong shape");
  dnnl::engine& eng = cpu_engine();
  dnnl::stream s(eng);
  saved_.assign(stages_.size(), at::Tensor());
  workspaces_.assign(stages_.size(), at::Tensor());
  gram_features_.assign(wanted.size(), at::Tensor());
  std::vector<at::Tensor> out(wanted.size());
  at::Tensor cur = x.to(type_).contiguous(at::MemoryFormat::ChannelsLast);
  at::Tensor fused_mask;  // the next activation's mask, written by a Winograd convolution
  if (profiling()) fwd_ms_.assign(stages_.size(), 0.0);
  for (size_t k = 0; k < stages_.size(); ++k) {
    const auto t0 = profiling() ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    Stage& st = stages_[k];
    if (st.kind == Stage::Act && k > 0 && stages_[k - 1].kind == Stage::Conv && stages_[k - 1].fused_act) {
      // computed by the convolution's post-op
    } else {
      // A Winograd convolution writes the following activation's mask (the
      // backward pass needs its signs) as it writes its output.
      if (for_backward && st.kind == Stage::Conv && st.wg_fwd && st.fused_act &&
          std::find(wanted.begin(), wanted.end(), stages_[k + 1].op) == wanted.end())
        fused_mask = at::empty({1, st.c, st.h, st.w}, at::TensorOptions().dtype(at::kBool).memory_format(
                                                          at::MemoryFormat::ChannelsLast));
      at::Tensor dst = nhwc_tensor(st.c, st.h, st.w, type_);
      memory sm = wrap(st.src_md, cur), dm = wrap(st.dst_md, dst);
      switch (st.kind) {
        case Stage::Conv:
          if (st.wg_fwd) {
            winograd::Masks masks;
            if (fused_mask.defined()) masks.dst = reinterpret_cast<uint8_t*>(fused_mask.data_ptr<bool>());
            winograd::conv3x3(cur.data_ptr<float>(), st.in_h, st.in_w, *st.wg_fwd,
                              static_cast<const float*>(st.bias.get_data_handle()), st.fused_act, st.alpha,
                              dst.data_ptr<float>(), masks);
          } else {
            st.fwd.execute(s, {{DNNL_ARG_SRC, sm}, {DNNL_ARG_WEIGHTS, st.w_fwd}, {DNNL_ARG_BIAS, st.bias},
                               {DNNL_ARG_DST, dm}});
          }
          break;
        case Stage::Act: st.fwd.execute(s, {{DNNL_ARG_SRC, sm}, {DNNL_ARG_DST, dm}}); break;
        case Stage::Pool: {
          if (st.own_max_pool) {
            at::Tensor where = at::empty({st.h * st.w * st.c}, at::kByte);
            at::parallel_for(0, st.h, 1, [&](int64_t y0, int64_t y1) {
              rows::max_pool(cur.data_ptr<float>(), st.in_h, st.in_w, st.c, st.w, y0, y1, dst.data_ptr<float>(),
                             where.data_ptr<uint8_t>());
            });
            if (for_backward) workspaces_[k] = where;
            break;
          }
          std::unordered_map<int, memory> args{{DNNL_ARG_SRC, sm}, {DNNL_ARG_DST, dm}};
          at::Tensor ws;  // max pooling: where the maxima were, for the backward pass
          if (st.ws_md.get_size() > 0) {
            ws = at::empty({int64_t(st.ws_md.get_size())}, at::kByte);
            args.insert({DNNL_ARG_WORKSPACE, wrap(st.ws_md, ws)});
            if (for_backward) workspaces_[k] = ws;
          }
          st.fwd.execute(s, args);
          s.wait();
          break;
        }
      }
      s.wait();
      cur = dst;
    }
    if (for_backward && st.kind == Stage::Act) {
      // The backward pass needs the sign of the activation. A wanted layer's
      // output stays alive anyway (the losses hold it); of the others only a
      // byte mask is kept, so their float output is freed after the next stage
      // (written by a Winograd convolution as it writes its output).
      const bool is_feature = std::find(wanted.begin(), wanted.end(), st.op) != wanted.end();
      saved_[k] = is_feature ? cur : fused_mask.defined() ? fused_mask : cur.gt(0);
    }
    if (st.kind == Stage::Act) fused_mask = at::Tensor();
    for (size_t j = 0; j < wanted.size(); ++j) {
      if (wanted[j] != st.op) continue;
      if (j < gram.size() && gram[j]) {
        if (!bf16_) {
          out[j] = at::empty({st.c, st.c});
          step_gram::gram(cur.data_ptr<float>(), st.h * st.w, st.c, float(1.0 / double(cur.numel())),
                          out[j].data_ptr<float>());
        } else {
          out[j] = losses::gram(cur.to(at::kFloat).contiguous(at::MemoryFormat::ChannelsLast));
        }
        if (for_backward) gram_features_[j] = cur;
      } else {
        out[j] = bf16_ ? cur.to(at::kFloat) : cur;
      }
    }
    if (profiling()) fwd_ms_[k] = ms_since(t0);
  }
  forwarded_ = for_backward;
  return out;
}

void DnnlStep::print_profile(const std::vector<double>& bwd_ms) const {
  double fwd_sum = 0, bwd_sum = 0;
  std::fprintf(stderr, "stage  op  kind         channels  size        path        fwd ms   bwd ms\n");
  for (size_t k = 0; k < stages_.size(); ++k) {
    const Stage& st = stages_[k];
    const char* kind = st.kind == Stage::Conv ? "conv" : st.kind == Stage::Act ? "activation" : "pool";
    const char* path = st.kind != Stage::Conv  ? (st.own_max_pool ? "own" : "oneDNN")
                       : st.wg_fwd            ? (st.wg_bwd ? "wino/wino" : !st.img_wv.empty() ? "wino/image" : "wino/dnnl")
                       : st.wg_bwd            ? "dnnl/wino"
                       : !st.img_wv.empty()   ? "dnnl/image"
                                              : "dnnl/dnnl";
    const double f = k < fwd_ms_.size() ? fwd_ms_[k] : 0;
    fwd_sum += f;
    bwd_sum += bwd_ms[k];
    std::fprintf(stderr, "%5zu %3zu  %-11s %4lld->%-4lld %5lldx%-5lld %-10s %7.2f  %7.2f\n", k, st.op, kind,
                 static_cast<long long>(st.in_c), static_cast<long long>(st.c), static_cast<long long>(st.h),
                 static_cast<long long>(st.w), path, f, bwd_ms[k]);
  }
  std::fprintf(stderr, "total forward %.1f ms, backward %.1f ms\n", fwd_sum, bwd_sum);
}

at::Tensor DnnlStep::backward(const std::vector<size_t>& wanted, const std::vector<bool>& gram,
                              const std::vector<at::Tensor>& grads) {
  if (!forwarded_) throw Error("oneDNN step: backward without a forward pass");
  dnnl::engine& eng = cpu_engine();
  dnnl::stream s(eng);
  at::Tensor g;  // gradient at the current stage's output, NHWC, compute type
  // An activation's mask that the convolution below applies as it reads g
  // (Winograd), instead of a pass of its own over g.
  at::Tensor pending_mask;
  float pending_alpha = 0;
  std::vector<double> bwd_ms(stages_.size(), 0.0);
  for (size_t k = stages_.size(); k-- > 0;) {
    const auto t0 = profiling() ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    Stage& st = stages_[k];
    for (size_t j = 0; j < wanted.size(); ++j) {
      if (wanted[j] != st.op || !grads[j].defined()) continue;
      if (j < gram.size() && gram[j]) {
        // G = m^T m / n with m the features as (H*W, C): dL/dm = m (dG + dG^T) / n,
        // added to g in place (g and m are channels-last: (H*W, C) views).
        const at::Tensor f = std::move(gram_features_[j]);
        const int64_t c = f.size(1);
        const at::Tensor k = (grads[j] + grads[j].t()).div_(double(f.numel()));
        if (!g.defined()) g = at::zeros_like(f);  // f's channels-last strides
        if (!g.is_contiguous(at::MemoryFormat::ChannelsLast) || !f.is_contiguous(at::MemoryFormat::ChannelsLast))
          throw Error("oneDNN step: expected channels-last activations");
        at::Tensor gm = g.permute({0, 2, 3, 1}).reshape({-1, c});
        const at::Tensor fm = f.permute({0, 2, 3, 1}).reshape({-1, c});
        if (type_ == at::kFloat)
          step_gram::add_gradient(f.data_ptr<float>(), fm.size(0), c, k.contiguous().data_ptr<float>(),
                                  g.data_ptr<float>());
        else gm.add_(at::mm(fm.to(at::kFloat), k).to(type_));
        continue;
      }
      at::Tensor gj = grads[j].to(type_).contiguous(at::MemoryFormat::ChannelsLast);
      g = g.defined() ? g.add_(gj) : (gj.is_same(grads[j]) ? gj.clone(at::MemoryFormat::ChannelsLast) : gj);
    }
    if (!g.defined()) continue;  // nothing above depends on this stage's output
    memory dd = wrap(st.dst_md, g);
    switch (st.kind) {
      case Stage::Act: {
        if (saved_[k].scalar_type() == at::kBool) {
          // (Only below a fused convolution: an unfused one is wanted, and the
          // loss gradient added at its output must not be masked.)
          if (k > 0 && stages_[k - 1].kind == Stage::Conv && stages_[k - 1].fused_act && stages_[k - 1].wg_bwd &&
              saved_[k].is_contiguous(at::MemoryFormat::ChannelsLast)) {
            pending_mask = saved_[k];
            pending_alpha = st.alpha;
            break;
          }
          if (st.alpha == 0) g.mul_(saved_[k]);
          else g.mul_(saved_[k].to(type_).mul_(1 - st.alpha).add_(st.alpha));
          break;
        }
        memory data = wrap(st.dst_md, saved_[k]);
        st.bwd.execute(s, {{DNNL_ARG_SRC, data}, {DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_DIFF_SRC, dd}});
        break;
      }
      case Stage::Conv: {
        if (!st.img_wv.empty()) {
          at::Tensor gi = at::empty({1, 3, st.in_h, st.in_w});
          at::parallel_for(0, st.h, 8, [&](int64_t y0, int64_t y1) {
            rows::image_gradient(g.data_ptr<float>(), st.h, st.w, st.c, st.img_wv.data(), y0, y1, gi.data_ptr<float>());
          });
          g = gi;
          break;
        }
        at::Tensor gs = nhwc_tensor(st.in_c, st.in_h, st.in_w, type_);
        if (st.wg_bwd) {
          winograd::Masks masks;
          if (pending_mask.defined()) {
            masks.src = reinterpret_cast<const uint8_t*>(pending_mask.data_ptr<bool>());
            masks.src_alpha = pending_alpha;
          }
          winograd::conv3x3(g.data_ptr<float>(), st.h, st.w, *st.wg_bwd, nullptr, false, 0.f, gs.data_ptr<float>(),
                            masks);
          pending_mask = at::Tensor();
        } else if (st.bwd_data) {
          st.bwd.execute(s, {{DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_WEIGHTS, st.w_bwd}, {DNNL_ARG_DIFF_SRC, wrap(st.src_md, gs)}});
        } else {
          st.bwd.execute(s, {{DNNL_ARG_SRC, dd}, {DNNL_ARG_WEIGHTS, st.w_bwd}, {DNNL_ARG_DST, wrap(st.src_md, gs)}});
        }
        s.wait();
        g = gs;
        break;
      }
      case Stage::Pool: {
        at::Tensor gs = nhwc_tensor(st.in_c, st.in_h, st.in_w, type_);
        if (st.own_max_pool) {
          const at::Tensor& where = workspaces_[k];
          at::parallel_for(0, st.h, 1, [&](int64_t y0, int64_t y1) {
            rows::max_pool_backward(g.data_ptr<float>(), where.data_ptr<uint8_t>(), st.in_h, st.in_w, st.c, st.h, st.w,
                                    y0, y1, gs.data_ptr<float>());
          });
          g = gs;
          break;
        }
        std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_DIFF_SRC, wrap(st.src_md, gs)}};
        if (workspaces_[k].defined()) args.insert({DNNL_ARG_WORKSPACE, wrap(st.ws_md, workspaces_[k])});
        st.bwd.execute(s, args);
        s.wait();
        g = gs;
        break;
      }
    }
    s.wait();
    saved_[k] = at::Tensor();  // free as we go
    workspaces_[k] = at::Tensor();
    if (profiling()) bwd_ms[k] = ms_since(t0);
  }
  forwarded_ = false;
  if (profiling()) print_profile(bwd_ms);
  if (!g.defined()) return at::zeros({1, 3, h_, w_});
  return g.to(at::kFloat).contiguous();
}

}  // namespace nst

namespace nst::step_gram {

void gram(const float* f, int64_t rows, int64_t c, float scale, float* g) {
  if (gram::supports(c)) return gram::features_gram(f, rows, c, scale, g);
  // Row-major, as cblas: g = scale f^T f.
  if (dnnl::sgemm('T', 'N', c, c, rows, scale, f, c, f, c, 0.f, g, c) != dnnl::status::success)
    throw Error("oneDNN's sgemm failed on a " + std::to_string(rows) + " x " + std::to_string(c) + " Gram matrix");
}

void add_gradient(const float* f, int64_t rows, int64_t c, const float* k, float* d) {
  if (dnnl::sgemm('N', 'N', rows, c, c, 1.f, f, c, k, c, 1.f, d, c) != dnnl::status::success)
    throw Error("oneDNN's sgemm failed on a " + std::to_string(rows) + " x " + std::to_string(c) + " Gram gradient");
}

}  // namespace nst::step_gram
