// Tests for synapses/waveform.hpp: validation, evaluation, one-sided lines at jumps.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "synapses/waveform.hpp"

using ionspike::Waveform;
namespace pb = ionspike::network::v1;

namespace {
pb::Waveform message(std::initializer_list<double> t, std::initializer_list<double> v) {
  pb::Waveform m;
  for (double x : t) m.add_t_ms(x);
  for (double x : v) m.add_v_v(x);
  return m;
}
std::string error_of(const pb::Waveform& m) {
  try {
    Waveform w(m);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("Waveform validation names the problem", "[eis][waveform]") {
  CHECK_THAT(error_of(message({0, 1}, {1})), Catch::Contains("t_ms has 2 values but v_V has 1"));
  CHECK_THAT(error_of(message({}, {})), Catch::Contains("at least one point"));
  CHECK_THAT(error_of(message({-1, 1}, {0, 0})), Catch::Contains("t_ms[0] = -1") && Catch::Contains(">= 0"));
  CHECK_THAT(error_of(message({0, 2, 2}, {0, 1, 0})), Catch::Contains("strictly increasing") &&
                                                          Catch::Contains("t_ms[2]"));
  CHECK_THAT(error_of(message({0, 3, 2}, {0, 1, 0})), Catch::Contains("strictly increasing"));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_THAT(error_of(message({0, inf}, {0, 1})), Catch::Contains("t_ms[1]") && Catch::Contains("not finite"));
  CHECK_THAT(error_of(message({0, 1}, {nan, 1})), Catch::Contains("v_V[0]") && Catch::Contains("not finite"));
  CHECK(error_of(message({0}, {5})).empty());  // a single point is allowed
  CHECK_THROWS_AS(Waveform::rectangular(0.0, 1.0), std::invalid_argument);
}

TEST_CASE("Waveform evaluates piecewise linearly with zero outside and end jumps", "[eis][waveform]") {
  const Waveform w(message({1, 2, 4}, {3, -1, 5}));
  CHECK(w.duration_ms() == 4.0);
  CHECK(w.start_ms() == 1.0);
  CHECK(w.value_V(0.999) == 0.0);
  CHECK(w.value_V(1.0) == 3.0);  // the jump at the first point: point value on the support
  CHECK(w.value_V(1.5) == Approx(1.0));
  CHECK(w.value_V(3.0) == Approx(2.0));
  CHECK(w.value_V(4.0) == 5.0);
  CHECK(w.value_V(4.001) == 0.0);
  // One-sided limits on pieces: outside, inside (including across the jumps' correct sides).
  CHECK(w.line_on(0.0, 1.0).v_b_V == 0.0);
  CHECK(w.line_on(1.0, 2.0).v_a_V == Approx(3.0));
  CHECK(w.line_on(1.0, 2.0).v_b_V == Approx(-1.0));
  CHECK(w.line_on(3.0, 4.0).v_b_V == Approx(5.0));
  CHECK(w.line_on(4.0, 5.0).v_a_V == 0.0);
  // A sub-piece extrapolates the segment's straight line exactly.
  CHECK(w.line_on(2.5, 3.5).v_a_V == Approx(0.5));
  CHECK(w.line_on(2.5, 3.5).v_b_V == Approx(3.5));
  // Round trip through the message.
  const Waveform back(w.to_message());
  CHECK(back.points().size() == 3);
  CHECK(back.value_V(3.0) == Approx(2.0));
}
