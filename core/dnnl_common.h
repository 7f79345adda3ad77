// Helpers shared by the direct oneDNN paths (fast_dnnl.cpp, step_dnnl.cpp).
// Internal to core/; only included where NST_HAVE_DNNL (oneDNN 2.x, as
// Debian 12's LibTorch 1.13 uses, or 3.x, as Debian 13's LibTorch 2.6 does).
#pragma once

#include <ATen/ATen.h>
#include <oneapi/dnnl/dnnl.hpp>

namespace nst::dnnl_common {

using memory = dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// The process's oneDNN CPU engine.
inline dnnl::engine& cpu_engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// An uninitialised (1, c, h, w) channels-last tensor: NHWC memory for oneDNN.
inline at::Tensor nhwc_tensor(int64_t c, int64_t h, int64_t w, at::ScalarType type = at::kFloat) {
  return at::empty({1, c, h, w}, at::TensorOptions().dtype(type).memory_format(at::MemoryFormat::ChannelsLast));
}

// Primitive descriptors, one argument list for both oneDNN versions: 2.x
// makes them from an operation descriptor, 3.x from the same arguments given
// directly (engine first, attributes last), and 3.x's post-op eltwise has no
// scale.
#if DNNL_VERSION_MAJOR >= 3
#define NST_DNNL3 1
#else
#define NST_DNNL3 0
#endif

// A convolution (a zero bias descriptor: none).
inline dnnl::convolution_forward::primitive_desc convolution_forward_pd(
    dnnl::prop_kind prop, const memory::desc& src, const memory::desc& weights, const memory::desc& bias,
    const memory::desc& dst, const memory::dims& strides, const memory::dims& pad_l, const memory::dims& pad_r,
    const dnnl::primitive_attr& attr = dnnl::primitive_attr()) {
  const auto alg = dnnl::algorithm::convolution_direct;
  dnnl::engine& eng = cpu_engine();
#if NST_DNNL3
  if (bias.is_zero()) return {eng, prop, alg, src, weights, dst, strides, pad_l, pad_r, attr};
  return {eng, prop, alg, src, weights, bias, dst, strides, pad_l, pad_r, attr};
#else
  if (bias.is_zero()) return {{prop, alg, src, weights, dst, strides, pad_l, pad_r}, attr, eng};
  return {{prop, alg, src, weights, bias, dst, strides, pad_l, pad_r}, attr, eng};
#endif
}

// The gradient of a convolution's input.
inline dnnl::convolution_backward_data::primitive_desc convolution_backward_data_pd(
    const memory::desc& diff_src, const memory::desc& weights, const memory::desc& diff_dst,
    const memory::dims& strides, const memory::dims& pad_l, const memory::dims& pad_r,
    const dnnl::convolution_forward::primitive_desc& forward) {
  const auto alg = dnnl::algorithm::convolution_direct;
#if NST_DNNL3
  return {cpu_engine(), alg, diff_src, weights, diff_dst, strides, pad_l, pad_r, forward};
#else
  return {{alg, diff_src, weights, diff_dst, strides, pad_l, pad_r}, cpu_engine(), forward};
#endif
}

// A transposed convolution with bias, for inference.
inline dnnl::deconvolution_forward::primitive_desc deconvolution_forward_pd(
    const memory::desc& src, const memory::desc& weights, const memory::desc& bias, const memory::desc& dst,
    const memory::dims& strides, const memory::dims& pad_l, const memory::dims& pad_r) {
  const auto prop = dnnl::prop_kind::forward_inference;
  const auto alg = dnnl::algorithm::deconvolution_direct;
#if NST_DNNL3
  return {cpu_engine(), prop, alg, src, weights, bias, dst, strides, pad_l, pad_r};
#else
  return {{prop, alg, src, weights, bias, dst, strides, pad_l, pad_r}, cpu_engine()};
#endif
}

// (Leaky) ReLU with slope alpha below zero, for training, and its backward,
// which takes the forward's data descriptor md for every tensor.
inline dnnl::eltwise_forward::primitive_desc relu_forward_pd(const memory::desc& md, float alpha) {
  const auto prop = dnnl::prop_kind::forward_training;
  const auto alg = dnnl::algorithm::eltwise_relu;
#if NST_DNNL3
  return {cpu_engine(), prop, alg, md, md, alpha, 0.f};
#else
  return {{prop, alg, md, alpha, 0.f}, cpu_engine()};
#endif
}
inline dnnl::eltwise_backward::primitive_desc relu_backward_pd(const memory::desc& md, float alpha,
                                                               const dnnl::eltwise_forward::primitive_desc& forward) {
  const auto alg = dnnl::algorithm::eltwise_relu;
#if NST_DNNL3
  return {cpu_engine(), alg, md, md, md, alpha, 0.f, forward};
#else
  return {{alg, md, md, alpha, 0.f}, cpu_engine(), forward};
#endif
}

// Attributes that apply (leaky) ReLU to a primitive's output.
inline dnnl::primitive_attr relu_post_op(float alpha) {
  dnnl::post_ops po;
#if NST_DNNL3
  po.append_eltwise(dnnl::algorithm::eltwise_relu, alpha, 0.f);
#else
  po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, alpha, 0.f);
#endif
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  return attr;
}

// Pooling without dilation, for training, and its backward.
inline dnnl::pooling_forward::primitive_desc pooling_forward_pd(dnnl::algorithm alg, const memory::desc& src,
                                                                const memory::desc& dst, const memory::dims& strides,
                                                                const memory::dims& kernel, const memory::dims& pad_l,
                                                                const memory::dims& pad_r) {
  const auto prop = dnnl::prop_kind::forward_training;
#if NST_DNNL3
  return {cpu_engine(), prop, alg, src, dst, strides, kernel, memory::dims(strides.size(), 0), pad_l, pad_r};
#else
  return {{prop, alg, src, dst, strides, kernel, pad_l, pad_r}, cpu_engine()};
#endif
}
inline dnnl::pooling_backward::primitive_desc pooling_backward_pd(dnnl::algorithm alg, const memory::desc& diff_src,
                                                                  const memory::desc& diff_dst,
                                                                  const memory::dims& strides,
                                                                  const memory::dims& kernel,
                                                                  const memory::dims& pad_l, const memory::dims& pad_r,
                                                                  const dnnl::pooling_forward::primitive_desc& forward) {
#if NST_DNNL3
  return {cpu_engine(), alg, diff_src, diff_dst, strides, kernel, memory::dims(strides.size(), 0), pad_l, pad_r,
          forward};
#else
  return {{alg, diff_src, diff_dst, strides, kernel, pad_l, pad_r}, cpu_engine(), forward};
#endif
}

// A matrix product (bench/step_bench.cpp's peak measurement).
inline dnnl::matmul::primitive_desc matmul_pd(const memory::desc& src, const memory::desc& weights,
                                              const memory::desc& dst) {
#if NST_DNNL3
  return {cpu_engine(), src, weights, dst};
#else
  return {{src, weights, dst}, cpu_engine()};
#endif
}

}  // namespace nst::dnnl_common
