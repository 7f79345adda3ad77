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
// bench/run_step_bench.sh's time to loss (docs/performance.md).
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

// What the options come to on a network: the layers, the weights of the
// losses, the working size and the coarser sizes of coarse-to-fine.
struct Plan {
  std::vector<std::string> content_layers, style_layers, all_layers;
  std::vector<double> layer_weights;  // one per style layer
  std::vector<bool> gram_flags;       // per entry of all_layers: the style layers' come back as Gram matrices
  double cw = 0, sw = 0, tvw = 0, lr = 0;
  int ww = 0, wh = 0;                              // working size
  std::vector<std::pair<int, int>> coarse_sizes;  // finest first
};

void check_options(const Image& content, const Image& style, const TransferOptions& opt) {
  if (content.empty() || content.width <= 0 || content.height <= 0) throw Error("the content image is empty");
  if (style.empty() || style.width <= 0 || style.height <= 0) throw Error("the style image is empty");
  if (opt.iterations < 1) throw Error("iterations must be at least 1");
  if (opt.size < 32) throw Error("working size must be at least 32 pixels (got " + std::to_string(opt.size) + ")");
  if (opt.init == Init::Image && opt.init_image.empty()) throw Error("init is 'image' but no init image was given");
}

Plan make_plan(const FeatureNet& net, const TransferOptions& opt, const Image& content) {
  const ModelInfo& info = net.info();
  Plan p;
  p.style_layers = opt.style_layers.empty() ? info.default_style_layers : opt.style_layers;
  p.content_layers = opt.content_layers.empty() ? info.default_content_layers : opt.content_layers;
  p.layer_weights = opt.style_layer_weights;
  if (p.layer_weights.empty()) p.layer_weights.assign(p.style_layers.size(), 1.0);
  if (p.layer_weights.size() != p.style_layers.size())
    throw Error("got " + std::to_string(p.layer_weights.size()) + " style layer weights for " +
                std::to_string(p.style_layers.size()) + " style layers");
  p.cw = opt.content_weight >= 0 ? opt.content_weight : info.default_content_weight;
  p.sw = opt.style_weight >= 0 ? opt.style_weight : info.default_style_weight;
  p.tvw = opt.tv_weight >= 0 ? opt.tv_weight : info.default_tv_weight;
  p.lr = opt.learning_rate > 0 ? opt.learning_rate : (opt.optimizer == Optimizer::LBFGS ? 1.0 : 0.02);
  p.all_layers = p.content_layers;
  p.all_layers.insert(p.all_layers.end(), p.style_layers.begin(), p.style_layers.end());
  for (const auto& l : p.all_layers) net.index_of(l);  // validates names
  p.gram_flags.assign(p.all_layers.size(), true);
  std::fill(p.gram_flags.begin(), p.gram_flags.begin() + p.content_layers.size(), false);

  // Working size: the longest side becomes opt.size; never upscale the content.
  const double scale = std::min(1.0, double(opt.size) / std::max(content.width, content.height));
  p.ww = std::max(1, int(std::lround(content.width * scale)));
  p.wh = std::max(1, int(std::lround(content.height * scale)));
  // Coarse-to-fine: first opt.coarse_iterations at each of up to kCoarseLevels
  // coarser sizes (halving, while the shorter side stays >= 32 px), coarsest
  // first; an iteration at half size costs about a quarter.
  for (int f = 2; opt.coarse_iterations > 0 && int(p.coarse_sizes.size()) < kCoarseLevels; f *= 2) {
    const int w = (p.ww + f - 1) / f, h = (p.wh + f - 1) / f;
    if (std::min(w, h) < 32) break;
    p.coarse_sizes.emplace_back(w, h);
  }
  return p;
}

// Refuses a working size whose step would not fit in the memory available now.
void check_memory(const FeatureNet& net, const Plan& p) {
  const double need = net.estimate_step_bytes(p.ww, p.wh, p.all_layers);
  const double avail = available_bytes();
  if (avail > 0 && need > avail)
    throw Error("working size " + std::to_string(p.ww) + "x" + std::to_string(p.wh) + " needs about " + gib(need) +
                " of memory with " + net.info().describe() + ", but only " + gib(avail) +
                " is available: choose a smaller working size");
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TransferOptions& opt, double lr, const at::Tensor& x) {
  if (opt.optimizer == Optimizer::LBFGS)
    return std::make_unique<torch::optim::LBFGS>(std::vector<at::Tensor>{x}, torch::optim::LBFGSOptions(lr)
                                                                                .max_iter(1)
                                                                                .history_size(std::max(1, opt.lbfgs_history))
                                                                                .tolerance_grad(-1)
                                                                                .tolerance_change(-1));
  return std::make_unique<torch::optim::Adam>(std::vector<at::Tensor>{x}, torch::optim::AdamOptions(lr));
}

// The result back at the content's size and channel layout, its alpha carried over.
Image to_output(const at::Tensor& x, const Image& content) {
  Image out = convert_channels(resize(to_image(x), content.width, content.height), content.channels);
  if (content.has_alpha()) {
    const size_t n = size_t(out.width) * out.height;
    for (size_t i = 0; i < n; ++i)
      out.data[i * out.channels + out.channels - 1] = content.data[i * content.channels + content.channels - 1];
  }
  return out;
}

// One run of the optimisation over its levels (coarse sizes, then the working
// size), holding what passes from one level to the next.
class Optimisation {
 public:
  Optimisation(Clock::time_point t0, const FeatureNet& net, const Plan& plan, const TransferOptions& opt,
               const Image& content, const Image& style, const ProgressFn& progress, const std::atomic<bool>* cancel,
               const std::atomic<bool>* finish_now)
      : t0_(t0), net_(net), plan_(plan), opt_(opt), style_(convert_channels(style, 3)), progress_(progress),
        cancel_(cancel), finish_now_(finish_now),
        content_(resize(convert_channels(content, 3), plan.ww, plan.wh)) {
    if (opt.init == Init::Image) init_ = convert_channels(load_image(opt.init_image), 3);
    p_.iterations = opt.iterations + int(plan.coarse_sizes.size()) * opt.coarse_iterations;
  }

  void run() {
    for (auto level = plan_.coarse_sizes.rbegin(); level != plan_.coarse_sizes.rend() && !stop_; ++level)
      run_level(level->first, level->second, opt_.coarse_iterations, false);
    if (!stop_) run_level(plan_.ww, plan_.wh, opt_.iterations, true);
    if (cancelled()) throw Cancelled();
  }
  const at::Tensor& image() const { return x_; }
  int iterations() const { return done_; }
  const Losses& losses() const { return p_.losses; }

 private:
  bool cancelled() const { return cancel_ && cancel_->load(); }

  // The targets at w x h: the content's features and the style's Gram matrices,
  // the style image scaled so that its longest side matches the level's.
  void make_targets(const at::Tensor& content_t, int w, int h) {
    const double sscale = double(std::max(w, h)) / std::max(style_.width, style_.height);
    const Image style_rgb = resize(style_, std::max(1, int(std::lround(style_.width * sscale))),
                                   std::max(1, int(std::lround(style_.height * sscale))));
    torch::NoGradGuard no_grad;
    content_targets_ = net_.features(content_t, plan_.content_layers);
    for (auto& t : content_targets_) t = t.detach();
    style_targets_.clear();
    const std::vector<bool> grams(plan_.style_layers.size(), true);
    for (const at::Tensor& g : net_.features(to_tensor(style_rgb), plan_.style_layers, grams))
      style_targets_.push_back(g.detach());
  }

  // The level's start: its own start image (content, noise or the init image at
  // this size) or, after a coarser level, that level's change to its own start
  // image, upsampled, on this level's start image. The fine detail of the content
  // (or init image) stays; upsampling the coarse result itself blurs it and the
  // first fine iterations spend themselves on restoring it. A noise start is not
  // kept: the coarse result is upsampled as it is.
  void start_level(const at::Tensor& content_t, int w, int h) {
    at::Tensor start;
    switch (opt_.init) {
      case Init::Content: start = content_t; break;
      case Init::Noise:  // only the first level starts from noise
        if (!x_.defined()) start = at::rand({1, 3, h, w}, at::detail::createCPUGenerator(opt_.seed), at::kFloat);
        break;
      case Init::Image: start = to_tensor(resize(init_, w, h)); break;
    }
    if (x_.defined()) {
      at::Tensor change = opt_.init == Init::Noise ? x_.detach() : x_.detach() - prev_start_;
      change = at::upsample_bicubic2d(change, {h, w}, false);
      x_ = (opt_.init == Init::Noise ? change : start + change).clamp(0, 1);
    } else {
      x_ = start.clone();
    }
    prev_start_ = start;
    x_ = x_.contiguous().set_requires_grad(true);
  }

  // The loss at x_ and its gradient in x_.grad(); the weighted parts into p_.losses.
  at::Tensor evaluate() {
    if (cancelled()) throw Cancelled();
    if (x_.grad().defined()) x_.mutable_grad().zero_();
    // The style layers come back as Gram matrices (the style loss is their MSE).
    const std::vector<at::Tensor> f = net_.features(x_, plan_.all_layers, plan_.gram_flags);
    const size_t nc = plan_.content_layers.size();
    at::Tensor lc = at::zeros({}, at::kFloat), ls = at::zeros({}, at::kFloat);
    for (size_t i = 0; i < nc; ++i) lc = lc + losses::content(f[i], content_targets_[i]);
    for (size_t i = 0; i < plan_.style_layers.size(); ++i)
      ls = ls + plan_.layer_weights[i] * at::mse_loss(f[nc + i], style_targets_[i]);
    const at::Tensor ltv = losses::total_variation(x_);
    at::Tensor loss = plan_.cw * lc + plan_.sw * ls + plan_.tvw * ltv;
    loss.backward();
    p_.losses.content = plan_.cw * lc.item<double>();
    p_.losses.style = plan_.sw * ls.item<double>();
    p_.losses.tv = plan_.tvw * ltv.item<double>();
    p_.losses.total = loss.item<double>();
    return loss;
  }

  // Reports iteration done_ (with a preview when one is due).
  void report() {
    p_.iteration = done_;
    p_.elapsed_seconds = std::chrono::duration<double>(Clock::now() - t0_).count();
    p_.preview = nullptr;
    if (opt_.preview_every > 0 && (done_ % opt_.preview_every == 0 || done_ == p_.iterations)) {
      preview_ = resize(to_image(x_), plan_.ww, plan_.wh);
      p_.preview = &preview_;
    }
    if (progress_) progress_(p_);
  }

  // `iterations` optimiser steps at w x h; `full`: the working size, where
  // opt.target_loss may end the run.
  void run_level(int w, int h, int iterations, bool full) {
    const at::Tensor content_t = to_tensor(w == plan_.ww && h == plan_.wh ? content_ : resize(content_, w, h));
    make_targets(content_t, w, h);
    start_level(content_t, w, h);
    const std::unique_ptr<torch::optim::Optimizer> optimizer = make_optimizer(opt_, plan_.lr, x_);
    for (int it = 1; it <= iterations && !stop_; ++it) {
      optimizer->step([this] { return evaluate(); });
      if (opt_.optimizer == Optimizer::Adam) {
        torch::NoGradGuard no_grad;
        x_.clamp_(0, 1);
      }
      if (!std::isfinite(p_.losses.total))
        throw Error("the optimisation diverged (loss is not finite): lower the learning rate or the style weight");
      ++done_;
      report();
      stop_ = (finish_now_ && finish_now_->load()) || (full && opt_.target_loss > 0 && p_.losses.total <= opt_.target_loss);
    }
  }

  const Clock::time_point t0_;  // the start of transfer()
  const FeatureNet& net_;
  const Plan& plan_;
  const TransferOptions& opt_;
  const Image style_;  // RGB at its own size
  const ProgressFn& progress_;
  const std::atomic<bool>* cancel_;
  const std::atomic<bool>* finish_now_;
  const Image content_;  // RGB at the working size
  Image init_;           // RGB at its own size (Init::Image)
  std::vector<at::Tensor> content_targets_, style_targets_;
  at::Tensor x_, prev_start_;
  Progress p_;
  Image preview_;
  int done_ = 0;
  bool stop_ = false;
};

}  // namespace

TransferResult transfer(const Image& content, const Image& style, const TransferOptions& opt,
                        const ProgressFn& progress, const std::atomic<bool>* cancel,
                        const std::atomic<bool>* finish_now) {
  const auto t0 = Clock::now();
  check_options(content, style, opt);
  at::set_num_threads(opt.threads > 0 ? opt.threads : int(std::max(1u, std::thread::hardware_concurrency())));

  std::unique_ptr<FeatureNet> net = load_network(opt.model.empty() ? default_model() : opt.model, opt.preprocess);
  net->set_pooling(opt.pooling);
  net->set_precision(opt.precision);
  const Plan plan = make_plan(*net, opt, content);
  check_memory(*net, plan);

  Optimisation run(t0, *net, plan, opt, content, style, progress, cancel, finish_now);
  run.run();

  TransferResult result;
  result.model = net->info();
  result.work_width = plan.ww;
  result.work_height = plan.wh;
  result.precision = net->precision();
  result.image = to_output(run.image(), content);
  result.iterations = run.iterations();
  result.losses = run.losses();
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace nst
