// Labelling neurons by class responses, voting, and weight normalisation (learning/).
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "learning/class_labelling.hpp"
#include "learning/weight_normalisation.hpp"

using namespace ionspike;

TEST_CASE("neurons get the class they respond to most, images the class their neurons vote for", "[learning]") {
  ResponseTable table(4, 3);
  // neuron 0 prefers class 0, neuron 1 class 2, neuron 2 class 1 (in mean, not in total:
  // class 1 is shown once, class 0 three times), neuron 3 never fires.
  table.add(std::vector<std::uint32_t>{5, 0, 2, 0}, 0);
  table.add(std::vector<std::uint32_t>{4, 1, 2, 0}, 0);
  table.add(std::vector<std::uint32_t>{6, 0, 2, 0}, 0);
  table.add(std::vector<std::uint32_t>{1, 0, 3, 0}, 1);
  table.add(std::vector<std::uint32_t>{0, 7, 0, 0}, 2);
  const auto labels = table.assign_labels();
  CHECK(labels == std::vector<std::int32_t>{0, 2, 1, kNoLabel});
  CHECK(classify(std::vector<std::uint32_t>{3, 1, 0, 9}, labels, 3) == 0);
  CHECK(classify(std::vector<std::uint32_t>{1, 1, 2, 0}, labels, 3) == 1);
  CHECK(classify(std::vector<std::uint32_t>{0, 0, 0, 5}, labels, 3) == kNoLabel);  // only an unlabelled neuron fired
  CHECK_THROWS(table.add(std::vector<std::uint32_t>{1, 2, 3}, 0));
  CHECK_THROWS(table.add(std::vector<std::uint32_t>{1, 2, 3, 4}, 3));
}

TEST_CASE("weight normalisation scales each neuron's inputs to the target sum exactly, within w_max", "[learning]") {
  std::vector<SynapseSpec> specs;
  const std::vector<float> w = {0.1f, 0.2f, 0.3f, 0.4f, 0.9f, 0.05f, 0.05f, 0.0f};
  for (std::uint32_t pre = 0; pre < 4; ++pre)
    for (std::uint32_t post = 0; post < 2; ++post) specs.push_back({pre, post, w[pre * 2 + post], 1.0});
  StdpRule rule;
  rule.w_max = 1.0;
  StdpProjection proj("p", 0, 1, 4, 2, specs, rule, false);
  normalise_incoming_weights(proj, 2, 2.0);
  std::vector<std::vector<double>> by_post(2);
  for (std::uint64_t k = 0; k < proj.synapse_count(); ++k) by_post[proj.synapses()[k].post].push_back(proj.weight(k));
  // neuron 0: 0.1 0.3 0.9 0.05; x 2/1.35 would take 0.9 to 1.33: it stops at 1 and the others
  // share the remaining 1 in proportion: x 1/0.45
  CHECK_THAT(by_post[0], Catch::Approx(std::vector<double>{0.1 / 0.45, 0.3 / 0.45, 1.0, 0.05 / 0.45}).epsilon(1e-6));
  // neuron 1: 0.2 0.4 0.05 0: 0.4 stops at 1, the others x 1/0.25
  CHECK_THAT(by_post[1], Catch::Approx(std::vector<double>{0.8, 1.0, 0.2, 0.0}).epsilon(1e-6));
}

TEST_CASE("scale_to_sum: one factor, bounds respected, exact sum, impossible targets refused", "[learning]") {
  SECTION("a value pushed below the lower bound stays there; the rest shares the sum") {
    std::vector<double> g = {10.0, 400.0, 1000.0, 1600.0};  // an EIS device's nS, bounds [10, 1990]
    scale_to_sum(g, 1500.0, 10.0, 1990.0);
    CHECK(g[0] == 10.0);
    CHECK(g[1] + g[2] + g[3] == Approx(1490.0).epsilon(1e-14));
    CHECK(g[2] / g[1] == Approx(2.5).epsilon(1e-14));
    CHECK(g[3] / g[1] == Approx(4.0).epsilon(1e-14));
  }
  SECTION("random values: the sum is met and the order kept") {
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<double> v(64);
      for (double& x : v) x = u(rng) * u(rng);
      const double target = 1.0 + 50.0 * u(rng);
      std::vector<double> scaled = v;
      scale_to_sum(scaled, target, 0.0, 1.0);
      double sum = 0.0;
      for (std::size_t i = 0; i < v.size(); ++i) {
        sum += scaled[i];
        REQUIRE(scaled[i] >= 0.0);
        REQUIRE(scaled[i] <= 1.0);
        for (std::size_t j = 0; j < v.size(); ++j)
          if (v[i] < v[j]) REQUIRE(scaled[i] <= scaled[j]);
      }
      REQUIRE(sum == Approx(target).epsilon(1e-12));
    }
  }
  SECTION("targets outside [n lo, n hi] are refused with the allowed range") {
    std::vector<double> v = {0.5, 0.5};
    CHECK_THROWS_WITH(scale_to_sum(v, 2.5, 0.0, 1.0), Catch::Contains("allowed: [0.000000, 2.000000]"));
    CHECK_THROWS_WITH(scale_to_sum(v, 0.1, 0.1, 1.0), Catch::Contains("cannot be reached"));
    std::vector<double> zeros = {0.0, 0.0};
    CHECK_THROWS_WITH(scale_to_sum(zeros, 1.0, 0.0, 1.0), Catch::Contains("sum to 0"));
  }
}
