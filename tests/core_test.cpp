// Unit tests of the core library: losses, gradients, optimisers, loaders,
// pixel conversions. Fixtures: generated VGG files (NST_FIXTURES) and the
// real networks and images in ../shared (NST_SHARED; tests skip without it).
#include "cpu.h"
#include "losses.h"
#include "networks.h"
#include "process.h"
#include "rows.h"
#include "nst.h"
#include "weights.h"
#include "test_helpers.h"
#ifdef NST_HAVE_DNNL
#include "step_dnnl.h"
#include "winograd.h"
#endif

#include <c10/core/CPUAllocator.h>
#include <hwy/targets.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/utils.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sys/stat.h>

namespace {

using namespace nst_test;

const std::string kFixtures = fixtures_dir();
const std::string kShared = shared_dir();
const std::string kDarknet = kShared + "/models/darknet-tiny";

// The real networks and images of ../shared.
#define REQUIRE_REAL_MODELS() REQUIRE_SHARED("models/darknet-tiny/model.json", "testdata/content/chelsea.jpg")

std::string fixture(const std::string& name) {
  const std::string p = kFixtures + "/" + name;
  if (!exists(p)) ADD_FAILURE() << "fixture missing: " << p << " (built by tests/fixtures/make_vgg_fixtures.py)";
  return p;
}


nst::Image gradient_image(int w, int h, int channels) {
  nst::Image img(w, h, channels);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c)
        img.at(x, y, c) = float((x * 7 + y * 13 + c * 50) % 256) / 255.f;
  return img;
}

// A tiny two-layer network in double precision for exact gradient checks.
std::unique_ptr<nst::FeatureNet> tiny_net() {
  at::manual_seed(3);
  auto opts = at::TensorOptions().dtype(at::kDouble);
  nst::ModelInfo info;
  info.family = "tiny";
  info.input = "rgb01";
  std::vector<nst::FeatureNet::Op> ops;
  ops.push_back({nst::FeatureNet::Op::Conv, "conv1", at::randn({4, 3, 3, 3}, opts) * 0.5, at::randn({4}, opts) * 0.1, 1});
  ops.push_back({nst::FeatureNet::Op::Relu, "relu1", {}, {}, 0});
  ops.push_back({nst::FeatureNet::Op::MaxPool, "pool1", {}, {}, 0, true});
  ops.push_back({nst::FeatureNet::Op::Conv, "conv2", at::randn({5, 4, 3, 3}, opts) * 0.5, at::randn({5}, opts) * 0.1, 1});
  ops.push_back({nst::FeatureNet::Op::Leaky, "leaky2", {}, {}, 0});
  return std::make_unique<nst::FeatureNet>(info, ops);
}

// ---------------------------------------------------------------- losses
TEST(Losses, GramMatchesHandComputedValues) {
  // Two channels of 2x2: a = [1 2; 3 4], b = [0 1; 0 1].
  at::Tensor f = at::tensor({1.f, 2.f, 3.f, 4.f, 0.f, 1.f, 0.f, 1.f}).view({1, 2, 2, 2});
  at::Tensor g = nst::losses::gram(f);
  // a.a = 30, a.b = 6, b.b = 2; divided by C*H*W = 8.
  ASSERT_EQ(g.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_FLOAT_EQ(g[0][0].item<float>(), 30.f / 8);
  EXPECT_FLOAT_EQ(g[0][1].item<float>(), 6.f / 8);
  EXPECT_FLOAT_EQ(g[1][0].item<float>(), 6.f / 8);
  EXPECT_FLOAT_EQ(g[1][1].item<float>(), 2.f / 8);
}

TEST(Losses, ContentStyleAndTvMatchHandComputedValues) {
  at::Tensor a = at::tensor({1.f, 2.f, 3.f, 4.f}).view({1, 1, 2, 2});
  at::Tensor b = at::tensor({1.f, 0.f, 3.f, 2.f}).view({1, 1, 2, 2});
  EXPECT_FLOAT_EQ(nst::losses::content(a, b).item<float>(), (0 + 4 + 0 + 4) / 4.f);
  // gram(a) = 30/4 = 7.5; target 5.5 -> (2)^2 = 4.
  EXPECT_FLOAT_EQ(nst::losses::style(a, at::full({1, 1}, 5.5f)).item<float>(), 4.f);
  // TV of a: horizontal diffs 1,1 -> mean 1; vertical diffs 2,2 -> mean 4.
  EXPECT_FLOAT_EQ(nst::losses::total_variation(a).item<float>(), 5.f);
  EXPECT_FLOAT_EQ(nst::losses::total_variation(at::ones({1, 3, 5, 4})).item<float>(), 0.f);
}

// The style loss has its own backward pass (no copies of the features):
// the same value and gradient as autograd through mse(F F^T / n, T), for
// NCHW and for channels-last features (the direct oneDNN path's layout).
TEST(Losses, StyleLossGradientMatchesAutogradOnBothLayouts) {
  auto dopts = at::TensorOptions().dtype(at::kDouble);
  at::manual_seed(9);
  const at::Tensor f = at::rand({1, 5, 6, 7}, dopts), t = at::rand({5, 5}, dopts);
  const at::Tensor target = (t + t.t()) / 2;
  at::Tensor ref_in = f.clone().set_requires_grad(true);
  const at::Tensor m = ref_in.reshape({5, -1});
  const at::Tensor ref = at::mse_loss(at::mm(m, m.t()) / double(f.numel()), target);
  ref.backward();
  for (bool cl : {false, true}) {
    at::Tensor in = (cl ? f.contiguous(at::MemoryFormat::ChannelsLast) : f.clone()).set_requires_grad(true);
    const at::Tensor loss = nst::losses::style(in, target);
    (loss * 3.0).backward();
    EXPECT_NEAR(loss.item<double>(), ref.item<double>(), 1e-14) << (cl ? "channels-last" : "NCHW");
    EXPECT_LT((in.grad() - 3.0 * ref_in.grad()).abs().max().item<double>(), 1e-14) << (cl ? "channels-last" : "NCHW");
    EXPECT_GT(in.grad().abs().max().item<double>(), 1e-6);
  }
  EXPECT_THROW(nst::losses::style(f, at::rand({4, 4}, dopts)), std::exception);
}

TEST(Losses, InputGradientMatchesFiniteDifferences) {
  auto net = tiny_net();
  auto dopts = at::TensorOptions().dtype(at::kDouble);
  at::manual_seed(5);
  const std::vector<std::string> layers = {"relu1", "leaky2"};
  at::Tensor content = at::rand({1, 3, 7, 6}, dopts), style = at::rand({1, 3, 7, 6}, dopts);
  std::vector<at::Tensor> ct, st;
  {
    torch::NoGradGuard g;
    ct = net->features(content, layers);
    for (auto& f : net->features(style, layers)) st.push_back(nst::losses::gram(f));
  }
  auto loss_of = [&](const at::Tensor& x) {
    auto f = net->features(x, layers);
    return nst::losses::content(f[1], ct[1]) + 3.0 * nst::losses::style(f[0], st[0]) +
           2.0 * nst::losses::style(f[1], st[1]) + 0.5 * nst::losses::total_variation(x);
  };
  at::Tensor x = at::rand({1, 3, 7, 6}, dopts).set_requires_grad(true);
  loss_of(x).backward();
  at::Tensor grad = x.grad().clone();
  torch::NoGradGuard g;
  const double h = 1e-6;
  int checked = 0;
  for (int64_t i = 0; i < x.numel(); i += 5, ++checked) {
    at::Tensor xp = x.detach().clone(), xm = x.detach().clone();
    xp.view({-1})[i] += h;
    xm.view({-1})[i] -= h;
    const double fd = (loss_of(xp).item<double>() - loss_of(xm).item<double>()) / (2 * h);
    EXPECT_NEAR(grad.view({-1})[i].item<double>(), fd, 1e-6 + 1e-5 * std::abs(fd)) << "element " << i;
  }
  EXPECT_GT(checked, 20);
  EXPECT_GT(grad.abs().sum().item<double>(), 0.0);
}

// ---------------------------------------------------------------- pixels
TEST(Pixels, EightBitRoundTripIsExact) {
  std::vector<uint8_t> px(256 * 4);
  for (int i = 0; i < 256 * 4; ++i) px[i] = uint8_t(i * 37 % 256);
  for (int ch = 1; ch <= 4; ++ch) {
    const int w = 256 * 4 / ch / 4, h = 4;
    nst::Image img = nst::from_u8(px.data(), w, h, ch);
    EXPECT_EQ(nst::to_u8(img), std::vector<uint8_t>(px.begin(), px.begin() + w * h * ch)) << ch << " channels";
  }
}

TEST(Pixels, SixteenBitRoundTripIsExactForEveryValue) {
  std::vector<uint16_t> px(65536);
  for (int i = 0; i < 65536; ++i) px[i] = uint16_t(i);
  nst::Image img = nst::from_u16(px.data(), 256, 128, 2);
  EXPECT_EQ(nst::to_u16(img), px);
  EXPECT_FLOAT_EQ(img.data[65535], 1.f);
}

TEST(Pixels, StrideIsHonoured) {
  const uint8_t rows[] = {10, 20, 99, 30, 40, 99};  // 2x2 grey, stride 3
  nst::Image img = nst::from_u8(rows, 2, 2, 1, 3);
  EXPECT_EQ(nst::to_u8(img), (std::vector<uint8_t>{10, 20, 30, 40}));
}

TEST(Pixels, GreyAlphaConversions) {
  nst::Image ga(1, 1, 2);
  ga.data = {0.25f, 0.5f};
  nst::Image rgba = nst::convert_channels(ga, 4);
  EXPECT_EQ(rgba.data, (std::vector<float>{0.25f, 0.25f, 0.25f, 0.5f}));
  nst::Image rgb(1, 1, 3);
  rgb.data = {1.f, 0.f, 0.f};
  nst::Image grey_alpha = nst::convert_channels(rgb, 2);
  EXPECT_NEAR(grey_alpha.data[0], 0.2126f, 1e-6);
  EXPECT_FLOAT_EQ(grey_alpha.data[1], 1.f);  // opaque when the source had no alpha
  EXPECT_EQ(nst::convert_channels(grey_alpha, 1).data, std::vector<float>{grey_alpha.data[0]});
}

TEST(Pixels, BlendMixesColoursAndKeepsTheStylisedAlpha) {
  nst::Image a(2, 1, 4), b(2, 1, 4);
  a.data = {0.f, 0.2f, 1.f, 0.3f, 0.5f, 0.5f, 0.5f, 1.f};
  b.data = {1.f, 0.6f, 0.f, 0.9f, 0.1f, 0.9f, 0.5f, 0.5f};
  EXPECT_EQ(nst::blend(a, b, 1.0).data, b.data);
  nst::Image zero = nst::blend(a, b, 0.0);
  EXPECT_EQ(zero.data, (std::vector<float>{0.f, 0.2f, 1.f, 0.9f, 0.5f, 0.5f, 0.5f, 0.5f}));
  nst::Image half = nst::blend(a, b, 0.25);
  EXPECT_NEAR(half.data[0], 0.25f, 1e-6);
  EXPECT_NEAR(half.data[1], 0.3f, 1e-6);
  EXPECT_NEAR(half.data[2], 0.75f, 1e-6);
  EXPECT_FLOAT_EQ(half.data[3], 0.9f);
  EXPECT_NE(error_of([&] { nst::blend(a, nst::Image(2, 2, 4), 0.5); }).find("differ in size"), std::string::npos);
  EXPECT_NE(error_of([&] { nst::blend(a, b, 1.5); }).find("strength must be between 0 and 1"), std::string::npos);
}

TEST(Pixels, KeepColorsTakesLumaFromTheStyleAndHueFromTheOriginal) {
  auto luma = [](const float* p) { return 0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2]; };
  nst::Image orig(3, 1, 3), styl(3, 1, 3);
  orig.data = {0.6f, 0.4f, 0.3f,   0.9f, 0.1f, 0.1f,   0.2f, 0.3f, 0.9f};
  styl.data = {0.3f, 0.5f, 0.7f,   0.95f, 0.95f, 0.95f, 0.1f, 0.1f, 0.1f};
  nst::Image out = nst::keep_colors(orig, styl);
  for (int i = 0; i < 3; ++i) {
    const float* o = &orig.data[i * 3];
    const float* s = &styl.data[i * 3];
    const float* r = &out.data[i * 3];
    EXPECT_NEAR(luma(r), luma(s), 1e-5) << "pixel " << i;
    for (int c = 0; c < 3; ++c) EXPECT_TRUE(r[c] >= 0.f && r[c] <= 1.f);
    // Same hue: the chroma (offset from luma) points the same way, never
    // stronger than the original's.
    const float k = (r[0] - luma(r)) / (o[0] - luma(o));
    EXPECT_GT(k, 0.f);
    EXPECT_LE(k, 1.f + 1e-5f);
    for (int c = 1; c < 3; ++c) EXPECT_NEAR(r[c] - luma(r), k * (o[c] - luma(o)), 1e-5) << "pixel " << i;
  }
  // Pixel 0 fits without scaling: exactly the original's chroma.
  EXPECT_NEAR(out.data[0] - luma(&out.data[0]), orig.data[0] - luma(&orig.data[0]), 1e-6);
  // Grey images have no colour to keep.
  nst::Image g1(1, 1, 1), g2(1, 1, 1);
  g1.data = {0.2f};
  g2.data = {0.7f};
  EXPECT_EQ(nst::keep_colors(g1, g2).data, g2.data);
  EXPECT_NE(error_of([&] { nst::keep_colors(orig, g2); }).find("differ in size or channels"), std::string::npos);
}

// A PNG file of only a signature, an IHDR chunk claiming WIDTH x HEIGHT px
// (BITS per sample, colour TYPE), an empty IDAT and IEND.
std::string png_header_only(uint32_t width, uint32_t height, int bits, int type) {
  auto crc32 = [](const std::string& data) {
    uint32_t c = 0xffffffffu;
    for (unsigned char ch : data) {
      c ^= ch;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
  };
  auto be32 = [](uint32_t v) { return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; };
  const std::string ihdr = "IHDR" + be32(width) + be32(height) + char(bits) + char(type) + std::string(3, '\0');
  return std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + ihdr + be32(crc32(ihdr)) + be32(0) + "IDAT" +
         be32(crc32("IDAT")) + be32(0) + "IEND" + be32(crc32("IEND"));
}

TEST(Pixels, PngFileRoundTripAndErrors) {
  nst::Image img = gradient_image(17, 9, 4);
  const std::string dir = fresh_dir("png");
  const std::string path = dir + "/roundtrip.png";
  nst::save_image(img, path);
  nst::Image back = nst::load_image(path);
  ASSERT_EQ(back.channels, 4);
  EXPECT_EQ(nst::to_u8(back), nst::to_u8(img));
  EXPECT_NE(error_of([] { nst::load_image("/nonexistent/x.png"); }).find("does not exist"), std::string::npos);
  EXPECT_EQ(error_of([&] { nst::load_image(dir); }), "cannot open image '" + dir + "': it is a folder, not a file");
  const std::string junk = dir + "/junk.png";
  std::ofstream(junk) << "this is not a PNG";
  EXPECT_NE(error_of([&] { nst::load_image(junk); }).find("cannot decode"), std::string::npos);
  EXPECT_EQ(error_of([&] { nst::save_image(img, dir + "/out.xyz"); }),
            "cannot write '" + dir + "/out.xyz': '.xyz' is not an image format (use .png, .jpg, .tif, .webp or .bmp)");
  EXPECT_NE(error_of([&] { nst::save_image(img, dir + "/out"); }).find("the file name has no extension"), std::string::npos);

  // A PNG whose header claims 100000 x 100000 pixels (a valid signature, IHDR
  // chunk and an empty IDAT).
  const std::string huge = dir + "/huge.png";
  std::ofstream(huge, std::ios::binary) << png_header_only(100000, 100000, 8, 2);
  EXPECT_EQ(error_of([&] { nst::load_image(huge); }),
            "image '" + huge + "' is 100000 x 100000 pixels, more than the 1 gigapixel limit (1073741824 pixels) this program reads");

  // The same from a JPEG's header (SOI, an APP0 segment, then SOF0 claiming
  // 65000 x 65000 px, 8-bit, 3 components).
  const std::string huge_jpeg = dir + "/huge.jpg";
  std::ofstream(huge_jpeg, std::ios::binary)
      << std::string("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20)
      << std::string("\xff\xc0\x00\x11\x08\xfd\xe8\xfd\xe8\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 19)
      << std::string("\xff\xd9", 2);
  EXPECT_EQ(error_of([&] { nst::load_image(huge_jpeg); }),
            "image '" + huge_jpeg + "' is 65000 x 65000 pixels, more than the 1 gigapixel limit (1073741824 pixels) this program reads");
}

TEST(Pixels, ImageTooLargeForMemoryIsRefusedBeforeDecoding) {
  // Under the pixel limit but too large for this computer's memory: 32768 x
  // 32767 px of 16-bit RGBA need 32 GiB to read (the samples, their RGB copy
  // and the float image).
  const std::string big = fresh_dir("png-big") + "/big.png";
  std::ofstream(big, std::ios::binary) << png_header_only(32768, 32767, 16, 6);
  const double need = 32768.0 * 32767 * 4 * 8;
  if (nst::available_memory_bytes() <= 0 || nst::available_memory_bytes() >= need)
    GTEST_SKIP() << "this computer has 32 GiB free or does not tell: the memory refusal is not reached";
  const std::string msg = error_of([&] { nst::load_image(big); });
  EXPECT_EQ(msg.rfind("image '" + big + "' is 32768 x 32767 pixels: reading it needs about 32 GiB of memory, but only ", 0), 0u)
      << msg;
  EXPECT_NE(msg.find(" GiB is available"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- VGG loaders
TEST(VggLoader, ReadsOrderedDictZipAsPublishedAndMatchesPyTorchFeatures) {
  auto net = nst::load_network(fixture("vgg19-zip.pth"));
  EXPECT_EQ(net->info().family, "vgg19");
  EXPECT_EQ(net->info().input, "torchvision");
  std::ifstream f(fixture("reference.json"));
  nlohmann::json ref;
  f >> ref;
  std::vector<float> xs = ref["input"].get<std::vector<float>>();
  std::vector<int64_t> shape = ref["input_shape"].get<std::vector<int64_t>>();
  at::Tensor x = at::from_blob(xs.data(), shape, at::kFloat).clone();
  // The reference ran the raw network (no mean/std); bypass preprocessing
  // by loading the same file as an "rgb01" network.
  nst::ModelInfo info = net->info();
  info.input = "rgb01";
  nst::FeatureNet raw(info, net->ops());
  for (const std::string layer : {"relu1_1", "relu3_1", "relu5_1"}) {
    torch::NoGradGuard g;
    at::Tensor feat = raw.features(x, {layer})[0];
    const auto& r = ref["layers"][layer];
    EXPECT_EQ(feat.sizes().vec(), r["shape"].get<std::vector<int64_t>>()) << layer;
    const double sum = r["sum"].get<double>();
    EXPECT_NEAR(feat.sum().item<double>(), sum, 1e-4 * std::abs(sum) + 1e-3) << layer;
    auto first = r["first5"].get<std::vector<double>>();
    for (size_t i = 0; i < first.size(); ++i)
      EXPECT_NEAR(feat.reshape({-1})[i].item<double>(), first[i], 1e-4 * std::abs(first[i]) + 1e-5) << layer;
  }
}

TEST(VggLoader, ReadsLegacyFormatVgg16AndPlainDict) {
  auto v16 = nst::load_network(fixture("vgg16-legacy.pth"));
  EXPECT_EQ(v16->info().family, "vgg16");
  EXPECT_EQ(v16->ops().size(), 31u);  // 13 conv + 13 relu + 5 pool
  EXPECT_EQ(v16->ops()[v16->index_of("conv5_3")].weight.sizes(), (std::vector<int64_t>{512, 512, 3, 3}));
  auto plain = nst::load_network(fixture("plain-dict-vgg19.pth"));
  EXPECT_EQ(plain->info().family, "vgg19");
  EXPECT_EQ(plain->ops().size(), 37u);
}

TEST(VggLoader, CaffeConventionFromFileNameFlipsToBgr255) {
  auto net = nst::load_network(fixture("vgg19-zip.pth"), "caffe");
  EXPECT_EQ(net->info().input, "caffe");
  at::Tensor x = at::zeros({1, 3, 1, 1});
  x[0][0][0][0] = 1.0;  // pure red
  at::Tensor p = net->preprocess(x);
  EXPECT_NEAR(p[0][2][0][0].item<float>(), 255.f - 123.68f, 1e-3);  // red lands in the last (R) plane
  EXPECT_NEAR(p[0][0][0][0].item<float>(), -103.939f, 1e-3);
}

TEST(VggLoader, RejectsBadFilesWithPreciseMessages) {
  struct Case {
    std::string file, expect;
  } cases[] = {
      {"truncated.pth", "truncated"},
      {"not-a-state-dict.pth", "not a state dict"},
      {"wrong-keys.pth", "not a VGG-16/19 state dict"},
      {"wrong-shape.pth", "has shape [64, 4, 3, 3], expected [64, 3, 3, 3]"},
      {"garbage.pth", "not a PyTorch weight file"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of([&] { nst::load_network(fixture(c.file)); });
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.file << ": got '" << msg << "'";
  }
  EXPECT_NE(error_of([] { nst::load_network("/nonexistent/vgg19.pth"); }).find("does not exist"), std::string::npos);
  // A legacy pickle whose first object is a list that holds itself (no
  // leak under LeakSanitizer, see "sanitized core VggLoader").
  const std::string cycle = fresh_dir("pickle-cycle") + "/cycle.pth";
  std::ofstream(cycle, std::ios::binary) << std::string("\x80\x02]q\x00h\x00a.", 9);
  EXPECT_NE(error_of([&] { nst::load_network(cycle); }).find("cycle.pth"), std::string::npos);
  EXPECT_NE(error_of([] { nst::load_network(fixture("vgg19-zip.pth"), "bgr"); }).find("unknown VGG input convention"),
            std::string::npos);
}

TEST(Engine, RefusesSizesThatDoNotFitInMemoryNamingOneThatDoes) {
  nst::Image huge(9000, 9000, 1);  // grey: 324 MB here, ~70 GB of VGG-19 activations untiled
  nst::TransferOptions o;
  o.model = fixture("vgg19-zip.pth");
  o.size = 9000;
  o.tile = 9000;
  o.iterations = 1;
  const std::string msg = error_of([&] { nst::transfer(huge, gradient_image(8, 8, 3), o); });
  EXPECT_NE(msg.find("9000 x 9000 px needs about"), std::string::npos) << msg;
  const std::string key = "the largest size that fits is ";
  const size_t at = msg.find(key);
  ASSERT_NE(at, std::string::npos) << msg;
  const int fits = std::stoi(msg.substr(at + key.size()));
  EXPECT_GT(fits, 500);
  EXPECT_LT(fits, 9000);
  // That size's estimate is within the memory the message names as available.
  o.size = o.output_size = fits;
  const double need = nst::estimate_transfer_bytes(9000, 9000, o);
  const size_t avail_at = msg.find("but only ");
  ASSERT_NE(avail_at, std::string::npos) << msg;
  EXPECT_LE(need / double(1 << 30), std::stod(msg.substr(avail_at + 9)) * 1.01) << msg;
}

// The random VGG-19 fixture with shallow loss layers (quick).
nst::TransferOptions small_vgg_options(int size, int iterations) {
  nst::TransferOptions o;
  o.model = fixture("vgg19-zip.pth");
  o.size = size;
  o.iterations = iterations;
  o.style_layers = {"relu1_1", "relu2_1"};
  o.content_layers = {"relu2_2"};
  o.coarse_iterations = 0;  // one level unless a test asks for coarse-to-fine
  return o;
}

TEST(Engine, RunsOnVggAndRejectsUnknownLayers) {
  nst::TransferOptions o = small_vgg_options(48, 3);
  nst::TransferResult r = nst::transfer(gradient_image(40, 30, 3), gradient_image(20, 20, 3), o);
  EXPECT_EQ(r.image.width, 40);
  EXPECT_EQ(r.image.height, 30);
  EXPECT_TRUE(std::isfinite(r.losses.total));
  o.style_layers = {"relu9_9"};
  EXPECT_NE(error_of([&] { nst::transfer(gradient_image(40, 30, 3), gradient_image(20, 20, 3), o); })
                .find("unknown layer 'relu9_9'"),
            std::string::npos);
}

TEST(Engine, CoarseToFineLevelsAndDetailKeepingUpsampling) {
  nst::TransferOptions o = small_vgg_options(128, 2);
  o.coarse_iterations = 3;
  // Levels: 128x128 runs at 32 and 64 px first; 100x70 only at 50x35 (17 px would be < 32).
  for (auto [w, h, levels] : {std::tuple{128, 128, 2}, std::tuple{100, 70, 1}, std::tuple{60, 60, 0}}) {
    o.size = std::max(w, h);
    std::vector<int> totals;
    nst::TransferResult r =
        nst::transfer(gradient_image(w, h, 3), gradient_image(20, 20, 3), o, [&](const nst::Progress& p) {
          totals.push_back(p.iterations);
        });
    EXPECT_EQ(int(totals.size()), o.iterations + levels * o.coarse_iterations) << w << "x" << h;
    EXPECT_EQ(totals.back(), o.iterations + levels * o.coarse_iterations);
    EXPECT_EQ(r.iterations, o.iterations + levels * o.coarse_iterations);
    EXPECT_TRUE(std::isfinite(r.losses.total));
  }
  // With all loss weights 0 no level changes its start image, so the full-size
  // pass must begin (and end) at the content itself, fine detail included: only
  // the coarse level's change is upsampled, never the coarse image (this
  // checkerboard at 32 px, upsampled, would be grey).
  nst::Image content(64, 64, 3);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x)
      for (int c = 0; c < 3; ++c) content.at(x, y, c) = ((x + y) % 2) ? 0.9f : 0.1f;
  o.size = 64;
  o.content_weight = o.style_weight = o.tv_weight = 0;
  o.style_layers = {"relu1_1"};
  o.content_layers = {"relu1_1"};
  const nst::Image out = nst::transfer(content, gradient_image(20, 20, 3), o).image;
  ASSERT_EQ(out.data.size(), content.data.size());
  float worst = 0;
  for (size_t i = 0; i < out.data.size(); ++i) worst = std::max(worst, std::abs(out.data[i] - content.data[i]));
  EXPECT_LT(worst, 1e-6f);
}

// ---------------------------------------------------------------- Darknet-tiny
TEST(DarknetLoader, LoadsRealModelWithFoldedBatchNorm) {
  REQUIRE_REAL_MODELS();
  auto net = nst::load_network(kDarknet);
  EXPECT_EQ(net->info().family, "darknet-tiny");
  EXPECT_EQ(net->ops().size(), 34u);  // 15 conv + 15 leaky + 4 pool
  torch::NoGradGuard g;
  at::Tensor x = at::rand({1, 3, 225, 223});
  auto f = net->features(x, {"leaky1", "leaky15"});
  EXPECT_EQ(f[0].sizes().vec(), (std::vector<int64_t>{1, 16, 225, 223}));
  EXPECT_EQ(f[1].sizes().vec(), (std::vector<int64_t>{1, 128, 15, 14}));  // "same" pooling rounds up
  EXPECT_TRUE(at::isfinite(f[1]).all().item<bool>());
  // Folding BN makes conv1's output equal gamma*(conv - mean)/sqrt(var+eps)+beta.
  auto sd = nst::weights::load_tfjs(kDarknet + "/model.json");
  at::Tensor k = nst::weights::find(sd, "conv2d_1/kernel")->tensor.permute({3, 2, 0, 1}).contiguous();
  at::Tensor raw = at::conv2d(x, k, {}, 1, 1);
  auto t = [&](const char* n) { return nst::weights::find(sd, n)->tensor.view({1, -1, 1, 1}); };
  at::Tensor bn = t("batch_normalization_1/gamma") * (raw - t("batch_normalization_1/moving_mean")) /
                      at::sqrt(t("batch_normalization_1/moving_variance") + 1e-3) + t("batch_normalization_1/beta");
  at::Tensor conv1 = net->features(x, {"conv1"})[0];
  EXPECT_LT((conv1 - bn).abs().max().item<float>(), 1e-4);
}

TEST(DarknetLoader, Bf16FeaturesStayCloseToFp32) {
  REQUIRE_REAL_MODELS();
  auto net = nst::load_network(kDarknet);
  nst::Image img = nst::resize(nst::load_image(kShared + "/testdata/content/coffee.jpg"), 96, 64);
  at::Tensor x = at::from_blob(img.data.data(), {64, 96, 3}).permute({2, 0, 1}).unsqueeze(0).clone();
  const std::vector<std::string> layers = {"leaky2", "leaky10"};
  torch::NoGradGuard g;
  auto f32 = net->features(x, layers);
  EXPECT_THROW(net->set_precision(nst::Precision::Int8), nst::Error);  // int8 is for fast networks only
  if (!nst::cpu::has_bf16()) GTEST_SKIP() << "no bf16 on this CPU (" << nst::cpu::describe() << ")";
  net->set_precision(nst::Precision::BFloat16);
  EXPECT_EQ(net->precision(), nst::Precision::BFloat16);
  auto f16 = net->features(x, layers);
  for (size_t i = 0; i < layers.size(); ++i) {
    EXPECT_EQ(f16[i].scalar_type(), at::kFloat) << "features are handed back in fp32";
    const double g32 = nst::losses::gram(f32[i]).norm().item<double>();
    const double dg = (nst::losses::gram(f16[i]) - nst::losses::gram(f32[i])).norm().item<double>();
    EXPECT_LT(dg, 0.02 * g32) << layers[i];
  }
  net->set_precision(nst::Precision::Float32);
  EXPECT_TRUE(net->features(x, {"leaky2"})[0].equal(f32[0]));
}

TEST(DarknetLoader, RejectsDamagedCopies) {
  REQUIRE_REAL_MODELS();
  const std::string dir = fresh_dir("darknet-damaged");
  std::ifstream src(kDarknet + "/model.json");
  std::stringstream json;
  json << src.rdbuf();
  std::ofstream(dir + "/model.json") << json.str();
  // No shard files copied: the first one is reported missing.
  EXPECT_NE(error_of([&] { nst::load_network(dir); }).find("is missing"), std::string::npos);
  // Shards present but one truncated.
  nlohmann::json j = nlohmann::json::parse(json.str());
  for (const auto& g : j["weightsManifest"])
    for (const auto& p : g["paths"]) {
      std::ifstream in(kDarknet + "/" + p.get<std::string>(), std::ios::binary);
      std::stringstream b;
      b << in.rdbuf();
      std::string bytes = b.str();
      if (p.get<std::string>() == "group10-shard1of1") bytes.resize(bytes.size() / 2);
      std::ofstream(dir + "/" + p.get<std::string>(), std::ios::binary) << bytes;
    }
  EXPECT_NE(error_of([&] { nst::load_network(dir); }).find("too short"), std::string::npos);
  std::ofstream(dir + "/model.json") << json.str().substr(0, 500);
  EXPECT_NE(error_of([&] { nst::load_network(dir); }).find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of([&] { nst::load_network(fresh_dir("empty")); }).find("holds no model.json"), std::string::npos);
}

// ---------------------------------------------------------------- engine
nst::TransferOptions darknet_options(int iterations, const std::string& model = kDarknet) {
  nst::TransferOptions o;
  o.model = model;
  o.size = 64;
  o.iterations = iterations;
  o.coarse_iterations = 0;  // one level unless a test asks for coarse-to-fine
  return o;
}
// Darknet-tiny's layers with random weights (tests/fixtures/make_darknet_fixture.py):
// for the tests whose behaviour does not depend on trained features.
nst::TransferOptions fixture_options(int iterations) {
  return darknet_options(iterations, fixture("darknet-random"));
}
// A generated "painting": diagonal stripes in two colours with a finer
// checker pattern, so that its Gram matrices differ from a gradient's.
nst::Image stripes_image(int w, int h) {
  nst::Image img(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const bool band = ((x + y) / 6) % 2 == 0, fine = ((x / 2) + (y / 2)) % 2 == 0;
      img.at(x, y, 0) = band ? 0.9f : 0.1f;
      img.at(x, y, 1) = fine ? 0.7f : 0.3f;
      img.at(x, y, 2) = band ? 0.2f : 0.8f;
    }
  return img;
}

TEST(Engine, LbfgsAndAdamLowerTheLoss) {
  REQUIRE_REAL_MODELS();
  nst::Image content = nst::load_image(kShared + "/testdata/content/chelsea.jpg");
  nst::Image style = nst::load_image(kShared + "/testdata/style/starry_night.jpg");
  for (auto optimizer : {nst::Optimizer::LBFGS, nst::Optimizer::Adam}) {
    nst::TransferOptions o = darknet_options(optimizer == nst::Optimizer::LBFGS ? 15 : 40);
    o.optimizer = optimizer;
    std::vector<double> losses;
    nst::TransferResult r = nst::transfer(content, style, o, [&](const nst::Progress& p) { losses.push_back(p.losses.total); });
    ASSERT_EQ(int(losses.size()), o.iterations);
    EXPECT_LT(losses.back(), 0.5 * losses.front()) << "optimizer " << int(optimizer);
    EXPECT_EQ(r.image.width, content.width);
    EXPECT_EQ(r.image.height, content.height);
  }
}

// Coarse-to-fine leaves no frame along the image's edges. The convolutions'
// zero padding makes every level paint a band of dark and light lines along
// the edges; the coarsest level's, upsampled 4x, would be a frame several
// pixels wide at the working size. Measured per ring of pixels at distance r
// from the edge: the mean change of brightness (result minus photo) against
// the inside's.
std::vector<double> edge_rings(const nst::Image& result, const nst::Image& photo, int rings) {
  const int w = result.width, h = result.height;
  auto change = [&](int x, int y) {
    double d = 0;
    for (int c = 0; c < 3; ++c) d += result.at(x, y, c) - photo.at(x, y, c);
    return d / 3;
  };
  double inside = 0;
  for (int y = 16; y < h - 16; ++y)
    for (int x = 16; x < w - 16; ++x) inside += change(x, y);
  inside /= double(w - 32) * (h - 32);
  std::vector<double> out;
  for (int r = 0; r < rings; ++r) {
    double sum = 0;
    int n = 0;
    for (int x = r; x < w - r; ++x, n += 2) sum += change(x, r) + change(x, h - 1 - r);
    for (int y = r + 1; y < h - 1 - r; ++y, n += 2) sum += change(r, y) + change(w - 1 - r, y);
    out.push_back(sum / n - inside);
  }
  return out;
}

TEST(Engine, CoarseToFineLeavesNoFrameAlongTheEdges) {
  REQUIRE_REAL_MODELS();
  const nst::Image photo = nst::resize(nst::load_image(kShared + "/testdata/content/astronaut.jpg"), 256, 256);
  const nst::Image style = nst::load_image(kShared + "/testdata/style/starry_night.jpg");
  nst::TransferOptions o = darknet_options(90);
  o.size = 256;
  // The frame: the sum of the rings' deviations at 1-7 px from the edge (the
  // outermost pixel is darker in any run).
  auto frame = [&](int coarse) {
    o.coarse_iterations = coarse;
    const std::vector<double> rings = edge_rings(nst::transfer(photo, style, o).image, photo, 8);
    double sum = 0;
    for (size_t r = 1; r < rings.size(); ++r) sum += std::abs(rings[r]);
    return sum;
  };
  // Measured: one level 0.22; coarse-to-fine (30 iterations at 64 and at 128
  // px first) 0.15, and 0.42 when the coarse levels' edge bands are upsampled.
  const double one_level = frame(0), coarse_to_fine = frame(nst::kAutoCoarse);
  EXPECT_LT(coarse_to_fine, 1.25 * one_level) << "one level " << one_level;
}

// The same on generated images and the generated network, which every
// machine has: L-BFGS at least halves the loss in 15 iterations.
TEST(Engine, LbfgsLowersTheLossOnTheGeneratedNetwork) {
  nst::TransferOptions o = fixture_options(15);
  std::vector<double> losses;
  nst::TransferResult r = nst::transfer(gradient_image(64, 48, 3), stripes_image(64, 64), o,
                                        [&](const nst::Progress& p) { losses.push_back(p.losses.total); });
  ASSERT_EQ(int(losses.size()), o.iterations);
  EXPECT_LT(losses.back(), 0.5 * losses.front());
  EXPECT_GT(r.losses.style, 0);
  EXPECT_GT(r.losses.content, 0);
}

TEST(Engine, SameSeedSameResultOtherSeedOtherResult) {
  nst::Image content = gradient_image(48, 40, 3), style = stripes_image(64, 64);
  nst::TransferOptions o = fixture_options(5);
  o.init = nst::Init::Noise;
  o.seed = 42;
  nst::Image a = nst::transfer(content, style, o).image;
  nst::Image b = nst::transfer(content, style, o).image;
  o.seed = 43;
  nst::Image c = nst::transfer(content, style, o).image;
  EXPECT_EQ(a.data, b.data);
  EXPECT_NE(a.data, c.data);
}

TEST(Engine, KeepsAlphaAndGreyLayoutAndReportsPreviews) {
  nst::Image content = gradient_image(50, 30, 2);  // grey + alpha
  for (int x = 0; x < 50; ++x) content.at(x, 3, 1) = 0.f;
  nst::TransferOptions o = fixture_options(4);
  o.preview_every = 2;
  int previews = 0;
  nst::TransferResult r = nst::transfer(content, stripes_image(64, 48), o,
                                        [&](const nst::Progress& p) {
                                          if (p.preview) {
                                            ++previews;
                                            EXPECT_EQ(p.preview->channels, 3);
                                          }
                                        });
  EXPECT_EQ(previews, 2);
  ASSERT_EQ(r.image.channels, 2);
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 50; ++x) ASSERT_EQ(r.image.at(x, y, 1), content.at(x, y, 1));
}

TEST(Engine, CancelStopsWithinOneIteration) {
  std::atomic<bool> cancel{false};
  int seen = 0;
  nst::TransferOptions o = fixture_options(50);
  auto run = [&] {
    nst::transfer(gradient_image(40, 40, 3), gradient_image(40, 40, 3), o, [&](const nst::Progress& p) {
      seen = p.iteration;
      if (p.iteration == 3) cancel = true;
    }, &cancel);
  };
  EXPECT_THROW(run(), nst::Cancelled);
  EXPECT_EQ(seen, 3);
}

TEST(Engine, FinishNowKeepsTheResultSoFar) {
  std::atomic<bool> finish{false};
  nst::TransferOptions o = fixture_options(50);
  nst::Image content = gradient_image(40, 40, 3);
  nst::TransferResult r = nst::transfer(content, gradient_image(40, 40, 3), o, [&](const nst::Progress& p) {
    if (p.iteration == 4) finish = true;
  }, nullptr, &finish);
  EXPECT_EQ(r.iterations, 4);
  EXPECT_EQ(r.image.width, 40);
  EXPECT_NE(r.image.data, content.data);
}

// A single pixel and a 3 px wide strip are valid layers: they are optimised
// stretched to 32 px and come back at their own size.
TEST(Engine, TinyAndThinImagesWork) {
  nst::TransferOptions o = fixture_options(3);
  for (auto [w, h] : {std::pair{1, 1}, std::pair{3, 400}, std::pair{400, 2}}) {
    const nst::TransferResult r = nst::transfer(gradient_image(w, h, 3), stripes_image(64, 64), o);
    EXPECT_EQ(r.image.width, w);
    EXPECT_EQ(r.image.height, h);
    EXPECT_TRUE(std::isfinite(r.losses.total)) << w << "x" << h;
    EXPECT_GE(std::min(r.work_width, r.work_height), 32) << w << "x" << h;
  }
  // A painting of one pixel too.
  EXPECT_TRUE(std::isfinite(nst::transfer(gradient_image(40, 30, 3), gradient_image(1, 1, 3), o).losses.total));
}

TEST(Engine, RejectsBadOptions) {
  nst::Image img = gradient_image(16, 16, 3);
  nst::TransferOptions o = fixture_options(0);
  EXPECT_NE(error_of([&] { nst::transfer(img, img, o); }).find("iterations"), std::string::npos);
  o = fixture_options(1);
  o.style_layer_weights = {1, 2};
  EXPECT_NE(error_of([&] { nst::transfer(img, img, o); }).find("style layer weights"), std::string::npos);
  o = fixture_options(1);
  EXPECT_NE(error_of([&] { nst::transfer(img, nst::Image(), o); }).find("style image is empty"), std::string::npos);
  o = fixture_options(1);
  o.style_weight = std::nan("");
  EXPECT_EQ(error_of([&] { nst::transfer(img, img, o); }), "the style weight must be a finite number");
  o = fixture_options(1);
  o.learning_rate = INFINITY;
  EXPECT_EQ(error_of([&] { nst::transfer(img, img, o); }), "the learning rate must be a finite number");
  o = fixture_options(1);
  o.style_layer_weights = {1, -2, 1, 1, 1, 1, 1, 1};
  EXPECT_NE(error_of([&] { nst::transfer(img, img, o); }).find("style layer weights must be finite"), std::string::npos);
}

// ---------------------------------------------------------------- scales and tiles
TEST(Scales, GrowBySqrtTwoAtMostUpToTheOutputSize) {
  nst::TransferOptions o;
  o.coarse_iterations = 0;
  o.size = 512;
  o.iterations = 300;
  o.output_size = -1;
  const std::vector<nst::Scale> s = nst::transfer_scales(3001, 1999, o);
  ASSERT_EQ(s.size(), 7u);  // 512 -> 3001 px is 5.86x: six steps of 1.34x
  EXPECT_TRUE(s[0].working);
  EXPECT_EQ(s[0].width, 512);
  EXPECT_EQ(s[0].height, 341);
  EXPECT_EQ(s.back().width, 3001);
  EXPECT_EQ(s.back().height, 1999);
  const std::vector<int> iterations{300, 150, 75, 37, 20, 20, 20};
  for (size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].iterations, iterations[i]) << i;
    EXPECT_EQ(s[i].working, i == 0) << i;
    if (i == 0) continue;
    const double ratio = double(s[i].width) / s[i - 1].width;
    EXPECT_GT(ratio, 1.2) << i;
    EXPECT_LE(ratio, std::sqrt(2.0) + 1e-3) << i;
    EXPECT_NEAR(double(s[i].width) / s[i].height, 3001.0 / 1999, 0.01) << i;
  }
  // Tiled where larger than 1280 x 1280 (the default tile): 1239 x 826 whole,
  // 1664 x 1109 in 2 x 1 tiles, 3001 x 1999 in 3 x 2.
  EXPECT_EQ(s[3].tiles.size(), 1u);
  EXPECT_EQ(s[4].tiles.size(), 2u);
  EXPECT_EQ(s.back().tiles.size(), 6u);
  // A set size ends there; iterations fixed per scale; sizes at or below the
  // working size and a content smaller than the working size add nothing.
  o.output_size = 1000;
  o.scale_iterations = 7;
  const std::vector<nst::Scale> t = nst::transfer_scales(3001, 1999, o);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.back().width, 1000);
  EXPECT_EQ(t.back().height, 666);
  EXPECT_EQ(t[1].iterations, 7);
  for (int out : {0, 300, 512}) {
    o.output_size = out;
    EXPECT_EQ(nst::transfer_scales(3001, 1999, o).size(), 1u) << out;
  }
  o.output_size = -1;
  EXPECT_EQ(nst::transfer_scales(400, 300, o).size(), 1u);
  // Coarse-to-fine comes first, smallest first.
  o.coarse_iterations = 10;
  o.output_size = 0;
  const std::vector<nst::Scale> c = nst::transfer_scales(3001, 1999, o);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].width, 128);
  EXPECT_EQ(c[1].width, 256);
  EXPECT_TRUE(c[2].working);
  // By default a third of the iterations at each coarse level.
  const std::vector<nst::Scale> d = nst::transfer_scales(3001, 1999, nst::TransferOptions());
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].width, 128);
  EXPECT_EQ(d[0].iterations, 100);
  EXPECT_EQ(d[1].width, 256);
  EXPECT_EQ(d[1].iterations, 100);
  EXPECT_EQ(d[2].width, 512);
  EXPECT_EQ(d[2].iterations, 300);
  EXPECT_TRUE(d[2].working);
  // Refused options.
  o = nst::TransferOptions();
  o.output_size = -2;
  EXPECT_NE(error_of([&] { nst::transfer_scales(100, 100, o); }).find("output size"), std::string::npos);
  o = nst::TransferOptions();
  o.coarse_iterations = -2;
  EXPECT_NE(error_of([&] { nst::transfer_scales(100, 100, o); }).find("coarse-to-fine iterations must be -1"),
            std::string::npos);
  o = nst::TransferOptions();
  o.tile = 16;
  EXPECT_NE(error_of([&] { nst::transfer_scales(100, 100, o); }).find("tiles must be at least 64"), std::string::npos);
  o = nst::TransferOptions();
  o.tile_overlap = 700;  // more than half the default tile
  EXPECT_NE(error_of([&] { nst::transfer_scales(100, 100, o); }).find("tile overlap"), std::string::npos);
}

TEST(Scales, TilesCoverOddSizesWithTheirOverlap) {
  for (auto [w, h, tile, overlap] : {std::tuple{1000, 700, 256, 32}, std::tuple{257, 1000, 256, 64},
                                     std::tuple{100, 50, 256, 32}, std::tuple{1025, 1025, 512, 128},
                                     std::tuple{3001, 1999, 1024, 128}, std::tuple{4000, 3, 1024, 128}}) {
    const std::vector<nst::TileRect> tiles = nst::tile_layout(w, h, tile, overlap);
    std::vector<int> covered(size_t(w) * h, 0);
    std::set<int> xs, ys;
    for (const nst::TileRect& t : tiles) {
      EXPECT_EQ(t.width, tiles[0].width);
      EXPECT_EQ(t.height, tiles[0].height);
      EXPECT_LE(t.width, tile);
      EXPECT_LE(t.height, tile);
      ASSERT_GE(t.x, 0);
      ASSERT_GE(t.y, 0);
      ASSERT_LE(t.x + t.width, w);
      ASSERT_LE(t.y + t.height, h);
      xs.insert(t.x);
      ys.insert(t.y);
      for (int y = t.y; y < t.y + t.height; ++y)
        for (int x = t.x; x < t.x + t.width; ++x) ++covered[size_t(y) * w + x];
    }
    EXPECT_EQ(tiles.size(), xs.size() * ys.size()) << w << "x" << h;
    EXPECT_EQ(*std::min_element(covered.begin(), covered.end()) > 0, true) << w << "x" << h;
    // Neighbours share at least `overlap` pixels.
    for (const std::set<int>* starts : {&xs, &ys}) {
      const int size = starts == &xs ? tiles[0].width : tiles[0].height;
      for (auto a = starts->begin(), b = std::next(a); b != starts->end(); ++a, ++b) {
        EXPECT_GE(*a + size - *b, overlap) << w << "x" << h;
        EXPECT_LE(*a + size - *b, overlap + 2) << w << "x" << h;  // no more than needed
      }
    }
    if (w <= tile && h <= tile) {
      EXPECT_EQ(tiles.size(), 1u);
    }
  }
  const std::vector<nst::TileRect> t = nst::tile_layout(3001, 1999, 1024, 128);
  ASSERT_EQ(t.size(), 12u);  // 4 x 3 tiles of 847 x 752
  EXPECT_EQ(t[0].width, 847);
  EXPECT_EQ(t[0].height, 752);
}

// Optimising the largest scale in tiles comes close to optimising it whole:
// the whole image's losses agree within a few per cent and the tiles' borders
// show no seam (neighbouring pixels across a border differ no more than
// elsewhere).
TEST(Engine, TiledScaleComesCloseToTheWholeImage) {
  const nst::Image content = gradient_image(224, 160, 3), style = stripes_image(64, 64);
  nst::TransferOptions o = fixture_options(20);
  // fp32 on every CPU (with AMX, Auto means bf16). The two optimisations
  // follow different paths, so how far apart they end depends on rounding:
  // 6 % in the gcc build, 10 % in the clang sanitizer build, 12 % in bf16.
  o.precision = nst::Precision::Float32;
  o.size = 112;
  o.output_size = -1;
  o.scale_iterations = 20;
  const nst::TransferResult whole = nst::transfer(content, style, o);
  o.tile = 128;
  o.tile_overlap = 32;
  const std::vector<nst::Scale> scales = nst::transfer_scales(224, 160, o);
  ASSERT_EQ(scales.size(), 3u);
  ASSERT_EQ(scales.back().tiles.size(), 4u);
  int tiles_seen = 0;
  const nst::TransferResult tiled = nst::transfer(content, style, o, [&](const nst::Progress& p) {
    tiles_seen = std::max(tiles_seen, p.tiles);
    EXPECT_GE(p.work_done, 0.0);
    EXPECT_LE(p.work_done, 1.0);
  });
  EXPECT_EQ(tiles_seen, 4);
  EXPECT_EQ(tiled.iterations, 20 + 20 * int(scales[1].tiles.size()) + 20 * 4);

  // The whole image's losses at 224 x 160, as the engine weighs them.
  auto net = nst::load_network(o.model);
  const nst::ModelInfo& info = net->info();
  auto tensor = [](const nst::Image& img) {
    return at::from_blob(const_cast<float*>(img.data.data()), {img.height, img.width, 3}).permute({2, 0, 1}).unsqueeze(0).clone();
  };
  torch::NoGradGuard no_grad;
  const std::vector<bool> grams(info.default_style_layers.size(), true);
  // The painting at the working size (112 px; it is never enlarged beyond that).
  const std::vector<at::Tensor> style_g = net->features(tensor(nst::resize(style, 112, 112)), info.default_style_layers, grams);
  const at::Tensor content_f = net->features(tensor(content), info.default_content_layers)[0];
  auto losses = [&](const nst::Image& img) {
    const at::Tensor x = tensor(img);
    const std::vector<at::Tensor> g = net->features(x, info.default_style_layers, grams);
    double ls = 0;
    for (size_t i = 0; i < g.size(); ++i) ls += at::mse_loss(g[i], style_g[i]).item<double>();
    const double lc = at::mse_loss(net->features(x, info.default_content_layers)[0], content_f).item<double>();
    return std::pair{info.default_style_weight * ls, info.default_content_weight * lc};
  };
  const auto [ws, wc] = losses(whole.image);
  const auto [ts, tc] = losses(tiled.image);
  const auto [cs, cc] = losses(content);
  EXPECT_LT(ws, 0.5 * cs);  // the style moved in both
  EXPECT_LT(ts, 0.5 * cs);
  EXPECT_NEAR(ts + tc, ws + wc, 0.15 * (ws + wc)) << "tiled " << ts << " + " << tc << ", whole " << ws << " + " << wc;
  std::printf("whole-image losses: tiled %.4g + %.4g, whole %.4g + %.4g, content %.4g + %.4g\n", ts, tc, ws, wc, cs, cc);

  // Seams: the mean step between neighbouring columns (rows) at the tiles'
  // edges against the mean over the whole image.
  auto step_x = [&](const nst::Image& img, int x) {
    double sum = 0;
    for (int y = 0; y < img.height; ++y)
      for (int c = 0; c < 3; ++c) sum += std::abs(img.at(x, y, c) - img.at(x - 1, y, c));
    return sum / (img.height * 3);
  };
  double all = 0;
  for (int x = 1; x < tiled.image.width; ++x) all += step_x(tiled.image, x);
  all /= tiled.image.width - 1;
  for (const nst::TileRect& t : scales.back().tiles)
    for (int x : {t.x, t.x + t.width})
      if (x > 0 && x < tiled.image.width) {
        EXPECT_LT(step_x(tiled.image, x), 1.5 * all) << "column " << x;
      }
}

TEST(Models, DefaultIsTheBestInstalledNetwork) {
  const std::string dir = fresh_dir("models");
  setenv("NST_MODELS_DIR", dir.c_str(), 1);
  EXPECT_NE(error_of([] { nst::default_model(); }).find("install-models.sh"), std::string::npos);
  mkdir((dir + "/darknet-tiny").c_str(), 0755);
  std::ofstream(dir + "/darknet-tiny/model.json") << "{}";
  EXPECT_EQ(nst::default_model(), dir + "/darknet-tiny");
  std::ofstream(dir + "/vgg16-397923af.pth") << "x";
  EXPECT_EQ(nst::default_model(), dir + "/vgg16-397923af.pth");
  std::ofstream(dir + "/vgg19-dcbb9e9d.pth") << "x";
  EXPECT_EQ(nst::installed_models().size(), 3u);
  EXPECT_EQ(nst::default_model(), dir + "/vgg19-dcbb9e9d.pth");
  unsetenv("NST_MODELS_DIR");
}

// --- the direct oneDNN step (core/step_dnnl.cpp) against the LibTorch path:
// the same losses and image gradients for VGG-19 and Darknet-tiny, max and
// average pooling, odd sizes, fp32 (tight) and bf16 (looser, stated below).
const std::string kVggFixture = kFixtures + "/vgg19-zip.pth";

struct StepResult {
  double loss;
  at::Tensor grad;
  std::vector<at::Tensor> features;
};

// Loss (content MSE on the first layer, style Gram MSE on the others, as the
// engine) and its gradient at the image x, through the path the net is set to.
StepResult step(nst::FeatureNet& net, const at::Tensor& x0, const at::Tensor& target, int64_t nc,
                const std::vector<std::string>& layers) {
  std::vector<at::Tensor> t;
  {
    torch::NoGradGuard g;
    t = net.features(target, layers);
  }
  at::Tensor x = x0.clone().set_requires_grad(true);
  std::vector<at::Tensor> f = net.features(x, layers);
  at::Tensor loss = at::zeros({});
  for (int64_t i = 0; i < int64_t(f.size()); ++i)
    loss = loss + (i < nc ? nst::losses::content(f[i], t[i]) : 1e3 * nst::losses::style(f[i], nst::losses::gram(t[i])));
  loss.backward();
  StepResult r{loss.item<double>(), x.grad().clone(), {}};
  for (auto& fi : f) r.features.push_back(fi.detach().contiguous());
  return r;
}

// The same loss as the engine computes it: the style layers come back from
// features() as Gram matrices (on the direct path their gradients are then
// formed inside the step's backward pass).
StepResult step_grams(nst::FeatureNet& net, const at::Tensor& x0, const at::Tensor& target, int64_t nc,
                      const std::vector<std::string>& layers) {
  std::vector<bool> gram(layers.size(), true);
  std::fill(gram.begin(), gram.begin() + nc, false);
  std::vector<at::Tensor> t;
  {
    torch::NoGradGuard g;
    t = net.features(target, layers, gram);
  }
  at::Tensor x = x0.clone().set_requires_grad(true);
  std::vector<at::Tensor> f = net.features(x, layers, gram);
  at::Tensor loss = at::zeros({});
  for (int64_t i = 0; i < int64_t(f.size()); ++i) {
    if (i >= nc) {
      EXPECT_EQ(f[i].dim(), 2) << "a (C, C) Gram matrix";
    }
    loss = loss + (i < nc ? nst::losses::content(f[i], t[i]) : 1e3 * at::mse_loss(f[i], t[i]));
  }
  loss.backward();
  return StepResult{loss.item<double>(), x.grad().clone(), {}};
}

double rel_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).norm().item<double>() / std::max(1e-30, b.norm().item<double>());
}
double cosine(const at::Tensor& a, const at::Tensor& b) {
  return (a * b).sum().item<double>() / (a.norm().item<double>() * b.norm().item<double>());
}

struct Case {
  std::string model;
  int h, w;
  nst::Pooling pooling;
  std::vector<std::string> layers;  // first: content; empty: the network's defaults
};

void compare(const Case& c) {
  if (!nst::FeatureNet::direct_available()) GTEST_SKIP() << "built without the direct oneDNN path";
  auto net = nst::load_network(c.model);
  net->set_pooling(c.pooling);
  std::vector<std::string> layers = c.layers;
  if (layers.empty()) {
    layers = net->info().default_content_layers;
    for (const auto& l : net->info().default_style_layers) layers.push_back(l);
  }
  at::manual_seed(3);
  const at::Tensor x = at::rand({1, 3, c.h, c.w}), target = at::rand({1, 3, c.h, c.w});
  net->set_direct(false);
  net->set_precision(nst::Precision::Float32);
  const StepResult ref = step(*net, x, target, 1, layers);
  const StepResult ref_grams = step_grams(*net, x, target, 1, layers);
  EXPECT_NEAR(ref_grams.loss, ref.loss, 1e-6 * std::abs(ref.loss));
  EXPECT_LT(rel_diff(ref_grams.grad, ref.grad), 1e-5);
  net->set_direct(true);
  const StepResult fp32 = step(*net, x, target, 1, layers);
  ASSERT_TRUE(net->direct());
  const StepResult grams = step_grams(*net, x, target, 1, layers);
  // fp32: same arithmetic up to summation order and rounding (Winograd). The
  // gradient is only piecewise smooth: a ReLU or max pooling of these random
  // networks whose input sits within rounding of its kink changes it by ~1e-2
  // (measured: the reference's own gradient moved by 0.4-1.1e-2 for a 1e-5
  // relative change of the image in all three VGG-19 cases, 1e-6 below 1e-5;
  // the direct step matches to ~1e-5 unless it takes the other side of one
  // such kink, which a change of rounding decides). Hence 3e-2 for the
  // gradient; the loss and the features are continuous and held to 1e-4.
  EXPECT_NEAR(grams.loss, ref.loss, 1e-4 * std::abs(ref.loss));
  EXPECT_LT(rel_diff(grams.grad, ref.grad), 3e-2);
  EXPECT_NEAR(fp32.loss, ref.loss, 1e-4 * std::abs(ref.loss));
  EXPECT_LT(rel_diff(fp32.grad, ref.grad), 3e-2);
  for (size_t i = 0; i < ref.features.size(); ++i) EXPECT_LT(rel_diff(fp32.features[i], ref.features[i]), 1e-4) << layers[i];
  // bf16 convolutions (8-bit mantissa), fp32 losses: loss within 2 %, gradient
  // direction within cosine 0.95 of fp32 (random weights are the hard case).
  if (!nst::cpu::has_bf16()) return;  // (Cpu.PrecisionsTheCpuLacksAreRefused checks the refusal)
  net->set_precision(nst::Precision::BFloat16);
  const StepResult bf16 = step(*net, x, target, 1, layers);
  EXPECT_NEAR(bf16.loss, ref.loss, 2e-2 * std::abs(ref.loss));
  EXPECT_GT(cosine(bf16.grad, ref.grad), 0.95);
  EXPECT_EQ(bf16.grad.scalar_type(), at::kFloat);
  const StepResult bf16_grams = step_grams(*net, x, target, 1, layers);
  EXPECT_NEAR(bf16_grams.loss, ref.loss, 2e-2 * std::abs(ref.loss));
  EXPECT_GT(cosine(bf16_grams.grad, ref.grad), 0.95);
}

TEST(DirectStep, Vgg19MaxPoolingMatchesLibTorch) { compare({kVggFixture, 64, 64, nst::Pooling::Max, {}}); }
TEST(DirectStep, Vgg19AveragePoolingOddSizeMatchesLibTorch) {
  compare({kVggFixture, 45, 39, nst::Pooling::Average, {}});
}
TEST(DirectStep, Vgg19OddSizeMaxPoolingConvLayersAndRepeatedLayer) {
  // A wanted convolution is not fused with its ReLU; a layer wanted twice gets both gradients.
  compare({kVggFixture, 37, 50, nst::Pooling::Max, {"conv3_1", "relu1_2", "conv3_1", "pool2", "relu4_1"}});
}
TEST(DirectStep, DarknetCeilPoolingOddSizeMatchesLibTorch) {
  compare({fixture("darknet-random"), 41, 35, nst::Pooling::Max, {}});
  compare({fixture("darknet-random"), 41, 35, nst::Pooling::Average, {}});
}

// Runs `body` once for each SIMD target that Highway compiled and this CPU
// runs (within the cap of cpu.h), with the kernels' dispatch forced to it.
template <typename Body>
void for_each_simd_target(Body body) {
  std::printf("kernels' own choice here: %s\n", nst::rows::target_name());  // also applies the cap
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  EXPECT_FALSE(targets.empty());
  for (const int64_t t : targets) {
    hwy::SetSupportedTargetsForTest(t);
    SCOPED_TRACE(hwy::TargetName(t));
    EXPECT_STREQ(nst::rows::target_name(), hwy::TargetName(t));
    std::printf("  forced to %s\n", hwy::TargetName(t));
    body();
    if (testing::Test::HasFatalFailure()) break;
  }
  hwy::SetSupportedTargetsForTest(0);
}

// The fast networks' per-channel row loops (rows.h) against plain loops, on
// every SIMD target, with channel counts that leave a remainder after the
// last full vector.
TEST(Cpu, RowKernelsMatchPlainLoops) {
  for_each_simd_target([] {
    for (const int64_t c : {3, 16, 37, 64}) {
      SCOPED_TRACE(testing::Message() << c << " channels");
      const int64_t n = 300;  // rows: one flush of the float sums at 256 and one at the end
      at::manual_seed(c);
      const at::Tensor x = at::randn({n, c}) * 3, shift = at::randn({c}), scale = at::randn({c}), off = at::randn({c});
      const float* xp = x.data_ptr<float>();
      // stats: sums of x - shift and (x - shift)^2, and the range
      std::vector<float> a1(c, 0.f), a2(c, 0.f), mn(xp, xp + c), mx(xp, xp + c);
      std::vector<double> o1(c, 0.0), o2(c, 0.0);
      nst::rows::stats(xp, 0, n, c, shift.data_ptr<float>(), a1.data(), a2.data(), o1.data(), o2.data(), mn.data(),
                       mx.data());
      const at::Tensor v = (x - shift).to(at::kDouble);
      for (int64_t k = 0; k < c; ++k) {
        EXPECT_NEAR(o1[k], v.select(1, k).sum().item<double>(), 1e-3) << k;
        EXPECT_NEAR(o2[k], (v.select(1, k) * v.select(1, k)).sum().item<double>(), 1e-2) << k;
        EXPECT_EQ(mn[k], x.select(1, k).min().item<float>()) << k;
        EXPECT_EQ(mx[k], x.select(1, k).max().item<float>()) << k;
        EXPECT_EQ(a1[k], 0.f);  // flushed
      }
      // scale_shift with ReLU and the largest |result|
      at::Tensor y = x.clone();
      std::vector<float> hi(c, 0.f);
      nst::rows::scale_shift(y.data_ptr<float>(), 0, n, c, scale.data_ptr<float>(), off.data_ptr<float>(), true,
                             hi.data());
      const at::Tensor want = at::relu(x * scale + off);
      EXPECT_LT((y - want).abs().max().item<float>(), 1e-5);
      for (int64_t k = 0; k < c; ++k) EXPECT_FLOAT_EQ(hi[k], y.select(1, k).max().item<float>()) << k;
      // quantize: to even at ties, clamped
      at::Tensor s = at::randn({n, c}) * 200;
      s.select(0, 0).fill_(2.5f);  // a tie: 2
      s.select(0, 1).fill_(-3.5f);  // -4 (int8), 0 (uint8: clamped)
      const at::Tensor ones = at::ones({c});
      std::vector<uint8_t> qu(n * c);
      std::vector<int8_t> qs(n * c);
      nst::rows::quantize(s.data_ptr<float>(), 0, n, c, ones.data_ptr<float>(), nullptr, 0.f, 255.f, qu.data());
      nst::rows::quantize(s.data_ptr<float>(), 0, n, c, ones.data_ptr<float>(), nullptr, -127.f, 127.f, qs.data());
      const at::Tensor ru = at::round(s.clamp(0, 255)).to(at::kByte), rs = at::round(s.clamp(-127, 127)).to(at::kChar);
      EXPECT_TRUE(at::equal(at::from_blob(qu.data(), {n, c}, at::kByte), ru));
      EXPECT_TRUE(at::equal(at::from_blob(qs.data(), {n, c}, at::kChar), rs));
      EXPECT_EQ(qu[0], 2);
      EXPECT_EQ(qs[c], -4);
      // add, with the largest |sum|
      at::Tensor a = x.clone();
      std::vector<float> top(c, 0.f);
      nst::rows::add(a.data_ptr<float>(), s.data_ptr<float>(), 0, n, c, top.data());
      EXPECT_TRUE(at::equal(a, x + s));
      for (int64_t k = 0; k < c; ++k) EXPECT_EQ(top[k], a.select(1, k).abs().max().item<float>()) << k;
    }
  });
}

// The optimisation step's max pooling (rows.h) against LibTorch's, forward
// and backward, on every SIMD target: odd and even sizes in floor and ceil
// mode (windows past the edge, pixels in no window), ties (the first of
// equal values takes the gradient, as in LibTorch), channel counts with a
// remainder after the last full vector, and work split into row ranges.
TEST(Cpu, MaxPoolingMatchesLibTorch) {
  for_each_simd_target([] {
    struct Case {
      int64_t c, h, w;
      bool ceil;
    };
    for (const Case& t : {Case{16, 8, 6, false}, Case{37, 7, 9, false}, Case{32, 7, 9, true}, Case{5, 1, 1, true},
                          Case{64, 12, 5, true}}) {
      SCOPED_TRACE(testing::Message() << t.c << " channels, " << t.h << "x" << t.w << (t.ceil ? " ceil" : " floor"));
      at::manual_seed(t.c + t.h);
      // Whole numbers from a small range: many ties within a window.
      const at::Tensor x = at::randint(0, 4, {1, t.c, t.h, t.w}).to(at::kFloat).requires_grad_(true);
      const at::Tensor ref = at::max_pool2d(x, {2, 2}, {2, 2}, {0, 0}, {1, 1}, t.ceil);
      const at::Tensor g = at::randn(ref.sizes());
      ref.backward(g);
      const int64_t oh = ref.size(2), ow = ref.size(3);
      const at::Tensor src = x.detach()[0].permute({1, 2, 0}).contiguous();  // NHWC
      at::Tensor y = at::full({oh, ow, t.c}, 7.f), dx = at::full({t.h, t.w, t.c}, 7.f);
      at::Tensor where = at::empty({oh, ow, t.c}, at::kByte);
      const at::Tensor gn = g[0].permute({1, 2, 0}).contiguous();
      for (const auto& [a, b] : {std::pair<int64_t, int64_t>{0, oh / 2}, std::pair<int64_t, int64_t>{oh / 2, oh}}) {
        nst::rows::max_pool(src.data_ptr<float>(), t.h, t.w, t.c, ow, a, b, y.data_ptr<float>(),
                            where.data_ptr<uint8_t>());
        nst::rows::max_pool_backward(gn.data_ptr<float>(), where.data_ptr<uint8_t>(), t.h, t.w, t.c, oh, ow, a, b,
                                     dx.data_ptr<float>());
      }
      EXPECT_TRUE(at::equal(y.permute({2, 0, 1}).unsqueeze(0), ref.detach()));
      EXPECT_TRUE(at::equal(dx.permute({2, 0, 1}).unsqueeze(0), x.grad())) << "the gradient, at the same positions";
    }
  });
}

// The image gradient of the step's first convolution (rows.h) against
// LibTorch's: sizes with a remainder after the kernel's 4 pixels, one row or
// column, channel counts of one and several vectors, work split into row
// ranges.
TEST(Cpu, ImageGradientMatchesLibTorch) {
  for_each_simd_target([] {
    struct Case {
      int64_t k, h, w;
    };
    for (const Case& t : {Case{16, 9, 7}, Case{16, 1, 1}, Case{64, 6, 13}, Case{32, 11, 1}, Case{16, 4, 4}}) {
      if (!nst::rows::image_gradient_supports(t.k)) continue;
      SCOPED_TRACE(testing::Message() << t.k << " channels, " << t.h << "x" << t.w);
      at::manual_seed(t.k + t.h);
      const at::Tensor weight = at::randn({t.k, 3, 3, 3}), bias = at::randn({t.k});
      const at::Tensor x = at::randn({1, 3, t.h, t.w}).requires_grad_(true);
      const at::Tensor y = at::conv2d(x, weight, bias, {1, 1}, {1, 1});
      const at::Tensor g = at::randn(y.sizes());
      y.backward(g);
      const at::Tensor gn = g[0].permute({1, 2, 0}).contiguous();
      const std::vector<float> wv = nst::rows::image_gradient_weights(weight.data_ptr<float>(), t.k);
      at::Tensor dx = at::full({1, 3, t.h, t.w}, 7.f);
      for (const auto& [a, b] : {std::pair<int64_t, int64_t>{0, t.h / 2}, std::pair<int64_t, int64_t>{t.h / 2, t.h}})
        nst::rows::image_gradient(gn.data_ptr<float>(), t.h, t.w, t.k, wv.data(), a, b, dx.data_ptr<float>());
      const double scale = x.grad().abs().max().item<double>();
      EXPECT_LT((dx - x.grad()).abs().max().item<double>(), 1e-5 * scale);
    }
    EXPECT_FALSE(nst::rows::image_gradient_supports(0));
  });
}

// The step's Winograd F(4x4, 3x3) and F(6x6, 3x3) convolutions against
// LibTorch's: edge tiles (sizes not a multiple of 4 or 6, one row/column),
// bias, ReLU and leaky ReLU. F(6x6)'s larger transform constants round more
// (measured max errors up to 1.5e-5 with F(4x4), 2.6e-5 with F(6x6) on
// VGG-19's layers): 1e-5 (2e-5 with 512 input channels, 1.3e-5 measured)
// and 3e-5 of the output's largest value here.
TEST(DirectStep, WinogradConvolutionMatchesLibTorch) {
#ifdef NST_HAVE_DNNL
  for_each_simd_target([] {
  EXPECT_EQ(nst::winograd::target_name(), nst::rows::target_name());
  EXPECT_TRUE(nst::winograd::supports(16, 32));
  EXPECT_TRUE(nst::winograd::supports(128, 16));  // one panel of 32 columns, half of it zeros
  EXPECT_FALSE(nst::winograd::supports(3, 64));   // VGG's first layer stays with oneDNN
  EXPECT_FALSE(nst::winograd::supports(16, 3));   // and its data gradient
  EXPECT_FALSE(nst::winograd::supports(64, 40));  // output channels in groups of 16
  at::manual_seed(11);
  struct Shape {
    int64_t c, k, h, w;
    bool bias, act;
    float alpha;
    bool compact;  // weights transformed on each call
  };
  // The tile for each layer and size: F(6x6) up to 256 + 256 channels;
  // larger layers F(6x6) from 64 x 64 px on AVX2 only (winograd.h).
  const bool avx2 = nst::winograd::target_name() == "AVX2";
  EXPECT_EQ(nst::winograd::preferred_tile(128, 128, 8, 8), 6);
  EXPECT_EQ(nst::winograd::preferred_tile(256, 512, 64, 64), avx2 ? 6 : 4);
  EXPECT_EQ(nst::winograd::preferred_tile(512, 512, 128, 96), avx2 ? 6 : 4);
  EXPECT_EQ(nst::winograd::preferred_tile(512, 512, 32, 32), 4);
  EXPECT_EQ(nst::winograd::preferred_tile(512, 256, 64, 63), 4);
  // tile 0: compact weights pick per call (both choices below, at 64 x 64
  // and 9 x 10 px); a given tile stays.
  for (const int tile : {4, 6, 0})
  for (const Shape& t :
       {Shape{16, 32, 7, 13, true, true, 0.f, false}, Shape{64, 32, 1, 9, false, false, 0.f, false},
        Shape{32, 64, 17, 4, true, true, 0.1f, true}, Shape{128, 64, 30, 22, true, false, 0.f, false},
        Shape{256, 512, 9, 10, true, true, 0.f, true}, Shape{128, 16, 11, 14, true, true, 0.1f, false},
        Shape{32, 16, 5, 8, false, false, 0.f, true}, Shape{16, 48, 6, 7, true, true, 0.f, false},
        Shape{512, 256, 64, 64, true, true, 0.f, true}}) {
    if (tile == 0 && !t.compact) continue;  // kept weights take a tile when transformed
    if (t.h * t.w >= 64 * 64 && tile != 0) continue;  // the large layer: only as the step runs it
    SCOPED_TRACE(testing::Message() << "F(" << tile << "x" << tile << ") " << t.c << "->" << t.k << " " << t.h << "x"
                                    << t.w);
    const nst::winograd::Weights probe{t.c, t.k, tile, {}, {}};
    const int used = nst::winograd::call_tile(probe, t.h, t.w);
    EXPECT_EQ(used, tile ? tile : nst::winograd::preferred_tile(t.c, t.k, t.h, t.w));
    const double tolerance = used == 6 ? 3e-5 : t.c < 512 ? 1e-5 : 2e-5;
    const at::Tensor x = at::randn({1, t.c, t.h, t.w}), wt = at::randn({t.k, t.c, 3, 3}) / std::sqrt(9.0 * t.c),
                     b = at::randn({t.k});
    at::Tensor ref = at::conv2d(x, wt, t.bias ? b : at::Tensor(), 1, 1);
    if (t.act) ref = at::where(ref < 0, ref * t.alpha, ref);
    const at::Tensor src = x[0].permute({1, 2, 0}).contiguous();  // NHWC
    at::Tensor dst = at::full({t.h, t.w, t.k}, 7.f);
    const nst::winograd::Weights u = nst::winograd::transform(wt.data_ptr<float>(), t.k, t.c, t.compact, tile);
    EXPECT_EQ(u.u.empty(), t.compact);
    EXPECT_EQ(u.tile, tile);
    EXPECT_EQ(nst::winograd::call_tile(u, t.h, t.w), used);
    nst::winograd::conv3x3(src.data_ptr<float>(), t.h, t.w, u, t.bias ? b.data_ptr<float>() : nullptr, t.act,
                           t.alpha, dst.data_ptr<float>());
    const at::Tensor got = dst.permute({2, 0, 1}).unsqueeze(0);
    const double err = (got - ref).abs().max().item<double>() / ref.abs().max().item<double>();
    EXPECT_LT(err, tolerance);
    // With masks: the input read through a ReLU's mask (slope 0 or 0.1 where
    // unset), the output's signs written as bytes.
    const float slope = t.compact ? 0.1f : 0.f;
    const at::Tensor keep = at::rand({t.h, t.w, t.c}) > 0.3;  // NHWC, like src
    at::Tensor masked = at::conv2d(at::where(keep, src, src * slope).permute({2, 0, 1}).unsqueeze(0), wt,
                                   t.bias ? b : at::Tensor(), 1, 1);
    if (t.act) masked = at::where(masked < 0, masked * t.alpha, masked);
    at::Tensor signs = at::full({t.h, t.w, t.k}, 7, at::kByte);
    nst::winograd::Masks masks;
    masks.src = reinterpret_cast<const uint8_t*>(keep.data_ptr<bool>());
    masks.src_alpha = slope;
    masks.dst = signs.data_ptr<uint8_t>();
    nst::winograd::conv3x3(src.data_ptr<float>(), t.h, t.w, u, t.bias ? b.data_ptr<float>() : nullptr, t.act,
                           t.alpha, dst.data_ptr<float>(), masks);
    const at::Tensor got_masked = dst.permute({2, 0, 1}).unsqueeze(0);
    EXPECT_LT((got_masked - masked).abs().max().item<double>() / masked.abs().max().item<double>(), tolerance);
    EXPECT_TRUE(at::equal(signs, (dst > 0).to(at::kByte))) << "the output's signs, as 0/1 bytes";
  }
  const nst::winograd::Weights u = nst::winograd::transform(at::zeros({32, 16, 3, 3}).data_ptr<float>(), 32, 16);
  std::vector<float> in(16), out(32);
  EXPECT_THROW(nst::winograd::conv3x3(in.data(), 0, 1, u, nullptr, false, 0.f, out.data()), std::invalid_argument);
  EXPECT_THROW(nst::winograd::transform(at::zeros({32, 16, 3, 3}).data_ptr<float>(), 32, 16, false, 5),
               std::invalid_argument);
  EXPECT_EQ(nst::winograd::transform(at::zeros({32, 16, 3, 3}).data_ptr<float>(), 32, 16, false, 0).tile, 6);
  nst::winograd::Weights kept_without_tile = u;  // kept weights need their tile
  kept_without_tile.tile = 0;
  EXPECT_THROW(nst::winograd::conv3x3(in.data(), 1, 1, kept_without_tile, nullptr, false, 0.f, out.data()),
               std::invalid_argument);
  });
#else
  GTEST_SKIP() << "built without the direct oneDNN path";
#endif
}

// The step's Gram products (winograd.cpp's kernel, oneDNN's sgemm) against LibTorch's matrix products.
TEST(DirectStep, GramKernelsMatchLibTorch) {
#ifdef NST_HAVE_DNNL
  for_each_simd_target([] {
  if (nst::gram::supports(32)) {
    EXPECT_FALSE(nst::gram::supports(16));
    EXPECT_FALSE(nst::gram::supports(48));
    float x = 0;
    EXPECT_THROW(nst::gram::features_gram(&x, 1, 16, 1.f, &x), std::invalid_argument);
  }
  // Row counts that are not multiples of the kernel's 12 rows or of the
  // 256-row pieces; 16 and 48 channels take oneDNN's sgemm.
  for (auto [rows, c] : {std::pair<int64_t, int64_t>{1, 32}, {13, 64}, {1000, 96}, {4099, 512}, {3001, 16}, {77, 48}}) {
    SCOPED_TRACE(testing::Message() << rows << " x " << c);
    const at::Tensor f = at::randn({rows, c}), k = at::randn({c, c}), d = at::randn({rows, c});
    at::Tensor g = at::empty({c, c});
    nst::step_gram::gram(f.data_ptr<float>(), rows, c, 0.5f, g.data_ptr<float>());
    const at::Tensor want = at::mm(f.t(), f) * 0.5;
    EXPECT_LT((g - want).abs().max().item<double>(), 1e-5 * want.abs().max().item<double>());
    EXPECT_LT((g - g.t()).abs().max().item<double>(), 1e-6 * want.abs().max().item<double>());
    if (nst::gram::supports(c)) {
      at::Tensor own = at::empty({c, c});
      nst::gram::features_gram(f.data_ptr<float>(), rows, c, 0.5f, own.data_ptr<float>());
      EXPECT_TRUE(at::equal(own, g)) << "the kernel where it takes c";
      EXPECT_TRUE(at::equal(own, own.t()));
    }
    at::Tensor out = d.clone();
    nst::step_gram::add_gradient(f.data_ptr<float>(), rows, c, k.data_ptr<float>(), out.data_ptr<float>());
    const at::Tensor want_d = d + at::mm(f, k);
    EXPECT_LT((out - want_d).abs().max().item<double>(), 1e-5 * want_d.abs().max().item<double>());
  }
  });
#else
  GTEST_SKIP() << "built without the direct oneDNN path";
#endif
}

// The step's large buffers (process.cpp): one arena whose freed ranges are
// handed out again (split, merged), small tensors and ATen's raw allocation
// API unchanged.
TEST(DirectStep, LargeTensorsComeFromOneArena) {
#ifdef NST_HAVE_DNNL
  nst::use_huge_pages_for_large_tensors();
  // Sizes far above anything else this program allocates, so that no range
  // freed by an earlier test can serve them: they start at the arena's top.
  const int64_t mb = 1 << 18;  // floats per MB
  char* first = nullptr;
  {
    at::Tensor a = at::empty({300 * mb});
    first = static_cast<char*>(a.data_ptr());
    a.fill_(1.f);
    EXPECT_EQ(a.sum().item<double>(), 300.0 * double(mb));
  }
  EXPECT_EQ(reinterpret_cast<uintptr_t>(first) % 64, 0u);
  {
    // The freed range is reused, split, from its start; the next block follows.
    at::Tensor b = at::empty({100 * mb}), c = at::empty({150 * mb});
    EXPECT_EQ(static_cast<char*>(b.data_ptr()), first);
    EXPECT_EQ(static_cast<char*>(c.data_ptr()), first + 100 * (size_t(1) << 20));
    b.fill_(2.f);
    c.fill_(3.f);
    EXPECT_EQ(b.sum().item<double>(), 200.0 * double(mb));
    EXPECT_EQ(c.sum().item<double>(), 450.0 * double(mb));
  }
  // Freed neighbours merge again: one block as large as both fits where they were.
  at::Tensor d = at::empty({260 * mb});
  EXPECT_EQ(static_cast<char*>(d.data_ptr()), first);
  at::Tensor small = at::ones({1000});
  EXPECT_EQ(small.sum().item<double>(), 1000.0);
  c10::Allocator* alloc = c10::GetCPUAllocator();
  for (size_t bytes : {size_t(100), size_t(9) << 20}) {
    void* p = alloc->raw_allocate(bytes);
    ASSERT_NE(p, nullptr);
    std::memset(p, 1, bytes);
    alloc->raw_deallocate(p);
  }
#else
  GTEST_SKIP() << "built without the direct oneDNN path";
#endif
}

TEST(DirectStep, TwoSizesAndRepeatedStepsAgree) {
  if (!nst::FeatureNet::direct_available()) GTEST_SKIP() << "built without the direct oneDNN path";
  auto net = nst::load_network(kVggFixture);
  const std::vector<std::string> layers{"relu2_2", "relu1_1", "relu3_1"};
  at::manual_seed(5);
  const at::Tensor a = at::rand({1, 3, 32, 48}), b = at::rand({1, 3, 40, 40});
  const StepResult first = step(*net, a, at::full({1, 3, 32, 48}, 0.5), 1, layers);
  step(*net, b, b.flip({3}).contiguous(), 1, layers);  // another plan in between
  const StepResult again = step(*net, a, at::full({1, 3, 32, 48}, 0.5), 1, layers);
  EXPECT_DOUBLE_EQ(first.loss, again.loss);
  EXPECT_TRUE(at::equal(first.grad, again.grad));
}

// The plans of two sizes (a coarse-to-fine run) share one copy of each
// convolution's Winograd weights (7.1x the kernels with F(6x6)).
TEST(DirectStep, PlansOfTwoSizesShareWinogradWeights) {
#ifdef NST_HAVE_DNNL
  if (!nst::winograd::available()) GTEST_SKIP() << "Winograd is not used on this CPU (" << nst::winograd::target_name() << ")";
  auto net = nst::load_network(kVggFixture);
  const std::vector<size_t> wanted{net->index_of("relu1_1"), net->index_of("relu3_1")};
  nst::WinogradWeightCache shared;
  nst::DnnlStep a(*net, 32, 48, wanted.back(), wanted, false, &shared);
  // conv1_2, conv2_1, conv2_2 and conv3_1, both directions (not conv1_1: 3 channels).
  EXPECT_EQ(shared.size(), 8u);
  std::vector<const nst::winograd::Weights*> first;
  for (const auto& kv : shared) first.push_back(kv.second.get());
  nst::DnnlStep b(*net, 40, 40, wanted.back(), wanted, false, &shared);
  EXPECT_EQ(shared.size(), 8u);
  size_t i = 0;
  for (const auto& kv : shared) {
    EXPECT_EQ(kv.second.get(), first[i++]);
    EXPECT_EQ(kv.second.use_count(), 3) << "the cache and both plans";
  }
#else
  GTEST_SKIP() << "built without the direct oneDNN path";
#endif
}

}  // namespace

// --- what the CPU can run ------------------------------------------------------
// Run twice by meson: as the machine is, and capped to AVX2 (ONEDNN_MAX_CPU_ISA),
// so that both answers are checked on every CPU that has AVX-512.

TEST(Cpu, CapAndFlagsAgree) {
  const char* cap = std::getenv("ONEDNN_MAX_CPU_ISA");
  if (cap && std::string(cap) == "AVX2") {
    EXPECT_FALSE(nst::cpu::has_avx512());
    EXPECT_FALSE(nst::cpu::has_vnni());
    EXPECT_FALSE(nst::cpu::has_bf16());
    EXPECT_FALSE(nst::cpu::has_amx_bf16());
    EXPECT_EQ(nst::cpu::has_avx2(), nst::cpu::has_flag("avx2") && nst::cpu::has_flag("fma"));
    EXPECT_NE(nst::cpu::describe().find("capped by ONEDNN_MAX_CPU_ISA"), std::string::npos) << nst::cpu::describe();
  } else if (!cap) {
    EXPECT_EQ(nst::cpu::has_avx512(), nst::cpu::has_flag("avx512f") && nst::cpu::has_flag("avx512bw"));
    EXPECT_EQ(nst::cpu::has_vnni(), nst::cpu::has_avx512() && nst::cpu::has_flag("avx512_vnni"));
    EXPECT_EQ(nst::cpu::has_amx_bf16(), nst::cpu::has_flag("amx_bf16") && nst::cpu::has_flag("amx_tile"));
  }
  // Whatever the CPU: the finer features imply the coarser ones.
  EXPECT_TRUE(!nst::cpu::has_vnni() || nst::cpu::has_avx512());
  EXPECT_TRUE(!nst::cpu::has_avx512() || nst::cpu::has_avx2());
  EXPECT_TRUE(!nst::cpu::has_amx_bf16() || nst::cpu::has_bf16());
}

// A precision the CPU lacks is refused with one sentence naming what it
// needs and what this CPU has, never with a library's message; auto and fp32
// always run.
TEST(Cpu, PrecisionsTheCpuLacksAreRefused) {
  if (!std::filesystem::exists(kVggFixture)) GTEST_SKIP() << "fixture " << kVggFixture << " missing";
  auto net = nst::load_network(kVggFixture);
  net->set_precision(nst::Precision::Auto);
  EXPECT_EQ(net->precision(), nst::cpu::has_amx_bf16() ? nst::Precision::BFloat16 : nst::Precision::Float32);
  if (nst::cpu::has_bf16()) {
    net->set_precision(nst::Precision::BFloat16);
    EXPECT_EQ(net->precision(), nst::Precision::BFloat16);
  } else {
    try {
      net->set_precision(nst::Precision::BFloat16);
      ADD_FAILURE() << "bf16 accepted on a CPU without it";
    } catch (const nst::Error& e) {
      EXPECT_EQ(std::string(e.what()), "bf16 precision needs a CPU with AVX512-BF16 or AMX; this one has " +
                                           nst::cpu::describe() + ": use fp32 or auto");
    }
    EXPECT_EQ(net->precision(), nst::Precision::Float32);  // unchanged
  }
  // The step itself runs in the precision auto chose, through oneDNN where built with it.
  net->set_precision(nst::Precision::Auto);
  at::manual_seed(1);
  const at::Tensor x = at::rand({1, 3, 32, 32});
  const auto f = net->features(x, {"relu2_1"});
  EXPECT_EQ(f[0].size(1), 128);
  EXPECT_TRUE(at::isfinite(f[0]).all().item<bool>());
}
