// Adaptive Dormand-Prince 5(4) integrator for small ODE systems y' = f(t, y), y in R^N.
//
// Method: the classic 7-stage DOPRI5 tableau (Dormand & Prince 1980; Hairer, Norsett & Wanner,
// "Solving ODEs I", table 5.2), first-same-as-last, the 5th-order solution propagated (local
// extrapolation). Error estimate e = y5 - y4 per component; a step is accepted when
//     max_i |e_i| / (atol_i + rtol_i * max(|y_i|, |y_new_i|)) <= 1,
// and the next step is h * min(5, max(0.2, 0.9 * err^(-1/5))). After every accepted step the
// caller's `project` hook may map y back onto the admissible set (used to clamp G to its bounds).
// A rejected step whose successor would no longer advance t (h below a few ulp of t) is
// accepted instead ("forced"), so that a jump discontinuity of f cannot stall the integration.
// The integrator lands exactly on t1. Throws std::runtime_error after max_steps attempts
// (accepted + rejected), e.g. when f returns NaN.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <stdexcept>

namespace ionspike {

template <std::size_t N>
struct DopriTolerance {
  std::array<double, N> rtol;
  std::array<double, N> atol;
  std::size_t max_steps = 1'000'000;
};

struct DopriStats {
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  std::size_t evaluations = 0;
  std::size_t forced = 0;  // steps accepted at the smallest representable size
};

template <std::size_t N, class F, class Project>
std::array<double, N> dopri5_integrate(F&& f, double t0, double t1, std::array<double, N> y,
                                       const DopriTolerance<N>& tol, Project&& project,
                                       DopriStats* stats = nullptr) {
  using Y = std::array<double, N>;
  constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
  constexpr double a21 = 1.0 / 5;
  constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
  constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
  constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729;
  constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                   a65 = -5103.0 / 18656;
  constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84;
  // e_i = b_i - b*_i (b* the embedded 4th-order weights).
  constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
                   e6 = 22.0 / 525, e7 = -1.0 / 40;

  if (!(t1 > t0)) return y;
  DopriStats local;
  DopriStats& st = stats ? *stats : local;
  double t = t0;
  double h = (t1 - t0) / 16.0;
  Y k1 = f(t, y), k2, k3, k4, k5, k6, k7, tmp;
  ++st.evaluations;
  std::size_t attempts = 0;
  while (t < t1) {
    if (++attempts > tol.max_steps)
      throw std::runtime_error("dopri5_integrate: more than max_steps steps; the problem is too stiff "
                               "for the requested tolerance");
    // A step too small to move t (a piece of a few ulp) is taken as the whole remainder.
    const bool last = t + h >= t1 || t + 1.0001 * h >= t1 || t + h == t;
    if (last) h = t1 - t;
    for (std::size_t i = 0; i < N; ++i) tmp[i] = y[i] + h * a21 * k1[i];
    k2 = f(t + c2 * h, tmp);
    for (std::size_t i = 0; i < N; ++i) tmp[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
    k3 = f(t + c3 * h, tmp);
    for (std::size_t i = 0; i < N; ++i) tmp[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
    k4 = f(t + c4 * h, tmp);
    for (std::size_t i = 0; i < N; ++i)
      tmp[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
    k5 = f(t + c5 * h, tmp);
    for (std::size_t i = 0; i < N; ++i)
      tmp[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
    const double t_new = last ? t1 : t + h;
    k6 = f(t_new, tmp);
    Y y_new;
    for (std::size_t i = 0; i < N; ++i)
      y_new[i] = y[i] + h * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
    k7 = f(t_new, y_new);
    st.evaluations += 6;
    double err = 0.0;
    for (std::size_t i = 0; i < N; ++i) {
      const double e = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
      const double sc = tol.atol[i] + tol.rtol[i] * std::max(std::fabs(y[i]), std::fabs(y_new[i]));
      err = std::max(err, std::fabs(e) / sc);
    }
    if (!std::isfinite(err)) err = 1e10;
    // A step that cannot be shrunk any further (a few ulp of t: a discontinuity of f, e.g. a
    // hard bound hit at an enormous rate) is accepted; `project` then repairs y.
    bool finite = true;
    for (std::size_t i = 0; i < N; ++i) finite = finite && std::isfinite(y_new[i]);
    const bool forced = err > 1.0 && finite && t + 0.2 * h == t;
    if (forced) ++st.forced;
    if (err <= 1.0 || forced) {
      ++st.accepted;
      t = t_new;
      const Y projected = project(y_new);
      if (projected != y_new) {
        y = projected;
        k1 = f(t, y);
        ++st.evaluations;
      } else {
        y = y_new;
        k1 = k7;  // first same as last
      }
    } else {
      ++st.rejected;
    }
    const double factor = forced ? 2.0 : err == 0.0 ? 5.0 : std::clamp(0.9 * std::pow(err, -0.2), 0.2, 5.0);
    h *= err <= 1.0 || forced ? factor : std::min(factor, 1.0);
  }
  return y;
}

}  // namespace ionspike
