// learning/plastic_input.hpp: the study driver's view of its plastic input projection, the
// same protocol for trace STDP and for EIS devices: exact normalisation within the bounds,
// freezing, receptive fields.
#include <catch2/catch.hpp>

#include <numeric>
#include <string>

#include "learning/plastic_input.hpp"
#include "test_support.hpp"

using namespace ionspike;

namespace {

// 20 Poisson inputs (40 Hz) onto 3 LIF neurons that fire, through one plastic projection.
std::string network_text(const std::string& plastic) {
  return "format_version: 1\n"
         "simulation { t_stop_ms: 1000 seed: 3 }\n"
         "populations { name: \"input\" size: 20 poisson_source { rate_Hz: 40 }\n"
         "              pre_waveform { preset: \"antisymmetric\" } }\n"
         "populations { name: \"exc\" size: 3 lif_exp { tau_m_ms: 20 e_l_mV: -70 v_th_mV: -54 v_reset_mV: -70 }\n"
         "              post_waveform { preset: \"antisymmetric\" } }\n"
         "projections { name: \"p\" pre: \"input\" post: \"exc\" all_to_all {} delay_ms { constant: 1 }\n" +
         plastic + " }\n";
}

const std::string kStdp = "weight_pA { uniform { low: 100 high: 400 } } stdp { w_max_pA: 500 a2_plus: 0.05 }";
const std::string kEis =
    "eis { device_preset: \"protonic_wo3_ysz_14nm\" g_init_nS { uniform { low: 500 high: 1500 } }"
    " weight_pA_per_nS: 0.3 }";

std::vector<double> row_sums(const std::vector<double>& m, std::size_t rows) {
  std::vector<double> sums(rows, 0.0);
  const std::size_t cols = m.size() / rows;
  for (std::size_t r = 0; r < rows; ++r) sums[r] = std::accumulate(m.begin() + r * cols, m.begin() + (r + 1) * cols, 0.0);
  return sums;
}

}  // namespace

TEST_CASE("plastic input: normalise, learn, freeze, for trace STDP and for EIS devices", "[learning][eis]") {
  for (const std::string& kind : {kStdp, kEis}) {
    INFO(kind);
    Simulator sim(test::build_text(network_text(kind)));
    const std::uint32_t exc = sim.network().population_id("exc");
    auto input = find_plastic_input(sim, exc, 1.0, "test.pbtxt");
    REQUIRE(input->source_count() == 20);
    REQUIRE(input->target_count() == 3);
    const double target = 20 * 0.5 * (input->min_weight() + input->max_weight()) * 0.6;
    sim.run_until(300);
    input->normalise(target);
    for (double s : row_sums(input->weight_matrix(), 3)) CHECK(s == Approx(target).epsilon(1e-6));
    // Learning moves the weights ...
    const auto before = input->weight_matrix();
    sim.run_until(600);
    const auto learned = input->weight_matrix();
    CHECK(learned != before);
    // ... and frozen, they stay exactly where they are while the network keeps firing.
    input->freeze();
    const auto frozen = input->weight_matrix();
    sim.run_until(1000);
    CHECK(input->weight_matrix() == frozen);
  }
}

TEST_CASE("plastic input: impossible sums and an EIS learning-rate scale are refused", "[learning][eis]") {
  Simulator eis(test::build_text(network_text(kEis)));
  auto input = find_plastic_input(eis, eis.network().population_id("exc"), 1.0, "test.pbtxt");
  CHECK_THROWS_WITH(input->normalise(20 * input->max_weight() * 1.01), Catch::Contains("cannot be reached"));
  CHECK_THROWS_WITH(find_plastic_input(eis, eis.network().population_id("exc"), 2.0, "test.pbtxt"),
                    Catch::Contains("--stdp-scale must be 1"));
  Simulator none(test::build_text(network_text(kStdp)));
  CHECK_THROWS_WITH(find_plastic_input(none, none.network().population_id("input"), 1.0, "test.pbtxt"),
                    Catch::Contains("test.pbtxt: needs one plastic"));
}
