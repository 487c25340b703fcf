// Bad network input is refused with an InputError that names the file, the exact line, the
// exact field path and what would have been allowed; never accepted, clamped or crashed on.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "networks/memory_estimate.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"
#include "networks/network_validator.hpp"

using namespace ionspike;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// Lines joined by '\n': line i of the text is element i - 1.
std::string lines(std::initializer_list<std::string> ls) {
  std::string s;
  for (const std::string& l : ls) s += l + "\n";
  return s;
}

// A valid network of five lines; the cases below add their lines from line 6 on.
const std::string kBase = lines({
    R"(format_version: 1)",                                                                  // 1
    R"(simulation { t_stop_ms: 100 min_delay_ms: 0.5 })",                                   // 2
    R"(populations { name: "exc" size: 10 lif_exp { tau_m_ms: 20 tau_syn_ex_ms: 5 tau_syn_in_ms: 8 } })",  // 3
    R"(populations { name: "inh" size: 5 lif_delta { tau_m_ms: 10 } })",                    // 4
    R"(populations { name: "in" size: 20 poisson_source { rate_Hz: 10 } })",                // 5
});

std::string base_with(std::initializer_list<std::string> extra) { return kBase + lines(extra); }

// The error validation of `text` must throw (a failed check if it accepts the text).
InputError rejection(const std::string& text) {
  try {
    validate_network(parse_network_text(text, "bad.pbtxt"));
  } catch (const InputError& e) {
    return e;
  }
  FAIL("accepted:\n" << text);
  throw std::logic_error("unreachable");
}

// File, exact line, exact field path, and the words the message must contain.
void expect_rejected(const std::string& text, int line, const std::string& field,
                     std::initializer_list<std::string> mentions) {
  const InputError e = rejection(text);
  INFO("error: " << e.what() << "\ntext:\n" << text);
  CHECK(e.where().file == "bad.pbtxt");
  CHECK(e.where().line == line);
  CHECK(e.field() == field);
  for (const std::string& m : mentions) CHECK_THAT(e.message(), Contains(m));
  const std::string prefix = "bad.pbtxt:" + std::to_string(line) + ":";
  CHECK_THAT(std::string(e.what()), StartsWith(prefix));
  if (!field.empty()) CHECK_THAT(std::string(e.what()), Contains("error in field '" + field + "': "));
}

// A fresh directory for files of one test, removed at the end.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("ionspike-validation-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_CASE("validation: the base network of these tests is valid", "[validation]") {
  CHECK_NOTHROW(validate_network(parse_network_text(kBase, "bad.pbtxt")));
  CHECK_NOTHROW(validate_network(parse_network_text(
      base_with({R"(projections { name: "p" pre: "in" post: "exc" all_to_all {} weight_pA { constant: 5 } })"}),
      "bad.pbtxt")));
}

// ---- syntax ------------------------------------------------------------------------------

TEST_CASE("validation: syntax errors give line and column and the field being read", "[validation][syntax]") {
  SECTION("missing colon before a number") {
    const InputError e = rejection(lines({"format_version: 1", "simulation {", "  t_stop_ms 100", "}"}));
    CHECK(e.where().line == 3);
    CHECK(e.where().column == 13);  // at "100"
    CHECK(e.field() == "simulation.t_stop_ms");
    CHECK_THAT(e.message(), StartsWith("syntax error: ") && Contains("Expected \":\""));
    CHECK(std::string(e.what()) ==
          "bad.pbtxt:3:13: error in field 'simulation.t_stop_ms': " + e.message());
  }
  SECTION("unbalanced braces") {
    const InputError e = rejection(lines({"format_version: 1", "simulation { t_stop_ms: 100 } }"}));
    CHECK(e.where().line == 2);
    CHECK(e.where().column == 31);
    CHECK(e.field() == "");
    CHECK_THAT(e.message(), Contains("Expected identifier"));
  }
  SECTION("unterminated string") {
    const InputError e = rejection(lines({"format_version: 1", "populations {", "  name: \"exc", "}"}));
    CHECK(e.where().line == 3);
    CHECK(e.field() == "populations[0].name");
  }
}

TEST_CASE("validation: unknown field names list the fields that exist", "[validation][syntax]") {
  expect_rejected(base_with({"populations {", R"(  name: "x" sise: 3)", "  lif_delta {}", "}"}), 7,
                  "populations[3].sise", {"no field named \"sise\"", "fields of Population: name, size, lif_delta"});
  // Units are part of the names, with their case: rate_Hz, not rate_hz.
  expect_rejected(base_with({R"(populations { name: "src" size: 2 poisson_source { rate_hz: 5 } })"}), 6,
                  "populations[3].poisson_source.rate_hz", {"no field named \"rate_hz\"", "rate_Hz"});
}

TEST_CASE("validation: wrong value types name the field", "[validation][syntax]") {
  expect_rejected(base_with({"populations {", R"(  name: "x" size: 3)", "  lif_delta {", R"(    tau_m_ms: "fast")",
                             "  }", "}"}),
                  9, "populations[3].lif_delta.tau_m_ms", {"Expected double"});
  expect_rejected(base_with({R"(populations { name: "x" size: -3 lif_delta {} })"}), 6, "populations[3].size",
                  {"Expected integer"});
  expect_rejected(base_with({R"(populations { name: "x" size: 2.5 lif_delta {} })"}), 6, "populations[3].size",
                  {"Expected integer"});
  expect_rejected(base_with({R"(populations { name: "x" size: 99999999999999999999999 lif_delta {} })"}), 6,
                  "populations[3].size", {"Integer out of range"});
  expect_rejected(base_with({R"(projections { name: "p" pre: "in" post: "exc" all_to_all {} weight_pA { constant: 5 })",
                             "  receptor: INHIBITING }"}),
                  7, "projections[0].receptor", {"INHIBITING", "allowed: EXCITATORY, INHIBITORY"});
  // Two models for one population.
  expect_rejected(base_with({R"(populations { name: "x" size: 3 lif_delta {})", "  lif_exp {} }"}), 7,
                  "populations[3].lif_exp", {"another member of oneof \"model\""});
  // A value given twice.
  expect_rejected(lines({"format_version: 1", "simulation { t_stop_ms: 100", "  t_stop_ms: 200 }"}), 3,
                  "simulation.t_stop_ms", {"specified multiple times"});
}

// ---- format version ----------------------------------------------------------------------

TEST_CASE("validation: format_version is required and must be 1", "[validation]") {
  const std::string rest = kBase.substr(kBase.find('\n') + 1);
  expect_rejected(rest, 1, "format_version", {"missing", "format_version: 1"});
  expect_rejected("# a network\n\nformat_version: 2\n" + rest, 3, "format_version",
                  {"reads format version 1, got 2"});
  expect_rejected("", 1, "format_version", {"missing"});
}

// ---- references between items ------------------------------------------------------------

TEST_CASE("validation: references to unknown populations list the known ones", "[validation][references]") {
  SECTION("projection pre") {
    expect_rejected(base_with({"projections {", R"(  name: "p")", R"(  pre: "ex")", R"(  post: "exc")",
                               "  all_to_all {}", "  weight_pA { constant: 5 }", "}"}),
                    8, "projections[0].pre", {"unknown population 'ex'", "known: exc, in, inh"});
  }
  SECTION("projection post") {
    expect_rejected(base_with({R"(projections { name: "p" pre: "in" post: "exc" all_to_all {} weight_pA { constant: 5 } })",
                               R"(projections { name: "q" pre: "in")", R"(  post: "Exc" all_to_all {} weight_pA { constant: 5 } })"}),
                    8, "projections[1].post", {"unknown population 'Exc'"});
  }
  SECTION("projection without pre") {
    expect_rejected(base_with({R"(projections { name: "p" post: "exc" all_to_all {} weight_pA { constant: 5 } })"}),
                    6, "projections[0].pre", {"unknown population ''"});
  }
  SECTION("current source target") {
    expect_rejected(base_with({"current_sources {", R"(  name: "dc" target: "exc2")", "  times_ms: 0 amplitudes_pA: 100",
                               "}"}),
                    7, "current_sources[0].target", {"unknown population 'exc2'", "known: exc, in, inh"});
  }
  SECTION("spike recorder") {
    expect_rejected(base_with({R"(spike_recorders { name: "s" populations: "exc")", R"(  populations: "inhibitory" })"}),
                    7, "spike_recorders[0].populations[1]", {"unknown population 'inhibitory'"});
  }
  SECTION("state recorder") {
    expect_rejected(base_with({R"(state_recorders { name: "v" variable: "v_mV")", R"(  population: "nope" })"}), 7,
                    "state_recorders[0].population", {"unknown population 'nope'"});
  }
}

TEST_CASE("validation: duplicate names", "[validation][names]") {
  SECTION("populations") {
    expect_rejected(base_with({R"(populations { name: "inh" size: 5 lif_delta {} })"}), 6, "populations[3].name",
                    {"duplicate population name 'inh'"});
  }
  SECTION("projections") {
    expect_rejected(base_with({R"(projections { name: "p" pre: "in" post: "exc" all_to_all {} weight_pA { constant: 5 } })",
                               R"(projections { pre: "in" post: "inh" all_to_all {} weight_mV { constant: 5 })",
                               R"(  name: "p" })"}),
                    8, "projections[1].name", {"duplicate projection name 'p'"});
  }
  SECTION("recorders share one namespace (their names become file names)") {
    expect_rejected(base_with({R"(spike_recorders { name: "rec" })",
                               R"(state_recorders { name: "rec" population: "exc" variable: "v_mV" })"}),
                    7, "state_recorders[0].name", {"duplicate recorder name 'rec'"});
  }
  SECTION("current sources") {
    expect_rejected(base_with({R"(current_sources { name: "dc" target: "exc" times_ms: 0 amplitudes_pA: 1 })",
                               R"(current_sources { name: "dc" target: "inh" times_ms: 0 amplitudes_pA: 1 })"}),
                    7, "current_sources[1].name", {"duplicate current source name 'dc'"});
  }
}

TEST_CASE("validation: invalid names", "[validation][names]") {
  for (const std::string& name : {std::string("two words"), std::string("-x"), std::string(".hidden"),
                                  std::string("a/b"), std::string(""), std::string(129, 'n')}) {
    INFO("name '" << name << "'");
    expect_rejected(base_with({"populations {", "  name: \"" + name + "\" size: 2 lif_delta {}", "}"}), 7,
                    "populations[3].name", {"must be a name of 1 to 128 characters", "got '" + name + "'"});
  }
  expect_rejected(base_with({R"(spike_recorders { populations: "exc" })"}), 6, "spike_recorders[0].name",
                  {"must be a name", "got ''"});
}

// ---- neuron parameters -------------------------------------------------------------------

TEST_CASE("validation: time constants must be positive and finite", "[validation][neurons]") {
  for (const std::string& v : {"-1", "0", "nan", "inf", "-inf"}) {
    INFO("tau_m_ms: " << v);
    expect_rejected(base_with({"populations {", R"(  name: "p" size: 3)", "  lif_exp {", "    tau_m_ms: " + v, "  }", "}"}),
                    9, "populations[3].lif_exp.tau_m_ms", {"must be in (0, inf) ms, got " + v});
    expect_rejected(base_with({R"(populations { name: "p" size: 3 lif_exp { tau_syn_in_ms: )" + v + " } }"}), 6,
                    "populations[3].lif_exp.tau_syn_in_ms", {"must be in (0, inf) ms, got " + v});
  }
  expect_rejected(base_with({R"(populations { name: "p" size: 3 lif_delta { t_ref_ms: -0.5 } })"}), 6,
                  "populations[3].lif_delta.t_ref_ms", {"must be in [0, inf) ms, got -0.5"});
  expect_rejected(base_with({R"(populations { name: "p" size: 3 lif_delta { c_m_pF: 0 } })"}), 6,
                  "populations[3].lif_delta.c_m_pF", {"must be in (0, inf) pF, got 0"});
}

TEST_CASE("validation: v_reset_mV must be below v_th_mV", "[validation][neurons]") {
  expect_rejected(base_with({"populations { name: \"p\" size: 3", "  lif_delta { v_th_mV: -55", "    v_reset_mV: -55 } }"}),
                  8, "populations[3].lif_delta.v_reset_mV", {"must be in (-inf, -55) mV", "got -55"});
  expect_rejected(base_with({"populations { name: \"p\" size: 3", "  lif_exp { v_reset_mV: -40 } }"}), 7,
                  "populations[3].lif_exp.v_reset_mV", {"must be in (-inf, -55) mV", "got -40"});
  expect_rejected(base_with({"populations { name: \"p\" size: 3", "  lif_exp { e_l_mV: nan } }"}), 7,
                  "populations[3].lif_exp.e_l_mV", {"must be a finite number (mV), got nan"});
}

TEST_CASE("validation: tau_syn equal to tau_m", "[validation][neurons]") {
  expect_rejected(base_with({"populations { name: \"p\" size: 3 lif_exp {", "  tau_m_ms: 10", "  tau_syn_ex_ms: 10",
                             "} }"}),
                  8, "populations[3].lif_exp.tau_syn_ex_ms", {"must differ from tau_m_ms (10)", "got 10"});
  expect_rejected(base_with({"populations { name: \"p\" size: 3 lif_exp {", "  tau_syn_ex_ms: 3", "  tau_m_ms: 10.001",
                             "  tau_syn_in_ms: 10 } }"}),
                  9, "populations[3].lif_exp.tau_syn_in_ms", {"must differ from tau_m_ms"});
}

TEST_CASE("validation: population size", "[validation][populations]") {
  expect_rejected(base_with({"populations {", R"(  name: "p")", "  size: 0", "  lif_delta {}", "}"}), 8,
                  "populations[3].size", {"must be in [1, 4294967294] neurons, got 0"});
  // A missing field is reported at its message.
  expect_rejected(base_with({"populations {", R"(  name: "p")", "  lif_delta {}", "}"}), 6, "populations[3].size",
                  {"must be in [1, 4294967294] neurons, got nothing"});
  expect_rejected(base_with({"populations {", R"(  name: "p" size: 4294967295)", "  lif_delta {}", "}"}), 7,
                  "populations[3].size", {"must be in [1, 4294967294] neurons, got 4294967295"});
  expect_rejected(base_with({"populations {", R"(  name: "p" size: 18446744073709551615 lif_delta {})", "}"}), 7,
                  "populations[3].size", {"got 18446744073709551615"});
  expect_rejected(base_with({R"(populations { name: "p" size: 3 })"}), 6, "populations[3]",
                  {"no model: set one of lif_delta, lif_exp, poisson_source, spike_source_array"});
  expect_rejected(lines({"format_version: 1", "simulation { t_stop_ms: 10 }"}), 1, "populations",
                  {"no population"});
}

// ---- projections -------------------------------------------------------------------------

TEST_CASE("validation: connection probability outside 0 to 1", "[validation][projections]") {
  for (const std::string& p : {"1.5", "-0.1", "nan", "inf"}) {
    INFO("p: " << p);
    expect_rejected(base_with({R"(projections { name: "p" pre: "in" post: "exc")",
                               "  fixed_probability { p: " + p + " }", "  weight_pA { constant: 5 } }"}),
                    7, "projections[0].fixed_probability.p", {"must be in [0, 1], got " + p});
  }
  expect_rejected(base_with({R"(projections { name: "p" pre: "in" post: "exc")",
                             "  fixed_probability { allow_autapses: false }", "  weight_pA { constant: 5 } }"}),
                  7, "projections[0].fixed_probability.p", {"missing", "[0, 1]"});
}

TEST_CASE("validation: fixed in-degree larger than the pre population without multapses", "[validation][projections]") {
  expect_rejected(base_with({R"(projections { name: "p" pre: "inh" post: "exc")",
                             "  fixed_in_degree { allow_multapses: false", "    k: 6 }", "  weight_pA { constant: 5 } }"}),
                  8, "projections[0].fixed_in_degree.k", {"must be in [0, 5] without multapses", "got 6"});
  expect_rejected(base_with({R"(projections { name: "p" pre: "inh" post: "inh" weight_mV { constant: 1 })",
                             "  fixed_in_degree { k: 5 allow_multapses: false allow_autapses: false } }"}),
                  7, "projections[0].fixed_in_degree.k", {"must be in [0, 4] without multapses", "autapses excluded", "got 5"});
  expect_rejected(base_with({R"(projections { name: "p" pre: "inh" post: "exc" weight_pA { constant: 1 })",
                             "  fixed_in_degree { k: 2000000000 } }"}),
                  7, "projections[0].fixed_in_degree.k", {"must be in [0, 1e9], got 2000000000"});
}

TEST_CASE("validation: one_to_one needs equal sizes", "[validation][projections]") {
  expect_rejected(base_with({R"(projections { name: "p" pre: "in" post: "exc" weight_pA { constant: 1 })", "  one_to_one {}",
                             "}"}),
                  7, "projections[0].one_to_one", {"needs equal sizes", "'in' has 20", "'exc' has 10"});
}

TEST_CASE("validation: from_list indices in range", "[validation][projections]") {
  const std::string head = R"(projections { name: "l" pre: "inh" post: "exc" weight_pA { constant: 1 } from_list {)";
  expect_rejected(base_with({head, "  connections { pre: 0 post: 9 }", "  connections { pre: 5 post: 0 }", "} }"}), 8,
                  "projections[0].from_list.connections[1].pre", {"must be a neuron index in [0, 4] of 'inh', got 5"});
  expect_rejected(base_with({head, "  connections { pre: 0 post: 10 }", "} }"}), 7,
                  "projections[0].from_list.connections[0].post", {"must be a neuron index in [0, 9] of 'exc', got 10"});
  expect_rejected(base_with({head, "  connections { post: 1 }", "} }"}), 7,
                  "projections[0].from_list.connections[0].pre", {"got nothing"});
}

TEST_CASE("validation: delays below simulation.min_delay_ms", "[validation][projections][delays]") {
  const std::string head = R"(projections { name: "p" pre: "in" post: "exc" all_to_all {} weight_pA { constant: 5 })";
  SECTION("constant") {
    expect_rejected(base_with({head, "  delay_ms { constant: 0.4 } }"}), 7, "projections[0].delay_ms.constant",
                    {"must be in [0.5, 1e+09] ms (>= simulation.min_delay_ms), got 0.4"});
  }
  SECTION("uniform low") {
    expect_rejected(base_with({head, "  delay_ms { uniform {", "    low: 0.1 high: 2 } } }"}), 8,
                    "projections[0].delay_ms.uniform.low", {"must be in [0.5, 1e+09] ms", "got 0.1"});
  }
  SECTION("normal without a low bound") {
    // low is unset: the line of its normal.
    expect_rejected(base_with({head, "  delay_ms {", "    normal { mean: 2 stddev: 0.5 high: 4 } } }"}), 8,
                    "projections[0].delay_ms.normal.low", {"must be in [0.5, 1e+09] ms", "set low", "got -inf"});
  }
  SECTION("from_list delay") {
    expect_rejected(base_with({R"(projections { name: "l" pre: "inh" post: "exc" weight_pA { constant: 1 } from_list {)",
                               "  connections { pre: 0 post: 1 delay_ms: 1 }", "  connections { pre: 1 post: 1",
                               "    delay_ms: 0.25 } } }"}),
                    9, "projections[0].from_list.connections[1].delay_ms",
                    {"must be in [0.5, 1e+09] ms (>= simulation.min_delay_ms), got 0.25"});
  }
  SECTION("the default minimum delay applies without a simulation block") {
    expect_rejected(lines({"format_version: 1", R"(populations { name: "a" size: 2 lif_delta {} })",
                           R"(projections { name: "p" pre: "a" post: "a" all_to_all {} weight_mV { constant: 1 })",
                           "  delay_ms { constant: 0.05 } }"}),
                    4, "projections[0].delay_ms.constant", {"must be in [0.1, 1e+09] ms", "got 0.05"});
  }
}

TEST_CASE("validation: normal delays need both bounds", "[validation][projections][delays]") {
  expect_rejected(base_with({R"(projections { name: "p" pre: "in" post: "exc" all_to_all {})", "  weight_pA { constant: 5 }",
                             "  delay_ms { normal { mean: 2 stddev: 1 low: 1 } } }"}),
                  8, "projections[0].delay_ms.normal.high", {"must be in [0.5, 1e+09] ms", "set high", "got inf"});
}

TEST_CASE("validation: weights in the unit of the target model", "[validation][projections][weights]") {
  SECTION("weight_pA into lif_delta") {
    expect_rejected(base_with({R"(projections { name: "p" pre: "in" post: "inh" all_to_all {})",
                               "  weight_pA { constant: 5 } }"}),
                    7, "projections[0].weight_pA", {"wrong unit", "'inh' is lif_delta", "takes weight_mV"});
  }
  SECTION("weight_mV into lif_exp") {
    expect_rejected(base_with({R"(projections { name: "p" pre: "in" post: "exc" all_to_all {})",
                               "  weight_mV { constant: 5 } }"}),
                    7, "projections[0].weight_mV", {"wrong unit", "takes weight_pA"});
  }
  SECTION("missing weight") {
    expect_rejected(base_with({"projections {", R"(  name: "p" pre: "in" post: "exc" all_to_all {})", "}"}), 6,
                    "projections[0].weight_pA", {"missing", "give the weight as weight_pA"});
  }
  SECTION("from_list without weights where one connection lacks it") {
    expect_rejected(base_with({R"(projections { name: "l" pre: "inh" post: "inh" from_list {)",
                               "  connections { pre: 0 post: 1 weight: 1 } connections { pre: 1 post: 0 } } }"}),
                    6, "projections[0].weight_mV", {"missing"});
  }
  SECTION("value without a kind") {
    expect_rejected(base_with({R"(projections { name: "p" pre: "in" post: "exc" all_to_all {})", "  weight_pA { } }"}),
                    7, "projections[0].weight_pA", {"no value given"});
  }
  SECTION("non-finite weight") {
    expect_rejected(base_with({R"(projections { name: "p" pre: "in" post: "exc" all_to_all {})",
                               "  weight_pA { constant: inf } }"}),
                    7, "projections[0].weight_pA.constant", {"must be a finite number (pA), got inf"});
  }
}

TEST_CASE("validation: spike sources cannot be projection targets", "[validation][projections]") {
  expect_rejected(base_with({R"(projections { name: "p" pre: "exc")", R"(  post: "in" all_to_all {} weight_pA { constant: 5 } })"}),
                  7, "projections[0].post", {"'in' is a poisson_source", "cannot receive spikes"});
  expect_rejected(base_with({R"(populations { name: "arr" size: 1 spike_source_array { trains { times_ms: 1 } } })",
                             R"(projections { name: "p" pre: "exc" post: "arr" one_to_one {} weight_mV { constant: 5 } })"}),
                  7, "projections[0].post", {"spike_source_array", "cannot receive spikes"});
  expect_rejected(base_with({R"(current_sources { name: "dc" target: "in" times_ms: 0 amplitudes_pA: 1 })"}), 6,
                  "current_sources[0].target", {"spike source and takes no current"});
}

TEST_CASE("validation: projection without connector", "[validation][projections]") {
  expect_rejected(base_with({R"(projections { name: "p" pre: "in" post: "exc")", "  weight_pA { constant: 5 } }"}), 6,
                  "projections[0]", {"no connector", "all_to_all, one_to_one, fixed_probability"});
}

// ---- sizes and memory --------------------------------------------------------------------

TEST_CASE("validation: networks that would exhaust memory are refused before building", "[validation][memory]") {
  SECTION("9e12 synapses between two populations of 3e6 neurons") {
    const std::string text = lines({
        "format_version: 1",
        R"(populations { name: "a" size: 3000000 lif_delta {} })",
        R"(populations { name: "b" size: 3000000 lif_delta {} })",
        R"(projections { name: "small" pre: "a" post: "b" one_to_one {} weight_mV { constant: 1 } })",
        "projections {",
        R"(  name: "huge" pre: "a" post: "b" all_to_all {} weight_mV { constant: 1 })",
        "}",
    });
    expect_rejected(text, 5, "projections[1]", {"9e+12 synapses", "GiB", "available"});
    // Building stops at the same check, before allocating anything.
    try {
      build_network(parse_network_text(text, "bad.pbtxt"));
      FAIL("built");
    } catch (const InputError& e) {
      CHECK(e.field() == "projections[1]");
    }
  }
  SECTION("all_to_all between two populations of 4e9 neurons") {
    expect_rejected(lines({"format_version: 1", R"(populations { name: "a" size: 4000000000 lif_delta {} })",
                           R"(populations { name: "b" size: 4000000000 lif_delta {} })",
                           R"(projections { name: "p" pre: "a" post: "b" all_to_all {} weight_mV { constant: 1 } })"}),
                    4, "projections[0]", {"1.6e+19 synapses"});
  }
  SECTION("64 populations of 4e9 neurons") {
    std::string text = "format_version: 1\n\n";
    for (int i = 0; i < 64; ++i)
      text += "populations { name: \"p" + std::to_string(i) + "\" size: 4000000000 lif_delta {} }\n";
    expect_rejected(text, 3, "populations[0]", {"GiB"});  // the first of the largest items
  }
  SECTION("a spike array whose single train is copied to 1e8 neurons") {
    std::string train;
    for (int i = 0; i < 20000; ++i) train += (i ? ", " : "") + std::to_string(i);
    expect_rejected(lines({"format_version: 1", R"(populations { name: "a" size: 100000000)",
                           "  spike_source_array { trains { times_ms: [" + train + "] } } }"}),
                    2, "populations[0]", {"GiB"});
  }
  SECTION("recorded Poisson spikes") {
    expect_rejected(lines({"format_version: 1", "simulation { t_stop_ms: 1e9 }",
                           R"(populations { name: "a" size: 1000000 poisson_source { rate_Hz: 1000 } })",
                           R"(spike_recorders { name: "s" })"}),
                    4, "spike_recorders[0]", {"GiB"});
  }
}

// ---- sources -----------------------------------------------------------------------------

TEST_CASE("validation: Poisson sources", "[validation][sources]") {
  expect_rejected(base_with({R"(populations { name: "p" size: 3 poisson_source {)", "  rate_Hz: -5 } }"}), 7,
                  "populations[3].poisson_source.rate_Hz", {"must be in [0, 1e+06] Hz, got -5"});
  expect_rejected(base_with({R"(populations { name: "p" size: 3 poisson_source {)", "  rate_Hz: 5 start_ms: 100",
                             "  stop_ms: 50 } }"}),
                  8, "populations[3].poisson_source.stop_ms", {"must be in [100, inf] ms (from start_ms), got 50"});
  expect_rejected(base_with({R"(populations { name: "p" size: 3 poisson_source { start_ms: 10 } })"}), 6,
                  "populations[3].poisson_source.rate_Hz", {"missing"});
}

TEST_CASE("validation: spike arrays", "[validation][sources]") {
  const std::string head = R"(populations { name: "arr" size: 2 spike_source_array {)";
  SECTION("unsorted times") {
    expect_rejected(base_with({head, "  trains { times_ms: 1 times_ms: 5", "    times_ms: 3 }", "  trains {} } }"}), 8,
                    "populations[3].spike_source_array.trains[0].times_ms[2]", {"strictly increasing: 3 follows 5"});
  }
  SECTION("duplicate times, given with list syntax over several lines") {
    expect_rejected(base_with({head, "  trains {}", "  trains { times_ms: [1, 2,", "    2, 4] } } }"}), 9,
                    "populations[3].spike_source_array.trains[1].times_ms[2]", {"strictly increasing: 2 follows 2"});
  }
  SECTION("negative time") {
    expect_rejected(base_with({head, "  trains { times_ms: [-1, 2] } } }"}), 7,
                    "populations[3].spike_source_array.trains[0].times_ms[0]", {"must be in [0, inf) ms, got -1"});
  }
  SECTION("wrong number of trains") {
    expect_rejected(base_with({head, "  trains {}", "  trains {}", "  trains {} } }"}), 7,
                    "populations[3].spike_source_array.trains", {"needs 1 train (shared) or one per neuron (2), got 3"});
  }
}

TEST_CASE("validation: current sources", "[validation][sources]") {
  SECTION("times not increasing") {
    expect_rejected(base_with({R"(current_sources { name: "dc" target: "exc")", "  times_ms: [0, 10,", "    10]",
                               "  amplitudes_pA: [1, 2, 3] }"}),
                    8, "current_sources[0].times_ms[2]", {"strictly increasing"});
  }
  SECTION("amplitude count") {
    expect_rejected(base_with({R"(current_sources { name: "dc" target: "exc")", "  times_ms: [0, 10]",
                               "  amplitudes_pA: [1] }"}),
                    8, "current_sources[0].amplitudes_pA", {"needs one amplitude per step time (2), got 1"});
  }
  SECTION("no step") {
    expect_rejected(base_with({R"(current_sources { name: "dc" target: "exc" })"}), 6, "current_sources[0].times_ms",
                    {"at least one step time"});
  }
  SECTION("neuron index out of range") {
    expect_rejected(base_with({R"(current_sources { name: "dc" target: "inh" times_ms: 0 amplitudes_pA: 1)",
                               "  neurons: 0", "  neurons: 5 }"}),
                    8, "current_sources[0].neurons[1]", {"must be a neuron index in [0, 4] of 'inh', got 5"});
  }
  SECTION("a neuron listed twice would get the current twice") {
    expect_rejected(base_with({R"(current_sources { name: "dc" target: "inh" times_ms: 0 amplitudes_pA: 1)",
                               "  neurons: [0, 3,", "  3] }"}),
                    8, "current_sources[0].neurons[2]", {"duplicate neuron index 3 (also neurons[1])"});
  }
}

TEST_CASE("validation: state recorders", "[validation][recorders]") {
  expect_rejected(base_with({R"(state_recorders { name: "v" population: "exc")", R"(  variable: "v" })"}), 7,
                  "state_recorders[0].variable", {"'v' is not a state variable of exc", "v_mV, i_syn_ex_pA, i_syn_in_pA"});
  expect_rejected(base_with({R"(state_recorders { name: "v" population: "in" variable: "v_mV" })"}), 6,
                  "state_recorders[0].variable", {"it has none"});
  expect_rejected(base_with({R"(state_recorders { name: "v" population: "exc" variable: "v_mV")", "  interval_ms: 0 }"}), 7,
                  "state_recorders[0].interval_ms", {"must be in [1e-06, 1e+09] ms, got 0"});
  expect_rejected(base_with({R"(state_recorders { name: "v" population: "inh" variable: "v_mV")", "  neurons: [1, 5] }"}),
                  7, "state_recorders[0].neurons[1]", {"must be a neuron index in [0, 4] of 'inh', got 5"});
  // Sample indices are 32-bit: 1e12 ms at 1e-3 ms would be 1e15 samples.
  expect_rejected(lines({"format_version: 1", "simulation { t_stop_ms: 1e12 }", R"(populations { name: "a" size: 1 lif_delta {} })",
                         R"(state_recorders { name: "v" population: "a" variable: "v_mV" interval_ms: 0.001 })"}),
                  4, "state_recorders[0].interval_ms", {"at most 4294967295 samples", "got 0.001"});
}

// ---- simulation settings -----------------------------------------------------------------

TEST_CASE("validation: simulation settings", "[validation][simulation]") {
  const auto sim = [](const std::string& field_line) {
    return lines({"format_version: 1", "simulation {", "  " + field_line, "}", R"(populations { name: "a" size: 1 lif_delta {} })"});
  };
  expect_rejected(sim("t_stop_ms: 0"), 3, "simulation.t_stop_ms", {"must be in (0, 1e+12] ms, got 0"});
  expect_rejected(sim("t_stop_ms: -5"), 3, "simulation.t_stop_ms", {"must be in (0, 1e+12] ms, got -5"});
  expect_rejected(sim("t_stop_ms: inf"), 3, "simulation.t_stop_ms", {"got inf"});
  expect_rejected(sim("min_delay_ms: 0"), 3, "simulation.min_delay_ms", {"must be in (0, 1e+06] ms, got 0"});
  expect_rejected(sim("threads: 0"), 3, "simulation.threads", {"must be in [1, 1024], got 0"});
  expect_rejected(sim("output_dir: \"\""), 3, "simulation.output_dir", {"must not be empty"});
  expect_rejected(sim("output_formats: OUTPUT_FORMAT_UNSPECIFIED"), 3, "simulation.output_formats[0]",
                  {"must be CSV or NPY"});
}

TEST_CASE("validation: command-line overrides are checked as such", "[validation][simulation]") {
  LoadedNetwork net = parse_network_text(kBase, "bad.pbtxt");
  for (const double t : {0.0, -5.0, std::nan(""), HUGE_VAL, 2e12}) {
    INFO("--t-stop " << t);
    SimulationOverrides o;
    o.t_stop_ms = t;
    try {
      apply_overrides(net.message, o);
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(e.field() == "--t-stop");
      CHECK(e.where().file == "command line");
      CHECK_THAT(e.message(), StartsWith("must be in (0, 1e+12] ms, got "));
    }
  }
  SimulationOverrides o;
  o.threads = 0;
  CHECK_THROWS_AS(apply_overrides(net.message, o), InputError);
  o = {};
  o.output_dir = "";
  CHECK_THROWS_AS(apply_overrides(net.message, o), InputError);
  o = {};
  o.t_stop_ms = 50;
  apply_overrides(net.message, o);
  CHECK(net.message.simulation().t_stop_ms() == 50);
}

// ---- numbers the simulator could not represent -------------------------------------------

TEST_CASE("validation: drives and weights that would overflow are refused", "[validation][overflow]") {
  SECTION("constant current so large that V_inf is inf") {
    expect_rejected(base_with({R"(populations { name: "p" size: 2 lif_exp { c_m_pF: 1)", "  i_e_pA: 1e308 } }"}), 7,
                    "populations[3].lif_exp.i_e_pA", {"e_l_mV + tau_m_ms / c_m_pF * i_e_pA must be a finite number (mV), got inf"});
  }
  SECTION("membrane resistance inf") {
    expect_rejected(base_with({R"(populations { name: "p" size: 2 lif_delta { tau_m_ms: 1e300)", "  c_m_pF: 1e-300 } }"}),
                    7, "populations[3].lif_delta.c_m_pF", {"tau_m_ms / c_m_pF must be a finite number (GOhm)"});
  }
  SECTION("current step so large that V_inf is inf") {
    expect_rejected(base_with({R"(populations { name: "p" size: 2 lif_delta { c_m_pF: 1e-10 } })",
                               R"(current_sources { name: "dc" target: "p" times_ms: [0, 5])", "  amplitudes_pA: [1, 1e300] }"}),
                    8, "current_sources[0].amplitudes_pA[1]", {"resting potential of 'p'", "got 1e+300 pA, which makes it inf"});
  }
  SECTION("weights beyond the 32-bit float range") {
    const std::string head = R"(projections { name: "p" pre: "in" post: "exc" all_to_all {})";
    expect_rejected(base_with({head, "  weight_pA { constant: 1e39 } }"}), 7, "projections[0].weight_pA.constant",
                    {"must be in [-3.40282e+38, 3.40282e+38] pA (a 32-bit float), got 1e+39"});
    expect_rejected(base_with({head, "  weight_pA { uniform { low: -1e39 high: 0 } } }"}), 7,
                    "projections[0].weight_pA.uniform.low", {"(a 32-bit float), got -1e+39"});
    expect_rejected(base_with({head, "  weight_pA { normal { mean: 0 stddev: 1e37 } } }"}), 7,
                    "projections[0].weight_pA.normal", {"draws must be in [-3.40282e+38, 3.40282e+38] pA", "set low and high"});
    expect_rejected(base_with({R"(projections { name: "l" pre: "in" post: "inh" from_list {)",
                               "  connections { pre: 0 post: 1 weight: 4e38 } } }"}),
                    7, "projections[0].from_list.connections[0].weight", {"mV (a 32-bit float), got 4e+38"});
  }
}

// ---- distributions -----------------------------------------------------------------------

TEST_CASE("validation: distributions", "[validation][values]") {
  const std::string head = R"(populations { name: "p" size: 4 lif_delta {)";
  SECTION("uniform with low > high") {
    expect_rejected(base_with({head, "  v_init_mV { uniform { low: -50", "    high: -60 } } } }"}), 8,
                    "populations[3].lif_delta.v_init_mV.uniform.high", {"must be in [-50, inf] mV, got -60"});
  }
  SECTION("uniform wider than the largest double") {
    expect_rejected(base_with({head, "  v_init_mV { uniform { low: -1e308 high: 1e308 } } } }"}), 7,
                    "populations[3].lif_delta.v_init_mV.uniform.high", {"high - low must be in [0, "});
  }
  SECTION("normal with an improbable truncation interval") {
    expect_rejected(base_with({head, "  v_init_mV {", "    normal { mean: -70 stddev: 1 low: -60 high: -50 } } } }"}), 8,
                    "populations[3].lif_delta.v_init_mV.normal", {"holds only", "at least 0.01 needed"});
    // 0.2 % of the mass: 10'000 redraws would fail now and then in a large network.
    expect_rejected(base_with({head, "  v_init_mV {", "    normal { mean: 0 stddev: 1 low: 2.9 } } } }"}), 8,
                    "populations[3].lif_delta.v_init_mV.normal", {"holds only 0.00187"});
  }
  SECTION("normal with low >= high, or a negative or nan stddev") {
    expect_rejected(base_with({head, "  v_init_mV { normal { mean: -60 stddev: 1", "    low: -55 high: -65 } } } }"}), 8,
                    "populations[3].lif_delta.v_init_mV.normal.high", {"must be > low (-55), got -65"});
    expect_rejected(base_with({head, "  v_init_mV { normal { mean: -60", "    stddev: -1 } } } }"}), 8,
                    "populations[3].lif_delta.v_init_mV.normal.stddev", {"must be in [0, inf) mV, got -1"});
    expect_rejected(base_with({head, "  v_init_mV { normal { mean: -60 stddev: 1 low: nan } } } }"}), 7,
                    "populations[3].lif_delta.v_init_mV.normal.low", {"nan"});
  }
}

TEST_CASE("validation: unbounded normals are accepted where the range is unbounded", "[validation][values]") {
  // The schema: "Leave low/high unset for an unbounded normal." Weights and initial
  // potentials have no bounds, so an unbounded normal is valid there.
  const std::string text = base_with({
      R"(populations { name: "p" size: 4 lif_delta { v_init_mV { normal { mean: -65 stddev: 2 } } } })",
      R"(projections { name: "w" pre: "in" post: "exc" all_to_all {} weight_pA { normal { mean: 10 stddev: 5 } } })",
  });
  CHECK_NOTHROW(validate_network(parse_network_text(text, "ok.pbtxt")));
  CHECK_NOTHROW(build_network(parse_network_text(text, "ok.pbtxt")));
}

TEST_CASE("validation: a normal accepted by validation never fails while building", "[validation][values]") {
  // Close to the smallest interval mass allowed: 100'000 draws from the tail beyond 2.3 sigma
  // (1.07 %), about 93 tries each.
  const std::string text = lines({"format_version: 1", R"(populations { name: "a" size: 100000 lif_delta {)",
                                   "  v_init_mV { normal { mean: -80 stddev: 10 low: -57 } } } }"});
  validate_network(parse_network_text(text, "ok.pbtxt"));
  CHECK_NOTHROW(build_network(parse_network_text(text, "ok.pbtxt")));
}

// ---- binary files ------------------------------------------------------------------------

TEST_CASE("validation: binary files name the field with line 0", "[validation][binary]") {
  TempDir dir;
  pb::Network net = parse_network_text(kBase, "base.pbtxt").message;
  net.mutable_populations(0)->mutable_lif_exp()->set_tau_m_ms(-3);
  const std::filesystem::path file = dir.path() / "bad.pb";
  save_network_file(net, file);
  try {
    validate_network(load_network_file(file));
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK(e.where().file == file.string());
    CHECK(e.where().line == 0);
    CHECK(e.field() == "populations[0].lif_exp.tau_m_ms");
    CHECK_THAT(e.message(), Contains("must be in (0, inf) ms, got -3"));
    CHECK(std::string(e.what()) == file.string() + ": error in field 'populations[0].lif_exp.tau_m_ms': " + e.message());
  }
}

TEST_CASE("validation: binary files with unknown fields or enum values are refused", "[validation][binary]") {
  TempDir dir;
  std::string bytes;
  REQUIRE(parse_network_text(kBase, "base.pbtxt").message.SerializeToString(&bytes));
  const auto load = [&](const std::string& extra) {
    const std::filesystem::path file = dir.path() / "net.bin";
    std::ofstream(file, std::ios::binary) << bytes + extra;
    try {
      load_network_file(file);
    } catch (const InputError& e) {
      return e;
    }
    FAIL("accepted");
    throw std::logic_error("unreachable");
  };
  // Field 99 (varint 1) of Network.
  const InputError unknown = load(std::string("\x98\x06\x01", 3));
  CHECK(unknown.field() == "");
  CHECK(unknown.where().line == 0);
  CHECK_THAT(unknown.message(), Contains("unknown field number 99"));
  // simulation { output_formats: 7 }: 7 is no OutputFormat.
  const InputError enum_value = load(std::string("\x12\x02\x30\x07", 4));
  CHECK(enum_value.field() == "simulation.output_formats");
  CHECK_THAT(enum_value.message(), Contains("enum value 7 is not one of") && Contains("CSV = 1, NPY = 2"));
  // Not a protobuf at all.
  const std::filesystem::path garbage = dir.path() / "garbage.pb";
  std::ofstream(garbage, std::ios::binary) << "\xff\xff\xff\xff";
  CHECK_THROWS_WITH(load_network_file(garbage), Contains("not a valid binary ionspike network"));
}

TEST_CASE("validation: files that cannot be read", "[validation][files]") {
  TempDir dir;
  CHECK_THROWS_WITH(load_network_file(dir.path() / "net.json"), Contains("unknown network file extension '.json'"));
  CHECK_THROWS_WITH(load_network_file(dir.path() / "missing.pbtxt"), Contains("cannot open network file"));
  std::filesystem::create_directories(dir.path() / "folder.pbtxt");
  CHECK_THROWS_WITH(load_network_file(dir.path() / "folder.pbtxt"), Contains("it is a directory"));
}

// ---- positions ---------------------------------------------------------------------------

TEST_CASE("validation: positions of list elements and of repeated messages", "[validation][positions]") {
  const std::string text = lines({
      "format_version: 1",                                                            // 1
      R"(populations { name: "a" size: 4 lif_delta {} })",                           // 2
      R"(projections { name: "p" pre: "a" post: "a" weight_mV { constant: 1 })",     // 3
      "  from_list {",                                                                // 4
      "    connections: [",                                                           // 5
      "      { pre: 0 post: 1 },",                                                    // 6
      "      { pre: 1",                                                               // 7
      "        post: 2 }",                                                            // 8
      "    ]",                                                                        // 9
      "    connections { pre: 2 post: 3 }",                                           // 10
      "  } }",                                                                        // 11
      R"(current_sources { name: "dc" target: "a")",                                 // 12
      "  times_ms: [0, 1,",                                                           // 13
      "    2]",                                                                       // 14
      "  times_ms: 3",                                                                // 15
      "  amplitudes_pA: [1, 2, 3, 4] }",                                              // 16
  });
  const LoadedNetwork net = parse_network_text(text, "pos.pbtxt");
  validate_network(net);
  const FieldPath list = FieldPath::root().at("projections", 0) / "from_list";
  CHECK(net.locate(list.at("connections", 0) / "pre").line == 6);
  CHECK(net.locate(list.at("connections", 1) / "post").line == 8);
  CHECK(net.locate(list.at("connections", 2) / "pre").line == 10);
  CHECK(net.locate(list.at("connections", 2) / "weight").line == 10);  // unset: its message
  const FieldPath cs = FieldPath::root().at("current_sources", 0);
  CHECK(net.locate(cs.at("times_ms", 1)).line == 13);
  CHECK(net.locate(cs.at("times_ms", 1)).column == 17);
  CHECK(net.locate(cs.at("times_ms", 2)).line == 14);
  CHECK(net.locate(cs.at("times_ms", 3)).line == 15);
  CHECK(net.locate(cs / "times_ms").line == 13);
  CHECK(net.locate(cs / "neurons").line == 12);
  CHECK(net.locate(FieldPath::root() / "simulation").line == 1);  // absent: the file
}
