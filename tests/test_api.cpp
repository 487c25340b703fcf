// The public C++ API (include/ionspike/, api/): a run in pieces equals one run bit for bit,
// changes between runs take effect, bad parameters raise NetworkError naming the field, a
// network built in code equals the same network given as text, save and reload.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <ionspike/ionspike.hpp>

namespace {

using ionspike::Connector;
using ionspike::Distribution;
using ionspike::NetworkError;
using ionspike::NetworkSpec;
using ionspike::Session;
using ionspike::Weight;

// Poisson drive onto LIF cells through STDP synapses, an inhibitory static projection back,
// a current source; every builder call the tests need.
NetworkSpec built_network() {
  NetworkSpec net("built");
  net.simulation({{"t_stop_ms", 300.0}, {"seed", 5}, {"min_delay_ms", 0.5}})
      .population("drive", 20, "poisson_source", {{"rate_Hz", 40.0}})
      .population("cells", 10, "lif_exp",
                  {{"tau_m_ms", 20.0}, {"c_m_pF", 250.0}, {"e_l_mV", -65.0}, {"v_th_mV", -50.0},
                   {"v_reset_mV", -65.0}, {"t_ref_ms", 2.0}, {"tau_syn_ex_ms", 5.0}, {"tau_syn_in_ms", 5.0},
                   {"v_init_mV", Distribution::normal(-60.0, 3.0, -65.0, -52.0)}})
      .population("inh", 5, "lif_delta", {{"v_th_mV", -55.0}, {"t_ref_ms", 1}})
      .stdp_projection("in", "drive", "cells", Connector::fixed_probability(0.5),
                       Weight::pA(Distribution::uniform(100.0, 300.0)), 1.0,
                       {{"w_max_pA", 400.0}, {"pairing", "NEAREST"}})
      .projection("ci", "cells", "inh", Connector::fixed_in_degree(4), Weight::mV(6.0),
                  Distribution::uniform(0.5, 2.0))
      .projection("ic", "inh", "cells", Connector::all_to_all(), Weight::pA(50.0), 1.5,
                  ionspike::Receptor::inhibitory)
      .current_source("step", "cells", {100.0, 200.0}, {150.0, 0.0}, {0, 1, 2})
      .spike_recorder("spikes")
      .state_recorder("v", "cells", "v_mV", 0.5, {0, 3});
  return net;
}

// The same network as protobuf text.
const char* const kBuiltAsText = R"(
format_version: 1
simulation { t_stop_ms: 300 seed: 5 min_delay_ms: 0.5 }
populations { name: "drive" size: 20 poisson_source { rate_Hz: 40 } }
populations { name: "cells" size: 10
  lif_exp { tau_m_ms: 20 c_m_pF: 250 e_l_mV: -65 v_th_mV: -50 v_reset_mV: -65 t_ref_ms: 2
            tau_syn_ex_ms: 5 tau_syn_in_ms: 5
            v_init_mV { normal { mean: -60 stddev: 3 low: -65 high: -52 } } } }
populations { name: "inh" size: 5 lif_delta { v_th_mV: -55 t_ref_ms: 1 } }
projections { name: "in" pre: "drive" post: "cells" fixed_probability { p: 0.5 }
  weight_pA { uniform { low: 100 high: 300 } } delay_ms { constant: 1 }
  stdp { w_max_pA: 400 pairing: NEAREST } }
projections { name: "ci" pre: "cells" post: "inh" fixed_in_degree { k: 4 }
  weight_mV { constant: 6 } delay_ms { uniform { low: 0.5 high: 2 } } }
projections { name: "ic" pre: "inh" post: "cells" all_to_all {} weight_pA { constant: 50 }
  receptor: INHIBITORY delay_ms { constant: 1.5 } }
current_sources { name: "step" target: "cells" neurons: [0, 1, 2] times_ms: [100, 200] amplitudes_pA: [150, 0] }
spike_recorders { name: "spikes" }
state_recorders { name: "v" population: "cells" variable: "v_mV" neurons: [0, 3] interval_ms: 0.5 }
)";

void require_same_spikes(const ionspike::SpikeArrays& a, const ionspike::SpikeArrays& b) {
  REQUIRE(a.size() == b.size());
  CHECK(a.times_ms == b.times_ms);  // bit for bit
  CHECK(a.population == b.population);
  CHECK(a.neuron == b.neuron);
}

std::size_t spikes_of(const ionspike::SpikeArrays& s, std::uint32_t population, double after_ms = -1.0) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) n += s.population[i] == population && s.times_ms[i] > after_ms;
  return n;
}

}  // namespace

TEST_CASE("api: a run in pieces equals one run bit for bit") {
  Session whole(built_network());
  whole.run();
  REQUIRE(whole.time_ms() == 300.0);

  Session pieces(built_network());
  pieces.run_for(50.0);
  pieces.run_for(0.0);
  pieces.run_for(100.25);
  pieces.run_until(222.2);
  pieces.run();
  REQUIRE(pieces.time_ms() == 300.0);

  const ionspike::SpikeArrays s = whole.spikes("spikes");
  REQUIRE(spikes_of(s, whole.population("cells").id) > 20);
  REQUIRE(spikes_of(s, whole.population("inh").id) > 0);
  require_same_spikes(s, pieces.spikes("spikes"));
  const ionspike::StateArrays v1 = whole.state("v"), v2 = pieces.state("v");
  CHECK(v1.times_ms == v2.times_ms);
  CHECK(v1.values == v2.values);
  CHECK(v1.columns == std::vector<std::uint32_t>{0, 3});
  CHECK(v1.rows() == 601);
  CHECK(whole.weights("in") == pieces.weights("in"));
  CHECK(whole.counts().events == pieces.counts().events);
}

TEST_CASE("api: threads change the speed, not the results") {
  const std::string text = R"(
format_version: 1
simulation { seed: 4 t_stop_ms: 200 }
populations { name: "drive" size: 200 poisson_source { rate_Hz: 30 } }
populations { name: "exc" size: 400 lif_exp { v_init_mV { uniform { low: -70 high: -56 } } } }
populations { name: "inh" size: 200 lif_exp { } }
projections { name: "in" pre: "drive" post: "exc" fixed_probability { p: 0.1 } weight_pA { constant: 300 } delay_ms { constant: 1 } }
projections { name: "ei" pre: "exc" post: "inh" fixed_probability { p: 0.1 } weight_pA { constant: 200 } delay_ms { constant: 1.5 } }
projections { name: "ie" pre: "inh" post: "exc" fixed_probability { p: 0.1 } weight_pA { constant: -300 } delay_ms { constant: 0.8 } }
spike_recorders { name: "spikes" }
state_recorders { name: "v" population: "exc" variable: "v_mV" neurons: [399, 0] interval_ms: 0.5 }
)";
  Session one = Session::from_text(text);
  CHECK(one.threads() == 1);
  CHECK(one.serial_reason().empty());
  one.run();
  Session two = Session::from_text(text);
  two.set_threads(2);
  CHECK(two.threads() == 2);
  CHECK(two.serial_reason().empty());
  two.run_for(70.0);
  two.run();
  const ionspike::SpikeArrays s = one.spikes("spikes");
  REQUIRE(spikes_of(s, one.population("exc").id) > 50);
  require_same_spikes(s, two.spikes("spikes"));
  CHECK(one.state("v").values == two.state("v").values);
  CHECK_THROWS_AS(two.set_threads(0), std::invalid_argument);
  // Dopamine-modulated EIS synapses keep a run on one thread, and say so.
  Session eis = Session::from_file(std::string(IONSPIKE_SOURCE_DIR) + "/examples/distal_reward_eis.pbtxt");
  eis.set_threads(2);
  CHECK_THAT(eis.serial_reason(), Catch::Contains("dopamine-modulated EIS"));
}

TEST_CASE("api: a network built in code equals the same network given as text") {
  NetworkSpec built = built_network();
  Session from_code(built.copy());
  Session from_text = Session::from_text(kBuiltAsText, "built.pbtxt");
  from_code.run();
  from_text.run();
  const ionspike::SpikeArrays s = from_code.spikes("spikes");
  REQUIRE(s.size() > 50);
  require_same_spikes(s, from_text.spikes("spikes"));
  CHECK(from_code.synapses("ci").delay_ms == from_text.synapses("ci").delay_ms);
  const ionspike::SynapseArrays ic = from_code.synapses("ic");
  CHECK(ic.weight_unit == "pA");
  CHECK(ic.size() == 50);
  CHECK(std::all_of(ic.weight.begin(), ic.weight.end(), [](double w) { return w == -50.0; }));

  // The builder's text is the text's network, and reloads (text and binary) to the same spikes.
  CHECK(built.text() == NetworkSpec::from_text(kBuiltAsText).text());
  const auto dir = std::filesystem::temp_directory_path() / ("ionspike_test_api_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* name : {"saved.pbtxt", "saved.pb"}) {
    from_code.save((dir / name).string());
    Session reloaded = Session::from_file((dir / name).string());
    reloaded.run();
    require_same_spikes(s, reloaded.spikes("spikes"));
  }
  // The command line's output files for the run so far.
  const std::string summary = from_code.write_outputs((dir / "out").string(), "test");
  CHECK_THAT(summary, Catch::Contains("cells") && Catch::Contains("simulated 300 ms"));
  for (const char* file : {"spikes.csv", "spikes.npy", "v.csv", "v.npy", "in.weights.csv", "summary.json"})
    CHECK(std::filesystem::exists(dir / "out" / file));
  std::filesystem::remove_all(dir);
}

TEST_CASE("api: a copy of a Session's network, edited, builds the edited network") {
  Session original(built_network());
  original.run();
  NetworkSpec edited = original.network().copy();
  edited.set_population_parameters("cells", {{"tau_m_ms", 10.0}})
      .set_projection_parameters("ic", {{"weight_pA", 80.0}, {"delay_ms", 2.0}});
  std::string text = kBuiltAsText;
  text.replace(text.find("tau_m_ms: 20"), 12, "tau_m_ms: 10");
  text.replace(text.find("weight_pA { constant: 50 }"), 26, "weight_pA { constant: 80 }");
  text.replace(text.find("delay_ms { constant: 1.5 }"), 26, "delay_ms { constant: 2 }");
  CHECK(edited.text() == NetworkSpec::from_text(text).text());
  Session from_edit(std::move(edited));
  Session from_text = Session::from_text(text);
  from_edit.run();
  from_text.run();
  require_same_spikes(from_edit.spikes("spikes"), from_text.spikes("spikes"));
  CHECK(from_edit.spikes("spikes").times_ms != original.spikes("spikes").times_ms);

  NetworkSpec spec = original.network().copy();
  const std::string before = spec.text();
  try {
    spec.set_projection_parameters("ic", {{"delay_ms", 3.0}, {"weight_pA", "heavy"}});
    FAIL("no NetworkError");
  } catch (const NetworkError& e) {
    CHECK(e.field() == "projections[2].weight_pA");
  }
  CHECK(spec.text() == before);  // the delay set before the error is undone
  CHECK_THROWS_AS(spec.set_population_parameters("nowhere", {}), ionspike::UnknownNameError);
}

TEST_CASE("api: changes between runs take effect") {
  Session sim(built_network());
  const std::uint32_t drive = sim.population("drive").id;
  sim.run_for(100.0);
  REQUIRE(spikes_of(sim.spikes("spikes"), drive) > 20);
  sim.set_poisson_rate("drive", 0.0);
  sim.run_for(100.0);
  CHECK(spikes_of(sim.spikes("spikes"), drive, 100.0) == 0);
  const std::vector<double> rates(20, 100.0);
  sim.set_poisson_rates("drive", rates);
  sim.run_for(100.0);
  CHECK(spikes_of(sim.spikes("spikes"), drive, 200.0) > 100);  // ~200 expected

  // Injected current: a large step makes the cells fire more than without it.
  Session with(built_network()), without(built_network());
  const std::vector<std::uint32_t> all;
  with.add_injected_current("cells", 1000.0, all);
  with.run();
  without.run();
  CHECK(with.spike_count("cells") > without.spike_count("cells") + 50);
  CHECK(with.rate_Hz("cells") == Approx(with.spike_count("cells") / (10 * 0.3)));

  // STDP weights set and frozen.
  Session stdp(built_network());
  stdp.run_for(100.0);
  const std::vector<double> w = stdp.weights("in");
  std::vector<double> set(w.size(), 250.0);
  stdp.set_stdp_weights("in", set);
  stdp.set_stdp_amplitudes("in", 0.0, 0.0);
  stdp.run_for(200.0);
  CHECK(stdp.weights("in") == set);
  set[0] = 500.0;  // above w_max
  CHECK_THROWS_AS(stdp.set_stdp_weights("in", set), std::invalid_argument);

  // Spikes of a spike_source_array fired between runs arrive at the cells.
  NetworkSpec fired("fired");
  fired.spike_source_array("src", 2, {{}})
      .population("cell", 1, "lif_delta", {})
      .projection("p", "src", "cell", Connector::all_to_all(), Weight::mV(20.0), 1.0)
      .spike_recorder("spikes");
  Session f(std::move(fired));
  f.run_for(10.0);
  CHECK(f.spike_count("cell") == 0);
  const std::vector<std::uint32_t> both{0, 1};
  f.fire("src", both);
  f.run_for(10.0);
  CHECK(f.spike_count("src") == 2);
  CHECK(f.spike_count("cell") == 1);
  const ionspike::SpikeArrays fs = f.spikes("spikes", true);
  CHECK(fs.times_ms.back() == 11.0);  // fired at 10 ms, 1 ms delay
  CHECK(f.spikes("spikes").size() == 0);  // clear = true handed them over
}

TEST_CASE("api: EIS networks built in code, conductances read, set and frozen") {
  const auto eis_network = [] {
    NetworkSpec net("eis");
    net.simulation({{"seed", 7}})
        .population("pre", 100, "poisson_source", {{"rate_Hz", 5.0}})
        .pre_waveform("pre", "antisymmetric")
        .population("post", 10, "lif_exp",
                    {{"tau_m_ms", 20.0}, {"e_l_mV", -70.0}, {"v_th_mV", -54.0}, {"v_reset_mV", -70.0},
                     {"t_ref_ms", 2.0}, {"tau_syn_ex_ms", 5.0}, {"tau_syn_in_ms", 10.0}})
        .post_waveform("post", "antisymmetric")
        .eis_projection("plastic", "pre", "post", Connector::all_to_all(), 1.0,
                        {{"device_preset", "protonic_wo3_ysz_14nm"},
                         {"g_init_nS", Distribution::uniform(800.0, 1200.0)},
                         {"weight_pA_per_nS", 0.1}})
        .spike_recorder("spikes", {"post"})
        .conductance_recorder("g", "plastic", 10.0, {0, 1, 2, 3, 4});
    return net;
  };
  Session code(eis_network(), {.seed = std::nullopt, .t_stop_ms = 300.0});
  Session file = Session::from_file(IONSPIKE_SOURCE_DIR "/examples/eis_plastic_network.pbtxt", {.t_stop_ms = 300.0});
  code.run();
  file.run();
  require_same_spikes(code.spikes("spikes"), file.spikes("spikes"));
  CHECK(code.state("g").values == file.state("g").values);
  CHECK(code.state("g").columns.size() == 5);

  const std::vector<double> g = code.conductances_nS("plastic");
  REQUIRE(g.size() == 1000);
  const ionspike::SynapseArrays syn = code.synapses("plastic");
  CHECK(syn.g_nS == g);
  CHECK(syn.weight[7] == Approx(0.1 * g[7]));
  CHECK(std::any_of(syn.energy_fJ.begin(), syn.energy_fJ.end(), [](double e) { return e > 0.0; }));

  code.set_eis_frozen("plastic", true);
  const std::vector<double> frozen = code.conductances_nS("plastic");
  code.run_for(100.0);
  CHECK(code.conductances_nS("plastic") == frozen);
  code.set_eis_frozen("plastic", false);
  code.set_eis_conductances_nS("plastic", std::vector<double>(1000, 500.0));
  const std::vector<double> set = code.conductances_nS("plastic");
  CHECK(std::all_of(set.begin(), set.end(), [](double x) { return x == 500.0; }));

  // Gate factors 0 for the copies emitted from now on: G moves far less than with 1.
  Session gated(eis_network(), {.t_stop_ms = 300.0});
  gated.run();
  gated.set_eis_conductances_nS("plastic", std::vector<double>(1000, 500.0));
  gated.set_eis_gate_factors("plastic", 0.0, 0.0);
  code.run_for(500.0);  // from 400 ms; gated from 300 ms, the waveforms emitted before ended by 400 ms
  gated.run_for(100.0);
  const std::vector<double> g_ungated = code.conductances_nS("plastic");
  const std::vector<double> g_start = gated.conductances_nS("plastic");
  gated.run_for(500.0);
  const std::vector<double> g_gated = gated.conductances_nS("plastic");
  double moved_ungated = 0.0, moved_gated = 0.0;
  for (std::size_t k = 0; k < 1000; ++k) {
    moved_ungated += std::abs(g_ungated[k] - 500.0);
    moved_gated += std::abs(g_gated[k] - g_start[k]);
  }
  INFO("sum |dG| with gate factors 1: " << moved_ungated << " nS, with 0: " << moved_gated << " nS");
  CHECK(moved_ungated > 100.0);
  CHECK(moved_gated < 0.01 * moved_ungated);  // measured: ~1/1000 (devices drift slowly at V_G = 0)
  CHECK_THROWS_AS(code.conductances_nS("spikes"), ionspike::UnknownNameError);
}

TEST_CASE("api: connections given as arrays equal a from_list text") {
  const std::string base = R"(
format_version: 1
simulation { seed: 2 }
populations { name: "a" size: 5 poisson_source { rate_Hz: 100 } }
populations { name: "b" size: 3 lif_delta { } }
projections { name: "ab" pre: "a" post: "b" from_list { CONNECTIONS } weight_mV { constant: 1 } }
spike_recorders { name: "s" }
)";
  const auto with = [&](const std::string& c) {
    std::string t = base;
    return t.replace(t.find("CONNECTIONS"), 11, c);
  };
  Session text = Session::from_text(with(
      "connections { pre: 0 post: 2 weight: 9 delay_ms: 1 } connections { pre: 1 post: 0 weight: 16 delay_ms: 2.5 }"
      " connections { pre: 4 post: 1 weight: 12 delay_ms: 0.1 } connections { pre: 4 post: 2 weight: 15 delay_ms: 3 }"));
  NetworkSpec spec = NetworkSpec::from_text(with(""));
  const std::vector<std::uint64_t> pre{0, 1, 4, 4}, post{2, 0, 1, 2};
  const std::vector<double> w{9, 16, 12, 15}, d{1, 2.5, 0.1, 3};
  spec.add_connections("ab", pre, post, w, d);
  Session arrays(std::move(spec));
  text.run_for(500.0);
  arrays.run_for(500.0);
  REQUIRE(text.spike_count("b") > 10);
  require_same_spikes(text.spikes("s"), arrays.spikes("s"));

  NetworkSpec short_post = NetworkSpec::from_text(with(""));
  CHECK_THROWS_WITH(short_post.add_connections("ab", pre, std::vector<std::uint64_t>{1, 2}),
                    Catch::Contains("post has 2 entries, pre has 4"));
  CHECK_THROWS_AS(short_post.add_connections("nowhere", pre, post), ionspike::UnknownNameError);
}

TEST_CASE("api: bad parameters raise NetworkError naming the field") {
  const auto error_of = [](auto&& f) -> NetworkError {
    try {
      f();
    } catch (const NetworkError& e) {
      return e;
    }
    FAIL("no NetworkError");
    throw;
  };

  // Names and kinds: at the builder call, which leaves the description unchanged.
  NetworkSpec net("net.cpp");
  net.population("drive", 2, "poisson_source", {{"rate_Hz", 10.0}});
  const std::string before = net.text();
  NetworkError e = error_of([&] { net.population("cells", 3, "lif_exp", {{"tau_mx_ms", 20.0}}); });
  CHECK(e.field() == "populations[1].lif_exp.tau_mx_ms");
  CHECK(e.file() == "net.cpp");
  CHECK(e.line() == 0);
  CHECK_THAT(e.message(), Catch::Contains("no such field in LifExp") && Catch::Contains("tau_m_ms"));
  CHECK(net.text() == before);
  e = error_of([&] { net.population("cells", 3, "lif_exp", {{"v_th_mV", "high"}}); });
  CHECK(e.field() == "populations[1].lif_exp.v_th_mV");
  CHECK_THAT(e.message(), Catch::Contains("expects a number"));
  e = error_of([&] { net.population("cells", 3, "lif_expo"); });
  CHECK(e.field() == "populations[1].model");
  CHECK_THAT(e.message(), Catch::Contains("lif_exp") && Catch::Contains("hh_traub_miles"));
  e = error_of([&] { net.projection("p", "drive", "drive", Connector::fixed_in_degree(3), Weight::pA(1.0), 1.0)
                                .stdp_projection("q", "drive", "drive", Connector{"fixed_in_degree", {{"k", 2.5}}},
                                                 Weight::pA(1.0), 1.0, {}); });
  CHECK(e.field() == "projections[1].fixed_in_degree.k");
  CHECK_THAT(e.message(), Catch::Contains("whole number"));
  e = error_of([&] { net.stdp_projection("q", "drive", "drive", Connector::one_to_one(), Weight::pA(1.0), 1.0,
                                         {{"pairing", "CLOSEST"}}); });
  CHECK(e.field() == "projections[1].stdp.pairing");
  CHECK_THAT(e.message(), Catch::Contains("ALL_TO_ALL, NEAREST"));
  CHECK(net.text().find("name: \"q\"") == std::string::npos);

  // Values: when the Session builds the network, with the same field paths.
  NetworkSpec bad("bad.cpp");
  bad.population("cells", 3, "lif_exp", {{"tau_m_ms", -5.0}});
  e = error_of([&] { Session s(std::move(bad)); });
  CHECK(e.field() == "populations[0].lif_exp.tau_m_ms");
  CHECK(std::string(e.what()) == "bad.cpp: error in field 'populations[0].lif_exp.tau_m_ms': must be in (0, inf) ms, got -5");

  // Text: with line and column.
  std::string text = kBuiltAsText;
  text.replace(text.find("tau_m_ms: 20"), 12, "tau_m_ms: -20");
  e = error_of([&] { Session::from_text(text, "bad.pbtxt"); });
  CHECK(e.file() == "bad.pbtxt");
  CHECK(e.line() == 6);
  CHECK(e.column() > 0);
  CHECK(e.field() == "populations[1].lif_exp.tau_m_ms");
  CHECK_THAT(e.what(), Catch::StartsWith("bad.pbtxt:6:"));
  CHECK_THROWS_AS(Session::from_file("/nonexistent/net.pbtxt"), NetworkError);

  // Arguments of Session calls.
  Session sim(built_network());
  CHECK_THROWS_AS(sim.spikes("nowhere"), ionspike::UnknownNameError);
  CHECK_THROWS_WITH(sim.set_poisson_rate("cells", 3.0), Catch::Contains("not a poisson_source"));
  CHECK_THROWS_WITH(sim.set_poisson_rate("drive", -1.0), Catch::Contains(">= 0"));
  CHECK_THROWS_AS(sim.run_for(-1.0), std::invalid_argument);
  const std::vector<std::uint32_t> far{10};
  CHECK_THROWS_AS(sim.add_injected_current("cells", 1.0, far), std::out_of_range);
  sim.run_for(10.0);
  CHECK_THROWS_WITH(sim.run_until(5.0), Catch::Contains("before the current time"));
}
