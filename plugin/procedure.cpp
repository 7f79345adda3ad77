// Version-neutral plug-in code: parameter checks, options, layer naming and
// the engine call. See procedure.h.
#include "procedure.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdarg>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <cstdio>

#include "i18n.h"

namespace nst_plugin {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::string validate_params(const PluginParams& p, bool style_in_memory) {
  if (p.style_file.empty() && !style_in_memory)
    return _("No style image chosen yet: style-file is empty.");
  if (p.iterations < kMinIterations || p.iterations > kMaxIterations)
    return printf_string(_("iterations must be between %d and %d (got %d)."), kMinIterations,
                         kMaxIterations, p.iterations);
  if (p.size < kMinSize || p.size > kMaxSize)
    return printf_string(_("size must be between %d and %d pixels (got %d)."), kMinSize, kMaxSize,
                         p.size);
  if (!std::isfinite(p.content_weight))
    return _("content-weight must be a number (negative for the network's default).");
  if (!std::isfinite(p.style_weight))
    return _("style-weight must be a number (negative for the network's default).");
  if (!std::isfinite(p.tv_weight))
    return _("tv-weight must be a number (negative for the network's default).");
  if (p.optimizer < 0 || p.optimizer > 1)
    return printf_string(_("optimizer must be 0 (L-BFGS) or 1 (Adam) (got %d)."), p.optimizer);
  if (p.init < 0 || p.init > 2)
    return printf_string(_("init must be 0 (content), 1 (noise) or 2 (image file) (got %d)."),
                         p.init);
  if (p.init == 2 && p.init_file.empty())
    return _("init-file must name an image when init is 2 (image file).");
  if (p.pooling < 0 || p.pooling > 1)
    return printf_string(_("pooling must be 0 (max) or 1 (average) (got %d)."), p.pooling);
  if (!std::isfinite(p.learning_rate) || p.learning_rate < 0)
    return _("learning-rate must be 0 (default) or a positive number.");
  if (p.output_size < -1 || (p.output_size > 0 && (p.output_size < kMinSize || p.output_size > kMaxOutputSize)))
    return printf_string(_("output-size must be 0 (the working size), -1 (the layer's own size) or between %d and "
                           "%d pixels (got %d)."),
                         kMinSize, kMaxOutputSize, p.output_size);
  if (p.scale_iterations < 0 || p.scale_iterations > kMaxIterations)
    return printf_string(_("scale-iterations must be 0 (automatic) or up to %d (got %d)."), kMaxIterations,
                         p.scale_iterations);
  if (p.coarse_iterations < nst::kAutoCoarse || p.coarse_iterations > kMaxIterations)
    return printf_string(_("coarse-to-fine must be -1 (a third of the iterations), 0 (off) or up to %d iterations "
                           "(got %d)."),
                         kMaxIterations, p.coarse_iterations);
  if (!std::isfinite(p.strength) || p.strength < 0 || p.strength > 100)
    return _("strength must be between 0 and 100 (percent of the style).");
  if (p.preserve_colors < 0 || p.preserve_colors > 2)
    return printf_string(_("preserve-colors must be 0 (off), 1 (luminance) or 2 (colour match) (got %d)."),
                         p.preserve_colors);
  if (!std::isfinite(p.style_scale) || p.style_scale < 0.1 || p.style_scale > 4)
    return _("style-scale must be between 0.1 and 4 (the painting's size relative to the layer's).");
  std::vector<double> weights;
  std::string problem;
  if (!parse_blend_weights(p.style_blend_weights, &weights, &problem)) return problem;
  const size_t paintings = 1 + split_style_files(p.more_styles).size();
  if (!weights.empty() && weights.size() != paintings)
    return printf_string(_("style-blend-weights has %d weights for %d paintings (one each, or \"\" for equal)."),
                         int(weights.size()), int(paintings));
  if (p.selection_mask < 0 || p.selection_mask > 1)
    return printf_string(_("selection-mask must be 0 or 1 (got %d)."), p.selection_mask);
  return {};
}

std::vector<std::string> split_style_files(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find(':', start);
    if (end == std::string::npos) end = list.size();
    if (end > start) out.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool parse_blend_weights(const std::string& list, std::vector<double>* weights, std::string* problem) {
  weights->clear();
  for (const std::string& item : split_layer_list(list)) {
    char* end = nullptr;
    const double w = std::strtod(item.c_str(), &end);
    if (end == item.c_str() || *end != '\0' || !std::isfinite(w) || w < 0) {
      *problem = printf_string(_("style-blend-weights must be numbers of at least 0 separated by commas (got \"%s\")."),
                               item.c_str());
      return false;
    }
    weights->push_back(w);
  }
  double sum = 0;
  for (double w : *weights) sum += w;
  if (!weights->empty() && sum <= 0) {
    *problem = _("style-blend-weights: at least one weight must be above 0.");
    return false;
  }
  return true;
}

std::vector<std::string> split_layer_list(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    size_t a = start, b = end;
    while (a < b && is_blank(list[a])) ++a;
    while (b > a && is_blank(list[b - 1])) --b;
    if (b > a) out.push_back(list.substr(a, b - a));
    start = end + 1;
  }
  return out;
}

nst::TransferOptions to_options(const PluginParams& p) {
  nst::TransferOptions o;
  o.model = p.model_file;
  o.size = p.size;
  o.iterations = p.iterations;
  o.optimizer = p.optimizer == 1 ? nst::Optimizer::Adam : nst::Optimizer::LBFGS;
  o.learning_rate = p.learning_rate;
  switch (p.init) {
    case 1: o.init = nst::Init::Noise; break;
    case 2: o.init = nst::Init::Image; break;
    default: o.init = nst::Init::Content; break;
  }
  o.init_image = p.init == 2 ? p.init_file : std::string();
  o.seed = static_cast<uint32_t>(p.seed);
  o.content_weight = p.content_weight;
  o.style_weight = p.style_weight;
  o.tv_weight = p.tv_weight;
  o.style_layers = split_layer_list(p.style_layers);
  o.content_layers = split_layer_list(p.content_layers);
  o.pooling = p.pooling == 1 ? nst::Pooling::Average : nst::Pooling::Max;
  o.output_size = p.output_size;
  o.scale_iterations = p.scale_iterations;
  o.coarse_iterations = p.coarse_iterations;
  o.strength = p.strength / 100;
  o.preserve_colors = p.preserve_colors == 1   ? nst::PreserveColors::Luminance
                      : p.preserve_colors == 2 ? nst::PreserveColors::ColorMatch
                                               : nst::PreserveColors::Off;
  o.style_scale = p.style_scale;
  std::string unused;
  parse_blend_weights(p.style_blend_weights, &o.style_blend_weights, &unused);
  return o;
}

std::string style_display_name(const std::string& style_path) {
  std::string base = style_path;
  const size_t slash = base.find_last_of("/\\");
  if (slash != std::string::npos) base.erase(0, slash + 1);
  const size_t dot = base.rfind('.');
  if (dot != std::string::npos && dot > 0) base.erase(dot);

  // Separators become single spaces; the first letter of each word is
  // capitalised (ASCII only, the rest is kept as written).
  std::string words;
  bool word_start = true;
  for (char c : base) {
    if (c == '_' || c == '-' || is_blank(c)) {
      if (!words.empty() && words.back() != ' ') words.push_back(' ');
      word_start = true;
      continue;
    }
    if (word_start && c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    words.push_back(c);
    word_start = false;
  }
  while (!words.empty() && words.back() == ' ') words.pop_back();
  return words;
}


std::string layer_name_for_style(const std::string& style_path) {
  const std::string words = style_display_name(style_path);
  if (words.empty()) return _("Neural style");
  /* TRANSLATORS: name of the new layer; %s is the style image's name. */
  return printf_string(_("%s (neural style)"), words.c_str());
}

void check_memory(int width, int height, const PluginParams& p) {
  nst::check_transfer_memory(width, height, to_options(p));
}

nst::TransferResult run_neural_style(const nst::Image& content, const PluginParams& p,
                                     const nst::ProgressFn& progress,
                                     const std::atomic<bool>* cancel) {
  RunControl control;
  control.progress = progress;
  control.cancel = cancel;
  return run_neural_style(content, nst::Image(), p, control);
}

nst::TransferResult run_neural_style(const nst::Image& content, const nst::Image& style,
                                     const PluginParams& p, const RunControl& control) {
  const bool style_in_memory = !style.empty();
  const std::string problem = validate_params(p, style_in_memory);
  if (!problem.empty()) throw nst::Error(problem);
  if (content.empty() || content.width <= 0 || content.height <= 0)
    throw nst::Error(_("The layer has no pixels to work on."));
  if (style_in_memory && (style.width <= 0 || style.height <= 0))
    throw nst::Error(_("The style layer has no pixels."));
  nst::TransferOptions options = to_options(p);
  options.preview_every = control.preview_every;
  std::vector<nst::Image> styles{style_in_memory ? style : nst::load_image(p.style_file)};
  for (const std::string& file : split_style_files(p.more_styles)) styles.push_back(nst::load_image(file));
  return nst::transfer(content, styles, options, control.progress, control.cancel, control.finish_now);
}

std::string validate_fast_params(const FastParams& p) {
  if (p.model.empty())
    return _("No style network chosen yet: model is empty.");
  if (!std::isfinite(p.strength) || p.strength < 0 || p.strength > 100)
    return _("strength must be between 0 and 100 (percent of the style).");
  if (p.preserve_colors < 0 || p.preserve_colors > 2)
    return printf_string(_("preserve-colors must be 0 (off), 1 (luminance) or 2 (colour match) (got %d)."),
                         p.preserve_colors);
  if (p.size != 0 && (p.size < kMinFastSize || p.size > kMaxSize))
    return printf_string(_("size must be 0 (the layer's own size) or between %d and %d pixels (got %d)."),
                         kMinFastSize, kMaxSize, p.size);
  if (p.tile != 0 && (p.tile < kMinTile || p.tile > kMaxTile))
    return printf_string(_("tile must be 0 (default) or between %d and %d pixels (got %d)."), kMinTile,
                         kMaxTile, p.tile);
  return {};
}

std::string fast_layer_name(const std::string& model_name) {
  const std::string words = style_display_name(model_name);
  if (words.empty()) return _("Fast style");
  /* TRANSLATORS: name of the new layer; %s is the style network's name. */
  return printf_string(_("%s (fast style)"), words.c_str());
}

nst::Image finish_fast_style(const nst::Image& content, const nst::Image& stylized, const FastParams& p) {
  nst::Image out = p.preserve_colors == 1   ? nst::keep_colors(content, stylized)
                   : p.preserve_colors == 2 ? nst::match_colors(stylized, content)
                                            : stylized;
  if (p.strength < 100) out = nst::blend(content, out, p.strength / 100.0);
  return out;
}

nst::Image run_fast_style(const nst::Image& content, const FastParams& p, const RunControl& control,
                          const nst::FastModel* loaded) {
  const std::string problem = validate_fast_params(p);
  if (!problem.empty()) throw nst::Error(problem);
  if (content.empty() || content.width <= 0 || content.height <= 0)
    throw nst::Error(_("The layer has no pixels to work on."));
  nst::FastOptions o;
  o.size = p.size;
  if (p.tile > 0) o.tile = p.tile;
  std::unique_ptr<nst::FastModel> own;
  if (!loaded) {
    own = std::make_unique<nst::FastModel>(nst::find_fast_model(p.model));
    loaded = own.get();
  }
  const nst::Image stylized = loaded->stylize(content, o, control.progress, control.cancel);
  return finish_fast_style(content, stylized, p);
}

std::string printf_string(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string out;
  if (n > 0) {
    out.resize(size_t(n) + 1);
    std::vsnprintf(&out[0], out.size(), format, args);
    out.resize(size_t(n));
  }
  va_end(args);
  return out;
}

// `result` with `channels` channels (opaque alpha added if needed), values
// clamped to [0, 1] and NaN replaced by 0.
nst::Image layer_pixels(const nst::Image& result, int channels) {
  nst::Image out = result.channels == channels ? result : nst::convert_channels(result, channels);
  if (out.channels != channels ||
      out.data.size() != size_t(out.width) * size_t(out.height) * size_t(channels))
    throw nst::Error(_("The engine returned an image of an unexpected shape."));
  for (float& v : out.data) v = v > 0.f ? std::min(v, 1.f) : 0.f;  // NaN > 0 is false
  return out;
}

std::string locale_dir(const char* build_localedir) {
  const char* env = std::getenv("NST_LOCALEDIR");
  if (env && *env) return env;
  std::error_code ec;
  const std::filesystem::path beside =
      std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "locale";
  if (!ec && std::filesystem::is_directory(beside, ec)) return beside.string();
  return build_localedir;
}

}  // namespace nst_plugin
