// neurons/vector_exp.hpp: the vectorisable exp of the grid kernels against std::exp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "neurons/vector_exp.hpp"

using namespace ionspike;

TEST_CASE("vector_exp: relative error below 1e-15 over [-708, 709]", "[grid][vector_exp]") {
  double worst = 0.0;
  const auto check = [&](double x) {
    const double exact = std::exp(x);
    const double error = std::abs(vector_exp(x) - exact) / exact;
    worst = std::max(worst, error);
  };
  // An even grid (including 0, the exact multiples of ln 2 and both ends)...
  for (int i = 0; i <= 200000; ++i) check(-708.0 + 1417.0 * i / 200000.0);
  for (int k = -1021; k <= 1023; ++k) check(k * 0.69314718055994530942);
  // ...and the small arguments the kernels meet most (-dt / tau, rates of HH gates).
  for (int i = -100000; i <= 100000; ++i) check(i * 1e-5);
  INFO("largest relative error " << worst);
  CHECK(worst < 1e-15);
  CHECK(vector_exp(0.0) == 1.0);
}
