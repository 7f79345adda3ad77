// Runs the engine on a worker thread and publishes its progress as a
// mutex-protected snapshot that the UI thread polls (from a GLib timeout in
// the GTK dialogs). The worker never calls into GTK or libgimp; the UI never
// waits for the engine except in finish(), after a cancel or "apply now"
// request, which the engine honours within one iteration.
//
// Plain C++ (std::thread), version-neutral, and free of LibTorch: the engine
// call is injected, so tests can run this class under ThreadSanitizer with a
// fake engine.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "nst.h"

namespace nst_ui {

enum class JobState {
  Idle,       // not started
  Running,
  Finished,   // the engine returned a result (complete or "apply now")
  Cancelled,  // stopped by cancel(); no result
  Failed,     // the engine threw; error() says why
};

struct JobSnapshot {
  JobState state = JobState::Idle;
  int iteration = 0;             // completed iterations
  int iterations = 0;            // total (0 until the first progress report)
  nst::Losses losses;            // of the last iteration
  double elapsed = 0;            // seconds since start(), engine clock
  double elapsed_first = -1;     // seconds when iteration 1 ended, < 0 before
  // A run over several scales (nst::Progress): where it is, and the
  // fraction of its work done (steps weighted by their pixels), also when
  // iteration 1 ended.
  int scale = 0, scales = 0, width = 0, height = 0, tile = 0, tiles = 0;
  double work_done = 0, work_first = 0;
  bool cancel_requested = false;
  bool finish_requested = false;
  unsigned preview_serial = 0;   // increases with every new preview
  nst::Image preview;            // filled only when newer than the caller's serial
  std::string error;             // for Failed
};

class TransferJob {
 public:
  // The engine call: report progress through the callback (on the worker
  // thread), stop with nst::Cancelled when *cancel is set, return early with
  // the result so far when *finish_now is set.
  using Engine = std::function<nst::TransferResult(const nst::ProgressFn& progress,
                                                   const std::atomic<bool>* cancel,
                                                   const std::atomic<bool>* finish_now)>;

  // Previews are copied into the snapshot at most every
  // `preview_interval` seconds (and always for the last iteration).
  explicit TransferJob(Engine engine, double preview_interval = 0.4);
  ~TransferJob();  // cancels and joins a running worker
  TransferJob(const TransferJob&) = delete;
  TransferJob& operator=(const TransferJob&) = delete;

  void start();          // once
  void cancel();         // ask to stop; the result is dropped
  void finish_now();     // ask to stop after the current iteration and keep the result
  bool done() const;     // the worker has stopped (state is not Running)
  // Waits up to `seconds` for the worker to stop; true when it has.
  bool wait_for(double seconds);
  // Joins the worker (blocks until the engine returns) and gives the state.
  JobState finish();

  // The current progress. The preview is copied only when its serial is
  // newer than `have_preview_serial` (pass the serial you already show).
  JobSnapshot snapshot(unsigned have_preview_serial = ~0u) const;
  // The engine's result after finish() returned Finished (moved out).
  nst::TransferResult take_result();

 private:
  void run();
  void on_progress(const nst::Progress& p);

  Engine engine_;
  double preview_interval_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> finish_now_{false};
  std::thread thread_;
  bool started_ = false;

  mutable std::mutex mutex_;
  std::condition_variable stopped_;
  JobSnapshot snap_;            // guarded by mutex_ (its preview is the latest one)
  nst::TransferResult result_;  // guarded by mutex_
  double last_preview_time_ = -1e9;  // worker thread only
};

}  // namespace nst_ui
