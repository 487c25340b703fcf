// Spike sources: statistics of the Poisson source (counts, uniformity across neurons,
// exponential intervals, Poisson counting statistics, start/stop window) and exactness of
// spike_source_array.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "neurons/spike_sources.hpp"
#include "test_support.hpp"

using namespace ionspike;

namespace {

// Spikes of one population from the first recorder, in recording order.
std::vector<SpikeRecord> spikes_of(const Simulator& sim, const std::string& population) {
  const std::uint32_t id = sim.network().population_id(population);
  std::vector<SpikeRecord> out;
  for (const SpikeRecord& s : sim.network().spike_recorders.at(0).spikes())
    if (s.population == id) out.push_back(s);
  return out;
}

// Kolmogorov-Smirnov statistic sqrt(n) D_n of samples against Exp(rate).
double ks_exponential(std::vector<double> x, double rate) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = 1.0 - std::exp(-rate * x[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return std::sqrt(n) * d;
}

const char* kPoissonNetwork = R"(
format_version: 1
simulation { seed: 7 }
populations { name: "many" size: 200 poisson_source { rate_Hz: 20 } }
populations { name: "few" size: 7 poisson_source { rate_Hz: 300 } }
populations { name: "window" size: 50 poisson_source { rate_Hz: 1000 start_ms: 100 stop_ms: 350 } }
populations { name: "silent" size: 10 poisson_source { rate_Hz: 0 } }
spike_recorders { name: "spikes" }
)";
constexpr double kRunMs = 50'000.0;

const Simulator& poisson_run() {
  static const Simulator sim = test::run_text(kPoissonNetwork, kRunMs);
  return sim;
}

}  // namespace

TEST_CASE("Poisson source: population counts have mean N rate T (3 sigma)", "[spike_sources][stats]") {
  const Simulator& sim = poisson_run();
  for (const auto& [name, n, rate] : {std::tuple{"many", 200.0, 20.0}, std::tuple{"few", 7.0, 300.0}}) {
    INFO(name);
    const double mean = n * rate * kRunMs * 1e-3;
    const double count = static_cast<double>(spikes_of(sim, name).size());
    CHECK(std::abs(count - mean) < 3.0 * std::sqrt(mean));
    CHECK(sim.counters().spikes_per_population[sim.network().population_id(name)] == spikes_of(sim, name).size());
  }
  CHECK(spikes_of(sim, "silent").empty());
}

TEST_CASE("Poisson source: spikes are spread uniformly over the neurons (chi-square)", "[spike_sources][stats]") {
  const Simulator& sim = poisson_run();
  for (const auto& [name, n] : {std::pair{"many", 200u}, std::pair{"few", 7u}}) {
    INFO(name);
    std::vector<double> counts(n, 0.0);
    const auto spikes = spikes_of(sim, name);
    for (const SpikeRecord& s : spikes) {
      REQUIRE(s.neuron < n);
      counts[s.neuron] += 1;
    }
    const double expected = static_cast<double>(spikes.size()) / n;
    double chi2 = 0;
    for (double c : counts) chi2 += (c - expected) * (c - expected) / expected;
    const double df = n - 1.0;
    // chi2 has mean df and variance 2 df; too uniform is as suspicious as too uneven.
    CHECK(std::abs(chi2 - df) < 3.0 * std::sqrt(2.0 * df));
  }
}

TEST_CASE("Poisson source: intervals of one neuron are exponential with mean 1/rate and CV 1",
          "[spike_sources][stats]") {
  const Simulator& sim = poisson_run();
  for (const auto& [name, neuron, rate_Hz] : {std::tuple{"few", 3u, 300.0}, std::tuple{"many", 117u, 20.0}}) {
    INFO(name << "[" << neuron << "]");
    std::vector<double> t;
    for (const SpikeRecord& s : spikes_of(sim, name))
      if (s.neuron == neuron) t.push_back(s.t_ms);
    REQUIRE(std::is_sorted(t.begin(), t.end()));
    std::vector<double> isi;
    for (std::size_t i = 1; i < t.size(); ++i) isi.push_back(t[i] - t[i - 1]);
    const double n = static_cast<double>(isi.size());
    REQUIRE(n > 500);
    const double mean = std::accumulate(isi.begin(), isi.end(), 0.0) / n;
    double var = 0;
    for (double x : isi) var += (x - mean) * (x - mean);
    var /= n - 1;
    const double expected_mean = 1000.0 / rate_Hz;
    CHECK(std::abs(mean - expected_mean) < 3.0 * expected_mean / std::sqrt(n));
    // For exponential intervals the sample CV has standard error 1/sqrt(n).
    CHECK(std::abs(std::sqrt(var) / mean - 1.0) < 3.0 / std::sqrt(n));
    // Kolmogorov-Smirnov at the 1 % level.
    CHECK(ks_exponential(isi, rate_Hz * 1e-3) < 1.63);
    // The fraction of intervals longer than the mean is 1/e (binomial, 3 sigma).
    const double longer = static_cast<double>(std::count_if(isi.begin(), isi.end(), [&](double x) { return x > expected_mean; }));
    const double p = std::exp(-1.0);
    CHECK(std::abs(longer - n * p) < 3.0 * std::sqrt(n * p * (1 - p)));
  }
}

TEST_CASE("Poisson source: counts in time bins are Poisson (Fano factor 1)", "[spike_sources][stats]") {
  const Simulator& sim = poisson_run();
  const double bin_ms = 10.0;
  const std::size_t bins = static_cast<std::size_t>(kRunMs / bin_ms);
  std::vector<double> counts(bins, 0.0);
  for (const SpikeRecord& s : spikes_of(sim, "many")) counts[std::min(bins - 1, static_cast<std::size_t>(s.t_ms / bin_ms))] += 1;
  const double mean = std::accumulate(counts.begin(), counts.end(), 0.0) / bins;
  double var = 0;
  for (double c : counts) var += (c - mean) * (c - mean);
  var /= bins - 1.0;
  CHECK(mean == Approx(200 * 20 * bin_ms * 1e-3).epsilon(0.02));
  CHECK(std::abs(var / mean - 1.0) < 3.0 * std::sqrt(2.0 / (bins - 1.0)));
}

TEST_CASE("Poisson source: start_ms and stop_ms are respected exactly", "[spike_sources]") {
  const Simulator& sim = poisson_run();
  const auto spikes = spikes_of(sim, "window");
  const double mean = 50 * 1000.0 * (350.0 - 100.0) * 1e-3;
  CHECK(std::abs(static_cast<double>(spikes.size()) - mean) < 3.0 * std::sqrt(mean));
  double first = 1e300, last = -1e300;
  for (const SpikeRecord& s : spikes) {
    CHECK(s.t_ms >= 100.0);
    CHECK(s.t_ms < 350.0);
    first = std::min(first, s.t_ms);
    last = std::max(last, s.t_ms);
  }
  // The window is used up to its edges (total rate 50 per ms).
  CHECK(first < 100.2);
  CHECK(last > 349.8);
  // Each neuron of the window fires at rate 1000 Hz inside it.
  std::vector<double> per_neuron(50, 0.0);
  for (const SpikeRecord& s : spikes) per_neuron[s.neuron] += 1;
  for (double c : per_neuron) CHECK(std::abs(c - 250.0) < 5.0 * std::sqrt(250.0));
}

TEST_CASE("Poisson source: a run cut before start_ms sees nothing and continues exactly", "[spike_sources]") {
  // A run cut before start sees nothing; continuing sees the same spikes as one run.
  const std::string text = R"(
format_version: 1
populations { name: "p" size: 3 poisson_source { rate_Hz: 500 start_ms: 20 stop_ms: 20.5 } }
spike_recorders { name: "spikes" }
)";
  Simulator pieces(test::build_text(text));
  pieces.run_until(19.999);
  CHECK(pieces.network().spike_recorders[0].spikes().empty());
  pieces.run_until(100);
  const Simulator whole = test::run_text(text, 100);
  const auto& a = pieces.network().spike_recorders[0].spikes();
  const auto& b = whole.network().spike_recorders[0].spikes();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].t_ms == b[i].t_ms);
    CHECK(a[i].neuron == b[i].neuron);
    CHECK(a[i].t_ms >= 20.0);
    CHECK(a[i].t_ms < 20.5);
  }
}

TEST_CASE("spike_source_array emits exactly the listed times", "[spike_sources]") {
  const std::string text = R"(
format_version: 1
populations { name: "own" size: 3 spike_source_array {
  trains { times_ms: [0, 0.1, 1.25, 7] }
  trains { times_ms: [] }
  trains { times_ms: [0.30000000000000004, 1.25, 3.3333333333333335, 999.5] } } }
populations { name: "shared" size: 4 spike_source_array { trains { times_ms: [0.5, 1.25, 2.75, 1000] } } }
populations { name: "single" size: 1 spike_source_array { trains { times_ms: [5e-324, 42] } } }
spike_recorders { name: "spikes" }
)";
  const Simulator sim = test::run_text(text, 1000.0);  // events at exactly t_stop are included
  using Train = std::vector<std::pair<double, std::uint32_t>>;
  auto train_of = [&](const std::string& name) {
    Train t;
    for (const SpikeRecord& s : spikes_of(sim, name)) t.emplace_back(s.t_ms, s.neuron);
    return t;
  };
  // Recording order is time order, ties by neuron index.
  CHECK(train_of("own") == Train{{0, 0}, {0.1, 0}, {0.30000000000000004, 2}, {1.25, 0}, {1.25, 2},
                                 {3.3333333333333335, 2}, {7, 0}, {999.5, 2}});
  Train shared;
  for (double t : {0.5, 1.25, 2.75, 1000.0})
    for (std::uint32_t n = 0; n < 4; ++n) shared.emplace_back(t, n);
  CHECK(train_of("shared") == shared);
  CHECK(train_of("single") == Train{{5e-324, 0}, {42, 0}});
  // The recorder as a whole is in time order across populations.
  const auto& all = sim.network().spike_recorders[0].spikes();
  CHECK(all.size() == 8 + 16 + 2);
  CHECK(std::is_sorted(all.begin(), all.end(), [](const SpikeRecord& a, const SpikeRecord& b) { return a.t_ms < b.t_ms; }));
  CHECK(sim.counters().spikes == all.size());
}

TEST_CASE("spike_source_array stops at t_stop and resumes", "[spike_sources]") {
  const std::string text = R"(
format_version: 1
populations { name: "s" size: 2 spike_source_array { trains { times_ms: [1, 2, 3] } trains { times_ms: [2, 2.5] } } }
spike_recorders { name: "spikes" }
)";
  Simulator sim(test::build_text(text));
  sim.run_until(2.0);
  CHECK(sim.network().spike_recorders[0].spikes().size() == 3);  // 1 (n0), 2 (n0), 2 (n1)
  sim.run_until(2.4999);
  CHECK(sim.network().spike_recorders[0].spikes().size() == 3);
  sim.run_until(10.0);
  CHECK(sim.network().spike_recorders[0].spikes().size() == 5);
  CHECK(sim.pending_events() == 0);
}

TEST_CASE("Poisson rates set per neuron between runs: counts follow the rates, old events are dropped",
          "[sources][poisson]") {
  const std::string text = R"(format_version: 1
populations { name: 'in' size: 4 poisson_source { rate_Hz: 50 } }
spike_recorders { name: 'spikes' })";
  Simulator sim(test::build_text(text));
  sim.run_until(1000.0);
  const std::vector<double> rates = {0.0, 100.0, 300.0, 0.0};
  const auto in = sim.network().population_id("in");
  sim.modify_population(in, [&](NeuronPopulation& pop, EventContext& ctx, double now) {
    dynamic_cast<PoissonSourcePopulation&>(pop).set_rates(rates, now, ctx);
  });
  sim.run_until(201000.0);  // 200 s at the new rates
  std::vector<double> before(4, 0.0), after(4, 0.0);
  for (const SpikeRecord& s : sim.network().spike_recorders[0].spikes()) (s.t_ms <= 1000.0 ? before : after)[s.neuron] += 1;
  for (int i = 0; i < 4; ++i) CHECK(before[i] > 20);  // 50 expected each
  CHECK(after[0] == 0);
  CHECK(after[3] == 0);
  // 20000 and 60000 expected; 5 standard deviations
  CHECK(std::abs(after[1] - 20000.0) < 5 * std::sqrt(20000.0));
  CHECK(std::abs(after[2] - 60000.0) < 5 * std::sqrt(60000.0));
  CHECK(dynamic_cast<const PoissonSourcePopulation&>(*sim.network().populations[in]).rate_Hz(2) == Approx(300.0));
  // Setting rates of the wrong count or negative rates is refused.
  CHECK_THROWS_WITH(sim.modify_population(in, [&](NeuronPopulation& pop, EventContext& ctx, double now) {
    dynamic_cast<PoissonSourcePopulation&>(pop).set_rates(std::vector<double>{1.0, -2.0, 0.0, 0.0}, now, ctx);
  }), Catch::Contains("rate of neuron 1"));
}
