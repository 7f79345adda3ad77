// Tests of the dialogs' version-neutral logic (ui/dialog_logic.h,
// ui/calibration.h) and of the worker thread with the real engine: value
// mapping, presets, time estimate, texts, checks, recent styles, storage,
// start/cancel/apply-now cycles without leaks. The real network and images
// come from ../shared (NST_SHARED); those tests skip without it.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <thread>

#include "calibration.h"
#include "dialog_logic.h"
#include "dialog_storage.h"
#include "time_estimate.h"
#include "fast_previews.h"
#include "procedure.h"
#include "test_helpers.h"
#include "worker.h"

namespace {

using namespace nst_ui;
using namespace nst_test;

const std::string kShared = shared_dir();
const std::string kDarknet = kShared + "/models/darknet-tiny";
const std::string kStarry = kShared + "/testdata/style/starry_night.jpg";
const std::string kChelsea = kShared + "/testdata/content/chelsea.jpg";

// The real network and images of ../shared.
#define REQUIRE_REAL_MODELS() \
  REQUIRE_SHARED("models/darknet-tiny/model.json", "testdata/style/starry_night.jpg", "testdata/content/chelsea.jpg")

// A scratch folder of one test, with files written into it.
struct TempDir {
  std::string path = fresh_dir("ui");
  std::string file(const std::string& name, const std::string& content) const {
    const std::string p = path + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
};

nst::ModelInfo fake_info() {
  nst::ModelInfo info;
  info.path = "/models/fake.pth";
  info.family = "vgg19";
  info.input = "torchvision";
  info.layers = {"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1"};
  info.default_style_layers = {"relu1_1", "relu2_1"};
  info.default_content_layers = {"relu4_2"};
  info.default_content_weight = 5;
  info.default_style_weight = 100;
  info.default_tv_weight = 50;
  return info;
}

// --- presets and mapping ------------------------------------------------------

TEST(Mapping, QualityPresets) {
  const auto& p = quality_presets();
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(preset_index(300, 512), kDefaultPreset);
  EXPECT_EQ(p[kDefaultPreset].iterations, DialogState().iterations);
  EXPECT_EQ(p[kDefaultPreset].size, DialogState().size);
  for (size_t i = 0; i < p.size(); ++i)
    EXPECT_EQ(preset_index(p[i].iterations, p[i].size, p[i].output_size), int(i));
  // Full size: Good, then on up to the layer's own size.
  EXPECT_STREQ(p[4].label, "Full size");
  EXPECT_EQ(p[4].output_size, -1);
  EXPECT_EQ(preset_index(300, 512, -1), 4);
  for (size_t i = 1; i < 4; ++i) {  // each step costs more
    EXPECT_GT(p[i].iterations, p[i - 1].iterations);
    EXPECT_GT(p[i].size, p[i - 1].size);
  }
  EXPECT_EQ(preset_index(301, 512), -1);
  EXPECT_EQ(preset_index(300, 513), -1);
}

TEST(Mapping, SliderIsLogarithmic) {
  EXPECT_DOUBLE_EQ(slider_factor(50), 1.0);
  EXPECT_NEAR(slider_factor(75), 10.0, 1e-12);
  EXPECT_NEAR(slider_factor(25), 0.1, 1e-12);
  EXPECT_NEAR(slider_factor(0), 0.01, 1e-12);
  EXPECT_NEAR(slider_factor(100), 100.0, 1e-9);
  for (double v : {0.0, 12.5, 33.0, 50.0, 61.0, 99.0, 100.0})
    EXPECT_NEAR(slider_from_factor(slider_factor(v)), v, 1e-9) << v;
  EXPECT_EQ(slider_from_factor(1e9), kSliderMax);
  EXPECT_EQ(slider_from_factor(1e-9), kSliderMin);
  EXPECT_EQ(slider_from_factor(0), kSliderMin);
  EXPECT_EQ(slider_from_factor(-3), kSliderMin);
}

TEST(Mapping, ToParamsUsesTheNetworkDefaults) {
  DialogState s;
  s.style_file = "/art/wave.jpg";
  s.strength = 75;   // 10x the default style weight
  s.smoothness = 25; // a tenth of the default TV weight
  s.iterations = 123;
  s.size = 456;
  s.seed = 42;
  s.model_file = "/m/vgg.pth";
  s.style_layers = "relu1_1, relu2_1";
  s.optimizer = 1;
  s.init = 2;
  s.init_file = "/x/start.png";
  s.pooling = 1;
  s.learning_rate = 0.5;
  s.output_size = -1;
  s.mix = 70;
  s.preserve_colors = 1;
  s.style_scale = 2;
  s.selection_mask = false;
  s.coarse_iterations = 50;
  const nst_plugin::PluginParams p = to_params(s, fake_info());
  EXPECT_EQ(p.style_file, "/art/wave.jpg");
  EXPECT_DOUBLE_EQ(p.content_weight, 5);
  EXPECT_NEAR(p.style_weight, 1000, 1e-9);
  EXPECT_NEAR(p.tv_weight, 5, 1e-12);
  EXPECT_EQ(p.iterations, 123);
  EXPECT_EQ(p.size, 456);
  EXPECT_EQ(p.seed, 42);
  EXPECT_EQ(p.model_file, "/m/vgg.pth");
  EXPECT_EQ(p.style_layers, "relu1_1, relu2_1");
  EXPECT_EQ(p.optimizer, 1);
  EXPECT_EQ(p.init, 2);
  EXPECT_EQ(p.init_file, "/x/start.png");
  EXPECT_EQ(p.pooling, 1);
  EXPECT_DOUBLE_EQ(p.learning_rate, 0.5);
  EXPECT_EQ(p.output_size, -1);
  EXPECT_DOUBLE_EQ(p.strength, 70);
  EXPECT_EQ(p.preserve_colors, 1);
  EXPECT_DOUBLE_EQ(p.style_scale, 2);
  EXPECT_EQ(p.selection_mask, 0);
  EXPECT_EQ(p.coarse_iterations, 50);
  EXPECT_EQ(nst_plugin::validate_params(p), "");
  EXPECT_EQ(p.more_styles, "");
  EXPECT_EQ(p.style_blend_weights, "");
  // Further paintings: their files joined with ':' and one weight each, the style's first.
  DialogState mix = s;
  mix.style_weight = 3;
  mix.more_styles = {{"/art/wave.jpg", 1.5}, {"/art/kiss.jpg", 0.25}};
  const nst_plugin::PluginParams pm = to_params(mix, fake_info());
  EXPECT_EQ(pm.more_styles, "/art/wave.jpg:/art/kiss.jpg");
  EXPECT_EQ(pm.style_blend_weights, "3,1.5,0.25");
  EXPECT_EQ(nst_plugin::validate_params(pm), "");
  const DialogState mix_back = from_params(pm, nullptr);
  EXPECT_EQ(mix_back.more_styles, mix.more_styles);
  EXPECT_DOUBLE_EQ(mix_back.style_weight, 3);
  // ... and back (a script's output size in pixels shows as the layer's own size).
  nst_plugin::PluginParams q = p;
  q.output_size = 2000;
  const nst::ModelInfo info = fake_info();
  const DialogState back = from_params(q, &info);
  EXPECT_EQ(back.output_size, -1);
  EXPECT_DOUBLE_EQ(back.mix, 70);
  EXPECT_EQ(back.preserve_colors, 1);
  EXPECT_DOUBLE_EQ(back.style_scale, 2);
  EXPECT_FALSE(back.selection_mask);
  EXPECT_EQ(back.coarse_iterations, 50);

  s.smoothness = 0;  // off
  EXPECT_EQ(to_params(s, fake_info()).tv_weight, 0);
  s.strength = 50;
  s.smoothness = 50;  // exactly the network's balance
  EXPECT_DOUBLE_EQ(to_params(s, fake_info()).style_weight, 100);
  EXPECT_DOUBLE_EQ(to_params(s, fake_info()).tv_weight, 50);
  s.init = 0;  // the start file only counts for init 2
  EXPECT_EQ(to_params(s, fake_info()).init_file, "");
  s.style_source = StyleSource::Layer;  // style from a layer: no file
  EXPECT_EQ(to_params(s, fake_info()).style_file, "");
  EXPECT_NE(nst_plugin::validate_params(to_params(s, fake_info())), "");
  EXPECT_EQ(nst_plugin::validate_params(to_params(s, fake_info()), true), "");
}

TEST(Mapping, FromParamsInvertsToParams) {
  const nst::ModelInfo info = fake_info();
  for (double strength : {0.0, 10.0, 50.0, 80.0, 100.0})
    for (double smooth : {0.0, 5.0, 50.0, 100.0}) {
      DialogState s;
      s.style_file = "/a.jpg";
      s.strength = strength;
      s.smoothness = smooth;
      const DialogState back = from_params(to_params(s, info), &info);
      EXPECT_EQ(back.strength, strength);
      EXPECT_EQ(back.smoothness, smooth);
      EXPECT_EQ(back.style_file, "/a.jpg");
    }
  // Script-fu's "default" (-1) is the neutral position; other fields of
  // the base state survive.
  nst_plugin::PluginParams p;
  p.style_file = "/b.jpg";
  DialogState base;
  base.advanced_expanded = true;
  const DialogState s = from_params(p, &info, base);
  EXPECT_EQ(s.strength, kSliderNeutral);
  EXPECT_EQ(s.smoothness, kSliderNeutral);
  EXPECT_TRUE(s.advanced_expanded);
  EXPECT_EQ(s.style_source, StyleSource::File);
  // A tiny positive TV weight never turns smoothing off.
  p.tv_weight = 1e-9;
  EXPECT_GE(from_params(p, &info).smoothness, 1);
  // Unknown network: weights cannot be mapped, sliders stay neutral.
  p.style_weight = 1e9;
  EXPECT_EQ(from_params(p, nullptr).strength, kSliderNeutral);
}

// --- working size and time -----------------------------------------------------

TEST(Estimate, TheDialogsEstimateRunsTheEnginesScales) {
  Estimator estimator;
  nst_plugin::PluginParams p;
  Speed speed;
  speed.setup_seconds = 2;
  speed.iteration_seconds = 0.01;
  speed.seconds_per_mpix = 4;
  auto detail = [&](int w, int h) { return estimator.estimate(w, h, p, "", speed).detail; };
  EXPECT_EQ(detail(1000, 500), "300 iterations at 512 × 256 pixels");
  EXPECT_EQ(detail(300, 900), "300 iterations at 171 × 512 pixels");
  EXPECT_EQ(detail(100, 50), "300 iterations at 100 × 50 pixels");  // never upscaled
  EXPECT_EQ(detail(3, 400), "300 iterations at 32 × 400 pixels");   // the engine's thinnest side
  // Coarse-to-fine by default: 100 iterations at 128 x 64 and at 256 x 128 first.
  RunEstimate one = estimator.estimate(1000, 500, p, "", speed);
  ASSERT_EQ(one.scales.size(), 3u);
  EXPECT_NEAR(one.seconds,
              estimate_seconds(speed, 128, 64, 100) + estimate_seconds(speed, 256, 128, 100) +
                  estimate_seconds(speed, 512, 256, 300) - 2 * speed.setup_seconds,
              1e-9);
  EXPECT_EQ(one.bytes, 0) << "no network file: memory unknown";
  EXPECT_TRUE(one.fits());

  // Full size: the working size, then larger scales up to the layer's size,
  // the largest in tiles; each tile's steps count at the tile's size.
  p.output_size = -1;
  const RunEstimate full = estimator.estimate(3000, 2000, p, "", speed);
  EXPECT_EQ(full.detail, "300 iterations at 512 × 341 pixels, then on at larger scales up to 3000 × 2000");
  ASSERT_GT(full.scales.size(), 3u);
  double expected = speed.setup_seconds;
  for (const nst::Scale& s : full.scales)
    expected += double(s.tiles.size()) * s.iterations *
                (speed.iteration_seconds + speed.seconds_per_mpix * s.tiles[0].width * s.tiles[0].height / 1e6);
  EXPECT_NEAR(full.seconds, expected, 1e-6);
  EXPECT_GT(full.seconds, 2 * one.seconds);
  EXPECT_GT(full.scales.back().tiles.size(), 1u);
  EXPECT_LT(estimator.estimate(3000, 2000, p, "", Speed()).seconds, 0) << "unknown speed";

  // Settings the engine refuses have no scales (the dialog's check names the problem).
  p.size = 8;
  EXPECT_TRUE(estimator.estimate(100, 100, p, "", speed).scales.empty());
}

TEST(Estimate, MemoryOfTheNetworkAndTheSentenceWhenItDoesNotFit) {
  const std::string model = fixtures_dir() + "/darknet-random";
  if (!exists(model + "/model.json")) GTEST_SKIP() << "fixture missing: " << model;
  Estimator estimator;
  nst_plugin::PluginParams p;
  const RunEstimate work = estimator.estimate(3000, 2000, p, model, Speed());
  p.output_size = -1;
  const RunEstimate full = estimator.estimate(3000, 2000, p, model, Speed());
  EXPECT_NEAR(work.bytes, nst::estimate_transfer_bytes(3000, 2000, [&] {
    nst::TransferOptions o;
    o.model = model;
    return o;
  }()), 1);
  EXPECT_GT(full.bytes, work.bytes);
  EXPECT_GT(full.available_bytes, 0);
  EXPECT_EQ(format_memory(1.234e9), "about 1.2 GB of memory");
  EXPECT_EQ(format_memory(356e6), "about 360 MB of memory");
  EXPECT_EQ(format_memory(0), "");
  EXPECT_EQ(memory_problem(31e9, 22e9),
            "This needs about 31.0 GB of memory, but only 22.0 GB is free now: choose a lower quality, paint up to "
            "the working size, or close other programs.");
}

TEST(Estimate, SpeedFromTimings) {
  // Iteration 1 ends at 2.5 s, iteration 11 at 12.5 s: 1 s per iteration,
  // 1.5 s of setup, on 0.5 megapixels.
  const Timing t = timing_from_progress(2.5, 12.5, 11, 1000, 500);
  ASSERT_TRUE(t.valid());
  EXPECT_DOUBLE_EQ(t.per_iteration, 1.0);
  EXPECT_DOUBLE_EQ(t.setup, 1.5);
  EXPECT_DOUBLE_EQ(t.pixels, 5e5);
  EXPECT_FALSE(timing_from_progress(2.5, 2.5, 1, 10, 10).valid());  // one iteration only

  // Two sizes on a line: 0.05 s fixed + 2 s per megapixel.
  Timing a, b;
  a.pixels = 96 * 72;
  a.per_iteration = 0.05 + 2.0 * a.pixels / 1e6;
  a.setup = 0.3;
  b.pixels = 160 * 120;
  b.per_iteration = 0.05 + 2.0 * b.pixels / 1e6;
  b.setup = 0.4;
  const Speed s = fit_speed(a, b);
  ASSERT_TRUE(s.valid());
  EXPECT_NEAR(s.iteration_seconds, 0.05, 1e-9);
  EXPECT_NEAR(s.seconds_per_mpix, 2.0, 1e-9);
  EXPECT_DOUBLE_EQ(s.setup_seconds, 0.4);
  // 300 iterations at 512 x 384: 0.4 + 300 x (0.05 + 2 x 0.196608).
  EXPECT_NEAR(estimate_seconds(s, 512, 384, 300), 0.4 + 300 * (0.05 + 2 * 0.196608), 1e-6);
  EXPECT_LT(estimate_seconds(Speed(), 512, 384, 300), 0);

  // A timing that is not linear falls back to all-per-pixel.
  b.per_iteration = a.per_iteration * 0.9;
  const Speed proportional = fit_speed(a, b);
  EXPECT_EQ(proportional.iteration_seconds, 0);
  EXPECT_NEAR(proportional.seconds_per_mpix, b.per_iteration / (b.pixels / 1e6), 1e-9);

  // A real run replaces the per-pixel cost and keeps the fixed cost.
  Timing run;
  run.pixels = 512 * 384;
  run.per_iteration = 1.0;
  run.setup = 2;
  const Speed r = refine_speed(s, run);
  EXPECT_NEAR(estimate_seconds(r, 512, 384, 10), 2 + 10 * 1.0, 1e-9);
}

TEST(Estimate, SpeedTableRoundTrip) {
  SpeedTable t;
  Speed s;
  s.setup_seconds = 1.25;
  s.iteration_seconds = 0.0625;
  s.seconds_per_mpix = 3.5;
  t.set("/models/a b\tc.pth", s);
  t.set("/models/invalid.pth", Speed());  // never stored
  EXPECT_EQ(t.size(), 1u);
  SpeedTable u;
  std::string text = t.serialize();
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    u.parse_line(text.substr(start, end - start));
    start = end + 1;
  }
  const Speed back = u.find("/models/a b\tc.pth");
  EXPECT_DOUBLE_EQ(back.setup_seconds, 1.25);
  EXPECT_DOUBLE_EQ(back.iteration_seconds, 0.0625);
  EXPECT_DOUBLE_EQ(back.seconds_per_mpix, 3.5);
  u.parse_line("speed\tx\t1\t2\t/p");       // not a number
  u.parse_line("speed\t1\t1\t-2\t/q");      // negative
  u.parse_line("recent\t/r");
  EXPECT_EQ(u.size(), 1u);
}

TEST(Texts, DurationsReadLikeSpeech) {
  EXPECT_EQ(format_estimate(5), "less than a minute");
  EXPECT_EQ(format_estimate(49), "less than a minute");
  EXPECT_EQ(format_estimate(170), "about 3 min");
  EXPECT_EQ(format_estimate(59 * 60), "about 59 min");
  EXPECT_EQ(format_estimate(3600), "about 1 h");
  EXPECT_EQ(format_estimate(80 * 60), "about 1 h 20 min");
  EXPECT_EQ(format_estimate(-1), "");
  EXPECT_EQ(format_clock(0), "0:00");
  EXPECT_EQ(format_clock(42.9), "0:42");
  EXPECT_EQ(format_clock(725), "12:05");
  EXPECT_EQ(format_clock(3723), "1:02:03");
}

TEST(Texts, ProgressLines) {
  EXPECT_EQ(format_iteration(42, 300), "Iteration 42 of 300");
  EXPECT_EQ(progress_status(0, 0, false, false, false), "Loading the network and the style…");
  EXPECT_EQ(progress_status(42, 300, false, false, false), "Iteration 42 of 300");
  EXPECT_EQ(progress_status(42, 300, false, true, false), "Finishing the current iteration…");
  EXPECT_EQ(progress_status(42, 300, true, true, false), "Stopping…");
  // Fast runs count tiles; one tile has nothing to count.
  EXPECT_EQ(progress_status(0, 0, false, false, true), "Painting…");
  EXPECT_EQ(progress_status(1, 1, false, false, true), "Painting…");
  EXPECT_EQ(progress_status(2, 6, false, false, true), "Painting: tile 2 of 6 done");
  EXPECT_EQ(progress_title(true), "Neural Style (Fast) – Working");
  EXPECT_EQ(progress_title(false), "Neural Style Transfer – Working");
  // 10 iterations after the first took 10 s: 90 iterations left = 90 s.
  EXPECT_DOUBLE_EQ(eta_seconds(11, 101, 11.0, 1.0), 90.0);
  EXPECT_LT(eta_seconds(1, 100, 1.0, 1.0), 0);
  EXPECT_LT(eta_seconds(0, 100, 0, -1), 0);
  // Over several scales: from the work done since iteration 1 (0.1 of it at
  // 5 s, 0.4 at 35 s: 30 s per 0.3, 0.6 left = 60 s).
  EXPECT_DOUBLE_EQ(eta_from_work(0.4, 0.1, 35, 5), 60.0);
  EXPECT_LT(eta_from_work(0.1, 0.1, 5, 5), 0);
  EXPECT_LT(eta_from_work(0.5, 0, 10, -1), 0);
  EXPECT_EQ(format_scale(3, 6, 1448, 965, 2, 4), "scale 3 of 6 (1448 × 965), tile 2 of 4");
  EXPECT_EQ(format_scale(2, 6, 724, 483, 1, 1), "scale 2 of 6 (724 × 483)");
  EXPECT_EQ(format_scale(1, 1, 512, 341, 1, 1), "");
  EXPECT_EQ(format_times(42, -1), "Elapsed 0:42");
  EXPECT_EQ(format_times(42, 170), "Elapsed 0:42, about 3 min left");
  EXPECT_EQ(format_losses({1234, 11000, 11.5, 12345}),
            "Loss 1.23e+04 (content 1.23e+03, style 1.1e+04, smoothness 11.5)");
}

// --- recent styles and storage ---------------------------------------------------

TEST(Storage, RecentStyles) {
  std::vector<std::string> r;
  for (int i = 0; i < 9; ++i) remember_style(r, "/s/" + std::to_string(i) + ".jpg");
  ASSERT_EQ(r.size(), kMaxRecentStyles);
  EXPECT_EQ(r.front(), "/s/8.jpg");
  remember_style(r, "/s/5.jpg");  // moves to the front, no duplicate
  EXPECT_EQ(r.front(), "/s/5.jpg");
  EXPECT_EQ(std::count(r.begin(), r.end(), "/s/5.jpg"), 1);
  EXPECT_EQ(r.size(), kMaxRecentStyles);
  remember_style(r, "");
  EXPECT_EQ(r.front(), "/s/5.jpg");

  TempDir dir;
  const std::string a = dir.file("a.jpg", "x"), b = dir.file("b.jpg", "y");
  EXPECT_EQ(existing_styles({a, dir.path + "/gone.jpg", b, dir.path}),
            (std::vector<std::string>{a, b}));

  // A fresh session preselects the latest style that still exists...
  DialogState s;
  default_to_recent_style(s, {dir.path + "/gone.jpg", b, a});
  EXPECT_EQ(s.style_file, b);
  // ...but never replaces a choice, nor a layer as the style.
  default_to_recent_style(s, {a});
  EXPECT_EQ(s.style_file, b);
  DialogState layer;
  layer.style_source = StyleSource::Layer;
  default_to_recent_style(layer, {a});
  EXPECT_EQ(layer.style_file, "");
}

TEST(Storage, StateRoundTrip) {
  DialogState s;
  s.style_source = StyleSource::Layer;
  s.style_file = "/odd path/with\nnewline\tand\\backslash=equals.jpg";
  s.style_drawable = 17;
  s.strength = 62.5;
  s.smoothness = 0;
  s.iterations = 777;
  s.size = 640;
  s.seed = -5;
  s.random_seed = true;
  s.model_file = "/m/vgg19.pth";
  s.style_layers = "relu1_1,relu2_1";
  s.content_layers = "relu4_2";
  s.optimizer = 1;
  s.init = 2;
  s.init_file = "/i.png";
  s.pooling = 1;
  s.learning_rate = 0.125;
  s.advanced_expanded = true;
  s.output_size = -1;
  s.mix = 62.5;
  s.preserve_colors = 2;
  s.style_scale = 1.75;
  s.selection_mask = false;
  s.coarse_iterations = 40;
  s.style_weight = 3;
  s.more_styles = {{"/art/wave.jpg", 1.5}, {"/odd\tname.png", 0}};
  const std::string text = serialize_state(s);
  DialogState back;
  ASSERT_TRUE(parse_state(text, back));
  EXPECT_TRUE(back == s) << text;

  // Unknown keys are ignored, missing ones keep their value, bad values too.
  DialogState d;
  ASSERT_TRUE(parse_state("nst-dialog-state 1\nfuture-key=1\niterations=50\nsize=abc\noptimizer=7\n", d));
  EXPECT_EQ(d.iterations, 50);
  EXPECT_EQ(d.size, DialogState().size);
  EXPECT_EQ(d.optimizer, 0);
  EXPECT_FALSE(parse_state("something else\niterations=5\n", d));
  EXPECT_EQ(d.iterations, 50);
  EXPECT_FALSE(parse_state("", d));
}

TEST(Storage, ProfileFile) {
  TempDir dir;
  Profile p;
  p.recent_styles = {"/a.jpg", "/b\tc.jpg"};
  Speed s;
  s.setup_seconds = 0.5;
  s.seconds_per_mpix = 4;
  p.speeds.set("/m/net.pth", s);
  const std::string path = dir.path + "/neural-style.rc";
  ASSERT_TRUE(save_profile(p, path));
  const Profile q = load_profile(path);
  EXPECT_EQ(q.recent_styles, p.recent_styles);
  EXPECT_DOUBLE_EQ(q.speeds.find("/m/net.pth").seconds_per_mpix, 4);
  EXPECT_FALSE(exists(path + ".tmp"));
  const Profile none = load_profile(dir.path + "/missing.rc");
  EXPECT_TRUE(none.recent_styles.empty());
  EXPECT_EQ(none.speeds.size(), 0u);
  EXPECT_FALSE(save_profile(p, dir.path + "/no/such/folder/x.rc"));
}

// --- checks shown in the dialog --------------------------------------------------------

TEST(Checks, StyleFileProblemsAreNamed) {
  TempDir dir;
  Validator v;
  DialogState s;
  EXPECT_EQ(v.check(s, false), "Choose a style image (a painting) first.");
  s.style_file = dir.path + "/missing.jpg";
  EXPECT_EQ(v.check(s, false),
            "The style image cannot be used: “" + dir.path + "/missing.jpg” does not exist.");
  s.style_file = dir.file("notes.jpg", "this is not an image");
  const std::string problem = v.check(s, false);
  EXPECT_EQ(problem.rfind("The style image cannot be used: ", 0), 0u) << problem;
  s.style_source = StyleSource::Layer;
  EXPECT_EQ(v.check(s, false), "Choose the layer to take the style from.");
}

TEST(Checks, NetworkProblemsAreNamed) {
  TempDir dir;
  Validator v;
  const std::string saved = env_or("NST_MODELS_DIR", "");
  setenv("NST_MODELS_DIR", (dir.path + "/empty").c_str(), 1);
  const std::string none = v.check_model("");
  setenv("NST_MODELS_DIR", saved.c_str(), 1);
  EXPECT_EQ(none.rfind("No network is installed: ", 0), 0u) << none;
  EXPECT_NE(none.find("install-models.sh"), std::string::npos) << none;
  EXPECT_EQ(v.model(), nullptr);

  const std::string broken = v.check_model(dir.file("broken.pth", "not a network"));
  EXPECT_EQ(broken.rfind("The network file cannot be used: ", 0), 0u) << broken;
  EXPECT_EQ(v.model(), nullptr);
  const std::string missing = v.check_model(dir.path + "/nothing.pth");
  EXPECT_NE(missing.find("does not exist"), std::string::npos) << missing;
}

TEST(Checks, ValidChoicesPassAndLayerNamesAreChecked) {
  REQUIRE_REAL_MODELS();
  Validator v;
  DialogState s;
  s.style_file = kStarry;
  s.model_file = kDarknet;
  EXPECT_EQ(v.check(s, false), "");
  ASSERT_NE(v.model(), nullptr);
  EXPECT_EQ(v.model()->family, "darknet-tiny");
  EXPECT_EQ(model_display_name(*v.model()), "Darknet-tiny");

  s.style_layers = "leaky1, leaky99";
  const std::string p = v.check(s, false);
  EXPECT_EQ(p.rfind("The network has no style layer named “leaky99”. Its layers are: conv1, leaky1,", 0), 0u)
      << p;
  s.style_layers = "leaky1,leaky2";
  s.content_layers = "relu4_2";
  EXPECT_EQ(v.check(s, false).rfind("The network has no content layer named “relu4_2”", 0), 0u);
  s.content_layers.clear();

  s.init = 2;
  EXPECT_EQ(v.check(s, false), "Choose the start image file, or start from the layer itself.");
  s.init_file = kChelsea;
  EXPECT_EQ(v.check(s, false), "");

  s.iterations = 0;  // range checks of the plug-in
  EXPECT_NE(v.check(s, false).find("iterations must be between"), std::string::npos);
  s.iterations = 10;

  // Further paintings: each one's file is checked, and some weight must count.
  s.more_styles = {{"", 1}};
  EXPECT_EQ(v.check(s, false), "Choose a file for each further painting, or remove the empty one.");
  s.more_styles = {{"/nonexistent/second.jpg", 1}};
  EXPECT_EQ(v.check(s, false).rfind("A further painting cannot be used: ", 0), 0u) << v.check(s, false);
  s.more_styles = {{kChelsea, 0}};
  s.style_weight = 0;
  EXPECT_EQ(v.check(s, false), "At least one painting needs a weight above 0.");
  s.style_weight = 1;
  EXPECT_EQ(v.check(s, false), "");
  s.more_styles.clear();

  s.style_source = StyleSource::Layer;  // the host vouches for the layer
  EXPECT_EQ(v.check(s, true), "");
}

// --- worker with the real engine --------------------------------------------------------

nst::Image gradient(int w, int h) {
  nst::Image img(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      img.at(x, y, 0) = float(x) / w;
      img.at(x, y, 1) = float(y) / h;
      img.at(x, y, 2) = 0.5f;
    }
  return img;
}

long rss_kb() { return long(nst::resident_memory_bytes() / 1024); }

TransferJob::Engine real_engine(const nst::Image& content, const nst::Image& style, int iterations) {
  nst_plugin::PluginParams p;
  p.model_file = kDarknet;
  p.iterations = iterations;
  p.size = 64;
  p.style_file = "unused";
  return [=](const nst::ProgressFn& progress, const std::atomic<bool>* cancel,
             const std::atomic<bool>* finish_now) {
    nst_plugin::RunControl rc;
    rc.progress = progress;
    rc.cancel = cancel;
    rc.finish_now = finish_now;
    rc.preview_every = 1;
    return nst_plugin::run_neural_style(content, style, p, rc);
  };
}

TEST(RealEngine, ApplyNowKeepsTheResultSoFar) {
  REQUIRE_REAL_MODELS();
  const nst::Image content = gradient(80, 60), style = nst::load_image(kStarry);
  TransferJob job(real_engine(content, style, 1000), 0.0);
  job.start();
  while (job.snapshot().iteration < 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  job.finish_now();
  ASSERT_EQ(job.finish(), JobState::Finished);
  const JobSnapshot s = job.snapshot(0);
  EXPECT_GT(s.preview_serial, 0u);
  EXPECT_EQ(s.preview.channels, 3);
  const nst::TransferResult r = job.take_result();
  EXPECT_GE(r.iterations, 3);
  EXPECT_LT(r.iterations, 1000);
  EXPECT_EQ(r.image.width, 80);
  EXPECT_EQ(r.image.height, 60);
}

TEST(RealEngine, RepeatedStartCancelCyclesNeitherLeakNorHang) {
  REQUIRE_REAL_MODELS();
  const nst::Image content = gradient(80, 60), style = nst::load_image(kStarry);
  auto cycle = [&](int i) {
    TransferJob job(real_engine(content, style, 1000), 0.0);
    job.start();
    // Cancel in the setup phase, right after the first iteration, or later.
    const int wait_for = i % 3 == 0 ? 0 : i % 3 == 1 ? 1 : 4;
    while (job.snapshot().iteration < wait_for && !job.done())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto t0 = std::chrono::steady_clock::now();
    job.cancel();
    EXPECT_EQ(job.finish(), JobState::Cancelled) << "cycle " << i;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  for (int i = 0; i < 6; ++i) cycle(i);  // warm up allocator arenas and thread pools
  const long before = rss_kb();
  double worst = 0;
  const int cycles = 24;
  for (int i = 0; i < cycles; ++i) worst = std::max(worst, cycle(i));
  const long after = rss_kb();
  std::printf("%d cycles: RSS %ld -> %ld kB, slowest stop %.3f s\n", cycles, before, after, worst);
  // A leaked network or image per cycle would be megabytes each.
  EXPECT_LT(after - before, 20 * 1024) << "RSS grew from " << before << " to " << after << " kB";
  // One 64 px Darknet iteration is a few milliseconds; allow a loaded machine.
  EXPECT_LT(worst, 2.0);
}

// The paintings are read once, before the first iteration: a painting file
// that is overwritten and one that is deleted while the run goes on change
// nothing in its result.
TEST(RealEngine, PaintingFilesThatChangeOrVanishDuringARunChangeNothing) {
  REQUIRE_REAL_MODELS();
  TempDir dir;
  std::ifstream in(kStarry, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string first = dir.file("first.jpg", bytes), second = dir.file("second.jpg", bytes);
  nst_plugin::PluginParams p;
  p.model_file = kDarknet;
  p.iterations = 5;
  p.size = 64;
  p.style_file = first;
  p.more_styles = second;
  const nst::Image content = gradient(80, 60);
  const nst::TransferResult calm = nst_plugin::run_neural_style(content, nst::Image(), p, {});

  nst_plugin::RunControl rc;
  int changed_at = 0;
  rc.progress = [&](const nst::Progress& pr) {
    if (changed_at == 0 && pr.iteration >= 1) {
      changed_at = pr.iteration;
      std::ofstream(first, std::ios::trunc) << "no longer a painting";
      ASSERT_EQ(std::remove(second.c_str()), 0);
    }
  };
  const nst::TransferResult disturbed = nst_plugin::run_neural_style(content, nst::Image(), p, rc);
  ASSERT_EQ(changed_at, 1);
  EXPECT_EQ(disturbed.iterations, calm.iterations);
  ASSERT_EQ(disturbed.image.width, calm.image.width);
  ASSERT_EQ(disturbed.image.height, calm.image.height);
  float worst = 0;
  for (size_t i = 0; i < calm.image.data.size(); ++i)
    worst = std::max(worst, std::abs(disturbed.image.data[i] - calm.image.data[i]));
  EXPECT_LT(worst, 1e-5f);
  // And a new run sees what the files are now.
  EXPECT_NE(error_of([&] { nst_plugin::run_neural_style(content, nst::Image(), p, {}); })
                .find("cannot decode image '" + first + "'"),
            std::string::npos);
}

TEST(RealEngine, CalibrationMeasuresASpeed) {
  REQUIRE_REAL_MODELS();
  auto speed = std::make_shared<Speed>();
  TransferJob job(calibration_engine(kDarknet, speed));
  job.start();
  ASSERT_EQ(job.finish(), JobState::Finished) << job.snapshot().error;
  ASSERT_TRUE(speed->valid());
  // Larger pictures take longer, and the estimate is a sane number.
  const double small = estimate_seconds(*speed, 256, 192, 100), large = estimate_seconds(*speed, 512, 384, 100);
  EXPECT_GT(large, small);
  EXPECT_GT(small, 0);
  EXPECT_LT(small, 3600);
}

// The dialogs' background measurement: measures once, then knows; a broken
// network is marked failed instead of measured again and again.
TEST(RealEngine, CalibratorMeasuresOnceAndRemembersFailures) {
  REQUIRE_REAL_MODELS();
  Calibrator cal;
  SpeedTable table;
  Speed speed;
  ASSERT_EQ(cal.status(kDarknet, table, &speed), Calibrator::Status::Measuring);
  EXPECT_TRUE(cal.running());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!cal.poll(table) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(cal.running());
  ASSERT_EQ(cal.status(kDarknet, table, &speed), Calibrator::Status::Known);
  EXPECT_TRUE(speed.valid());
  EXPECT_FALSE(cal.running());  // known: nothing started

  TempDir dir;
  const std::string broken = dir.path + "/broken.pth";
  std::ofstream(broken) << "not a network";
  ASSERT_EQ(cal.status(broken, table, &speed), Calibrator::Status::Measuring);
  while (!cal.poll(table) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(cal.status(broken, table, &speed), Calibrator::Status::Failed);
  EXPECT_FALSE(cal.running());
}

// The fast dialog's previews: every request answered once, under its id,
// with the content's size; an urgent request first; a replaced request
// answers with the newer network; a broken network gives an error.
TEST(RealEngine, FastPreviewsAnswerEveryRequestOnce) {
  REQUIRE_REAL_MODELS();
  REQUIRE_SHARED("models/fast-style-ml5/wave/manifest.json", "models/fast-style-ml5/la_muse/manifest.json");
  const std::string wave = kShared + "/models/fast-style-ml5/wave", muse = kShared + "/models/fast-style-ml5/la_muse";
  const nst::Image content = nst::resize(nst::load_image(kChelsea), 96, 64);
  const nst::Image want_wave = nst::FastModel(wave).stylize(content);
  const nst::Image want_muse = nst::FastModel(muse).stylize(content);
  auto diff = [](const nst::Image& a, const nst::Image& b) {
    double d = 0;
    for (size_t i = 0; i < a.data.size(); ++i) d = std::max(d, double(std::abs(a.data[i] - b.data[i])));
    return d;
  };
  ASSERT_GT(diff(want_wave, want_muse), 0.2);  // the two styles differ clearly

  FastPreviews previews;
  previews.add(0, wave, content);
  previews.add(1, wave, content);
  previews.add(1, muse, content);  // replaces the queued wave request
  previews.add(2, "/nonexistent/net.pth", content);
  previews.add(-1, muse, content, true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (previews.pending() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(previews.pending(), 0u);

  nst::Image img;
  std::string error;
  ASSERT_TRUE(previews.take(0, &img, &error));
  EXPECT_TRUE(error.empty()) << error;
  ASSERT_EQ(img.width, 96);
  ASSERT_EQ(img.height, 64);
  EXPECT_LT(diff(img, want_wave), 2e-3);
  EXPECT_FALSE(previews.take(0, &img, &error));  // handed out once
  ASSERT_TRUE(previews.take(1, &img, &error));
  EXPECT_LT(diff(img, want_muse), 2e-3) << "the replaced request must answer with the newer network";
  ASSERT_TRUE(previews.take(-1, &img, &error));
  EXPECT_LT(diff(img, want_muse), 2e-3);
  ASSERT_TRUE(previews.take(2, &img, &error));
  EXPECT_TRUE(img.empty());
  EXPECT_NE(error.find("/nonexistent/net.pth"), std::string::npos) << error;
  EXPECT_FALSE(previews.take(7, &img, &error));
}

// Strength and colour settings on a finished preview (plug-in code the
// dialog and the procedure share).
TEST(FastParams, ValidationAndFinishing) {
  nst_plugin::FastParams p;
  EXPECT_EQ(nst_plugin::validate_fast_params(p), "No style network chosen yet: model is empty.");
  p.model = "wave";
  EXPECT_EQ(nst_plugin::validate_fast_params(p), "");
  p.strength = 100.5;
  EXPECT_EQ(nst_plugin::validate_fast_params(p), "strength must be between 0 and 100 (percent of the style).");
  p.strength = 50;
  p.size = 63;
  EXPECT_EQ(nst_plugin::validate_fast_params(p),
            "size must be 0 (the layer's own size) or between 64 and 16384 pixels (got 63).");
  p.size = 0;
  p.tile = 100;
  EXPECT_EQ(nst_plugin::validate_fast_params(p), "tile must be 0 (default) or between 256 and 8192 pixels (got 100).");
  p.tile = 0;
  p.preserve_colors = 3;
  EXPECT_EQ(nst_plugin::validate_fast_params(p),
            "preserve-colors must be 0 (off), 1 (luminance) or 2 (colour match) (got 3).");
  p.preserve_colors = 0;
  EXPECT_EQ(nst_plugin::fast_layer_name("rain_princess"), "Rain Princess (fast style)");

  nst::Image content(1, 1, 3), styled(1, 1, 3);
  content.data = {0.2f, 0.4f, 0.6f};
  styled.data = {0.8f, 0.8f, 0.0f};
  EXPECT_EQ(nst_plugin::finish_fast_style(content, styled, p).data,
            (std::vector<float>{0.5f, 0.6f, 0.3f}));  // 50 %
  p.strength = 100;
  EXPECT_EQ(nst_plugin::finish_fast_style(content, styled, p).data, styled.data);
  p.preserve_colors = 1;
  const nst::Image kept = nst_plugin::finish_fast_style(content, styled, p);
  EXPECT_EQ(kept.data, nst::keep_colors(content, styled).data);
  // Colour match: the result's colours get the layer's mean and covariance.
  nst::Image photo(8, 8, 3), painted(8, 8, 3);
  for (size_t i = 0; i < photo.data.size(); ++i) {
    photo.data[i] = 0.3f + 0.4f * float((i * 7) % 11) / 11.f;
    painted.data[i] = 0.1f + 0.2f * float((i * 5) % 13) / 13.f;
  }
  p.preserve_colors = 2;
  EXPECT_EQ(nst_plugin::finish_fast_style(photo, painted, p).data, nst::match_colors(painted, photo).data);
}

}  // namespace

int main(int argc, char** argv) {
  std::setlocale(LC_ALL, "C");  // English texts, C numbers
  testing::InitGoogleTest(&argc, argv);
  // The real-engine suite alone is skipped as a whole (meson: exit 77), or
  // fails where NST_REQUIRE_SHARED says ../shared must be there.
  if (testing::GTEST_FLAG(filter) == "RealEngine.*" && !exists(kDarknet + "/model.json")) {
    std::printf("%s: ../shared is absent (%s): the real network and images live there\n",
                shared_required() ? "FAIL (NST_REQUIRE_SHARED is set)" : "SKIP", kShared.c_str());
    return shared_required() ? 1 : 77;
  }
  return RUN_ALL_TESTS();
}
