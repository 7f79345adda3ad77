// Dialog logic independent of the toolkit: values, presets, mapping, checks,
// recent styles. See dialog_logic.h.
#include "dialog_logic.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "i18n.h"

namespace nst_ui {

namespace {

using nst_plugin::printf_string;

namespace fs = std::filesystem;

// "<modification time>\n<size>" of a regular file, empty when it is absent
// (or not a file): what a cached check of the file is keyed on.
std::string file_stamp(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !fs::is_regular_file(path, ec)) return {};
  const auto size = fs::file_size(path, ec);
  if (ec) return {};
  const auto time = fs::last_write_time(path, ec);
  if (ec) return {};
  return std::to_string(time.time_since_epoch().count()) + "\n" + std::to_string(size);
}

}  // namespace

bool DialogState::operator==(const DialogState& o) const {
  return style_source == o.style_source && style_file == o.style_file && more_styles == o.more_styles &&
         style_weight == o.style_weight &&
         style_drawable == o.style_drawable && strength == o.strength &&
         smoothness == o.smoothness && iterations == o.iterations && size == o.size &&
         output_size == o.output_size && mix == o.mix && preserve_colors == o.preserve_colors &&
         style_scale == o.style_scale && selection_mask == o.selection_mask &&
         coarse_iterations == o.coarse_iterations &&
         seed == o.seed && random_seed == o.random_seed && model_file == o.model_file &&
         style_layers == o.style_layers && content_layers == o.content_layers &&
         optimizer == o.optimizer && init == o.init && init_file == o.init_file &&
         pooling == o.pooling && learning_rate == o.learning_rate &&
         advanced_expanded == o.advanced_expanded;
}

// --- presets ------------------------------------------------------------------

const std::vector<QualityPreset>& quality_presets() {
  static const std::vector<QualityPreset> presets = {
      {N_("Quick draft"), 100, 256, 0},
      {N_("Good"), 300, 512, 0},
      {N_("Fine"), 500, 768, 0},
      {N_("Best"), 1000, 1024, 0},
      // Good, then on at larger scales up to the layer's own size.
      {N_("Full size"), 300, 512, -1},
  };
  return presets;
}

int preset_index(int iterations, int size, int output_size) {
  const auto& presets = quality_presets();
  for (size_t i = 0; i < presets.size(); ++i)
    if (presets[i].iterations == iterations && presets[i].size == size && presets[i].output_size == output_size)
      return int(i);
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
  p.output_size = s.output_size;
  p.coarse_iterations = s.coarse_iterations;
  p.strength = s.mix;
  p.preserve_colors = s.preserve_colors;
  p.style_scale = s.style_scale;
  p.selection_mask = s.selection_mask ? 1 : 0;
  put_painting_mix(s, p);
  return p;
}

void put_painting_mix(const DialogState& s, nst_plugin::PluginParams& p) {
  p.more_styles.clear();
  p.style_blend_weights.clear();
  if (s.more_styles.empty()) return;
  p.style_blend_weights = printf_string("%.6g", s.style_weight);
  for (const ExtraStyle& e : s.more_styles) {
    p.more_styles += (p.more_styles.empty() ? "" : ":") + e.file;
    p.style_blend_weights += printf_string(",%.6g", e.weight);
  }
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
  // The dialog offers the working size or the layer's own size.
  s.output_size = p.output_size == 0 ? 0 : -1;
  s.coarse_iterations = p.coarse_iterations;
  s.mix = p.strength;
  s.preserve_colors = p.preserve_colors;
  s.style_scale = p.style_scale;
  s.selection_mask = p.selection_mask == 1;
  s.more_styles.clear();
  s.style_weight = 1;
  std::vector<double> weights;
  std::string unused;
  const std::vector<std::string> files = nst_plugin::split_style_files(p.more_styles);
  if (!nst_plugin::parse_blend_weights(p.style_blend_weights, &weights, &unused) || weights.size() != files.size() + 1)
    weights.assign(files.size() + 1, 1.0);
  s.style_weight = weights[0];
  for (size_t i = 0; i < files.size() && i < kMaxExtraStyles; ++i) s.more_styles.push_back({files[i], weights[i + 1]});
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
  return fs::path(p).filename().string();
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
  const std::string key = path + "\n" + file_stamp(path);
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
  std::error_code ec;
  if (!fs::exists(path, ec)) return printf_string(_("“%s” does not exist"), path.c_str());
  const std::string key = path + "\n" + file_stamp(path);
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

  for (const ExtraStyle& e : s.more_styles) {
    if (e.file.empty()) return _("Choose a file for each further painting, or remove the empty one.");
    const std::string problem = check_image_file(e.file);
    if (!problem.empty()) return printf_string(_("A further painting cannot be used: %s."), problem.c_str());
  }
  double weights = s.style_weight;
  for (const ExtraStyle& e : s.more_styles) weights += e.weight;
  if (!s.more_styles.empty() && !(weights > 0)) return _("At least one painting needs a weight above 0.");

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
  for (const std::string& p : recent)
    if (!file_stamp(p).empty()) out.push_back(p);
  return out;
}

void default_to_recent_style(DialogState& s, const std::vector<std::string>& recent) {
  if (s.style_source != StyleSource::File || !s.style_file.empty()) return;
  const std::vector<std::string> found = existing_styles(recent);
  if (!found.empty()) s.style_file = found.front();
}

}  // namespace nst_ui
