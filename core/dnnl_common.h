// Helpers shared by the direct oneDNN paths (fast_dnnl.cpp, step_dnnl.cpp).
// Internal to core/; only included where NST_HAVE_DNNL (oneDNN 2.x).
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

}  // namespace nst::dnnl_common
