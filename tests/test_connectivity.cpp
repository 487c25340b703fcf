// Connectors (counts, exclusions, exact lists, uniformity of the random choices), weights and
// delays drawn from distributions, the inhibitory sign convention, and the CSR delay-group
// tables of StaticProjection.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <numeric>
#include <stdexcept>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "synapses/static_projection.hpp"
#include "test_support.hpp"

using namespace ionspike;

namespace {

struct Edge {
  std::uint32_t pre, post;
  float weight;
  double delay_ms;
  auto key() const { return std::tuple(pre, post, weight, delay_ms); }
  bool operator<(const Edge& o) const { return key() < o.key(); }
  bool operator==(const Edge& o) const { return key() == o.key(); }
};

std::vector<Edge> edges(const StaticProjection& proj) {
  const auto pre = proj.presynaptic_indices();
  const auto delays = proj.delays_ms();
  std::vector<Edge> out;
  for (std::size_t i = 0; i < proj.synapse_count(); ++i)
    out.push_back({pre[i], proj.synapses()[i].post, proj.synapses()[i].weight, delays[i]});
  return out;
}

const StaticProjection& projection(const RuntimeNetwork& net, const std::string& name) {
  for (const auto& p : net.projections)
    if (p.name() == name) return p;
  throw std::out_of_range("no projection " + name);
}

std::string connect_net(const std::string& body, std::uint64_t seed = 5) {
  return "format_version: 1\nsimulation { seed: " + std::to_string(seed) + " min_delay_ms: 0.5 }\n"
         "populations { name: 'a' size: 30 lif_delta {} }\n"
         "populations { name: 'b' size: 20 lif_delta {} }\n"
         "populations { name: 'big' size: 1500 lif_delta {} }\n"
         "populations { name: 'ten' size: 10 lif_delta {} }\n"
         "populations { name: 'wide' size: 3000 lif_delta {} }\n"
         "populations { name: 'x' size: 12 lif_exp {} }\n" + body;
}

double mean_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }
double var_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size() - 1);
}

// Structural invariants of a CSR delay-group table.
void check_csr(const StaticProjection& proj, std::uint32_t pre_size) {
  INFO("projection " << proj.name());
  std::uint64_t expected_first = 0;
  std::uint32_t expected_group = 0;
  const auto pre = proj.presynaptic_indices();
  for (std::uint32_t i = 0; i < pre_size; ++i) {
    REQUIRE(proj.row_begin(i) == expected_group);  // rows are consecutive runs of groups
    REQUIRE(proj.row_end(i) >= proj.row_begin(i));
    for (std::uint32_t g = proj.row_begin(i); g < proj.row_end(i); ++g) {
      const std::size_t size = proj.group_size(g);
      REQUIRE(size > 0);  // no empty groups
      REQUIRE(proj.group_first(g) == expected_first);  // contiguous, in order
      if (proj.has_uniform_weight())
        REQUIRE(proj.group_targets(g).size() == size);
      else
        REQUIRE(proj.group_synapses(g).size() == size);
      if (g > proj.row_begin(i)) REQUIRE(proj.group_delay_ms(g) > proj.group_delay_ms(g - 1));  // ascending, distinct
      for (std::size_t k = 0; k < size; ++k) REQUIRE(pre[expected_first + k] == i);
      expected_first += size;
    }
    expected_group = proj.row_end(i);
  }
  REQUIRE(expected_first == proj.synapse_count());  // every synapse in exactly one group
}

}  // namespace

TEST_CASE("all_to_all connects every pair once, without autapses when disallowed", "[connectivity]") {
  const RuntimeNetwork net = test::build_text(connect_net(R"(
projections { name: "ab" pre: "a" post: "b" all_to_all {} weight_mV { constant: 1 } }
projections { name: "aa" pre: "a" post: "a" all_to_all {} weight_mV { constant: 1 } }
projections { name: "aa_no_self" pre: "a" post: "a" all_to_all { allow_autapses: false } weight_mV { constant: 1 } }
projections { name: "bb_no_self_other" pre: "b" post: "a" all_to_all { allow_autapses: false } weight_mV { constant: 1 } }
)"));
  auto pairs = [&](const std::string& name) {
    std::set<std::pair<std::uint32_t, std::uint32_t>> s;
    for (const Edge& e : edges(projection(net, name))) s.emplace(e.pre, e.post);
    return s;
  };
  CHECK(projection(net, "ab").synapse_count() == 600);
  CHECK(pairs("ab").size() == 600);
  CHECK(projection(net, "aa").synapse_count() == 900);
  CHECK(pairs("aa").count({7, 7}) == 1);
  CHECK(projection(net, "aa_no_self").synapse_count() == 870);
  CHECK(pairs("aa_no_self").size() == 870);
  for (std::uint32_t i = 0; i < 30; ++i) CHECK(pairs("aa_no_self").count({i, i}) == 0);
  // allow_autapses only matters within one population: b[i] -> a[i] are different neurons.
  CHECK(projection(net, "bb_no_self_other").synapse_count() == 600);
  for (const auto& p : net.projections) check_csr(p, net.populations[p.pre_population()]->size());
}

TEST_CASE("one_to_one connects i to i", "[connectivity]") {
  const RuntimeNetwork net = test::build_text(connect_net(R"(
projections { name: "aa" pre: "a" post: "a" one_to_one {} weight_mV { constant: 2 } delay_ms { constant: 1.5 } }
)"));
  const auto e = edges(projection(net, "aa"));
  REQUIRE(e.size() == 30);
  std::vector<Edge> want;
  for (std::uint32_t i = 0; i < 30; ++i) want.push_back({i, i, 2.0f, 1.5});
  auto got = e;
  std::sort(got.begin(), got.end());
  CHECK(got == want);
}

TEST_CASE("fixed_probability: binomial counts, uniform degrees, no autapses when disallowed", "[connectivity][stats]") {
  const double p = 0.05;
  const RuntimeNetwork net = test::build_text(connect_net(R"(
projections { name: "self" pre: "big" post: "big" fixed_probability { p: 0.05 allow_autapses: false } weight_mV { constant: 1 } }
projections { name: "self_aut" pre: "big" post: "big" fixed_probability { p: 0.05 } weight_mV { constant: 1 } }
projections { name: "cross" pre: "ten" post: "wide" fixed_probability { p: 0.3 } weight_mV { constant: 1 } }
projections { name: "all" pre: "a" post: "b" fixed_probability { p: 1 } weight_mV { constant: 1 } }
projections { name: "none" pre: "a" post: "b" fixed_probability { p: 0 } weight_mV { constant: 1 } }
)"));
  const double n = 1500;
  SECTION("self, no autapses") {
    const auto e = edges(projection(net, "self"));
    const double pairs = n * (n - 1);
    CHECK(std::abs(static_cast<double>(e.size()) - p * pairs) < 3 * std::sqrt(pairs * p * (1 - p)));
    std::set<std::pair<std::uint32_t, std::uint32_t>> unique;
    std::vector<double> in_degree(1500, 0.0), out_degree(1500, 0.0);
    for (const Edge& x : e) {
      CHECK(x.pre != x.post);
      unique.emplace(x.pre, x.post);
      in_degree[x.post] += 1;
      out_degree[x.pre] += 1;
    }
    CHECK(unique.size() == e.size());  // Bernoulli per pair: never twice
    // Degrees are Binomial(n - 1, p): mean and variance (3 sigma of the sample variance).
    const double var = (n - 1) * p * (1 - p);
    for (const auto* deg : {&in_degree, &out_degree}) {
      CHECK(std::abs(mean_of(*deg) - (n - 1) * p) < 3 * std::sqrt(var / n));
      CHECK(std::abs(var_of(*deg) - var) < 3 * var * std::sqrt(2 / (n - 1)));
    }
  }
  SECTION("self, autapses allowed") {
    const auto e = edges(projection(net, "self_aut"));
    const double pairs = n * n;
    CHECK(std::abs(static_cast<double>(e.size()) - p * pairs) < 3 * std::sqrt(pairs * p * (1 - p)));
    const auto autapses = std::count_if(e.begin(), e.end(), [](const Edge& x) { return x.pre == x.post; });
    CHECK(std::abs(static_cast<double>(autapses) - p * n) < 3 * std::sqrt(n * p * (1 - p)));
  }
  SECTION("between populations: each presynaptic neuron equally likely") {
    const auto e = edges(projection(net, "cross"));
    const double pairs = 10.0 * 3000.0;
    CHECK(std::abs(static_cast<double>(e.size()) - 0.3 * pairs) < 3 * std::sqrt(pairs * 0.3 * 0.7));
    std::vector<double> out(10, 0.0);
    for (const Edge& x : e) out[x.pre] += 1;
    for (double c : out) CHECK(std::abs(c - 900.0) < 3.5 * std::sqrt(3000 * 0.3 * 0.7));
  }
  CHECK(projection(net, "all").synapse_count() == 600);
  CHECK(projection(net, "none").synapse_count() == 0);
  for (const auto& pr : net.projections) check_csr(pr, net.populations[pr.pre_population()]->size());
}

TEST_CASE("fixed_in_degree: exactly k per target, with and without multapses and autapses", "[connectivity][stats]") {
  const RuntimeNetwork net = test::build_text(connect_net(R"(
projections { name: "multi" pre: "big" post: "big" fixed_in_degree { k: 40 } weight_mV { constant: 1 } }
projections { name: "distinct" pre: "big" post: "big" fixed_in_degree { k: 40 allow_autapses: false allow_multapses: false } weight_mV { constant: 1 } }
projections { name: "full" pre: "a" post: "a" fixed_in_degree { k: 29 allow_autapses: false allow_multapses: false } weight_mV { constant: 1 } }
projections { name: "subsets" pre: "ten" post: "wide" fixed_in_degree { k: 3 allow_multapses: false } weight_mV { constant: 1 } }
projections { name: "no_self_multi" pre: "ten" post: "ten" fixed_in_degree { k: 100 allow_autapses: false } weight_mV { constant: 1 } }
)"));
  auto per_target = [&](const std::string& name, std::uint32_t post_size) {
    std::vector<std::vector<std::uint32_t>> in(post_size);
    for (const Edge& x : edges(projection(net, name))) in[x.post].push_back(x.pre);
    return in;
  };
  SECTION("multapses and autapses allowed") {
    const auto in = per_target("multi", 1500);
    std::size_t duplicates = 0, autapses = 0;
    std::vector<double> out(1500, 0.0);
    for (std::uint32_t post = 0; post < 1500; ++post) {
      REQUIRE(in[post].size() == 40);
      std::set<std::uint32_t> s(in[post].begin(), in[post].end());
      duplicates += 40 - s.size();
      autapses += s.count(post);
      for (std::uint32_t pre : in[post]) out[pre] += 1;
    }
    // With replacement: about k(k-1)/(2n) = 0.52 repeats per target, and 40/1500 autapses each.
    CHECK(duplicates > 500);
    CHECK(duplicates < 1100);
    CHECK(autapses > 15);
    // Out-degrees Binomial(1500 * 40, 1/1500): mean 40, variance ~ 40.
    CHECK(std::abs(var_of(out) - 40.0 * (1 - 1 / 1500.0)) < 3 * 40.0 * std::sqrt(2 / 1499.0));
  }
  SECTION("no multapses, no autapses") {
    const auto in = per_target("distinct", 1500);
    std::vector<double> out(1500, 0.0);
    for (std::uint32_t post = 0; post < 1500; ++post) {
      REQUIRE(in[post].size() == 40);
      const std::set<std::uint32_t> s(in[post].begin(), in[post].end());
      REQUIRE(s.size() == 40);
      REQUIRE(s.count(post) == 0);
      for (std::uint32_t pre : in[post]) out[pre] += 1;
    }
    // Each presynaptic neuron is eligible for 1499 targets with probability 40/1499 each.
    const double q = 40.0 / 1499.0, var = 1499.0 * q * (1 - q);
    CHECK(std::abs(mean_of(out) - 40.0) < 1e-12);
    CHECK(std::abs(var_of(out) - var) < 3 * var * std::sqrt(2 / 1499.0));
    // Neighbours of the target (the skipped index) are not favoured.
    double next_to_self = 0;
    for (std::uint32_t post = 0; post < 1500; ++post) next_to_self += std::count(in[post].begin(), in[post].end(), (post + 1) % 1500);
    CHECK(std::abs(next_to_self - 1500 * q) < 3 * std::sqrt(1500 * q));
  }
  SECTION("k = n - 1 without multapses or autapses: every other neuron exactly once") {
    const auto in = per_target("full", 30);
    for (std::uint32_t post = 0; post < 30; ++post) {
      std::vector<std::uint32_t> want;
      for (std::uint32_t i = 0; i < 30; ++i)
        if (i != post) want.push_back(i);
      auto got = in[post];
      std::sort(got.begin(), got.end());
      CHECK(got == want);
    }
  }
  SECTION("subsets without multapses are uniform (chi-square over all 120 subsets)") {
    const auto in = per_target("subsets", 3000);
    std::map<std::vector<std::uint32_t>, double> count;
    for (auto s : in) {
      REQUIRE(s.size() == 3);
      std::sort(s.begin(), s.end());
      REQUIRE(std::adjacent_find(s.begin(), s.end()) == s.end());
      count[s] += 1;
    }
    CHECK(count.size() == 120);
    double chi2 = 0;
    for (const auto& [s, c] : count) chi2 += (c - 25.0) * (c - 25.0) / 25.0;
    chi2 += (120.0 - static_cast<double>(count.size())) * 25.0;
    CHECK(std::abs(chi2 - 119.0) < 3 * std::sqrt(2 * 119.0));
  }
  SECTION("multapses allowed, autapses not: k may exceed the eligible count") {
    const auto in = per_target("no_self_multi", 10);
    for (std::uint32_t post = 0; post < 10; ++post) {
      REQUIRE(in[post].size() == 100);
      CHECK(std::count(in[post].begin(), in[post].end(), post) == 0);
      CHECK(std::set<std::uint32_t>(in[post].begin(), in[post].end()).size() == 9);  // P(one missing) < 1e-4
    }
  }
  for (const auto& pr : net.projections) check_csr(pr, net.populations[pr.pre_population()]->size());
}

TEST_CASE("from_list creates exactly the listed synapses with their overrides", "[connectivity]") {
  const RuntimeNetwork net = test::build_text(connect_net(R"(
projections { name: "l" pre: "a" post: "b" weight_mV { constant: 1.5 } delay_ms { constant: 2 } from_list {
  connections { pre: 0 post: 0 }
  connections { pre: 29 post: 19 weight: -4.25 }
  connections { pre: 3 post: 7 delay_ms: 0.75 }
  connections { pre: 3 post: 7 delay_ms: 0.75 }
  connections { pre: 3 post: 8 weight: 9 delay_ms: 12.5 }
  connections { pre: 3 post: 2 weight: 0.1 } } }
projections { name: "l_inh" pre: "a" post: "b" weight_mV { uniform { low: 1 high: 2 } } receptor: INHIBITORY from_list {
  connections { pre: 1 post: 1 weight: 3 } connections { pre: 2 post: 2 weight: -3 } connections { pre: 4 post: 4 } } }
projections { name: "l_only" pre: "a" post: "x" from_list { connections { pre: 5 post: 11 weight: 250 delay_ms: 1 } } }
)"));
  auto got = edges(projection(net, "l"));
  std::sort(got.begin(), got.end());
  std::vector<Edge> want = {{0, 0, 1.5f, 2.0}, {29, 19, -4.25f, 2.0}, {3, 7, 1.5f, 0.75}, {3, 7, 1.5f, 0.75},
                            {3, 8, 9.0f, 12.5}, {3, 2, 0.1f, 2.0}};
  std::sort(want.begin(), want.end());
  CHECK(got == want);

  const auto inh = edges(projection(net, "l_inh"));
  REQUIRE(inh.size() == 3);
  for (const Edge& e : inh) {
    if (e.pre == 1 || e.pre == 2) CHECK(e.weight == -3.0f);
    if (e.pre == 4) CHECK((e.weight <= -1.0f && e.weight >= -2.0f));
    CHECK(e.delay_ms == 0.5);  // simulation.min_delay_ms
  }
  CHECK(edges(projection(net, "l_only")) == std::vector<Edge>{{5, 11, 250.0f, 1.0}});
  for (const auto& pr : net.projections) check_csr(pr, net.populations[pr.pre_population()]->size());
}

TEST_CASE("weights and delays follow their distributions, inhibitory weights are -|w|", "[connectivity][stats]") {
  const RuntimeNetwork net = test::build_text(connect_net(R"(
projections { name: "u" pre: "big" post: "big" fixed_in_degree { k: 40 } weight_mV { uniform { low: 50 high: 150 } }
  delay_ms { uniform { low: 0.5 high: 2.5 } } }
projections { name: "n" pre: "big" post: "big" fixed_in_degree { k: 40 } weight_mV { normal { mean: 10 stddev: 3 low: 5 high: 20 } }
  delay_ms { normal { mean: 2 stddev: 0.5 low: 1 high: 3 } } }
projections { name: "inh" pre: "big" post: "big" fixed_in_degree { k: 40 } weight_mV { uniform { low: -2 high: 5 } }
  receptor: INHIBITORY }
projections { name: "inh_const" pre: "a" post: "b" all_to_all {} weight_mV { constant: 0.7 } receptor: INHIBITORY }
projections { name: "neg_exc" pre: "a" post: "b" all_to_all {} weight_mV { constant: -0.7 } }
projections { name: "inh_neg" pre: "a" post: "b" all_to_all {} weight_mV { constant: -0.7 } receptor: INHIBITORY }
)"));
  const double count = 60000;
  auto weights = [&](const std::string& name) {
    std::vector<double> w;
    for (const Edge& e : edges(projection(net, name))) w.push_back(e.weight);
    return w;
  };
  auto delays = [&](const std::string& name) { return projection(net, name).delays_ms(); };
  SECTION("uniform") {
    const auto w = weights("u");
    REQUIRE(w.size() == count);
    for (double x : w) REQUIRE((x >= 50 && x <= 150));
    const double sd = 100 / std::sqrt(12.0);
    CHECK(std::abs(mean_of(w) - 100) < 3 * sd / std::sqrt(count));
    CHECK(std::abs(var_of(w) - sd * sd) < 3 * sd * sd * std::sqrt(0.8 / count));  // kurtosis 1.8
    const auto d = delays("u");
    for (double x : d) REQUIRE((x >= 0.5 && x < 2.5));
    CHECK(std::abs(mean_of(d) - 1.5) < 3 * (2 / std::sqrt(12.0)) / std::sqrt(count));
    CHECK(std::set<double>(d.begin(), d.end()).size() > 59000);  // continuous, not gridded
  }
  SECTION("truncated normal") {
    // Mean and sd of Normal(mu, s) truncated to [lo, hi].
    auto truncated = [](double mu, double s, double lo, double hi) {
      auto pdf = [](double z) { return std::exp(-z * z / 2) / std::sqrt(2 * std::numbers::pi); };
      auto cdf = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
      const double a = (lo - mu) / s, b = (hi - mu) / s, Z = cdf(b) - cdf(a);
      const double mean = mu + s * (pdf(a) - pdf(b)) / Z;
      const double var = s * s * (1 + (a * pdf(a) - b * pdf(b)) / Z - std::pow((pdf(a) - pdf(b)) / Z, 2));
      return std::pair{mean, std::sqrt(var)};
    };
    const auto w = weights("n");
    for (double x : w) REQUIRE((x >= 5 && x <= 20));
    const auto [wm, ws] = truncated(10, 3, 5, 20);
    CHECK(std::abs(mean_of(w) - wm) < 3 * ws / std::sqrt(count));
    CHECK(std::abs(std::sqrt(var_of(w)) - ws) < 3 * ws / std::sqrt(2 * count) * 1.2);
    // Redrawn, not clamped: no pile-up at the bounds.
    CHECK(std::count(w.begin(), w.end(), 5.0) == 0);
    const auto d = delays("n");
    for (double x : d) REQUIRE((x >= 1 && x <= 3));
    const auto [dm, ds] = truncated(2, 0.5, 1, 3);
    CHECK(std::abs(mean_of(d) - dm) < 3 * ds / std::sqrt(count));
  }
  SECTION("inhibitory receptor") {
    const auto w = weights("inh");
    // -|U(-2, 5)|: in [-5, 0], mean -(2^2 + 5^2) / (2 * 7) = -29/14.
    std::size_t from_negative = 0;
    for (double x : w) {
      REQUIRE((x <= 0 && x >= -5));
      if (x > -2) ++from_negative;
    }
    CHECK(std::abs(mean_of(w) + 29.0 / 14.0) < 3 * 1.5 / std::sqrt(count));
    // P(|U| < 2) = 4/7: both signs of the draw end up inhibitory.
    CHECK(std::abs(static_cast<double>(from_negative) - count * 4 / 7) < 3 * std::sqrt(count * 4 / 7 * 3 / 7));
    for (double x : weights("inh_const")) CHECK(x == -0.7f);
    for (double x : weights("inh_neg")) CHECK(x == -0.7f);
    for (double x : weights("neg_exc")) CHECK(x == -0.7f);  // NEST convention: stays negative
  }
  for (const auto& pr : net.projections) check_csr(pr, net.populations[pr.pre_population()]->size());
}

TEST_CASE("StaticProjection groups each row by ascending delay and keeps the input order within a group",
          "[connectivity][csr]") {
  std::mt19937_64 rng(99);
  const std::uint32_t pre_size = 50;
  const double delay_values[] = {0.5, 1.0, 1.25, 3.0, 7.75};
  std::vector<SynapseSpec> specs;
  for (std::uint32_t k = 0; k < 5000; ++k) {
    const auto pre = static_cast<std::uint32_t>(rng() % 45);  // pre 45..49 have no synapses
    specs.push_back({pre, k, static_cast<float>(k) * 0.5f, delay_values[rng() % 5]});
  }
  const StaticProjection proj("p", 0, 1, pre_size, specs);
  REQUIRE(proj.synapse_count() == specs.size());
  check_csr(proj, pre_size);
  for (std::uint32_t pre = 45; pre < 50; ++pre) CHECK(proj.row_begin(pre) == proj.row_end(pre));

  for (std::uint32_t pre = 0; pre < pre_size; ++pre) {
    for (std::uint32_t g = proj.row_begin(pre); g < proj.row_end(pre); ++g) {
      // The group holds exactly the specs of (pre, delay), in their input order (post = index).
      std::vector<std::uint32_t> want;
      for (std::uint32_t k = 0; k < specs.size(); ++k)
        if (specs[k].pre == pre && specs[k].delay_ms == proj.group_delay_ms(g)) want.push_back(k);
      std::vector<std::uint32_t> got;
      for (const StaticSynapse& s : proj.group_synapses(g)) {
        got.push_back(s.post);
        CHECK(s.weight == static_cast<float>(s.post) * 0.5f);
      }
      REQUIRE(got == want);
    }
    // Every delay used by this row has a group.
    std::set<double> used;
    for (const auto& s : specs)
      if (s.pre == pre) used.insert(s.delay_ms);
    CHECK(proj.row_end(pre) - proj.row_begin(pre) == used.size());
  }
  // Empty projection and one-row projection.
  const StaticProjection empty("e", 0, 1, 3, {});
  CHECK(empty.synapse_count() == 0);
  for (std::uint32_t pre = 0; pre < 3; ++pre) CHECK(empty.row_begin(pre) == empty.row_end(pre));
  const StaticProjection one("o", 0, 1, 1, {{0, 4, 1.0f, 2.0}, {0, 3, 1.0f, 1.0}, {0, 2, 1.0f, 2.0}});
  REQUIRE(one.row_end(0) - one.row_begin(0) == 2);
  CHECK(one.group_delay_ms(0) == 1.0);
  REQUIRE(one.has_uniform_weight());  // every weight 1.0f: targets stored, the weight once
  CHECK(one.uniform_weight() == 1.0f);
  CHECK(one.group_targets(0).size() == 1);
  CHECK(one.group_targets(1)[0] == 4);
  CHECK(one.group_targets(1)[1] == 2);
  CHECK(one.synapses()[2].post == 2);
  CHECK(one.synapses()[2].weight == 1.0f);
  CHECK(one.delays_ms() == std::vector<double>{1.0, 2.0, 2.0});
  CHECK(one.presynaptic_indices() == std::vector<std::uint32_t>{0, 0, 0});
}

TEST_CASE("StaticProjection stores uniform weights once and is otherwise the same table", "[connectivity][csr]") {
  std::mt19937_64 rng(7);
  const double delay_values[] = {0.5, 1.0, 3.0};
  for (const bool uniform : {true, false}) {
    std::vector<SynapseSpec> specs;
    for (std::uint32_t k = 0; k < 3000; ++k)
      specs.push_back({static_cast<std::uint32_t>(rng() % 40), static_cast<std::uint32_t>(rng() % 100),
                       uniform || k != 1234 ? -0.7f : 0.25f, delay_values[rng() % 3]});
    const StaticProjection automatic("a", 0, 1, 40, specs);
    const StaticProjection full("f", 0, 1, 40, specs, StaticProjection::Storage::PerSynapseWeights);
    CHECK(automatic.has_uniform_weight() == uniform);
    CHECK_FALSE(full.has_uniform_weight());
    check_csr(automatic, 40);
    REQUIRE(automatic.group_count() == full.group_count());
    for (std::uint32_t g = 0; g < full.group_count(); ++g) {
      REQUIRE(automatic.group_first(g) == full.group_first(g));
      REQUIRE(automatic.group_delay_ms(g) == full.group_delay_ms(g));
      const auto f = full.group_synapses(g);
      REQUIRE(automatic.group_size(g) == f.size());
      for (std::size_t k = 0; k < f.size(); ++k) {
        const StaticSynapse a = automatic.synapses()[full.group_first(g) + k];
        REQUIRE(a.post == f[k].post);
        REQUIRE(a.weight == f[k].weight);
        if (uniform) REQUIRE(automatic.group_targets(g)[k] == f[k].post);
      }
    }
  }
  // -0 and +0 are different weights (bit for bit): per-synapse storage.
  const StaticProjection zeros("z", 0, 1, 1, {{0, 1, 0.0f, 1.0}, {0, 2, -0.0f, 1.0}});
  CHECK_FALSE(zeros.has_uniform_weight());
}
