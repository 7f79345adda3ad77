// The artistic controls of the optimisation, each checked by its effect in
// numbers: colour matching and luminance-only transfer (the photo's colours),
// several paintings mixed by weights, the style scale (stroke size) and the
// strength. On the Darknet-tiny layers with random weights (a generated
// fixture): the behaviour checked does not depend on trained features.
#include "nst.h"
#include "test_helpers.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace nst_test;

std::string fixture(const std::string& name) {
  const std::string p = fixtures_dir() + "/" + name;
  if (!exists(p)) ADD_FAILURE() << "fixture missing: " << p << " (built by tests/fixtures/make_darknet_fixture.py)";
  return p;
}

nst::TransferOptions options(int iterations, int size = 64) {
  nst::TransferOptions o;
  o.model = fixture("darknet-random");
  o.size = size;
  o.iterations = iterations;
  o.coarse_iterations = 0;  // one level: these tests are about the controls
  return o;
}

// Smooth colours with correlated channels, all well inside [0, 1] (no clamping).
nst::Image colour_field(int w, int h, unsigned seed, float r0, float g0, float b0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> phase(0, 6.283f);
  const float p1 = phase(rng), p2 = phase(rng), p3 = phase(rng);
  nst::Image img(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float a = std::sin(0.11f * x + p1), b = std::cos(0.07f * y + p2), c = std::sin(0.05f * (x + y) + p3);
      img.at(x, y, 0) = r0 + 0.15f * a + 0.05f * c;
      img.at(x, y, 1) = g0 + 0.10f * a + 0.10f * b;
      img.at(x, y, 2) = b0 + 0.12f * b - 0.06f * c;
    }
  return img;
}

// A photo-like content: a diagonal gradient with a bright disc.
nst::Image photo(int w, int h) {
  nst::Image img(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float t = float(x + y) / float(w + h);
      const bool disc = (x - w / 3) * (x - w / 3) + (y - h / 2) * (y - h / 2) < (h / 4) * (h / 4);
      img.at(x, y, 0) = disc ? 0.85f : 0.2f + 0.5f * t;
      img.at(x, y, 1) = disc ? 0.6f : 0.45f;
      img.at(x, y, 2) = disc ? 0.3f : 0.7f - 0.4f * t;
    }
  return img;
}

// Diagonal stripes of `period` pixels in two colours.
nst::Image stripes(int w, int h, int period) {
  nst::Image img(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const bool band = ((x + y) / (period / 2)) % 2 == 0;
      img.at(x, y, 0) = band ? 0.9f : 0.1f;
      img.at(x, y, 1) = band ? 0.3f : 0.7f;
      img.at(x, y, 2) = band ? 0.2f : 0.8f;
    }
  return img;
}

struct ColourStats {
  double mean[3] = {0, 0, 0};
  double cov[3][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
};
ColourStats stats(const nst::Image& img) {
  ColourStats s;
  const size_t n = size_t(img.width) * img.height;
  for (size_t i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c) s.mean[c] += img.data[i * img.channels + c] / double(n);
  for (size_t i = 0; i < n; ++i)
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b)
        s.cov[a][b] += (img.data[i * img.channels + a] - s.mean[a]) * (img.data[i * img.channels + b] - s.mean[b]) / double(n);
  return s;
}

float luma(const float* p) { return 0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2]; }

double max_difference(const nst::Image& a, const nst::Image& b) {
  EXPECT_EQ(a.data.size(), b.data.size());
  double d = 0;
  for (size_t i = 0; i < std::min(a.data.size(), b.data.size()); ++i) d = std::max(d, double(std::fabs(a.data[i] - b.data[i])));
  return d;
}

// The frequency (cycles per pixel) around which the image's luma varies: the
// power-weighted mean radius of its spectrum, the mean removed.
double spectral_centroid(const nst::Image& img) {
  cv::Mat y(img.height, img.width, CV_32F);
  for (int r = 0; r < img.height; ++r)
    for (int c = 0; c < img.width; ++c) y.at<float>(r, c) = luma(&img.data[(size_t(r) * img.width + c) * img.channels]);
  y -= cv::mean(y)[0];
  cv::Mat f;
  cv::dft(y, f, cv::DFT_COMPLEX_OUTPUT);
  double sum = 0, weighted = 0;
  for (int r = 0; r < f.rows; ++r)
    for (int c = 0; c < f.cols; ++c) {
      const cv::Vec2f v = f.at<cv::Vec2f>(r, c);
      const double fy = double(r <= f.rows / 2 ? r : r - f.rows) / f.rows;
      const double fx = double(c <= f.cols / 2 ? c : c - f.cols) / f.cols;
      const double power = double(v[0]) * v[0] + double(v[1]) * v[1];
      sum += power;
      weighted += power * std::sqrt(fx * fx + fy * fy);
    }
  return sum > 0 ? weighted / sum : 0;
}

TEST(Controls, MatchColorsGivesTheReferencesMeanAndCovariance) {
  const nst::Image image = colour_field(90, 70, 1, 0.3f, 0.5f, 0.6f);
  const nst::Image reference = colour_field(60, 80, 2, 0.6f, 0.3f, 0.35f);
  const nst::Image matched = nst::match_colors(image, reference);
  ASSERT_EQ(matched.width, 90);
  ASSERT_EQ(matched.channels, 3);
  const ColourStats m = stats(matched), r = stats(reference), before = stats(image);
  for (int a = 0; a < 3; ++a) {
    EXPECT_NEAR(m.mean[a], r.mean[a], 1e-4) << "channel " << a;
    EXPECT_GT(std::fabs(before.mean[a] - r.mean[a]), 0.05) << "the test images must differ";
    for (int b = 0; b < 3; ++b) EXPECT_NEAR(m.cov[a][b], r.cov[a][b], 1e-5) << a << "," << b;
  }
  // Alpha is kept; grey images are returned as they are.
  nst::Image rgba = nst::convert_channels(image, 4);
  rgba.at(3, 4, 3) = 0.25f;
  EXPECT_FLOAT_EQ(nst::match_colors(rgba, reference).at(3, 4, 3), 0.25f);
  const nst::Image grey = nst::convert_channels(image, 1);
  EXPECT_EQ(nst::match_colors(grey, reference).data, grey.data);
  EXPECT_NE(error_of([&] { nst::match_colors(image, grey); }).find("grey"), std::string::npos);
}

TEST(Controls, ColorMatchGivesThePaintingThePhotosColours) {
  // The result of a colour-matched run is nearer the photo's colours than a
  // plain run's, whose colours come from the painting.
  const nst::Image content = photo(64, 48), style = stripes(64, 64, 8);
  nst::TransferOptions o = options(30);
  const nst::Image plain = nst::transfer(content, style, o).image;
  o.preserve_colors = nst::PreserveColors::ColorMatch;
  const nst::Image matched = nst::transfer(content, style, o).image;
  const ColourStats c = stats(content), p = stats(plain), m = stats(matched);
  double dp = 0, dm = 0;
  for (int a = 0; a < 3; ++a) {
    dp += std::fabs(p.mean[a] - c.mean[a]) + std::fabs(std::sqrt(p.cov[a][a]) - std::sqrt(c.cov[a][a]));
    dm += std::fabs(m.mean[a] - c.mean[a]) + std::fabs(std::sqrt(m.cov[a][a]) - std::sqrt(c.cov[a][a]));
  }
  EXPECT_LT(dm, 0.5 * dp) << "colour distance to the photo: matched " << dm << ", plain " << dp;
}

TEST(Controls, LuminanceOnlyKeepsThePhotosChroma) {
  const nst::Image content = photo(64, 48), style = stripes(64, 64, 8);
  nst::TransferOptions o = options(30);
  o.preserve_colors = nst::PreserveColors::Luminance;
  o.preview_every = 10;
  nst::Image preview;
  const nst::Image out = nst::transfer(content, style, o, [&](const nst::Progress& p) {
    if (p.preview) preview = *p.preview;
  }).image;
  ASSERT_EQ(out.width, 64);
  // Chroma (each channel's offset from the pixel's luma) is the photo's
  // wherever the new luma leaves room for it in [0, 1] (elsewhere
  // keep_colors lowers the saturation rather than clip).
  size_t checked = 0, luma_changed = 0;
  double worst = 0;
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x) {
      const float* c = &content.data[(size_t(y) * 64 + x) * 3];
      const float* r = &out.data[(size_t(y) * 64 + x) * 3];
      const float yc = luma(c), yr = luma(r);
      bool fits = true;
      for (int k = 0; k < 3; ++k) fits = fits && yr + (c[k] - yc) >= 0.002f && yr + (c[k] - yc) <= 0.998f;
      if (std::fabs(yr - yc) > 0.03f) ++luma_changed;
      if (!fits) continue;
      ++checked;
      for (int k = 0; k < 3; ++k) worst = std::max(worst, double(std::fabs((r[k] - yr) - (c[k] - yc))));
    }
  EXPECT_GT(checked, size_t(64 * 48 / 2));
  EXPECT_LE(worst, 1.0 / 255) << "chroma moved by up to " << worst * 255 << "/255";
  EXPECT_GT(luma_changed, size_t(64 * 48 / 10)) << "the luminance must be stylised";
  // The preview shows the colours the result will have.
  ASSERT_EQ(preview.width, 64);
  EXPECT_LT(max_difference(preview, out), 0.05);
}

TEST(Controls, BlendWeightsMixTheTargetGramMatrices) {
  const nst::Image content = photo(64, 48), a = stripes(64, 64, 8), b = colour_field(64, 64, 5, 0.5f, 0.4f, 0.3f);
  nst::TransferOptions o = options(20);
  // Weights (1, 0): exactly the first painting alone.
  const nst::Image single = nst::transfer(content, a, o).image;
  o.style_blend_weights = {1, 0};
  const nst::Image mixed = nst::transfer(content, {a, b}, o).image;
  EXPECT_LT(max_difference(single, mixed), 1e-6);
  o.style_blend_weights = {2, 0};  // only the ratio counts
  EXPECT_LT(max_difference(single, nst::transfer(content, {a, b}, o).image), 1e-6);

  // The target is the weighted sum T = w A + (1 - w) B of the Gram matrices:
  // at a fixed image (the first step's, the content) the style loss
  // L(w) = sum |G - T|^2 is then a quadratic w L(1) + (1 - w) L(0) - w (1 - w) D.
  // D from L(1/2), then L(1/4) must follow.
  o.iterations = 1;
  auto first_style_loss = [&](double w) {
    o.style_blend_weights = {w, 1 - w};
    double loss = -1;
    nst::transfer(content, {a, b}, o, [&](const nst::Progress& p) {
      if (p.iteration == 1) loss = p.losses.style;
    });
    return loss;
  };
  const double l1 = first_style_loss(1), l0 = first_style_loss(0), lh = first_style_loss(0.5);
  const double d = 4 * (0.5 * l1 + 0.5 * l0 - lh);
  EXPECT_GT(d, 0.01 * std::max(l0, l1)) << "the two paintings' Gram matrices must differ";
  const double predicted = 0.25 * l1 + 0.75 * l0 - 0.25 * 0.75 * d;
  EXPECT_NEAR(first_style_loss(0.25), predicted, 1e-4 * std::max(l0, l1));

  o.style_blend_weights = {1};
  EXPECT_NE(error_of([&] { nst::transfer(content, {a, b}, o); }).find("got 1 style blend weight for 2 style images"),
            std::string::npos);
  o.style_blend_weights = {0, 0};
  EXPECT_NE(error_of([&] { nst::transfer(content, {a, b}, o); }).find("at least one style blend weight"),
            std::string::npos);
  o.style_blend_weights = {1, NAN};
  EXPECT_NE(error_of([&] { nst::transfer(content, {a, b}, o); }).find("finite"), std::string::npos);
}

TEST(Controls, LargerStyleScalePaintsLargerStrokes) {
  // A grey photo and a painting of fine stripes: the result's texture comes
  // from the painting, and its frequency falls as the painting is read larger.
  nst::Image content(96, 96, 3);
  std::fill(content.data.begin(), content.data.end(), 0.5f);
  const nst::Image style = stripes(96, 96, 8);
  nst::TransferOptions o = options(60, 96);
  o.init = nst::Init::Noise;
  o.seed = 7;
  std::vector<double> centroid;
  for (double scale : {0.5, 1.0, 2.0}) {
    o.style_scale = scale;
    centroid.push_back(spectral_centroid(nst::transfer(content, style, o).image));
  }
  std::printf("spectral centroid at style scale 0.5, 1, 2: %.4f %.4f %.4f cycles/px\n", centroid[0], centroid[1], centroid[2]);
  EXPECT_LT(centroid[1], 0.85 * centroid[0]) << centroid[0] << " " << centroid[1];
  EXPECT_LT(centroid[2], 0.85 * centroid[1]) << centroid[1] << " " << centroid[2];
  for (double bad : {0.0, 0.05, 5.0, double(NAN)}) {
    o.style_scale = bad;
    EXPECT_NE(error_of([&] { nst::transfer(content, style, o); }).find("style scale must be between 0.1 and 4"),
              std::string::npos)
        << bad;
  }
}

TEST(Controls, StrengthMixesTheResultWithThePhoto) {
  const nst::Image content = nst::convert_channels(photo(64, 48), 4), style = stripes(64, 64, 8);
  nst::TransferOptions o = options(20);
  const nst::Image full = nst::transfer(content, style, o).image;
  o.strength = 0.3;
  const nst::Image part = nst::transfer(content, style, o).image;
  EXPECT_LT(max_difference(part, nst::blend(content, full, 0.3)), 1e-5);
  EXPECT_GT(max_difference(part, full), 0.05);
  o.strength = 0;
  EXPECT_LT(max_difference(nst::transfer(content, style, o).image, content), 1e-6);
  o.strength = 1.5;
  EXPECT_NE(error_of([&] { nst::transfer(content, style, o); }).find("strength must be between 0 and 1"),
            std::string::npos);
}

}  // namespace
