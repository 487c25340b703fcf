// Checkpoints (engine/checkpoint.hpp): a run saved at some moment and resumed from the file
// ends in exactly the state of the uninterrupted run, for every model of neuron and synapse;
// corrupt, foreign or tampered checkpoints are refused with a message naming the problem.
//
// "Exactly" is checked on the complete final state: the archive of the resumed simulator
// (every population's variables, pending events, traces, weights, conductances, random
// streams, histories, recorded data) must equal that of the uninterrupted one byte for byte.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "engine/checkpoint.hpp"
#include "networks/checkpoint.pb.h"
#include "test_support.hpp"

using namespace ionspike;
using ionspike::test::final_state;
using ionspike::test::first_difference;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string example(const std::string& name) {
  return read_text(std::string(IONSPIKE_SOURCE_DIR) + "/examples/" + name);
}

// Every neuron model, spike sources, current sources and recorders in one network.
std::string all_models_text() {
  return R"(
format_version: 1
simulation { seed: 5 min_delay_ms: 0.5 }
populations { name: "drive" size: 40 poisson_source { rate_Hz: 40 } }
populations { name: "train" size: 3 spike_source_array { trains { times_ms: [5, 17.5, 40, 41, 90] } } }
populations { name: "delta" size: 20 lif_delta { v_init_mV { uniform { low: -70 high: -56 } } } }
populations { name: "exp" size: 20 lif_exp { v_init_mV { uniform { low: -70 high: -56 } } } }
populations { name: "cond" size: 20 dt_ms: 0.1 lif_cond_exp { } }
populations { name: "cond_grid" size: 20 dt_ms: 0.1 input_timing: ON_GRID lif_cond_exp { } }
populations { name: "adaptive" size: 10 dt_ms: 0.5 lif_cond_exp_adaptive { } }
populations { name: "hh" size: 5 dt_ms: 0.05 hh_traub_miles { } }
populations { name: "hh_grid" size: 5 dt_ms: 0.05 input_timing: ON_GRID hh_traub_miles { } }
populations { name: "hh52" size: 5 dt_ms: 0.025 hh_1952 { } }
populations { name: "adex" size: 10 dt_ms: 0.1 adex { } }
populations { name: "izh" size: 10 dt_ms: 0.25 izhikevich { } }
projections { name: "to_delta" pre: "drive" post: "delta" fixed_in_degree { k: 8 } weight_mV { constant: 2 } delay_ms { uniform { low: 0.5 high: 2 } } }
projections { name: "to_exp" pre: "drive" post: "exp" fixed_in_degree { k: 8 } weight_pA { constant: 300 } }
projections { name: "to_cond" pre: "drive" post: "cond" fixed_in_degree { k: 8 } weight_nS { constant: 6 } }
projections { name: "to_cond_grid" pre: "drive" post: "cond_grid" fixed_in_degree { k: 8 } weight_nS { constant: 6 } }
projections { name: "to_adaptive" pre: "drive" post: "adaptive" fixed_in_degree { k: 8 } weight_nS { constant: 8 } }
projections { name: "to_hh" pre: "drive" post: "hh" fixed_in_degree { k: 8 } weight_nS { constant: 8 } }
projections { name: "to_hh_grid" pre: "drive" post: "hh_grid" fixed_in_degree { k: 8 } weight_nS { constant: 8 } }
projections { name: "to_adex" pre: "drive" post: "adex" fixed_in_degree { k: 8 } weight_nS { constant: 8 } }
projections { name: "to_izh" pre: "drive" post: "izh" fixed_in_degree { k: 8 } weight_mV { constant: 6 } delay_ms { constant: 1 } }
projections { name: "train_delta" pre: "train" post: "delta" all_to_all { } weight_mV { constant: 4 } }
projections { name: "delta_exp" pre: "delta" post: "exp" fixed_probability { p: 0.3 } weight_pA { constant: 100 } delay_ms { constant: 1.5 } }
current_sources { name: "step_exp" target: "exp" neurons: [0, 3] times_ms: [10, 60] amplitudes_pA: [400, 0] }
current_sources { name: "step_all" target: "cond" times_ms: [20, 70.05] amplitudes_pA: [150, -50] }
current_sources { name: "step_grid" target: "cond_grid" neurons: [1] times_ms: [15] amplitudes_pA: [200] }
current_sources { name: "step_hh52" target: "hh52" times_ms: [5] amplitudes_pA: [10] }
spike_recorders { name: "spikes" }
state_recorders { name: "v_exp" population: "exp" variable: "v_mV" neurons: [0, 1] interval_ms: 0.7 }
state_recorders { name: "v_grid" population: "cond_grid" variable: "v_mV" neurons: [0, 1] interval_ms: 1 }
state_recorders { name: "w_adex" population: "adex" variable: "w_pA" interval_ms: 2 }
)";
}

// The dopamine example with a Poisson reward source instead of the driver's rewards.
std::string with_random_reward(std::string text) {
  text = std::regex_replace(text, std::regex(R"(spike_source_array \{ trains \{ \} \})"), "poisson_source { rate_Hz: 20 }");
  REQUIRE(text.find("poisson_source { rate_Hz: 20 }") != std::string::npos);
  return text;
}


std::filesystem::path temp_file(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("ionspike_test_checkpoint_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

struct Case {
  std::string label;
  std::string text;
  double t_stop_ms;
};

std::vector<Case> cases() {
  return {
      {"every neuron model", all_models_text(), 100.0},
      {"EIS plastic network", example("eis_plastic_network.pbtxt"), 1500.0},
      {"dopamine STDP (distal reward)", with_random_reward(example("distal_reward.pbtxt")), 400.0},
      {"dopamine EIS (distal reward)", with_random_reward(example("distal_reward_eis.pbtxt")), 150.0},
      {"heterogeneous plasticity", example("heterogeneous_plasticity.pbtxt"), 500.0},
      {"Song 2000 trace STDP", example("song2000.pbtxt"), 1500.0},
      {"COBA grid", example("brette2007_coba_grid.pbtxt"), 60.0},
      // Both sampling paths of poisson_inputs (merged at rate x dt <= 1, per neuron above).
      {"COBA grid with poisson_inputs",
       std::regex_replace(example("brette2007_coba_grid.pbtxt"), std::regex("input_timing: ON_GRID"),
                          "input_timing: ON_GRID poisson_inputs { rate_Hz: 300 weight_nS: 0.4 } "
                          "poisson_inputs { rate_Hz: 20000 weight_nS: -0.01 }"),
       60.0},
  };
}

}  // namespace

TEST_CASE("a run resumed from a checkpoint file ends in exactly the uninterrupted run's state", "[checkpoint]") {
  for (const Case& c : cases()) {
    SECTION(c.label) {
      const LoadedNetwork loaded = parse_network_text(c.text, c.label);
      Simulator whole(build_network(loaded));
      whole.run_until(c.t_stop_ms);
      const auto reference = final_state(whole);
      REQUIRE(whole.counters().spikes > 0);

      // Saved at an arbitrary time, written to a file, resumed in a new simulator.
      Simulator first(build_network(loaded));
      first.run_until(0.37 * c.t_stop_ms);
      const auto file = temp_file("resume.ckpt");
      save_checkpoint(first, loaded.message, c.label, 0.0, file);
      ResumedSimulation resumed = resume_checkpoint(file);
      CHECK(resumed.simulator.time_ms() == first.time_ms());
      resumed.simulator.run_until(c.t_stop_ms);
      CHECK(first_difference(final_state(resumed.simulator), reference) == std::string());
      CHECK(resumed.simulator.counters().spikes == whole.counters().spikes);
    }
  }
}

TEST_CASE("a run interrupted between two events resumes exactly", "[checkpoint]") {
  // The interrupt flag stops the run after some event in the middle of a millisecond (raised
  // from the progress callback, called every 65536 events), with events of that very time
  // still pending; the checkpoint then holds them.
  const Case c{"COBA", example("brette2007_coba.pbtxt"), 800.0};
  const LoadedNetwork loaded = parse_network_text(c.text, c.label);
  Simulator whole(build_network(loaded));
  whole.run_until(c.t_stop_ms);

  Simulator first(build_network(loaded));
  std::atomic<bool> interrupt{false};
  first.set_interrupt_flag(&interrupt);
  const bool complete = first.run_until(c.t_stop_ms, [&](double, double) { interrupt = true; });
  REQUIRE_FALSE(complete);
  REQUIRE(first.time_ms() > 0.0);
  REQUIRE(first.time_ms() < c.t_stop_ms);
  INFO("interrupted at " << first.time_ms() << " ms after " << first.counters().events << " events");
  const auto file = temp_file("interrupted.ckpt");
  save_checkpoint(first, loaded.message, c.label, 0.0, file);
  ResumedSimulation resumed = resume_checkpoint(file);
  resumed.simulator.run_until(c.t_stop_ms);
  CHECK(first_difference(final_state(resumed.simulator), final_state(whole)) == std::string());
}

TEST_CASE("a checkpoint of one network does not restore into another", "[checkpoint]") {
  const LoadedNetwork a = parse_network_text(all_models_text(), "a");
  Simulator sim_a(build_network(a));
  sim_a.run_until(10.0);
  StateArchive saved;
  sim_a.checkpoint(saved);
  const std::vector<ArchivedField> fields = saved.take_fields();

  SECTION("a population of another size") {
    std::string text = all_models_text();
    text.replace(text.find("name: \"exp\" size: 20"), 20, "name: \"exp\" size: 21");
    Simulator other(build_network(parse_network_text(text, "b")));
    StateArchive ar(fields, "a.ckpt");
    CHECK_THROWS_WITH(other.checkpoint(ar), Catch::Contains("a.ckpt") && Catch::Contains("population/exp/") &&
                                                Catch::Contains("the network needs 21"));
  }
  SECTION("a population missing") {
    std::string text = all_models_text();
    text.replace(text.find("name: \"izh\""), 11, "name: \"izq\"");
    text = std::regex_replace(text, std::regex("post: \"izh\""), "post: \"izq\"");
    Simulator other(build_network(parse_network_text(text, "b")));
    StateArchive ar(fields, "a.ckpt");
    CHECK_THROWS_WITH(other.checkpoint(ar), Catch::Contains("population/izq/") && Catch::Contains("missing"));
  }
  SECTION("state left over") {
    std::vector<ArchivedField> extra = fields;
    extra.push_back({"population/ghost/v_mV", 8, std::string(8, '\0')});
    Simulator other(build_network(a));
    StateArchive ar(extra, "a.ckpt");
    other.checkpoint(ar);
    CHECK_THROWS_WITH(ar.expect_all_consumed(), Catch::Contains("population/ghost/v_mV") &&
                                                    Catch::Contains("does not have"));
  }
  SECTION("an element size of another build") {
    std::vector<ArchivedField> changed = fields;
    for (ArchivedField& f : changed)
      if (f.name == "population/delta/v_mV") {
        f.element_bytes = 4;
      }
    Simulator other(build_network(a));
    StateArchive ar(changed, "a.ckpt");
    CHECK_THROWS_WITH(other.checkpoint(ar), Catch::Contains("population/delta/v_mV") && Catch::Contains("4 bytes"));
  }
  SECTION("a pending event naming a projection that does not exist") {
    std::vector<ArchivedField> changed = fields;
    bool found = false;
    for (ArchivedField& f : changed)
      if (f.name == "engine/pending_events" && f.bytes.size() >= sizeof(Event)) {
        Event e;
        std::memcpy(&e, f.bytes.data(), sizeof e);
        e = Event::make(e.t_ms, EventKind::Delivery, 4000, 0, 0);
        std::memcpy(f.bytes.data(), &e, sizeof e);
        found = true;
      }
    REQUIRE(found);
    Simulator other(build_network(a));
    StateArchive ar(changed, "a.ckpt");
    CHECK_THROWS_WITH(other.checkpoint(ar), Catch::Contains("engine/pending_events"));
  }
}

namespace {

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

CheckpointContents read_bytes(const std::string& bytes) {
  std::istringstream in(bytes);
  return read_checkpoint(in, bytes.size(), "test.ckpt");
}

std::string le64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}
std::string record(const std::string& payload) {
  const auto crc = static_cast<std::uint32_t>(::crc32(0L, reinterpret_cast<const Bytef*>(payload.data()),
                                                      static_cast<uInt>(payload.size())));
  return le64(payload.size()) + payload + le64(crc).substr(0, 4);
}

}  // namespace

TEST_CASE("corrupt or foreign checkpoint files are refused with the reason", "[checkpoint]") {
  const LoadedNetwork loaded = parse_network_text(example("eis_plastic_network.pbtxt"), "eis");
  Simulator sim(build_network(loaded));
  sim.run_until(200.0);
  const auto file = temp_file("good.ckpt");
  save_checkpoint(sim, loaded.message, "eis", 100.0, file);
  const std::string good = file_bytes(file);
  REQUIRE_NOTHROW(read_bytes(good));
  CHECK(read_bytes(good).checkpoint_every_ms == 100.0);

  SECTION("truncated anywhere") {
    for (std::size_t cut : {std::size_t{0}, std::size_t{5}, std::size_t{20}, std::size_t{27}, good.size() / 3,
                            good.size() / 2, good.size() - 5, good.size() - 1})
      CHECK_THROWS_WITH(read_bytes(good.substr(0, cut)), Catch::Contains("test.ckpt") &&
                                                            (Catch::Contains("truncated") || Catch::Contains("shorter")));
  }
  SECTION("a flipped byte") {
    for (std::size_t at : {good.size() / 4, good.size() / 2, good.size() - 100}) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ 0x10);
      CHECK_THROWS_WITH(read_bytes(bad), Catch::Contains("checksum mismatch") || Catch::Contains("truncated") ||
                                             Catch::Contains("at most 1 GiB") || Catch::Contains("more field records"));
    }
  }
  SECTION("not a checkpoint") {
    CHECK_THROWS_WITH(read_bytes(std::string("format_version: 1\npopulations { }\n")), Catch::Contains("magic"));
  }
  SECTION("trailing bytes") {
    CHECK_THROWS_WITH(read_bytes(good + "x"), Catch::Contains("after the last record"));
  }
  SECTION("another format or ionspike version, another byte order") {
    const std::string magic = "IONSPIKE-CHECKPOINT\n";
    ionspike::checkpoint::v1::CheckpointHeader header;
    header.set_format_version(kCheckpointFormatVersion);
    header.set_ionspike_version(IONSPIKE_VERSION);
    header.set_byte_order_mark(0x0102030405060708ULL);
    *header.mutable_network() = loaded.message;
    header.set_field_records(0);
    CHECK_NOTHROW(read_bytes(magic + record(header.SerializeAsString())));
    auto other = header;
    other.set_format_version(kCheckpointFormatVersion + 1);
    CHECK_THROWS_WITH(read_bytes(magic + record(other.SerializeAsString())),
                      Catch::Contains("format version " + std::to_string(kCheckpointFormatVersion + 1)));
    other = header;
    other.set_ionspike_version("0.0.1");
    CHECK_THROWS_WITH(read_bytes(magic + record(other.SerializeAsString())), Catch::Contains("ionspike 0.0.1"));
    other = header;
    other.set_byte_order_mark(0x0807060504030201ULL);
    CHECK_THROWS_WITH(read_bytes(magic + record(other.SerializeAsString())), Catch::Contains("byte order"));
    other = header;
    other.set_field_records(1u << 30);
    CHECK_THROWS_WITH(read_bytes(magic + record(other.SerializeAsString())), Catch::Contains("more field records"));
    // A part of a run across ranks: rank below ranks, and no more shards than a plan allows
    // (a thread count that would wrap the shard count must not reach the builder).
    other = header;
    other.set_rank(0);
    other.set_ranks(2);
    other.set_build_threads(2);
    CHECK_NOTHROW(read_bytes(magic + record(other.SerializeAsString())));
    other.set_rank(2);
    CHECK_THROWS_WITH(read_bytes(magic + record(other.SerializeAsString())), Catch::Contains("rank 2 of 2"));
    other.set_rank(0);
    other.set_build_threads(1u << 31);
    CHECK_THROWS_WITH(read_bytes(magic + record(other.SerializeAsString())), Catch::Contains("build threads"));
    other.set_build_threads(1024);
    other.set_ranks(4096);
    CHECK_THROWS_WITH(read_bytes(magic + record(other.SerializeAsString())), Catch::Contains("2^20 shards"));
  }
  SECTION("a missing file") {
    CHECK_THROWS_WITH(resume_checkpoint(temp_file("none.ckpt")), Catch::Contains("cannot open"));
  }
  SECTION("resume refuses a t_stop before the checkpoint") {
    CHECK_THROWS_WITH(resume_checkpoint(file, ResumeChanges{100.0, std::nullopt}), Catch::Contains("--t-stop"));
  }
}

TEST_CASE("checkpoint files do not depend on heap layout: equal states give equal files", "[checkpoint]") {
  const LoadedNetwork loaded = parse_network_text(all_models_text(), "all");
  std::string bytes[2];
  for (int i = 0; i < 2; ++i) {
    Simulator sim(build_network(loaded));
    sim.run_until(33.3);
    const auto file = temp_file("equal" + std::to_string(i) + ".ckpt");
    save_checkpoint(sim, loaded.message, "all", 0.0, file);
    bytes[i] = file_bytes(file);
  }
  CHECK(bytes[0] == bytes[1]);
}
