// The transform network's inference path through oneDNN directly (float32,
// NHWC). LibTorch 1.13 reorders the weights into oneDNN's blocked layout on
// every convolution call and cannot express TensorFlow's asymmetric "same"
// padding or a cropped transposed convolution; here the weights are packed
// once per input size and the padding is part of each primitive.
#include "fast.h"

#include "cpu.h"
#include "dnnl_common.h"
#include "process.h"
#include "rows.h"

#include <ATen/Parallel.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <type_traits>
#include <unordered_map>

namespace nst::fast {
namespace {

using namespace dnnl_common;  // memory, tag, dt, cpu_engine, nhwc_tensor

// Copies NHWC src (h, w, pixels of `bytes` bytes) into dst (H, W) =
// upsampled (x2 nearest when `up`) and reflection-padded by p on every side.
void pad_reflect_nhwc(const char* src, int64_t h, int64_t w, int64_t bytes, int64_t p, bool up, char* dst) {
  const int64_t uh = up ? 2 * h : h, uw = up ? 2 * w : w;
  const int64_t H = uh + 2 * p, W = uw + 2 * p;
  at::parallel_for(0, H, 8, [&](int64_t y0, int64_t y1) {
    for (int64_t y = y0; y < y1; ++y) {
      const int64_t sy = reflect_index(y - p, uh) / (up ? 2 : 1);
      const char* srow = src + sy * w * bytes;
      char* drow = dst + y * W * bytes;
      for (int64_t x = 0; x < W; ++x) {
        const int64_t sx = reflect_index(x - p, uw) / (up ? 2 : 1);
        std::memcpy(drow + x * bytes, srow + sx * bytes, size_t(bytes));
      }
    }
  });
}

// A 9x9 stride-1 convolution to a few channels runs poorly in oneDNN 2.6
// (~20 GMAC/s). On the space-to-depth image (2x2 blocks -> 4C channels at
// half size) it is a 5x5 convolution to 4*OC channels (one per output phase),
// which runs ~3x faster. w: (OC, C, 9, 9) -> (4*OC, 4*C, 5, 5).
at::Tensor s2d_weight(const at::Tensor& w) {
  const int64_t oc = w.size(0), c = w.size(1);
  at::Tensor out = at::zeros({4 * oc, 4 * c, 5, 5});
  auto acc = out.accessor<float, 4>();
  auto src = w.contiguous();
  auto in = src.accessor<float, 4>();
  for (int ay = 0; ay < 2; ++ay)
    for (int ax = 0; ax < 2; ++ax)
      for (int by = 0; by < 2; ++by)
        for (int bx = 0; bx < 2; ++bx)
          for (int qy = 0; qy < 5; ++qy)
            for (int qx = 0; qx < 5; ++qx) {
              const int ky = 2 * qy + by - ay, kx = 2 * qx + bx - ax;
              if (ky < 0 || ky > 8 || kx < 0 || kx > 8) continue;
              for (int64_t o = 0; o < oc; ++o)
                for (int64_t i = 0; i < c; ++i) acc[(ay * 2 + ax) * oc + o][(by * 2 + bx) * c + i][qy][qx] = in[o][i][ky][kx];
            }
  return out;
}

// (h, w) pixels of `bytes` bytes <-> (h/2, w/2) pixels of 4 x `bytes`
// (the 2x2 block's pixels in row-major order).
void space_to_depth(const char* src, int64_t h, int64_t w, int64_t bytes, char* dst) {
  at::parallel_for(0, h / 2, 4, [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m)
      for (int64_t n = 0; n < w / 2; ++n)
        for (int b = 0; b < 4; ++b)
          std::memcpy(dst + ((m * (w / 2) + n) * 4 + b) * bytes, src + ((2 * m + b / 2) * w + 2 * n + b % 2) * bytes,
                      size_t(bytes));
  });
}

void depth_to_space(const char* src, int64_t h2, int64_t w2, int64_t bytes, char* dst) {
  at::parallel_for(0, h2, 4, [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m)
      for (int64_t n = 0; n < w2; ++n)
        for (int a = 0; a < 4; ++a)
          std::memcpy(dst + ((2 * m + a / 2) * 2 * w2 + 2 * n + a % 2) * bytes, src + ((m * w2 + n) * 4 + a) * bytes,
                      size_t(bytes));
  });
}

struct Step {
  dnnl::primitive prim;
  memory weights, bias;
  memory::desc src, dst;
  int64_t in_h, in_w, in_c, out_h, out_w, out_c;
  int64_t pad = 0;      // reflection padding done before the primitive
  bool up = false;      // nearest x2 before it
  bool s2d = false;     // runs on the space-to-depth image (see s2d_weight)
  bool subpixel = false;  // a transposed conv as a 2x2 conv to 4x the channels + depth-to-space
  int64_t pad_h = 0, pad_w = 0;  // size after upsampling and padding
  // int8: u8 (input >= 0) or s8 input with one quantisation step per input
  // channel, folded into s8 weights quantised for each run (prepare_int8);
  // the output is the integer sums, without bias (`bias_f32`).
  bool int8 = false;
  bool nonneg = false;
  int64_t phases = 1;     // output channels per network channel (4 for s2d/subpixel, phase-major)
  int64_t in_blocks = 1;  // input channels per network channel (4 for s2d, block-major)
  at::Tensor w_f32;       // the primitive's weights (OIHW) in float32
  at::Tensor w_s8;        // their quantised form, the reorder's source
  std::shared_ptr<dnnl::reorder> pack;  // w_s8 -> weights
  memory w_user;
  at::Tensor bias_f32;
};

// An uninitialised (1, c, h, w) channels-last tensor. Activations of 4 MB
// and more come from the process's huge-page arena (process.cpp,
// use_huge_pages_for_large_tensors()), whose pages stay mapped once touched,
// so same-sized layers, tiles and repeated runs reuse memory instead of
// faulting fresh pages in.
at::Tensor nhwc_tensor(int64_t c, int64_t h, int64_t w, at::ScalarType type = at::kFloat) {
  return at::empty({1, c, h, w}, at::TensorOptions().dtype(type).memory_format(at::MemoryFormat::ChannelsLast));
}

struct Plan {
  int64_t h = 0, w = 0;
  std::vector<Step> steps;
};

struct Cache {
  std::mutex mu;
  std::map<std::tuple<int64_t, int64_t, bool>, std::shared_ptr<Plan>> plans;
};

memory::desc nhwc(int64_t c, int64_t h, int64_t w, dt type = dt::f32) { return memory::desc({1, c, h, w}, type, tag::nhwc); }

// st.prim: a convolution from st.src to st.dst with weights w (OIHW, packed
// here once) and bias b, padding pl above/left and pr below/right.
void pack_conv(Step& st, const at::Tensor& w, const at::Tensor& b, const memory::dims& strides, const memory::dims& pl,
               const memory::dims& pr) {
  dnnl::engine& eng = cpu_engine();
  dnnl::stream s(eng);
  at::Tensor wc = w.to(at::kFloat).contiguous();
  const memory::dims wdims{wc.size(0), wc.size(1), wc.size(2), wc.size(3)};
  const dt wtype = st.int8 ? dt::s8 : dt::f32;
  memory::desc bias_md({wc.size(0)}, dt::f32, tag::x);
  memory::desc wany(wdims, wtype, tag::any);
  const auto pd = convolution_forward_pd(dnnl::prop_kind::forward_inference, st.src, wany,
                                         st.int8 ? memory::desc() : bias_md, st.dst, strides, pl, pr);
  st.prim = dnnl::convolution_forward(pd);
  st.weights = memory(pd.weights_desc(), eng);
  if (st.int8) {  // packed for each run by prepare_int8
    st.w_f32 = wc;
    st.w_s8 = at::empty(wc.sizes(), at::kChar);
    st.w_user = memory(memory::desc(wdims, wtype, tag::oihw), eng, st.w_s8.data_ptr());
    st.pack = std::make_shared<dnnl::reorder>(st.w_user, st.weights);
  } else {
    memory wu(memory::desc(wdims, wtype, tag::oihw), eng, wc.data_ptr());
    dnnl::reorder(wu, st.weights).execute(s, wu, st.weights);
    const at::Tensor bc = b.to(at::kFloat).contiguous();
    st.bias = memory(bias_md, eng);
    std::memcpy(st.bias.get_data_handle(), bc.data_ptr<float>(), size_t(wc.size(0)) * sizeof(float));
  }
  s.wait();
}

// Quantises st's weights for inputs quantised with `in_step` per channel
// (x[c] ~ in_step[c] * q): w * in_step, then symmetric s8 with one scale per
// network output channel (shared by its phases), packed for the primitive.
// Returns those scales: the layer's output is scale[o] * sum + bias[o].
// Without VNNI, oneDNN multiplies u8 by s8 with vpmaddubsw, which adds pairs
// of products in int16 and saturates beyond 32767 (255 x 127 x 2 = 64770):
// there the weights take 7 bits (|q| <= 63, 255 x 63 x 2 = 32130), as
// oneDNN's documentation advises for such CPUs.
std::vector<float> prepare_int8(const Step& st, const std::vector<float>& in_step) {
  const at::Tensor a = at::tensor(in_step).repeat({st.in_blocks}).view({1, -1, 1, 1});
  const at::Tensor w = st.w_f32 * a;
  const int64_t oc = w.size(0) / st.phases;
  static const float levels = cpu::has_vnni() ? 127.f : 63.f;
  const at::Tensor scale = w.abs().amax({1, 2, 3}).view({st.phases, oc}).amax(0).clamp_min(1e-30f) / levels;
  st.w_s8.copy_((w / scale.repeat({st.phases}).view({-1, 1, 1, 1})).round_().clamp_(-levels, levels));
  dnnl::stream s(cpu_engine());
  st.pack->execute(s, const_cast<memory&>(st.w_user), const_cast<memory&>(st.weights));
  s.wait();
  return std::vector<float>(scale.data_ptr<float>(), scale.data_ptr<float>() + oc);
}

// The inputs of the residual blocks' first convolutions and of the first
// upsampling layer: the residual stream, which has negative values.
bool residual_input(size_t i) { return i >= 3 && i <= 13 && i % 2 == 1; }

// How a layer's input is padded: oneDNN's own padding (left, right) and the
// size of the input after the padding and upsampling this file does itself.
struct Padding {
  memory::dims left{0, 0}, right{0, 0};
  int64_t h = 0, w = 0;
};

Padding padding_of(const Layer& l, bool transposed_net, int64_t ih, int64_t iw, Step& st) {
  const int64_t k = l.kernel;
  Padding p;
  p.h = ih;
  p.w = iw;
  if (!transposed_net) {  // reflection padding (and nearest upsampling) done here
    st.up = l.upsample;
    st.pad = k / 2;
    p.h = (l.upsample ? 2 * ih : ih) + 2 * st.pad;
    p.w = (l.upsample ? 2 * iw : iw) + 2 * st.pad;
  } else if (l.transposed) {
    p.right = {1, 1};  // TF "same": the full 2H+1 output without its last row/column
  } else if (l.stride == 1) {
    p.left = p.right = {k / 2, k / 2};
  } else {
    const int64_t th = std::max<int64_t>(k - (ih % 2 ? 1 : 2), 0), tw = std::max<int64_t>(k - (iw % 2 ? 1 : 2), 0);
    p.left = {th / 2, tw / 2};
    p.right = {th - th / 2, tw - tw / 2};
  }
  st.pad_h = p.h;
  st.pad_w = p.w;
  return p;
}

// A 9x9 layer with few outputs as a 5x5 convolution on 2x2 blocks (s2d_weight).
void plan_s2d(Step& st, const Layer& l, const at::Tensor& bias, const Padding& p, dt in_type) {
  const int64_t oc = l.weight.size(0);
  const int64_t p2 = p.left[0] / 2;
  st.src = nhwc(4 * st.in_c, p.h / 2, p.w / 2, in_type);
  const int64_t oh2 = p.h / 2 + 2 * p2 - 4, ow2 = p.w / 2 + 2 * p2 - 4;
  st.dst = nhwc(4 * oc, oh2, ow2);
  st.phases = st.in_blocks = 4;
  pack_conv(st, s2d_weight(l.weight.to(at::kFloat)), bias.repeat({4}), {1, 1}, {p2, p2}, {p2, p2});
  st.out_h = 2 * oh2;
  st.out_w = 2 * ow2;
  st.out_c = oc;
}

// The transposed convolution as the sub-pixel 2x2 convolution of fast.cpp
// (subpixel_weight: window one row/column before, channels o*4 + phase),
// reordered phase-major for depth_to_space: as fast as oneDNN 2.6's
// deconvolution here, with 569 instead of 721 MB peak at 1024 px.
void plan_subpixel(Step& st, const Layer& l, const at::Tensor& bias, dt in_type) {
  const int64_t oc = l.transposed_weight.size(1), ch_in = st.in_c;
  st.subpixel = true;
  st.phases = 4;
  st.src = nhwc(ch_in, st.in_h, st.in_w, in_type);
  st.dst = nhwc(4 * oc, st.in_h, st.in_w);
  pack_conv(st, l.weight.to(at::kFloat).reshape({oc, 4, ch_in, 2, 2}).transpose(0, 1).reshape({4 * oc, ch_in, 2, 2}),
            bias.repeat({4}), {1, 1}, {1, 1}, {0, 0});
  st.out_h = 2 * st.in_h;
  st.out_w = 2 * st.in_w;
  st.out_c = oc;
}

// NST_FAST_DECONV=1: the transposed convolution as oneDNN's deconvolution (float32).
void plan_deconv(Step& st, const Layer& l, const at::Tensor& bias, const Padding& p) {
  dnnl::engine& eng = cpu_engine();
  const at::Tensor wsrc = l.transposed_weight.to(at::kFloat).contiguous();
  const int64_t oc = wsrc.size(1), k = l.kernel;
  st.out_h = 2 * st.in_h;
  st.out_w = 2 * st.in_w;
  st.out_c = oc;
  st.src = nhwc(st.in_c, p.h, p.w, dt::f32);
  st.dst = nhwc(oc, st.out_h, st.out_w);
  memory::desc bias_md({oc}, dt::f32, tag::x);
  memory::desc wany({oc, st.in_c, k, k}, dt::f32, tag::any);
  const auto pd = deconvolution_forward_pd(st.src, wany, bias_md, st.dst, {l.stride, l.stride}, p.left, p.right);
  st.prim = dnnl::deconvolution_forward(pd);
  memory wu(memory::desc({oc, st.in_c, k, k}, dt::f32, tag::iohw), eng, wsrc.data_ptr<float>());
  st.weights = memory(pd.weights_desc(), eng);
  dnnl::stream s(eng);
  dnnl::reorder(wu, st.weights).execute(s, wu, st.weights);
  s.wait();
  st.bias = memory(bias_md, eng);
  std::memcpy(st.bias.get_data_handle(), bias.contiguous().data_ptr<float>(), size_t(oc) * sizeof(float));
}

// A plain convolution.
void plan_conv(Step& st, const Layer& l, const at::Tensor& bias, const Padding& p, dt in_type) {
  const int64_t oc = l.weight.size(0), k = l.kernel;
  st.out_h = (p.h + p.left[0] + p.right[0] - k) / l.stride + 1;
  st.out_w = (p.w + p.left[1] + p.right[1] - k) / l.stride + 1;
  st.out_c = oc;
  st.src = nhwc(st.in_c, p.h, p.w, in_type);
  st.dst = nhwc(oc, st.out_h, st.out_w);
  pack_conv(st, l.weight, bias, {l.stride, l.stride}, p.left, p.right);
}

std::shared_ptr<Plan> make_plan(const TransformNet& net, int64_t h, int64_t w, bool int8) {
  auto plan = std::make_shared<Plan>();
  plan->h = h;
  plan->w = w;
  const bool transposed_net = net.upsampling() == TransformNet::Upsampling::Transposed;
  int64_t ch = 3, ih = h, iw = w;
  const auto& layers = net.layers();
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    Step st;
    st.in_h = ih;
    st.in_w = iw;
    st.in_c = ch;
    st.int8 = int8;
    st.nonneg = i == 0 || (layers[i - 1].relu && !residual_input(i));
    const dt in_type = !int8 ? dt::f32 : st.nonneg ? dt::u8 : dt::s8;
    if (l.bias.defined()) st.bias_f32 = l.bias.to(at::kFloat).contiguous();
    const int64_t oc = l.transposed ? l.transposed_weight.size(1) : l.weight.size(0);
    const at::Tensor bias = l.bias.defined() ? l.bias.to(at::kFloat) : at::zeros({oc});
    const Padding p = padding_of(l, transposed_net, ih, iw, st);
    st.s2d = l.kernel == 9 && l.stride == 1 && oc <= 4 && p.h % 2 == 0 && p.w % 2 == 0 &&
             std::getenv("NST_FAST_NO_S2D") == nullptr;
    if (st.s2d) plan_s2d(st, l, bias, p, in_type);
    else if (l.transposed && (int8 || std::getenv("NST_FAST_DECONV") == nullptr)) plan_subpixel(st, l, bias, in_type);
    else if (l.transposed) plan_deconv(st, l, bias, p);
    else plan_conv(st, l, bias, p, in_type);
    ch = st.out_c;
    ih = st.out_h;
    iw = st.out_w;
    plan->steps.push_back(std::move(st));
  }
  return plan;
}

// Runs one step's convolution on NHWC src (float32, or uint8/int8 for int8
// steps; not yet padded): float32 NHWC output. src_blocks: an s2d step's
// src is already in 2x2 blocks (the previous subpixel step's phase layout).
// keep_phases: a subpixel step returns its (h, w, 4 x c) phase layout.
at::Tensor run_conv(const Step& st, at::Tensor src, bool src_blocks = false, bool keep_phases = false) {
  dnnl::engine& eng = cpu_engine();
  dnnl::stream s(eng);
  const int64_t px_bytes = st.in_c * int64_t(src.element_size());
  if (st.pad > 0 || st.up) {
    at::Tensor padded = nhwc_tensor(st.in_c, st.pad_h, st.pad_w, src.scalar_type());
    pad_reflect_nhwc(static_cast<const char*>(src.data_ptr()), st.in_h, st.in_w, px_bytes, st.pad, st.up,
                     static_cast<char*>(padded.data_ptr()));
    src = padded;
  }
  auto exec = [&](const at::Tensor& in, const at::Tensor& out) {
    memory sm(st.src, eng, in.data_ptr()), dm(st.dst, eng, out.data_ptr());
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, sm}, {DNNL_ARG_WEIGHTS, st.weights}, {DNNL_ARG_DST, dm}};
    if (!st.int8) args.emplace(DNNL_ARG_BIAS, st.bias);
    st.prim.execute(s, args);
    s.wait();
  };
  at::Tensor dst = keep_phases ? at::Tensor() : nhwc_tensor(st.out_c, st.out_h, st.out_w);
  const int64_t out_bytes = st.out_c * int64_t(sizeof(float));
  if (st.s2d && src_blocks) {
    at::Tensor out2 = nhwc_tensor(4 * st.out_c, st.out_h / 2, st.out_w / 2);
    exec(src, out2);
    depth_to_space(static_cast<const char*>(out2.data_ptr()), st.out_h / 2, st.out_w / 2, out_bytes,
                   static_cast<char*>(dst.data_ptr()));
  } else if (st.s2d) {
    const int64_t sh = src.size(2), sw = src.size(3);
    at::Tensor blocks = nhwc_tensor(4 * st.in_c, sh / 2, sw / 2, src.scalar_type());
    space_to_depth(static_cast<const char*>(src.data_ptr()), sh, sw, px_bytes, static_cast<char*>(blocks.data_ptr()));
    at::Tensor out2 = nhwc_tensor(4 * st.out_c, st.out_h / 2, st.out_w / 2);
    exec(blocks, out2);
    depth_to_space(static_cast<const char*>(out2.data_ptr()), st.out_h / 2, st.out_w / 2, out_bytes,
                   static_cast<char*>(dst.data_ptr()));
  } else if (st.subpixel && keep_phases) {
    dst = nhwc_tensor(4 * st.out_c, st.in_h, st.in_w);
    exec(src, dst);
  } else if (st.subpixel) {
    at::Tensor out4 = nhwc_tensor(4 * st.out_c, st.in_h, st.in_w);
    exec(src, out4);
    depth_to_space(static_cast<const char*>(out4.data_ptr()), st.in_h, st.in_w, out_bytes,
                   static_cast<char*>(dst.data_ptr()));
  } else {
    exec(src, dst);
  }
  return dst;
}

// float32 NHWC x with |x[c]| <= max_abs[c] -> uint8 (x >= 0, steps max/255)
// or int8 (steps max/127), x[c] ~ step[c] * q.
at::Tensor quantize(const at::Tensor& x, const std::vector<float>& max_abs, bool nonneg,
                    std::vector<float>& step, const std::vector<float>* fixed = nullptr) {
  const float levels = nonneg ? 255.f : 127.f, lo = nonneg ? 0.f : -levels;
  const int64_t c = x.size(1), px = x.numel() / c;
  step.resize(c);
  std::vector<float> inv(c);
  for (int64_t k = 0; k < c; ++k) {
    step[k] = fixed ? (*fixed)[k] : max_abs[k] > 0 ? max_abs[k] / levels : 1.f;
    inv[k] = 1.f / step[k];
  }
  at::Tensor q = nhwc_tensor(c, x.size(2), x.size(3), nonneg ? at::kByte : at::kChar);
  at::parallel_for(0, px, 4096, [&](int64_t a, int64_t b) {
    if (nonneg) nst::rows::quantize(x.data_ptr<float>(), a, b, c, inv.data(), nullptr, lo, levels, static_cast<uint8_t*>(q.data_ptr()));
    else nst::rows::quantize(x.data_ptr<float>(), a, b, c, inv.data(), nullptr, lo, levels, static_cast<int8_t*>(q.data_ptr()));
  });
  return q;
}

// r += y (float32 NHWC, same shape); returns max |r| per channel.
std::vector<float> add_max_abs(at::Tensor& r, const at::Tensor& y) {
  const int64_t c = r.size(1), px = r.numel() / c;
  std::mutex mu;
  std::vector<float> peak(c, 0.f);
  at::parallel_for(0, px, 4096, [&](int64_t p0, int64_t p1) {
    std::vector<float> hi(c, 0.f);
    nst::rows::add(r.data_ptr<float>(), y.data_ptr<float>(), p0, p1, c, hi.data());
    std::lock_guard<std::mutex> lock(mu);
    for (int64_t k = 0; k < c; ++k) peak[k] = std::max(peak[k], hi[k]);
  });
  return peak;
}

// Instance norm + ReLU of an int8 step's sums `raw` (px rows of c, read as
// `in`), quantised straight to uint8 for the next convolution with one step
// per channel (from each channel's exact output range). d2s_w: raw is a
// subpixel step's (h, d2s_w, 4 x c) phase layout, written out as the
// (2h, 2 d2s_w, c) image; 0: the same layout. fixed: the steps to use
// instead (values beyond them saturate).
at::Tensor norm_relu_u8(const at::Tensor& raw, const Layer& l, double eps, NormStats* record, const NormStats* use,
                        size_t norm_i, const NormInput& in, int64_t d2s_w, std::vector<float>& step,
                        const std::vector<float>* fixed) {
  const int64_t c = l.gamma.size(0), rows = raw.numel() / c;
  std::vector<float> scale, off, lo, hi;
  norm_coefficients(raw.data_ptr<float>(), rows, c, l, eps, record, use, norm_i, in, scale, off, &lo, &hi);
  step.resize(c);
  std::vector<float> mul(c), add(c);
  for (int64_t k = 0; k < c; ++k) {
    const float top = std::max({0.f, scale[k] * hi[k] + off[k], scale[k] * lo[k] + off[k]});
    step[k] = fixed ? (*fixed)[k] : top > 0 ? top / 255.f : 1.f;
    mul[k] = scale[k] / step[k];
    add[k] = off[k] / step[k];
  }
  at::Tensor q = d2s_w ? nhwc_tensor(c, 2 * raw.size(2), 2 * d2s_w, at::kByte)
                       : nhwc_tensor(raw.size(1), raw.size(2), raw.size(3), at::kByte);
  const float* s = raw.data_ptr<float>();
  uint8_t* d = static_cast<uint8_t*>(q.data_ptr());
  if (!d2s_w) {
    at::parallel_for(0, rows, 4096, [&](int64_t r0, int64_t r1) {
      nst::rows::quantize(s, r0, r1, c, mul.data(), add.data(), 0.f, 255.f, d);
    });
  } else {  // row (m * w + n) * 4 + a -> pixel (2m + a/2, 2n + a%2)
    at::parallel_for(0, rows / 4, 1024, [&](int64_t g0, int64_t g1) {
      for (int64_t g = g0; g < g1; ++g) {
        const int64_t m = g / d2s_w, n = g % d2s_w;
        for (int64_t a = 0; a < 4; ++a) {
          const int64_t o = (2 * m + a / 2) * 2 * d2s_w + 2 * n + a % 2;
          nst::rows::quantize(s + (g * 4 + a) * c, 0, 1, c, mul.data(), add.data(), 0.f, 255.f, d + o * c);
        }
      }
    });
  }
  return q;
}

}  // namespace

namespace {
// The network's plan for this input size and precision (made on first use).
std::shared_ptr<Plan> get_plan(const TransformNet& net, Cache& cache, int64_t h, int64_t w, bool int8) {
  std::lock_guard<std::mutex> lock(cache.mu);
  const auto key = std::make_tuple(h, w, int8);
  auto it = cache.plans.find(key);
  if (it == cache.plans.end()) {
    if (cache.plans.size() >= 3) cache.plans.clear();  // tiles come in a few sizes at most
    it = cache.plans.emplace(key, make_plan(net, h, w, int8)).first;
  }
  return it->second;
}

// A network's plans (its TransformNet::dnnl_), made on its first run through oneDNN.
Cache* cache_of(std::shared_ptr<void>& slot) {
  if (!slot) {
    use_huge_pages_for_large_tensors();  // the activations come and go with every layer and tile
    slot = std::make_shared<Cache>();
  }
  return static_cast<Cache*>(slot.get());
}
}  // namespace

void first_layer_sums(const TransformNet& net, const at::Tensor& input, NormSums& sums, bool int8) {
  if (input.size(0) != 1 || input.scalar_type() != at::kFloat) throw Error("oneDNN path: expected one float32 image");
  Cache* cache = cache_of(net.dnnl_);
  const std::shared_ptr<Plan> plan = get_plan(net, *cache, input.size(2), input.size(3), int8);
  const Step& st = plan->steps[0];
  const at::Tensor x = input.contiguous(at::MemoryFormat::ChannelsLast);
  at::Tensor y;
  if (int8) {
    std::vector<float> step;
    const at::Tensor q = quantize(x, std::vector<float>(3, 255.f), true, step);
    const std::vector<float> scale = prepare_int8(st, step);
    y = run_conv(st, q).mul_(at::tensor(scale).view({1, -1, 1, 1}));
    if (st.bias_f32.defined()) y.add_(st.bias_f32.view({1, -1, 1, 1}));
  } else {
    y = run_conv(st, x);
  }
  sums.add(0, y.narrow(2, sums.y0, sums.y1 - sums.y0).narrow(3, sums.x0, sums.x1 - sums.x0));
}

at::Tensor forward_dnnl(const TransformNet& net, const at::Tensor& input, NormStats* record, const NormStats* use,
                        bool int8) {
  if (input.size(0) != 1 || input.scalar_type() != at::kFloat) throw Error("oneDNN path: expected one float32 image");
  Cache* cache = cache_of(net.dnnl_);
  const std::shared_ptr<Plan> plan = get_plan(net, *cache, input.size(2), input.size(3), int8);
  const auto& layers = net.layers();
  size_t norm_i = 0;
  static const bool profile = std::getenv("NST_FAST_PROFILE") != nullptr;
  auto now = [] { return std::chrono::steady_clock::now(); };
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  // Layer i on x: float32 x, or for int8 steps x quantised with step `step`.
  // out_max: raised to the largest |output|.
  auto run = [&](size_t i, const at::Tensor& x) {
    const auto t0 = now();
    at::Tensor dst = run_conv(plan->steps[i], x.contiguous(at::MemoryFormat::ChannelsLast));
    const auto t1 = now();
    const Layer& l = layers[i];
    if (l.gamma.defined()) {
      norm_act_(dst, l, net.eps(), record, use, norm_i);
      ++norm_i;
    } else if (l.relu) {
      dst.relu_();
    }
    if (profile) std::fprintf(stderr, "layer %2zu pad+conv %7.1f ms  norm %6.1f ms\n", i, ms(t0, t1), ms(t1, now()));
    return dst;
  };
  at::Tensor x = input;
  if (!int8) {
    for (size_t i = 0; i < 3; ++i) x = run(i, x);
    for (size_t r = 0; r < 5; ++r) {
      at::Tensor y = run(4 + 2 * r, run(3 + 2 * r, x));
      x = y.add_(x);
    }
    for (size_t i = 13; i < 16; ++i) x = run(i, x);
  } else {
    // Every convolution in int8 (u8/s8 x s8, int32 sums: VNNI), each input
    // quantised with one step per channel from its exact range, the steps
    // folded into the weights; normalisation, the residual stream and the
    // output stay float32. Layer 14's output stays in 2x2 blocks when
    // layer 15 runs on blocks (no depth-to-space and back).
    std::vector<float> step, peak;
    // The steps of the statistics pass (use), or recorded for later tiles.
    size_t step_i = 0;
    auto fixed_step = [&]() -> const std::vector<float>* {
      return use && step_i < use->steps.size() ? &use->steps[step_i] : nullptr;
    };
    auto steps_done = [&] {
      if (record) record->steps.push_back(step);
      ++step_i;
    };
    // Layer i on q (quantised with `step`): its norm and ReLU as float32 (u8
    // false) or as the next layer's uint8 input (u8 true, sets step).
    auto run8 = [&](size_t i, const at::Tensor& q, bool u8) {
      const auto t0 = now();
      const Step& st = plan->steps[i];
      const Layer& l = layers[i];
      const std::vector<float> wscale = prepare_int8(st, step);
      const bool blocks_in = st.s2d && st.pad == 0 && i > 0 && plan->steps[i - 1].subpixel;
      const bool blocks_out = u8 && st.subpixel && i + 1 < plan->steps.size() && plan->steps[i + 1].s2d &&
                              plan->steps[i + 1].pad == 0;
      at::Tensor raw = run_conv(st, q, blocks_in, u8 && st.subpixel);
      const auto t1 = now();
      const NormInput in{wscale.data(), st.bias_f32.defined() ? st.bias_f32.data_ptr<float>() : nullptr};
      at::Tensor out;
      if (u8) {
        out = norm_relu_u8(raw, l, net.eps(), record, use, norm_i++, in, st.subpixel && !blocks_out ? st.in_w : 0, step,
                           fixed_step());
        steps_done();
      } else if (l.gamma.defined()) {
        peak.assign(st.out_c, 0.f);
        norm_act_(raw, l, net.eps(), record, use, norm_i++, in, peak.data());
        out = raw;
      } else {  // the last layer of a "nearest" network: scale[o] * sum + bias[o]
        raw.mul_(at::tensor(wscale).view({1, -1, 1, 1}));
        if (st.bias_f32.defined()) raw.add_(st.bias_f32.view({1, -1, 1, 1}));
        out = raw;
      }
      if (profile) std::fprintf(stderr, "layer %2zu int8 conv %7.1f ms  norm %6.1f ms\n", i, ms(t0, t1), ms(t1, now()));
      return out;
    };
    auto requantize = [&](size_t i, const at::Tensor& y) {
      const auto t0 = now();
      at::Tensor q = quantize(y, peak, plan->steps[i].nonneg, step, fixed_step());
      steps_done();
      if (profile) std::fprintf(stderr, "         quantise %6.1f ms\n", ms(t0, now()));
      return q;
    };
    peak.assign(3, 255.f);
    at::Tensor q = requantize(0, input.contiguous(at::MemoryFormat::ChannelsLast));
    q = run8(0, q, true);
    q = run8(1, q, true);
    x = run8(2, q, false);
    for (size_t r = 0; r < 5; ++r) {
      q = run8(3 + 2 * r, requantize(3 + 2 * r, x), true);
      at::Tensor y = run8(4 + 2 * r, q, false);
      peak = add_max_abs(x, y);
    }
    q = run8(13, requantize(13, x), true);
    q = run8(14, q, true);
    x = run8(15, q, false);
  }
  if (net.upsampling() == TransformNet::Upsampling::Transposed) x = at::tanh(x) * 150.0 + 127.5;
  return x;
}

}  // namespace nst::fast
