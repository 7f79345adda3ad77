// End-to-end tests of the `nst` command line on real images and the real
// Darknet-tiny network from ../shared (skipped when it is absent).
#include "losses.h"
#include "networks.h"
#include "nst.h"

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

std::string g_nst = "nst";

// A new empty folder for this run (testing::TempDir() is shared by every run).
const std::string& tmp() {
  static std::string dir = [] {
    std::string templ = testing::TempDir() + "/nst-cli-XXXXXX";
    if (!mkdtemp(&templ[0])) std::abort();
    return templ;
  }();
  return dir;
}
std::string shared_dir() {
  const char* v = std::getenv("NST_SHARED");
  return v && *v ? v : "../shared";
}
bool exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

struct CmdResult {
  int status;
  std::string out, err;
};

// Runs `nst ARGS`, capturing stdout and stderr.
CmdResult nst(const std::string& args) {
  const std::string& dir = tmp();
  const std::string cmd = g_nst + " " + args + " >" + dir + "/out.txt 2>" + dir + "/err.txt";
  int rc = std::system(cmd.c_str());
  auto slurp = [](const std::string& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  };
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir + "/out.txt"), slurp(dir + "/err.txt")};
}

#define REQUIRE_SHARED()                                                   \
  if (!exists(shared_dir() + "/models/darknet-tiny/model.json"))           \
  GTEST_SKIP() << "../shared is absent (" << shared_dir() << "): the real " \
                  "network and test images live there; skipping"

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
  REQUIRE_SHARED();
  const std::string s = shared_dir();
  const std::string content = s + "/testdata/content/chelsea.jpg", style = s + "/testdata/style/starry_night.jpg";
  const std::string out = tmp() + "/chelsea_starry.png";
  std::remove(out.c_str());
  CmdResult r = nst("transfer --content " + content + " --style " + style + " --output " + out + " --model " + s +
              "/models/darknet-tiny --size 160 --iterations 60 --stats");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("network: Darknet-tiny"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("\"steps\": 60"), std::string::npos) << r.out;
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

TEST(Cli, MissingStyleFileIsNamed) {
  REQUIRE_SHARED();
  CmdResult r = nst("transfer --content " + shared_dir() + "/testdata/content/coffee.jpg --style /nonexistent/painting.jpg" +
              " --output " + tmp() + "/x.png --model " + shared_dir() + "/models/darknet-tiny");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot open image '/nonexistent/painting.jpg'"), std::string::npos) << r.err;
}

TEST(Cli, HelpListsOptions) {
  CmdResult r = nst("transfer --help");
  EXPECT_EQ(r.status, 0);
  for (const char* flag : {"--content", "--style", "--output", "--model", "--size", "--iterations", "--optimizer",
                           "--init", "--seed", "--content-weight", "--style-weight", "--tv-weight", "--style-layers",
                           "--content-layers"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
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
