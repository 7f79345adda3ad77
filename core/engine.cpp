// Optimisation-based style transfer (Gatys et al.) on a FeatureNet.
#include "losses.h"
#include "networks.h"
#include "process.h"
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
// The outer pixels of a smaller scale's change that are replaced by the ones
// next to them before it is upsampled: the convolutions' zero padding makes the
// optimisation paint a band of dark and light lines along the image's edges,
// which upsampling would widen (4x from the coarsest level) beyond what the
// next scale repaints (docs/performance.md, "Coarse-to-fine").
constexpr int kEdgeBand = 3;
// The fewest iterations a scale above the working size gets by default.
constexpr int kMinScaleIterations = 20;

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

// What the options come to on a network: the layers, the weights of the
// losses and the scales (coarse-to-fine, the working size, up to the output size).
struct Plan {
  std::vector<std::string> content_layers, style_layers, all_layers;
  std::vector<double> layer_weights;  // one per style layer
  std::vector<bool> gram_flags;       // per entry of all_layers: the style layers' come back as Gram matrices
  double cw = 0, sw = 0, tvw = 0, lr = 0;
  int ww = 0, wh = 0;         // working size
  std::vector<Scale> scales;  // smallest first
};

constexpr double kMinStyleScale = 0.1, kMaxStyleScale = 4;

// "1 style image", "2 style images".
std::string plural(size_t n, const std::string& thing) { return std::to_string(n) + " " + thing + (n == 1 ? "" : "s"); }

void check_scale_options(const TransferOptions& opt);

void check_options(const Image& content, const std::vector<Image>& styles, const TransferOptions& opt) {
  if (content.empty() || content.width <= 0 || content.height <= 0) throw Error("the content image is empty");
  if (styles.empty()) throw Error("no style image given");
  for (const Image& style : styles)
    if (style.empty() || style.width <= 0 || style.height <= 0)
      throw Error(styles.size() == 1 ? "the style image is empty" : "one of the style images is empty");
  if (!opt.style_blend_weights.empty()) {
    if (opt.style_blend_weights.size() != styles.size())
      throw Error("got " + plural(opt.style_blend_weights.size(), "style blend weight") + " for " +
                  plural(styles.size(), "style image"));
    double sum = 0;
    for (double w : opt.style_blend_weights) {
      if (!std::isfinite(w) || w < 0) throw Error("style blend weights must be finite numbers of at least 0");
      sum += w;
    }
    if (sum <= 0) throw Error("at least one style blend weight must be above 0");
  }
  if (!std::isfinite(opt.style_scale) || opt.style_scale < kMinStyleScale || opt.style_scale > kMaxStyleScale)
    throw Error("the style scale must be between 0.1 and 4 (got " + std::to_string(opt.style_scale) + ")");
  if (!std::isfinite(opt.strength) || opt.strength < 0 || opt.strength > 1)
    throw Error("the strength must be between 0 and 1 (got " + std::to_string(opt.strength) + ")");
  if (opt.init == Init::Image && opt.init_image.empty()) throw Error("init is 'image' but no init image was given");
  for (const auto& [name, v] : {std::pair{"content weight", opt.content_weight}, {"style weight", opt.style_weight},
                                {"total-variation weight", opt.tv_weight}, {"learning rate", opt.learning_rate},
                                {"target loss", opt.target_loss}})
    if (!std::isfinite(v)) throw Error(std::string("the ") + name + " must be a finite number");
  for (double w : opt.style_layer_weights)
    if (!std::isfinite(w) || w < 0) throw Error("style layer weights must be finite numbers of at least 0");
  check_scale_options(opt);
}

void check_scale_options(const TransferOptions& opt) {
  if (opt.iterations < 1) throw Error("iterations must be at least 1");
  if (opt.size < 32) throw Error("working size must be at least 32 pixels (got " + std::to_string(opt.size) + ")");
  if (opt.output_size < -1) throw Error("output size must be -1 (full), 0 (the working size) or a size in pixels");
  if (opt.scale_iterations < 0) throw Error("iterations per scale must not be negative");
  if (opt.coarse_iterations < kAutoCoarse)
    throw Error("coarse-to-fine iterations must be -1 (a third of the iterations), 0 (off) or more (got " +
                std::to_string(opt.coarse_iterations) + ")");
  if (opt.tile < 64) throw Error("tiles must be at least 64 pixels (got " + std::to_string(opt.tile) + ")");
  if (opt.tile_overlap < 0 || opt.tile_overlap > opt.tile / 2)
    throw Error("the tile overlap must be between 0 and half the tile size (got " + std::to_string(opt.tile_overlap) +
                ")");
}

// The fewest pixels either side of an image the networks see: below that the
// pooled features of the deepest layers vanish (and a 1-pixel row has no total
// variation), so a thinner image is optimised stretched to this and the
// result resized back.
constexpr int kMinSide = 32;

// width x height scaled so that its longest side becomes `side`, each side at least kMinSide.
std::pair<int, int> with_longest_side(int width, int height, double side) {
  const double scale = side / std::max(width, height);
  return {std::max(kMinSide, int(std::lround(width * scale))), std::max(kMinSide, int(std::lround(height * scale)))};
}

Scale whole(int w, int h, int iterations, const TransferOptions& opt) {
  Scale s;
  s.width = w;
  s.height = h;
  s.iterations = iterations;
  s.tiles = tile_layout(w, h, opt.tile, opt.tile_overlap);
  return s;
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
  p.scales = transfer_scales(content.width, content.height, opt);
  for (const Scale& s : p.scales)
    if (s.working) {
      p.ww = s.width;
      p.wh = s.height;
    }
  return p;
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

// The photo and the paintings as the optimisation sees them: with Luminance
// all grey (as RGB), each painting's brightness given the photo's mean and
// deviation; with ColorMatch each painting in the photo's colours.
struct Inputs {
  Image content;
  std::vector<Image> styles;
};

Image grey_rgb(const Image& img) { return convert_channels(convert_channels(img, 1), 3); }

// A grey RGB image's values moved so that their mean and deviation become the reference's.
Image match_luminance(const Image& grey, const Image& reference) {
  auto stats = [](const Image& img) {
    double sum = 0, sq = 0;
    const size_t n = size_t(img.width) * img.height;
    for (size_t i = 0; i < n; ++i) {
      const double v = img.data[i * 3];
      sum += v;
      sq += v * v;
    }
    const double mean = sum / double(n);
    return std::pair<double, double>{mean, std::sqrt(std::max(0.0, sq / double(n) - mean * mean))};
  };
  const auto [mg, sg] = stats(grey);
  const auto [mr, sr] = stats(reference);
  const double k = sg > 1e-6 ? sr / sg : 1.0;
  Image out = grey;
  for (float& v : out.data) v = std::clamp(float((v - mg) * k + mr), 0.f, 1.f);
  return out;
}

Inputs prepare_inputs(const Image& content, const std::vector<Image>& styles, const TransferOptions& opt) {
  Inputs in;
  switch (opt.preserve_colors) {
    case PreserveColors::Off:
      in.content = content;
      in.styles = styles;
      break;
    case PreserveColors::Luminance:
      in.content = grey_rgb(content);
      for (const Image& s : styles) in.styles.push_back(match_luminance(grey_rgb(s), in.content));
      break;
    case PreserveColors::ColorMatch: {
      in.content = content;
      const Image reference = convert_channels(content, 3);
      for (const Image& s : styles) in.styles.push_back(match_colors(convert_channels(s, 3), reference));
      break;
    }
  }
  return in;
}

// The optimised image (RGB, the photo's size) finished as the options say:
// the photo's chroma put back (Luminance), then mixed with the photo by the
// strength. `photo`: RGB, same size.
Image finish(const Image& rgb, const Image& photo, const TransferOptions& opt) {
  Image out = opt.preserve_colors == PreserveColors::Luminance ? keep_colors(photo, rgb) : rgb;
  if (opt.strength < 1) out = blend(photo, out, opt.strength);
  return out;
}

// The result back at the content's size and channel layout, finished, its alpha carried over.
Image to_output(const at::Tensor& x, const Image& content, const TransferOptions& opt) {
  const Image rgb = finish(resize(to_image(x), content.width, content.height), convert_channels(content, 3), opt);
  Image out = convert_channels(rgb, content.channels);
  if (content.has_alpha()) {
    const size_t n = size_t(out.width) * out.height;
    for (size_t i = 0; i < n; ++i)
      out.data[i * out.channels + out.channels - 1] = content.data[i * content.channels + content.channels - 1];
  }
  return out;
}

// The blend weight of a tile's pixel at distance d (0 at the tile's edge)
// from a side shared with a neighbour: a ramp over the overlap.
float ramp(int d, int overlap) { return overlap <= 0 ? 1.f : std::min(1.f, float(d + 1) / float(overlap + 1)); }

// One run of the optimisation over its scales (coarse-to-fine, the working
// size, larger scales up to the output size), holding what passes from one
// scale to the next. A scale with several tiles optimises them one after the
// other, each started from the image as the tiles before left it and blended
// back over the overlap.
class Optimisation {
 public:
  Optimisation(Clock::time_point t0, const FeatureNet& net, const Plan& plan, const TransferOptions& opt,
               const Image& photo, const Inputs& in, const ProgressFn& progress, const std::atomic<bool>* cancel,
               const std::atomic<bool>* finish_now)
      : t0_(t0), net_(net), plan_(plan), opt_(opt), progress_(progress), cancel_(cancel), finish_now_(finish_now),
        content_full_(convert_channels(in.content, 3)), content_(resize(content_full_, plan.ww, plan.wh)),
        photo_work_(resize(convert_channels(photo, 3), plan.ww, plan.wh)) {
    const std::vector<Image>& styles = in.styles;
    for (const Image& style : styles) styles_.push_back(convert_channels(style, 3));
    blend_weights_ = opt.style_blend_weights;
    if (blend_weights_.empty()) blend_weights_.assign(styles_.size(), 1.0);
    double sum = 0;
    for (double w : blend_weights_) sum += w;
    for (double& w : blend_weights_) w /= sum;
    if (opt.init == Init::Image) {
      init_ = convert_channels(load_image(opt.init_image), 3);
      if (opt.preserve_colors == PreserveColors::Luminance) init_ = grey_rgb(init_);
    }
    p_.scales = int(plan.scales.size());
    for (const Scale& s : plan.scales) {
      p_.iterations += s.iterations * int(s.tiles.size());
      work_total_ += double(s.iterations) * s.tiles.size() * s.tiles[0].width * s.tiles[0].height;
    }
  }

  void run() {
    for (const Scale& s : plan_.scales) {
      if (stop_) break;
      ++p_.scale;
      run_scale(s);
    }
    if (cancelled()) throw Cancelled();
  }
  const at::Tensor& image() const { return x_; }
  int iterations() const { return done_; }
  const Losses& losses() const { return p_.losses; }

 private:
  bool cancelled() const { return cancel_ && cancel_->load(); }

  // The content at w x h: from the working-size copy at and below the working
  // size, from the content itself above it.
  Image content_at(int w, int h) const {
    if (w == plan_.ww && h == plan_.wh) return content_;
    return resize(w <= plan_.ww && h <= plan_.wh ? content_ : content_full_, w, h);
  }

  // The target Gram matrices for a scale whose longest side is `side`: each
  // painting's (see style_grams), mixed with the blend weights.
  void make_style_targets(int side) {
    style_targets_.assign(plan_.style_layers.size(), at::Tensor());
    for (size_t k = 0; k < styles_.size(); ++k) {
      if (blend_weights_[k] <= 0) continue;
      const std::vector<at::Tensor> g = style_grams(styles_[k], side);
      for (size_t i = 0; i < g.size(); ++i)
        style_targets_[i] = style_targets_[i].defined() ? style_targets_[i] + blend_weights_[k] * g[i]
                                                        : blend_weights_[k] * g[i];
    }
    for (auto& t : style_targets_) t = t.detach();
  }

  // One painting's Gram matrices for a scale whose longest side is `side`: the
  // painting scaled to that side, but above the working size never beyond its
  // own size (nor the working size's scale), so that larger scales add finer
  // strokes instead of enlarged ones; then by the style scale. A painting
  // larger than a tile is read in tiles, their Gram matrices averaged by area.
  std::vector<at::Tensor> style_grams(const Image& style, int side) const {
    const int work_side = std::max(plan_.ww, plan_.wh), own = std::max(style.width, style.height);
    const int style_side = side <= work_side ? side : std::min(side, std::max(work_side, own));
    const auto [sw, sh] = with_longest_side(style.width, style.height, style_side * opt_.style_scale);
    const at::Tensor st = to_tensor(resize(style, sw, sh));
    torch::NoGradGuard no_grad;
    const std::vector<bool> grams(plan_.style_layers.size(), true);
    const std::vector<TileRect> tiles = tile_layout(sw, sh, opt_.tile, 0);
    if (tiles.size() == 1) return net_.features(st, plan_.style_layers, grams);
    std::vector<at::Tensor> sum(plan_.style_layers.size(), at::zeros({}, at::kFloat));
    double areas = 0;
    for (const TileRect& t : tiles) {
      const at::Tensor part = st.narrow(2, t.y, t.height).narrow(3, t.x, t.width).contiguous();
      const std::vector<at::Tensor> g = net_.features(part, plan_.style_layers, grams);
      const double area = double(t.width) * t.height;
      areas += area;
      for (size_t i = 0; i < g.size(); ++i) sum[i] = sum[i] + area * g[i];
    }
    for (auto& t : sum) t = t / areas;
    return sum;
  }

  // The scale's start: its own start image (content, noise or the init image at
  // this size) or, after a smaller scale, that scale's change to its own start
  // image (its edge band replaced, kEdgeBand), upsampled, on this scale's start
  // image. The fine detail of the content (or init image) stays; upsampling the
  // coarse result itself blurs it and the first fine iterations spend themselves
  // on restoring it. A noise start is not kept: the coarse result is upsampled
  // as it is.
  void start_scale(const at::Tensor& content_t, int w, int h) {
    torch::NoGradGuard no_grad;
    at::Tensor start;
    switch (opt_.init) {
      case Init::Content: start = content_t; break;
      case Init::Noise:  // only the first scale starts from noise
        if (!x_.defined()) start = at::rand({1, 3, h, w}, at::detail::createCPUGenerator(opt_.seed), at::kFloat);
        break;
      case Init::Image: start = to_tensor(resize(init_, w, h)); break;
    }
    if (x_.defined()) {
      at::Tensor change = opt_.init == Init::Noise ? x_.detach() : x_.detach() - prev_start_;
      x_ = at::Tensor();  // the smaller scale's image is not needed any more
      const int64_t b = kEdgeBand;
      if (change.size(2) > 4 * b && change.size(3) > 4 * b)
        change = at::replication_pad2d(change.narrow(2, b, change.size(2) - 2 * b).narrow(3, b, change.size(3) - 2 * b),
                                       {b, b, b, b});
      change = at::upsample_bicubic2d(change, {h, w}, false);
      x_ = opt_.init == Init::Noise ? change.clamp_(0, 1) : change.add_(start).clamp_(0, 1);
    } else {
      x_ = start.clone();
    }
    prev_start_ = start;
    x_ = x_.contiguous();
  }

  // The loss at var_ and its gradient in var_.grad(); the weighted parts into p_.losses.
  at::Tensor evaluate() {
    if (cancelled()) throw Cancelled();
    if (var_.grad().defined()) var_.mutable_grad().zero_();
    // The style layers come back as Gram matrices (the style loss is their MSE).
    const std::vector<at::Tensor> f = net_.features(var_, plan_.all_layers, plan_.gram_flags);
    const size_t nc = plan_.content_layers.size();
    at::Tensor lc = at::zeros({}, at::kFloat), ls = at::zeros({}, at::kFloat);
    for (size_t i = 0; i < nc; ++i) lc = lc + losses::content(f[i], content_targets_[i]);
    for (size_t i = 0; i < plan_.style_layers.size(); ++i)
      ls = ls + plan_.layer_weights[i] * at::mse_loss(f[nc + i], style_targets_[i]);
    const at::Tensor ltv = losses::total_variation(var_);
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
    p_.work_done = work_total_ > 0 ? std::min(1.0, work_done_ / work_total_) : 0;
    p_.preview = nullptr;
    if (opt_.preview_every > 0 && (done_ % opt_.preview_every == 0 || done_ == p_.iterations)) {
      preview_ = finish(resize(to_image(var_.sizes() == x_.sizes() ? var_ : x_), plan_.ww, plan_.wh), photo_work_, opt_);
      p_.preview = &preview_;
    }
    if (progress_) progress_(p_);
  }

  // The content's features (of the whole scale or of a tile's crop).
  void set_content_targets(const at::Tensor& content) {
    torch::NoGradGuard no_grad;
    content_targets_ = net_.features(content, plan_.content_layers);
    for (auto& t : content_targets_) t = t.detach();
  }

  void run_scale(const Scale& s) {
    p_.width = s.width;
    p_.height = s.height;
    p_.tiles = int(s.tiles.size());
    p_.tile = 0;
    const at::Tensor content_t = to_tensor(content_at(s.width, s.height));
    make_style_targets(std::max(s.width, s.height));
    start_scale(content_t, s.width, s.height);
    if (s.tiles.size() == 1) {
      set_content_targets(content_t);
      var_ = x_.set_requires_grad(true);
      p_.tile = 1;
      optimise(s, s.working);
      var_ = at::Tensor();
      x_ = x_.detach().set_requires_grad(false);
      return;
    }
    for (const TileRect& t : s.tiles) {
      if (stop_) break;
      ++p_.tile;
      set_content_targets(content_t.narrow(2, t.y, t.height).narrow(3, t.x, t.width).contiguous());
      var_ = x_.narrow(2, t.y, t.height).narrow(3, t.x, t.width).clone().set_requires_grad(true);
      optimise(s, false);
      blend_back(t, s.width, s.height);
      var_ = at::Tensor();
    }
  }

  // The optimised tile var_ into x_: over a side shared with a neighbour the
  // tile fades in from its edge, elsewhere it replaces x_.
  void blend_back(const TileRect& t, int w, int h) {
    torch::NoGradGuard no_grad;
    const int ov = opt_.tile_overlap;
    auto ramp_along = [&](int n, bool lo_shared, bool hi_shared) {
      std::vector<float> r(size_t(n), 1.f);
      for (int i = 0; i < n; ++i) {
        if (lo_shared) r[size_t(i)] = std::min(r[size_t(i)], ramp(i, ov));
        if (hi_shared) r[size_t(i)] = std::min(r[size_t(i)], ramp(n - 1 - i, ov));
      }
      return at::tensor(r);
    };
    const at::Tensor ry = ramp_along(t.height, t.y > 0, t.y + t.height < h).view({1, 1, -1, 1});
    const at::Tensor rx = ramp_along(t.width, t.x > 0, t.x + t.width < w).view({1, 1, 1, -1});
    const at::Tensor m = ry * rx;
    at::Tensor region = x_.narrow(2, t.y, t.height).narrow(3, t.x, t.width);
    region.mul_(1 - m).add_(var_.detach().clamp(0, 1) * m);
  }

  // s.iterations optimiser steps on var_; `working`: opt.target_loss may end them.
  void optimise(const Scale& s, bool working) {
    const std::unique_ptr<torch::optim::Optimizer> optimizer = make_optimizer(opt_, plan_.lr, var_);
    const double pixels = double(var_.size(2)) * var_.size(3);
    for (int it = 1; it <= s.iterations && !stop_; ++it) {
      optimizer->step([this] { return evaluate(); });
      if (opt_.optimizer == Optimizer::Adam) {
        torch::NoGradGuard no_grad;
        var_.clamp_(0, 1);
      }
      if (!std::isfinite(p_.losses.total))
        throw Error("the optimisation diverged (loss is not finite): lower the learning rate or the style weight");
      ++done_;
      work_done_ += pixels;
      report();
      stop_ = finish_now_ && finish_now_->load();
      if (working && opt_.target_loss > 0 && p_.losses.total <= opt_.target_loss) break;
    }
  }

  const Clock::time_point t0_;  // the start of transfer()
  const FeatureNet& net_;
  const Plan& plan_;
  const TransferOptions& opt_;
  std::vector<Image> styles_;        // RGB at their own sizes
  std::vector<double> blend_weights_;  // one per style, summing to 1
  const ProgressFn& progress_;
  const std::atomic<bool>* cancel_;
  const std::atomic<bool>* finish_now_;
  const Image content_full_;  // RGB at its own size
  const Image content_;       // RGB at the working size
  const Image photo_work_;    // the photo itself (in colour) at the working size, for previews
  Image init_;                // RGB at its own size (Init::Image)
  std::vector<at::Tensor> content_targets_, style_targets_;
  at::Tensor x_;           // the image at the current scale
  at::Tensor var_;         // what is optimised: x_ itself or a tile of it
  at::Tensor prev_start_;  // the current scale's start image
  Progress p_;
  Image preview_;
  int done_ = 0;
  double work_done_ = 0, work_total_ = 0;  // optimiser steps times their pixels
  bool stop_ = false;
};

// Peak bytes of a run: the libraries and weights, what is held throughout
// (the content as the host gave it, in RGB and as the result, ~8 float
// channels at its size), and the largest scale's step (at its tile's size)
// with that scale's image-sized buffers (the image, its start, the content at
// that scale and its tensor, the upsampled change: ~6 RGB float copies).
// Fitted to VmHWM in docs/performance.md ("Memory").
double estimate_bytes(const FeatureNet& net, const Plan& p, int content_width, int content_height,
                      const TransferOptions& opt) {
  double peak = 0;
  for (const Scale& s : p.scales) {
    const TileRect& t = s.tiles.front();
    const double step = net.estimate_step_bytes(t.width, t.height, p.all_layers, opt.lbfgs_history);
    peak = std::max(peak, step + 6 * 3 * 4 * double(s.width) * s.height);
  }
  return net.estimate_fixed_bytes() + 8 * 4 * double(content_width) * content_height + peak;
}

// Refuses a run whose peak would not fit in the memory available now, naming
// the largest output size that would.
void check_memory(const FeatureNet& net, const Plan& p, const Image& content, const TransferOptions& opt) {
  const double avail = double(available_memory_bytes());
  if (avail <= 0) return;
  const double need = estimate_bytes(net, p, content.width, content.height, opt);
  if (need <= avail) return;
  const auto [w, h] = std::pair<int, int>(p.scales.back().width, p.scales.back().height);
  std::string msg = std::to_string(w) + " x " + std::to_string(h) + " px needs about " + gib(need) + " of memory with " +
                    net.info().describe() + ", but only " + gib(avail) + " is available";
  // The largest longest side that fits, by bisection over the output size.
  TransferOptions o = opt;
  int lo = 0, hi = std::max(w, h);
  while (hi - lo > 8) {
    const int mid = (lo + hi) / 2;
    o.output_size = mid;
    o.size = std::min(opt.size, mid);
    bool fits = false;
    if (mid >= 32) {
      const Plan q = make_plan(net, o, content);
      fits = estimate_bytes(net, q, content.width, content.height, o) <= avail;
    }
    (fits ? lo : hi) = mid;
  }
  if (lo >= 32) msg += ": the largest size that fits is " + std::to_string(lo) + " px";
  else if (8 * 4 * double(content.width) * content.height > avail / 2)  // holding the image itself (estimate_bytes)
    msg += ": an image this large does not fit at any output size; select or crop a part of it, or scale it down";
  else
    msg += ": close other programs or choose a smaller network";
  throw Error(msg);
}

}  // namespace

std::vector<TileRect> tile_layout(int width, int height, int tile, int overlap) {
  if (width <= 0 || height <= 0) throw Error("tile_layout: empty image");
  if (tile < 1 || overlap < 0 || overlap >= tile) throw Error("tile_layout: the overlap must be smaller than the tile");
  // Along one side: the fewest tiles of at most `tile` that overlap by
  // `overlap`, made as small as that allows (less work in the overlaps),
  // spread evenly from one end to the other.
  struct Axis {
    int size;
    std::vector<int> starts;
  };
  auto axis = [&](int len) {
    if (len <= tile) return Axis{len, {0}};
    const int n = (len - overlap + (tile - overlap) - 1) / (tile - overlap);
    const int size = (len + (n - 1) * overlap + n - 1) / n;
    Axis a{size, std::vector<int>(static_cast<size_t>(n))};
    for (int i = 0; i < n; ++i) a.starts[static_cast<size_t>(i)] = int(std::lround(double(len - size) * i / (n - 1)));
    return a;
  };
  const Axis ax = axis(width), ay = axis(height);
  std::vector<TileRect> out;
  for (int y : ay.starts)
    for (int x : ax.starts) out.push_back({x, y, ax.size, ay.size});
  return out;
}

std::vector<Scale> transfer_scales(int content_width, int content_height, const TransferOptions& opt) {
  check_scale_options(opt);
  if (content_width <= 0 || content_height <= 0) throw Error("the content image is empty");
  const int full = std::max(content_width, content_height);
  // Working size: the longest side becomes opt.size; never upscale the content.
  const auto [ww, wh] = with_longest_side(content_width, content_height, std::min(opt.size, full));
  std::vector<Scale> out;
  // Coarse-to-fine: first `coarse_n` iterations at each of up to kCoarseLevels
  // coarser sizes (halving, while the shorter side stays >= 32 px), coarsest
  // first; an iteration at half size costs about a quarter.
  const int coarse_n = opt.coarse_iterations == kAutoCoarse ? opt.iterations / 3 : opt.coarse_iterations;
  std::vector<std::pair<int, int>> coarse;
  for (int f = 2; coarse_n > 0 && int(coarse.size()) < kCoarseLevels; f *= 2) {
    const int w = (ww + f - 1) / f, h = (wh + f - 1) / f;
    if (std::min(w, h) < 32) break;
    coarse.emplace_back(w, h);
  }
  for (auto c = coarse.rbegin(); c != coarse.rend(); ++c) out.push_back(whole(c->first, c->second, coarse_n, opt));
  out.push_back(whole(ww, wh, opt.iterations, opt));
  out.back().working = true;
  // Larger scales up to the output size, each at most sqrt(2) larger than the
  // one before (an even ratio), the last one exactly the output size.
  const int base = std::max(ww, wh);
  const int target = opt.output_size < 0 ? full : std::min(opt.output_size, full);
  if (target > base) {
    const int n = int(std::ceil(std::log(double(target) / base) / std::log(std::sqrt(2.0)) - 1e-9));
    int iterations = opt.iterations;
    for (int k = 1; k <= n; ++k) {
      std::pair<int, int> size{std::max(kMinSide, content_width), std::max(kMinSide, content_height)};
      if (k < n || target < full)
        size = with_longest_side(content_width, content_height,
                                 k == n ? double(target) : base * std::pow(double(target) / base, double(k) / n));
      iterations = opt.scale_iterations > 0 ? opt.scale_iterations : std::max(kMinScaleIterations, iterations / 2);
      out.push_back(whole(size.first, size.second, iterations, opt));
    }
  }
  return out;
}

double estimate_transfer_bytes(int content_width, int content_height, const TransferOptions& opt) {
  std::unique_ptr<FeatureNet> net = load_network_layout(opt.model.empty() ? default_model() : opt.model, opt.preprocess);
  Image content;  // only its size is read
  content.width = content_width;
  content.height = content_height;
  const Plan plan = make_plan(*net, opt, content);
  return estimate_bytes(*net, plan, content_width, content_height, opt);
}

void check_transfer_memory(int content_width, int content_height, const TransferOptions& opt) {
  std::unique_ptr<FeatureNet> net = load_network_layout(opt.model.empty() ? default_model() : opt.model, opt.preprocess);
  Image content;  // only its size is read
  content.width = content_width;
  content.height = content_height;
  check_memory(*net, make_plan(*net, opt, content), content, opt);
}

TransferResult transfer(const Image& content, const Image& style, const TransferOptions& opt,
                        const ProgressFn& progress, const std::atomic<bool>* cancel,
                        const std::atomic<bool>* finish_now) {
  return transfer(content, std::vector<Image>{style}, opt, progress, cancel, finish_now);
}

TransferResult transfer(const Image& content, const std::vector<Image>& styles, const TransferOptions& opt,
                        const ProgressFn& progress, const std::atomic<bool>* cancel,
                        const std::atomic<bool>* finish_now) {
  const auto t0 = Clock::now();
  check_options(content, styles, opt);
  at::set_num_threads(opt.threads > 0 ? opt.threads : int(std::max(1u, std::thread::hardware_concurrency())));

  std::unique_ptr<FeatureNet> net = load_network(opt.model.empty() ? default_model() : opt.model, opt.preprocess);
  net->set_pooling(opt.pooling);
  net->set_precision(opt.precision);
  const Plan plan = make_plan(*net, opt, content);
  check_memory(*net, plan, content, opt);

  Optimisation run(t0, *net, plan, opt, content, prepare_inputs(content, styles, opt), progress, cancel, finish_now);
  run.run();

  TransferResult result;
  result.model = net->info();
  result.work_width = plan.ww;
  result.work_height = plan.wh;
  result.precision = net->precision();
  result.image = to_output(run.image(), content, opt);
  result.iterations = run.iterations();
  result.losses = run.losses();
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace nst
