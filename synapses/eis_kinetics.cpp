#include "synapses/eis_kinetics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace ionspike {

namespace {

constexpr double kFaraday_C_per_mol = 96485.33212;
constexpr double kGas_J_per_mol_K = 8.314462618;

std::string num(double x) {
  std::ostringstream s;
  s.precision(10);
  s << x;
  return s.str();
}

[[noreturn]] void fail(const std::string& context, const std::string& field, double value,
                       const std::string& allowed) {
  throw std::invalid_argument(context + ": " + field + " = " + num(value) + " is out of range; allowed " +
                              allowed);
}

[[noreturn]] void missing(const std::string& context, const std::string& field,
                          const std::string& allowed) {
  throw std::invalid_argument(context + ": " + field + " is required (" + allowed + ")");
}

// Requires a set, finite field with lo < x (or lo <= x when closed_lo), x <= hi.
double require(const std::string& ctx, const std::string& field, bool has, double x, double lo,
               bool closed_lo, double hi, const std::string& allowed) {
  if (!has) missing(ctx, field, allowed);
  if (!std::isfinite(x) || (closed_lo ? x < lo : x <= lo) || x > hi) fail(ctx, field, x, allowed);
  return x;
}

// Nodes of the 3-point Gauss-Legendre rule on [0, 1].
constexpr std::array<double, 3> kGl3x{0.1127016653792583, 0.5, 0.8872983346207417};
constexpr std::array<double, 3> kGl3w{5.0 / 18.0, 8.0 / 18.0, 5.0 / 18.0};

}  // namespace

double sinhc(double y) {
  const double a = std::fabs(y);
  if (a < 1e-3) {
    const double y2 = y * y;
    return 1.0 + y2 / 6.0 * (1.0 + y2 / 20.0);
  }
  return std::sinh(a) / a;
}

// ---- series-limited table --------------------------------------------------------------

struct EisKinetics::SeriesTable {
  double h = 0;  // grid step (V)
  std::vector<double> vi, slope;                   // V_i and dV_i/deta at the nodes
  std::vector<double> half_sinh, half_sinh_slope;  // S = sinh(V_i / (2 v0)) and dS/deta
};

namespace {

// Cubic Hermite interpolation (C1) of node values y and slopes dy on a grid of step h, at
// |eta| (0 <= |eta| < h (n - 1)); the result carries eta's sign (odd functions).
double hermite_odd(const std::vector<double>& y, const std::vector<double>& dy, double h, double eta) {
  const double pos = std::fabs(eta) / h;
  const auto j = static_cast<std::size_t>(pos);
  const double s = pos - static_cast<double>(j);
  const double s2 = s * s, s3 = s2 * s;
  const double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
  return std::copysign(h00 * y[j] + h10 * h * dy[j] + h01 * y[j + 1] + h11 * h * dy[j + 1], eta);
}

}  // namespace

double EisKinetics::Series::solve(double eta) const {
  if (eta == 0.0) return 0.0;
  const double y = std::fabs(eta) / v0;
  const double c = r * k / v0;  // eta/v0 = x + c sinh(x)
  double x = c > 0.0 ? std::min(y, std::asinh(y / c)) : y;
  if (c > 0.0) {
    // Newton from the upper bound: f(x) = x + c sinh x - y is increasing and convex for x >= 0,
    // so the iterates decrease monotonically to the root.
    for (int it = 0; it < 200; ++it) {
      const double f = x + c * std::sinh(x) - y;
      const double step = f / (1.0 + c * std::cosh(x));
      x -= step;
      if (std::fabs(step) <= 4.0 * std::numeric_limits<double>::epsilon() * std::max(x, 1e-300)) break;
    }
  }
  return std::copysign(x * v0, eta);
}

double EisKinetics::Series::interface_V(double eta) const {
  const SeriesTable& t = *table;
  if (!(std::fabs(eta) / t.h < static_cast<double>(t.vi.size() - 1))) return solve(eta);
  return hermite_odd(t.vi, t.slope, t.h, eta);
}

double EisKinetics::Series::half_sinh(double eta) const {
  const SeriesTable& t = *table;
  if (!(std::fabs(eta) / t.h < static_cast<double>(t.half_sinh.size() - 1))) return std::sinh(0.5 * solve(eta) / v0);
  return hermite_odd(t.half_sinh, t.half_sinh_slope, t.h, eta);
}

double EisKinetics::Series::antiderivative(double eta) const {
  // cosh(x) - 1 = 2 sinh^2(x/2), exact near 0; h = k sinh(x) = 2 k sinh(x/2) cosh(x/2) from
  // the same S.
  const double sh = half_sinh(eta);
  const double hr = rate_of_half_sinh(sh);
  // (Without a series resistance the second term is 0, also where h overflows: not 0 * inf.)
  return k * v0 * 2.0 * sh * sh + (r == 0.0 ? 0.0 : 0.5 * r * hr * hr);
}

// ---- tabulated ---------------------------------------------------------------------------

std::size_t EisKinetics::Tabulated::segment(double eta) const {
  const auto it = std::upper_bound(v.begin(), v.end(), eta);
  std::size_t j = it == v.begin() ? 0 : static_cast<std::size_t>(it - v.begin()) - 1;
  return std::min(j, v.size() - 2);
}

double EisKinetics::Tabulated::rate_on(std::size_t j, double eta) const {
  if (seg_log[j]) return sign[j] * std::exp(c0[j] + c1[j] * eta);
  return h[j] + (h[j + 1] - h[j]) * (eta - v[j]) / (v[j + 1] - v[j]);
}

double EisKinetics::Tabulated::rate(double eta) const { return rate_on(segment(eta), eta); }

double EisKinetics::Tabulated::integral_on(std::size_t j, double ea, double eb, double d) const {
  const double mid = 0.5 * (ea + eb);
  if (!seg_log[j]) return d * rate_on(j, mid);  // linear in t: midpoint is exact
  return d * sign[j] * std::exp(c0[j] + c1[j] * mid) * sinhc(0.5 * c1[j] * (eb - ea));
}

// ---- construction --------------------------------------------------------------------------

namespace {

std::vector<std::pair<double, double>> read_csv(const std::filesystem::path& path,
                                                const std::string& ctx) {
  std::ifstream in(path);
  if (!in)
    throw std::invalid_argument(ctx + ": tabulated.csv_file '" + path.string() + "' cannot be opened");
  std::vector<std::pair<double, double>> rows;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lineno == 1) continue;  // header
    if (line.find_first_not_of(" \t") == std::string::npos || line[line.find_first_not_of(" \t")] == '#')
      continue;
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream s(line);
    double v = 0, h = 0;
    std::string extra;
    if (!(s >> v >> h) || (s >> extra))
      throw std::invalid_argument(ctx + ": tabulated.csv_file '" + path.string() + "' line " +
                                  std::to_string(lineno) + ": expected two numbers v_V,rate_nS_per_ms");
    rows.emplace_back(v, h);
  }
  return rows;
}

}  // namespace

EisKinetics EisKinetics::from_message(const pb::EisDevice& m, const std::filesystem::path& base_dir,
                                      const std::string& ctx) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  EisKinetics kin;
  switch (m.kinetics_case()) {
    case pb::EisDevice::kSinh: {
      const auto& s = m.sinh();
      Sinh law{};
      law.k_ins = require(ctx, "sinh.k_insert_nS_per_ms", s.has_k_insert_ns_per_ms(), s.k_insert_ns_per_ms(),
                          0.0, true, inf, "finite, >= 0");
      law.v0_ins = require(ctx, "sinh.v0_insert_V", s.has_v0_insert_v(), s.v0_insert_v(), 0.0, false, inf,
                           "finite, > 0");
      law.k_ext = require(ctx, "sinh.k_extract_nS_per_ms", s.has_k_extract_ns_per_ms(),
                          s.k_extract_ns_per_ms(), 0.0, true, inf, "finite, >= 0");
      law.v0_ext = require(ctx, "sinh.v0_extract_V", s.has_v0_extract_v(), s.v0_extract_v(), 0.0, false, inf,
                           "finite, > 0");
      if (law.k_ins == 0.0 && law.k_ext == 0.0)
        throw std::invalid_argument(ctx + ": sinh.k_insert_nS_per_ms and sinh.k_extract_nS_per_ms are both 0; "
                                          "at least one must be > 0");
      kin.kind_ = Kind::sinh;
      kin.law_ = law;
      break;
    }
    case pb::EisDevice::kButlerVolmer: {
      const auto& b = m.butler_volmer();
      const double j0 = require(ctx, "butler_volmer.j0_nS_per_ms", b.has_j0_ns_per_ms(), b.j0_ns_per_ms(), 0.0,
                                false, inf, "finite, > 0");
      const double alpha = b.alpha();
      if (!std::isfinite(alpha) || alpha <= 0.0 || alpha >= 1.0)
        fail(ctx, "butler_volmer.alpha", alpha, "0 < alpha < 1");
      const double z = b.z();
      if (!std::isfinite(z) || z <= 0.0 || z > 10.0) fail(ctx, "butler_volmer.z", z, "0 < z <= 10");
      const double temp = b.temperature_k();
      if (!std::isfinite(temp) || temp <= 0.0 || temp > 5000.0)
        fail(ctx, "butler_volmer.temperature_K", temp, "0 < T <= 5000 K");
      const double f = z * kFaraday_C_per_mol / (kGas_J_per_mol_K * temp);
      kin.kind_ = Kind::butler_volmer;
      kin.law_ = ButlerVolmer{j0, alpha * f, (1.0 - alpha) * f};
      break;
    }
    case pb::EisDevice::kSeriesLimitedSinh: {
      const auto& s = m.series_limited_sinh();
      Series law{};
      law.k = require(ctx, "series_limited_sinh.k_nS_per_ms", s.has_k_ns_per_ms(), s.k_ns_per_ms(), 0.0, false,
                      inf, "finite, > 0");
      law.v0 = require(ctx, "series_limited_sinh.v0_V", s.has_v0_v(), s.v0_v(), 1e-3, true, inf,
                       "finite, >= 0.001 V");
      law.r = require(ctx, "series_limited_sinh.r_series_V_ms_per_nS", s.has_r_series_v_ms_per_ns(),
                      s.r_series_v_ms_per_ns(), 0.0, true, inf, "finite, >= 0");
      // Below this the series drop is nil at any voltage, while the Newton solution's
      // c sinh(x) would overflow (c * inf) from its upper bound asinh(eta / (c v0)).
      if (law.r > 0.0 && law.r * law.k / law.v0 < 1e-200)
        fail(ctx, "series_limited_sinh.r_series_V_ms_per_nS", law.r,
             "0, or with r_series * k / v0 >= 1e-200 (here k / v0 = " + num(law.k / law.v0) +
                 " nS/(ms V)); a smaller one is no series resistance: use 0");
      auto table = std::make_shared<SeriesTable>();
      table->h = law.v0 / kSeriesTableStepsPerV0;
      const auto n = static_cast<std::size_t>(std::ceil(kSeriesTableMaxV / table->h)) + 1;
      const double c = law.r * law.k / law.v0;
      for (auto* column : {&table->vi, &table->slope, &table->half_sinh, &table->half_sinh_slope}) column->reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        const double vi = law.solve(static_cast<double>(i) * table->h);
        // Without a series resistance V_i = eta (slope 1; c * cosh would be 0 * inf = NaN
        // where cosh(V_i / v0) overflows, |eta| > ~710 v0, inside the table when v0 < 0.057 V).
        const double slope = c > 0.0 ? 1.0 / (1.0 + c * std::cosh(vi / law.v0)) : 1.0;
        const double half_sinh = std::sinh(0.5 * vi / law.v0);
        const double half_sinh_slope = std::cosh(0.5 * vi / law.v0) / (2.0 * law.v0) * slope;
        // The table ends before S nears overflow (only without a series resistance and with
        // v0 < ~0.029 V: |eta| > ~1380 v0), where the rate has overflowed long since; beyond
        // it the exact V_i and sinh are used, as beyond 40 V.
        if (!(half_sinh < 1e300 && half_sinh_slope * table->h < 1e300)) break;
        table->vi.push_back(vi);
        table->slope.push_back(slope);
        table->half_sinh.push_back(half_sinh);
        table->half_sinh_slope.push_back(half_sinh_slope);
      }
      law.table = std::move(table);
      kin.kind_ = Kind::series_limited_sinh;
      kin.law_ = std::move(law);
      break;
    }
    case pb::EisDevice::kTabulated: {
      const auto& t = m.tabulated();
      std::vector<std::pair<double, double>> rows;
      if (t.has_csv_file()) {
        if (t.v_v_size() != 0 || t.rate_ns_per_ms_size() != 0)
          throw std::invalid_argument(ctx + ": tabulated: give either v_V/rate_nS_per_ms or csv_file, not both");
        std::filesystem::path p(t.csv_file());
        if (p.is_relative()) p = base_dir / p;
        rows = read_csv(p, ctx);
      } else {
        if (t.v_v_size() != t.rate_ns_per_ms_size())
          throw std::invalid_argument(ctx + ": tabulated.v_V has " + std::to_string(t.v_v_size()) +
                                      " values but tabulated.rate_nS_per_ms has " +
                                      std::to_string(t.rate_ns_per_ms_size()) + "; they must have equal lengths");
        for (int i = 0; i < t.v_v_size(); ++i) rows.emplace_back(t.v_v(i), t.rate_ns_per_ms(i));
      }
      if (rows.size() < 2)
        throw std::invalid_argument(ctx + ": tabulated needs at least 2 points (v_V, rate_nS_per_ms), got " +
                                    std::to_string(rows.size()));
      Tabulated law;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto [v, h] = rows[i];
        std::string at = "[";  // (built stepwise: GCC 12 warns falsely on "[" + to_string(i))
        at += std::to_string(i);
        at += ']';
        if (!std::isfinite(v)) fail(ctx, "tabulated.v_V" + at, v, "finite");
        if (!std::isfinite(h)) fail(ctx, "tabulated.rate_nS_per_ms" + at, h, "finite");
        if (i > 0 && !(v > rows[i - 1].first))
          throw std::invalid_argument(ctx + ": tabulated.v_V must be strictly increasing, but v_V" + at + " = " +
                                      num(v) + " <= " + num(rows[i - 1].first));
        if ((v > 0 && !(h > 0)) || (v < 0 && !(h < 0)) || (v == 0 && h != 0))
          fail(ctx, "tabulated.rate_nS_per_ms" + at, h,
               "the sign of v_V" + at + " = " + num(v) + " (a rate has the sign of the overpotential)");
      }
      if (!(rows.front().first < 0.0 && rows.back().first > 0.0))
        throw std::invalid_argument(ctx + ": tabulated.v_V must contain a negative and a positive voltage "
                                          "(it spans [" + num(rows.front().first) + ", " +
                                    num(rows.back().first) + "])");
      for (const auto& [v, h] : rows) {
        if (!law.v.empty() && law.v.back() < 0.0 && v > 0.0) {
          law.v.push_back(0.0);
          law.h.push_back(0.0);
        }
        law.v.push_back(v);
        law.h.push_back(h);
      }
      const std::size_t segs = law.v.size() - 1;
      law.seg_log.assign(segs, 0);
      law.c0.assign(segs, 0.0);
      law.c1.assign(segs, 0.0);
      law.sign.assign(segs, 0.0);
      for (std::size_t j = 0; j < segs; ++j) {
        if (law.h[j] != 0.0 && law.h[j + 1] != 0.0) {
          law.seg_log[j] = 1;
          law.sign[j] = law.h[j] > 0 ? 1.0 : -1.0;
          const double la = std::log(std::fabs(law.h[j])), lb = std::log(std::fabs(law.h[j + 1]));
          law.c1[j] = (lb - la) / (law.v[j + 1] - law.v[j]);
          law.c0[j] = la - law.c1[j] * law.v[j];
        }
      }
      kin.kind_ = Kind::tabulated;
      kin.kinks_ = law.v;
      kin.law_ = std::move(law);
      break;
    }
    case pb::EisDevice::KINETICS_NOT_SET:
    default:
      throw std::invalid_argument(ctx + ": no kinetics given; set one of sinh, butler_volmer, "
                                        "series_limited_sinh, tabulated");
  }
  return kin;
}

double EisKinetics::smooth_scale_V() const {
  switch (kind_) {
    case Kind::sinh: {
      const auto& s = std::get<Sinh>(law_);
      return std::min(s.v0_ins, s.v0_ext);
    }
    case Kind::butler_volmer: {
      const auto& b = std::get<ButlerVolmer>(law_);
      return 1.0 / std::max(b.a_ins, b.a_ext);
    }
    case Kind::series_limited_sinh:
      return std::get<Series>(law_).v0;
    case Kind::tabulated:
      return 0.0;
  }
  return 0.0;
}

const char* EisKinetics::kind_name() const {
  switch (kind_) {
    case Kind::sinh: return "sinh";
    case Kind::butler_volmer: return "butler_volmer";
    case Kind::series_limited_sinh: return "series_limited_sinh";
    case Kind::tabulated: return "tabulated";
  }
  return "?";
}

// ---- evaluation -------------------------------------------------------------------------------

double EisKinetics::rate(double eta) const {
  switch (kind_) {
    case Kind::sinh: {
      const auto& s = std::get<Sinh>(law_);
      return eta >= 0.0 ? s.k_ins * std::sinh(eta / s.v0_ins) : s.k_ext * std::sinh(eta / s.v0_ext);
    }
    case Kind::butler_volmer: {
      const auto& b = std::get<ButlerVolmer>(law_);
      return b.j0 * (std::exp(b.a_ins * eta) - std::exp(-b.a_ext * eta));
    }
    case Kind::series_limited_sinh: {
      const auto& s = std::get<Series>(law_);
      return s.rate(eta);
    }
    case Kind::tabulated: return std::get<Tabulated>(law_).rate(eta);
  }
  return 0.0;
}

double EisKinetics::start_term(double ea) const {
  if (kind_ != Kind::series_limited_sinh) return 0.0;
  const auto& s = std::get<Series>(law_);
  return s.antiderivative(ea);
}

const EisKinetics::Series* EisKinetics::series_by_antiderivative(double ea, double eb, double d) const {
  if (kind_ != Kind::series_limited_sinh || !(d > 0.0)) return nullptr;
  const auto& s = std::get<Series>(law_);
  return std::fabs(eb - ea) < 1e-3 * s.v0 ? nullptr : &s;
}

double EisKinetics::Series::gauss_legendre3(double ea, double eb, double d) const {
  double sum = 0.0;
  for (int i = 0; i < 3; ++i) sum += kGl3w[i] * rate(ea + (eb - ea) * kGl3x[i]);
  return d * sum;
}

double EisKinetics::Series::piece_integral(double start, double end, double ea, double eb, double d) const {
  const double integral = d * (end - start) / (eb - ea);
  if (std::isnan(integral) && !std::isnan(ea) && !std::isnan(eb))
    return std::copysign(std::numeric_limits<double>::infinity(), ea + eb);
  return integral;
}

double EisKinetics::integral_from(double ea, double start, double eb, double d) const {
  const Series* s = series_by_antiderivative(ea, eb, d);
  if (s == nullptr) return integral(ea, eb, d);
  return s->piece_integral(start, s->antiderivative(eb), ea, eb, d);
}

double EisKinetics::integral(double ea, double eb, double d, Chain& chain) const {
  const Series* s = series_by_antiderivative(ea, eb, d);
  if (s == nullptr) return integral(ea, eb, d);
  const double start = chain.eta_V == ea ? chain.term : s->antiderivative(ea);
  const double end = s->antiderivative(eb);
  chain = {eb, end};
  return s->piece_integral(start, end, ea, eb, d);
}

double EisKinetics::integral(double ea, double eb, double d) const {
  if (!(d > 0.0)) return 0.0;
  switch (kind_) {
    case Kind::sinh: {
      const auto& s = std::get<Sinh>(law_);
      const bool ins = ea + eb >= 0.0;
      const double k = ins ? s.k_ins : s.k_ext, v0 = ins ? s.v0_ins : s.v0_ext;
      return d * k * std::sinh(0.5 * (ea + eb) / v0) * sinhc(0.5 * (eb - ea) / v0);
    }
    case Kind::butler_volmer: {
      const auto& b = std::get<ButlerVolmer>(law_);
      const double mid = 0.5 * (ea + eb), half = 0.5 * (eb - ea);
      return d * b.j0 *
             (std::exp(b.a_ins * mid) * sinhc(b.a_ins * half) - std::exp(-b.a_ext * mid) * sinhc(b.a_ext * half));
    }
    case Kind::series_limited_sinh: {
      const auto& s = std::get<Series>(law_);
      if (std::fabs(eb - ea) < 1e-3 * s.v0) return s.gauss_legendre3(ea, eb, d);
      return s.piece_integral(s.antiderivative(ea), s.antiderivative(eb), ea, eb, d);
    }
    case Kind::tabulated: {
      const auto& t = std::get<Tabulated>(law_);
      if (ea == eb) return d * t.rate(ea);
      // Walk the table nodes strictly between ea and eb; time is proportional to eta.
      const double lo = std::min(ea, eb), hi = std::max(ea, eb);
      const double dt_per_v = d / (hi - lo);
      double total = 0.0, x = lo;
      std::size_t j = t.segment(lo);
      while (x < hi) {
        double next = hi;
        if (j + 1 < t.v.size() - 1 && t.v[j + 1] < hi) next = std::max(t.v[j + 1], x);
        total += t.integral_on(j, x, next, (next - x) * dt_per_v);
        x = next;
        if (x < hi) ++j;
      }
      return total;
    }
  }
  return 0.0;
}

double EisKinetics::series_interface_V(double eta) const {
  if (kind_ != Kind::series_limited_sinh)
    throw std::logic_error("EisKinetics::series_interface_V: not a series-limited law");
  return std::get<Series>(law_).interface_V(eta);
}

double EisKinetics::series_half_sinh(double eta) const {
  if (kind_ != Kind::series_limited_sinh)
    throw std::logic_error("EisKinetics::series_half_sinh: not a series-limited law");
  return std::get<Series>(law_).half_sinh(eta);
}

double EisKinetics::series_interface_exact_V(double eta) const {
  if (kind_ != Kind::series_limited_sinh)
    throw std::logic_error("EisKinetics::series_interface_exact_V: not a series-limited law");
  return std::get<Series>(law_).solve(eta);
}

}  // namespace ionspike
