// Training fast-style networks (Johnson et al. 2016): a TransformerNet is fitted
// so that its output keeps the content features of photos and takes on the
// Gram matrices of one style image, measured by a fixed feature network.
#include "fast.h"
#include "files.h"
#include "networks.h"
#include "nst.h"
#include "weights.h"

#include <ATen/ATen.h>
#include <torch/utils.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <random>

#include <thread>

namespace nst {
namespace {

using Clock = std::chrono::steady_clock;

using files::exists;
using files::is_dir;

std::vector<std::string> list_images(const std::string& dir) {
  if (!is_dir(dir)) throw Error("training image folder '" + dir + "' does not exist or is not a folder");
  std::vector<std::string> images;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) throw Error("cannot read training image folder '" + dir + "': " + ec.message());
  for (const auto& entry : it) {
    const std::string n = entry.path().filename().string();
    std::string lower = n;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const char* ext : {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".ppm"}) {
      const std::string x = ext;
      if (lower.size() > x.size() && lower.compare(lower.size() - x.size(), x.size(), x) == 0) {
        images.push_back(dir + "/" + n);
        break;
      }
    }
  }
  std::sort(images.begin(), images.end());
  if (images.empty()) throw Error("training image folder '" + dir + "' holds no images (jpg, png, ...)");
  return images;
}

// Shorter side resized to `size`, then the centre size x size crop, as
// (3, size, size) RGB in 0..255.
at::Tensor training_crop(const std::string& path, int size) {
  Image img = convert_channels(load_image(path), 3);
  const double s = double(size) / std::min(img.width, img.height);
  const int w = std::max(size, int(std::lround(img.width * s))), h = std::max(size, int(std::lround(img.height * s)));
  img = resize(img, w, h);
  const int x0 = (w - size) / 2, y0 = (h - size) / 2;
  at::Tensor t = at::from_blob(img.data.data(), {h, w, 3}, at::kFloat);
  return t.narrow(0, y0, size).narrow(1, x0, size).permute({2, 0, 1}).contiguous() * 255.0;
}

// Gram matrix per sample: (N,C,H,W) -> (N,C,C), divided by C*H*W.
at::Tensor batch_gram(const at::Tensor& f) {
  const int64_t n = f.size(0), c = f.size(1), hw = f.size(2) * f.size(3);
  at::Tensor m = f.reshape({n, c, hw});
  return at::bmm(m, m.transpose(1, 2)) / double(c * hw);
}

struct Defaults {
  std::vector<std::string> content, style;
  double content_weight, style_weight;
};

// The usual settings (pytorch/examples: VGG-16 relu2_2 for content,
// relu1_2/2_2/3_3/4_3 for style, weights 1e5 and 1e10 for torchvision
// weights), rescaled to each feature network's loss scale.
Defaults defaults_for(const ModelInfo& info) {
  if (info.family == "darknet-tiny")
    // Darknet-tiny features (batch-normalised, [0,1] input) are smaller than
    // VGG's: the weights are scaled so the losses of an untrained network
    // start in the same ratio and range as with VGG (see README).
    return {{"leaky4"}, {"leaky1", "leaky2", "leaky4", "leaky6", "leaky8"}, 1e5, 2e6};
  Defaults d{{"relu2_2"}, {"relu1_2", "relu2_2", "relu3_3", "relu4_3"}, 1e5, 1e10};
  if (info.input == "caffe") {  // features of a 0..255 input: content x255^2, Gram x255^4
    d.content_weight /= 255.0 * 255.0;
    d.style_weight /= 255.0 * 255.0 * 255.0 * 255.0;
  }
  return d;
}

struct Adam {
  double lr, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  std::vector<at::Tensor> m, v;
  int64_t t = 0;
  void step(const std::vector<at::Tensor*>& params) {
    torch::NoGradGuard g;
    ++t;
    const double c1 = 1 - std::pow(b1, double(t)), c2 = 1 - std::pow(b2, double(t));
    for (size_t i = 0; i < params.size(); ++i) {
      at::Tensor& p = *params[i];
      if (!p.grad().defined()) continue;
      const at::Tensor& grad = p.grad();
      m[i].mul_(b1).add_(grad, 1 - b1);
      v[i].mul_(b2).addcmul_(grad, grad, 1 - b2);
      at::Tensor denom = (v[i] / c2).sqrt_().add_(eps);
      p.addcdiv_(m[i], denom, -lr / c1);
      p.mutable_grad().zero_();
    }
  }
};

void check_options(const TrainOptions& o) {
  if (o.style.empty()) throw Error("no style image given");
  if (o.output.empty()) throw Error("no output model file given");
  if (o.size < 32 || o.size % 4) throw Error("training size must be a multiple of 4 and at least 32 (got " + std::to_string(o.size) + ")");
  if (o.batch < 1) throw Error("batch size must be at least 1");
  if (o.epochs < 1 && o.max_steps < 1) throw Error("epochs must be at least 1");
  if (o.learning_rate <= 0) throw Error("learning rate must be positive");
  if (o.width < 1 || o.width > 256) throw Error("network width must be between 1 and 256");
}

// The style's Gram matrices, the style image's longest side scaled to `size`.
std::vector<at::Tensor> style_targets(const FeatureNet& fnet, const Image& style, const std::vector<std::string>& layers,
                                      int size) {
  torch::NoGradGuard g;
  const double s = double(size) / std::max(style.width, style.height);
  Image st = resize(convert_channels(style, 3), std::max(16, int(std::lround(style.width * s))),
                    std::max(16, int(std::lround(style.height * s))));
  at::Tensor x = at::from_blob(st.data.data(), {st.height, st.width, 3}, at::kFloat).permute({2, 0, 1}).unsqueeze(0).contiguous();
  std::vector<at::Tensor> grams;
  for (const at::Tensor& f : fnet.features(x, layers)) grams.push_back(batch_gram(f));
  return grams;
}

using Parameters = std::vector<std::pair<std::string, at::Tensor*>>;

// Restores the network's parameters and Adam's moments from a checkpoint of
// write_checkpoint; returns its step.
int load_checkpoint(const std::string& ckpt, const Parameters& named, Adam& adam) {
  weights::StateDict sd = weights::load_torch(ckpt);
  auto get = [&](const std::string& key, const at::Tensor& like) {
    const weights::Entry* e = weights::find(sd, key);
    if (!e) throw Error("checkpoint '" + ckpt + "' lacks '" + key + "' (written by another version? delete it to start afresh)");
    if (e->tensor.sizes() != like.sizes())
      throw Error("checkpoint '" + ckpt + "' holds a network of another width (" + key +
                  " differs): use the same --width or delete the checkpoint");
    return e->tensor;
  };
  for (size_t i = 0; i < named.size(); ++i) {
    named[i].second->copy_(get("model." + named[i].first, *named[i].second));
    adam.m[i].copy_(get("adam.m." + named[i].first, adam.m[i]));
    adam.v[i].copy_(get("adam.v." + named[i].first, adam.v[i]));
  }
  const weights::Entry* st = weights::find(sd, "step");
  if (!st) throw Error("checkpoint '" + ckpt + "' lacks its step counter");
  return int(std::lround(st->tensor.item<double>()));
}

// The checkpoint (parameters, Adam's moments, step) and the model file.
void write_checkpoint(const std::string& ckpt, const std::string& output, const fast::TransformNet& net,
                      const Parameters& named, const Adam& adam, int step) {
  std::vector<std::pair<std::string, at::Tensor>> e;
  for (size_t i = 0; i < named.size(); ++i) {
    e.push_back({"model." + named[i].first, *named[i].second});
    e.push_back({"adam.m." + named[i].first, adam.m[i]});
    e.push_back({"adam.v." + named[i].first, adam.v[i]});
  }
  e.push_back({"step", at::full({1}, double(step), at::kDouble)});
  fast::save_tensors(e, ckpt);
  fast::save(net, output);
}

// The crops of step `step` (N,3,S,S), 0..255. The order of an epoch is fixed
// by the seed, so a resumed run continues it.
at::Tensor batch_at(const std::vector<std::string>& files, const TrainOptions& o, int step, int per_epoch) {
  const int epoch = step / per_epoch, in_epoch = step % per_epoch;
  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937_64 rng(o.seed * 1000003ULL + uint64_t(epoch));
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<at::Tensor> crops;
  for (int b = 0; b < o.batch; ++b) {
    const size_t idx = size_t(in_epoch) * o.batch + b;
    if (idx >= order.size()) break;
    crops.push_back(training_crop(files[order[idx]], o.size));
  }
  return at::stack(crops);
}

// Total variation as mean absolute differences of neighbouring pixels.
at::Tensor tv_l1(const at::Tensor& y) {
  using namespace at::indexing;
  return (y.index({"...", Slice(), Slice(1, None)}) - y.index({"...", Slice(), Slice(None, -1)})).abs().mean() +
         (y.index({"...", Slice(1, None), Slice()}) - y.index({"...", Slice(None, -1), Slice()})).abs().mean();
}

}  // namespace

TrainResult train_fast(const TrainOptions& o, const ProgressFn& progress, const std::atomic<bool>* cancel) {
  const auto t0 = Clock::now();
  check_options(o);
  at::set_num_threads(o.threads > 0 ? o.threads : int(std::max(1u, std::thread::hardware_concurrency())));

  const std::vector<std::string> files = list_images(o.images);
  const Image style_img = load_image(o.style);
  std::unique_ptr<FeatureNet> fnet = load_network(o.features.empty() ? default_model() : o.features);
  const Defaults def = defaults_for(fnet->info());
  const std::vector<std::string> content_layers = o.content_layers.empty() ? def.content : o.content_layers;
  const std::vector<std::string> style_layers = o.style_layers.empty() ? def.style : o.style_layers;
  const double cw = o.content_weight >= 0 ? o.content_weight : def.content_weight;
  const double sw = o.style_weight >= 0 ? o.style_weight : def.style_weight;
  std::vector<std::string> all = content_layers;
  all.insert(all.end(), style_layers.begin(), style_layers.end());
  for (const auto& l : all) fnet->index_of(l);  // validates names
  const std::vector<at::Tensor> style_grams = style_targets(*fnet, style_img, style_layers, o.style_size);

  std::unique_ptr<fast::TransformNet> net = fast::create(o.width, o.seed);
  const Parameters named = net->parameters();
  std::vector<at::Tensor*> params;
  for (auto& [n, p] : named) params.push_back(p);
  Adam adam{o.learning_rate};
  for (auto* p : params) {
    adam.m.push_back(at::zeros_like(*p));
    adam.v.push_back(at::zeros_like(*p));
  }

  const std::string ckpt = o.checkpoint.empty() ? o.output + ".ckpt" : o.checkpoint;
  TrainResult result;
  result.model = o.output;
  result.checkpoint = ckpt;
  int step = 0;
  if (o.resume && exists(ckpt)) {
    step = load_checkpoint(ckpt, named, adam);
    adam.t = step;
    result.resumed_from = step;
  }
  for (auto* p : params) p->set_requires_grad(true);

  const int per_epoch = int((files.size() + o.batch - 1) / o.batch);
  const int total = o.max_steps > 0 ? o.max_steps : per_epoch * o.epochs;
  Progress p;
  p.iterations = total;
  while (step < total) {
    if (cancel && cancel->load()) {
      write_checkpoint(ckpt, o.output, *net, named, adam, step);
      throw Cancelled();
    }
    const at::Tensor x = batch_at(files, o, step, per_epoch);
    std::vector<at::Tensor> content_targets;
    {
      torch::NoGradGuard g;
      content_targets = fnet->features(x / 255.0, content_layers);
    }
    at::Tensor y = net->forward(x);
    std::vector<at::Tensor> f = fnet->features(y / 255.0, all);
    at::Tensor lc = at::zeros({}), ls = at::zeros({});
    for (size_t i = 0; i < content_layers.size(); ++i) lc = lc + at::mse_loss(f[i], content_targets[i]);
    for (size_t i = 0; i < style_layers.size(); ++i) {
      at::Tensor g = batch_gram(f[content_layers.size() + i]);
      ls = ls + at::mse_loss(g, style_grams[i].expand_as(g));
    }
    const at::Tensor ltv = o.tv_weight > 0 ? tv_l1(y) : at::zeros({});
    at::Tensor loss = cw * lc + sw * ls + o.tv_weight * ltv;
    torch::autograd::backward({loss});
    adam.step(params);
    ++step;
    p.iteration = step;
    p.losses.content = cw * lc.item<double>();
    p.losses.style = sw * ls.item<double>();
    p.losses.tv = o.tv_weight * ltv.item<double>();
    p.losses.total = loss.item<double>();
    p.elapsed_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!std::isfinite(p.losses.total))
      throw Error("training diverged (loss is not finite) at step " + std::to_string(step) +
                  ": lower the learning rate or the style weight");
    if (progress) progress(p);
    if (o.checkpoint_every > 0 && step % o.checkpoint_every == 0 && step < total)
      write_checkpoint(ckpt, o.output, *net, named, adam, step);
  }
  for (auto* pp : params) pp->set_requires_grad(false);
  write_checkpoint(ckpt, o.output, *net, named, adam, step);
  result.steps = step;
  result.losses = p.losses;
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace nst
