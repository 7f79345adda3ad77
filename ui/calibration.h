// Measures how fast a feature network runs on this machine, for the settings
// dialog's time estimate: a few real engine iterations on generated images
// at two small sizes, run as a TransferJob in the background.
#pragma once

#include <memory>
#include <string>

#include "dialog_logic.h"
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

}  // namespace nst_ui
