#include "synapses/eis_device.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "synapses/dormand_prince.hpp"
#include "synapses/gauss_kronrod.hpp"
#include "synapses/eis_variability.hpp"

namespace ionspike {

namespace {

std::string num(double x) {
  std::ostringstream s;
  s.precision(10);
  s << x;
  return s.str();
}

double checked(const std::string& ctx, const char* field, double x, double lo, double hi, bool open_lo,
               const std::string& allowed) {
  if (!std::isfinite(x) || (open_lo ? x <= lo : x < lo) || x > hi)
    throw std::invalid_argument(ctx + ": " + field + " = " + num(x) + " is out of range; allowed " + allowed);
  return x;
}

// Energy to move a capacitor's voltage from a to b along a straight path, per unit C:
// sum over the parts on which V^2 is monotone of |V1^2 - V0^2| / 2.
double gate_path_energy(double a, double b) {
  if (a * b >= 0.0) return 0.5 * std::fabs(b * b - a * a);
  return 0.5 * (a * a + b * b);
}

// Straight lines of V_G and of the pre/post divider sums on an open piece (ta, tb).
struct PieceLines {
  double vg_a = 0, vg_b = 0, pre_a = 0, pre_b = 0, post_a = 0, post_b = 0;
};

// Sweeps the pieces of one advance in time order: each copy keeps the index of the waveform
// segment under the current piece, so a piece costs O(copies) instead of a binary search per
// copy. Gives exactly Waveform::line_on's lines (same segment, same arithmetic).
class PieceSweep {
 public:
  PieceSweep(std::span<const WaveformCopy> copies, std::vector<std::uint32_t>& cursors)
      : copies_(copies), cursors_(cursors) {
    cursors_.assign(copies.size(), 0);
  }
  // Lines on (ta, tb); successive calls must not go back in time.
  PieceLines lines_on(double ta, double tb) {
    PieceLines s;
    for (std::size_t i = 0; i < copies_.size(); ++i) {
      const WaveformCopy& c = copies_[i];
      const std::span<const Waveform::Point> pts = c.shape->points();
      const double a = ta - c.start_ms, b = tb - c.start_ms;
      const double mid = 0.5 * (a + b);
      if (pts.size() < 2 || mid <= pts.front().t_ms || mid >= pts.back().t_ms) continue;
      std::uint32_t& j = cursors_[i];
      while (pts[j + 1].t_ms <= mid) ++j;  // pts[j].t <= mid < pts[j + 1].t
      const Waveform::Point& p = pts[j];
      const double slope = c.shape->slopes_V_per_ms()[j];
      const double xa = c.amplitude * (p.v_V + slope * (a - p.t_ms));
      const double xb = c.amplitude * (p.v_V + slope * (b - p.t_ms));
      s.vg_a += 0.5 * xa;
      s.vg_b += 0.5 * xb;
      if (c.side > 0) {
        s.pre_a += xa;
        s.pre_b += xb;
      } else if (c.side < 0) {
        s.post_a += xa;
        s.post_b += xb;
      }
    }
    return s;
  }

 private:
  std::span<const WaveformCopy> copies_;
  std::vector<std::uint32_t>& cursors_;
};

// Scratch of advance_impl, reused between calls of a thread (no allocation per update).
struct AdvanceScratch {
  std::vector<double> breakpoints, cuts;
  std::vector<std::uint32_t> cursors;
};
AdvanceScratch& advance_scratch() {
  thread_local AdvanceScratch scratch;
  return scratch;
}

// V_G(t-): the limit from the left (0 at and before each waveform's first point).
double gate_voltage_left_V(std::span<const WaveformCopy> copies, double t) {
  double v = 0.0;
  for (const WaveformCopy& c : copies) {
    const double s = t - c.start_ms;
    if (s <= c.shape->start_ms() || s > c.shape->duration_ms()) continue;
    v += 0.5 * c.amplitude * c.shape->value_V(s);
  }
  return v;
}

// (Called at every update: the message is built only for a bad copy.)
void check_copies(std::span<const WaveformCopy> copies) {
  for (std::size_t i = 0; i < copies.size(); ++i) {
    const WaveformCopy& c = copies[i];
    const auto fail = [&](const std::string& what) {
      throw std::invalid_argument("EisDevice::advance: copies[" + std::to_string(i) + "]" + what);
    };
    if (c.shape == nullptr) fail(".shape is null");
    if (!std::isfinite(c.start_ms)) fail(".start_ms is not finite");
    if (!std::isfinite(c.amplitude)) fail(".amplitude is not finite");
    if (c.side < -1 || c.side > 1) fail(".side = " + std::to_string(c.side) + " must be -1, 0 or +1");
  }
}

}  // namespace

double gate_voltage_V(std::span<const WaveformCopy> copies, double t_ms) {
  double v = 0.0;
  for (const WaveformCopy& c : copies) v += 0.5 * c.amplitude * c.shape->value_V(t_ms - c.start_ms);
  return v;
}

EisDevice::EisDevice(const pb::EisDevice& m, const std::filesystem::path& base_dir) : name_(m.name()) {
  const std::string ctx = "EisDevice '" + name_ + "'";
  constexpr double inf = std::numeric_limits<double>::infinity();
  kinetics_ = EisKinetics::from_message(m, base_dir, ctx);
  if (!m.has_g_min_ns()) throw std::invalid_argument(ctx + ": g_min_nS is required (finite, >= 0)");
  if (!m.has_g_max_ns()) throw std::invalid_argument(ctx + ": g_max_nS is required (finite, > g_min_nS)");
  // + 0.0: a configured -0 becomes +0 (EisProjection marks floored synapses by G's sign bit).
  g_min_ = checked(ctx, "g_min_nS", m.g_min_ns(), 0.0, inf, false, "finite, >= 0") + 0.0;
  g_max_ = checked(ctx, "g_max_nS", m.g_max_ns(), g_min_, inf, true, "finite, > g_min_nS = " + num(g_min_));
  exponent_ = checked(ctx, "soft_bound_exponent", m.soft_bound_exponent(), 0.0, 100.0, false,
                      "0 (hard bounds) or in (0, 100]");
  v_oc_ = checked(ctx, "v_oc_V", m.v_oc_v(), -10.0, 10.0, false, "[-10, 10] V");
  v_oc_slope_ = checked(ctx, "v_oc_slope_V_per_decade", m.v_oc_slope_v_per_decade(), -10.0, 10.0, false,
                        "[-10, 10] V/decade");
  g_oc_ref_ = checked(ctx, "g_oc_ref_nS", m.g_oc_ref_ns(), 0.0, inf, true, "finite, > 0");
  if (v_oc_slope_ != 0.0 && !(g_min_ > 0.0))
    throw std::invalid_argument(ctx + ": g_min_nS = " + num(g_min_) +
                                " must be > 0 when v_oc_slope_V_per_decade != 0 (V_oc uses log10 G)");
  spread_sigma_ = checked(ctx, "device_spread_sigma", m.device_spread_sigma(), 0.0, 2.0, false, "[0, 2]");
  noise_sigma_ = checked(ctx, "cycle_noise_sigma", m.cycle_noise_sigma(), 0.0, 1.0, false, "[0, 1]");
  gate_c_fF_ = checked(ctx, "gate_capacitance_fF", m.gate_capacitance_ff(), 0.0, inf, false, "finite, >= 0");
  divider_r_kOhm_ =
      checked(ctx, "divider_resistance_kOhm", m.divider_resistance_kohm(), 0.0, inf, false, "finite, >= 0");
  charge_fC_per_nS_ = checked(ctx, "charge_per_conductance_fC_per_nS", m.charge_per_conductance_fc_per_ns(),
                              0.0, inf, false, "finite, >= 0");
  read_V_ = checked(ctx, "read_voltage_V", m.read_voltage_v(), -10.0, 10.0, false, "[-10, 10] V");
}

double EisDevice::v_oc_V(double g) const {
  if (v_oc_slope_ == 0.0) return v_oc_;
  return v_oc_ + v_oc_slope_ * std::log10(std::max(g, g_min_) / g_oc_ref_);
}

double EisDevice::bound_factor(double g, bool insertion) const {
  if (exponent_ == 0.0) return insertion ? (g >= g_max_ ? 0.0 : 1.0) : (g <= g_min_ ? 0.0 : 1.0);
  const double span = g_max_ - g_min_;
  const double u = std::clamp(insertion ? (g_max_ - g) / span : (g - g_min_) / span, 0.0, 1.0);
  return exponent_ == 1.0 ? u : std::pow(u, exponent_);
}

double EisDevice::rate_nS_per_ms(double v_gate_V, double g_nS, double prefactor) const {
  const double h = kinetics_.rate(v_gate_V - v_oc_V(g_nS));
  if (h == 0.0) return 0.0;
  return prefactor * h * bound_factor(g_nS, h > 0.0);
}

double EisDevice::apply_drive(double g, double H) const {
  if (H == 0.0) return g;
  return std::clamp(g + drive_change(g, H), g_min_, g_max_);
}

double EisDevice::drive_change(double g, double H) const {
  if (H == 0.0) return 0.0;
  if (exponent_ == 0.0) return std::clamp(g + H, g_min_, g_max_) - g;
  const double span = g_max_ - g_min_;
  const bool ins = H > 0.0;
  // u: distance to the bound being approached, in units of span; x = |H| / span.
  const double u = ins ? (g_max_ - g) / span : (g - g_min_) / span;
  if (u <= 0.0) return 0.0;
  const double x = std::fabs(H) / span;
  double du;  // u0 - u1 >= 0
  if (exponent_ == 1.0) {
    du = -u * std::expm1(-x);
  } else if (exponent_ > 1.0) {
    const double e1 = exponent_ - 1.0;
    const double u1 = std::pow(std::pow(u, -e1) + e1 * x, -1.0 / e1);
    du = u - u1;
  } else {
    const double e1 = 1.0 - exponent_;
    const double w = std::pow(u, e1) - e1 * x;
    if (w <= 0.0) return (ins ? g_max_ : g_min_) - g;  // the bound is reached
    du = u - std::pow(w, 1.0 / e1);
  }
  return ins ? span * du : -span * du;
}

double EisDevice::insertion_on_piece(double g0, double g1, double d, double ea, double eb, double va, double vb,
                                     double p) const {
  // By parts, with dG(t) = G(t) - G0 monotone and V_G linear of one sign on the piece:
  //   int |dG/dt| |V_G| dt = | V_b dG(d) - V' int_0^d dG(t) dt |,
  // G(t) in closed form (the separable update over [0, t]); the last integral by adaptive
  // Gauss-Kronrod to 1e-11 of its largest possible value |dG(d)| d (dG(t) is computed without
  // cancellation against G0, so that tolerance is above its rounding).
  const double dg_end = g1 - g0;
  if (dg_end == 0.0) return 0.0;
  const double v_slope = (vb - va) / d;
  double integral_dg = 0.0;
  if (v_slope != 0.0) {
    const double start = kinetics_.start_term(ea);
    const auto dg = [&](double t) {
      if (!(t > 0.0)) return 0.0;
      const double e = ea + (eb - ea) * (t / d);
      return drive_change(g0, p * kinetics_.integral_from(ea, start, e, t));
    };
    // Where h changes by at most e^(1/2) along the piece, dG(t) is smooth on the piece's scale
    // and 5-point Gauss-Legendre is accurate to ~1e-12 (tested against Dormand-Prince);
    // elsewhere (steep ramps, tabulated laws) the adaptive rule.
    // (A piece that ends at a bound has a kink where G stops: adaptive rule there too.)
    const double scale = kinetics_.smooth_scale_V();
    if (std::fabs(eb - ea) <= 0.5 * scale && g1 > g_min_ && g1 < g_max_)
      integral_dg = gauss_legendre5(dg, 0.0, d);
    else
      integral_dg = integrate_gauss_kronrod(dg, 0.0, d, 1e-11 * std::fabs(dg_end) * d);
  }
  return std::fabs(vb * dg_end - v_slope * integral_dg);
}

double EisDevice::integrate_piece_ode(double g, double ta, double tb, double va, double vb, double p,
                                      double* insertion) const {
  const double d = tb - ta;
  const double slope = (vb - va) / d;
  auto vg = [&](double t) { return va + slope * (t - ta); };
  auto clamp_g = [&](double x) { return std::clamp(x, g_min_, g_max_); };
  if (insertion == nullptr) {
    DopriTolerance<1> tol{{kOdeRtol}, {kOdeAtol_nS}};
    auto f = [&](double t, const std::array<double, 1>& y) {
      return std::array<double, 1>{rate_nS_per_ms(vg(t), y[0], p)};
    };
    auto project = [&](const std::array<double, 1>& y) { return std::array<double, 1>{clamp_g(y[0])}; };
    return dopri5_integrate<1>(f, ta, tb, {g}, tol, project)[0];
  }
  DopriTolerance<2> tol{{kOdeRtol, kEnergyRtol}, {kOdeAtol_nS, 1e-12}};
  auto f = [&](double t, const std::array<double, 2>& y) {
    const double v = vg(t);
    const double r = rate_nS_per_ms(v, y[0], p);
    return std::array<double, 2>{r, std::fabs(r) * std::fabs(v)};
  };
  auto project = [&](const std::array<double, 2>& y) { return std::array<double, 2>{clamp_g(y[0]), y[1]}; };
  const auto y = dopri5_integrate<2>(f, ta, tb, {g, 0.0}, tol, project);
  *insertion += y[1];
  return y[0];
}

double EisDevice::advance(double g, double t0, double t1, std::span<const WaveformCopy> copies, double p,
                          EisEnergy* energy) const {
  return advance_impl(g, t0, t1, copies, p, energy, false);
}

double EisDevice::advance_adaptive(double g, double t0, double t1, std::span<const WaveformCopy> copies,
                                   double p, EisEnergy* energy) const {
  return advance_impl(g, t0, t1, copies, p, energy, true);
}

double EisDevice::advance_impl(double g, double t0, double t1, std::span<const WaveformCopy> copies, double p,
                               EisEnergy* energy, bool force_ode) const {
  if (!std::isfinite(t0) || !std::isfinite(t1) || !(t1 >= t0))
    throw std::invalid_argument("EisDevice::advance: need finite t0_ms <= t1_ms, got [" + num(t0) + ", " +
                                num(t1) + "]");
  if (!(g >= g_min_ && g <= g_max_))
    throw std::invalid_argument("EisDevice::advance: g_nS = " + num(g) + " outside [g_min_nS, g_max_nS] = [" +
                                num(g_min_) + ", " + num(g_max_) + "] of device '" + name_ + "'");
  if (!(p > 0.0) || !std::isfinite(p))
    throw std::invalid_argument("EisDevice::advance: prefactor = " + num(p) + " must be finite and > 0");
  check_copies(copies);
  if (t1 == t0) return g;

  // Breakpoints: every point of every copy strictly inside (t0, t1).
  AdvanceScratch& scratch = advance_scratch();
  std::vector<double>& bp = scratch.breakpoints;
  bp.clear();
  bp.push_back(t0);
  for (const WaveformCopy& c : copies)
    for (const Waveform::Point& q : c.shape->points()) {
      const double t = c.start_ms + q.t_ms;
      if (t > t0 && t < t1) bp.push_back(t);
    }
  bp.push_back(t1);
  std::sort(bp.begin() + 1, bp.end() - 1);
  bp.erase(std::unique(bp.begin(), bp.end()), bp.end());

  const bool ode = force_ode || v_oc_slope_ != 0.0;
  const bool want_insertion = energy != nullptr && charge_fC_per_nS_ > 0.0;
  double insertion = 0.0, gate = 0.0, divider = 0.0;
  double v_left = energy != nullptr ? gate_voltage_left_V(copies, t0) : 0.0;
  static constexpr double zero_kink_value[1] = {0.0};
  const std::span<const double> zero_kink(zero_kink_value);
  std::vector<double>& cut_buffer = scratch.cuts;
  PieceSweep sweep(copies, scratch.cursors);
  // Exact path: the drives of consecutive pieces of one sign add (the ODE is separable on
  // their union), so they are applied to g at once, when the sign changes or at the end: one
  // apply_drive per lobe of eta instead of one per piece. The insertion energy needs G along
  // every piece: it follows its own trajectory g_piece, piece by piece, so that accounting
  // energy never changes G.
  double pending_drive = 0.0;
  double g_piece = g;
  EisKinetics::Chain chain;  // the antiderivative at the last piece's end

  for (std::size_t i = 0; i + 1 < bp.size(); ++i) {
    const double ta = bp[i], tb = bp[i + 1];
    const double d = tb - ta;
    const PieceLines L = sweep.lines_on(ta, tb);
    if (energy != nullptr) {
      gate += gate_path_energy(v_left, L.vg_a) + gate_path_energy(L.vg_a, L.vg_b);
      v_left = L.vg_b;
      if (divider_r_kOhm_ > 0.0) {
        const double xa = L.pre_a - L.post_a, xb = L.pre_b - L.post_b;
        divider += d * (xa * xa + xa * xb + xb * xb) / 3.0;
      }
    }
    if (L.vg_a == 0.0 && L.vg_b == 0.0 && v_oc_ == 0.0 && v_oc_slope_ == 0.0) continue;  // rest: no drive

    // Sub-pieces: with V_oc constant, eta is linear on the piece; cut where it crosses 0 (the
    // insertion/extraction switch) and, on the adaptive path, every kink of the law.
    std::vector<double>& cuts = cut_buffer;
    cuts.assign({ta, tb});
    bool v_gate_cut = false;  // a cut where V_G, not eta, is 0
    if (v_oc_slope_ == 0.0) {
      const double ea = L.vg_a - v_oc_, eb = L.vg_b - v_oc_;
      const std::span<const double> kinks = ode ? std::span<const double>(kinetics_.kinks()) : zero_kink;
      for (const double k : kinks) {
        if ((ea < k && eb > k) || (ea > k && eb < k)) {
          const double tz = ta + d * ((ea - k) / (ea - eb));
          if (tz > ta && tz < tb) cuts.push_back(tz);
        }
      }
      // The closed-form insertion energy needs |V_G| of one sign too (eta = V_G - V_oc).
      if (want_insertion && !ode && v_oc_ != 0.0 && L.vg_a * L.vg_b < 0.0) {
        const double tz = ta + d * (L.vg_a / (L.vg_a - L.vg_b));
        if (tz > ta && tz < tb) {
          cuts.push_back(tz);
          v_gate_cut = true;
        }
      }
      std::sort(cuts.begin(), cuts.end());
    }
    const double slope = (L.vg_b - L.vg_a) / d;
    for (std::size_t s = 0; s + 1 < cuts.size(); ++s) {
      const double sa = cuts[s], sb = cuts[s + 1];
      if (!(sb > sa)) continue;
      const double va = s == 0 ? L.vg_a : L.vg_a + slope * (sa - ta);
      const double vb = s + 2 == cuts.size() ? L.vg_b : L.vg_a + slope * (sb - ta);
      if (ode) {
        g = integrate_piece_ode(g, sa, sb, va, vb, p, want_insertion ? &insertion : nullptr);
      } else {
        double ea = va - v_oc_, eb = vb - v_oc_;
        // Rounding at a cut can leave a tiny opposite sign; eta is 0 there by construction.
        if (!v_gate_cut) {
          if (s > 0) ea = 0.0;
          if (s + 2 < cuts.size()) eb = 0.0;
        } else if (ea * eb < 0.0) {  // cuts of both kinds: only an eta cut can flip the sign
          (std::fabs(ea) < std::fabs(eb) ? ea : eb) = 0.0;
        }
        const double H = p * kinetics_.integral(ea, eb, sb - sa, chain);
        if (H != 0.0 && pending_drive != 0.0 && (H > 0.0) != (pending_drive > 0.0)) {
          g = apply_drive(g, pending_drive);
          pending_drive = 0.0;
        }
        pending_drive += H;
        if (want_insertion && H != 0.0) {
          const double g_next = apply_drive(g_piece, H);
          insertion += insertion_on_piece(g_piece, g_next, sb - sa, ea, eb, va, vb, p);
          g_piece = g_next;
        }
      }
    }
  }
  if (pending_drive != 0.0) g = apply_drive(g, pending_drive);
  if (energy != nullptr) {
    energy->insertion_fJ += charge_fC_per_nS_ * insertion;
    energy->gate_fJ += gate_c_fF_ * gate;
    if (divider_r_kOhm_ > 0.0) energy->divider_fJ += divider / (2.0 * divider_r_kOhm_) * kV2PerKOhmMsInFJ;
  }
  return g;
}

double EisDevice::draw_prefactor(RandomStream& rng) const { return draw_lognormal_factor(spread_sigma_, rng); }

double EisDevice::apply_cycle_noise(double g_before, double g_after, RandomStream& rng) const {
  if (noise_sigma_ == 0.0) return g_after;
  const double dg = ionspike::apply_cycle_noise(g_after - g_before, noise_sigma_, rng);
  return std::clamp(g_before + dg, g_min_, g_max_);
}

}  // namespace ionspike
