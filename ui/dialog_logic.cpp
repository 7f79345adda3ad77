// Version-neutral dialog logic. See dialog_logic.h.
#include "dialog_logic.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <locale>
#include <sstream>

#include "i18n.h"

namespace nst_ui {

namespace {

using nst_plugin::printf_string;

// Numbers in stored text never depend on the user's locale.
std::string number(double v) {
  std::ostringstream s;
  s.imbue(std::locale::classic());
  s.precision(17);
  s << v;
  return s.str();
}

bool parse_number(const std::string& text, double* v) {
  std::istringstream s(text);
  s.imbue(std::locale::classic());
  double d = 0;
  s >> d;
  if (s.fail() || !std::isfinite(d)) return false;
  *v = d;
  return true;
}

bool parse_int(const std::string& text, int* v) {
  double d = 0;
  if (!parse_number(text, &d) || d < -2147483648.0 || d > 2147483647.0 || d != std::floor(d))
    return false;
  *v = int(d);
  return true;
}

// Stored strings: backslash, newline, carriage return and tab escaped.
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out;
}

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    out += c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

bool file_exists(const std::string& path, struct stat* st) {
  return !path.empty() && stat(path.c_str(), st) == 0;
}

// 0: fine, 1: empty path, 2: does not exist, 3: cannot be read (detail says why).
struct ImageCheck {
  int kind = 0;
  std::string detail;
};

constexpr const char* kStateHeader = "nst-dialog-state 1";

}  // namespace

bool DialogState::operator==(const DialogState& o) const {
  return style_source == o.style_source && style_file == o.style_file &&
         style_drawable == o.style_drawable && strength == o.strength &&
         smoothness == o.smoothness && iterations == o.iterations && size == o.size &&
         seed == o.seed && random_seed == o.random_seed && model_file == o.model_file &&
         style_layers == o.style_layers && content_layers == o.content_layers &&
         optimizer == o.optimizer && init == o.init && init_file == o.init_file &&
         pooling == o.pooling && learning_rate == o.learning_rate &&
         advanced_expanded == o.advanced_expanded;
}

// --- presets ------------------------------------------------------------------

const std::vector<QualityPreset>& quality_presets() {
  static const std::vector<QualityPreset> presets = {
      {N_("Quick draft"), 100, 256},
      {N_("Good"), 300, 512},
      {N_("Fine"), 500, 768},
      {N_("Best"), 1000, 1024},
  };
  return presets;
}

int preset_index(int iterations, int size) {
  const auto& presets = quality_presets();
  for (size_t i = 0; i < presets.size(); ++i)
    if (presets[i].iterations == iterations && presets[i].size == size) return int(i);
  return -1;
}

// --- mapping ------------------------------------------------------------------

double slider_factor(double value) {
  return std::pow(10.0, (value - kSliderNeutral) / kStepsPerDecade);
}

double slider_from_factor(double factor) {
  if (!(factor > 0)) return kSliderMin;
  if (!std::isfinite(factor)) return kSliderMax;
  const double v = kSliderNeutral + kStepsPerDecade * std::log10(factor);
  return std::min(kSliderMax, std::max(kSliderMin, v));
}

namespace {
double tv_base(const nst::ModelInfo& info) {
  return info.default_tv_weight > 0 ? info.default_tv_weight : 1.0;
}
}  // namespace

nst_plugin::PluginParams to_params(const DialogState& s, const nst::ModelInfo& info) {
  nst_plugin::PluginParams p;
  p.style_file = s.style_source == StyleSource::File ? s.style_file : std::string();
  p.model_file = s.model_file;
  p.iterations = s.iterations;
  p.size = s.size;
  p.content_weight = info.default_content_weight;
  p.style_weight = info.default_style_weight * slider_factor(s.strength);
  p.tv_weight = s.smoothness <= kSliderMin ? 0.0 : tv_base(info) * slider_factor(s.smoothness);
  p.optimizer = s.optimizer;
  p.init = s.init;
  p.init_file = s.init == 2 ? s.init_file : std::string();
  p.seed = s.seed;
  p.style_layers = s.style_layers;
  p.content_layers = s.content_layers;
  p.pooling = s.pooling;
  p.learning_rate = s.learning_rate;
  return p;
}

DialogState from_params(const nst_plugin::PluginParams& p, const nst::ModelInfo* info,
                        const DialogState& base) {
  DialogState s = base;
  s.style_source = StyleSource::File;
  s.style_file = p.style_file;
  s.model_file = p.model_file;
  s.iterations = p.iterations;
  s.size = p.size;
  s.seed = p.seed;
  s.optimizer = p.optimizer;
  s.init = p.init;
  s.init_file = p.init_file;
  s.style_layers = p.style_layers;
  s.content_layers = p.content_layers;
  s.pooling = p.pooling;
  s.learning_rate = p.learning_rate;
  s.strength = kSliderNeutral;
  s.smoothness = kSliderNeutral;
  if (info) {
    const double cw = p.content_weight >= 0 ? p.content_weight : info->default_content_weight;
    const double sw = p.style_weight >= 0 ? p.style_weight : info->default_style_weight;
    const double def = info->default_style_weight / info->default_content_weight;
    if (cw > 0)
      s.strength = std::round(slider_from_factor(sw / cw / def));
    else
      s.strength = kSliderMax;
    if (p.tv_weight == 0)
      s.smoothness = kSliderMin;
    else if (p.tv_weight > 0)  // a positive weight never turns smoothing off
      s.smoothness = std::max(1.0, std::round(slider_from_factor(p.tv_weight / tv_base(*info))));
  }
  return s;
}

// --- time ---------------------------------------------------------------------

void work_size(int width, int height, int size, int* work_width, int* work_height) {
  const int longest = std::max(1, std::max(width, height));
  const double scale = std::min(1.0, double(size) / longest);
  *work_width = std::max(1, int(std::lround(width * scale)));
  *work_height = std::max(1, int(std::lround(height * scale)));
}

Speed SpeedTable::find(const std::string& model) const {
  auto it = speeds_.find(model);
  return it == speeds_.end() ? Speed() : it->second;
}

void SpeedTable::set(const std::string& model, const Speed& s) {
  if (s.valid() && !model.empty()) speeds_[model] = s;
}

std::string SpeedTable::serialize() const {
  std::string out;
  for (const auto& e : speeds_)
    out += "speed\t" + number(e.second.setup_seconds) + "\t" + number(e.second.iteration_seconds) +
           "\t" + number(e.second.seconds_per_mpix) + "\t" + escape(e.first) + "\n";
  return out;
}

void SpeedTable::parse_line(const std::string& line) {
  const std::vector<std::string> f = split(line, '\t');
  if (f.size() != 5 || f[0] != "speed") return;
  Speed s;
  if (!parse_number(f[1], &s.setup_seconds) || !parse_number(f[2], &s.iteration_seconds) ||
      !parse_number(f[3], &s.seconds_per_mpix))
    return;
  if (s.setup_seconds < 0 || s.iteration_seconds < 0 || !s.valid()) return;
  set(unescape(f[4]), s);
}

Timing timing_from_progress(double elapsed_first, double elapsed_last, int last, int work_w,
                            int work_h) {
  Timing t;
  if (last < 2 || work_w <= 0 || work_h <= 0 || !(elapsed_last > elapsed_first)) return t;
  t.pixels = double(work_w) * work_h;
  t.per_iteration = (elapsed_last - elapsed_first) / (last - 1);
  t.setup = std::max(0.0, elapsed_first - t.per_iteration);
  return t;
}

Speed fit_speed(const Timing& small, const Timing& large) {
  Speed s;
  const Timing& any = large.valid() ? large : small;
  if (!any.valid()) return s;
  s.setup_seconds = any.setup;
  if (small.valid() && large.valid() && large.pixels > small.pixels &&
      large.per_iteration > small.per_iteration) {
    const double per_pixel = (large.per_iteration - small.per_iteration) / (large.pixels - small.pixels);
    const double fixed = small.per_iteration - per_pixel * small.pixels;
    if (fixed >= 0) {
      s.iteration_seconds = fixed;
      s.seconds_per_mpix = per_pixel * 1e6;
      return s;
    }
  }
  s.iteration_seconds = 0;
  s.seconds_per_mpix = any.per_iteration / (any.pixels / 1e6);
  return s;
}

Speed refine_speed(const Speed& old, const Timing& run) {
  if (!run.valid()) return old;
  Speed s;
  s.setup_seconds = run.setup;
  s.iteration_seconds = old.valid() ? std::min(old.iteration_seconds, 0.5 * run.per_iteration) : 0;
  s.seconds_per_mpix = (run.per_iteration - s.iteration_seconds) / (run.pixels / 1e6);
  return s;
}

double estimate_seconds(const Speed& speed, int work_width, int work_height, int iterations) {
  if (!speed.valid()) return -1;
  return speed.setup_seconds +
         iterations * (speed.iteration_seconds +
                       speed.seconds_per_mpix * (double(work_width) * work_height / 1e6));
}

std::string format_estimate(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return std::string();
  if (seconds < 50) return _("less than a minute");
  const long minutes = std::max(1L, std::lround(seconds / 60));
  if (minutes < 60) return printf_string(_("about %ld min"), minutes);
  const long hours = minutes / 60, rest = minutes % 60;
  if (rest == 0) return printf_string(_("about %ld h"), hours);
  return printf_string(_("about %ld h %ld min"), hours, rest);
}

std::string format_clock(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) seconds = 0;
  const long total = long(seconds);
  const long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buf[32];
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", h, m, s);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", m, s);
  return buf;
}

double eta_seconds(int iteration, int iterations, double elapsed, double elapsed_first) {
  if (iteration < 2 || iterations <= 0 || !(elapsed > elapsed_first)) return -1;
  const double per_iteration = (elapsed - elapsed_first) / (iteration - 1);
  return per_iteration * std::max(0, iterations - iteration);
}

std::string format_iteration(int iteration, int iterations) {
  return printf_string(_("Iteration %d of %d"), iteration, iterations);
}

std::string progress_status(int iteration, int iterations, bool cancel_requested, bool finish_requested,
                            bool fast) {
  if (cancel_requested) return _("Stopping…");
  if (finish_requested) return _("Finishing the current iteration…");
  if (fast && iterations > 1 && iteration > 0)
    return printf_string(_("Painting: tile %d of %d done"), iteration, iterations);
  if (fast) return _("Painting…");
  if (iteration == 0) return _("Loading the network and the style…");
  return format_iteration(iteration, iterations);
}

std::string progress_title(bool fast) {
  return fast ? _("Neural Style (Fast) – Working") : _("Neural Style Transfer – Working");
}

std::string progress_subtitle(const std::string& layer_name, const std::string& style) {
  /* TRANSLATORS: first %s: the layer's name, second: the style's name. */
  return printf_string(_("“%s” in the style of %s"), layer_name.c_str(),
                       nst_plugin::style_display_name(style).c_str());
}

TransferJob::Engine fast_engine(const nst::Image& content, const nst_plugin::FastParams& p,
                                const nst::FastModel& model) {
  return [&content, &p, &model](const nst::ProgressFn& progress, const std::atomic<bool>* cancel,
                                const std::atomic<bool>*) {
    nst_plugin::RunControl rc;
    rc.progress = progress;
    rc.cancel = cancel;
    nst::TransferResult r;
    r.image = nst_plugin::run_fast_style(content, p, rc, &model);
    return r;
  };
}

std::string format_times(double elapsed, double eta) {
  const std::string e = format_clock(elapsed);
  if (eta < 0) return printf_string(_("Elapsed %s"), e.c_str());
  /* TRANSLATORS: the first %s is a clock time like 1:05, the second a phrase
     like "about 3 min" or "less than a minute". */
  return printf_string(_("Elapsed %s, %s left"), e.c_str(), format_estimate(eta).c_str());
}

std::string format_losses(const nst::Losses& l) {
  /* TRANSLATORS: the engine's loss values; "smoothness" is the total variation term. */
  return printf_string(_("Loss %.3g (content %.3g, style %.3g, smoothness %.3g)"), l.total, l.content, l.style,
                       l.tv);
}

// --- checks -------------------------------------------------------------------

std::string resolve_model(const std::string& model_file) {
  return model_file.empty() ? nst::default_model() : model_file;
}

std::string model_display_name(const nst::ModelInfo& info) {
  std::string name = info.family == "vgg19"   ? "VGG-19"
                     : info.family == "vgg16" ? "VGG-16"
                                              : "Darknet-tiny";
  if (info.input == "torchvision") name += _(" (torchvision weights)");
  if (info.input == "caffe") name += _(" (Caffe weights)");
  return name;
}

std::string file_display_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string Validator::check_model(const std::string& model_file) {
  std::string path;
  try {
    path = resolve_model(model_file);
  } catch (const std::exception& e) {
    model_ok_ = false;
    model_key_.clear();
    return printf_string(_("No network is installed: %s"), e.what());
  }
  struct stat st;
  std::string key = path;
  if (file_exists(path, &st)) key += "\n" + std::to_string(st.st_mtime) + "\n" + std::to_string(st.st_size);
  if (key == model_key_) return model_problem_;
  model_key_ = key;
  model_problem_.clear();
  model_ok_ = false;
  try {
    model_ = nst::inspect_model(path);
    model_ok_ = true;
  } catch (const std::exception& e) {
    model_problem_ = printf_string(_("The network file cannot be used: %s"), e.what());
  }
  return model_problem_;
}

std::string Validator::check_image_file(const std::string& path) {
  if (path.empty()) return _("no file chosen");
  struct stat st;
  if (!file_exists(path, &st)) return printf_string(_("“%s” does not exist"), path.c_str());
  const std::string key = path + "\n" + std::to_string(st.st_mtime) + "\n" + std::to_string(st.st_size);
  auto it = image_problems_.find(key);
  if (it != image_problems_.end()) return it->second;
  std::string problem;
  try {
    const nst::Image img = nst::load_image(path);
    if (img.empty()) problem = printf_string(_("“%s” holds no pixels"), path.c_str());
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (image_problems_.size() > 64) image_problems_.clear();
  image_problems_[key] = problem;
  return problem;
}

std::string Validator::check(const DialogState& s, bool style_layer_ok) {
  if (s.style_source == StyleSource::File) {
    if (s.style_file.empty()) return _("Choose a style image (a painting) first.");
    const std::string problem = check_image_file(s.style_file);
    if (!problem.empty()) return printf_string(_("The style image cannot be used: %s."), problem.c_str());
  } else if (!style_layer_ok) {
    return _("Choose the layer to take the style from.");
  }

  const std::string model_problem = check_model(s.model_file);
  if (!model_problem.empty()) return model_problem;

  for (int pass = 0; pass < 2; ++pass) {
    const std::string& list = pass == 0 ? s.style_layers : s.content_layers;
    for (const std::string& name : nst_plugin::split_layer_list(list)) {
      if (std::find(model_.layers.begin(), model_.layers.end(), name) != model_.layers.end())
        continue;
      std::string all;
      for (const std::string& l : model_.layers) all += (all.empty() ? "" : ", ") + l;
      return printf_string(pass == 0 ? _("The network has no style layer named “%s”. Its layers are: %s.")
                              : _("The network has no content layer named “%s”. Its layers are: %s."),
                    name.c_str(), all.c_str());
    }
  }

  if (s.init == 2) {
    if (s.init_file.empty()) return _("Choose the start image file, or start from the layer itself.");
    const std::string problem = check_image_file(s.init_file);
    if (!problem.empty()) return printf_string(_("The start image cannot be used: %s."), problem.c_str());
  }

  nst_plugin::PluginParams p = to_params(s, model_);
  if (s.style_source == StyleSource::Layer) p.style_file = "layer";  // checked above
  return nst_plugin::validate_params(p);
}

// --- recent styles --------------------------------------------------------------

void remember_style(std::vector<std::string>& recent, const std::string& path) {
  if (path.empty()) return;
  recent.erase(std::remove(recent.begin(), recent.end(), path), recent.end());
  recent.insert(recent.begin(), path);
  if (recent.size() > kMaxRecentStyles) recent.resize(kMaxRecentStyles);
}

std::vector<std::string> existing_styles(const std::vector<std::string>& recent) {
  std::vector<std::string> out;
  struct stat st;
  for (const std::string& p : recent)
    if (file_exists(p, &st) && S_ISREG(st.st_mode)) out.push_back(p);
  return out;
}

void default_to_recent_style(DialogState& s, const std::vector<std::string>& recent) {
  if (s.style_source != StyleSource::File || !s.style_file.empty()) return;
  const std::vector<std::string> found = existing_styles(recent);
  if (!found.empty()) s.style_file = found.front();
}

// --- storage ------------------------------------------------------------------

std::string serialize_state(const DialogState& s) {
  std::string out = std::string(kStateHeader) + "\n";
  auto put = [&](const char* key, const std::string& value) {
    out += key;
    out += '=';
    out += escape(value);
    out += '\n';
  };
  put("style-source", s.style_source == StyleSource::Layer ? "layer" : "file");
  put("style-file", s.style_file);
  put("style-drawable", std::to_string(s.style_drawable));
  put("strength", number(s.strength));
  put("smoothness", number(s.smoothness));
  put("iterations", std::to_string(s.iterations));
  put("size", std::to_string(s.size));
  put("seed", std::to_string(s.seed));
  put("random-seed", s.random_seed ? "1" : "0");
  put("model-file", s.model_file);
  put("style-layers", s.style_layers);
  put("content-layers", s.content_layers);
  put("optimizer", std::to_string(s.optimizer));
  put("init", std::to_string(s.init));
  put("init-file", s.init_file);
  put("pooling", std::to_string(s.pooling));
  put("learning-rate", number(s.learning_rate));
  put("advanced-expanded", s.advanced_expanded ? "1" : "0");
  return out;
}

bool parse_state(const std::string& text, DialogState& s) {
  std::vector<std::string> lines = split(text, '\n');
  if (lines.empty() || lines[0] != kStateHeader) return false;
  DialogState r = s;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = unescape(line.substr(eq + 1));
    int iv = 0;
    double dv = 0;
    if (key == "style-source") r.style_source = value == "layer" ? StyleSource::Layer : StyleSource::File;
    else if (key == "style-file") r.style_file = value;
    else if (key == "style-drawable" && parse_int(value, &iv)) r.style_drawable = iv;
    else if (key == "strength" && parse_number(value, &dv)) r.strength = std::min(kSliderMax, std::max(kSliderMin, dv));
    else if (key == "smoothness" && parse_number(value, &dv)) r.smoothness = std::min(kSliderMax, std::max(kSliderMin, dv));
    else if (key == "iterations" && parse_int(value, &iv)) r.iterations = iv;
    else if (key == "size" && parse_int(value, &iv)) r.size = iv;
    else if (key == "seed" && parse_int(value, &iv)) r.seed = iv;
    else if (key == "random-seed") r.random_seed = value == "1";
    else if (key == "model-file") r.model_file = value;
    else if (key == "style-layers") r.style_layers = value;
    else if (key == "content-layers") r.content_layers = value;
    else if (key == "optimizer" && parse_int(value, &iv) && iv >= 0 && iv <= 1) r.optimizer = iv;
    else if (key == "init" && parse_int(value, &iv) && iv >= 0 && iv <= 2) r.init = iv;
    else if (key == "init-file") r.init_file = value;
    else if (key == "pooling" && parse_int(value, &iv) && iv >= 0 && iv <= 1) r.pooling = iv;
    else if (key == "learning-rate" && parse_number(value, &dv) && dv >= 0) r.learning_rate = dv;
    else if (key == "advanced-expanded") r.advanced_expanded = value == "1";
  }
  s = r;
  return true;
}

Profile load_profile(const std::string& path) {
  Profile p;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("recent\t", 0) == 0) {
      const std::string file = unescape(line.substr(7));
      if (!file.empty() && p.recent_styles.size() < kMaxRecentStyles &&
          std::find(p.recent_styles.begin(), p.recent_styles.end(), file) == p.recent_styles.end())
        p.recent_styles.push_back(file);
    } else if (line.rfind("speed\t", 0) == 0) {
      p.speeds.parse_line(line);
    }
  }
  return p;
}

bool save_profile(const Profile& p, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return false;
    f << "# Neural style transfer plug-in: recently used styles and measured network speeds.\n";
    for (const std::string& r : p.recent_styles) f << "recent\t" << escape(r) << "\n";
    f << p.speeds.serialize();
    if (!f.flush()) {
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace nst_ui
