// Tests for synapses/eis_kinetics.hpp: the rate laws, their exact piece integrals, the
// series-limited table, tabulated/CSV input and field validation.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "synapses/eis_device.hpp"
#include "synapses/eis_kinetics.hpp"

using ionspike::EisKinetics;
namespace pb = ionspike::network::v1;

namespace {

pb::EisDevice base() {
  pb::EisDevice m;
  m.set_name("k");
  m.set_g_min_ns(0);
  m.set_g_max_ns(1e6);
  return m;
}

pb::EisDevice sinh_device(double ki, double v0i, double ke, double v0e) {
  pb::EisDevice m = base();
  auto* s = m.mutable_sinh();
  s->set_k_insert_ns_per_ms(ki);
  s->set_v0_insert_v(v0i);
  s->set_k_extract_ns_per_ms(ke);
  s->set_v0_extract_v(v0e);
  return m;
}

pb::EisDevice series_device(double k, double v0, double r) {
  pb::EisDevice m = base();
  auto* s = m.mutable_series_limited_sinh();
  s->set_k_ns_per_ms(k);
  s->set_v0_v(v0);
  s->set_r_series_v_ms_per_ns(r);
  return m;
}

EisKinetics make(const pb::EisDevice& m) { return EisKinetics::from_message(m, {}, "test"); }

// Composite Gauss-Legendre (5 points per panel) of the rate over a linear eta piece: an
// independent numerical reference for the closed forms.
double numeric_integral(const EisKinetics& k, double ea, double eb, double d, int panels = 4000) {
  static const double x[5] = {-0.9061798459386640, -0.5384693101056831, 0.0, 0.5384693101056831,
                              0.9061798459386640};
  static const double w[5] = {0.2369268850561891, 0.4786286704993665, 0.5688888888888889,
                              0.4786286704993665, 0.2369268850561891};
  double sum = 0.0;
  for (int p = 0; p < panels; ++p) {
    const double a = static_cast<double>(p) / panels, b = static_cast<double>(p + 1) / panels;
    for (int i = 0; i < 5; ++i) {
      const double s = 0.5 * (a + b) + 0.5 * (b - a) * x[i];
      sum += 0.5 * (b - a) * w[i] * k.rate(ea + (eb - ea) * s);
    }
  }
  return d * sum;
}

std::string error_of(const pb::EisDevice& m) {
  try {
    ionspike::EisDevice d(m);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("sinh law: rates and exact piece integrals", "[eis][kinetics]") {
  const EisKinetics k = make(sinh_device(2.0, 0.5, 3.0, 0.4));
  CHECK(k.rate(1.0) == Approx(2.0 * std::sinh(2.0)).epsilon(1e-15));
  CHECK(k.rate(-1.0) == Approx(3.0 * std::sinh(-2.5)).epsilon(1e-15));
  CHECK(k.rate(0.0) == 0.0);
  for (auto [ea, eb] : {std::pair{0.0, 3.0}, {2.0, 0.5}, {-3.0, -0.1}, {-0.2, 0.0}, {1.0, 1.0}, {4.0, 4.0 + 1e-9}}) {
    const double exact = k.integral(ea, eb, 2.5);
    const double ref = numeric_integral(k, ea, eb, 2.5);
    CHECK(exact == Approx(ref).epsilon(1e-12));
  }
  // Cosh-difference form against the stable form: int_0^1 2 sinh((0 + 3 t)/0.5) dt.
  CHECK(k.integral(0.0, 3.0, 1.0) == Approx(2.0 * 0.5 / 3.0 * (std::cosh(6.0) - 1.0)).epsilon(1e-14));
  CHECK(ionspike::sinhc(0.0) == 1.0);
  CHECK(ionspike::sinhc(1e-4) == Approx(std::sinh(1e-4) / 1e-4).epsilon(1e-16));
}

TEST_CASE("Butler-Volmer law: rate sign and exact integrals", "[eis][kinetics]") {
  pb::EisDevice m = base();
  m.mutable_butler_volmer()->set_j0_ns_per_ms(0.01);
  m.mutable_butler_volmer()->set_alpha(0.3);
  const EisKinetics k = make(m);
  const double f = 96485.33212 / (8.314462618 * 293.15);
  CHECK(k.rate(0.1) == Approx(0.01 * (std::exp(0.3 * f * 0.1) - std::exp(-0.7 * f * 0.1))).epsilon(1e-14));
  CHECK(k.rate(0.05) > 0.0);
  CHECK(k.rate(-0.05) < 0.0);
  for (auto [ea, eb] : {std::pair{0.0, 0.4}, {-0.4, -0.01}, {0.2, 0.2 + 1e-10}}) {
    CHECK(k.integral(ea, eb, 3.0) == Approx(numeric_integral(k, ea, eb, 3.0)).epsilon(1e-11));
  }
}

TEST_CASE("series-limited law: tabulation error and exact antiderivative", "[eis][kinetics]") {
  // The protonic 14 nm parameters.
  const EisKinetics k = make(series_device(1.5e-3, 0.4785, 0.014214));
  double worst = 0.0;
  for (double eta = -30.0; eta <= 30.0; eta += 0.0007317) {
    const double vi = k.series_interface_V(eta), exact = k.series_interface_exact_V(eta);
    worst = std::max(worst, std::fabs(vi - exact));
    // The solution satisfies eta = V_i + r h(V_i).
    if (std::fabs(eta) > 0.1) {
      const double h = 1.5e-3 * std::sinh(exact / 0.4785);
      CHECK(exact + 0.014214 * h == Approx(eta).epsilon(1e-13));
    }
  }
  INFO("max |V_i(table) - V_i(Newton)| = " << worst << " V");
  CHECK(worst < 1e-10);
  // S = sinh(V_i / (2 v0)), tabulated on its own (rate and antiderivative use it): relative
  // error against sinh of the Newton solution.
  double worst_s = 0.0;
  for (double eta = -39.99; eta <= 39.99; eta += 0.0007317) {
    const double exact = std::sinh(0.5 * k.series_interface_exact_V(eta) / 0.4785);
    worst_s = std::max(worst_s, std::fabs(k.series_half_sinh(eta) - exact) / std::max(std::fabs(exact), 1e-300));
  }
  INFO("max relative error of S(table) = " << worst_s);
  CHECK(worst_s < 1e-11);
  CHECK(k.series_half_sinh(55.0) == std::sinh(0.5 * k.series_interface_exact_V(55.0) / 0.4785));
  // Beyond the table (40 V) the Newton solution is used directly.
  CHECK(k.series_interface_V(55.0) == k.series_interface_exact_V(55.0));
  // Piece integrals through the antiderivative against quadrature of the same law.
  for (auto [ea, eb] : {std::pair{0.0, 6.5}, {6.5, 3.25}, {-10.0, -0.5}, {2.0, 2.0 + 1e-5}, {5.0, 5.0}}) {
    CHECK(k.integral(ea, eb, 1.7) == Approx(numeric_integral(k, ea, eb, 1.7)).epsilon(1e-9));
  }
  // integral_from (a fixed start's term computed once) is bit-identical to integral.
  for (auto [ea, eb] : {std::pair{0.0, 6.5}, {6.5, 3.25}, {-10.0, -0.5}, {2.0, 2.0 + 1e-5}, {5.0, 5.0}}) {
    const double start = k.start_term(ea);
    for (double f : {0.1, 0.5, 1.0}) {
      const double e = ea + f * (eb - ea);
      CHECK(k.integral_from(ea, start, e, 1.7 * f) == k.integral(ea, e, 1.7 * f));
    }
  }
  // A chain of pieces (each starting where the last ended, then a jump, tiny and empty pieces)
  // reuses the end's antiderivative: bit-identical to integral() piece by piece, every law.
  const double path[][3] = {{0.0, 6.5, 2.48}, {6.5, 4.0, 0.05}, {4.0, 4.0, 8.0}, {4.0, 2.5, 30.0}, {-1.0, -3.0, 1.0},
                            {-3.0, -3.0 + 1e-6, 0.5}, {-3.0 + 1e-6, -0.2, 4.0}, {-0.2, -0.1, 0.0}, {-0.1, 0.0, 2.0}};
  for (const EisKinetics& law : {k, make(sinh_device(1e-3, 0.5, 2e-3, 0.4))}) {
    EisKinetics::Chain chain;
    for (const auto& piece : path) CHECK(law.integral(piece[0], piece[1], piece[2], chain) ==
                                         law.integral(piece[0], piece[1], piece[2]));
  }
  // Without a series resistance the law is a plain sinh.
  const EisKinetics plain = make(series_device(2.0, 0.5, 0.0));
  CHECK(plain.rate(1.3) == Approx(2.0 * std::sinh(2.6)).epsilon(1e-12));
  // Nor with a small v0, where cosh(V_i / v0) overflows inside the table (|eta| > ~710 v0 =
  // 7.1 V here): V_i = eta exactly, S stays finite up to ~1420 v0 and the rate is the sinh
  // law's, infinite only where k sinh(eta / v0) itself overflows (was NaN from 0 * inf).
  const EisKinetics narrow = make(series_device(2.0, 0.01, 0.0));
  const EisKinetics plain_sinh = make(sinh_device(2.0, 0.01, 2.0, 0.01));
  for (double eta : {-39.9, -14.0, -7.2, 0.3, 6.9, 7.2, 14.0, 39.9}) {
    INFO("eta = " << eta << " V");
    CHECK(narrow.series_interface_V(eta) == Approx(eta).epsilon(1e-14));
    const double s = std::sinh(0.5 * eta / 0.01);
    if (std::isfinite(s)) CHECK(narrow.series_half_sinh(eta) == Approx(s).epsilon(1e-10));
    const double rate = narrow.rate(eta), expected = 2.0 * std::sinh(eta / 0.01);
    CHECK(!std::isnan(rate));
    if (std::isfinite(expected)) CHECK(rate == Approx(expected).epsilon(1e-10));
    else CHECK(rate == expected);
    // Piece integrals: the sinh law's closed form; where that overflows, not NaN but of the
    // same sign and beyond any finite value.
    for (double eb : {0.5 * eta, eta + std::copysign(0.7, eta)}) {
      const double got = narrow.integral(eta, eb, 1.5), sinh_law = plain_sinh.integral(eta, eb, 1.5);
      CHECK(!std::isnan(got));
      CHECK(std::signbit(got) == std::signbit(eta));
      if (std::isfinite(sinh_law) && std::fabs(eb) < 7.0 && std::fabs(eta) < 7.0)
        CHECK(got == Approx(sinh_law).epsilon(1e-9));
      if (std::isinf(sinh_law)) CHECK(std::isinf(got));
      EisKinetics::Chain chain;
      CHECK(narrow.integral(eta, eb, 1.5, chain) == got);
    }
  }
}

TEST_CASE("tabulated law: log interpolation, exact integrals, CSV input", "[eis][kinetics]") {
  pb::EisDevice m = base();
  auto* t = m.mutable_tabulated();
  for (auto [v, h] : {std::pair{-4.0, -20.0}, {-2.0, -0.5}, {1.0, 0.01}, {2.0, 0.1}, {4.0, 10.0}}) {
    t->add_v_v(v);
    t->add_rate_ns_per_ms(h);
  }
  const EisKinetics k = make(m);
  CHECK(k.rate(3.0) == Approx(1.0).epsilon(1e-14));                     // geometric mean of 0.1 and 10
  CHECK(k.rate(-3.0) == Approx(-std::sqrt(20.0 * 0.5)).epsilon(1e-14));
  CHECK(k.rate(0.5) == Approx(0.005).epsilon(1e-14));                   // linear to the implicit (0, 0)
  CHECK(k.rate(-1.0) == Approx(-0.25).epsilon(1e-14));
  CHECK(k.rate(5.0) == Approx(100.0).epsilon(1e-12));                   // log-linear extrapolation
  CHECK(k.rate(0.0) == 0.0);
  for (auto [ea, eb] : {std::pair{0.0, 4.5}, {5.0, 1.5}, {-5.0, -0.5}, {3.0, 3.0}}) {
    CHECK(k.integral(ea, eb, 2.0) == Approx(numeric_integral(k, ea, eb, 2.0, 20000)).epsilon(1e-9));
  }

  // The same table from a CSV file (header line, comment, CRLF tolerated).
  const auto dir = std::filesystem::temp_directory_path() / "ionspike_test_eis_csv";
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "rate.csv");
    f << "v_V,rate_nS_per_ms\r\n# measured\n-4,-20\n-2,-0.5\n1,0.01\n2,0.1\n4,10\n";
  }
  pb::EisDevice c = base();
  c.mutable_tabulated()->set_csv_file("rate.csv");
  const EisKinetics kc = EisKinetics::from_message(c, dir, "test");
  CHECK(kc.rate(3.0) == Approx(1.0).epsilon(1e-14));
  CHECK(kc.integral(0.0, 4.5, 2.0) == Approx(k.integral(0.0, 4.5, 2.0)).epsilon(1e-15));
  {
    std::ofstream f(dir / "bad.csv");
    f << "v,r\n1,2,3\n";
  }
  c.mutable_tabulated()->set_csv_file("bad.csv");
  CHECK_THROWS_WITH(EisKinetics::from_message(c, dir, "test"), Catch::Contains("line 2"));
  c.mutable_tabulated()->set_csv_file("missing.csv");
  CHECK_THROWS_WITH(EisKinetics::from_message(c, dir, "test"), Catch::Contains("cannot be opened"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("kinetics validation names the field and the allowed range", "[eis][kinetics]") {
  CHECK_THAT(error_of(base()), Catch::Contains("no kinetics"));
  CHECK_THAT(error_of(sinh_device(-1, 0.5, 1, 0.5)), Catch::Contains("sinh.k_insert_nS_per_ms = -1") &&
                                                          Catch::Contains(">= 0"));
  CHECK_THAT(error_of(sinh_device(1, 0.0, 1, 0.5)), Catch::Contains("sinh.v0_insert_V") && Catch::Contains("> 0"));
  CHECK_THAT(error_of(sinh_device(0, 0.5, 0, 0.5)), Catch::Contains("both 0"));
  pb::EisDevice m = sinh_device(1, 0.5, 1, 0.5);
  m.mutable_sinh()->clear_v0_extract_v();
  CHECK_THAT(error_of(m), Catch::Contains("sinh.v0_extract_V is required"));
  pb::EisDevice bv = base();
  bv.mutable_butler_volmer()->set_j0_ns_per_ms(1);
  bv.mutable_butler_volmer()->set_alpha(1.0);
  CHECK_THAT(error_of(bv), Catch::Contains("butler_volmer.alpha") && Catch::Contains("0 < alpha < 1"));
  CHECK_THAT(error_of(series_device(1, 0.5, -1)), Catch::Contains("series_limited_sinh.r_series_V_ms_per_nS"));
  // A series resistance so small that r_s k / v0 < 1e-200 is nil at any voltage, but its
  // Newton solution would overflow (c sinh(x) = c * inf) beyond the table: refused, name 0.
  CHECK_THAT(error_of(series_device(1, 0.5, 1e-310)),
             Catch::Contains("series_limited_sinh.r_series_V_ms_per_nS") && Catch::Contains("1e-200") &&
                 Catch::Contains("use 0"));
  CHECK_NOTHROW(make(series_device(1, 0.5, 1e-190)));
  pb::EisDevice t = base();
  t.mutable_tabulated()->add_v_v(-1);
  t.mutable_tabulated()->add_v_v(1);
  t.mutable_tabulated()->add_rate_ns_per_ms(-1);
  CHECK_THAT(error_of(t), Catch::Contains("equal lengths"));
  t.mutable_tabulated()->add_rate_ns_per_ms(-1);
  CHECK_THAT(error_of(t), Catch::Contains("tabulated.rate_nS_per_ms[1]") && Catch::Contains("sign"));
  t.mutable_tabulated()->set_rate_ns_per_ms(1, 2);
  CHECK(error_of(t).empty());
  t.mutable_tabulated()->set_v_v(1, -2);
  CHECK_THAT(error_of(t), Catch::Contains("strictly increasing"));
}
