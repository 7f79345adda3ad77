// Background speed measurement. See calibration.h.
#include "calibration.h"

#include <algorithm>
#include <cmath>

namespace nst_ui {

namespace {

// A colourful content picture and a stripy style picture, so the losses
// behave as with real images.
nst::Image synthetic(int w, int h, bool stripes) {
  nst::Image img(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float fx = float(x) / w, fy = float(y) / h;
      if (stripes) {
        const float s = 0.5f + 0.5f * std::sin(0.7f * float(x + 2 * y));
        img.at(x, y, 0) = s;
        img.at(x, y, 1) = 0.3f * s + 0.2f;
        img.at(x, y, 2) = 1.f - s;
      } else {
        img.at(x, y, 0) = fx;
        img.at(x, y, 1) = fy;
        img.at(x, y, 2) = 0.5f * (1.f - fx * fy);
      }
    }
  return img;
}

}  // namespace

TransferJob::Engine calibration_engine(const std::string& model, std::shared_ptr<Speed> out) {
  return [model, out](const nst::ProgressFn& progress, const std::atomic<bool>* cancel,
                      const std::atomic<bool>* finish_now) {
    Timing timings[2];
    nst::TransferResult last;
    const int sizes[2] = {kCalibrationSmall, kCalibrationLarge};
    for (int i = 0; i < 2; ++i) {
      const int w = sizes[i], h = sizes[i] * 3 / 4;
      nst::TransferOptions o;
      o.model = model;
      o.size = sizes[i];
      o.iterations = kCalibrationIterations;
      o.coarse_iterations = 0;  // every iteration at the measured size
      double first = -1, end = -1;
      int done = 0;
      auto record = [&](const nst::Progress& p) {
        if (p.iteration == 1) first = p.elapsed_seconds;
        end = p.elapsed_seconds;
        done = p.iteration;
        nst::Progress q = p;  // the caller sees one run of 2 x iterations
        q.iteration = i * kCalibrationIterations + p.iteration;
        q.iterations = 2 * kCalibrationIterations;
        if (progress) progress(q);
      };
      last = nst::transfer(synthetic(w, h, false), synthetic(w, h, true), o, record, cancel,
                           finish_now);
      timings[i] = timing_from_progress(first, end, done, last.work_width, last.work_height);
      if (finish_now && finish_now->load()) break;
    }
    *out = fit_speed(timings[0], timings[1]);
    return last;
  };
}

Calibrator::Status Calibrator::status(const std::string& model, const SpeedTable& table, Speed* speed) {
  const Speed known = table.find(model);
  if (known.valid()) {
    if (speed) *speed = known;
    return Status::Known;
  }
  if (std::find(failed_.begin(), failed_.end(), model) != failed_.end()) return Status::Failed;
  if (!job_ || model_ != model) {
    stop();
    model_ = model;
    speed_ = std::make_shared<Speed>();
    job_ = std::make_unique<TransferJob>(calibration_engine(model, speed_));
    job_->start();
  }
  return Status::Measuring;
}

bool Calibrator::poll(SpeedTable& table) {
  if (!job_ || !job_->done()) return false;
  if (job_->finish() == JobState::Finished && speed_->valid())
    table.set(model_, *speed_);
  else
    failed_.push_back(model_);
  job_.reset();
  return true;
}

void Calibrator::stop() {
  if (!job_) return;
  job_->cancel();
  job_->finish();
  job_.reset();
}

}  // namespace nst_ui
