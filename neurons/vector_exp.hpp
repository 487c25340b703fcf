// exp(x) as plain arithmetic and bit operations, so that loops calling it auto-vectorise (a call
// to std::exp does not: glibc's vector exp needs -ffast-math). Used by the grid kernels
// (neurons/hodgkin_huxley_grid.hpp) for one exponential per neuron-step.
//
// Method: x = n ln2 + r with n = round(x / ln2) and |r| <= ln2 / 2 (Cody-Waite: ln2 split in a
// high part exact in 32 bits and a low part), e^r by its Taylor polynomial of degree 12
// (remainder < 0.35^13 / 13! ~ 2e-16), times 2^n built in the exponent bits. Relative error
// below 1e-15 for x in [-708, 709] (tests/test_vector_exp.cpp checks it against std::exp);
// outside that range the result is wrong: callers keep x inside (no branch here).
#pragma once

#include <bit>
#include <cstdint>

namespace ionspike {

inline double vector_exp(double x) {
  constexpr double kLog2e = 1.4426950408889634074;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln2's leading 32 bits: n * kLn2Hi is exact
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kShifter = 0x1.8p52;  // adding it rounds to an integer held in the low mantissa bits
  const double shifted = x * kLog2e + kShifter;
  const std::uint64_t n_bits = std::bit_cast<std::uint64_t>(shifted);
  const double n = shifted - kShifter;
  const double r = (x - n * kLn2Hi) - n * kLn2Lo;
  // e^r = sum r^j / j!, j = 0..12, Horner.
  double p = 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // 2^n: n (two's complement, in the low bits of n_bits) shifted into the exponent of 1.0.
  const double scale = std::bit_cast<double>((n_bits << 52) + std::bit_cast<std::uint64_t>(1.0));
  return p * scale;
}

}  // namespace ionspike
