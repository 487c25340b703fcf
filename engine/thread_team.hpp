// A fixed team of threads that runs short parallel rounds, one after another, with little
// overhead per round: the parallel windows of engine/parallel_run.hpp (a few hundred
// microseconds each, thousands per simulated second).
//
// Design note. Each round hands out tasks [0, n) through an atomic counter to the caller and
// the workers (whoever is free takes the next task, which evens out unequal tasks). Between
// rounds the workers spin for a short while (a new round usually follows within
// microseconds) and then sleep on a futex (C++20 atomic wait), so an idle or oversubscribed
// machine loses no core to spinning. oneTBB's parallel_for served first; its workers fell
// asleep between windows and cost ~20 us per window to wake (measured: 7 % of the plastic
// Brunel run on two threads), and a task scheduler does not promise the concurrency a barrier
// would need, so the rounds use this team instead.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ionspike {

class ThreadTeam {
 public:
  // threads >= 1: the caller of run() and threads - 1 workers.
  explicit ThreadTeam(std::uint32_t threads);
  ~ThreadTeam();
  ThreadTeam(const ThreadTeam&) = delete;
  ThreadTeam& operator=(const ThreadTeam&) = delete;

  std::uint32_t threads() const { return static_cast<std::uint32_t>(workers_.size()) + 1; }
  // Runs task(i) for every i in [0, n) on the team, the caller included; returns when all
  // are done. If tasks throw, the first exception is rethrown here (after the round ends).
  void run(std::uint32_t n, const std::function<void(std::uint32_t)>& task);

 private:
  void work_on_round();
  void worker_loop();

  std::vector<std::thread> workers_;
  std::atomic<std::uint64_t> round_{0};     // incremented to start a round
  std::atomic<std::uint32_t> next_task_{0};
  std::atomic<std::uint32_t> workers_done_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(std::uint32_t)>* task_ = nullptr;
  std::uint32_t tasks_ = 0;
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace ionspike
