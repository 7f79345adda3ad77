// Tests of feed-forward style transfer: loaders for both network variants,
// exactness against PyTorch and an independent numpy reference, tiling,
// the model list, and training with checkpoints. Fixtures: small
// TransformerNet files (NST_FIXTURES, from make_fast_fixtures.py) and the
// real ml5 networks and photos in ../shared (NST_SHARED; tests skip without).
#include "cpu.h"
#include "fast.h"
#include "nst.h"
#include "test_helpers.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/utils.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace {

using namespace nst_test;

const std::string kFixtures = fixtures_dir();
const std::string kShared = shared_dir();
const std::string kPython = env_or("NST_PYTHON", "/usr/bin/python3");
const std::string kScripts = env_or("NST_SCRIPTS", "tests/fixtures");
const std::string kMl5 = kShared + "/models/fast-style-ml5";
const std::string kDarknet = kShared + "/models/darknet-tiny";

// The ml5 fast-style networks, Darknet-tiny and the photos of ../shared.
#define REQUIRE_REAL_MODELS()                                                                           \
  REQUIRE_SHARED("models/fast-style-ml5/wave/manifest.json", "models/darknet-tiny/model.json", \
                 "testdata/content/chelsea.jpg")

std::string fixture(const std::string& name) {
  const std::string p = kFixtures + "/" + name;
  if (!exists(p)) ADD_FAILURE() << "fixture missing: " << p << " (built by tests/fixtures/make_fast_fixtures.py)";
  return p;
}


nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path);
  nlohmann::json j;
  f >> j;
  return j;
}

// (1,3,H,W) values -> Image in [0,1].
nst::Image image_of(const std::vector<float>& v, int h, int w, float scale) {
  nst::Image img(w, h, 3);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) img.at(x, y, c) = v[(size_t(c) * h + y) * w + x] * scale;
  return img;
}

double max_abs_diff(const nst::Image& a, const nst::Image& b) {
  EXPECT_EQ(a.data.size(), b.data.size());
  double m = 0;
  for (size_t i = 0; i < a.data.size() && i < b.data.size(); ++i) m = std::max(m, double(std::abs(a.data[i] - b.data[i])));
  return m;
}
double mean_abs_diff(const nst::Image& a, const nst::Image& b) {
  double s = 0;
  for (size_t i = 0; i < a.data.size(); ++i) s += std::abs(a.data[i] - b.data[i]);
  return s / a.data.size();
}

void write_f32(const nst::Image& img, const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(img.data.data()), std::streamsize(img.data.size() * 4));
}
nst::Image read_f32(const std::string& path, int w, int h) {
  nst::Image img(w, h, 3);
  std::ifstream f(path, std::ios::binary);
  f.read(reinterpret_cast<char*>(img.data.data()), std::streamsize(img.data.size() * 4));
  EXPECT_EQ(size_t(f.gcount()), img.data.size() * 4) << path;
  return img;
}

nst::Image gradient_image(int w, int h, int channels) {
  nst::Image img(w, h, channels);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c) img.at(x, y, c) = float((x * 7 + y * 13 + c * 50) % 256) / 255.f;
  return img;
}

double psnr(const nst::Image& a, const nst::Image& b) {
  double se = 0;
  for (size_t i = 0; i < a.data.size(); ++i) se += double(a.data[i] - b.data[i]) * (a.data[i] - b.data[i]);
  return 10 * std::log10(double(a.data.size()) / std::max(se, 1e-12));
}

// Why the int8 path does not run here.
std::string no_int8_because() {
#ifdef NST_HAVE_DNNL
  return "this CPU: " + nst::cpu::describe();
#else
  return "built without oneDNN";
#endif
}

#define REQUIRE_INT8() \
  if (!nst::fast::int8_available()) GTEST_SKIP() << "the int8 path does not run here (" << no_int8_because() << ")"

nst::FastOptions fp32() {
  nst::FastOptions o;
  o.precision = nst::Precision::Float32;
  return o;
}

void copy_file(const std::string& from, const std::string& to, size_t keep = size_t(-1)) {
  std::ifstream in(from, std::ios::binary);
  std::stringstream b;
  b << in.rdbuf();
  std::string bytes = b.str();
  if (keep < bytes.size()) bytes.resize(keep);
  std::ofstream(to, std::ios::binary) << bytes;
}

// ---------------------------------------------------------------- TransformerNet files
TEST(FastLoader, PytorchExamplesStateDictsMatchPyTorch) {
  const nlohmann::json ref = read_json(fixture("tn-reference.json"));
  auto in = ref["input"].get<std::vector<float>>();
  auto shape = ref["input_shape"].get<std::vector<int64_t>>();
  auto expect = ref["output"].get<std::vector<float>>();
  for (const char* file : {"tn-legacy.pth", "tn-zip.pth"}) {
    auto net = nst::fast::load(fixture(file));
    EXPECT_EQ(net->info().format, "torch") << file;
    EXPECT_EQ(net->info().upsampling, "nearest") << file;
    EXPECT_EQ(net->info().name, std::string(file).substr(0, std::string(file).size() - 4));
    EXPECT_EQ(net->layers().size(), 16u);
    EXPECT_EQ(net->layers()[0].weight.sizes().vec(), (std::vector<int64_t>{4, 3, 9, 9}));
    torch::NoGradGuard g;
    at::Tensor y = net->forward(at::from_blob(in.data(), shape, at::kFloat));
    ASSERT_EQ(y.sizes().vec(), shape) << file;
    at::Tensor e = at::from_blob(expect.data(), shape, at::kFloat);
    const double err = (y - e).abs().max().item<double>(), scale = e.abs().max().item<double>();
    EXPECT_LT(err, 1e-4 * scale) << file << ": max abs difference " << err << " (output range " << scale << ")";
  }
}

TEST(FastLoader, OddSizesAreReflectionPaddedToMultiplesOfFour) {
  const nlohmann::json ref = read_json(fixture("tn-reference.json"));
  auto shape = ref["odd_shape"].get<std::vector<int>>();
  const nst::Image in = image_of(ref["odd_input"].get<std::vector<float>>(), shape[2], shape[3], 1.f / 255);
  std::vector<float> expect = ref["odd_output"].get<std::vector<float>>();
  for (float& v : expect) v = std::clamp(v, 0.f, 255.f);
  const nst::Image want = image_of(expect, shape[2], shape[3], 1.f / 255);
  nst::Image out = nst::fast_stylize(in, fixture("tn-legacy.pth"), fp32());
  ASSERT_EQ(out.width, 22);
  ASSERT_EQ(out.height, 17);
  EXPECT_LT(max_abs_diff(out, want), 2e-5);
}

// Layers deep in the network are tiny for tiny images (a 1x1 layer is
// padded to 4x4, its third layer is 1x1): reflection padding wider than the
// layer reflects again instead of reading outside it.
TEST(FastLoader, TinyImagesInBothPrecisions) {
  std::vector<nst::Precision> precisions = {nst::Precision::Float32};
  if (nst::fast::int8_available()) precisions.push_back(nst::Precision::Int8);
  for (nst::Precision p : precisions)
    for (auto [w, h] : {std::pair{1, 1}, {5, 3}, {3, 11}}) {
      nst::FastOptions o = fp32();
      o.precision = p;
      const nst::Image out = nst::fast_stylize(gradient_image(w, h, 3), fixture("tn-zip.pth"), o);
      ASSERT_EQ(out.width, w);
      ASSERT_EQ(out.height, h);
      for (float v : out.data) ASSERT_TRUE(v >= 0.f && v <= 1.f);
      // Reads outside a layer would show as garbage; float summation order as < 1e-6.
      EXPECT_LT(max_abs_diff(out, nst::fast_stylize(gradient_image(w, h, 3), fixture("tn-zip.pth"), o)), 1e-5);
    }
  // The ATen path (training, and builds without oneDNN) pads the same way.
  auto net = nst::fast::load(fixture("tn-zip.pth"));
  // A fixed input: the deepest layers hold 1x2 pixels, and instance norm over
  // two nearly equal values magnifies float rounding without bound (a random
  // input in every run differed by 2e-3 in one run of 60, 1e-5 typically).
  const at::Tensor x = at::rand({1, 3, 4, 8}, at::detail::createCPUGenerator(7)) * 255;
  at::Tensor aten = net->forward(x.clone().set_requires_grad(true)).detach();  // autograd on: ATen
  c10::InferenceMode guard;
  const at::Tensor dnnl = net->forward(x.contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_LT((aten - dnnl).abs().max().item<double>(), 1e-4 * aten.abs().max().item<double>());
}

TEST(FastLoader, RejectsBadFilesWithPreciseMessages) {
  struct Case {
    std::string path, expect;
  } cases[] = {
      {fixture("tn-wrong-shape.pth"), "'conv2.conv2d.weight' has shape [8, 5, 3, 3], expected [8, 4, 3, 3]"},
      {fixture("tn-missing-key.pth"), "lacks 'deconv3.conv2d.bias'"},
      {fixture("tn-other-net.pth"), "is not a TransformerNet state dict (expected keys conv1.conv2d.weight"},
      {fixture("tn-truncated.pth"), "damaged zip archive"},
      {fixture("vgg19-zip.pth"), "is a VGG feature network, not a fast-style network"},
      {fixture("garbage.pth"), "not a PyTorch weight file"},
      {"/nonexistent/mosaic.pth", "fast-style model '/nonexistent/mosaic.pth' does not exist"},
      {testing::TempDir(), "holds no manifest.json"},
      {"", "no fast-style model given"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of([&] { nst::FastModel m(c.path); });
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.path << ": got '" << msg << "'";
  }
}

TEST(FastLoader, SavedNetworkReloadsIdentically) {
  auto net = nst::fast::create(4, 7);
  const std::string path = testing::TempDir() + "/saved.pth";
  nst::fast::save(*net, path);
  auto back = nst::fast::load(path);
  at::Tensor x = at::rand({1, 3, 16, 12}) * 255;
  at::Tensor aten = back->forward(x).detach();  // autograd on: the ATen path
  torch::NoGradGuard g;
  EXPECT_EQ((net->forward(x) - back->forward(x)).abs().max().item<float>(), 0.f);
  EXPECT_LT((aten - back->forward(x)).abs().max().item<float>(), 1e-3);  // the oneDNN path
}

// ---------------------------------------------------------------- ml5 networks
TEST(FastMl5, MatchesIndependentNumpyReferenceOnRealPhoto) {
  REQUIRE_REAL_MODELS();
  nst::Image photo = nst::resize(nst::load_image(kShared + "/testdata/content/chelsea.jpg"), 224, 148);
  const std::string in = testing::TempDir() + "/ml5-in.f32", out = testing::TempDir() + "/ml5-ref.f32";
  write_f32(photo, in);
  for (const char* style : {"wave", "la_muse"}) {
    const std::string cmd = kPython + " " + kScripts + "/ml5_reference.py " + kMl5 + "/" + style + " " + in +
                            " 148 224 " + out;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const nst::Image ref = read_f32(out, 224, 148);
    nst::Image ours = nst::fast_stylize(photo, kMl5 + "/" + style, fp32());
    const double err = max_abs_diff(ours, ref);
    EXPECT_LT(err, 1e-3) << style << ": max abs difference to the numpy reference " << err;
    std::printf("%s: max abs difference to the numpy reference %.2g (of 1)\n", style, err);
    EXPECT_GT(mean_abs_diff(ours, photo), 0.05) << style << ": output barely differs from the photo";
    // bfloat16 (AMX) stays close to float32; a CPU without bf16 refuses it.
    nst::FastOptions bf = fp32();
    bf.precision = nst::Precision::BFloat16;
    if (!nst::cpu::has_bf16()) {
      EXPECT_THROW(nst::fast_stylize(photo, kMl5 + "/" + style, bf), nst::Error);
      continue;
    }
    nst::Image fast = nst::fast_stylize(photo, kMl5 + "/" + style, bf);
    EXPECT_LT(mean_abs_diff(fast, ours), 4.0 / 255) << style;
    std::printf("%s: bfloat16 vs float32 mean abs difference %.4f, max %.4f\n", style, mean_abs_diff(fast, ours),
                max_abs_diff(fast, ours));
  }
}

TEST(FastMl5, InfoAndOddSizes) {
  REQUIRE_REAL_MODELS();
  nst::FastModel m(kMl5 + "/udnie");
  EXPECT_EQ(m.info().name, "udnie");
  EXPECT_EQ(m.info().format, "ml5");
  EXPECT_EQ(m.info().upsampling, "transposed");
  EXPECT_EQ(nst::inspect_fast_model(kMl5 + "/udnie/manifest.json").name, "udnie");
  // The oneDNN inference path (no autograd) and the ATen path (autograd on,
  // as in training) compute the same network.
  auto net = nst::fast::load(kMl5 + "/udnie");
  // Seeded: on unseeded noise the two paths differed by 1.15e-3 once in 56
  // runs (float summation order, amplified by the instance norms
  // of a 36x44 noise image).
  at::manual_seed(11);
  at::Tensor x = at::rand({1, 3, 36, 44}) * 255;
  at::Tensor aten = net->forward(x).detach();
  at::Tensor dnnl;
  {
    torch::NoGradGuard g;
    dnnl = net->forward(x.contiguous(at::MemoryFormat::ChannelsLast));
  }
  EXPECT_LT((aten - dnnl).abs().max().item<double>(), 1e-3);
  nst::Image out = m.stylize(gradient_image(37, 23, 3), fp32());
  EXPECT_EQ(out.width, 37);
  EXPECT_EQ(out.height, 23);
  for (float v : out.data) ASSERT_TRUE(v >= 0.f && v <= 1.f);
}

// Every convolution in int8 (the default with AVX2 or VNNI) stays close to
// float32 on a real photo for each published style, and Auto picks it.
TEST(FastMl5, Int8StaysCloseToFloat32) {
  REQUIRE_REAL_MODELS();
  REQUIRE_INT8();
  const nst::Image photo = nst::resize(nst::load_image(kShared + "/testdata/content/astronaut.jpg"), 256, 256);
  nst::FastOptions int8 = fp32();
  int8.precision = nst::Precision::Int8;
  for (const char* style : {"wave", "udnie", "scream", "la_muse", "rain_princess"}) {
    nst::FastModel m(kMl5 + "/" + style);
    const nst::Image ref = m.stylize(photo, fp32());
    const nst::Image q = m.stylize(photo, int8);
    const double db = psnr(q, ref), mean = mean_abs_diff(q, ref);
    std::printf("%s: int8 vs float32 PSNR %.1f dB, mean abs difference %.2f/255\n", style, db, mean * 255);
    EXPECT_GT(db, 30.0) << style;
    EXPECT_LT(mean, 5.0 / 255) << style;
    EXPECT_GT(mean_abs_diff(q, photo), 0.05) << style << ": output barely differs from the photo";
    EXPECT_EQ(max_abs_diff(m.stylize(photo), q), 0.0) << style << ": Auto should run the int8 path here";
  }
}

// The "nearest" layout (reflection padding, bias, nearest upsampling, a last
// convolution without norm) through the int8 path, with a network whose
// output is not flat: within a few percent of float32 (relative to the
// output's spread; without VNNI the weights take 7 bits, see prepare_int8:
// 0.094 measured against 0.044 with VNNI), and the same with recorded
// statistics as with its own.
TEST(FastInt8, NearestNetworkMatchesFloat32) {
  REQUIRE_INT8();
#if NST_HAVE_DNNL  // int8_available() is false without it
  auto net = nst::fast::create(32, 7);
  c10::InferenceMode guard;
  at::manual_seed(3);
  const at::Tensor x = (at::upsample_bilinear2d(at::rand({1, 3, 13, 11}), {100, 84}, false) * 255)
                           .contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor fp = nst::fast::forward_dnnl(*net, x, nullptr, nullptr, false);
  nst::fast::NormStats stats;
  const at::Tensor q = nst::fast::forward_dnnl(*net, x, &stats, nullptr, true);
  ASSERT_EQ(q.sizes(), fp.sizes());
  const double spread = (fp - fp.mean()).norm().item<double>();
  const double rel = (q - fp).norm().item<double>() / spread;
  std::printf("int8 vs float32: relative error %.4f\n", rel);
  EXPECT_GT(spread, 1.0);
  EXPECT_LT(rel, nst::cpu::has_vnni() ? 0.05 : 0.12);
  EXPECT_EQ(stats.mean.size(), 15u);  // every layer but the last is normalised
  const at::Tensor again = nst::fast::forward_dnnl(*net, x, nullptr, &stats, true);
  EXPECT_EQ((again - q).abs().max().item<double>(), 0.0);
#endif
}

TEST(FastMl5, RejectsDamagedCopies) {
  REQUIRE_REAL_MODELS();
  const std::string dir = testing::TempDir() + "/ml5-damaged";
  mkdir(dir.c_str(), 0755);
  const std::string src = kMl5 + "/wave";
  nlohmann::json manifest = read_json(src + "/manifest.json");
  auto copy_all = [&] {
    for (auto it = manifest.begin(); it != manifest.end(); ++it)
      copy_file(src + "/" + it.value()["filename"].get<std::string>(), dir + "/" + it.value()["filename"].get<std::string>());
    std::ofstream(dir + "/manifest.json") << manifest.dump();
  };
  copy_all();
  EXPECT_EQ(nst::FastModel(dir).info().format, "ml5");
  std::remove((dir + "/Variable_7").c_str());
  EXPECT_NE(error_of([&] { nst::FastModel m(dir); }).find("variable file '" + dir + "/Variable_7' is missing"), std::string::npos);
  copy_file(src + "/Variable_7", dir + "/Variable_7", 100);
  EXPECT_NE(error_of([&] { nst::FastModel m(dir); }).find("has 100 bytes, expected 512"), std::string::npos);
  copy_all();
  std::ofstream(dir + "/manifest.json") << manifest.dump().substr(0, 300);
  EXPECT_NE(error_of([&] { nst::FastModel m(dir); }).find("is not valid JSON"), std::string::npos);
  // A network whose third conv has 64 channels: the first residual conv no longer fits.
  nlohmann::json narrow = manifest;
  narrow["Variable_6"]["shape"] = {3, 3, 64, 64};
  std::ofstream(dir + "/Variable_6", std::ios::binary) << std::string(3 * 3 * 64 * 64 * 4, '\0');
  std::ofstream(dir + "/manifest.json") << narrow.dump();
  EXPECT_NE(error_of([&] { nst::FastModel m(dir); })
                .find("'Variable_7' (conv3 instance norm) has shape [128], expected [64]"),
            std::string::npos)
      << error_of([&] { nst::FastModel m(dir); });
  copy_all();
  nlohmann::json fewer = manifest;
  fewer.erase("Variable_47");
  std::ofstream(dir + "/manifest.json") << fewer.dump();
  EXPECT_NE(error_of([&] { nst::FastModel m(dir); }).find("has 47 variables, expected 48"), std::string::npos);
  EXPECT_NE(error_of([&] { nst::FastModel m(kDarknet); }).find("TensorFlow.js Layers model"), std::string::npos);
}

// ---------------------------------------------------------------- tiling
TEST(FastTiling, TilesMatchTheWholeImageWithoutSeams) {
  REQUIRE_REAL_MODELS();
  const nst::Image photo = nst::load_image(kShared + "/testdata/content/coffee.jpg");  // 600x400
  nst::FastModel m(kMl5 + "/wave");
  const nst::Image ref = m.stylize(photo, fp32());
  std::vector<nst::Precision> precisions = {nst::Precision::Float32};
  if (nst::fast::int8_available()) precisions.push_back(nst::Precision::Int8);
  for (nst::Precision precision : precisions) {
    const bool int8 = precision == nst::Precision::Int8;
    SCOPED_TRACE(int8 ? "int8" : "float32");
    nst::FastOptions tiled = fp32();
    tiled.precision = precision;
    // int8 tiles quantise with the steps of the statistics pass, so they
    // stay as close to the whole int8 image as float32 tiles do to theirs
    // (per-tile steps round the weights differently in each tile, a bias
    // that instance norm no longer cancels: 2x int8's error without VNNI).
    const nst::Image whole = int8 ? m.stylize(photo, tiled) : ref;
    const double budget = int8 ? mean_abs_diff(whole, ref) : 0.0;
    tiled.tile = 256;
    tiled.overlap = 96;
    int reports = 0, total = 0;
    const nst::Image out = m.stylize(photo, tiled, [&](const nst::Progress& p) {
      ++reports;
      total = p.iterations;
    });
    EXPECT_EQ(total, 4 * 2 + 1);  // 4x2 tiles (starts 0, 160, 320, 344 and 0, 144) plus the statistics pass
    EXPECT_EQ(reports, total + 1);
    const double mean = mean_abs_diff(out, ref);
    EXPECT_LT(mean, budget + 0.005) << "tiled output differs from the whole-image output";
    EXPECT_LT(mean_abs_diff(out, whole), 0.005) << "tiled output differs from the whole image in its own precision";
    if (!int8) {
      EXPECT_LT(max_abs_diff(out, ref), 0.1);
    }
    // Seams: the difference to the whole-image result must not jump across the
    // tile borders; compare the mean horizontal step of the tiled output in
    // the columns where tiles meet with the mean step elsewhere.
    auto step_at = [&](const nst::Image& img, int x) {
      double s = 0;
      for (int y = 0; y < img.height; ++y)
        for (int c = 0; c < 3; ++c) s += std::abs(img.at(x + 1, y, c) - img.at(x, y, c));
      return s / (img.height * 3);
    };
    double all = 0;
    for (int x = 0; x + 1 < out.width; ++x) all += step_at(out, x);
    all /= out.width - 1;
    for (int x = 100; x < 260; ++x)  // first tile ends at 256, the second starts at 160
      EXPECT_LT(step_at(out, x), 2.0 * all) << "column " << x;
    std::printf("%s: tiled vs whole float32: mean abs difference %.4f (whole image in this precision: %.4f), mean "
                "column step %.4f\n", int8 ? "int8" : "float32", mean, budget, all);
  }
}

TEST(FastTiling, KeepsAlphaAndGreyLayoutAndCancels) {
  nst::Image ga = gradient_image(300, 140, 2);
  for (int x = 0; x < 300; ++x) ga.at(x, 5, 1) = 0.f;
  nst::FastOptions o = fp32();
  o.tile = 128;
  o.overlap = 32;
  nst::Image out = nst::fast_stylize(ga, fixture("tn-zip.pth"), o);
  ASSERT_EQ(out.channels, 2);
  ASSERT_EQ(out.width, 300);
  for (int y = 0; y < 140; ++y)
    for (int x = 0; x < 300; ++x) ASSERT_EQ(out.at(x, y, 1), ga.at(x, y, 1));
  std::atomic<bool> cancel{false};
  int seen = 0;
  EXPECT_THROW(nst::fast_stylize(ga, fixture("tn-zip.pth"), o,
                                 [&](const nst::Progress& p) {
                                   seen = p.iteration;
                                   if (p.iteration == 2) cancel = true;
                                 },
                                 &cancel),
               nst::Cancelled);
  EXPECT_EQ(seen, 2);
  // Working size scales the image; the result keeps the content's size.
  o.size = 64;
  nst::Image small = nst::fast_stylize(gradient_image(300, 140, 3), fixture("tn-zip.pth"), o);
  EXPECT_EQ(small.width, 300);
  EXPECT_EQ(small.height, 140);
  o.size = 0;
  o.tile = 64;
  EXPECT_NE(error_of([&] { nst::fast_stylize(ga, fixture("tn-zip.pth"), o); }).find("tile size must be at least 128"),
            std::string::npos);
  EXPECT_NE(error_of([&] { nst::fast_stylize(nst::Image(), fixture("tn-zip.pth")); }).find("content image is empty"),
            std::string::npos);
}

// ---------------------------------------------------------------- model list
TEST(FastModels, ListsInstalledNetworksByName) {
  std::string tmpl = testing::TempDir() + "/fast-models-XXXXXX";
  ASSERT_NE(mkdtemp(&tmpl[0]), nullptr);
  const std::string dir = tmpl;
  setenv("NST_MODELS_DIR", dir.c_str(), 1);
  EXPECT_TRUE(nst::list_fast_models().empty());
  mkdir((dir + "/fast-style").c_str(), 0755);
  mkdir((dir + "/fast-style/wave").c_str(), 0755);
  std::ofstream(dir + "/fast-style/wave/manifest.json") << "{}";
  mkdir((dir + "/fast-style/empty").c_str(), 0755);
  copy_file(fixture("tn-zip.pth"), dir + "/fast-style/mosaic.pth");
  std::ofstream(dir + "/fast-style/notes.txt") << "x";
  auto list = nst::list_fast_models();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "mosaic");
  EXPECT_EQ(list[0].format, "torch");
  EXPECT_EQ(list[0].path, dir + "/fast-style/mosaic.pth");
  EXPECT_EQ(list[1].name, "wave");
  EXPECT_EQ(list[1].format, "ml5");
  EXPECT_EQ(nst::FastModel(list[0].path).info().describe(), "mosaic (TransformerNet state dict) from " + list[0].path);
  // Names resolve to installed paths; paths stay as they are; unknown names
  // are refused with the installed names.
  EXPECT_EQ(nst::find_fast_model("mosaic"), dir + "/fast-style/mosaic.pth");
  EXPECT_EQ(nst::find_fast_model("wave"), dir + "/fast-style/wave");
  EXPECT_EQ(nst::find_fast_model("/x/y.pth"), "/x/y.pth");
  const std::string e = error_of([] { nst::find_fast_model("starry"); });
  EXPECT_NE(e.find("no fast-style network named 'starry' is installed in " + dir + "/fast-style (installed: mosaic, wave)"),
            std::string::npos) << e;
  EXPECT_NE(error_of([] { nst::find_fast_model(""); }).find("no fast-style network given"), std::string::npos);
  unsetenv("NST_MODELS_DIR");
}

// ---------------------------------------------------------------- training
// Two generated photos (smooth shapes) and a generated painting (diagonal
// stripes), written once.
nst::Image generated_photo(int w, int h, int seed) {
  nst::Image img(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double cx = x - w * (0.3 + 0.4 * seed), cy = y - h * 0.5, r = std::sqrt(cx * cx + cy * cy);
      img.at(x, y, 0) = float(r < h * 0.3 ? 0.85 : 0.2 + 0.5 * x / w);
      img.at(x, y, 1) = float(0.3 + 0.4 * std::sin(0.05 * (y + 17 * seed)) * std::cos(0.04 * x));
      img.at(x, y, 2) = float(0.5 + 0.4 * y / h - (r < h * 0.3 ? 0.3 : 0.0));
    }
  return img;
}
nst::Image generated_painting(int w, int h) {
  nst::Image img(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const bool stripe = ((x + y) / 6) % 2 == 0;
      img.at(x, y, 0) = stripe ? 0.9f : 0.1f;
      img.at(x, y, 1) = stripe ? 0.7f : 0.2f;
      img.at(x, y, 2) = stripe ? 0.1f : 0.6f;
    }
  return img;
}

// Training on generated images with the random-weight Darknet-tiny
// (make_darknet_fixture.py): needs nothing from ../shared.
nst::TrainOptions tiny_training(const std::string& name) {
  const std::string dir = testing::TempDir() + "/train-images";
  mkdir(dir.c_str(), 0755);
  if (!exists(dir + "/a.png")) {
    nst::save_image(generated_photo(120, 90, 0), dir + "/a.png");
    nst::save_image(generated_photo(100, 80, 1), dir + "/b.png");
    nst::save_image(generated_painting(160, 120), testing::TempDir() + "/train-style.png");
  }
  std::ofstream(dir + "/readme.txt") << "not an image";
  nst::TrainOptions o;
  o.style = testing::TempDir() + "/train-style.png";
  o.images = dir;
  o.output = testing::TempDir() + "/" + name + ".pth";
  o.features = fixture("darknet-random");
  o.size = 64;
  o.style_size = 128;
  o.batch = 2;
  o.width = 8;
  o.max_steps = 12;
  o.learning_rate = 3e-2;
  o.resume = false;
  o.threads = 2;
  std::remove(o.output.c_str());
  std::remove((o.output + ".ckpt").c_str());
  return o;
}

TEST(FastTrain, LossDecreasesAndTheModelReloads) {
  nst::TrainOptions o = tiny_training("trained");
  std::vector<double> losses;
  nst::TrainResult r = nst::train_fast(o, [&](const nst::Progress& p) { losses.push_back(p.losses.total); });
  ASSERT_EQ(losses.size(), 12u);
  EXPECT_EQ(r.steps, 12);
  EXPECT_LT(losses.back(), 0.5 * losses.front()) << "first " << losses.front() << ", last " << losses.back();
  EXPECT_GT(r.losses.style, 0);
  EXPECT_GT(r.losses.content, 0);
  ASSERT_TRUE(exists(o.output));
  ASSERT_TRUE(exists(o.output + ".ckpt"));
  // Reloads, and PyTorch reads the same network and computes the same image.
  nst::FastModel m(o.output);
  EXPECT_EQ(m.info().format, "torch");
  const nst::Image photo = generated_photo(96, 64, 1);
  const nst::Image ours = m.stylize(photo, fp32());
  const std::string in = testing::TempDir() + "/trained-in.f32", out = testing::TempDir() + "/trained-out.f32";
  write_f32(photo, in);
  const std::string cmd = kPython + " " + kScripts + "/run_transformer_net.py " + o.output + " " + in + " 64 96 " + out;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_LT(max_abs_diff(ours, read_f32(out, 96, 64)), 1e-4);
}

TEST(FastTrain, ResumingFromACheckpointContinuesTheSameRun) {
  nst::TrainOptions o = tiny_training("straight");
  o.max_steps = 6;
  nst::train_fast(o);
  nst::TrainOptions a = tiny_training("resumed");
  a.max_steps = 6;
  std::atomic<bool> cancel{false};
  EXPECT_THROW(nst::train_fast(a, [&](const nst::Progress& p) { if (p.iteration == 3) cancel = true; }, &cancel),
               nst::Cancelled);
  a.max_steps = 6;
  a.resume = true;
  nst::TrainResult r = nst::train_fast(a);
  EXPECT_EQ(r.resumed_from, 3);
  EXPECT_EQ(r.steps, 6);
  const nst::Image img = gradient_image(40, 32, 3);
  const double d = max_abs_diff(nst::fast_stylize(img, o.output, fp32()), nst::fast_stylize(img, a.output, fp32()));
  EXPECT_LT(d, 1e-3) << "a run resumed after 3 steps differs from one that ran 6 steps straight";
  // A checkpoint of another width is refused.
  a.width = 4;
  a.max_steps = 8;
  EXPECT_NE(error_of([&] { nst::train_fast(a); }).find("another width"), std::string::npos);
}

TEST(FastTrain, RejectsBadInput) {
  nst::TrainOptions o = tiny_training("bad");
  o.images = "/nonexistent/coco";
  EXPECT_NE(error_of([&] { nst::train_fast(o); }).find("'/nonexistent/coco' does not exist"), std::string::npos);
  o = tiny_training("bad");
  o.images = testing::TempDir() + "/empty-folder";
  mkdir(o.images.c_str(), 0755);
  EXPECT_NE(error_of([&] { nst::train_fast(o); }).find("holds no images"), std::string::npos);
  o = tiny_training("bad");
  o.size = 30;
  EXPECT_NE(error_of([&] { nst::train_fast(o); }).find("multiple of 4"), std::string::npos);
  o = tiny_training("bad");
  o.style_layers = {"relu9_9"};
  EXPECT_NE(error_of([&] { nst::train_fast(o); }).find("unknown layer 'relu9_9'"), std::string::npos);
  o = tiny_training("bad");
  o.style = "/nonexistent/style.jpg";
  EXPECT_NE(error_of([&] { nst::train_fast(o); }).find("cannot open image"), std::string::npos);
}

}  // namespace
