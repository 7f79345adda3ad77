// The dialogs' values and the user's profile as text. See dialog_storage.h.
#include "dialog_storage.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <locale>
#include <sstream>

namespace nst_ui {

namespace {

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

constexpr const char* kStateHeader = "nst-dialog-state 1";

}  // namespace

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
  put("style-weight", number(s.style_weight));
  for (const ExtraStyle& e : s.more_styles) put("more-style", number(e.weight) + "\t" + e.file);
  put("strength", number(s.strength));
  put("smoothness", number(s.smoothness));
  put("iterations", std::to_string(s.iterations));
  put("size", std::to_string(s.size));
  put("output-size", std::to_string(s.output_size));
  put("mix", number(s.mix));
  put("preserve-colors", std::to_string(s.preserve_colors));
  put("style-scale", number(s.style_scale));
  put("selection-mask", s.selection_mask ? "1" : "0");
  put("coarse-to-fine", std::to_string(s.coarse_iterations));
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
  bool more_seen = false;
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
    else if (key == "style-weight" && parse_number(value, &dv) && dv >= 0 && dv <= kMaxStyleWeight) r.style_weight = dv;
    else if (key == "more-style") {  // "weight<TAB>file", one line each
      if (!more_seen) r.more_styles.clear();  // the stored list replaces the base's
      more_seen = true;
      const size_t tab = value.find('\t');
      if (tab != std::string::npos && parse_number(value.substr(0, tab), &dv) && dv >= 0 && dv <= kMaxStyleWeight &&
          r.more_styles.size() < kMaxExtraStyles)
        r.more_styles.push_back({value.substr(tab + 1), dv});
    }
    else if (key == "strength" && parse_number(value, &dv)) r.strength = std::min(kSliderMax, std::max(kSliderMin, dv));
    else if (key == "smoothness" && parse_number(value, &dv)) r.smoothness = std::min(kSliderMax, std::max(kSliderMin, dv));
    else if (key == "iterations" && parse_int(value, &iv)) r.iterations = iv;
    else if (key == "size" && parse_int(value, &iv)) r.size = iv;
    else if (key == "output-size" && parse_int(value, &iv) && (iv == 0 || iv == -1)) r.output_size = iv;
    else if (key == "mix" && parse_number(value, &dv) && dv >= 0 && dv <= 100) r.mix = dv;
    else if (key == "preserve-colors" && parse_int(value, &iv) && iv >= 0 && iv <= 2) r.preserve_colors = iv;
    else if (key == "style-scale" && parse_number(value, &dv) && dv >= 0.1 && dv <= 4) r.style_scale = dv;
    else if (key == "selection-mask") r.selection_mask = value == "1";
    else if (key == "coarse-to-fine" && parse_int(value, &iv) && iv >= nst::kAutoCoarse) r.coarse_iterations = iv;
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
