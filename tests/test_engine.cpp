// The scheduler: exact axonal delays, the documented order of events at equal times, the
// event queue's total order, current sources, state recorders, runs in pieces, counters.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "engine/event_queue.hpp"
#include "engine/run_report.hpp"
#include "neurons/lif_delta.hpp"
#include "neurons/lif_exp.hpp"
#include "test_support.hpp"

using namespace ionspike;
using test::num;

namespace {


bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_spikes(const std::vector<SpikeRecord>& a, const std::vector<SpikeRecord>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_bits(a[i].t_ms, b[i].t_ms) || a[i].population != b[i].population || a[i].neuron != b[i].neuron)
      return false;
  return true;
}

const std::vector<SpikeRecord>& spikes(const Simulator& sim) { return sim.network().spike_recorders.at(0).spikes(); }

std::vector<double> times_of(const Simulator& sim, const std::string& population, std::uint32_t neuron) {
  return test::spike_times(sim, sim.network().population_id(population), neuron);
}

// A small balanced network of lif_exp and lif_delta neurons with Poisson input, random
// weights and delays; active (tens of Hz) within a few hundred ms.
std::string balanced_network(const std::string& extra = "") {
  return R"(
format_version: 1
simulation { seed: 11 min_delay_ms: 0.2 }
populations { name: "exc" size: 200 lif_exp { tau_m_ms: 20 e_l_mV: -60 v_th_mV: -50 v_reset_mV: -60 t_ref_ms: 2
  tau_syn_ex_ms: 5 tau_syn_in_ms: 8 v_init_mV { uniform { low: -60 high: -50 } } } }
populations { name: "inh" size: 50 lif_delta { tau_m_ms: 10 e_l_mV: -60 v_th_mV: -50 v_reset_mV: -60 t_ref_ms: 1
  v_init_mV { normal { mean: -55 stddev: 3 low: -60 high: -50 } } } }
populations { name: "input" size: 100 poisson_source { rate_Hz: 30 } }
projections { name: "in_exc" pre: "input" post: "exc" fixed_in_degree { k: 25 } weight_pA { uniform { low: 60 high: 100 } }
  delay_ms { uniform { low: 0.5 high: 2 } } }
projections { name: "in_inh" pre: "input" post: "inh" fixed_probability { p: 0.2 } weight_mV { constant: 0.8 } }
projections { name: "ee" pre: "exc" post: "exc" fixed_probability { p: 0.1 allow_autapses: false } weight_pA { constant: 25 }
  delay_ms { constant: 1.5 } }
projections { name: "ei" pre: "exc" post: "inh" fixed_probability { p: 0.1 } weight_mV { normal { mean: 0.5 stddev: 0.1 low: 0 high: 1 } }
  delay_ms { uniform { low: 0.2 high: 1 } } }
projections { name: "ie" pre: "inh" post: "exc" fixed_in_degree { k: 10 allow_multapses: false } weight_pA { constant: 80 }
  receptor: INHIBITORY delay_ms { constant: 0.8 } }
projections { name: "ii" pre: "inh" post: "inh" all_to_all { allow_autapses: false } weight_mV { constant: 0.3 }
  receptor: INHIBITORY }
spike_recorders { name: "spikes" }
)" + extra;
}

}  // namespace

TEST_CASE("axonal delays are exact: a spike at t arrives at t + d", "[engine][delays]") {
  // Targets fire on every arrival (weight 100 mV, no refractoriness), so their spike times
  // are the arrival times.
  const std::string text = R"(
format_version: 1
simulation { min_delay_ms: 0.25 seed: 3 }
populations { name: "src" size: 5 spike_source_array {
  trains { times_ms: [0.1, 10] } trains { times_ms: [1.3] } trains { times_ms: [2.7, 2.9000000000000004] }
  trains { times_ms: [5.55] } trains { times_ms: [] } } }
populations { name: "t_const" size: 5 lif_delta { t_ref_ms: 0 } }
populations { name: "t_uniform" size: 4 lif_delta { t_ref_ms: 0 } }
populations { name: "t_list" size: 3 lif_delta { t_ref_ms: 0 } }
populations { name: "t_default" size: 5 lif_delta { t_ref_ms: 0 } }
projections { name: "c" pre: "src" post: "t_const" one_to_one {} weight_mV { constant: 100 } delay_ms { constant: 1.7 } }
projections { name: "u" pre: "src" post: "t_uniform" all_to_all {} weight_mV { constant: 100 }
  delay_ms { uniform { low: 0.25 high: 7.5 } } }
projections { name: "l" pre: "src" post: "t_list" weight_mV { constant: 100 } delay_ms { constant: 2 } from_list {
  connections { pre: 0 post: 0 delay_ms: 0.3 } connections { pre: 0 post: 0 delay_ms: 4.125 }
  connections { pre: 2 post: 1 delay_ms: 1.1234567890123 } connections { pre: 3 post: 2 }
  connections { pre: 1 post: 2 delay_ms: 3.3 weight: 100 } } }
projections { name: "d" pre: "src" post: "t_default" one_to_one {} weight_mV { constant: 100 } }
spike_recorders { name: "spikes" }
)";
  Simulator sim = test::run_text(text, 100.0);
  const RuntimeNetwork& net = sim.network();
  const std::uint32_t src = net.population_id("src");
  std::vector<std::vector<double>> source_times(5);
  for (const SpikeRecord& s : spikes(sim))
    if (s.population == src) source_times[s.neuron].push_back(s.t_ms);
  REQUIRE(source_times[2] == std::vector<double>{2.7, 2.9000000000000004});

  for (const StaticProjection& proj : net.projections) {
    INFO("projection " << proj.name());
    const std::string target = net.populations[proj.post_population()]->name();
    // Expected arrivals per target neuron: t_pre + d for every synapse and presynaptic spike.
    std::map<std::uint32_t, std::vector<double>> expected;
    const auto pre = proj.presynaptic_indices();
    const auto delays = proj.delays_ms();
    for (std::size_t i = 0; i < proj.synapse_count(); ++i)
      for (double t : source_times[pre[i]]) expected[proj.synapses()[i].post].push_back(t + delays[i]);
    for (std::uint32_t n = 0; n < net.populations[proj.post_population()]->size(); ++n) {
      auto want = expected[n];
      std::sort(want.begin(), want.end());
      const auto got = times_of(sim, target, n);
      INFO("target " << target << "[" << n << "]");
      REQUIRE(got.size() == want.size());
      for (std::size_t k = 0; k < got.size(); ++k) CHECK(same_bits(got[k], want[k]));
    }
    if (proj.name() == "c")
      for (double d : delays) CHECK(d == 1.7);
    if (proj.name() == "d")
      for (double d : delays) CHECK(d == 0.25);  // default: simulation.min_delay_ms
    if (proj.name() == "u") {
      REQUIRE(delays.size() == 20);
      for (double d : delays) CHECK((d >= 0.25 && d < 7.5));
      CHECK(std::set<double>(delays.begin(), delays.end()).size() == 20);
    }
  }
  // Spot checks written out.
  CHECK(times_of(sim, "t_const", 2) == std::vector<double>{2.7 + 1.7, 2.9000000000000004 + 1.7});
  CHECK(times_of(sim, "t_list", 0) == std::vector<double>{0.1 + 0.3, 0.1 + 4.125, 10 + 0.3, 10 + 4.125});
  CHECK(times_of(sim, "t_list", 1) == std::vector<double>{2.7 + 1.1234567890123, 2.9000000000000004 + 1.1234567890123});
  CHECK(times_of(sim, "t_list", 2) == std::vector<double>{1.3 + 3.3, 5.55 + 2.0});
}

TEST_CASE("event keys order kinds as documented, then objects, a, b", "[engine][order]") {
  const EventKind kinds[] = {EventKind::CurrentStep, EventKind::SourceSpike, EventKind::Threshold,
                             EventKind::Delivery, EventKind::Sample};
  for (int i = 0; i < 5; ++i) {
    const Event e = Event::make(3.5, kinds[i], 12345, 7, 9);
    CHECK(e.kind() == kinds[i]);
    CHECK(e.object() == 12345u);
    CHECK(e.a == 7u);
    CHECK(e.b == 9u);
    for (int j = i + 1; j < 5; ++j) {
      // A later kind with a smaller object and smaller a, b still comes later.
      CHECK(Event::make(3.5, kinds[i], Event::kMaxObjects - 1, 99, 99) < Event::make(3.5, kinds[j], 0, 0, 0));
      CHECK_FALSE(Event::make(3.5, kinds[j], 0, 0, 0) < Event::make(3.5, kinds[i], Event::kMaxObjects - 1, 99, 99));
      // Time comes first.
      CHECK(Event::make(3.0, kinds[j], 0) < Event::make(3.5, kinds[i], 0));
    }
  }
  CHECK(Event::make(1, EventKind::Delivery, 1, 5, 0) < Event::make(1, EventKind::Delivery, 2, 0, 0));
  CHECK(Event::make(1, EventKind::Delivery, 1, 0, 9) < Event::make(1, EventKind::Delivery, 1, 1, 0));
  CHECK(Event::make(1, EventKind::Delivery, 1, 1, 0) < Event::make(1, EventKind::Delivery, 1, 1, 1));
  CHECK_FALSE(Event::make(1, EventKind::Delivery, 1, 1, 1) < Event::make(1, EventKind::Delivery, 1, 1, 1));
}

TEST_CASE("EventQueue pops in the total key order", "[engine][queue]") {
  std::mt19937_64 rng(20240601);
  auto random_event = [&] {
    // Few distinct times, kinds, objects and payloads, so that ties at every level occur.
    const double t = static_cast<double>(rng() % 16) * 0.25 + (rng() % 4 == 0 ? 1e-12 : 0.0);
    return Event::make(t, static_cast<EventKind>(rng() % 5), static_cast<std::uint32_t>(rng() % 6),
                       static_cast<std::uint32_t>(rng() % 3), static_cast<std::uint32_t>(rng() % 3));
  };
  auto key = [](const Event& e) { return std::tuple(e.t_ms, e.kind_and_object, e.a, e.b); };

  SECTION("push all, then pop all") {
    for (int size : {0, 1, 2, 5, 17, 1000, 20000}) {
      EventQueue q;
      std::vector<Event> pushed;
      for (int i = 0; i < size; ++i) {
        pushed.push_back(random_event());
        q.push(pushed.back());
      }
      REQUIRE(q.size() == pushed.size());
      std::sort(pushed.begin(), pushed.end());
      for (const Event& e : pushed) {
        REQUIRE(!q.empty());
        REQUIRE(key(q.top()) == key(e));
        REQUIRE(key(q.pop()) == key(e));
      }
      CHECK(q.empty());
    }
  }
  SECTION("interleaved pushes and pops") {
    EventQueue q;
    std::multiset<Event> ref;
    for (int step = 0; step < 50000; ++step) {
      if (ref.empty() || rng() % 3 != 0) {
        const Event e = random_event();
        q.push(e);
        ref.insert(e);
      } else {
        REQUIRE(key(q.pop()) == key(*ref.begin()));
        ref.erase(ref.begin());
      }
      REQUIRE(q.size() == ref.size());
    }
    while (!ref.empty()) {
      REQUIRE(key(q.pop()) == key(*ref.begin()));
      ref.erase(ref.begin());
    }
  }
}

// The queue bins events into 0.1 ms buckets, a ring of 4096 buckets and an overflow
// (engine/event_queue.hpp): times spread over many ring windows, far-future and infinite
// times, pushes before the current time and into the current bucket, and an emptied queue
// refilled later must still come out in the total key order.
TEST_CASE("EventQueue keeps the key order across buckets, ring windows and the overflow", "[engine][queue]") {
  std::mt19937_64 rng(20261124);
  auto key = [](const Event& e) { return std::tuple(e.t_ms, e.kind_and_object, e.a, e.b); };
  EventQueue q;
  std::multiset<Event> ref;
  double now = 0.0;
  auto random_event = [&] {
    double t;
    switch (rng() % 8) {
      case 0: t = now + static_cast<double>(rng() % 1000) * 1e-3; break;       // this bucket or the next
      case 1: t = now + static_cast<double>(rng() % 100000) * 0.01; break;     // within ~1 s
      case 2: t = now + static_cast<double>(rng() % 100) * 500.0; break;       // many ring windows ahead
      case 3: t = rng() % 50 == 0 ? std::numeric_limits<double>::infinity() : 1e9 + static_cast<double>(rng() % 7); break;
      case 4: t = now > 1.0 ? now - static_cast<double>(rng() % 100) * 1e-3 : now; break;  // late (before now)
      case 5: t = now; break;
      default: t = now + static_cast<double>(rng() % 20) * 0.1; break;         // on the 0.1 ms grid
    }
    return Event::make(t, static_cast<EventKind>(rng() % 7), static_cast<std::uint32_t>(rng() % 4),
                       static_cast<std::uint32_t>(rng() % 3), static_cast<std::uint32_t>(rng() % 3));
  };
  for (int round = 0; round < 3; ++round) {
    for (int step = 0; step < 200000; ++step) {
      if (ref.empty() || rng() % 2 == 0) {
        const Event e = random_event();
        q.push(e);
        ref.insert(e);
      } else {
        REQUIRE(key(q.top()) == key(*ref.begin()));
        const Event e = q.pop();
        REQUIRE(key(e) == key(*ref.begin()));
        ref.erase(ref.begin());
        if (std::isfinite(e.t_ms) && e.t_ms < 1e8) now = e.t_ms;
      }
      REQUIRE(q.size() == ref.size());
    }
    REQUIRE(q.raw().size() == ref.size());
    while (!ref.empty()) {  // drain: the ring runs empty, the overflow is redistributed
      REQUIRE(key(q.pop()) == key(*ref.begin()));
      ref.erase(ref.begin());
    }
    CHECK(q.empty());
    now = 0.0;  // the next round starts again at time 0 on the emptied queue
  }
}

namespace {

// Neuron "a" (lif_delta, first by name) driven to threshold by i_e; its first crossing time.
const char* kDriven = R"(
format_version: 1
populations { name: "a" size: 1 lif_delta { tau_m_ms: 10 e_l_mV: -70 v_th_mV: -55 v_reset_mV: -70 t_ref_ms: 2 i_e_pA: 500 } }
spike_recorders { name: "spikes" }
)";

}  // namespace

TEST_CASE("events at equal times follow the documented kind order", "[engine][order]") {
  const Simulator alone = test::run_text(kDriven, 30.0);
  const auto a_alone = times_of(alone, "a", 0);
  REQUIRE(a_alone.size() >= 2);
  const double tc = a_alone[0];  // a Threshold event at tc
  REQUIRE(tc > 1.0);

  SECTION("source spikes before threshold crossings (whatever the object ids)") {
    // "a" has id 0 < id of "z": the kind decides.
    const std::string text = std::string(kDriven) +
        "populations { name: 'z' size: 1 spike_source_array { trains { times_ms: [" + num(tc) + "] } } }\n";
    const Simulator sim = test::run_text(text, 30.0);
    const auto& s = spikes(sim);
    REQUIRE(s.size() >= 2);
    CHECK(s[0].population == sim.network().population_id("z"));
    CHECK(s[1].population == sim.network().population_id("a"));
    CHECK(s[0].t_ms == tc);
    CHECK(s[1].t_ms == tc);
  }
  SECTION("threshold crossings before spike deliveries: an inhibitory input at tc comes too late") {
    // Source at 0 with delay tc: the input arrives exactly at tc = 0 + tc.
    const std::string text = std::string(kDriven) +
        "populations { name: 'z' size: 1 spike_source_array { trains { times_ms: [0] } } }\n"
        "projections { name: 'inh' pre: 'z' post: 'a' one_to_one {} weight_mV { constant: -10 } delay_ms { constant: " +
        num(tc) + " } }\n";
    const Simulator sim = test::run_text(text, 30.0);
    CHECK(times_of(sim, "a", 0) == a_alone);  // fired at tc; the input was lost (refractory)
    // Control: arriving a hair earlier, the same input prevents the spike at tc.
    const std::string earlier = std::string(kDriven) +
        "populations { name: 'z' size: 1 spike_source_array { trains { times_ms: [0] } } }\n"
        "projections { name: 'inh' pre: 'z' post: 'a' one_to_one {} weight_mV { constant: -10 } delay_ms { constant: " +
        num(std::nextafter(tc, 0.0)) + " } }\n";
    const Simulator control = test::run_text(earlier, 30.0);
    REQUIRE(!times_of(control, "a", 0).empty());
    CHECK(times_of(control, "a", 0)[0] > tc + 1.0);
  }
  SECTION("current steps before threshold crossings: a current switched off at tc prevents the spike") {
    const std::string text = std::string(kDriven) + "current_sources { name: 'off' target: 'a' times_ms: [" + num(tc) +
                             "] amplitudes_pA: [-500] }\n";
    const Simulator sim = test::run_text(text, 30.0);
    CHECK(times_of(sim, "a", 0).empty());
    // Control: switched off a hair later, the spike at tc happens.
    const std::string later = std::string(kDriven) + "current_sources { name: 'off' target: 'a' times_ms: [" +
                              num(std::nextafter(tc, 1e9)) + "] amplitudes_pA: [-500] }\n";
    const Simulator control = test::run_text(later, 30.0);
    CHECK(times_of(control, "a", 0) == std::vector<double>{tc});
  }
  SECTION("samples after threshold crossings and deliveries at the same time") {
    // Interval tc: sample 1 is at exactly tc, when "a" fires; it sees the reset.
    // Sampling "b" every 0.5 ms sees the 5 mV jump arriving at 2.0 ms (= 1.0 + 1.0).
    const std::string text = std::string(kDriven) +
        "populations { name: 'b' size: 1 lif_delta { tau_m_ms: 10 e_l_mV: -70 v_th_mV: -55 } }\n"
        "populations { name: 'z' size: 1 spike_source_array { trains { times_ms: [1] } } }\n"
        "projections { name: 'zb' pre: 'z' post: 'b' one_to_one {} weight_mV { constant: 5 } delay_ms { constant: 1 } }\n"
        "state_recorders { name: 'va' population: 'a' variable: 'v_mV' interval_ms: " + num(tc) + " }\n"
        "state_recorders { name: 'vb' population: 'b' variable: 'v_mV' interval_ms: 0.5 }\n";
    const Simulator sim = test::run_text(text, 30.0);
    const StateRecorder& va = sim.network().state_recorders.at(0);
    REQUIRE(va.sample_count() >= 2);
    CHECK(va.times_ms()[1] == tc);
    CHECK(va.values()[1] == -70.0);
    CHECK(va.values()[0] == Approx(-70.0).epsilon(1e-15));
    const StateRecorder& vb = sim.network().state_recorders.at(1);
    REQUIRE(vb.times_ms()[4] == 2.0);
    CHECK(vb.values()[3] == -70.0);
    CHECK(vb.values()[4] == -65.0);
  }
  SECTION("source spikes before deliveries in the recorder at equal times") {
    // "b" (id 0) fires on an input arriving at 3.0; the source "z" (id 2) fires at 3.0.
    const std::string text = R"(
format_version: 1
populations { name: "b" size: 1 lif_delta { t_ref_ms: 0 } }
populations { name: "x" size: 1 spike_source_array { trains { times_ms: [1] } } }
populations { name: "z" size: 1 spike_source_array { trains { times_ms: [3] } } }
projections { name: "xb" pre: "x" post: "b" one_to_one {} weight_mV { constant: 50 } delay_ms { constant: 2 } }
spike_recorders { name: "spikes" }
)";
    const Simulator sim = test::run_text(text, 10.0);
    const auto& s = spikes(sim);
    REQUIRE(s.size() == 3);
    CHECK(s[1].population == sim.network().population_id("z"));
    CHECK(s[2].population == sim.network().population_id("b"));
    CHECK(s[1].t_ms == 3.0);
    CHECK(s[2].t_ms == 3.0);
  }
}

TEST_CASE("current sources are piecewise constant and add up", "[engine][current]") {
  // Threshold out of reach: V follows the closed form between steps, with
  // V_inf = e_l + R (sum of the amplitudes in force).
  const std::string text = R"(
format_version: 1
populations { name: "n" size: 3 lif_delta { tau_m_ms: 10 c_m_pF: 200 e_l_mV: -70 v_th_mV: 100 v_reset_mV: -70 } }
populations { name: "x" size: 2 lif_exp { tau_m_ms: 10 c_m_pF: 200 e_l_mV: -70 v_th_mV: 100 v_reset_mV: -70 } }
current_sources { name: "all" target: "n" times_ms: [1, 3, 6] amplitudes_pA: [100, -50, 0] }
current_sources { name: "one" target: "n" neurons: [1] times_ms: [2, 3, 8.5] amplitudes_pA: [30, 60, 10] }
current_sources { name: "again" target: "n" neurons: [1, 2] times_ms: [0, 4.25] amplitudes_pA: [7, 0] }
current_sources { name: "xs" target: "x" neurons: [1] times_ms: [0.5, 2.5] amplitudes_pA: [400, 0] }
state_recorders { name: "v" population: "n" variable: "v_mV" interval_ms: 0.125 }
state_recorders { name: "vx" population: "x" variable: "v_mV" interval_ms: 0.125 }
spike_recorders { name: "spikes" }
)";
  const Simulator sim = test::run_text(text, 12.0);
  const double R = 10.0 / 200.0;
  struct Source {
    std::vector<std::uint32_t> neurons;
    std::vector<double> times, amps;
  };
  auto current = [](const std::vector<Source>& sources, std::uint32_t n, double t) {  // in force at t
    double sum = 0;
    for (const Source& s : sources) {
      if (!s.neurons.empty() && std::find(s.neurons.begin(), s.neurons.end(), n) == s.neurons.end()) continue;
      for (std::size_t k = s.times.size(); k-- > 0;)
        if (s.times[k] <= t) {
          sum += s.amps[k];
          break;
        }
    }
    return sum;
  };
  auto check = [&](const StateRecorder& rec, const std::vector<Source>& sources) {
    std::vector<double> steps = {0.0};
    for (const Source& s : sources) steps.insert(steps.end(), s.times.begin(), s.times.end());
    std::sort(steps.begin(), steps.end());
    REQUIRE(rec.sample_count() == 97);
    for (std::uint32_t n = 0; n < rec.neurons().size(); ++n) {
      // Closed form, segment by segment.
      double v = -70.0, t0 = 0.0;
      std::size_t next = 1;
      for (std::size_t k = 0; k < rec.sample_count(); ++k) {
        const double t = rec.times_ms()[k];
        while (next < steps.size() && steps[next] <= t) {
          const double v_inf = -70.0 + R * current(sources, n, t0);
          v = v_inf + (v - v_inf) * std::exp(-(steps[next] - t0) / 10.0);
          t0 = steps[next++];
        }
        const double v_inf = -70.0 + R * current(sources, n, t0);
        const double expected = v_inf + (v - v_inf) * std::exp(-(t - t0) / 10.0);
        INFO(rec.name() << " neuron " << n << " t " << t);
        CHECK(rec.values()[k * rec.neurons().size() + n] == Approx(expected).epsilon(1e-12).margin(1e-12));
      }
    }
  };
  check(sim.network().state_recorders[0],
        {{{}, {1, 3, 6}, {100, -50, 0}}, {{1}, {2, 3, 8.5}, {30, 60, 10}}, {{1, 2}, {0, 4.25}, {7, 0}}});
  check(sim.network().state_recorders[1], {{{1}, {0.5, 2.5}, {400, 0}}});
  // Sharpness: neuron 1 (three sources) and neuron 0 (one) differ clearly at t = 3.5.
  const auto& v = sim.network().state_recorders[0];
  CHECK(v.values()[28 * 3 + 1] > v.values()[28 * 3 + 0] + 0.2);
  CHECK(sim.counters().spikes == 0);
}

TEST_CASE("state recorders sample at k * interval and do not change the spikes", "[engine][recorder]") {
  const double t_stop = 250.0;
  const Simulator plain = test::run_text(balanced_network(), t_stop);
  const Simulator sampled = test::run_text(
      balanced_network("state_recorders { name: 'v' population: 'exc' variable: 'v_mV' interval_ms: 0.1 }\n"
                       "state_recorders { name: 'ie' population: 'exc' variable: 'i_syn_ex_pA' neurons: [0, 5] interval_ms: 0.37 }\n"
                       "state_recorders { name: 'vi' population: 'inh' variable: 'v_mV' interval_ms: 0.05 }\n"),
      t_stop);
  REQUIRE(spikes(plain).size() > 500);
  CHECK(same_spikes(spikes(plain), spikes(sampled)));
  CHECK(plain.counters().synaptic_events == sampled.counters().synaptic_events);
  for (const StateRecorder& rec : sampled.network().state_recorders) {
    INFO(rec.name());
    std::size_t expected_count = 0;
    while (static_cast<double>(expected_count) * rec.interval_ms() <= t_stop) ++expected_count;
    REQUIRE(rec.sample_count() == expected_count);
    for (std::size_t k = 0; k < rec.sample_count(); ++k)
      REQUIRE(same_bits(rec.times_ms()[k], static_cast<double>(k) * rec.interval_ms()));
    REQUIRE(rec.values().size() == rec.sample_count() * rec.neurons().size());
  }
  // Samples are the neurons' states: V within [reset - margin, threshold] and at reset right
  // after each spike of exc[0].
  const StateRecorder& v = sampled.network().state_recorders[0];
  const auto exc0 = times_of(sampled, "exc", 0);
  REQUIRE(exc0.size() >= 3);
  std::size_t refractory_samples = 0;
  for (std::size_t k = 0; k < v.sample_count(); ++k) {
    const double t = v.times_ms()[k];
    CHECK(v.values()[k * 200] <= -50.0 + 1e-9);
    const bool refractory = std::any_of(exc0.begin(), exc0.end(), [&](double s) { return s <= t && t <= s + 2.0; });
    if (refractory) {
      ++refractory_samples;
      CHECK(v.values()[k * 200] == -60.0);
    }
  }
  CHECK(refractory_samples >= 19 * exc0.size());
}

TEST_CASE("run_until in pieces gives bit-identical results to one run", "[engine][pieces]") {
  const std::string text = balanced_network("state_recorders { name: 'v' population: 'exc' variable: 'v_mV' neurons: [3] interval_ms: 0.25 }\n");
  const Simulator whole = test::run_text(text, 200.0);
  Simulator pieces(test::build_text(text));
  const double cuts[] = {0.0, 0.0, 13.7, 13.7, 50.0, 50.000000001, 99.99, 123.456789, 180.0, 200.0};
  for (double t : cuts) {
    pieces.run_until(t);
    CHECK(pieces.time_ms() == t);
  }
  // A cut exactly at a spike time of the whole run.
  REQUIRE(spikes(whole).size() > 100);
  Simulator at_spike(test::build_text(text));
  at_spike.run_until(spikes(whole)[50].t_ms);
  at_spike.run_until(std::nextafter(spikes(whole)[100].t_ms, 0.0));
  at_spike.run_until(200.0);

  for (const Simulator* sim : {&pieces, &at_spike}) {
    CHECK(same_spikes(spikes(whole), spikes(*sim)));
    CHECK(whole.counters().events == sim->counters().events);
    CHECK(whole.counters().synaptic_events == sim->counters().synaptic_events);
    CHECK(whole.counters().spikes == sim->counters().spikes);
    const auto& a = whole.network().state_recorders[0];
    const auto& b = sim->network().state_recorders[0];
    REQUIRE(a.sample_count() == b.sample_count());
    for (std::size_t k = 0; k < a.sample_count(); ++k) CHECK(same_bits(a.values()[k], b.values()[k]));
  }
  CHECK_THROWS_AS(pieces.run_until(199.0), std::invalid_argument);
}

TEST_CASE("a simulator moved mid-run continues exactly", "[engine][pieces]") {
  const std::string text = balanced_network();
  const Simulator whole = test::run_text(text, 150.0);
  Simulator first(test::build_text(text));
  first.run_until(60.0);
  Simulator moved(std::move(first));
  moved.run_until(150.0);
  CHECK(same_spikes(spikes(whole), spikes(moved)));
  CHECK(whole.counters().synaptic_events == moved.counters().synaptic_events);
}

TEST_CASE("counters agree with the recorded spikes and the synapse tables", "[engine][counters]") {
  const double t_stop = 200.0;
  const Simulator sim = test::run_text(balanced_network(), t_stop);
  const RuntimeNetwork& net = sim.network();
  const auto& s = spikes(sim);
  REQUIRE(s.size() > 500);
  CHECK(sim.counters().spikes == s.size());
  std::vector<std::uint64_t> per_population(net.populations.size(), 0);
  std::uint64_t deliveries = 0;
  for (const SpikeRecord& r : s) {
    ++per_population[r.population];
    for (const StaticProjection& proj : net.projections) {
      if (proj.pre_population() != r.population) continue;
      for (std::uint32_t g = proj.row_begin(r.neuron); g < proj.row_end(r.neuron); ++g)
        if (r.t_ms + proj.group_delay_ms(g) <= t_stop) deliveries += proj.group_size(g);
    }
  }
  CHECK(sim.counters().spikes_per_population == per_population);
  for (std::size_t p = 0; p < per_population.size(); ++p) CHECK(per_population[p] > 0);
  CHECK(sim.counters().synaptic_events == deliveries);
  CHECK(net.synapse_count() == [&] {
    std::uint64_t n = 0;
    for (const auto& proj : net.projections) n += proj.synapses().size();
    return n;
  }());
  CHECK(net.neuron_count() == 350);
  // The run summary reports the same counts; rates are spikes / (size * simulated seconds).
  const RunReport report = make_report(sim, "balanced", 0.0, 0.0);
  CHECK(report.simulated_ms == t_stop);
  CHECK(report.spikes == s.size());
  CHECK(report.synapses == net.synapse_count());
  CHECK(report.neurons == 350);
  CHECK(report.synaptic_events == deliveries);
  REQUIRE(report.populations.size() == net.populations.size());
  std::uint64_t neuron_spikes = 0;
  for (std::size_t p = 0; p < report.populations.size(); ++p) {
    CHECK(report.populations[p].name == net.populations[p]->name());
    CHECK(report.populations[p].spikes == per_population[p]);
    CHECK(report.populations[p].rate_Hz ==
          Approx(per_population[p] / (net.populations[p]->size() * t_stop * 1e-3)).epsilon(1e-12));
    if (net.populations[p]->name() != "input") neuron_spikes += per_population[p];
  }
  CHECK(report.mean_rate_Hz == Approx(neuron_spikes / (250 * t_stop * 1e-3)).epsilon(1e-12));
  // All events popped so far were at most t_stop; later ones are pending.
  CHECK(sim.pending_events() > 0);
}

namespace {

const char* kUniformWeightNetwork = R"(
format_version: 1
simulation { seed: 11 min_delay_ms: 0.1 }
populations { name: "kick" size: 200 poisson_source { rate_Hz: 50 stop_ms: 60 } }
populations { name: "exact" size: 400
              lif_delta { tau_m_ms: 20 e_l_mV: -49 v_th_mV: -50 v_reset_mV: -60 t_ref_ms: 5
                          v_init_mV { uniform { low: -60 high: -50 } } } }
populations { name: "grid" size: 300 dt_ms: 0.1 input_timing: ON_GRID
              lif_exp { tau_m_ms: 20 c_m_pF: 200 e_l_mV: -49 v_th_mV: -50 v_reset_mV: -60 t_ref_ms: 5
                        tau_syn_ex_ms: 5 tau_syn_in_ms: 10 v_init_mV { uniform { low: -60 high: -50 } } } }
projections { name: "k1" pre: "kick" post: "exact" fixed_in_degree { k: 5 } weight_mV { constant: 0.5 } }
projections { name: "k2" pre: "kick" post: "grid" fixed_in_degree { k: 5 } weight_pA { constant: 20 } }
projections { name: "ee" pre: "exact" post: "exact" fixed_probability { p: 0.05 } weight_mV { constant: 0.3 }
              delay_ms { uniform { low: 0.5 high: 2.5 } } }
projections { name: "ei" pre: "exact" post: "grid" fixed_probability { p: 0.05 } weight_pA { constant: 15 }
              delay_ms { constant: 1.5 } }
projections { name: "ie" pre: "grid" post: "exact" fixed_probability { p: 0.05 } weight_mV { constant: 1.5 }
              receptor: INHIBITORY delay_ms { constant: 0.8 } }
projections { name: "ii" pre: "grid" post: "grid" fixed_probability { p: 0.05 } weight_pA { uniform { low: 50 high: 90 } }
              receptor: INHIBITORY }
spike_recorders { name: "spikes" }
)";

}  // namespace

// Uniform-weight projections store targets only and reach the population as targets and one
// weight (synapses/static_projection.hpp, NeuronPopulation::deliver_uniform): the run must be
// the same, bit for bit, as with the same synapses stored as {target, weight} pairs.
TEST_CASE("uniform-weight storage delivers exactly what per-synapse storage delivers", "[engine][csr]") {
  using namespace ionspike::test;
  RuntimeNetwork compact = build_text(kUniformWeightNetwork);
  RuntimeNetwork full = build_text(kUniformWeightNetwork);
  int uniform = 0;
  for (std::size_t j = 0; j < full.projections.size(); ++j) {
    const StaticProjection& p = full.projections[j];
    uniform += p.has_uniform_weight();
    const auto pre = p.presynaptic_indices();
    const auto delays = p.delays_ms();
    std::vector<SynapseSpec> specs;
    for (std::size_t k = 0; k < p.synapse_count(); ++k)
      specs.push_back({pre[k], p.synapses()[k].post, p.synapses()[k].weight, delays[k]});
    const auto pre_size = static_cast<std::uint32_t>(full.populations[p.pre_population()]->size());
    full.projections[j] = StaticProjection(p.name(), p.pre_population(), p.post_population(), pre_size,
                                           std::move(specs), StaticProjection::Storage::PerSynapseWeights);
    REQUIRE_FALSE(full.projections[j].has_uniform_weight());
  }
  CHECK(uniform == 5);  // every projection but "ii"
  Simulator a(std::move(compact)), b(std::move(full));
  a.run_until(300.0);
  b.run_until(300.0);
  const auto& sa = a.network().spike_recorders.at(0).spikes();
  const auto& sb = b.network().spike_recorders.at(0).spikes();
  REQUIRE(sa.size() > 1000);
  REQUIRE(sa.size() == sb.size());
  for (std::size_t k = 0; k < sa.size(); ++k) {
    REQUIRE(sa[k].t_ms == sb[k].t_ms);
    REQUIRE(sa[k].population == sb[k].population);
    REQUIRE(sa[k].neuron == sb[k].neuron);
  }
  CHECK(a.counters().synaptic_events == b.counters().synaptic_events);
}
