// winograd_bench [SIZE ...]: the 3x3 convolutions of the VGG-19 and Darknet-tiny
// optimisation steps at each image size (default 256 512 1024), each timed
// through oneDNN's direct kernel (NHWC fp32, ReLU fused, weights packed: what
// step_dnnl.cpp runs) and through winograd::conv3x3 in the same process:
// fastest of 5 after a warm-up, both on the same random input and weights,
// with the largest difference relative to the largest output; and the
// Winograd convolution with each tile size, F(4x4) and F(6x6), alternately,
// fastest of 7 (the engine uses winograd::preferred_tile). The threshold in step_dnnl.cpp's
// use_winograd() and the tile choice come from this table.
#include "dnnl_common.h"
#include "networks.h"
#include "process.h"
#include "winograd.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>
#include <tuple>
#include <vector>

namespace {

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Result {
  double direct_ms, wino_ms, rel_err;
  double tile_ms[2];  // F(4x4), F(6x6)
  int tile;           // the one the step uses here (winograd::call_tile)
};

Result measure(int64_t c, int64_t k, int64_t h, int64_t w) {
  const at::Tensor src = at::relu(at::randn({h, w, c})).contiguous();
  const at::Tensor wt = (at::randn({k, c, 3, 3}) * std::sqrt(2.0 / (9.0 * c))).contiguous();
  const at::Tensor bias = (at::randn({k}) * 0.1).contiguous();
  at::Tensor ref = at::empty({h, w, k}), out = at::empty({h, w, k});
  engine& eng = nst::dnnl_common::cpu_engine();
  stream s(eng);
  const memory::desc smd({1, c, h, w}, dt::f32, tag::nhwc), dmd({1, k, h, w}, dt::f32, tag::nhwc),
      wmd({k, c, 3, 3}, dt::f32, tag::any), bmd({k}, dt::f32, tag::x);
  const convolution_forward::primitive_desc pd = nst::dnnl_common::convolution_forward_pd(
      prop_kind::forward_inference, smd, wmd, bmd, dmd, {1, 1}, {1, 1}, {1, 1}, nst::dnnl_common::relu_post_op(0.f));
  memory sm(smd, eng, src.data_ptr<float>()), dm(dmd, eng, ref.data_ptr<float>()),
      bm(bmd, eng, bias.data_ptr<float>());
  memory wu({{k, c, 3, 3}, dt::f32, tag::oihw}, eng, wt.data_ptr<float>()), wm(pd.weights_desc(), eng);
  reorder(wu, wm).execute(s, wu, wm);
  s.wait();
  convolution_forward conv(pd);
  // Compact weights where the step keeps them so: their transform is part of every call.
  const bool compact = nst::winograd::keep_compact(c, k);
  const nst::winograd::Weights u = nst::winograd::transform(wt.data_ptr<float>(), k, c, compact);
  Result r{1e30, 1e30, 0, {1e30, 1e30}, nst::winograd::call_tile(u, h, w)};
  for (int rep = 0; rep < 6; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    conv.execute(s, {{DNNL_ARG_SRC, sm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_BIAS, bm}, {DNNL_ARG_DST, dm}});
    s.wait();
    if (rep) r.direct_ms = std::min(r.direct_ms, 1e3 * seconds_since(t0));
    t0 = std::chrono::steady_clock::now();
    nst::winograd::conv3x3(src.data_ptr<float>(), h, w, u, bias.data_ptr<float>(), true, 0.f, out.data_ptr<float>());
    if (rep) r.wino_ms = std::min(r.wino_ms, 1e3 * seconds_since(t0));
  }
  r.rel_err = (out - ref).abs().max().item<double>() / ref.abs().max().item<double>();
  // The two tiles alternately, so that this machine's drift falls on both alike.
  const nst::winograd::Weights ut[2] = {nst::winograd::transform(wt.data_ptr<float>(), k, c, compact, 4),
                                        nst::winograd::transform(wt.data_ptr<float>(), k, c, compact, 6)};
  for (int rep = 0; rep < 8; ++rep)
    for (int t = 0; t < 2; ++t) {
      const auto t0 = std::chrono::steady_clock::now();
      nst::winograd::conv3x3(src.data_ptr<float>(), h, w, ut[t], bias.data_ptr<float>(), true, 0.f, out.data_ptr<float>());
      if (rep) r.tile_ms[t] = std::min(r.tile_ms[t], 1e3 * seconds_since(t0));
    }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (!nst::winograd::available()) {
    std::printf("{\"unavailable\": \"Winograd is not used here (SIMD target %s)\"}\n", nst::winograd::target_name().c_str());
    return 0;
  }
  std::vector<int64_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoll(argv[i]));
  if (sizes.empty()) sizes = {256, 512, 1024};
  // As the engine runs: all cores (ATen's default may count physical cores only).
  at::set_num_threads(int(std::max(1u, std::thread::hardware_concurrency())));
  at::manual_seed(1);
  // As in the step: large buffers (compact weights' per-call transform) reused, not page-faulted in again.
  nst::use_huge_pages_for_large_tensors();
  // (in, out, downsampling) of the 3x3 convolutions before each network's
  // deepest default loss layer: VGG-19 to relu5_1, Darknet-tiny to leaky14.
  const std::vector<std::tuple<const char*, std::vector<std::tuple<int64_t, int64_t, int64_t>>>> nets = {
      {"VGG-19", {{64, 64, 1}, {64, 128, 2}, {128, 128, 2}, {128, 256, 4}, {256, 256, 4}, {256, 512, 8},
                  {512, 512, 8}, {512, 512, 16}}},
      {"Darknet-tiny", {{16, 32, 2}, {16, 128, 4}, {32, 256, 8}, {64, 512, 16}}}};
  std::printf("SIMD target %s\n\n", nst::winograd::target_name().c_str());
  std::printf("| network | size | conv (in -> out, pixels) | direct ms | Winograd ms | speed-up | rel. error | F(4x4) ms | F(6x6) ms | used |\n");
  std::printf("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
  std::map<std::tuple<int64_t, int64_t, int64_t>, Result> seen;
  for (const auto& [name, convs] : nets)
    for (int64_t size : sizes)
      for (const auto& [c, k, down] : convs) {
        const int64_t px = size / down;
        if (!nst::winograd::supports(c, k) || px < 1) continue;
        // each shape once per direction: the forward (c -> k) and the data gradient (k -> c)
        for (const auto& [ci, ko] : {std::pair{c, k}, std::pair{k, c}}) {
          if (!nst::winograd::supports(ci, ko)) continue;
          auto key = std::make_tuple(ci, ko, px);
          if (!seen.count(key)) seen[key] = measure(ci, ko, px, px);
          const Result& r = seen[key];
          std::printf("| %s | %lld | %lld -> %lld, %lldx%lld | %.2f | %.2f | %.2fx | %.1e | %.2f | %.2f | F(%dx%d) |\n", name,
                      (long long)size, (long long)ci, (long long)ko, (long long)px, (long long)px, r.direct_ms,
                      r.wino_ms, r.direct_ms / r.wino_ms, r.rel_err, r.tile_ms[0], r.tile_ms[1],
                      r.tile, r.tile);
          std::fflush(stdout);
        }
      }
  return 0;
}
