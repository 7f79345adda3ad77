// `nst`: the command-line front end of the core library.
#include "nst.h"

#include <chrono>
#include <csignal>
#include <iomanip>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
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
    "                           working size (default 0: off)\n"
    "  --target-loss L          stop once the total loss at full size is <= L (benchmarks)\n"
    "  --lbfgs-history N        L-BFGS memory in iterations (default 20)\n"
    "  --stats                  print a JSON summary line on stdout at the end\n"
    "  --quiet                  no progress bar\n"
    "\n"
    "Options of `nst fast` (feed-forward networks, Johnson et al.; about a second per megapixel):\n"
    "  --model DIR|FILE         ml5 fast-style folder (manifest.json), TransformerNet .pth, or the\n"
    "                           name of an installed one (see `nst models`)\n"
    "  --size PX                working size, longest side (default: the image's own size)\n"
    "  --tile PX                larger working images run in overlapping tiles (default 1024)\n"
    "  --overlap PX             tile overlap (default 128)\n"
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

long long to_int(const std::string& flag, const std::string& v) {
  try {
    size_t pos = 0;
    long long d = std::stoll(v, &pos);
    if (pos == v.size()) return d;
  } catch (...) {
  }
  throw Fail(flag + " expects an integer, got '" + v + "'");
}

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
  std::map<std::string, std::string> v;
  bool quiet = false;
  static const char* valued[] = {"--model", "--content", "--output", "--size", "--tile", "--overlap", "--precision", "--threads"};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--quiet") { quiet = true; continue; }
    if (a == "--help" || a == "-h") { std::cout << kUsage; return 0; }
    bool known = false;
    for (const char* k : valued) known |= a == k;
    if (!known) throw Fail("unknown option '" + a + "' for nst fast (see nst --help)");
    if (i + 1 >= args.size()) throw Fail(a + " needs a value");
    v[a] = args[++i];
  }
  for (const char* req : {"--model", "--content", "--output"})
    if (!v.count(req)) throw Fail(std::string("missing ") + req + " (see nst --help)");
  nst::FastOptions o;
  if (v.count("--size")) o.size = int(to_int("--size", v["--size"]));
  if (v.count("--tile")) o.tile = int(to_int("--tile", v["--tile"]));
  if (v.count("--overlap")) o.overlap = int(to_int("--overlap", v["--overlap"]));
  if (v.count("--threads")) o.threads = int(to_int("--threads", v["--threads"]));
  if (v.count("--precision")) {
    const std::string& s = v["--precision"];
    if (s == "auto") o.precision = nst::Precision::Auto;
    else if (s == "fp32" || s == "float32") o.precision = nst::Precision::Float32;
    else if (s == "bf16" || s == "bfloat16") o.precision = nst::Precision::BFloat16;
    else if (s == "int8") o.precision = nst::Precision::Int8;
    else throw Fail("--precision must be auto, fp32, bf16 or int8, got '" + s + "'");
  }
  const auto t0 = std::chrono::steady_clock::now();
  nst::FastModel model(nst::find_fast_model(v["--model"]));
  const nst::Image content = nst::load_image(v["--content"]);  // before any output: errors stay one line
  if (!quiet) std::cerr << "network: " << model.info().describe() << "\n";
  auto bar = [&](const nst::Progress& p) {
    if (!quiet && p.iterations > 1 && p.iteration > 0)
      std::cerr << "tile " << p.iteration << "/" << p.iterations << "  " << clock_str(p.elapsed_seconds) << "\n";
  };
  nst::Image out = model.stylize(content, o, bar, &g_cancel);
  nst::save_image(out, v["--output"]);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!quiet)
    std::cerr << "wrote " << v["--output"] << " (" << out.width << "x" << out.height << ", " << std::fixed
              << std::setprecision(2) << secs << " s, peak memory " << nst::peak_memory_bytes() / (1 << 20) << " MB)\n";
  return 0;
}

int cmd_train(const std::vector<std::string>& args) {
  std::map<std::string, std::string> v;
  bool quiet = false;
  nst::TrainOptions o;
  static const char* valued[] = {"--style", "--images", "--output", "--features", "--size", "--style-size", "--batch",
                                 "--epochs", "--steps", "--learning-rate", "--content-weight", "--style-weight",
                                 "--tv-weight", "--content-layers", "--style-layers", "--checkpoint",
                                 "--checkpoint-every", "--width", "--seed", "--threads"};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--quiet") { quiet = true; continue; }
    if (a == "--no-resume") { o.resume = false; continue; }
    if (a == "--help" || a == "-h") { std::cout << kUsage; return 0; }
    bool known = false;
    for (const char* k : valued) known |= a == k;
    if (!known) throw Fail("unknown option '" + a + "' for nst train (see nst --help)");
    if (i + 1 >= args.size()) throw Fail(a + " needs a value");
    v[a] = args[++i];
  }
  for (const char* req : {"--style", "--images", "--output"})
    if (!v.count(req)) throw Fail(std::string("missing ") + req + " (see nst --help)");
  o.style = v["--style"];
  o.images = v["--images"];
  o.output = v["--output"];
  if (v.count("--features")) o.features = v["--features"];
  if (v.count("--size")) o.size = int(to_int("--size", v["--size"]));
  if (v.count("--style-size")) o.style_size = int(to_int("--style-size", v["--style-size"]));
  if (v.count("--batch")) o.batch = int(to_int("--batch", v["--batch"]));
  if (v.count("--epochs")) o.epochs = int(to_int("--epochs", v["--epochs"]));
  if (v.count("--steps")) o.max_steps = int(to_int("--steps", v["--steps"]));
  if (v.count("--learning-rate")) o.learning_rate = to_double("--learning-rate", v["--learning-rate"]);
  if (v.count("--content-weight")) o.content_weight = to_double("--content-weight", v["--content-weight"]);
  if (v.count("--style-weight")) o.style_weight = to_double("--style-weight", v["--style-weight"]);
  if (v.count("--tv-weight")) o.tv_weight = to_double("--tv-weight", v["--tv-weight"]);
  if (v.count("--content-layers")) o.content_layers = split(v["--content-layers"]);
  if (v.count("--style-layers")) o.style_layers = split(v["--style-layers"]);
  if (v.count("--checkpoint")) o.checkpoint = v["--checkpoint"];
  if (v.count("--checkpoint-every")) o.checkpoint_every = int(to_int("--checkpoint-every", v["--checkpoint-every"]));
  if (v.count("--width")) o.width = int(to_int("--width", v["--width"]));
  if (v.count("--seed")) o.seed = uint64_t(to_int("--seed", v["--seed"]));
  if (v.count("--threads")) o.threads = int(to_int("--threads", v["--threads"]));
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
  std::map<std::string, std::string> v;
  bool stats = false, quiet = false;
  static const char* valued[] = {"--content", "--style", "--output", "--model", "--size", "--iterations",
                                 "--optimizer", "--learning-rate", "--init", "--seed", "--content-weight",
                                 "--style-weight", "--tv-weight", "--style-layers", "--style-layer-weights",
                                 "--content-layers", "--pooling", "--preprocess", "--threads", "--precision",
                                 "--coarse-to-fine", "--target-loss", "--lbfgs-history"};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--stats") { stats = true; continue; }
    if (a == "--quiet") { quiet = true; continue; }
    if (a == "--help" || a == "-h") { std::cout << kUsage; return 0; }
    bool known = false;
    for (const char* k : valued) known |= a == k;
    if (!known) throw Fail("unknown option '" + a + "' (see nst --help)");
    if (i + 1 >= args.size()) throw Fail(a + " needs a value");
    v[a] = args[++i];
  }
  for (const char* req : {"--content", "--style", "--output"})
    if (!v.count(req)) throw Fail(std::string("missing ") + req + " (see nst --help)");

  nst::TransferOptions o;
  if (v.count("--model")) o.model = v["--model"];
  if (v.count("--size")) o.size = int(to_int("--size", v["--size"]));
  if (v.count("--iterations")) o.iterations = int(to_int("--iterations", v["--iterations"]));
  if (v.count("--optimizer")) {
    const std::string& s = v["--optimizer"];
    if (s == "lbfgs") o.optimizer = nst::Optimizer::LBFGS;
    else if (s == "adam") o.optimizer = nst::Optimizer::Adam;
    else throw Fail("--optimizer must be lbfgs or adam, got '" + s + "'");
  }
  if (v.count("--learning-rate")) o.learning_rate = to_double("--learning-rate", v["--learning-rate"]);
  if (v.count("--init")) {
    const std::string& s = v["--init"];
    if (s == "content") o.init = nst::Init::Content;
    else if (s == "noise") o.init = nst::Init::Noise;
    else { o.init = nst::Init::Image; o.init_image = s; }
  }
  if (v.count("--seed")) o.seed = uint64_t(to_int("--seed", v["--seed"]));
  if (v.count("--content-weight")) o.content_weight = to_double("--content-weight", v["--content-weight"]);
  if (v.count("--style-weight")) o.style_weight = to_double("--style-weight", v["--style-weight"]);
  if (v.count("--tv-weight")) o.tv_weight = to_double("--tv-weight", v["--tv-weight"]);
  if (v.count("--style-layers")) o.style_layers = split(v["--style-layers"]);
  if (v.count("--content-layers")) o.content_layers = split(v["--content-layers"]);
  if (v.count("--style-layer-weights"))
    for (const auto& w : split(v["--style-layer-weights"])) o.style_layer_weights.push_back(to_double("--style-layer-weights", w));
  if (v.count("--pooling")) {
    const std::string& s = v["--pooling"];
    if (s == "max") o.pooling = nst::Pooling::Max;
    else if (s == "avg" || s == "average") o.pooling = nst::Pooling::Average;
    else throw Fail("--pooling must be max or avg, got '" + s + "'");
  }
  if (v.count("--preprocess")) o.preprocess = v["--preprocess"];
  if (v.count("--precision")) {
    const std::string& s = v["--precision"];
    if (s == "auto") o.precision = nst::Precision::Auto;
    else if (s == "fp32") o.precision = nst::Precision::Float32;
    else if (s == "bf16") o.precision = nst::Precision::BFloat16;
    else throw Fail("--precision must be auto, fp32 or bf16, got '" + s + "'");
  }
  if (v.count("--threads")) o.threads = int(to_int("--threads", v["--threads"]));
  if (v.count("--coarse-to-fine")) o.coarse_iterations = int(to_int("--coarse-to-fine", v["--coarse-to-fine"]));
  if (v.count("--target-loss")) o.target_loss = to_double("--target-loss", v["--target-loss"]);
  if (v.count("--lbfgs-history")) o.lbfgs_history = int(to_int("--lbfgs-history", v["--lbfgs-history"]));
  if (o.model.empty()) o.model = nst::default_model();

  const nst::Image content = nst::load_image(v["--content"]);
  const nst::Image style = nst::load_image(v["--style"]);
  if (!quiet) std::cerr << "network: " << nst::inspect_model(o.model).describe() << "\n";

  const bool tty = isatty(STDERR_FILENO);
  auto bar = [&](const nst::Progress& p) {
    if (quiet) return;
    const double frac = double(p.iteration) / p.iterations;
    const double eta = p.iteration ? p.elapsed_seconds / p.iteration * (p.iterations - p.iteration) : 0;
    const int width = 24, filled = int(frac * width);
    char line[256];
    std::snprintf(line, sizeof line, "[%s%s] %d/%d  loss %.4g (content %.3g, style %.3g, tv %.3g)  %s, ETA %s",
                  std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), p.iteration,
                  p.iterations, p.losses.total, p.losses.content, p.losses.style, p.losses.tv,
                  clock_str(p.elapsed_seconds).c_str(), clock_str(eta).c_str());
    if (tty) std::cerr << "\r" << line << std::flush;
    else if (p.iteration == p.iterations || p.iteration % std::max(1, p.iterations / 10) == 0) std::cerr << line << "\n";
  };
  nst::TransferResult r = nst::transfer(content, style, o, bar, &g_cancel);
  if (tty && !quiet) std::cerr << "\n";
  nst::save_image(r.image, v["--output"]);
  if (!quiet)
    std::cerr << "wrote " << v["--output"] << " (" << r.image.width << "x" << r.image.height << ", worked at "
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
