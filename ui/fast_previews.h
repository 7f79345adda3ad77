// Small pictures of the layer in fast styles for the Neural Style (Fast)
// dialog, rendered on one worker thread so the dialog never waits for a
// network. Plain C++ on core/nst.h (no GTK, no libgimp): the dialog adds
// requests and polls take() from a GLib timeout on the main thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "nst.h"

namespace nst_ui {

class FastPreviews {
 public:
  FastPreviews() = default;
  ~FastPreviews();  // drops what is queued, waits for the running render
  FastPreviews(const FastPreviews&) = delete;
  FastPreviews& operator=(const FastPreviews&) = delete;

  // Queues `content` through the network at `model` (path or installed
  // name) under the caller's key `id`; `urgent` puts it first in the queue.
  // A new request for an id replaces a queued one with that id.
  void add(int id, const std::string& model, const nst::Image& content, bool urgent = false);
  // True once the request `id` is done: *image is the stylised picture, or
  // *error says why there is none. The result is handed out once.
  bool take(int id, nst::Image* image, std::string* error);
  // Requests queued or running.
  size_t pending() const;

 private:
  struct Request {
    int id;
    std::string model;
    nst::Image content;
  };
  struct Result {
    nst::Image image;
    std::string error;
  };
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Request> queue_;
  std::map<int, Result> done_;
  int running_ = 0;
  bool stop_ = false;
  std::thread thread_;
  // Worker thread only: networks loaded so far, by model string.
  std::map<std::string, std::unique_ptr<nst::FastModel>> models_;
};

}  // namespace nst_ui
