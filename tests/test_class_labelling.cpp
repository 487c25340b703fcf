// Labelling neurons by class responses, voting, and weight normalisation (learning/).
#include <catch2/catch.hpp>

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

TEST_CASE("weight normalisation scales each neuron's inputs to the target sum, clipping at w_max", "[learning]") {
  std::vector<SynapseSpec> specs;
  const std::vector<float> w = {0.1f, 0.2f, 0.3f, 0.4f, 0.9f, 0.05f, 0.05f, 0.0f};
  for (std::uint32_t pre = 0; pre < 4; ++pre)
    for (std::uint32_t post = 0; post < 2; ++post) specs.push_back({pre, post, w[pre * 2 + post], 1.0});
  StdpRule rule;
  rule.w_max = 1.0;
  StdpProjection proj("p", 0, 1, 4, 2, specs, rule, false);
  normalise_incoming_weights(proj, 2, 2.0);
  std::vector<double> sum(2, 0.0), max(2, 0.0);
  for (std::uint64_t k = 0; k < proj.synapse_count(); ++k) {
    sum[proj.synapses()[k].post] += proj.weight(k);
    max[proj.synapses()[k].post] = std::max(max[proj.synapses()[k].post], proj.weight(k));
  }
  // neuron 0: 0.1 0.3 0.9 0.05 scaled by 2/1.35, 0.9 -> 1.33 clipped to 1
  CHECK(max[0] == Approx(1.0));
  CHECK(sum[0] == Approx(0.45 * 2.0 / 1.35 + 1.0).epsilon(1e-6));
  // neuron 1: 0.2 0.4 0.05 0 scaled by 2/0.65, 0.4 -> 1.23 clipped to 1
  CHECK(max[1] == Approx(1.0));
  CHECK(sum[1] == Approx(0.25 * 2.0 / 0.65 + 1.0).epsilon(1e-6));
}
