#include "tools/progress_bar.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace ionspike {

ProgressBar::ProgressBar()
    : enabled_(isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressBar::update(double t_ms, double t_stop_ms) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  const double fraction = t_stop_ms > 0 ? t_ms / t_stop_ms : 1.0;
  const double elapsed_s = std::chrono::duration<double>(now - start_).count();
  const double eta_s = fraction > 0 ? elapsed_s * (1.0 - fraction) / fraction : 0.0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  std::fprintf(stderr, "\r[%s%s] %5.1f%%  t = %.1f / %.1f ms  elapsed %.1f s  left ~%.1f s ",
               std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
               100.0 * fraction, t_ms, t_stop_ms, elapsed_s, eta_s);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");
}

}  // namespace ionspike
