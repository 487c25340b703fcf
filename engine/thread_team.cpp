#include "engine/thread_team.hpp"

#include <stdexcept>

namespace ionspike {

namespace {

// Polls `done` about 50 us (a round usually ends or begins sooner), then returns false.
template <class Done>
bool spin_until(const Done& done) {
  constexpr int kSpins = 4096;
  for (int i = 0; i < kSpins; ++i) {
    if (done()) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }
  return done();
}

}  // namespace

ThreadTeam::ThreadTeam(std::uint32_t threads) {
  if (threads < 1) throw std::invalid_argument("ThreadTeam: needs at least one thread");
  workers_.reserve(threads - 1);
  for (std::uint32_t i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadTeam::~ThreadTeam() {
  stop_.store(true, std::memory_order_release);
  round_.fetch_add(1, std::memory_order_acq_rel);
  round_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadTeam::work_on_round() {
  for (std::uint32_t i = next_task_.fetch_add(1, std::memory_order_acq_rel); i < tasks_;
       i = next_task_.fetch_add(1, std::memory_order_acq_rel)) {
    try {
      (*task_)(i);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

void ThreadTeam::worker_loop() {
  std::uint64_t seen = 0;
  for (;;) {
    if (!spin_until([&] { return round_.load(std::memory_order_acquire) != seen; }))
      round_.wait(seen, std::memory_order_acquire);
    const std::uint64_t now = round_.load(std::memory_order_acquire);
    if (now == seen) continue;  // spurious wake-up
    seen = now;
    if (stop_.load(std::memory_order_acquire)) return;
    work_on_round();
    workers_done_.fetch_add(1, std::memory_order_acq_rel);
    workers_done_.notify_one();
  }
}

void ThreadTeam::run(std::uint32_t n, const std::function<void(std::uint32_t)>& task) {
  if (workers_.empty() || n <= 1) {
    for (std::uint32_t i = 0; i < n; ++i) task(i);
    return;
  }
  task_ = &task;
  tasks_ = n;
  error_ = nullptr;
  next_task_.store(0, std::memory_order_relaxed);
  workers_done_.store(0, std::memory_order_relaxed);
  round_.fetch_add(1, std::memory_order_acq_rel);  // publishes the fields above
  round_.notify_all();
  work_on_round();
  // Every worker must have left the round (not only finished the tasks) before task_ changes.
  const auto all = static_cast<std::uint32_t>(workers_.size());
  for (;;) {
    const std::uint32_t done = workers_done_.load(std::memory_order_acquire);
    if (done == all) break;
    if (!spin_until([&] { return workers_done_.load(std::memory_order_acquire) == all; }))
      workers_done_.wait(done, std::memory_order_acquire);
  }
  if (error_) std::rethrow_exception(error_);
}

}  // namespace ionspike
