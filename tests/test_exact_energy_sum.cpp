// synapses/exact_energy_sum.hpp: the EIS energy total does not depend on the order or grouping
// of its terms (what parallel runs need), is at least as accurate as a double sum, and refuses
// terms and totals it cannot hold instead of wrapping around.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/random_stream.hpp"
#include "synapses/exact_energy_sum.hpp"

using namespace ionspike;

TEST_CASE("exact energy sums are independent of the order and grouping of the terms", "[eis]") {
  // Terms over 20 decades (device updates range from 1e-9 fJ to 1e3 fJ and more).
  RandomStream rng(5, "exact_energy_sum");
  std::vector<EisEnergy> terms(5000);
  for (EisEnergy& e : terms)
    e = {std::pow(10.0, rng.uniform(-12, 4)), std::pow(10.0, rng.uniform(-9, 3)), std::pow(10.0, rng.uniform(-6, 2))};
  ExactEnergySum forward, backward, grouped, part_a, part_b;
  for (const EisEnergy& e : terms) forward.add(e);
  for (auto it = terms.rbegin(); it != terms.rend(); ++it) backward.add(*it);
  for (std::size_t k = 0; k < terms.size(); ++k) (k % 3 == 0 ? part_a : part_b).add(terms[k]);
  grouped.add(part_b);
  grouped.add(part_a);
  CHECK(forward == backward);
  CHECK(forward == grouped);
  // The double sums in the two orders differ; the exact sum is within an ulp of the long
  // double reference (terms are rounded to 2^-64 fJ, far below the total's ulp).
  long double reference = 0;
  double sum_forward = 0, sum_backward = 0;
  for (const EisEnergy& e : terms) {
    reference += e.insertion_fJ;
    sum_forward += e.insertion_fJ;
  }
  for (auto it = terms.rbegin(); it != terms.rend(); ++it) sum_backward += it->insertion_fJ;
  CHECK(sum_forward != sum_backward);
  const double total = forward.value().insertion_fJ;
  CHECK(std::fabs(total - static_cast<double>(reference)) <= std::nextafter(total, 1e300) - total);
  CHECK(forward.value().total_fJ() > 0.0);
}

TEST_CASE("exact energy sums refuse terms and totals beyond their range", "[eis]") {
  ExactEnergySum s;
  CHECK_THROWS_AS(s.add(EisEnergy{std::numeric_limits<double>::quiet_NaN(), 0, 0}), std::overflow_error);
  CHECK_THROWS_AS(s.add(EisEnergy{0, std::numeric_limits<double>::infinity(), 0}), std::overflow_error);
  CHECK_THROWS_AS(s.add(EisEnergy{0, 0, 0x1.0p62}), std::overflow_error);
  CHECK_THROWS_AS(s.add(EisEnergy{0x1.0p61, 0, 0}), std::overflow_error);  // the largest term is below 2^61
  ExactEnergySum big;
  big.add(EisEnergy{0x1.0p60, 0, 0});
  big.add(EisEnergy{0x1.0p60, 0, 0});
  CHECK(big.value().insertion_fJ == 0x1.0p61);
  CHECK(big.in_range());
  big.add(EisEnergy{0x1.0p60, 0, 0});                                         // 3 * 2^60 fJ
  CHECK_THROWS_AS(big.add(EisEnergy{0x1.0p60, 0, 0}), std::overflow_error);  // the total would reach 2^62
  CHECK(big.value().insertion_fJ == 3 * 0x1.0p60);                           // nothing added
  // Sums of sums: the same limit, the same guarantee.
  ExactEnergySum other;
  other.add(EisEnergy{0x1.0p60, 0x1.0p60, 0});
  CHECK_THROWS_AS(big.add(other), std::overflow_error);
  CHECK(big.value().insertion_fJ == 3 * 0x1.0p60);
  CHECK(big.value().gate_fJ == 0.0);
  other.add(other);
  CHECK(other.value().gate_fJ == 0x1.0p61);
  // Negative terms (none in the device model today) are summed exactly as well.
  ExactEnergySum signed_sum;
  signed_sum.add(EisEnergy{1.5, 0, 0});
  signed_sum.add(EisEnergy{-2.25, 0, 0});
  CHECK(signed_sum.value().insertion_fJ == -0.75);
}
