// Benchmark of the feed-forward style network: one configuration per run
// (bench/run.sh runs each in its own process so peak memory is its own).
// Prints one JSON line: milliseconds per image (median of the timed runs)
// and the process's peak resident memory.
//
//   fast_bench --model DIR|FILE|random --size PX --precision fp32|bf16|int8|auto
//              [--layout nchw|nhwc] [--api] [--runs N] [--threads N]
//
// --api times nst::FastModel::stylize on an Image (what the plug-in and the
// CLI call: conversions, padding and clamping included); otherwise the
// network's forward pass on a tensor. `random`: a TransformerNet (nearest
// upsampling) with random weights. int8: every convolution in int8
// (oneDNN, VNNI); auto: what FastOptions picks (--api only).
#include "fast.h"
#include "nst.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::string model = "random", precision = "fp32", layout = "nhwc";
  int size = 512, runs = 5, threads = 2;
  bool api = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--model") model = next();
    else if (a == "--size") size = std::stoi(next());
    else if (a == "--precision") precision = next();
    else if (a == "--layout") layout = next();
    else if (a == "--runs") runs = std::stoi(next());
    else if (a == "--threads") threads = std::stoi(next());
    else if (a == "--api") api = true;
    else { std::fprintf(stderr, "fast_bench: unknown option %s\n", a.c_str()); return 2; }
  }
  at::set_num_threads(threads);
  const double base_mb = nst::peak_memory_bytes() / 1048576.0;
  std::vector<double> ms;
  const at::ScalarType dtype = precision == "bf16" ? at::kBFloat16 : at::kFloat;
  if (api) {
    std::string path = model;
    if (model == "random") {  // FastModel loads files: save the random network first
      path = "/tmp/fast_bench_random.pth";
      nst::fast::save(*nst::fast::create(32, 1), path);
    }
    nst::FastModel m(path);
    nst::Image img(size, size, 3);
    for (size_t i = 0; i < img.data.size(); ++i) img.data[i] = float((i * 2654435761u) % 1000) / 1000.f;
    nst::FastOptions o;
    o.precision = precision == "int8"   ? nst::Precision::Int8
                  : precision == "auto" ? nst::Precision::Auto
                  : dtype == at::kBFloat16 ? nst::Precision::BFloat16
                                           : nst::Precision::Float32;
    o.threads = threads;
    o.tile = std::max(size, 1024);
    for (int r = 0; r < runs + 1; ++r) {
      auto t = std::chrono::steady_clock::now();
      nst::Image out = m.stylize(img, o);
      if (r > 0) ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    }
  } else {
    auto net = model == "random" ? nst::fast::create(32, 1) : nst::fast::load(model);
    c10::InferenceMode guard;
    at::Tensor x = at::rand({1, 3, size, size}) * 255;
    for (int r = 0; r < runs + 1; ++r) {
      auto t = std::chrono::steady_clock::now();
      at::Tensor in = x.to(dtype);
      if (layout == "nhwc") in = in.contiguous(at::MemoryFormat::ChannelsLast);
#if NST_HAVE_DNNL
      at::Tensor y = precision == "int8" ? nst::fast::forward_dnnl(*net, in, nullptr, nullptr, true)
                                         : net->forward(in).to(at::kFloat).contiguous();
#else
      if (precision == "int8") { std::fprintf(stderr, "fast_bench: int8 needs a build with oneDNN\n"); return 1; }
      at::Tensor y = net->forward(in).to(at::kFloat).contiguous();
#endif
      if (r > 0) ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    }
  }
  std::sort(ms.begin(), ms.end());
  std::printf("{\"impl\": \"cpp\", \"model\": \"%s\", \"size\": %d, \"precision\": \"%s\", \"layout\": \"%s\", \"api\": %s, "
              "\"ms_median\": %.1f, \"ms_min\": %.1f, \"peak_rss_mb\": %.0f, \"start_rss_mb\": %.0f}\n",
              model.c_str(), size, precision.c_str(), layout.c_str(), api ? "true" : "false", ms[ms.size() / 2],
              ms.front(), nst::peak_memory_bytes() / 1048576.0, base_mb);
  return 0;
}
