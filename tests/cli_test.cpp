// End-to-end tests of the `nst` command line on real images and the real
// Darknet-tiny network from ../shared (skipped when it is absent).
#include "losses.h"
#include "networks.h"
#include "nst.h"
#include "test_helpers.h"

#include <gtest/gtest.h>
#include <torch/utils.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>

namespace {

using namespace nst_test;

std::string g_nst = "nst";

// A new empty folder for this run (testing::TempDir() is shared by every run).
const std::string& tmp() {
  static const std::string dir = fresh_dir("cli");
  return dir;
}

struct CmdResult {
  int status;
  std::string out, err;
};

// Runs `nst ARGS` (with environment assignments `env` before it), capturing
// stdout and stderr.
CmdResult nst(const std::string& args, const std::string& env = "") {
  const std::string& dir = tmp();
  const std::string cmd = env + " " + g_nst + " " + args + " >" + dir + "/out.txt 2>" + dir + "/err.txt";
  int rc = std::system(cmd.c_str());
  auto slurp = [](const std::string& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  };
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir + "/out.txt"), slurp(dir + "/err.txt")};
}

// The real network and images of ../shared.
#define REQUIRE_REAL_MODELS() REQUIRE_SHARED("models/darknet-tiny/model.json", "testdata/content/coffee.jpg")

// Sum over the style layers of the squared Gram-matrix distance between two
// images, as the engine measures style.
double style_distance(const nst::FeatureNet& net, const nst::Image& a, const nst::Image& b) {
  torch::NoGradGuard g;
  auto tensor = [](const nst::Image& img) {
    nst::Image rgb = nst::resize(nst::convert_channels(img, 3), 256, 256);
    return at::from_blob(rgb.data.data(), {256, 256, 3}).permute({2, 0, 1}).unsqueeze(0).clone();
  };
  const auto& layers = net.info().default_style_layers;
  auto fa = net.features(tensor(a), layers), fb = net.features(tensor(b), layers);
  double d = 0;
  for (size_t i = 0; i < layers.size(); ++i)
    d += (nst::losses::gram(fa[i]) - nst::losses::gram(fb[i])).pow(2).sum().item<double>();
  return d;
}

TEST(Cli, TransfersStyleOntoRealPhoto) {
  REQUIRE_REAL_MODELS();
  const std::string s = shared_dir();
  const std::string content = s + "/testdata/content/chelsea.jpg", style = s + "/testdata/style/starry_night.jpg";
  const std::string out = tmp() + "/chelsea_starry.png";
  std::remove(out.c_str());
  CmdResult r = nst("transfer --content " + content + " --style " + style + " --output " + out + " --model " + s +
              "/models/darknet-tiny --size 160 --iterations 60 --stats");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("network: Darknet-tiny"), std::string::npos) << r.err;
  // Coarse-to-fine by default: a third of the iterations at 80 x 53 first (40 x 27 is too thin).
  EXPECT_NE(r.out.find("\"steps\": 80"), std::string::npos) << r.out;
  nst::Image c = nst::load_image(content), st = nst::load_image(style), o = nst::load_image(out);
  ASSERT_EQ(o.width, c.width);
  ASSERT_EQ(o.height, c.height);
  double diff = 0;
  for (size_t i = 0; i < o.data.size(); ++i) diff += std::abs(o.data[i] - c.data[i]);
  EXPECT_GT(diff / o.data.size(), 0.04) << "output barely differs from the content";
  auto net = nst::load_network(s + "/models/darknet-tiny");
  const double before = style_distance(*net, c, st), after = style_distance(*net, o, st);
  EXPECT_LT(after, 0.5 * before) << "style distance content->style " << before << ", output->style " << after;
}

TEST(Cli, FailsWithOneLineReason) {
  const std::string out = tmp() + "/never.png";
  CmdResult r = nst("transfer --content /nonexistent/photo.jpg --style /nonexistent/painting.jpg --output " + out +
              " --model /nonexistent/model");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("nst: error: "), std::string::npos) << r.err;
  EXPECT_FALSE(exists(out));
  r = nst("transfer --content a.jpg --style b.jpg --output c.png --bogus 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("unknown option '--bogus'"), std::string::npos) << r.err;
  r = nst("transfer --content a.jpg --style b.jpg --output c.png --iterations many");
  EXPECT_NE(r.err.find("--iterations expects an integer, got 'many'"), std::string::npos) << r.err;
}

std::string fixtures_dir() {
  const char* v = std::getenv("NST_FIXTURES");
  return v && *v ? v : "tests";
}

TEST(Cli, MissingStyleFileIsNamed) {
  // A generated photo and the random-weight Darknet-tiny of the test build: no ../shared needed.
  nst::Image photo(48, 40, 3);
  for (size_t i = 0; i < photo.data.size(); ++i) photo.data[i] = float(i % 97) / 96.f;
  const std::string content = tmp() + "/generated-photo.png";
  nst::save_image(photo, content);
  CmdResult r = nst("transfer --content " + content + " --style /nonexistent/painting.jpg --output " + tmp() +
                    "/x.png --model " + fixtures_dir() + "/darknet-random");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot open image '/nonexistent/painting.jpg'"), std::string::npos) << r.err;
}

// The artistic controls' flags: several paintings (a missing second one is
// named), bad values refused in a sentence, a run with all of them works.
TEST(Cli, ControlFlags) {
  nst::Image photo(48, 40, 3);
  for (size_t i = 0; i < photo.data.size(); ++i) photo.data[i] = float(i % 89) / 88.f;
  const std::string content = tmp() + "/controls-photo.png", style = tmp() + "/controls-style.png";
  nst::save_image(photo, content);
  nst::save_image(nst::resize(photo, 30, 30), style);
  const std::string base = "transfer --content " + content + " --output " + tmp() + "/controls.png --model " +
                           fixtures_dir() + "/darknet-random --size 48 --iterations 5 --quiet";
  CmdResult r = nst(base + " --style " + style + "," + style + " --style-blend-weights 3,1 --style-scale 1.5"
                    " --preserve-colors luminance --strength 80");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(exists(tmp() + "/controls.png"));
  r = nst(base + " --style " + style + ",/nonexistent/second.jpg");
  EXPECT_NE(r.err.find("cannot open image '/nonexistent/second.jpg'"), std::string::npos) << r.err;
  r = nst(base + " --style " + style + " --style-blend-weights 1,1");
  EXPECT_NE(r.err.find("got 2 style blend weights for 1 style image"), std::string::npos) << r.err;
  r = nst(base + " --style " + style + " --strength 150");
  EXPECT_NE(r.err.find("--strength must be a percentage from 0 to 100, got '150'"), std::string::npos) << r.err;
  r = nst(base + " --style " + style + " --preserve-colors chroma");
  EXPECT_NE(r.err.find("--preserve-colors must be off, luminance or match, got 'chroma'"), std::string::npos) << r.err;
  r = nst(base + " --style " + style + " --style-scale 9");
  EXPECT_NE(r.err.find("the style scale must be between 0.1 and 4"), std::string::npos) << r.err;
}

// The memory `nst transfer` announces before it starts against the peak it
// then reaches (VmHWM, --stats), at two sizes: within 25 %. The generated
// Darknet-tiny of the test build (its layers are the real network's), 22
// iterations so that L-BFGS's history (20) is full.
TEST(Cli, MemoryEstimateMatchesThePeak) {
  nst::Image photo(1024, 768, 3), painting(256, 256, 3);
  for (size_t i = 0; i < photo.data.size(); ++i) photo.data[i] = float((i * 7) % 251) / 250.f;
  for (size_t i = 0; i < painting.data.size(); ++i) painting.data[i] = float((i * 13) % 241) / 240.f;
  const std::string content = tmp() + "/estimate-photo.png", style = tmp() + "/estimate-painting.png";
  nst::save_image(photo, content);
  nst::save_image(painting, style);
  for (int size : {256, 1024}) {
    CmdResult r = nst("transfer --content " + content + " --style " + style + " --output " + tmp() +
                      "/estimate.png --model " + fixtures_dir() + "/darknet-random --iterations 22 --stats --size " +
                      std::to_string(size));
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string key = "memory needed: about ", peak_key = "\"peak_rss_mb\": ";
    const size_t at = r.err.find(key), peak_at = r.out.find(peak_key);
    ASSERT_NE(at, std::string::npos) << r.err;
    ASSERT_NE(peak_at, std::string::npos) << r.out;
    const double estimate = std::stod(r.err.substr(at + key.size())), peak = std::stod(r.out.substr(peak_at + peak_key.size()));
    std::printf("size %d: estimate %.0f MB, peak %.0f MB\n", size, estimate, peak);
    EXPECT_NEAR(estimate, peak, 0.25 * peak) << "size " << size;
  }
}

TEST(Cli, HelpListsOptions) {
  CmdResult r = nst("transfer --help");
  EXPECT_EQ(r.status, 0);
  for (const char* flag : {"--content", "--style", "--output", "--model", "--size", "--iterations", "--optimizer",
                           "--init", "--seed", "--content-weight", "--style-weight", "--tv-weight", "--style-layers",
                           "--content-layers", "nst fast", "--tile", "nst train", "--images", "--checkpoint", "--epochs", "--batch"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
}

// ---------------------------------------------------------------- nst fast / nst train

TEST(CliFast, StylisesRealPhotoInTheNamedPaintingsStyle) {
  REQUIRE_REAL_MODELS();
  const std::string s = shared_dir();
  const std::string content = s + "/testdata/content/chelsea.jpg", out = tmp() + "/chelsea_wave.png";
  std::remove(out.c_str());
  CmdResult r = nst("fast --model " + s + "/models/fast-style-ml5/wave --content " + content + " --output " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("network: wave (ml5 fast-style network)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("wrote " + out + " (451x300"), std::string::npos) << r.err;
  nst::Image c = nst::load_image(content), o = nst::load_image(out);
  ASSERT_EQ(o.width, c.width);
  ASSERT_EQ(o.height, c.height);
  // The "wave" network was trained on Hokusai's Great Wave: its output is
  // much closer to that print's style than the photo is.
  const nst::Image wave = nst::load_image(s + "/testdata/style/great_wave.jpg");
  auto net = nst::load_network(s + "/models/darknet-tiny");
  const double before = style_distance(*net, c, wave), after = style_distance(*net, o, wave);
  EXPECT_LT(after, 0.5 * before) << "style distance photo->wave " << before << ", output->wave " << after;
}

TEST(CliFast, FindsInstalledNetworksByNameAndListsThem) {
  const std::string models = tmp() + "/cli-models";
  mkdir(models.c_str(), 0755);
  mkdir((models + "/fast-style").c_str(), 0755);
  std::ifstream in(fixtures_dir() + "/tn-zip.pth", std::ios::binary);
  ASSERT_TRUE(in.good()) << "fixture tn-zip.pth missing";
  std::ofstream(models + "/fast-style/mosaic.pth", std::ios::binary) << in.rdbuf();
  const std::string env = "NST_MODELS_DIR=" + models;
  CmdResult r = nst("models", env);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("mosaic  " + models + "/fast-style/mosaic.pth"), std::string::npos) << r.out;
  nst::Image img(70, 50, 4);
  for (size_t i = 0; i < img.data.size(); ++i) img.data[i] = float(i % 97) / 96.f;
  const std::string in_png = tmp() + "/rgba.png", out_png = tmp() + "/rgba-out.png";
  nst::save_image(img, in_png);
  r = nst("fast --model mosaic --content " + in_png + " --output " + out_png + " --size 40 --precision fp32", env);
  ASSERT_EQ(r.status, 0) << r.err;
  nst::Image o = nst::load_image(out_png);
  ASSERT_EQ(o.channels, 4);
  ASSERT_EQ(o.width, 70);
  for (int y = 0; y < 50; ++y)
    for (int x = 0; x < 70; ++x) ASSERT_FLOAT_EQ(o.at(x, y, 3), nst::load_image(in_png).at(x, y, 3));
}

TEST(CliFast, FailsWithOneLineReason) {
  const std::string out = tmp() + "/never-fast.png";
  struct Case {
    std::string args, expect;
  } cases[] = {
      {"fast --model /nonexistent/model.pth --content a.jpg --output " + out,
       "nst: error: fast-style model '/nonexistent/model.pth' does not exist"},
      {"fast --content a.jpg --output " + out, "nst: error: missing --model"},
      {"fast --model " + fixtures_dir() + "/tn-zip.pth --content /nonexistent/photo.jpg --output " + out,
       "nst: error: cannot open image '/nonexistent/photo.jpg'"},
      {"fast --model m --content a.jpg --output x.png --size big", "--size expects an integer, got 'big'"},
      {"fast --model m --content a.jpg --output x.png --size 99999999999", "--size 99999999999 is out of range"},
      {"fast --model m --content a.jpg --output x.png --precision fp16", "--precision must be auto, fp32, bf16 or int8, got 'fp16'"},
      {"fast --model m --content a.jpg --output x.png --iterations 3", "unknown option '--iterations' for nst fast"},
      {"transfer --content a.jpg --style b.jpg --output x.png --style-weight nan",
       "--style-weight must be a finite number of at least 0, got 'nan'"},
      {"transfer --content a.jpg --style b.jpg --output x.png --tv-weight -1",
       "--tv-weight must be a finite number of at least 0, got '-1'"},
      {"transfer --content a.jpg --style b.jpg --output x.png --learning-rate inf",
       "--learning-rate must be a finite number of at least 0, got 'inf'"},
      {"transfer --content a.jpg --style b.jpg --output x.png --style-layer-weights 1,nan",
       "--style-layer-weights must be a finite number of at least 0, got 'nan'"},
      {"transfer --content a.jpg --style b.jpg --output x.png --output-size 10",
       "--output-size must be 'full', 'work' or a size in pixels of at least 32 (got '10')"},
      {"train --style s.jpg --output m.pth", "nst: error: missing --images"},
      {"train --style s.jpg --images /nonexistent/coco --output m.pth --features /nonexistent/vgg19.pth",
       "model file '/nonexistent/vgg19.pth' does not exist"},
  };
  for (const auto& c : cases) {
    CmdResult r = nst(c.args);
    EXPECT_EQ(r.status, 1) << c.args;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.args << ": " << r.err;
    int lines = 0;
    std::istringstream ss(r.err);
    for (std::string l; std::getline(ss, l);) lines += !l.empty();
    EXPECT_EQ(lines, 1) << c.args << ": " << r.err;
  }
  EXPECT_FALSE(exists(out));
}

TEST(CliTrain, TrainsAndResumesAModelThatFastLoads) {
  REQUIRE_REAL_MODELS();
  const std::string s = shared_dir(), dir = tmp() + "/cli-train";
  mkdir(dir.c_str(), 0755);
  const std::string model = dir + "/wave-mine.pth";
  std::remove(model.c_str());
  std::remove((model + ".ckpt").c_str());
  const std::string common = "train --style " + s + "/testdata/style/great_wave.jpg --images " + s +
                             "/testdata/content --output " + model + " --features " + s +
                             "/models/darknet-tiny --size 64 --batch 2 --width 8 --style-size 96";
  CmdResult r = nst(common + " --steps 2");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("feature network: Darknet-tiny"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("step 2/2  loss "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("wrote " + model + " after 2 steps"), std::string::npos) << r.err;
  r = nst(common + " --steps 4");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("resumed at step 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("step 4/4"), std::string::npos) << r.err;
  const std::string out = dir + "/styled.png";
  r = nst("fast --model " + model + " --content " + s + "/testdata/content/coffee.jpg --output " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("network: wave-mine (TransformerNet state dict)"), std::string::npos) << r.err;
  EXPECT_EQ(nst::load_image(out).width, 600);
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]).rfind("--nst=", 0) == 0) g_nst = std::string(argv[i]).substr(6);
  const int rc = RUN_ALL_TESTS();
  std::filesystem::remove_all(tmp());
  return rc;
}
