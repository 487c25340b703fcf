// Single-compartment Hodgkin–Huxley neuron with sodium (m^3 h), delayed-rectifier potassium
// (n^4) and leak currents, and exponential synaptic conductances, integrated on a clock.
// The gate kinetics (alpha, beta rate functions) are a template argument: neurons/hh_1952.hpp
// (squid axon) and neurons/hh_traub_miles.hpp (Brette et al. 2007 COBAHH).
//
//   c_m dV/dt = g_na m^3 h (e_na - V) + g_k n^4 (e_k - V) + g_l (e_l - V)
//               + g_ex (e_ex - V) + g_in (e_in - V) + i_e + I_inj
//   dx/dt = alpha_x(V) (1 - x) - beta_x(V) x          for x = m, h, n   (rates in 1/ms)
//   conductances: neurons/exp_conductances.hpp (weights in nS)
//   spike: upward crossing of threshold_mV, further crossings ignored for t_ref_ms (no reset)
//
// Absolute units here (pF, nS, pA); network files give the membrane as densities and an area
// (networks/time_driven_models.cpp converts: 1 uF/cm^2 on 1 um^2 = 0.01 pF, 1 mS/cm^2 on
// 1 um^2 = 0.01 nS).
// Integration: exponential midpoint (neurons/exponential_midpoint.hpp), second order and
// unconditionally stable in the gates (x moves towards its steady state alpha/(alpha+beta)).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "neurons/exp_conductances.hpp"
#include "neurons/exponential_midpoint.hpp"
#include "neurons/neuron_population.hpp"

namespace ionspike {

struct HhMembrane {
  double c_m_pF = 100.0;
  double g_na_nS = 12000.0;
  double g_k_nS = 3600.0;
  double g_l_nS = 30.0;
  double e_na_mV = 50.0;
  double e_k_mV = -77.0;
  double e_l_mV = -54.387;
  double i_e_pA = 0.0;
  double threshold_mV = 0.0;  // spike detection (upward crossing)
  double t_ref_ms = 2.0;      // crossings ignored after a spike
};

struct GateRates {
  double alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n;  // 1/ms
};

// x / (1 - exp(-x / y)), continuous at x = 0 (value y): the form of HH's alpha_m, alpha_n.
inline double hh_vtrap(double x, double y) { return y / phi1(-x / y); }

// The six rate functions tabulated every 0.01 mV on [-150, 100] mV and interpolated
// linearly (NEURON's and GENESIS's classic device): the rates are smooth on a scale of
// several mV, so the interpolation error is about (0.01 mV)^2 / 8 * |r''| ~ 1e-6 relative,
// far below the integrator's error (tests compare the tabulated populations with
// untabulated Dormand–Prince references). Outside the range the functions are evaluated.
class GateRateTable {
 public:
  static constexpr double kMinMV = -150.0, kMaxMV = 100.0, kStepMV = 0.01;
  template <class Rates>
  explicit GateRateTable(const Rates& rates) {
    const auto n = static_cast<std::size_t>((kMaxMV - kMinMV) / kStepMV + 0.5);
    rows_.reserve(n + 1);
    for (std::size_t i = 0; i <= n; ++i) rows_.push_back(rates(kMinMV + static_cast<double>(i) * kStepMV));
  }
  // Interpolated rates at v_mV, or false outside the table.
  bool lookup(double v_mV, GateRates& out) const {
    const double x = (v_mV - kMinMV) * (1.0 / kStepMV);
    if (!(x >= 0.0 && x < static_cast<double>(rows_.size() - 1))) return false;
    const auto i = static_cast<std::size_t>(x);
    const double f = x - static_cast<double>(i);
    const GateRates& a = rows_[i];
    const GateRates& b = rows_[i + 1];
    out = {a.alpha_m + f * (b.alpha_m - a.alpha_m), a.beta_m + f * (b.beta_m - a.beta_m),
           a.alpha_h + f * (b.alpha_h - a.alpha_h), a.beta_h + f * (b.beta_h - a.beta_h),
           a.alpha_n + f * (b.alpha_n - a.alpha_n), a.beta_n + f * (b.beta_n - a.beta_n)};
    return true;
  }

 private:
  std::vector<GateRates> rows_;
};

template <class Kinetics>
struct HodgkinHuxleyModel : ConductanceInputs<6> {
  static constexpr std::string_view kName = Kinetics::kName;
  static constexpr WeightUnit kWeightUnit = WeightUnit::nS;
  enum Variable : std::size_t { kV, kM, kH, kN, kGEx, kGIn, kVariables };
  static constexpr bool kResets = false;
  using State = std::array<double, kVariables>;
  static_assert(kGEx == kDecayFrom && kGIn == kVariables - 1);

  struct Parameters {
    HhMembrane membrane;
    typename Kinetics::Parameters kinetics;
    ExpConductanceParameters synapses;
    // Tabulated rates (populations built from network files have one); none: evaluated.
    std::shared_ptr<const GateRateTable> rate_table = nullptr;
  };

  static std::shared_ptr<const GateRateTable> make_rate_table(const typename Kinetics::Parameters& k) {
    return std::make_shared<const GateRateTable>([&](double v) { return Kinetics::rates(k, v); });
  }

  static std::vector<std::string> variables() { return {"v_mV", "m", "h", "n", "g_ex_nS", "g_in_nS"}; }

  static GateRates rates(const Parameters& p, double v_mV) {
    GateRates r;
    if (p.rate_table && p.rate_table->lookup(v_mV, r)) return r;
    return Kinetics::rates(p.kinetics, v_mV);
  }

  // Steady state of the gates at v_mV (the default initial state).
  static std::array<double, 3> steady_gates(const Parameters& p, double v_mV) {
    const GateRates r = rates(p, v_mV);
    return {r.alpha_m / (r.alpha_m + r.beta_m), r.alpha_h / (r.alpha_h + r.beta_h),
            r.alpha_n / (r.alpha_n + r.beta_n)};
  }

  static void linearize(const Parameters& p, double i_pA, const State& y, State& a, State& b) {
    const HhMembrane& m = p.membrane;
    const GateRates r = rates(p, y[kV]);
    a[kM] = -(r.alpha_m + r.beta_m);
    b[kM] = r.alpha_m;
    a[kH] = -(r.alpha_h + r.beta_h);
    b[kH] = r.alpha_h;
    a[kN] = -(r.alpha_n + r.beta_n);
    b[kN] = r.alpha_n;
    const double g_na = m.g_na_nS * y[kM] * y[kM] * y[kM] * y[kH];
    const double n2 = y[kN] * y[kN];
    const double g_k = m.g_k_nS * n2 * n2;
    double drive_pA = g_na * m.e_na_mV + g_k * m.e_k_mV + m.g_l_nS * m.e_l_mV + m.i_e_pA + i_pA;
    const double g_syn = Synapses::linearize(p.synapses, y, a, b, drive_pA);
    a[kV] = -(g_na + g_k + m.g_l_nS + g_syn) / m.c_m_pF;
    b[kV] = drive_pA / m.c_m_pF;
  }
  static double threshold_mV(const Parameters& p) { return p.membrane.threshold_mV; }
  static double refractory_ms(const Parameters& p) { return p.membrane.t_ref_ms; }
};

}  // namespace ionspike
