// The working size, the time estimate and the progress dialog's texts. See
// time_estimate.h.
#include "time_estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "i18n.h"
#include "procedure.h"

namespace nst_ui {

using nst_plugin::printf_string;


Speed SpeedTable::find(const std::string& model) const {
  auto it = speeds_.find(model);
  return it == speeds_.end() ? Speed() : it->second;
}

void SpeedTable::set(const std::string& model, const Speed& s) {
  if (s.valid() && !model.empty()) speeds_[model] = s;
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

double estimate_seconds(const Speed& speed, const std::vector<nst::Scale>& scales) {
  if (!speed.valid() || scales.empty()) return -1;
  double seconds = speed.setup_seconds;
  for (const nst::Scale& s : scales) {
    const nst::TileRect& t = s.tiles.front();  // all of one size
    const double per_iteration = speed.iteration_seconds + speed.seconds_per_mpix * (double(t.width) * t.height / 1e6);
    seconds += double(s.tiles.size()) * s.iterations * per_iteration;
  }
  return seconds;
}

RunEstimate Estimator::estimate(int content_width, int content_height, const nst_plugin::PluginParams& p,
                                const std::string& model_path, const Speed& speed) {
  RunEstimate e;
  const nst::TransferOptions o = [&] {
    nst::TransferOptions t = nst_plugin::to_options(p);
    t.model = model_path;
    return t;
  }();
  try {
    e.scales = nst::transfer_scales(content_width, content_height, o);
  } catch (const std::exception&) {
    return e;
  }
  const nst::Scale* working = &e.scales.front();
  for (const nst::Scale& s : e.scales)
    if (s.working) working = &s;
  e.detail = printf_string(_("%d iterations at %d × %d pixels"), working->iterations, working->width,
                           working->height);
  const int larger = int(e.scales.size() - size_t(working - e.scales.data()) - 1);
  if (larger > 0) {
    const nst::Scale& last = e.scales.back();
    /* TRANSLATORS: follows "300 iterations at 512 × 341 pixels"; the final size of the result. */
    e.detail += printf_string(_(", then on at larger scales up to %d × %d"), last.width, last.height);
  }
  e.seconds = estimate_seconds(speed, e.scales);
  const std::string key = model_path + "\n" + std::to_string(content_width) + "x" + std::to_string(content_height) +
                          "\n" + std::to_string(p.size) + "\n" + std::to_string(p.output_size) + "\n" +
                          std::to_string(p.coarse_iterations) + "\n" + p.style_layers + "\n" + p.content_layers;
  if (key != key_) {
    key_ = key;
    bytes_ = 0;
    try {
      if (!model_path.empty()) bytes_ = nst::estimate_transfer_bytes(content_width, content_height, o);
    } catch (const std::exception&) {
      // The dialog's check names the problem with the network.
    }
  }
  e.bytes = bytes_;
  e.available_bytes = nst::available_memory_bytes();
  return e;
}

std::string format_memory(double bytes) {
  if (!(bytes > 0)) return std::string();
  const double gb = bytes / 1e9;
  if (gb < 1) return printf_string(_("about %d MB of memory"), int(std::lround(bytes / 1e6 / 10) * 10));
  return printf_string(_("about %.1f GB of memory"), gb);
}

std::string memory_problem(double needed_bytes, double available_bytes) {
  return printf_string(_("This needs about %.1f GB of memory, but only %.1f GB is free now: choose a lower quality, "
                         "paint up to the working size, or close other programs."),
                       needed_bytes / 1e9, available_bytes / 1e9);
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

double eta_from_work(double work_done, double work_first, double elapsed, double elapsed_first) {
  if (elapsed_first < 0 || !(work_done > work_first) || !(elapsed > elapsed_first) || work_done > 1) return -1;
  return (elapsed - elapsed_first) / (work_done - work_first) * (1 - work_done);
}

std::string format_scale(int scale, int scales, int width, int height, int tile, int tiles) {
  if (scales <= 1) return std::string();
  /* TRANSLATORS: where a run over several sizes is: scale 3 of 6 and its size in pixels. */
  std::string out = printf_string(_("scale %d of %d (%d × %d)"), scale, scales, width, height);
  /* TRANSLATORS: follows "scale 3 of 6 (1448 × 965)". */
  if (tiles > 1) out += printf_string(_(", tile %d of %d"), tile, tiles);
  return out;
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

}  // namespace nst_ui
