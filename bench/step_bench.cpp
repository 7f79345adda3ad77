// Times one optimisation step (forward to the deepest loss layer + backward to
// the image, with the engine's losses) of the engine's feature network, one
// compute variant per call so that the peak memory is the variant's own.
//   step_bench MODEL SIZE REPS VARIANT    VARIANT: aten-fp32, aten-bf16, direct-fp32, direct-bf16, auto,
//                                         direct-fp32-nowinograd (oneDNN's direct kernels for every convolution)
//   step_bench --peak                     fp32 and bf16 matmul GFLOP/s (oneDNN, else ATen)
// Prints one JSON line. bench/run_step_bench.sh runs it next to the Python reference.
#include "cpu.h"
#include "losses.h"
#include "networks.h"
#include "nst.h"

#include <torch/utils.h>
#ifdef NST_HAVE_DNNL
#include "dnnl_common.h"
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// GFLOP/s of an n x n x n matmul (best of a few runs).
double matmul_gflops(bool bf16, int64_t n) {
  double best = 1e30;
#ifdef NST_HAVE_DNNL
  using namespace dnnl;
  engine& eng = nst::dnnl_common::cpu_engine();
  stream s(eng);
  const auto t = bf16 ? memory::data_type::bf16 : memory::data_type::f32;
  memory::desc a({n, n}, t, memory::format_tag::ab), b({n, n}, t, memory::format_tag::any),
      c({n, n}, memory::data_type::f32, memory::format_tag::ab);
  const matmul::primitive_desc pd = nst::dnnl_common::matmul_pd(a, b, c);
  memory am(a, eng), bm(pd.weights_desc(), eng), cm(c, eng);
  std::memset(am.get_data_handle(), 0, a.get_size());
  std::memset(bm.get_data_handle(), 0, pd.weights_desc().get_size());
  matmul mm(pd);
  for (int r = 0; r < 6; ++r) {
    auto t0 = Clock::now();
    mm.execute(s, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
    s.wait();
    if (r) best = std::min(best, ms_since(t0));
  }
#else
  at::Tensor a = at::rand({n, n}).to(bf16 ? at::kBFloat16 : at::kFloat), b = at::rand({n, n}).to(a.scalar_type());
  for (int r = 0; r < 6; ++r) {
    auto t0 = Clock::now();
    at::Tensor c = at::matmul(a, b);
    if (r) best = std::min(best, ms_since(t0));
  }
#endif
  return 2.0 * n * n * n / (best / 1000) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  at::set_num_threads(int(std::max(1u, std::thread::hardware_concurrency())));
  if (argc == 2 && std::strcmp(argv[1], "--peak") == 0) {
    std::printf("{\"threads\": %d, \"fp32_gflops\": %.1f, \"bf16_gflops\": %.1f, \"bf16_native\": %d}\n",
                at::get_num_threads(), matmul_gflops(false, 2048),
                nst::cpu::has_bf16() ? matmul_gflops(true, 2048) : 0.0, int(nst::cpu::has_bf16()));
    return 0;
  }
  if (argc < 5) {
    std::fprintf(stderr, "usage: step_bench MODEL SIZE REPS aten-fp32|aten-bf16|direct-fp32|direct-bf16|auto|"
                         "direct-fp32-nowinograd\n"
                         "       step_bench --peak\n");
    return 2;
  }
  const std::string model = argv[1], variant = argv[4];
  const int size = std::atoi(argv[2]), reps = std::max(1, std::atoi(argv[3]));
  if (variant.find("nowinograd") != std::string::npos) setenv("NST_WINOGRAD", "0", 1);  // read at the first plan
  auto net = nst::load_network(model);
  const auto& info = net->info();
  std::vector<std::string> layers = info.default_content_layers;
  layers.insert(layers.end(), info.default_style_layers.begin(), info.default_style_layers.end());
  const size_t nc = info.default_content_layers.size();
  if (variant == "auto") {
    net->set_precision(nst::Precision::Auto);
  } else {
    const bool direct = variant.rfind("direct", 0) == 0;
    if (direct && !nst::FeatureNet::direct_available()) {
      std::printf("{\"variant\": \"%s\", \"unavailable\": true}\n", variant.c_str());
      return 0;
    }
    net->set_direct(direct);
    if (variant.find("bf16") != std::string::npos && !nst::cpu::has_bf16()) {
      std::printf("{\"variant\": \"%s\", \"unavailable\": true, \"why\": \"no bf16: %s\"}\n", variant.c_str(),
                  nst::cpu::describe().c_str());
      return 0;
    }
    net->set_precision(variant.find("bf16") != std::string::npos ? nst::Precision::BFloat16 : nst::Precision::Float32);
  }
  at::manual_seed(0);
  // As the engine: the style layers come back as Gram matrices.
  std::vector<bool> grams(layers.size(), true);
  std::fill(grams.begin(), grams.begin() + nc, false);
  std::vector<at::Tensor> targets;
  {
    torch::NoGradGuard g;
    targets = net->features(at::rand({1, 3, size, size}), layers, grams);
  }
  at::Tensor x = at::rand({1, 3, size, size}).set_requires_grad(true);
  std::vector<double> fwd, step;
  for (int r = 0; r <= reps; ++r) {  // r == 0 warms up
    auto t0 = Clock::now();
    {
      torch::NoGradGuard g;
      net->features(x, layers);
    }
    const double f_ms = ms_since(t0);
    t0 = Clock::now();
    if (x.grad().defined()) x.mutable_grad().zero_();
    std::vector<at::Tensor> f = net->features(x, layers, grams);
    at::Tensor loss = nst::losses::content(f[0], targets[0]);
    for (size_t i = nc; i < f.size(); ++i) loss = loss + at::mse_loss(f[i], targets[i]);
    loss.backward();
    const double s_ms = ms_since(t0);
    if (r > 0) {
      fwd.push_back(f_ms);
      step.push_back(s_ms);
    }
  }
  std::sort(step.begin(), step.end());
  std::printf("{\"variant\": \"%s\", \"size\": %d, \"threads\": %d, \"precision\": \"%s\", \"direct\": %d, "
              "\"fwd_ms\": %.1f, \"step_ms\": %.1f, \"step_ms_median\": %.1f, \"peak_rss_mb\": %.1f}\n",
              variant.c_str(), size, at::get_num_threads(),
              net->precision() == nst::Precision::BFloat16 ? "bf16" : "fp32", int(net->direct()),
              *std::min_element(fwd.begin(), fwd.end()), step.front(), step[step.size() / 2], nst::peak_memory_bytes() / 1048576.0);
}
