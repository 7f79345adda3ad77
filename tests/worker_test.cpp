// The worker thread and its cancel / apply-now flags with a fake engine
// that behaves like nst::transfer (checks the cancel flag before every
// evaluation, reports progress with a preview after every iteration, stops
// after the current iteration on finish-now). No LibTorch, no GTest, so it
// is built with ThreadSanitizer and with AddressSanitizer (leaks) as well:
//   worker_test [cycles]
// A UI thread is simulated by a poller that reads snapshots all the time.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "worker.h"

using nst_ui::JobSnapshot;
using nst_ui::JobState;
using nst_ui::TransferJob;

namespace {

std::atomic<int> failures{0};

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                        \
    }                                                                    \
  } while (0)

struct FakeEngine {
  int iterations = 50;
  std::chrono::microseconds step{300};
  int throw_at = -1;  // > 0: fail with nst::Error at this iteration

  nst::TransferResult operator()(const nst::ProgressFn& progress, const std::atomic<bool>* cancel,
                                 const std::atomic<bool>* finish_now) const {
    nst::Image x(24, 16, 3);
    nst::Progress p;
    p.iterations = iterations;
    const auto t0 = std::chrono::steady_clock::now();
    int done = 0;
    for (int it = 1; it <= iterations; ++it) {
      if (cancel && cancel->load()) throw nst::Cancelled();
      std::this_thread::sleep_for(step);  // "evaluation"
      if (it == throw_at) throw nst::Error("the optimisation diverged");
      for (float& v : x.data) v += 0.001f;
      p.iteration = it;
      p.losses.total = 1.0 / it;
      p.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      p.preview = &x;
      if (progress) progress(p);
      done = it;
      if (finish_now && finish_now->load()) break;
    }
    if (cancel && cancel->load()) throw nst::Cancelled();
    nst::TransferResult r;
    r.image = x;
    r.iterations = done;
    r.losses.total = p.losses.total;
    return r;
  }
};

// Reads snapshots until told to stop, like the dialog's timeout would.
struct Poller {
  TransferJob& job;
  std::atomic<bool> stop{false};
  std::thread thread;
  unsigned serial = 0;
  int max_iteration = 0;
  explicit Poller(TransferJob& j) : job(j) {
    thread = std::thread([this] {
      while (!stop.load()) {
        const JobSnapshot s = job.snapshot(serial);
        if (s.preview_serial != serial) {
          serial = s.preview_serial;
          if (!s.preview.empty() && s.preview.data.size() != size_t(24 * 16 * 3)) ++failures;
        }
        if (s.iteration < max_iteration) ++failures;  // progress never goes back
        max_iteration = s.iteration;
        std::this_thread::yield();
      }
    });
  }
  ~Poller() {
    stop.store(true);
    thread.join();
  }
};

void test_complete_run() {
  FakeEngine e;
  TransferJob job(e, 0.0);
  CHECK(job.snapshot().state == JobState::Idle);
  {
    Poller poller(job);
    job.start();
    CHECK(job.wait_for(10.0));
  }
  CHECK(job.finish() == JobState::Finished);
  const JobSnapshot s = job.snapshot(0);
  CHECK(s.iteration == e.iterations);
  CHECK(s.iterations == e.iterations);
  CHECK(s.preview_serial == unsigned(e.iterations));  // interval 0: every preview kept
  CHECK(!s.preview.empty());
  CHECK(s.elapsed_first >= 0 && s.elapsed >= s.elapsed_first);
  const nst::TransferResult r = job.take_result();
  CHECK(r.iterations == e.iterations);
  CHECK(r.image.width == 24);
}

void test_preview_throttle() {
  FakeEngine e;
  e.iterations = 40;
  TransferJob job(e, 3600.0);  // at most one preview an hour... plus the last one
  job.start();
  CHECK(job.finish() == JobState::Finished);
  CHECK(job.snapshot().preview_serial == 2);
  // The preview is only copied when the caller does not have it yet.
  CHECK(job.snapshot(2).preview.empty());
  CHECK(!job.snapshot(1).preview.empty());
}

void test_apply_now() {
  FakeEngine e;
  e.iterations = 100000;
  TransferJob job(e, 0.05);
  Poller poller(job);
  job.start();
  while (job.snapshot().iteration < 5) std::this_thread::yield();
  job.finish_now();
  CHECK(job.finish() == JobState::Finished);
  const JobSnapshot s = job.snapshot();
  CHECK(s.finish_requested);
  const nst::TransferResult r = job.take_result();
  CHECK(r.iterations >= 5 && r.iterations < e.iterations);
  CHECK(s.iteration == r.iterations);
}

void test_failure() {
  FakeEngine e;
  e.throw_at = 7;
  TransferJob job(e, 0.0);
  job.start();
  CHECK(job.finish() == JobState::Failed);
  CHECK(job.snapshot().error == "the optimisation diverged");
  CHECK(job.snapshot().iteration == 6);
}

// Start, wait a random moment (possibly none), cancel, join: many times,
// with a poller reading all along. Each stop must come within about one
// iteration.
void test_cancel_cycles(int cycles) {
  std::mt19937 rng(12345);
  double worst = 0;
  int cancelled = 0;
  for (int i = 0; i < cycles; ++i) {
    FakeEngine e;
    e.iterations = 100000;
    auto job = std::make_unique<TransferJob>(e, 0.001);
    {
      Poller poller(*job);
      job->start();
      const int wait_us = int(rng() % 3000);
      if (wait_us > 100) std::this_thread::sleep_for(std::chrono::microseconds(wait_us));
      const auto t0 = std::chrono::steady_clock::now();
      if (i % 2) {
        job->cancel();
        CHECK(job->finish() == JobState::Cancelled);
        ++cancelled;
      } else {
        // Cancel without joining: the destructor must stop and join.
        job->cancel();
        CHECK(job->wait_for(5.0));
        CHECK(job->snapshot().state == JobState::Cancelled);
        ++cancelled;
      }
      worst = std::max(worst, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      CHECK(job->snapshot().cancel_requested);
    }
    job.reset();
  }
  // One fake iteration is 0.3 ms; sanitizers and a busy machine slow it.
  std::printf("%d start/cancel cycles, slowest stop %.4f s\n", cancelled, worst);
  CHECK(worst < 1.0);
}

void test_destroy_while_running() {
  for (int i = 0; i < 20; ++i) {
    FakeEngine e;
    e.iterations = 100000;
    TransferJob job(e, 0.0);
    job.start();
    if (i % 2) std::this_thread::sleep_for(std::chrono::microseconds(500));
  }  // ~TransferJob cancels and joins
}

void test_never_started() {
  FakeEngine e;
  TransferJob job(e);
  CHECK(job.done());
  CHECK(job.finish() == JobState::Idle);
}

}  // namespace

int main(int argc, char** argv) {
  const int cycles = argc > 1 ? std::atoi(argv[1]) : 200;
  test_complete_run();
  test_preview_throttle();
  test_apply_now();
  test_failure();
  test_cancel_cycles(cycles);
  test_destroy_while_running();
  test_never_started();
  if (failures) {
    std::fprintf(stderr, "%d check(s) failed\n", failures.load());
    return 1;
  }
  std::printf("all worker checks passed\n");
  return 0;
}
