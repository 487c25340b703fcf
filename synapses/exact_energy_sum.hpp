// Order-independent sum of EIS device energies (fJ).
//
// Design note. A projection's energy total is the sum of the energy of every update of every
// synapse. A floating-point running sum depends on the order of its terms, and in a parallel
// run (engine/parallel_run.hpp) the synapses of different shards are updated in an order that
// differs from the serial one, while the results must be bit for bit the serial ones. Each term
// is therefore rounded once to a fixed-point number with 64 fractional bits (a resolution of
// 2^-64 fJ, about 5e-20 fJ) and summed in 128-bit integers: integer addition is associative, so
// any grouping of the terms (per shard, then across shards) gives the same total. A term beyond
// 2^61 fJ or a total beyond 2^62 fJ (4.6 kJ) throws (no wrap-around of the integers).
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "synapses/eis_device.hpp"

namespace ionspike {

class ExactEnergySum {
 public:
  // Adds one update's energies. Throws std::overflow_error (and adds nothing) for a term that
  // is not finite or beyond 2^61 fJ, or a total that would pass 2^62 fJ.
  void add(const EisEnergy& e) {
    commit(insertion_ + to_fixed(e.insertion_fJ), gate_ + to_fixed(e.gate_fJ), divider_ + to_fixed(e.divider_fJ));
  }
  void add(const ExactEnergySum& other) {
    commit(insertion_ + other.insertion_, gate_ + other.gate_, divider_ + other.divider_);
  }
  // The totals (each rounded once to double).
  EisEnergy value() const { return {to_double(insertion_), to_double(gate_), to_double(divider_)}; }
  bool operator==(const ExactEnergySum&) const = default;
  // Within the range add() keeps (a restored checkpoint is checked with it).
  bool in_range() const {
    for (Fixed x : {insertion_, gate_, divider_})
      if (x > kMax || x < -kMax) return false;
    return true;
  }

 private:
  __extension__ typedef __int128 Fixed;  // fJ * 2^64
  static constexpr double kScale = 0x1.0p64;
  static constexpr double kLimit_fJ = 0x1.0p61;
  static Fixed to_fixed(double fJ) {
    if (!(std::fabs(fJ) < kLimit_fJ))
      throw std::overflow_error("EIS energy term of " + std::to_string(fJ) + " fJ is not finite or beyond 2^61 fJ");
    return static_cast<Fixed>(std::nearbyint(fJ * kScale));  // exact scaling, one rounding
  }
  static double to_double(Fixed x) { return static_cast<double>(x) / kScale; }  // one rounding
  // 2^62 fJ less one unit: the sum of two totals in range cannot wrap around 2^127.
  static constexpr Fixed kMax = (static_cast<Fixed>(1) << 126) - 1;
  void commit(Fixed insertion, Fixed gate, Fixed divider) {
    for (Fixed x : {insertion, gate, divider})
      if (x > kMax || x < -kMax) throw std::overflow_error("EIS energy total beyond 2^62 fJ");
    insertion_ = insertion;
    gate_ = gate;
    divider_ = divider;
  }

  Fixed insertion_ = 0, gate_ = 0, divider_ = 0;
};

}  // namespace ionspike
