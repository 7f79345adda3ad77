// Times one optimisation step (forward to the deepest loss layer + backward to
// the image) of the engine's feature network in several compute variants, so
// that levers can be compared in one run on the same machine.
//   step_bench MODEL SIZE[,SIZE..] [REPS]
#include "losses.h"
#include "networks.h"

#include <torch/utils.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: step_bench MODEL SIZE[,SIZE..] [REPS]\n");
    return 2;
  }
  const std::string model = argv[1];
  std::vector<int> sizes;
  std::stringstream ss(argv[2]);
  for (std::string s; std::getline(ss, s, ',');) sizes.push_back(std::stoi(s));
  const int reps = argc > 3 ? std::atoi(argv[3]) : 3;
  at::set_num_threads(int(std::max(1u, std::thread::hardware_concurrency())));
  auto net = nst::load_network(model);
  const auto& info = net->info();
  std::vector<std::string> layers = info.default_content_layers;
  layers.insert(layers.end(), info.default_style_layers.begin(), info.default_style_layers.end());
  std::printf("model %s, threads %d, bf16 native %d\n", info.describe().c_str(), at::get_num_threads(),
              int(nst::cpu_has_bf16()));
  std::printf("%6s %-6s %10s %10s\n", "size", "prec", "fwd ms", "step ms");
  for (int size : sizes) {
    for (auto prec : {nst::Precision::Float32, nst::Precision::BFloat16}) {
      net->set_precision(prec);
      at::manual_seed(0);
      at::Tensor target_img = at::rand({1, 3, size, size});
      std::vector<at::Tensor> targets;
      {
        torch::NoGradGuard g;
        targets = net->features(target_img, layers);
      }
      at::Tensor x = at::rand({1, 3, size, size}).set_requires_grad(true);
      double fwd = 0, step = 0;
      for (int r = 0; r <= reps; ++r) {  // r == 0 warms up
        auto t0 = std::chrono::steady_clock::now();
        std::vector<at::Tensor> f;
        {
          torch::NoGradGuard g;
          f = net->features(x, layers);
        }
        auto t1 = std::chrono::steady_clock::now();
        f = net->features(x, layers);
        at::Tensor loss = nst::losses::content(f[0], targets[0]);
        for (size_t i = 1; i < f.size(); ++i) loss = loss + nst::losses::style(f[i], nst::losses::gram(targets[i]));
        loss.backward();
        auto t2 = std::chrono::steady_clock::now();
        if (r > 0) {
          fwd += std::chrono::duration<double, std::milli>(t1 - t0).count();
          step += std::chrono::duration<double, std::milli>(t2 - t1).count();
        }
      }
      std::printf("%6d %-6s %10.1f %10.1f\n", size, prec == nst::Precision::BFloat16 ? "bf16" : "fp32", fwd / reps,
                  step / reps);
      std::fflush(stdout);
    }
  }
}
