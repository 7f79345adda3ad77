// `nst`: the command-line front end of the core library.
#include "nst.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <unistd.h>

namespace {

std::atomic<bool> g_cancel{false};
void on_signal(int) { g_cancel = true; }

const char* kUsage =
    "Usage: nst transfer --content FILE --style FILE --output FILE [options]\n"
    "       nst fast --model DIR|FILE --content FILE --output FILE [--size PX] [--tile PX]\n"
    "       nst train --style FILE --images DIR --output MODEL [options]\n"
    "       nst models                 list installed feature networks and fast-style networks\n"
    "\n"
    "Paints the content image in the style of the style image (Gatys et al.).\n"
    "\n"
    "Options of `nst transfer`:\n"
    "  --model FILE|DIR         feature network: VGG .pth file or Darknet-tiny folder\n"
    "                           (default: the best installed one, see `nst models`)\n"
    "  --size PX                working size, longest side (default 512; never upscales)\n"
    "  --iterations N           optimisation steps (default 300)\n"
    "  --optimizer lbfgs|adam   (default lbfgs)\n"
    "  --learning-rate R        (default 1 for L-BFGS, 0.02 for Adam)\n"
    "  --init content|noise|FILE  starting image (default content)\n"
    "  --seed N                 random seed for noise init (default 0)\n"
    "  --content-weight W       (default: the network's own)\n"
    "  --style-weight W         (default: the network's own)\n"
    "  --tv-weight W            total-variation (smoothness) weight\n"
    "  --style-layers L,..      e.g. relu1_1,relu2_1,relu3_1,relu4_1,relu5_1\n"
    "  --style-layer-weights W,..  one weight per style layer\n"
    "  --content-layers L,..    e.g. relu4_2\n"
    "  --pooling max|avg        (default max)\n"
    "  --preprocess torchvision|caffe  VGG weight convention (default: from the file name)\n"
    "  --precision auto|fp32|bf16  convolution precision (default auto = the fastest\n"
    "                           measured path: bf16 on CPUs with AMX, else fp32;\n"
    "                           losses stay fp32)\n"
    "  --threads N              (default: all cores)\n"
    "  --coarse-to-fine N       first N iterations at a quarter, then N at half the\n"
    "                           working size (default -1: a third of --iterations; 0: off)\n"
    "  --target-loss L          stop once the total loss at full size is <= L (benchmarks)\n"
    "  --lbfgs-history N        L-BFGS memory in iterations (default 20)\n"
    "  --output-size PX|full|work  the size the optimisation ends at: above the working size\n"
    "                           it continues at scales up to sqrt(2) larger each (full: the\n"
    "                           content's own size; default work: the working size, resized)\n"
    "  --scale-iterations N     iterations at each larger scale (default: half the scale\n"
    "                           before's, at least 20)\n"
    "  --tile PX                scales larger than PX x PX run in overlapping tiles (default 1280)\n"
    "  --tile-overlap PX        pixels shared by neighbouring tiles (default 128)\n"
    "  --style A.jpg,B.jpg      several paintings (a value naming an existing file is one)\n"
    "  --style-blend-weights W,..  one weight per painting (default: equal)\n"
    "  --style-scale S          painting size relative to the image: larger strokes above 1\n"
    "                           (0.1-4, default 1)\n"
    "  --preserve-colors off|luminance|match  keep the photo's colours: stylise the\n"
    "                           luminance only, or give the painting the photo's colours first\n"
    "  --strength PERCENT       the result mixed with the photo (0-100, default 100)\n"
    "  --estimate               print the scales and the memory needed, and stop\n"
    "  --stats                  print a JSON summary line on stdout at the end\n"
    "  --quiet                  no progress bar\n"
    "\n"
    "Options of `nst fast` (feed-forward networks, Johnson et al.; about a second per megapixel):\n"
    "  --model DIR|FILE         ml5 fast-style folder (manifest.json), TransformerNet .pth, or the\n"
    "                           name of an installed one (see `nst models`)\n"
    "  --size PX                working size, longest side (default: the image's own size)\n"
    "  --tile PX                larger working images run in overlapping tiles (default 1024)\n"
    "  --overlap PX             tile overlap (default 128)\n"
    "  --preserve-colors off|luminance|match  keep the photo's colours (its chroma, or\n"
    "                           the result's colours matched to the photo's)\n"
    "  --strength PERCENT       the result mixed with the photo (0-100, default 100)\n"
    "  --precision auto|fp32|bf16|int8  (default auto: int8 on CPUs with AVX2 or AVX-512\n"
    "                           VNNI, else fp32; bf16 needs AVX512-BF16 or AMX)\n"
    "  --threads N              (default: all cores)\n"
    "  --quiet                  no progress\n"
    "\n"
    "Options of `nst train` (trains a network for `nst fast`; a real run needs a GPU build of\n"
    "LibTorch or many hours: see README):\n"
    "  --style FILE             style image\n"
    "  --images DIR             folder of content photos (e.g. COCO train2014)\n"
    "  --output MODEL           model file to write (.pth; put it in <models>/fast-style/ for the plug-in)\n"
    "  --features FILE|DIR      feature network for the losses (default: the best installed)\n"
    "  --size PX                training crop size (default 256)\n"
    "  --style-size PX          style image size, longest side (default 512)\n"
    "  --batch N                (default 4)\n"
    "  --epochs N               (default 2)\n"
    "  --steps N                stop after N steps in all (default: the epochs' steps)\n"
    "  --learning-rate R        Adam learning rate (default 1e-3)\n"
    "  --content-weight W       (default: 1e5 for VGG, see README for the others)\n"
    "  --style-weight W         (default: 1e10 for VGG, see README for the others)\n"
    "  --tv-weight W            (default 0)\n"
    "  --content-layers L,..    --style-layers L,..  (default: the feature network's)\n"
    "  --checkpoint FILE        (default MODEL.ckpt); an existing one is resumed\n"
    "  --checkpoint-every N     steps (default 500)\n"
    "  --no-resume              start afresh even when the checkpoint exists\n"
    "  --width N                first-layer channels (default 32)\n"
    "  --seed N                 (default 42)\n"
    "  --threads N              (default: all cores)\n";

struct Fail : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

double to_double(const std::string& flag, const std::string& v) {
  try {
    size_t pos = 0;
    double d = std::stod(v, &pos);
    if (pos == v.size()) return d;
  } catch (...) {
  }
  throw Fail(flag + " expects a number, got '" + v + "'");
}

const std::vector<std::pair<std::string, nst::PreserveColors>> kColorNames = {
    {"off", nst::PreserveColors::Off},
    {"luminance", nst::PreserveColors::Luminance},
    {"match", nst::PreserveColors::ColorMatch}};

double to_percent(const std::string& flag, const std::string& v) {
  const double d = to_double(flag, v);
  if (!(d >= 0 && d <= 100)) throw Fail(flag + " must be a percentage from 0 to 100, got '" + v + "'");
  return d;
}

// A weight, rate or loss: a finite number of at least 0 ("nan", "inf" and
// negative values are refused).
double to_weight(const std::string& flag, const std::string& v) {
  const double d = to_double(flag, v);
  if (!std::isfinite(d) || d < 0) throw Fail(flag + " must be a finite number of at least 0, got '" + v + "'");
  return d;
}

long long to_int(const std::string& flag, const std::string& v) {
  try {
    size_t pos = 0;
    long long d = std::stoll(v, &pos);
    if (pos == v.size()) return d;
  } catch (...) {
  }
  throw Fail(flag + " expects an integer, got '" + v + "'");
}

// A value of `flag` that must fit in an int.
int to_int32(const std::string& flag, const std::string& v) {
  const long long n = to_int(flag, v);
  if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max())
    throw Fail(flag + " " + v + " is out of range");
  return int(n);
}

// The options of one command: each flag with what its value sets, and the
// switches. parse() reads the command line (the last of a repeated flag
// counts), checks the required flags, then applies the values in the order
// the flags were declared.
class Flags {
 public:
  using Set = std::function<void(const std::string&)>;
  explicit Flags(std::string command) : command_(std::move(command)) {}

  void on(const char* flag, bool* set, bool value = true) { switches_.push_back({flag, set, value}); }
  void value(const char* flag, Set set) { values_.push_back({flag, std::move(set)}); }
  void text(const char* flag, std::string* dst) {
    value(flag, [dst](const std::string& v) { *dst = v; });
  }
  void integer(const char* flag, int* dst) {
    value(flag, [flag, dst](const std::string& v) { *dst = to_int32(flag, v); });
  }
  void seed(const char* flag, uint64_t* dst) {
    value(flag, [flag, dst](const std::string& v) { *dst = uint64_t(to_int(flag, v)); });
  }
  // Weights, rates and losses: finite and not negative.
  void number(const char* flag, double* dst) {
    value(flag, [flag, dst](const std::string& v) { *dst = to_weight(flag, v); });
  }
  void list(const char* flag, std::vector<std::string>* dst) {
    value(flag, [dst](const std::string& v) { *dst = split(v); });
  }
  // One of `names` (several names may give one value); `expected` lists them for the error.
  template <typename T>
  void choice(const char* flag, T* dst, std::vector<std::pair<std::string, T>> names, const char* expected) {
    value(flag, [flag, dst, names, expected](const std::string& v) {
      for (const auto& [name, t] : names)
        if (v == name) {
          *dst = t;
          return;
        }
      throw Fail(std::string(flag) + " must be " + expected + ", got '" + v + "'");
    });
  }

  // False when --help asked for the usage (printed); throws Fail on a bad command line.
  bool parse(const std::vector<std::string>& args, std::initializer_list<const char*> required) {
    std::map<std::string, std::string> given;
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--help" || a == "-h") {
        std::cout << kUsage;
        return false;
      }
      if (const Switch* sw = find(switches_, a)) {
        *sw->set = sw->value;
        continue;
      }
      if (!find(values_, a)) throw Fail("unknown option '" + a + "'" + command_ + " (see nst --help)");
      if (i + 1 >= args.size()) throw Fail(a + " needs a value");
      given[a] = args[++i];
    }
    for (const char* req : required)
      if (!given.count(req)) throw Fail(std::string("missing ") + req + " (see nst --help)");
    for (const Value& v : values_) {
      const auto it = given.find(v.flag);
      if (it != given.end()) v.set(it->second);
    }
    return true;
  }

 private:
  struct Switch {
    std::string flag;
    bool* set;
    bool value;
  };
  struct Value {
    std::string flag;
    Set set;
  };
  template <typename T>
  static const T* find(const std::vector<T>& all, const std::string& flag) {
    for (const T& t : all)
      if (t.flag == flag) return &t;
    return nullptr;
  }
  std::string command_;  // " for nst fast": named in the unknown-option error
  std::vector<Switch> switches_;
  std::vector<Value> values_;
};

std::string clock_str(double s) {
  int t = int(s + 0.5);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%d:%02d", t / 60, t % 60);
  return buf;
}

int cmd_models() {
  std::cout << "models folder: " << nst::models_dir() << "\n";
  auto found = nst::installed_models();
  if (found.empty()) std::cout << "no feature network installed (run install-scripts/install-models.sh)\n";
  for (size_t i = 0; i < found.size(); ++i) {
    try {
      std::cout << (i == 0 ? "* " : "  ") << nst::inspect_model(found[i]).describe() << "\n";
    } catch (const nst::Error& e) {
      std::cout << "  " << found[i] << " (unusable: " << e.what() << ")\n";
    }
  }
  auto fast = nst::list_fast_models();
  std::cout << "fast-style networks (nst fast --model NAME):\n";
  if (fast.empty()) std::cout << "  none installed (install-scripts/install-models.sh --download fast-style)\n";
  for (const auto& f : fast) std::cout << "  " << f.name << "  " << f.path << "\n";
  return 0;
}

int cmd_fast(const std::vector<std::string>& args) {
  std::string model_path, content_path, output;
  bool quiet = false;
  nst::FastOptions o;
  Flags f(" for nst fast");
  f.text("--model", &model_path);
  f.text("--content", &content_path);
  f.text("--output", &output);
  f.integer("--size", &o.size);
  f.integer("--tile", &o.tile);
  f.integer("--overlap", &o.overlap);
  f.integer("--threads", &o.threads);
  f.choice<nst::Precision>("--precision", &o.precision,
                           {{"auto", nst::Precision::Auto},
                            {"fp32", nst::Precision::Float32},
                            {"float32", nst::Precision::Float32},
                            {"bf16", nst::Precision::BFloat16},
                            {"bfloat16", nst::Precision::BFloat16},
                            {"int8", nst::Precision::Int8}},
                           "auto, fp32, bf16 or int8");
  nst::PreserveColors colors = nst::PreserveColors::Off;
  f.choice<nst::PreserveColors>("--preserve-colors", &colors, kColorNames, "off, luminance or match");
  double strength = 100;
  f.value("--strength", [&strength](const std::string& v) { strength = to_percent("--strength", v); });
  f.on("--quiet", &quiet);
  if (!f.parse(args, {"--model", "--content", "--output"})) return 0;
  const auto t0 = std::chrono::steady_clock::now();
  nst::FastModel model(nst::find_fast_model(model_path));
  const nst::Image content = nst::load_image(content_path);  // before any output: errors stay one line
  if (!quiet) std::cerr << "network: " << model.info().describe() << "\n";
  auto bar = [&](const nst::Progress& p) {
    if (!quiet && p.iterations > 1 && p.iteration > 0)
      std::cerr << "tile " << p.iteration << "/" << p.iterations << "  " << clock_str(p.elapsed_seconds) << "\n";
  };
  nst::Image out = model.stylize(content, o, bar, &g_cancel);
  if (colors == nst::PreserveColors::Luminance) out = nst::keep_colors(content, out);
  if (colors == nst::PreserveColors::ColorMatch) out = nst::match_colors(out, content);
  if (strength < 100) out = nst::blend(content, out, strength / 100);
  nst::save_image(out, output);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!quiet)
    std::cerr << "wrote " << output << " (" << out.width << "x" << out.height << ", " << std::fixed
              << std::setprecision(2) << secs << " s, peak memory " << nst::peak_memory_bytes() / (1 << 20) << " MB)\n";
  return 0;
}

int cmd_train(const std::vector<std::string>& args) {
  bool quiet = false;
  nst::TrainOptions o;
  Flags f(" for nst train");
  f.text("--style", &o.style);
  f.text("--images", &o.images);
  f.text("--output", &o.output);
  f.text("--features", &o.features);
  f.integer("--size", &o.size);
  f.integer("--style-size", &o.style_size);
  f.integer("--batch", &o.batch);
  f.integer("--epochs", &o.epochs);
  f.integer("--steps", &o.max_steps);
  f.number("--learning-rate", &o.learning_rate);
  f.number("--content-weight", &o.content_weight);
  f.number("--style-weight", &o.style_weight);
  f.number("--tv-weight", &o.tv_weight);
  f.list("--content-layers", &o.content_layers);
  f.list("--style-layers", &o.style_layers);
  f.text("--checkpoint", &o.checkpoint);
  f.integer("--checkpoint-every", &o.checkpoint_every);
  f.integer("--width", &o.width);
  f.seed("--seed", &o.seed);
  f.integer("--threads", &o.threads);
  f.on("--quiet", &quiet);
  f.on("--no-resume", &o.resume, false);
  if (!f.parse(args, {"--style", "--images", "--output"})) return 0;
  if (o.features.empty()) o.features = nst::default_model();
  const std::string features = nst::inspect_model(o.features).describe();
  if (!quiet) std::cerr << "feature network: " << features << "\n";
  int first = -1;
  auto bar = [&](const nst::Progress& p) {
    if (quiet) return;
    if (first < 0) {
      first = p.iteration - 1;
      if (first > 0) std::cerr << "resumed at step " << first << "\n";
    }
    const int done = p.iteration - first;
    const double eta = done ? p.elapsed_seconds / done * (p.iterations - p.iteration) : 0;
    if (p.iteration == p.iterations || p.iteration % 10 == 0 || done <= 3) {
      char line[256];
      std::snprintf(line, sizeof line, "step %d/%d  loss %.4g (content %.4g, style %.4g, tv %.3g)  %s, ETA %s",
                    p.iteration, p.iterations, p.losses.total, p.losses.content, p.losses.style, p.losses.tv,
                    clock_str(p.elapsed_seconds).c_str(), clock_str(eta).c_str());
      std::cerr << line << "\n";
    }
  };
  nst::TrainResult r = nst::train_fast(o, bar, &g_cancel);
  if (!quiet)
    std::cerr << "wrote " << r.model << " after " << r.steps << " steps (checkpoint " << r.checkpoint << ", "
              << clock_str(r.seconds) << ")\n";
  return 0;
}

int cmd_transfer(const std::vector<std::string>& args) {
  std::string content_path, style_path, output;
  bool stats = false, quiet = false, estimate_only = false;
  nst::TransferOptions o;
  Flags f("");
  f.text("--content", &content_path);
  f.text("--style", &style_path);
  f.text("--output", &output);
  f.text("--model", &o.model);
  f.value("--style-blend-weights", [&o](const std::string& v) {
    o.style_blend_weights.clear();
    for (const auto& w : split(v)) o.style_blend_weights.push_back(to_weight("--style-blend-weights", w));
  });
  f.value("--style-scale", [&o](const std::string& v) { o.style_scale = to_weight("--style-scale", v); });
  f.choice<nst::PreserveColors>("--preserve-colors", &o.preserve_colors, kColorNames, "off, luminance or match");
  f.value("--strength", [&o](const std::string& v) { o.strength = to_percent("--strength", v) / 100; });
  f.integer("--size", &o.size);
  f.integer("--iterations", &o.iterations);
  f.choice<nst::Optimizer>("--optimizer", &o.optimizer,
                           {{"lbfgs", nst::Optimizer::LBFGS}, {"adam", nst::Optimizer::Adam}}, "lbfgs or adam");
  f.number("--learning-rate", &o.learning_rate);
  f.value("--init", [&o](const std::string& v) {
    if (v == "content") o.init = nst::Init::Content;
    else if (v == "noise") o.init = nst::Init::Noise;
    else {
      o.init = nst::Init::Image;
      o.init_image = v;
    }
  });
  f.seed("--seed", &o.seed);
  f.number("--content-weight", &o.content_weight);
  f.number("--style-weight", &o.style_weight);
  f.number("--tv-weight", &o.tv_weight);
  f.list("--style-layers", &o.style_layers);
  f.list("--content-layers", &o.content_layers);
  f.value("--style-layer-weights", [&o](const std::string& v) {
    o.style_layer_weights.clear();
    for (const auto& w : split(v)) o.style_layer_weights.push_back(to_weight("--style-layer-weights", w));
  });
  f.choice<nst::Pooling>("--pooling", &o.pooling,
                         {{"max", nst::Pooling::Max}, {"avg", nst::Pooling::Average}, {"average", nst::Pooling::Average}},
                         "max or avg");
  f.text("--preprocess", &o.preprocess);
  f.choice<nst::Precision>("--precision", &o.precision,
                           {{"auto", nst::Precision::Auto},
                            {"fp32", nst::Precision::Float32},
                            {"bf16", nst::Precision::BFloat16}},
                           "auto, fp32 or bf16");
  f.integer("--threads", &o.threads);
  f.integer("--coarse-to-fine", &o.coarse_iterations);
  f.number("--target-loss", &o.target_loss);
  f.integer("--lbfgs-history", &o.lbfgs_history);
  f.value("--output-size", [&o](const std::string& v) {
    if (v == "full") o.output_size = -1;
    else if (v == "work" || v == "working") o.output_size = 0;
    else {
      const double px = to_double("--output-size", v);
      if (px < 32 || px > 1e6 || px != std::floor(px))
        throw nst::Error("--output-size must be 'full', 'work' or a size in pixels of at least 32 (got '" + v + "')");
      o.output_size = int(px);
    }
  });
  f.integer("--scale-iterations", &o.scale_iterations);
  f.integer("--tile", &o.tile);
  f.integer("--tile-overlap", &o.tile_overlap);
  f.on("--estimate", &estimate_only);
  f.on("--stats", &stats);
  f.on("--quiet", &quiet);
  if (!f.parse(args, {"--content", "--style"})) return 0;
  if (output.empty() && !estimate_only) throw Fail("missing --output (see nst --help)");
  if (o.model.empty()) o.model = nst::default_model();

  const nst::Image content = nst::load_image(content_path);
  // "a.jpg,b.jpg": several paintings, unless the whole value names a file.
  std::vector<nst::Image> styles;
  std::error_code ec;
  for (const auto& path : std::filesystem::exists(style_path, ec) ? std::vector<std::string>{style_path} : split(style_path))
    styles.push_back(nst::load_image(path));
  if (!quiet) std::cerr << "network: " << nst::inspect_model(o.model).describe() << "\n";
  const std::vector<nst::Scale> scales = nst::transfer_scales(content.width, content.height, o);
  const double estimate = nst::estimate_transfer_bytes(content.width, content.height, o);
  if (!quiet || estimate_only) {
    std::cerr << "scales:";
    for (const nst::Scale& s : scales)
      std::cerr << " " << s.width << "x" << s.height << " (" << s.iterations << " it"
                << (s.tiles.size() > 1 ? ", " + std::to_string(s.tiles.size()) + " tiles" : std::string()) << ")";
    std::cerr << "; memory needed: about " << int(estimate / 1048576.0 + 0.5) << " MB\n";
  }
  if (estimate_only) return 0;

  const bool tty = isatty(STDERR_FILENO);
  auto bar = [&](const nst::Progress& p) {
    if (quiet) return;
    // The ETA from the work done (steps weighted by their pixels): steps at
    // larger scales cost more.
    const double frac = p.work_done;
    const double eta = frac > 0 ? p.elapsed_seconds / frac * (1 - frac) : 0;
    const int width = 24, filled = int(frac * width);
    std::string where;
    if (p.scales > 1) where += "  scale " + std::to_string(p.scale) + "/" + std::to_string(p.scales) + " " +
                               std::to_string(p.width) + "x" + std::to_string(p.height);
    if (p.tiles > 1) where += " tile " + std::to_string(p.tile) + "/" + std::to_string(p.tiles);
    char line[320];
    std::snprintf(line, sizeof line, "[%s%s] %d/%d%s  loss %.4g (content %.3g, style %.3g, tv %.3g)  %s, ETA %s",
                  std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), p.iteration,
                  p.iterations, where.c_str(), p.losses.total, p.losses.content, p.losses.style, p.losses.tv,
                  clock_str(p.elapsed_seconds).c_str(), clock_str(eta).c_str());
    if (tty) std::cerr << "\r" << line << std::flush;
    else if (p.iteration == p.iterations || p.iteration % std::max(1, p.iterations / 10) == 0) std::cerr << line << "\n";
  };
  nst::TransferResult r = nst::transfer(content, styles, o, bar, &g_cancel);
  if (tty && !quiet) std::cerr << "\n";
  nst::save_image(r.image, output);
  if (!quiet)
    std::cerr << "wrote " << output << " (" << r.image.width << "x" << r.image.height << ", worked at "
              << r.work_width << "x" << r.work_height << ", " << clock_str(r.seconds) << ")\n";
  if (stats) {
    std::printf(
        "{\"network\": \"%s\", \"precision\": \"%s\", \"steps\": %d, \"seconds\": %.3f, \"seconds_per_step\": %.5f, \"work_width\": %d, "
        "\"work_height\": %d, \"loss\": %.8g, \"content_loss\": %.8g, \"style_loss\": %.8g, \"tv_loss\": %.8g, "
        "\"peak_rss_mb\": %.1f}\n",
        r.model.family.c_str(), r.precision == nst::Precision::BFloat16 ? "bf16" : "fp32", r.iterations, r.seconds, r.seconds / r.iterations, r.work_width, r.work_height,
        r.losses.total, r.losses.content, r.losses.style, r.losses.tv, nst::peak_memory_bytes() / 1048576.0);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Idle OpenMP threads must not spin (see core/process.cpp).
  if (!args.empty() && (args[0] == "transfer" || args[0] == "train")) nst::prefer_passive_threads(argv);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    const std::string cmd = args[0];
    args.erase(args.begin());
    if (cmd == "transfer") return cmd_transfer(args);
    if (cmd == "fast") return cmd_fast(args);
    if (cmd == "train") return cmd_train(args);
    if (cmd == "models") return cmd_models();
    throw Fail("unknown command '" + cmd + "' (see nst --help)");
  } catch (const nst::Cancelled&) {
    std::cerr << "\nnst: cancelled\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "\nnst: error: " << e.what() << "\n";
    return 1;
  }
}
