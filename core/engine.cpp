// Optimisation-based style transfer (Gatys et al.) on a FeatureNet.
#include "losses.h"
#include "networks.h"
#include "nst.h"

#include <ATen/ATen.h>
#include <torch/optim/adam.h>
#include <torch/optim/lbfgs.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

namespace nst {
namespace {

using Clock = std::chrono::steady_clock;

// Coarser sizes of coarse-to-fine (TransferOptions::coarse_iterations): measured in
// bench/run_step_bench.sh's time to loss (README, "Speed of the optimisation").
constexpr int kCoarseLevels = 2;

at::Tensor to_tensor(const Image& rgb) {
  at::Tensor t = at::from_blob(const_cast<float*>(rgb.data.data()), {rgb.height, rgb.width, 3}, at::kFloat);
  return t.permute({2, 0, 1}).unsqueeze(0).contiguous();
}

Image to_image(const at::Tensor& x) {
  at::Tensor t = x.detach().squeeze(0).clamp(0, 1).permute({1, 2, 0}).contiguous();
  Image img(int(t.size(1)), int(t.size(0)), 3);
  std::copy(t.data_ptr<float>(), t.data_ptr<float>() + img.data.size(), img.data.begin());
  return img;
}

double available_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  double kb = 0;
  while (f >> key >> kb) {
    if (key == "MemAvailable:") return kb * 1024;
    f.ignore(256, '\n');
  }
  return 0;  // unknown
}

std::string gib(double bytes) {
  std::ostringstream s;
  s.precision(bytes < 10.0 * (1 << 30) ? 2 : 3);
  s << bytes / double(1 << 30) << " GiB";
  return s.str();
}

}  // namespace

TransferResult transfer(const Image& content_in, const Image& style_in, const TransferOptions& opt,
                        const ProgressFn& progress, const std::atomic<bool>* cancel,
                        const std::atomic<bool>* finish_now) {
  const auto t0 = Clock::now();
  if (content_in.empty() || content_in.width <= 0 || content_in.height <= 0) throw Error("the content image is empty");
  if (style_in.empty() || style_in.width <= 0 || style_in.height <= 0) throw Error("the style image is empty");
  if (opt.iterations < 1) throw Error("iterations must be at least 1");
  if (opt.size < 32) throw Error("working size must be at least 32 pixels (got " + std::to_string(opt.size) + ")");
  if (opt.threads > 0) at::set_num_threads(opt.threads);
  else at::set_num_threads(int(std::max(1u, std::thread::hardware_concurrency())));

  std::unique_ptr<FeatureNet> net = load_network(opt.model.empty() ? default_model() : opt.model, opt.preprocess);
  net->set_pooling(opt.pooling);
  net->set_precision(opt.precision);
  const ModelInfo& info = net->info();

  const std::vector<std::string> style_layers = opt.style_layers.empty() ? info.default_style_layers : opt.style_layers;
  const std::vector<std::string> content_layers = opt.content_layers.empty() ? info.default_content_layers : opt.content_layers;
  std::vector<double> layer_w = opt.style_layer_weights;
  if (layer_w.empty()) layer_w.assign(style_layers.size(), 1.0);
  if (layer_w.size() != style_layers.size())
    throw Error("got " + std::to_string(layer_w.size()) + " style layer weights for " +
                std::to_string(style_layers.size()) + " style layers");
  const double cw = opt.content_weight >= 0 ? opt.content_weight : info.default_content_weight;
  const double sw = opt.style_weight >= 0 ? opt.style_weight : info.default_style_weight;
  const double tvw = opt.tv_weight >= 0 ? opt.tv_weight : info.default_tv_weight;
  std::vector<std::string> all_layers = content_layers;
  all_layers.insert(all_layers.end(), style_layers.begin(), style_layers.end());
  for (const auto& l : all_layers) net->index_of(l);  // validates names
  std::vector<bool> gram_flags(all_layers.size(), true), all_grams(style_layers.size(), true);
  std::fill(gram_flags.begin(), gram_flags.begin() + content_layers.size(), false);

  // Working size: the longest side becomes opt.size; never upscale the content.
  const double scale = std::min(1.0, double(opt.size) / std::max(content_in.width, content_in.height));
  const int ww = std::max(1, int(std::lround(content_in.width * scale)));
  const int wh = std::max(1, int(std::lround(content_in.height * scale)));
  const double need = net->estimate_step_bytes(ww, wh, all_layers);
  const double avail = available_bytes();
  if (avail > 0 && need > avail)
    throw Error("working size " + std::to_string(ww) + "x" + std::to_string(wh) + " needs about " + gib(need) +
                " of memory with " + info.describe() + ", but only " + gib(avail) +
                " is available: choose a smaller working size");

  const Image content_full = resize(convert_channels(content_in, 3), ww, wh);
  const Image style_3 = convert_channels(style_in, 3);
  const double lr = opt.learning_rate > 0 ? opt.learning_rate : (opt.optimizer == Optimizer::LBFGS ? 1.0 : 0.02);
  // Coarse-to-fine: first opt.coarse_iterations at each of up to kCoarseLevels
  // coarser sizes (halving, while the shorter side stays >= 32 px), coarsest
  // first; an iteration at half size costs about a quarter. Each level's
  // result starts the next (see `run`).
  std::vector<std::pair<int, int>> coarse_sizes;  // finest first
  for (int f = 2; opt.coarse_iterations > 0 && int(coarse_sizes.size()) < kCoarseLevels; f *= 2) {
    const int w = (ww + f - 1) / f, h = (wh + f - 1) / f;
    if (std::min(w, h) < 32) break;
    coarse_sizes.emplace_back(w, h);
  }
  const int levels = int(coarse_sizes.size());
  // The start image at full size (content, noise or the init image), before any level resizes it.
  Image init_full;
  if (opt.init == Init::Image) {
    if (opt.init_image.empty()) throw Error("init is 'image' but no init image was given");
    init_full = convert_channels(load_image(opt.init_image), 3);
  }

  TransferResult result;
  result.model = info;
  result.work_width = ww;
  result.work_height = wh;
  result.precision = net->precision();
  Progress p;
  p.iterations = opt.iterations + levels * opt.coarse_iterations;
  Image preview;
  int done = 0;
  bool stop = false;
  at::Tensor x, prev_start;

  // Runs `iterations` optimiser steps at w x h starting from `x` (undefined: from opt.init).
  auto run = [&](int w, int h, int iterations, bool full) {
    const Image content_rgb = w == ww && h == wh ? content_full : resize(content_full, w, h);
    const double sscale = double(std::max(w, h)) / std::max(style_in.width, style_in.height);
    const Image style_rgb = resize(style_3, std::max(1, int(std::lround(style_in.width * sscale))),
                                   std::max(1, int(std::lround(style_in.height * sscale))));
    const at::Tensor content_t = to_tensor(content_rgb);
    std::vector<at::Tensor> content_targets, style_targets;
    {
      torch::NoGradGuard no_grad;
      content_targets = net->features(content_t, content_layers);
      for (auto& t : content_targets) t = t.detach();
      for (const at::Tensor& g : net->features(to_tensor(style_rgb), style_layers, all_grams))
        style_targets.push_back(g.detach());
    }
    // The level's own start image (content, noise or the init image at this size).
    at::Tensor start;
    switch (opt.init) {
      case Init::Content: start = content_t; break;
      case Init::Noise:  // only the first level starts from noise (see below)
        if (!x.defined()) start = at::rand({1, 3, h, w}, at::detail::createCPUGenerator(opt.seed), at::kFloat);
        break;
      case Init::Image: start = to_tensor(resize(init_full, w, h)); break;
    }
    if (x.defined()) {
      // From a coarser level: its change to its own start image, upsampled, on this level's
      // start image. The fine detail of the content (or init image) stays; upsampling the
      // coarse result itself blurs it and the first fine iterations spend themselves on
      // restoring it. A noise start is not kept: the coarse result is upsampled as it is.
      at::Tensor change = opt.init == Init::Noise ? x.detach() : x.detach() - prev_start;
      change = at::upsample_bicubic2d(change, {h, w}, false);
      x = (opt.init == Init::Noise ? change : start + change).clamp(0, 1);
    } else {
      x = start.clone();
    }
    prev_start = start;
    x = x.contiguous().set_requires_grad(true);

    auto closure = [&]() -> at::Tensor {
      if (cancel && cancel->load()) throw Cancelled();
      if (x.grad().defined()) x.mutable_grad().zero_();
      // The style layers come back as Gram matrices (the style loss is their MSE).
      std::vector<at::Tensor> f = net->features(x, all_layers, gram_flags);
      at::Tensor lc = at::zeros({}, at::kFloat), ls = at::zeros({}, at::kFloat);
      for (size_t i = 0; i < content_layers.size(); ++i) lc = lc + losses::content(f[i], content_targets[i]);
      for (size_t i = 0; i < style_layers.size(); ++i)
        ls = ls + layer_w[i] * at::mse_loss(f[content_layers.size() + i], style_targets[i]);
      at::Tensor ltv = losses::total_variation(x);
      at::Tensor loss = cw * lc + sw * ls + tvw * ltv;
      loss.backward();
      p.losses.content = cw * lc.item<double>();
      p.losses.style = sw * ls.item<double>();
      p.losses.tv = tvw * ltv.item<double>();
      p.losses.total = loss.item<double>();
      return loss;
    };

    std::unique_ptr<torch::optim::Optimizer> optimizer;
    if (opt.optimizer == Optimizer::LBFGS) {
      optimizer = std::make_unique<torch::optim::LBFGS>(
          std::vector<at::Tensor>{x},
          torch::optim::LBFGSOptions(lr).max_iter(1).history_size(std::max(1, opt.lbfgs_history)).tolerance_grad(-1).tolerance_change(-1));
    } else {
      optimizer = std::make_unique<torch::optim::Adam>(std::vector<at::Tensor>{x}, torch::optim::AdamOptions(lr));
    }
    for (int it = 1; it <= iterations && !stop; ++it) {
      optimizer->step(closure);
      if (opt.optimizer == Optimizer::Adam) {
        torch::NoGradGuard no_grad;
        x.clamp_(0, 1);
      }
      if (!std::isfinite(p.losses.total))
        throw Error("the optimisation diverged (loss is not finite): lower the learning rate or the style weight");
      p.iteration = ++done;
      p.elapsed_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      p.preview = nullptr;
      if (opt.preview_every > 0 && (done % opt.preview_every == 0 || done == p.iterations)) {
        preview = resize(to_image(x), ww, wh);
        p.preview = &preview;
      }
      if (progress) progress(p);
      stop = (finish_now && finish_now->load()) || (full && opt.target_loss > 0 && p.losses.total <= opt.target_loss);
    }
  };
  for (auto level = coarse_sizes.rbegin(); level != coarse_sizes.rend() && !stop; ++level)
    run(level->first, level->second, opt.coarse_iterations, false);
  if (!stop) run(ww, wh, opt.iterations, true);
  if (cancel && cancel->load()) throw Cancelled();

  // Back to the content's size and channel layout, alpha carried over.
  Image out_rgb = resize(to_image(x), content_in.width, content_in.height);
  Image out = convert_channels(out_rgb, content_in.channels);
  if (content_in.has_alpha()) {
    const size_t n = size_t(out.width) * out.height;
    for (size_t i = 0; i < n; ++i)
      out.data[i * out.channels + out.channels - 1] = content_in.data[i * content_in.channels + content_in.channels - 1];
  }
  result.image = std::move(out);
  result.iterations = done;
  result.losses = p.losses;
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace nst
