// Electrochemical ionic synapse (EIS / ECRAM) device: conductance dynamics under a gate
// voltage built from superposed neuron waveforms. Seed paper: Huang et al., Adv. Mater. 2025
// (docs/eis.md gives the physics, calibration and presets).
//
// Units: time ms, voltage V, conductance nS, rates nS/ms, energy fJ.
//
// Gate voltage. Each WaveformCopy adds amplitude * shape(t - start_ms) / 2 to V_G (the
// resistive divider of the paper's Fig. 3a halves every signal):
//     V_G(t) = sum_c amplitude_c * shape_c(t - start_c) / 2.
// side: +1 presynaptic, -1 postsynaptic, 0 modulatory (added to V_G only; see energy).
//
// Conductance law:
//     dG/dt = p * h(eta) * B(G, sign eta),    eta = V_G - V_oc(G),
//     V_oc(G) = v_oc_V + v_oc_slope_V_per_decade * log10(G / g_oc_ref_nS),
// h the rate law (synapses/eis_kinetics.hpp), p the per-device prefactor (1 = nominal; see
// synapses/eis_variability.hpp), and the bound factor
//     e = 0 (hard):  B = 1 inside [g_min, g_max]; G stops exactly at a bound it reaches,
//     e > 0 (soft):  B = ((g_max - G)/span)^e for eta > 0, ((G - g_min)/span)^e for eta < 0,
//                    span = g_max - g_min.
//
// Integration (advance). V_G is piecewise linear in t: [t0, t1] is split at every point of
// every copy (each copy's straight line is evaluated on the piece, so jumps at a waveform's
// ends are exact) and at zero crossings of eta.
//  * V_oc constant (slope 0): h does not depend on G, so on a piece where eta keeps its sign
//    the ODE is separable: with H = p * int h dt (exact, EisKinetics::integral),
//        hard bounds   G1 = clamp(G0 + H, g_min, g_max)            (monotone, so exact)
//        e = 1         G1 = g_max - (g_max - G0) exp(-H / span)     (H > 0; mirror for H < 0)
//        e != 1        u1^(1-e) = u0^(1-e) - (1-e) H / span,  u = (g_max - G)/span (H > 0),
//                      u1 = 0 once the right side reaches 0 (e < 1 reaches the bound).
//    The result is exact up to rounding (series-limited: up to the V_i tabulation error, see
//    eis_kinetics.hpp; < 1e-12 relative in the rate). The drives of consecutive pieces of one
//    sign are added and applied once per lobe of eta (the same solution, one exponential per
//    lobe instead of per piece); the insertion energy, which needs G along every piece, follows
//    its own piece-by-piece trajectory, so that accounting energy never changes G.
//  * V_oc depending on G: adaptive Dormand-Prince 5(4) (synapses/dormand_prince.hpp) on each
//    piece with rtol = kOdeRtol on G and atol = kOdeAtol_nS; G is clamped to its bounds after
//    every step. The kinks of h (eta = 0, tabulated nodes) move with G there and are left to
//    the step-size control. advance_adaptive() forces this path for every law (tests,
//    cross-checks); with V_oc constant it also cuts the pieces at those kinks.
//    Measured agreement with the exact path: <= 5e-10 relative in dG (tests, docs/eis.md).
//
// Energy (added to *energy when energy != nullptr; never changes G):
//   insertion = charge_per_conductance_fC_per_nS * int |dG/dt| |V_G| dt       [fC/nS * nS * V = fJ]
//               exact path: by parts on each piece where eta and V_G keep their signs,
//               | V_b dG - V' int dG dt |, the last integral by adaptive Gauss-Kronrod on the
//               closed-form G(t) (synapses/gauss_kronrod.hpp; ~1e-10 relative);
//               adaptive path: Dormand-Prince on the pair (G, energy), rtol kEnergyRtol
//   gate      = gate_capacitance_fF * sum over pieces on which V_G^2 is monotone |V1^2 - V0^2| / 2
//               [fF * V^2 = fJ]; jumps of V_G count as pieces; a jump at t0 belongs to this call,
//               one at t1 to the next (advance past a waveform's end to count its last jump).
//   divider   = int (V_pre - V_post)^2 / (2 R) dt with V_pre = sum of amplitude * shape over
//               side +1 copies, V_post over side -1 copies, R = divider_resistance_kOhm (each of
//               the two resistors; 0 = no divider, e.g. a two-terminal device). Exact for
//               piecewise-linear signals: int_0^d x(t)^2 dt = d (x_a^2 + x_a x_b + x_b^2) / 3.
//               [V^2 / kOhm * ms = 1e-3 W * 1e-3 s = 1e-6 J = 1e9 fJ.] Modulatory copies are
//               assumed injected without divider loss.
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "engine/random_stream.hpp"
#include "networks/eis.pb.h"
#include "synapses/eis_kinetics.hpp"
#include "synapses/waveform.hpp"

namespace ionspike {

namespace pb = ::ionspike::network::v1;

// One emitted waveform: contributes amplitude * shape(t - start_ms) / 2 to V_G.
struct WaveformCopy {
  const Waveform* shape;
  double start_ms;
  double amplitude;
  int side;  // +1 pre, -1 post, 0 modulatory
};

struct EisEnergy {
  double insertion_fJ = 0, gate_fJ = 0, divider_fJ = 0;
  double total_fJ() const { return insertion_fJ + gate_fJ + divider_fJ; }
};

// V_G(t) of a superposition (V); at a waveform's end points the point value is used.
double gate_voltage_V(std::span<const WaveformCopy> copies, double t_ms);

class EisDevice {
 public:
  static constexpr double kOdeRtol = 1e-11;      // Dormand-Prince, relative to |G|
  static constexpr double kOdeAtol_nS = 1e-12;   // Dormand-Prince, absolute on G
  static constexpr double kEnergyRtol = 1e-9;    // Dormand-Prince, insertion-energy integral
  static constexpr double kV2PerKOhmMsInFJ = 1e9;  // 1 V^2/kOhm * 1 ms = 1e9 fJ

  // Validates every field; throws std::invalid_argument with the field name and allowed range.
  // A tabulated csv_file is read relative to base_dir.
  explicit EisDevice(const pb::EisDevice& message, const std::filesystem::path& base_dir = {});

  // dG/dt in nS/ms at gate voltage v_gate_V and conductance g_nS (bounds and prefactor applied;
  // 0 when a hard bound stops the change).
  double rate_nS_per_ms(double v_gate_V, double g_nS, double prefactor = 1.0) const;

  // G at t1 given G = g_nS at t0 under the superposition of `copies` (see the header comment).
  // Requires t0 <= t1, g_min <= g_nS <= g_max, prefactor > 0, copies with a shape and side in
  // {-1, 0, 1}; throws std::invalid_argument otherwise.
  double advance(double g_nS, double t0_ms, double t1_ms, std::span<const WaveformCopy> copies,
                 double prefactor = 1.0, EisEnergy* energy = nullptr) const;
  // The same with the adaptive Dormand-Prince integrator on every piece, whatever the law.
  double advance_adaptive(double g_nS, double t0_ms, double t1_ms, std::span<const WaveformCopy> copies,
                          double prefactor = 1.0, EisEnergy* energy = nullptr) const;
  // True when advance() uses the exact separable solution (V_oc independent of G).
  bool exact_path() const { return v_oc_slope_ == 0.0; }

  double v_oc_V(double g_nS) const;

  // Per-device kinetic prefactor exp(device_spread_sigma * N(0,1)) (1 without drawing when the
  // sigma is 0), and cycle-to-cycle noise on one update: returns
  // clamp(g_before + (g_after - g_before) * (1 + cycle_noise_sigma * N(0,1)), g_min, g_max)
  // (g_after without drawing when the sigma is 0).
  double draw_prefactor(RandomStream& rng) const;
  double apply_cycle_noise(double g_before_nS, double g_after_nS, RandomStream& rng) const;

  const std::string& name() const { return name_; }
  const EisKinetics& kinetics() const { return kinetics_; }
  double g_min_nS() const { return g_min_; }
  double g_max_nS() const { return g_max_; }
  double soft_bound_exponent() const { return exponent_; }
  double device_spread_sigma() const { return spread_sigma_; }
  double cycle_noise_sigma() const { return noise_sigma_; }
  double gate_capacitance_fF() const { return gate_c_fF_; }
  double divider_resistance_kOhm() const { return divider_r_kOhm_; }
  double charge_per_conductance_fC_per_nS() const { return charge_fC_per_nS_; }
  double read_voltage_V() const { return read_V_; }

  // The separable update for a G-independent drive H = p * int h dt over a piece on which h
  // keeps its sign (exact; see the header comment). Requires V_oc independent of G.
  double apply_drive(double g_nS, double h_nS) const;
  // Its change G1 - G0 before clamping to the bounds, computed without cancellation.
  double drive_change(double g_nS, double h_nS) const;

 private:
  double advance_impl(double g, double t0, double t1, std::span<const WaveformCopy> copies, double prefactor,
                      EisEnergy* energy, bool force_ode) const;
  double bound_factor(double g, bool insertion) const;
  // Dormand-Prince over one linear piece of V_G; adds the insertion-energy integral
  // int |dG/dt||V_G| dt (nS V) to *insertion when insertion != nullptr.
  double integrate_piece_ode(double g, double ta, double tb, double va, double vb, double prefactor,
                             double* insertion) const;
  // Exact path: int |dG/dt| |V_G| dt (nS V) over a piece of d ms on which eta runs linearly
  // from ea to eb and V_G from va to vb, both of one sign, G from g0 to g1 (closed form).
  double insertion_on_piece(double g0, double g1, double d, double ea, double eb, double va, double vb,
                            double prefactor) const;

  std::string name_;
  EisKinetics kinetics_;
  double g_min_ = 0, g_max_ = 0, exponent_ = 0;
  double v_oc_ = 0, v_oc_slope_ = 0, g_oc_ref_ = 1000;
  double spread_sigma_ = 0, noise_sigma_ = 0;
  double gate_c_fF_ = 0, divider_r_kOhm_ = 0, charge_fC_per_nS_ = 0, read_V_ = 0.1;
};

}  // namespace ionspike
