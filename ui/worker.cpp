// Worker thread for the engine. See worker.h.
#include "worker.h"

#include <chrono>
#include <exception>
#include <utility>

namespace nst_ui {

TransferJob::TransferJob(Engine engine, double preview_interval)
    : engine_(std::move(engine)), preview_interval_(preview_interval) {}

TransferJob::~TransferJob() {
  if (thread_.joinable()) {
    cancel();
    thread_.join();
  }
}

void TransferJob::start() {
  if (started_) return;
  started_ = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    snap_.state = JobState::Running;
  }
  thread_ = std::thread(&TransferJob::run, this);
}

void TransferJob::cancel() {
  cancel_.store(true);
  std::lock_guard<std::mutex> lock(mutex_);
  snap_.cancel_requested = true;
}

void TransferJob::finish_now() {
  finish_now_.store(true);
  std::lock_guard<std::mutex> lock(mutex_);
  snap_.finish_requested = true;
}

bool TransferJob::done() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return snap_.state != JobState::Running;
}

bool TransferJob::wait_for(double seconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  return stopped_.wait_for(lock, std::chrono::duration<double>(seconds),
                           [this] { return snap_.state != JobState::Running; });
}

JobState TransferJob::finish() {
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  return snap_.state;
}

JobSnapshot TransferJob::snapshot(unsigned have_preview_serial) const {
  std::lock_guard<std::mutex> lock(mutex_);
  JobSnapshot s;
  s.state = snap_.state;
  s.iteration = snap_.iteration;
  s.iterations = snap_.iterations;
  s.losses = snap_.losses;
  s.elapsed = snap_.elapsed;
  s.elapsed_first = snap_.elapsed_first;
  s.scale = snap_.scale;
  s.scales = snap_.scales;
  s.width = snap_.width;
  s.height = snap_.height;
  s.tile = snap_.tile;
  s.tiles = snap_.tiles;
  s.work_done = snap_.work_done;
  s.work_first = snap_.work_first;
  s.cancel_requested = snap_.cancel_requested;
  s.finish_requested = snap_.finish_requested;
  s.preview_serial = snap_.preview_serial;
  s.error = snap_.error;
  if (snap_.preview_serial != have_preview_serial) s.preview = snap_.preview;
  return s;
}

nst::TransferResult TransferJob::take_result() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::move(result_);
}

void TransferJob::on_progress(const nst::Progress& p) {
  // Runs on the worker thread, inside the engine. The preview copy happens
  // outside the lock when it is due, so the UI thread never waits for it.
  nst::Image preview;
  const bool last = p.iteration >= p.iterations;
  const bool want_preview =
      p.preview && (last || p.elapsed_seconds - last_preview_time_ >= preview_interval_);
  if (want_preview) {
    preview = *p.preview;
    last_preview_time_ = p.elapsed_seconds;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  snap_.iteration = p.iteration;
  snap_.iterations = p.iterations;
  snap_.losses = p.losses;
  snap_.elapsed = p.elapsed_seconds;
  snap_.scale = p.scale;
  snap_.scales = p.scales;
  snap_.width = p.width;
  snap_.height = p.height;
  snap_.tile = p.tile;
  snap_.tiles = p.tiles;
  snap_.work_done = p.work_done;
  if (p.iteration == 1 || snap_.elapsed_first < 0) {
    snap_.elapsed_first = p.elapsed_seconds;
    snap_.work_first = p.work_done;
  }
  if (want_preview) {
    snap_.preview = std::move(preview);
    ++snap_.preview_serial;
  }
}

void TransferJob::run() {
  JobState state = JobState::Failed;
  std::string error;
  nst::TransferResult result;
  try {
    result = engine_([this](const nst::Progress& p) { on_progress(p); }, &cancel_, &finish_now_);
    state = cancel_.load() ? JobState::Cancelled : JobState::Finished;
  } catch (const nst::Cancelled&) {
    state = JobState::Cancelled;
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown error";
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    snap_.state = state;
    snap_.error = error;
    if (state == JobState::Finished) {
      result_ = std::move(result);
      snap_.iteration = result_.iterations;
    }
  }
  stopped_.notify_all();
}

}  // namespace nst_ui
