// A one-line progress bar on stderr, drawn only when stderr is a terminal and at most a few
// times per second, with the simulated time and an estimate of the time left.
#pragma once

#include <chrono>

namespace ionspike {

class ProgressBar {
 public:
  ProgressBar();
  void update(double t_ms, double t_stop_ms);
  void finish();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace ionspike
