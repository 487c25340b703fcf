// Gauss-Kronrod (7, 15) nodes and weights (synapses/gauss_kronrod.hpp): the Kronrod rule is
// exact for polynomials up to degree 22, the Gauss rule up to degree 13 (and not beyond);
// the adaptive integral reaches its tolerance on a steep exponential.
#include <catch2/catch.hpp>

#include <cmath>

#include "synapses/gauss_kronrod.hpp"

using namespace ionspike;

TEST_CASE("Gauss-Kronrod 7-15: degrees of exactness and adaptive accuracy", "[quadrature]") {
  for (int degree = 0; degree <= 24; ++degree) {
    const auto f = [&](double x) { return std::pow(x, degree); };
    const double exact = (std::pow(1.0, degree + 1) - std::pow(-0.5, degree + 1)) / (degree + 1);
    const auto e = GaussKronrod15::rules(f, -0.5, 1.0);
    INFO("degree " << degree << ": Kronrod " << e.kronrod << ", Gauss " << e.gauss << ", exact " << exact);
    if (degree <= 22) CHECK(e.kronrod == Approx(exact).epsilon(1e-14));
    if (degree <= 13) CHECK(e.gauss == Approx(exact).epsilon(1e-14));
    if (degree == 14) CHECK(std::fabs(e.gauss - exact) > 1e-10);
    if (degree == 24) CHECK(std::fabs(e.kronrod - exact) > 1e-14);
  }
  // exp(40 x) on [0, 1]: 40 e-folds, far beyond one rule; the bisections meet the tolerance.
  const auto steep = [](double x) { return std::exp(40.0 * x); };
  const double exact = std::expm1(40.0) / 40.0;
  CHECK(integrate_gauss_kronrod(steep, 0.0, 1.0, 1e-10 * exact) == Approx(exact).epsilon(1e-12));
}
