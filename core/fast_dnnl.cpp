// The transform network's inference path through oneDNN directly (float32,
// NHWC). LibTorch 1.13 reorders the weights into oneDNN's blocked layout on
// every convolution call and cannot express TensorFlow's asymmetric "same"
// padding or a cropped transposed convolution; here the weights are packed
// once per input size and the padding is part of each primitive.
#include "fast.h"

#include "dnnl_common.h"

#include <ATen/Parallel.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>

namespace nst::fast {
namespace {

using namespace dnnl_common;  // memory, tag, dt, cpu_engine, nhwc_tensor

// Copies NHWC src (h, w, c) into dst (H, W, c) = upsampled (x2 nearest when
// `up`) and reflection-padded by p on every side.
void pad_reflect_nhwc(const float* src, int64_t h, int64_t w, int64_t c, int64_t p, bool up, float* dst) {
  const int64_t uh = up ? 2 * h : h, uw = up ? 2 * w : w;
  const int64_t H = uh + 2 * p, W = uw + 2 * p;
  auto reflect = [](int64_t i, int64_t n) {
    if (i < 0) return -i;
    if (i >= n) return 2 * (n - 1) - i;
    return i;
  };
  at::parallel_for(0, H, 8, [&](int64_t y0, int64_t y1) {
    for (int64_t y = y0; y < y1; ++y) {
      const int64_t sy = reflect(y - p, uh) / (up ? 2 : 1);
      const float* srow = src + sy * w * c;
      float* drow = dst + y * W * c;
      for (int64_t x = 0; x < W; ++x) {
        const int64_t sx = reflect(x - p, uw) / (up ? 2 : 1);
        std::memcpy(drow + x * c, srow + sx * c, size_t(c) * sizeof(float));
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

void space_to_depth(const float* src, int64_t h, int64_t w, int64_t c, float* dst) {
  at::parallel_for(0, h / 2, 4, [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m)
      for (int64_t n = 0; n < w / 2; ++n)
        for (int b = 0; b < 4; ++b)
          std::memcpy(dst + ((m * (w / 2) + n) * 4 + b) * c, src + ((2 * m + b / 2) * w + 2 * n + b % 2) * c,
                      size_t(c) * sizeof(float));
  });
}

void depth_to_space(const float* src, int64_t h2, int64_t w2, int64_t c, float* dst) {
  at::parallel_for(0, h2, 4, [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m)
      for (int64_t n = 0; n < w2; ++n)
        for (int a = 0; a < 4; ++a)
          std::memcpy(dst + ((2 * m + a / 2) * 2 * w2 + 2 * n + a % 2) * c, src + ((m * w2 + n) * 4 + a) * c,
                      size_t(c) * sizeof(float));
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
};

struct Plan {
  int64_t h = 0, w = 0;
  std::vector<Step> steps;
};

struct Cache {
  std::mutex mu;
  std::map<std::pair<int64_t, int64_t>, std::shared_ptr<Plan>> plans;
};

memory::desc nhwc(int64_t c, int64_t h, int64_t w) { return memory::desc({1, c, h, w}, dt::f32, tag::nhwc); }

// st.prim: a stride-1 convolution from st.src to st.dst with weights w
// (OIHW, packed here once) and bias b, padding `before` rows/columns above
// and left and `after` below and right.
void pack_conv(Step& st, const at::Tensor& w, const at::Tensor& b, int64_t before, int64_t after) {
  dnnl::engine& eng = cpu_engine();
  dnnl::stream s(eng);
  const at::Tensor wc = w.contiguous(), bc = b.to(at::kFloat).contiguous();
  const memory::dims wdims{wc.size(0), wc.size(1), wc.size(2), wc.size(3)};
  memory::desc bias_md({wc.size(0)}, dt::f32, tag::x);
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, st.src,
                                    memory::desc(wdims, dt::f32, tag::any), bias_md, st.dst, {1, 1},
                                    {before, before}, {after, after});
  dnnl::convolution_forward::primitive_desc pd(d, eng);
  st.prim = dnnl::convolution_forward(pd);
  memory wu(memory::desc(wdims, dt::f32, tag::oihw), eng, const_cast<float*>(wc.data_ptr<float>()));
  st.weights = memory(pd.weights_desc(), eng);
  dnnl::reorder(wu, st.weights).execute(s, wu, st.weights);
  st.bias = memory(bias_md, eng);
  std::memcpy(st.bias.get_data_handle(), bc.data_ptr<float>(), size_t(wc.size(0)) * sizeof(float));
  s.wait();
}

std::shared_ptr<Plan> make_plan(const TransformNet& net, int64_t h, int64_t w) {
  auto plan = std::make_shared<Plan>();
  plan->h = h;
  plan->w = w;
  dnnl::engine& eng = cpu_engine();
  dnnl::stream s(eng);
  const bool transposed_net = net.upsampling() == TransformNet::Upsampling::Transposed;
  int64_t ch = 3, ih = h, iw = w;
  for (const Layer& l : net.layers()) {
    Step st;
    st.in_h = ih;
    st.in_w = iw;
    st.in_c = ch;
    const int64_t k = l.kernel;
    at::Tensor wt = l.transposed ? l.transposed_weight : l.weight;
    const int64_t oc = l.transposed ? wt.size(1) : wt.size(0);
    memory::dims strides{l.stride, l.stride}, pl, pr;
    int64_t ch_in = ch, sh = ih, sw = iw;
    if (!transposed_net) {
      st.up = l.upsample;
      st.pad = k / 2;
      sh = (l.upsample ? 2 * ih : ih) + 2 * st.pad;
      sw = (l.upsample ? 2 * iw : iw) + 2 * st.pad;
      pl = {0, 0};
      pr = {0, 0};
    } else if (l.transposed) {
      pl = {0, 0};
      pr = {1, 1};  // TF "same": the full 2H+1 output without its last row/column
    } else if (l.stride == 1) {
      pl = {k / 2, k / 2};
      pr = {k / 2, k / 2};
    } else {
      const int64_t th = std::max<int64_t>(k - (ih % 2 ? 1 : 2), 0), tw = std::max<int64_t>(k - (iw % 2 ? 1 : 2), 0);
      pl = {th / 2, tw / 2};
      pr = {th - th / 2, tw - tw / 2};
    }
    st.pad_h = sh;
    st.pad_w = sw;
    st.s2d = k == 9 && l.stride == 1 && oc <= 4 && sh % 2 == 0 && sw % 2 == 0 &&
             std::getenv("NST_FAST_NO_S2D") == nullptr;
    if (st.s2d) {
      const int64_t p2 = pl[0] / 2;
      st.src = nhwc(4 * ch_in, sh / 2, sw / 2);
      const int64_t oh2 = sh / 2 + 2 * p2 - 4, ow2 = sw / 2 + 2 * p2 - 4;
      st.dst = nhwc(4 * oc, oh2, ow2);
      pack_conv(st, s2d_weight(wt.to(at::kFloat)), (l.bias.defined() ? l.bias : at::zeros({oc})).repeat({4}), p2, p2);
      st.out_h = 2 * oh2;
      st.out_w = 2 * ow2;
      st.out_c = oc;
      plan->steps.push_back(std::move(st));
      ch = oc;
      ih = 2 * oh2;
      iw = 2 * ow2;
      continue;
    }
    // The transposed convolution as the sub-pixel 2x2 convolution of fast.cpp
    // (subpixel_weight: window one row/column before, channels o*4 + phase),
    // reordered phase-major for depth_to_space: as fast as oneDNN 2.6's
    // deconvolution here, with 569 instead of 721 MB peak at 1024 px.
    if (l.transposed && std::getenv("NST_FAST_DECONV") == nullptr) {
      st.subpixel = true;
      st.src = nhwc(ch_in, ih, iw);
      st.dst = nhwc(4 * oc, ih, iw);
      pack_conv(st,
                l.weight.to(at::kFloat).reshape({oc, 4, ch_in, 2, 2}).transpose(0, 1).reshape({4 * oc, ch_in, 2, 2}),
                (l.bias.defined() ? l.bias.to(at::kFloat) : at::zeros({oc})).repeat({4}), 1, 0);
      st.out_h = 2 * ih;
      st.out_w = 2 * iw;
      st.out_c = oc;
      plan->steps.push_back(std::move(st));
      ch = oc;
      ih *= 2;
      iw *= 2;
      continue;
    }
    int64_t oh, ow;
    if (l.transposed) {
      oh = 2 * ih;
      ow = 2 * iw;
    } else {
      oh = (sh + pl[0] + pr[0] - k) / l.stride + 1;
      ow = (sw + pl[1] + pr[1] - k) / l.stride + 1;
    }
    st.src = nhwc(ch_in, sh, sw);
    st.dst = nhwc(oc, oh, ow);
    memory::desc bias_md({oc}, dt::f32, tag::x);
    memory::desc wany({oc, ch_in, k, k}, dt::f32, tag::any);
    at::Tensor wsrc = wt.contiguous();
    at::Tensor bsrc = l.bias.defined() ? l.bias.contiguous() : at::zeros({oc});
    memory::desc wuser({oc, ch_in, k, k}, dt::f32, l.transposed ? tag::iohw : tag::oihw);
    memory::desc wpacked;
    if (l.transposed) {
      dnnl::deconvolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct,
                                          st.src, wany, bias_md, st.dst, strides, pl, pr);
      dnnl::deconvolution_forward::primitive_desc pd(d, eng);
      st.prim = dnnl::deconvolution_forward(pd);
      wpacked = pd.weights_desc();
    } else {
      dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                        st.src, wany, bias_md, st.dst, strides, pl, pr);
      dnnl::convolution_forward::primitive_desc pd(d, eng);
      st.prim = dnnl::convolution_forward(pd);
      wpacked = pd.weights_desc();
    }
    memory wu(wuser, eng, wsrc.data_ptr<float>());
    st.weights = memory(wpacked, eng);
    dnnl::reorder(wu, st.weights).execute(s, wu, st.weights);
    st.bias = memory(bias_md, eng);
    std::memcpy(st.bias.get_data_handle(), bsrc.data_ptr<float>(), size_t(oc) * sizeof(float));
    st.out_h = oh;
    st.out_w = ow;
    st.out_c = oc;
    plan->steps.push_back(std::move(st));
    ch = oc;
    ih = oh;
    iw = ow;
  }
  s.wait();
  return plan;
}

}  // namespace

at::Tensor forward_dnnl(const TransformNet& net, const at::Tensor& input, NormStats* record, const NormStats* use) {
  if (input.size(0) != 1 || input.scalar_type() != at::kFloat) throw Error("oneDNN path: expected one float32 image");
  if (!net.dnnl_) net.dnnl_ = std::make_shared<Cache>();
  auto* cache = static_cast<Cache*>(net.dnnl_.get());
  const int64_t h = input.size(2), w = input.size(3);
  std::shared_ptr<Plan> plan;
  {
    std::lock_guard<std::mutex> lock(cache->mu);
    auto it = cache->plans.find({h, w});
    if (it == cache->plans.end()) {
      if (cache->plans.size() >= 3) cache->plans.clear();  // tiles come in a few sizes at most
      it = cache->plans.emplace(std::make_pair(h, w), make_plan(net, h, w)).first;
    }
    plan = it->second;
  }
  dnnl::engine& eng = cpu_engine();
  dnnl::stream s(eng);
  const auto& layers = net.layers();
  size_t norm_i = 0;
  static const bool profile = std::getenv("NST_FAST_PROFILE") != nullptr;
  auto now = [] { return std::chrono::steady_clock::now(); };
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  auto run = [&](size_t i, const at::Tensor& x) {
    const auto t0 = now();
    const Step& st = plan->steps[i];
    at::Tensor src = x.contiguous(at::MemoryFormat::ChannelsLast);
    if (st.pad > 0 || st.up) {
      at::Tensor padded = nhwc_tensor(st.in_c, st.pad_h, st.pad_w);
      pad_reflect_nhwc(src.data_ptr<float>(), st.in_h, st.in_w, st.in_c, st.pad, st.up, padded.data_ptr<float>());
      src = padded;
    }
    at::Tensor dst = nhwc_tensor(st.out_c, st.out_h, st.out_w);
    if (st.s2d) {
      const int64_t sh = src.size(2), sw = src.size(3);
      at::Tensor blocks = nhwc_tensor(4 * src.size(1), sh / 2, sw / 2);
      space_to_depth(src.data_ptr<float>(), sh, sw, src.size(1), blocks.data_ptr<float>());
      at::Tensor out2 = nhwc_tensor(4 * st.out_c, st.out_h / 2, st.out_w / 2);
      memory sm(st.src, eng, blocks.data_ptr<float>()), dm(st.dst, eng, out2.data_ptr<float>());
      st.prim.execute(s, {{DNNL_ARG_SRC, sm}, {DNNL_ARG_WEIGHTS, st.weights}, {DNNL_ARG_BIAS, st.bias}, {DNNL_ARG_DST, dm}});
      s.wait();
      depth_to_space(out2.data_ptr<float>(), st.out_h / 2, st.out_w / 2, st.out_c, dst.data_ptr<float>());
    } else if (st.subpixel) {
      at::Tensor out4 = nhwc_tensor(4 * st.out_c, st.in_h, st.in_w);
      memory sm(st.src, eng, src.data_ptr<float>()), dm(st.dst, eng, out4.data_ptr<float>());
      st.prim.execute(s, {{DNNL_ARG_SRC, sm}, {DNNL_ARG_WEIGHTS, st.weights}, {DNNL_ARG_BIAS, st.bias}, {DNNL_ARG_DST, dm}});
      s.wait();
      depth_to_space(out4.data_ptr<float>(), st.in_h, st.in_w, st.out_c, dst.data_ptr<float>());
    } else {
      memory sm(st.src, eng, src.data_ptr<float>()), dm(st.dst, eng, dst.data_ptr<float>());
      st.prim.execute(s, {{DNNL_ARG_SRC, sm}, {DNNL_ARG_WEIGHTS, st.weights}, {DNNL_ARG_BIAS, st.bias}, {DNNL_ARG_DST, dm}});
      s.wait();
    }
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
  for (size_t i = 0; i < 3; ++i) x = run(i, x);
  for (size_t r = 0; r < 5; ++r) {
    at::Tensor y = run(4 + 2 * r, run(3 + 2 * r, x));
    x = y.add_(x);
  }
  for (size_t i = 13; i < 16; ++i) x = run(i, x);
  if (net.upsampling() == TransformNet::Upsampling::Transposed) x = at::tanh(x) * 150.0 + 127.5;
  return x;
}

}  // namespace nst::fast
