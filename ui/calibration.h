// Measures how fast a feature network runs on this machine, for the settings
// dialog's time estimate: a few real engine iterations on generated images
// at two small sizes, run as a TransferJob in the background.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "time_estimate.h"
#include "worker.h"

namespace nst_ui {

// Sizes (longest side) and iterations of the two measuring runs.
constexpr int kCalibrationSmall = 96;
constexpr int kCalibrationLarge = 160;
constexpr int kCalibrationIterations = 3;

// The engine call for a TransferJob that measures `model` (a resolved path).
// *out receives the fitted speed before the job finishes; it stays invalid
// when the job is cancelled or fails.
TransferJob::Engine calibration_engine(const std::string& model, std::shared_ptr<Speed> out);

// The settings dialogs' use of it (GTK2 and GTK3 alike): one measurement at
// a time, for the network the dialog shows; polled from a GLib timeout.
class Calibrator {
 public:
  enum class Status { Known, Measuring, Failed };
  ~Calibrator() { stop(); }
  // The speed of `model` (a resolved path) from `table`, or starts measuring
  // it (stopping a measurement of another network) unless it failed before.
  Status status(const std::string& model, const SpeedTable& table, Speed* speed);
  // Call regularly while running(): true when a measurement just ended (its
  // speed is then in `table`, or the network is marked failed).
  bool poll(SpeedTable& table);
  bool running() const { return job_ != nullptr; }
  void stop();

 private:
  std::unique_ptr<TransferJob> job_;
  std::shared_ptr<Speed> speed_;
  std::string model_;
  std::vector<std::string> failed_;
};

}  // namespace nst_ui
