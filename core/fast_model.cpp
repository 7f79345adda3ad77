// Feed-forward style transfer, the public side: a whole image through the
// transform network in overlapping tiles with the whole image's instance-norm
// statistics (FastModel, fast_stylize) and the installed networks
// (find_fast_model, list_fast_models). The network itself: fast.cpp.
#include "cpu.h"
#include "fast.h"
#include "files.h"
#include "nst.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#ifndef NST_HAVE_DNNL
#define NST_HAVE_DNNL 0
#endif

namespace nst {

namespace {

at::Tensor to_tensor255(const Image& rgb, int x0, int y0, int w, int h) {
  at::Tensor t = at::empty({1, 3, h, w}, at::kFloat);
  float* d = t.data_ptr<float>();
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y) {
      const float* s = &rgb.data[(size_t(y0 + y) * rgb.width + x0) * 3 + c];
      float* o = d + (size_t(c) * h + y) * w;
      for (int x = 0; x < w; ++x) o[x] = s[size_t(x) * 3] * 255.f;
    }
  return t;
}

// Reflection-pads (N,C,H,W) on the bottom/right to multiples of 4 (or
// replicates when the image is too small to reflect).
at::Tensor pad4(const at::Tensor& x) {
  const int64_t h = x.size(2), w = x.size(3);
  const int64_t ph = (4 - h % 4) % 4, pw = (4 - w % 4) % 4;
  if (!ph && !pw) return x;
  if (ph < h && pw < w) return at::reflection_pad2d(x, {0, pw, 0, ph});
  return at::replication_pad2d(x, {0, pw, 0, ph});
}

constexpr int kStatsSize = 1024;

struct Runner {
  const fast::TransformNet& net;
  at::ScalarType dtype;
  bool int8 = false;  // float32 input, int8 convolutions (forward_dnnl)

  // RGB [0,255] float (1,3,h,w) -> (1,3,h,w) float [0,255].
  at::Tensor run(const at::Tensor& x255, fast::NormStats* record, const fast::NormStats* use,
                 fast::NormSums* sums = nullptr, size_t stop = 16) const {
    c10::InferenceMode guard;
    const int64_t h = x255.size(2), w = x255.size(3);
    at::Tensor x = pad4(x255).to(dtype).contiguous(at::MemoryFormat::ChannelsLast);
    if (sums) sums->input_h = x.size(2);
#if NST_HAVE_DNNL
    if (sums && stop == 1 && dtype == at::kFloat && !std::getenv("NST_FAST_ATEN")) {
      fast::first_layer_sums(net, x, *sums, int8);
      return at::Tensor();
    }
    at::Tensor y = int8 && !sums && stop >= 16 ? fast::forward_dnnl(net, x, record, use, true)
                                               : net.forward(x, record, use, sums, stop);
#else
    at::Tensor y = net.forward(x, record, use, sums, stop);
#endif
    if (stop < 16) return y;
    return y.narrow(2, 0, h).narrow(3, 0, w).to(at::kFloat).clamp(0, 255).contiguous();
  }
};

// Weight of a pixel at distance d from an inner tile edge: 0 near the edge
// (where the tile's own padding shows), a linear ramp in the middle of the
// overlap, 1 beyond.
float edge_weight(int d, int overlap) {
  const float skip = overlap * 0.25f, ramp = overlap * 0.5f;
  return std::clamp((float(d) + 0.5f - skip) / ramp, 0.f, 1.f);
}

std::vector<int> tile_starts(int size, int tile, int overlap) {
  std::vector<int> s;
  if (size <= tile) return {0};
  const int step = tile - overlap;
  const int n = 1 + (size - tile + step - 1) / step;
  for (int i = 0; i < n; ++i) s.push_back(std::min(i * step, size - tile));
  return s;
}

Image stylize_rgb(const fast::TransformNet& net, const Image& rgb, const FastOptions& o, at::ScalarType dtype,
                  bool int8, const ProgressFn& progress, const std::atomic<bool>* cancel) {
  const auto t0 = std::chrono::steady_clock::now();
  Runner r{net, dtype, int8};
  const int W = rgb.width, H = rgb.height;
  Image out(W, H, 3);
  Progress p;
  auto report = [&](int done, int total) {
    p.iteration = done;
    p.iterations = total;
    p.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (progress) progress(p);
  };
  auto check_cancel = [&] {
    if (cancel && cancel->load()) throw Cancelled();
  };
  auto write = [&](const at::Tensor& y, int x0, int y0, const std::function<float(int, int)>& weight, Image* acc,
                   std::vector<float>* wsum) {
    const int h = int(y.size(2)), w = int(y.size(3));
    const float* d = y.data_ptr<float>();
    for (int yy = 0; yy < h; ++yy)
      for (int xx = 0; xx < w; ++xx) {
        const size_t o = size_t(y0 + yy) * W + (x0 + xx);
        const float wt = weight ? weight(xx, yy) : 1.f;
        if (wsum) (*wsum)[o] += wt;
        for (int c = 0; c < 3; ++c) acc->data[o * 3 + c] += wt * d[(size_t(c) * h + yy) * w + xx] / 255.f;
      }
  };
  check_cancel();
  if (W <= o.tile && H <= o.tile) {
    report(0, 1);
    write(r.run(to_tensor255(rgb, 0, 0, W, H), nullptr, nullptr), 0, 0, {}, &out, nullptr);
    report(1, 1);
    return out;
  }
  // Whole-image instance-norm statistics, from a copy no larger than
  // max(tile, 1024) pixels (memory stays bounded; smaller copies shift the
  // statistics of the finer layers noticeably).
  const double s = std::min(1.0, double(std::max(o.tile, kStatsSize)) / std::max(W, H));
  const Image small = s < 1 ? resize(rgb, std::max(4, int(std::lround(W * s))), std::max(4, int(std::lround(H * s)))) : rgb;
  const std::vector<int> xs = tile_starts(W, o.tile, o.overlap), ys = tile_starts(H, o.tile, o.overlap);
  const int total = int(xs.size() * ys.size()) + 1;
  report(0, total);
  fast::NormStats stats;
  r.run(to_tensor255(small, 0, 0, small.width, small.height), &stats, nullptr);
  int done = 1;
  report(done, total);
  // Each image pixel belongs to one tile: the one whose centre is nearest
  // (the borders lie in the middle of the overlaps).
  auto own = [](const std::vector<int>& starts, size_t i, int tile, int size) {
    const int a = i == 0 ? 0 : (starts[i] + std::min(starts[i - 1] + tile, size)) / 2;
    const int b = i + 1 == starts.size() ? size : (starts[i + 1] + std::min(starts[i] + tile, size)) / 2;
    return std::make_pair(a - starts[i], b - starts[i]);
  };
  if (s < 1) {
    // The first layer sees the finest detail, which the small copy lacks:
    // its statistics come from the full-resolution tiles (a cheap pass of
    // one convolution). The deeper layers' statistics are close to the small
    // copy's, and measuring them on tiles normalised with approximate
    // statistics does worse (the errors compound from layer to layer).
    fast::NormSums sums;
    for (size_t iy = 0; iy < ys.size(); ++iy)
      for (size_t ix = 0; ix < xs.size(); ++ix) {
        check_cancel();
        const int tw = std::min(o.tile, W - xs[ix]), th = std::min(o.tile, H - ys[iy]);
        std::tie(sums.x0, sums.x1) = own(xs, ix, o.tile, W);
        std::tie(sums.y0, sums.y1) = own(ys, iy, o.tile, H);
        r.run(to_tensor255(rgb, xs[ix], ys[iy], tw, th), nullptr, &stats, &sums, 1);
      }
    fast::NormStats est = sums.stats();
    stats.mean[0] = est.mean[0];
    stats.var[0] = est.var[0];
  }
  std::vector<float> wsum(size_t(W) * H, 0.f);
  for (int ty : ys)
    for (int tx : xs) {
      check_cancel();
      const int tw = std::min(o.tile, W - tx), th = std::min(o.tile, H - ty);
      at::Tensor y = r.run(to_tensor255(rgb, tx, ty, tw, th), nullptr, &stats);
      // Inner edges fade; the image's own borders keep full weight.
      auto weight = [&](int xx, int yy) {
        float wt = 1.f;
        if (tx > 0) wt *= edge_weight(xx, o.overlap);
        if (tx + tw < W) wt *= edge_weight(tw - 1 - xx, o.overlap);
        if (ty > 0) wt *= edge_weight(yy, o.overlap);
        if (ty + th < H) wt *= edge_weight(th - 1 - yy, o.overlap);
        return wt;
      };
      write(y, tx, ty, weight, &out, &wsum);
      report(++done, total);
    }
  for (size_t i = 0; i < wsum.size(); ++i)
    for (int c = 0; c < 3; ++c) out.data[i * 3 + c] = std::clamp(out.data[i * 3 + c] / std::max(wsum[i], 1e-6f), 0.f, 1.f);
  return out;
}

}  // namespace

std::string FastModelInfo::describe() const {
  return name + (format == "ml5" ? " (ml5 fast-style network)" : " (TransformerNet state dict)") + " from " + path;
}

struct FastModel::Impl {
  std::unique_ptr<fast::TransformNet> net;
};

FastModel::FastModel(const std::string& path) : impl_(std::make_unique<Impl>()) { impl_->net = fast::load(path); }
FastModel::~FastModel() = default;
FastModel::FastModel(FastModel&&) noexcept = default;
FastModel& FastModel::operator=(FastModel&&) noexcept = default;
const FastModelInfo& FastModel::info() const { return impl_->net->info(); }

Image FastModel::stylize(const Image& content, const FastOptions& o, const ProgressFn& progress,
                         const std::atomic<bool>* cancel) const {
  if (content.empty() || content.width <= 0 || content.height <= 0) throw Error("the content image is empty");
  if (o.size < 0 || (o.size > 0 && o.size < 16)) throw Error("working size must be at least 16 pixels (got " + std::to_string(o.size) + ")");
  if (o.tile < 128) throw Error("tile size must be at least 128 pixels (got " + std::to_string(o.tile) + ")");
  if (o.overlap < 0 || o.overlap > o.tile / 2)
    throw Error("tile overlap must be between 0 and half the tile size (got " + std::to_string(o.overlap) + ")");
  if (o.threads > 0) at::set_num_threads(o.threads);
  else at::set_num_threads(int(std::max(1u, std::thread::hardware_concurrency())));
  // Auto: int8 where oneDNN has VNNI or AVX2 (1024 px, 2 threads: 0.24 vs
  // 0.82 s for float32 with VNNI, 0.88 vs 1.87 s under an AVX2 cap; PSNR
  // 37-46 dB against float32 on the five published styles with VNNI, 32-40 dB
  // with AVX2's 7-bit weights; docs/performance.md), else fp32.
  const bool int8 = o.precision == Precision::Int8 || (o.precision == Precision::Auto && fast::int8_available());
  at::ScalarType dtype = at::kFloat;
  if (o.precision == Precision::BFloat16 || (o.precision == Precision::Auto && !int8 && cpu::has_amx_bf16()))
    dtype = at::kBFloat16;
  if (int8 && !fast::int8_available())
    throw Error(NST_HAVE_DNNL ? "int8 precision needs a CPU with AVX2 or AVX-512 VNNI; this one has " + cpu::describe() +
                                    ": use fp32 or auto"
                              : std::string("int8 precision needs a build with oneDNN (libdnnl-dev): use fp32 or auto"));
  if (dtype == at::kBFloat16 && !cpu::has_bf16()) throw Error(cpu::bf16_refusal());

  Image rgb = convert_channels(content, 3);
  if (o.size > 0) {
    const double s = double(o.size) / std::max(content.width, content.height);
    rgb = resize(rgb, std::max(1, int(std::lround(content.width * s))), std::max(1, int(std::lround(content.height * s))));
  }
  Image styled = stylize_rgb(*impl_->net, rgb, o, dtype, int8, progress, cancel);
  styled = resize(styled, content.width, content.height);
  Image out = convert_channels(styled, content.channels);
  if (content.has_alpha()) {
    const size_t n = size_t(out.width) * out.height;
    for (size_t i = 0; i < n; ++i)
      out.data[i * out.channels + out.channels - 1] = content.data[i * content.channels + content.channels - 1];
  }
  return out;
}

Image fast_stylize(const Image& content, const std::string& model, const FastOptions& options,
                   const ProgressFn& progress, const std::atomic<bool>* cancel) {
  return FastModel(model).stylize(content, options, progress, cancel);
}

FastModelInfo inspect_fast_model(const std::string& path) { return fast::load(path)->info(); }

std::string find_fast_model(const std::string& m) {
  if (m.empty()) throw Error("no fast-style network given: name an installed style or a network file");
  if (m.find('/') != std::string::npos || files::exists(m)) return m;
  const std::vector<FastModelInfo> installed = list_fast_models();
  std::string names;
  for (const auto& f : installed) {
    if (f.name == m) return f.path;
    names += (names.empty() ? "" : ", ") + f.name;
  }
  throw Error("no fast-style network named '" + m + "' is installed in " + models_dir() + "/fast-style" +
              (names.empty() ? std::string(" (none is: run install-scripts/install-models.sh --download fast-style)")
                             : " (installed: " + names + ")"));
}

std::vector<FastModelInfo> list_fast_models() {
  const std::string dir = models_dir() + "/fast-style";
  std::vector<FastModelInfo> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    const std::string p = dir + "/" + name;
    FastModelInfo m;
    m.path = p;
    if (files::is_dir(p) && files::exists(p + "/manifest.json")) {
      m.name = name;
      m.format = "ml5";
      m.upsampling = "transposed";
    } else if (!files::is_dir(p) && (files::has_extension(name, ".pth") || files::has_extension(name, ".pt") ||
                                      files::has_extension(name, ".model"))) {
      m.name = files::stem(name);
      m.format = "torch";
      m.upsampling = "nearest";
    } else {
      continue;
    }
    found.push_back(m);
  }
  std::sort(found.begin(), found.end(), [](const FastModelInfo& a, const FastModelInfo& b) { return a.name < b.name; });
  return found;
}

}  // namespace nst
