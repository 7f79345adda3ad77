// How long a run of the optimisation will take (the settings dialog's
// estimate, from speeds measured on this machine) and the progress dialog's
// texts (iteration, time left, losses). Plain C++, no toolkit.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "nst.h"
#include "procedure.h"

namespace nst_ui {

// --- time estimate -------------------------------------------------------------


// Measured speed of one network on this machine: a run takes
// setup + iterations x (iteration_seconds + seconds_per_mpix x megapixels).
struct Speed {
  double setup_seconds = 0;      // loading the network, style features
  double iteration_seconds = 0;  // fixed cost of one iteration (optimiser, small tensors)
  double seconds_per_mpix = 0;   // cost of one iteration per megapixel of working size
  bool valid() const { return seconds_per_mpix > 0; }
};

// Known speeds keyed by resolved model path; stored between sessions.
class SpeedTable {
 public:
  Speed find(const std::string& model) const;
  void set(const std::string& model, const Speed& s);
  std::string serialize() const;  // one "speed<TAB>setup<TAB>iteration<TAB>per-mpix<TAB>path" line each
  void parse_line(const std::string& line);
  size_t size() const { return speeds_.size(); }

 private:
  std::map<std::string, Speed> speeds_;
};

// Timing of one run on `pixels` working pixels.
struct Timing {
  double pixels = 0;
  double setup = 0;          // seconds before the first iteration
  double per_iteration = 0;  // seconds
  bool valid() const { return pixels > 0 && per_iteration > 0; }
};
// From progress reports: `elapsed_first` seconds when iteration 1 ended,
// `elapsed_last` when iteration `last` ended. Invalid below two iterations.
Timing timing_from_progress(double elapsed_first, double elapsed_last, int last, int work_w,
                            int work_h);
// Speed from runs at two sizes (fixed + per-pixel cost); with one valid
// timing, or two that do not make sense, all cost is taken as per-pixel.
Speed fit_speed(const Timing& small, const Timing& large);
// Speed after a real run: keeps the fixed cost, takes the per-pixel cost and
// the setup from the run.
Speed refine_speed(const Speed& old, const Timing& run);

// Seconds a run will take, < 0 if the speed is unknown.
double estimate_seconds(const Speed& speed, int work_width, int work_height, int iterations);
// The same for a run over these scales (each tile's iterations at its size).
double estimate_seconds(const Speed& speed, const std::vector<nst::Scale>& scales);

// What a run of the optimisation will do and cost, for the settings dialog:
// its scales (nst::transfer_scales: exactly what the engine will run), its
// time and its peak memory, and the detail line ("300 iterations at 512 × 341
// pixels, then 5 larger scales up to 3000 × 2000").
struct RunEstimate {
  std::vector<nst::Scale> scales;  // empty when the settings cannot run
  double seconds = -1;             // < 0: the speed is not known yet
  double bytes = 0;                // 0: not known (the network cannot be read)
  double available_bytes = 0;      // memory available now, 0 if unknown
  std::string detail;
  bool fits() const { return bytes <= 0 || available_bytes <= 0 || bytes <= available_bytes; }
};
// The network's memory use is read from its file (`model_path`, resolved)
// once per size and network: keep one Estimator per dialog.
class Estimator {
 public:
  RunEstimate estimate(int content_width, int content_height, const nst_plugin::PluginParams& p,
                       const std::string& model_path, const Speed& speed);

 private:
  std::string key_;
  double bytes_ = 0;
};
// "about 1.2 GB of memory" (translated); "" when not known.
std::string format_memory(double bytes);
// The settings dialog's sentence for a run that does not fit in the memory available now.
std::string memory_problem(double needed_bytes, double available_bytes);

// Measuring a network's speed in the background: see calibration.h.

// "less than a minute", "about 3 min", "about 1 h 20 min" (translated).
std::string format_estimate(double seconds);
// "0:42", "12:05", "1:02:03".
std::string format_clock(double seconds);

// --- the progress dialog's texts ----------------------------------------------------

// Seconds left, from the time per iteration so far (iterations after the
// first, which also paid for the setup). < 0 when not known yet.
double eta_seconds(int iteration, int iterations, double elapsed, double elapsed_first);
// Seconds left from the fraction of the work done (a run over several
// scales, whose later steps cost more), measured from iteration 1's end
// (`work_first` done at `elapsed_first`). < 0 when not known yet.
double eta_from_work(double work_done, double work_first, double elapsed, double elapsed_first);
// "Iteration 42 of 300".
std::string format_iteration(int iteration, int iterations);
// "scale 3 of 6 (1448 × 965), tile 2 of 4"; "" for a run at one scale.
std::string format_scale(int scale, int scales, int width, int height, int tile, int tiles);
// The progress window's status line. `iteration`/`iterations` are tiles for
// a fast run (`fast`), optimisation steps otherwise.
std::string progress_status(int iteration, int iterations, bool cancel_requested, bool finish_requested,
                            bool fast);
// Titles of the progress window.
std::string progress_title(bool fast);
// Its subtitle: "“Photo” in the style of Starry Night" (style: a file or network name).
std::string progress_subtitle(const std::string& layer_name, const std::string& style);

// "Elapsed 0:42, about 3 min left".
std::string format_times(double elapsed, double eta);
// "Loss 1.23e+04 (content 1.2e+03, style 1.1e+04, smoothness 12)".
std::string format_losses(const nst::Losses& l);

}  // namespace nst_ui
