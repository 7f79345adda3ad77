// See fast_previews.h.
#include "fast_previews.h"

#include <algorithm>
#include <exception>

namespace nst_ui {

FastPreviews::~FastPreviews() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void FastPreviews::add(int id, const std::string& model, const nst::Image& content, bool urgent) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.erase(std::remove_if(queue_.begin(), queue_.end(), [id](const Request& r) { return r.id == id; }),
                 queue_.end());
    done_.erase(id);
    Request r{id, model, content};
    if (urgent)
      queue_.push_front(std::move(r));
    else
      queue_.push_back(std::move(r));
    if (!thread_.joinable()) thread_ = std::thread(&FastPreviews::run, this);
  }
  wake_.notify_one();
}

bool FastPreviews::take(int id, nst::Image* image, std::string* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = done_.find(id);
  if (it == done_.end()) return false;
  if (image) *image = std::move(it->second.image);
  if (error) *error = std::move(it->second.error);
  done_.erase(it);
  return true;
}

size_t FastPreviews::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size() + size_t(running_);
}

void FastPreviews::run() {
  for (;;) {
    Request r;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      r = std::move(queue_.front());
      queue_.pop_front();
      running_ = 1;
    }
    Result result;
    try {
      auto& model = models_[r.model];
      if (!model) model = std::make_unique<nst::FastModel>(nst::find_fast_model(r.model));
      result.image = model->stylize(r.content);
    } catch (const std::exception& e) {
      models_.erase(r.model);
      result.error = e.what();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      running_ = 0;
      // A newer request for the same id queued meanwhile makes this result stale.
      const bool stale = std::any_of(queue_.begin(), queue_.end(), [&](const Request& q) { return q.id == r.id; });
      if (!stale) done_[r.id] = std::move(result);
    }
  }
}

}  // namespace nst_ui
