// Rate laws of electrochemical ionic synapses: the conductance change rate h(eta) in nS/ms
// as a function of the overpotential eta = V_G - V_oc(G) in V, before the device's bound
// factors and per-device prefactor are applied (synapses/eis_device.hpp adds those).
// Every law is odd-signed: h(eta) has the sign of eta (insertion raises G, extraction lowers it).
//
//   sinh            h = k_ins sinh(eta / v0_ins)                      eta >= 0
//                   h = k_ext sinh(eta / v0_ext)                      eta <  0
//   Butler-Volmer   h = j0 (exp(alpha f eta) - exp(-(1 - alpha) f eta)),  f = z F / (R T)
//                   (F = 96485.33212 C/mol, R = 8.314462618 J/(mol K); f = 39.59 /V at 293.15 K)
//   series-limited  h = k sinh(V_i / v0), where the interface voltage V_i solves
//                   eta = V_i + r_s k sinh(V_i / v0)   (r_s in V ms/nS: the ionic series drop)
//   tabulated       measured (v_j, h_j); between two nodes of the same sign log|h| is linear
//                   in eta; on an interval that touches h = 0 (the implicit node (0, 0) is
//                   inserted when 0 is not a node) h is linear; outside the table the
//                   outermost interval's law is extrapolated. v_j is the overpotential eta.
//
// integral(eta_a, eta_b, d) returns the exact integral of h over a time piece of length d ms
// on which eta moves linearly from eta_a to eta_b without changing sign (callers split at
// eta = 0). Unit: nS. Per law:
//   sinh, Butler-Volmer: closed form. With x = eta / v0 linear in t,
//       int_0^d sinh(x(t)) dt = d sinh(x_mid) sinhc(dx / 2),   sinhc(y) = sinh(y) / y,
//     the stable form of (cosh(x_b) - cosh(x_a)) / x' (no cancellation when x' -> 0).
//   tabulated: exact for the interpolant (split at table nodes; exp of a linear function or a
//     linear function on each part).
//   series-limited: through the antiderivative in eta (derived with d eta = (1 + r_s h') dV_i)
//       A(eta) = k v0 (cosh(V_i / v0) - 1) + r_s h(V_i)^2 / 2,   int = d (A(eta_b) - A(eta_a)) / (eta_b - eta_a),
//     exact given V_i; for |eta_b - eta_a| < 1e-3 v0 a 3-point Gauss-Legendre rule is used
//     instead (no cancellation; its error is O((d eta / v0)^6), below 1e-16 relative there).
//
// Series-limited table. V_i(eta) is odd, so it is tabulated for 0 <= eta <= kSeriesTableMaxV
// on a uniform grid of step v0 / kSeriesTableStepsPerV0 with exact slopes
// dV_i/deta = 1 / (1 + (r_s k / v0) cosh(V_i / v0)), and interpolated by cubic Hermite
// polynomials (C1). The rate and the antiderivative need V_i only through
// S = sinh(V_i / (2 v0)) (h = 2 k S sqrt(1 + S^2), cosh(V_i / v0) - 1 = 2 S^2), which has its
// own Hermite table on the same grid (dS/deta = cosh(V_i / (2 v0)) / (2 v0) dV_i/deta), so an
// evaluation costs no sinh: measured relative error of S < 1e-12 over +-40 V
// (tests/test_eis_kinetics.cpp). Each node is solved by Newton's method from the upper bound
// min(eta, v0 asinh(eta / (r_s k))), which converges monotonically (the residual is convex),
// to 4 ulp. The interpolation error bound is h^4 max|V_i''''| / 384 with h = v0 / 128; the
// measured maximum over +-40 V is 2.2e-13 V for the 14 nm preset and 1.1e-13 V for the 7 nm one,
// a relative rate error |dV_i| / v0 < 1e-12 (tests/test_eis_kinetics.cpp requires < 1e-10 V).
// Beyond the table V_i is solved by Newton directly (exact). Without a series resistance
// (r_s = 0: V_i = eta, slope 1) and with v0 < ~0.029 V the table ends before S nears overflow
// (|eta| > ~1380 v0); beyond, V_i = eta exactly and S = sinh(eta / (2 v0)).
#pragma once

#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "networks/eis.pb.h"

namespace ionspike {

namespace pb = ::ionspike::network::v1;

class EisKinetics {
 public:
  static constexpr double kSeriesTableMaxV = 40.0;
  static constexpr int kSeriesTableStepsPerV0 = 128;

  enum class Kind { sinh, butler_volmer, series_limited_sinh, tabulated };

  // Builds the law of `device` (the oneof `kinetics`), validating its fields. A tabulated
  // csv_file is resolved relative to base_dir. Throws std::invalid_argument naming the field
  // and its allowed range (`context` prefixes every message, e.g. "EisDevice 'x'").
  static EisKinetics from_message(const pb::EisDevice& device, const std::filesystem::path& base_dir,
                                  const std::string& context);

  Kind kind() const { return kind_; }
  const char* kind_name() const;

  // h(eta) in nS/ms.
  double rate(double eta_V) const;

  // Exact integral of h over a piece of d_ms on which eta runs linearly from eta_a to eta_b
  // with eta_a * eta_b >= 0. Unit nS.
  double integral(double eta_a_V, double eta_b_V, double d_ms) const;
  // The same for many end points from one start (the insertion energy evaluates H(t) at the
  // quadrature nodes of a piece): start_term(eta_a) once, then integral_from(...) per end
  // point, bit-identical to integral() and cheaper for the series-limited law (its
  // antiderivative at the start is not recomputed).
  double start_term(double eta_a_V) const;
  // The same for pieces that follow one another (the pieces of one update): the law's
  // antiderivative at the last end point is kept in `chain` and reused when the next piece
  // starts there (series-limited law: one S look-up per piece instead of two).
  // Bit-identical to integral().
  struct Chain {
    double eta_V = std::numeric_limits<double>::quiet_NaN();
    double term = 0.0;
  };
  double integral(double eta_a_V, double eta_b_V, double d_ms, Chain& chain) const;
  double integral_from(double eta_a_V, double start_term, double eta_b_V, double d_ms) const;

  // The overpotential over which h changes by at most a factor e, where h is smooth: v0 of the
  // sinh and series-limited laws (the smaller of insertion and extraction), 1 / a of
  // Butler-Volmer; 0 for the tabulated law (kinks at its nodes: no smoothness to rely on).
  double smooth_scale_V() const;

  // Overpotentials at which h has a kink (derivative jump): 0 for every law (insertion and
  // extraction laws meet there) and the nodes of a tabulated law. The adaptive path splits at
  // them when eta is known in advance (constant V_oc).
  const std::vector<double>& kinks() const { return kinks_; }

  // Series-limited only: the interface voltage V_i(eta) from the table (or Newton beyond it),
  // and the exact Newton solution (for tests of the tabulation error).
  double series_interface_V(double eta_V) const;
  // Series-limited only: S = sinh(V_i / (2 v0)) from its table (what rate and integral use).
  double series_half_sinh(double eta_V) const;
  double series_interface_exact_V(double eta_V) const;

 private:
  struct Sinh {
    double k_ins, v0_ins, k_ext, v0_ext;
  };
  struct ButlerVolmer {
    double j0, a_ins, a_ext;  // h = j0 (exp(a_ins eta) - exp(-a_ext eta)), a in 1/V
  };
  struct SeriesTable;  // defined in the .cpp; shared by copies
  struct Series {
    double k, v0, r;
    std::shared_ptr<const SeriesTable> table;
    double solve(double eta) const;          // Newton
    double interface_V(double eta) const;    // table or Newton
    // S = sinh(V_i / (2 v0)) at eta: its own Hermite table (no sinh per call), Newton beyond.
    double half_sinh(double eta) const;
    double rate_of_half_sinh(double s) const { return k * 2.0 * s * std::sqrt(1.0 + s * s); }
    double rate(double eta) const { return rate_of_half_sinh(half_sinh(eta)); }  // k sinh(V_i / v0)
    double antiderivative(double eta) const;  // A(eta) from S: k v0 2 S^2 + r h^2 / 2
    // 3-point Gauss-Legendre rule of the rate over a short piece.
    double gauss_legendre3(double eta_a, double eta_b, double d) const;
    // d (A(eta_b) - A(eta_a)) / (eta_b - eta_a) from the two antiderivatives. Where both
    // overflow (inf - inf: the rate overflows all along the piece, which does not change
    // sign) the integral is +-inf with the sign of eta, as the sinh law's closed form gives;
    // NaN inputs stay NaN.
    double piece_integral(double a_start, double a_end, double eta_a, double eta_b, double d) const;
  };
  // The series-limited law when a piece of d ms from eta_a to eta_b is integrated through its
  // antiderivative (d > 0, |eta_b - eta_a| >= 1e-3 v0); null otherwise (integral() then).
  const Series* series_by_antiderivative(double eta_a_V, double eta_b_V, double d_ms) const;
  struct Tabulated {
    // Nodes with the implicit (0, 0) inserted; seg_log[j] tells how [v_j, v_j+1] is interpolated:
    // true: h = sign * exp(c0 + c1 eta), false: linear.
    std::vector<double> v, h;
    std::vector<char> seg_log;
    std::vector<double> c0, c1, sign;
    std::size_t segment(double eta) const;  // index j of the interval used at eta (clamped)
    double rate(double eta) const;
    double rate_on(std::size_t j, double eta) const;
    double integral_on(std::size_t j, double ea, double eb, double d) const;
  };

  Kind kind_ = Kind::sinh;
  std::vector<double> kinks_{0.0};
  std::variant<Sinh, ButlerVolmer, Series, Tabulated> law_;
};

// sinh(y) / y, accurate for all y (1 at y = 0).
double sinhc(double y);

}  // namespace ionspike
