// One step of the exponential midpoint method (second-order Rush–Larsen, Perego & Veneziani
// 2009) for systems that are linear in each variable when the others are frozen:
//
//   dy_k/dt = A_k(y) y_k + B_k(y)          (k = 0 .. K-1)
//
// Hodgkin–Huxley gates (A = -(alpha + beta), B = alpha), the membrane (A = -g_total / C,
// B = (sum g E + I) / C) and exponentially decaying conductances (A = -1/tau, B = 0) all have
// this form. A step of length h:
//   1. freeze A, B at y_n and move every variable exactly over h/2:   y_mid
//   2. freeze A, B at y_mid and move every variable exactly over h from y_n:  y_{n+1}
// where "exactly" is  y(h) = y + h (A y + B) phi1(A h),  phi1(z) = (e^z - 1) / z.
//
// Properties: second order in h (the model tests, e.g. tests/test_lif_cond_exp.cpp, measure it); exact for
// linear variables (conductances decay exactly for any h); unconditionally stable for the
// stiff gates (their update is a convex combination of the old value and the steady state),
// which classical RK4 is not at dt = 0.1 ms for Traub–Miles sodium activation (|A| h > 2.8).
// Each step costs two evaluations of the model's linearisation.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>

namespace ionspike {

// (e^z - 1) / z, accurate near 0.
inline double phi1(double z) { return std::abs(z) < 1e-8 ? 1.0 + 0.5 * z : std::expm1(z) / z; }

// Exact solution of dy/dt = a y + b over h.
inline double linear_advance(double y, double a, double b, double h) {
  return y + h * (a * y + b) * phi1(a * h);
}

// Variables [first, K) that decay exponentially with constant rates (A = -1/tau, B = 0):
// their factors over h/2 and h, computed once per step length instead of per neuron.
template <std::size_t K>
struct DecayFactors {
  std::size_t first = K;
  std::array<double, K> half{}, full{};
};

// linearize(y, A, B) fills A and B at y; `frozen` is a variable held constant (e.g. a clamped
// membrane), or K for none; variables from decay.first on move by the decay factors.
template <class Linearize, std::size_t K>
void exponential_midpoint_step(const Linearize& linearize, std::array<double, K>& y, double h,
                               std::size_t frozen = K, const DecayFactors<K>& decay = {}) {
  std::array<double, K> a, b, mid;
  linearize(y, a, b);
  for (std::size_t k = 0; k < decay.first; ++k) mid[k] = linear_advance(y[k], a[k], b[k], 0.5 * h);
  for (std::size_t k = decay.first; k < K; ++k) mid[k] = y[k] * decay.half[k];
  if (frozen < K) mid[frozen] = y[frozen];
  linearize(mid, a, b);
  for (std::size_t k = 0; k < decay.first; ++k)
    if (k != frozen) y[k] = linear_advance(y[k], a[k], b[k], h);
  for (std::size_t k = decay.first; k < K; ++k) y[k] *= decay.full[k];
}

}  // namespace ionspike
