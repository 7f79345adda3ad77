// The direct oneDNN step (core/step_dnnl.cpp) against the LibTorch path: the
// same losses and image gradients for VGG-19 and Darknet-tiny, max and
// average pooling, odd sizes, fp32 (tight) and bf16 (looser, stated below).
#include "losses.h"
#include "networks.h"
#include "nst.h"

#include <gtest/gtest.h>
#include <torch/utils.h>

#include <cstdlib>
#include <sys/stat.h>

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
bool exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}
const std::string kVgg = env_or("NST_FIXTURES", "tests/fixtures") + "/vgg19-zip.pth";
const std::string kDarknet = env_or("NST_SHARED", "../shared") + "/models/darknet-tiny";

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
  net->set_direct(true);
  const StepResult fp32 = step(*net, x, target, 1, layers);
  ASSERT_TRUE(net->direct());
  // fp32: same arithmetic up to summation order.
  EXPECT_NEAR(fp32.loss, ref.loss, 1e-4 * std::abs(ref.loss));
  EXPECT_LT(rel_diff(fp32.grad, ref.grad), 1e-3);
  for (size_t i = 0; i < ref.features.size(); ++i) EXPECT_LT(rel_diff(fp32.features[i], ref.features[i]), 1e-4) << layers[i];
  // bf16 convolutions (8-bit mantissa), fp32 losses: loss within 2 %, gradient
  // direction within cosine 0.95 of fp32 (random weights are the hard case).
  net->set_precision(nst::Precision::BFloat16);
  const StepResult bf16 = step(*net, x, target, 1, layers);
  EXPECT_NEAR(bf16.loss, ref.loss, 2e-2 * std::abs(ref.loss));
  EXPECT_GT(cosine(bf16.grad, ref.grad), 0.95);
  EXPECT_EQ(bf16.grad.scalar_type(), at::kFloat);
}

TEST(DirectStep, Vgg19MaxPoolingMatchesLibTorch) { compare({kVgg, 64, 64, nst::Pooling::Max, {}}); }
TEST(DirectStep, Vgg19AveragePoolingOddSizeMatchesLibTorch) {
  compare({kVgg, 45, 39, nst::Pooling::Average, {}});
}
TEST(DirectStep, Vgg19OddSizeMaxPoolingConvLayersAndRepeatedLayer) {
  // A wanted convolution is not fused with its ReLU; a layer wanted twice gets both gradients.
  compare({kVgg, 37, 50, nst::Pooling::Max, {"conv3_1", "relu1_2", "conv3_1", "pool2", "relu4_1"}});
}
TEST(DirectStep, DarknetCeilPoolingOddSizeMatchesLibTorch) {
  if (!exists(kDarknet + "/model.json")) GTEST_SKIP() << "../shared is absent";
  compare({kDarknet, 41, 35, nst::Pooling::Max, {}});
  compare({kDarknet, 41, 35, nst::Pooling::Average, {}});
}

TEST(DirectStep, TwoSizesAndRepeatedStepsAgree) {
  if (!nst::FeatureNet::direct_available()) GTEST_SKIP() << "built without the direct oneDNN path";
  auto net = nst::load_network(kVgg);
  const std::vector<std::string> layers{"relu2_2", "relu1_1", "relu3_1"};
  at::manual_seed(5);
  const at::Tensor a = at::rand({1, 3, 32, 48}), b = at::rand({1, 3, 40, 40});
  const StepResult first = step(*net, a, at::full({1, 3, 32, 48}, 0.5), 1, layers);
  step(*net, b, b.flip({3}).contiguous(), 1, layers);  // another plan in between
  const StepResult again = step(*net, a, at::full({1, 3, 32, 48}, 0.5), 1, layers);
  EXPECT_DOUBLE_EQ(first.loss, again.loss);
  EXPECT_TRUE(at::equal(first.grad, again.grad));
}

}  // namespace
