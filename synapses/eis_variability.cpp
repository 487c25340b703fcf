#include "synapses/eis_variability.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace ionspike {

namespace {
void check_sigma(const char* what, double sigma) {
  if (!(sigma >= 0.0) || !std::isfinite(sigma))
    throw std::invalid_argument(std::string(what) + ": sigma = " + std::to_string(sigma) +
                                " must be finite and >= 0");
}
}  // namespace

double draw_lognormal_factor(double sigma, RandomStream& rng) {
  check_sigma("draw_lognormal_factor", sigma);
  if (sigma == 0.0) return 1.0;
  return std::exp(rng.normal(0.0, sigma));
}

double apply_cycle_noise(double dG_nS, double sigma, RandomStream& rng) {
  check_sigma("apply_cycle_noise", sigma);
  if (sigma == 0.0) return dG_nS;
  return dG_nS * (1.0 + rng.normal(0.0, sigma));
}

}  // namespace ionspike
