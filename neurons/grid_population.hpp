// A time-driven population in grid mode (network field `input_timing: ON_GRID`): inputs are
// applied at step boundaries and the whole population is advanced by one vectorisable loop per
// step, as NEST and Brian2 do. The exact mode (neurons/time_driven_population.hpp) stays the
// default; this is the fast, first-order alternative for large networks.
//
// A grid kernel is one header per model (neurons/lif_cond_exp_grid.hpp,
// neurons/hodgkin_huxley_grid.hpp) defining a struct with
//   Model        the exact model (names, Parameters, variables, kV, kResets, threshold_mV,
//                refractory_ms, reset, weight unit); the network format and recorders see
//                the same model and the same state variables in both modes
//   Constants    per-step constants (dt/C, tables, ...), from constants(Parameters, dt_ms),
//                among them decay_ex and decay_in, the receivers' factors exp(-dt/tau)
//   kExReceiver, kInReceiver, kInSign
//                the state variables that inputs of w >= 0 and w < 0 reach, and how the
//                latter's |w| is added (InputSign); they decay by decay_ex and decay_in per
//                step and nothing else moves them (the population scales them, design note;
//                Model::reset leaves them alone)
//   advance<kCurrent, kInputs>(Constants, GridStep, n)
//                advances neurons [0, n) of the GridStep's columns from t_{k-1} to t_k with
//                the state at t_{k-1} (plain loops over the columns, no per-neuron call; the
//                population calls it per block of kBlock neurons), reading the receivers as
//                column * GridStep::scales.scale_ex / scale_in; with kInputs it then writes
//                them through receive_inputs() (the step's accumulated inputs,
//                GridStep::acc_ex, acc_in, zeroed), without kInputs not at all;
//                returns the candidate mask: bit c set unless every new V of
//                neurons [64 c, 64 c + 64) is below GridStep::threshold_mV (AND of below_bits
//                in the same loop, one test block of kTestBlock neurons after the other;
//                n <= 64 kTestBlock). Refractoriness is not the kernel's business (see below).
// Adding grid mode to a model: its kernel header, one test, `true` in its registry line
// (networks/model_registry.cpp) and its kernel in its make function (networks/time_driven_models.cpp).
//
// Design note: how a grid population meets the event-driven engine.
// - Steps. The engine pops one Step event per population and step (EventKind::Step, after
//   every delivery at the same time); the event at t_k = k dt integrates (t_{k-1}, t_k]. One
//   virtual call per population per step; everything inside is the kernel's loop.
// - Inputs. A delivery at t in (t_{k-1}, t_k] (all of them reach the population before the
//   Step event at t_k) adds its weight to the target's accumulator: acc_ex += w for w >= 0,
//   acc_in += |w| for w < 0, two plain double columns. At the Step event the kernel advances
//   every neuron over (t_{k-1}, t_k] without the new inputs, then the accumulators are added:
//   inputs act from t_k on (NEST's ring buffers, Brian2's on_pre at the end of a step).
//   Changes of injected current at t in (t_{k-1}, t_k] likewise act from t_k on.
// - Sparse inputs. In a step only a few neurons receive inputs (CUBA: ~200 deliveries onto
//   4000 neurons), yet reading and zeroing two accumulators and writing two receivers per
//   neuron would be most of a kernel's memory traffic. So a delivery also notes its targets
//   in a list per accumulator; at the Step event the kernel runs without inputs
//   (advance<_, false>: it writes no receiver), and the noted neurons then receive their
//   accumulators (receive(), the same arithmetic, so the state is bit for bit the one of the
//   kernel with inputs; canonical_zeros). When the lists would exceed size / kSparseInputShare
//   entries, when Poisson drives fill every accumulator, and after a restore, slicing or
//   absorbing (accumulators copied, lists not), the step takes the kernel with inputs instead.
// - Scaled receivers. The receiving variables (kExReceiver, kInReceiver: conductances or
//   synaptic currents) decay by one factor per step for every neuron, x_k = x_{k-1} e + acc
//   (e = exp(-dt/tau)). Writing every x back each step would cost two stores per neuron-step,
//   the kernels' bottleneck (three of the lif kernels' four memory streams). So their columns
//   hold x / D and the population keeps the scale D_k = e^k (as the running product), the
//   same for all neurons: x_{k-1} = column * D_{k-1} in the kernel, which writes no receiver
//   unless it adds the inputs; an input adds acc / D_k. When D_k falls below kRescaleBelow (2^-30)
//   the columns are multiplied by D_k and D_k becomes 1 (every ~1000 steps at tau / dt = 50;
//   every step if e < 2^-30), so column values stay within 2^30 of x. A receiver thus moves
//   by the same decay and inputs as x_k = x_{k-1} e + acc, with roundings of its own (one
//   product per read instead of one per step; D drifts by up to ~1e-13 relative between
//   rescalings). Samples and state variables read x; slices and checkpoints carry the scaled
//   columns with their scales (bit-identical resume).
// - External Poisson drives (network field poisson_inputs, neurons/poisson_input.hpp): at the
//   Step event each block's counts for the step are drawn and count x weight added to the
//   block's accumulators just before its kernel call (Brian2's PoissonInput), no events.
// - Spikes. The kernel tells which test blocks of 64 neurons may hold a V that reached
//   threshold_mV (sign bits ANDed in its loop, no extra pass); only those are searched, while
//   they are in L1: the sign bits of V - threshold_mV give a 64-bit mask of the candidates
//   (vectorised bit operations, grid_reached_mask), whose set bits are checked one by one
//   (V >= threshold_mV exactly) in ascending neuron order: a resetting
//   model (kResets) fires when V reaches threshold outside its refractory period, a model
//   without reset (Hodgkin-Huxley) on an upward crossing (V_{k-1} < threshold <= V_k) outside
//   its lock-out. The spike time is the linear interpolation of V between t_{k-1} and t_k:
//   t_{k-1} + dt (threshold - V_{k-1}) / (V_k - V_{k-1}) (V_{k-1} >= threshold, possible
//   only for an initial state above threshold, gives t_{k-1}). The membrane keeps both
//   values in two columns that swap each step, so the interpolation costs no extra pass.
// - Refractoriness in steps: R = round(t_ref / dt). A spike found in step k makes steps
//   k+1 .. k+R refractory: a resetting model's V is held at its reset value (conductances
//   still decay and receive inputs), a model without reset ignores crossings. V is thus held
//   from t_k to t_k + R dt. The kernel advances held neurons like the others (no test in its
//   loop: GCC does not if-convert floating-point comparisons under the default
//   -ftrapping-math, so a test would stop the vectorisation); the population then puts their
//   V back. The held neurons are a FIFO in spike order (R is the same for all), so finding
//   them costs nothing per neuron-step.
// - Causality. A spike found in the step ending at t_k has its time in [t_{k-1}, t_k], so
//   projections leaving the population need delays >= dt_ms (the same rule as the exact
//   mode, checked at validation); the engine clamps arrival times to now, so an arrival at
//   exactly t_k (a spike interpolated exactly onto t_{k-1}) is applied at the next boundary.
// - Sampling at t reads the state at the last step end <= t (piecewise constant between grid
//   points); it never changes the state. Running in pieces equals one run, bit for bit.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "neurons/index_fifo.hpp"
#include "neurons/neuron_population.hpp"
#include "neurons/neuron_slice.hpp"
#include "neurons/poisson_input.hpp"
#include "neurons/target_clones.hpp"

namespace ionspike {

// Scaled receivers (design note) in one step: x_{k-1} = column * scale for the excitatory
// (ex) and inhibitory (in) receiver. advance<_, true> writes column * keep +- acc * input_scale
// (keep is 1, or D_k when the population rescales in this step; input_scale = 1 / D_k, or 1
// then); advance<_, false> writes neither receiver. Passed to the kernels by value.
struct ReceiverScales {
  double scale_ex = 1.0, scale_in = 1.0;
  double keep_ex = 1.0, keep_in = 1.0;
  double input_scale_ex = 1.0, input_scale_in = 1.0;
};

// What a kernel's advance() sees of one step: raw columns, all of the population's size.
template <std::size_t K>
struct GridStep {
  std::array<double*, K> y{};         // state columns at t_{k-1}, overwritten with t_k; y[kV] is written only
  const double* v_old_mV = nullptr;   // the membrane potential at t_{k-1} (y[kV] receives t_k)
  double* acc_ex = nullptr;           // inputs of w >= 0 accumulated for this step (advance<_, true>
                                      // adds and zeroes them; advance<_, false> does not read them)
  double* acc_in = nullptr;           // |w| of inputs with w < 0 (likewise)
  const double* i_inj_pA = nullptr;   // injected current per neuron (advance<true> only)
  double threshold_mV = 0.0;          // advance returns which test blocks may have a V at t_k >= it
  ReceiverScales scales;              // of y[kExReceiver] and y[kInReceiver] in this step
};

// The fused threshold pre-test of the kernels: AND over the neurons of below_bits(V, thr) has
// its sign bit set only if every V - thr is negative (bit operations vectorise inside the
// kernels' loops; a comparison would not under GCC's default -ftrapping-math). A NaN V may count
// as below or not (its sign bit is arbitrary); the exact test (V >= threshold) never fires on
// NaN either.
inline std::uint64_t below_bits(double v_mV, double threshold_mV) {
  return std::bit_cast<std::uint64_t>(v_mV - threshold_mV);
}
inline bool all_below(std::uint64_t anded_bits) { return (anded_bits >> 63) != 0; }

// How a receiver takes a step's accumulated inputs: column + acc * input_scale (conductances,
// lif_exp's I_ex) or column - acc * input_scale (lif_exp's I_in <= 0; its accumulator holds
// |w|). Both the kernels (every neuron, advance<_, true>) and the population's sparse path
// (after the kernel, only the neurons whose inputs arrived) go through it, so they agree
// exactly.
enum class InputSign { add, subtract };
template <InputSign kSign>
[[gnu::always_inline]] inline double receive(double column, double acc, double input_scale) {
  if constexpr (kSign == InputSign::add)
    return column + acc * input_scale;
  else
    return column - acc * input_scale;
}

// A kernel's last act on neuron i with kInputs: the receivers read as ex_column and
// in_column take the step's accumulated inputs (then zeroed), after the step's rescaling
// (keep); without kInputs the receivers are not written (scaled receivers, design note).
// Inlined into the kernels' loops (the pointers are theirs, restrict-qualified there).
template <bool kInputs, InputSign kInSign>
[[gnu::always_inline]] inline void receive_inputs(std::size_t i, const ReceiverScales& s, double ex_column,
                                                  double in_column, double* ex, double* in, double* acc_ex,
                                                  double* acc_in) {
  if constexpr (kInputs) {
    ex[i] = receive<InputSign::add>(ex_column * s.keep_ex, acc_ex[i], s.input_scale_ex);
    in[i] = receive<kInSign>(in_column * s.keep_in, acc_in[i], s.input_scale_in);
    acc_ex[i] = 0.0;
    acc_in[i] = 0.0;
  }
}

// Neurons per test block of the threshold pre-test (the bits of a kernel's candidate mask).
inline constexpr std::size_t kTestBlock = 64;

// The candidate mask of a kernel whose neuron i is advanced by step(i), which returns
// below_bits of its new V: test blocks of kTestBlock neurons, full ones with a constant trip
// count (vectorised without remainder), then the rest. Inlined into each kernel's clones; step
// must be inlined too: declare it `[&](std::size_t i) __attribute__((always_inline)) {...}`
// (written `[[gnu::always_inline]]` after the parameter list, the attribute applies to the
// lambda's type and is ignored: the per-neuron call then stops the vectorisation, COBA grid
// 2.2x slower).
template <class Step>
[[gnu::always_inline]] inline std::uint64_t for_each_test_block(std::size_t n, const Step& step) {
  std::uint64_t candidates = 0;
  std::size_t b = 0, c = 0;
  for (; n - b >= kTestBlock; b += kTestBlock, ++c) {
    std::uint64_t below = ~std::uint64_t{0};
    for (std::size_t i = 0; i < kTestBlock; ++i) below &= step(b + i);
    candidates |= std::uint64_t{!all_below(below)} << c;
  }
  if (b < n) {
    std::uint64_t below = ~std::uint64_t{0};
    for (std::size_t i = b; i < n; ++i) below &= step(i);
    candidates |= std::uint64_t{!all_below(below)} << c;
  }
  return candidates;
}

// Bit j set when v[j] - thr has a clear sign bit, j in [0, n), n <= 64 (callers check
// v[j] >= thr exactly for each set bit): every finite v[j] >= thr, except v[j] = -0.0 against
// thr = +0.0, whose difference is -0.0. Like the kernels' pre-test (below_bits), this counts
// that V as below threshold; a V of exactly -0.0 at a threshold of exactly 0 mV is the only
// finite case. Cloned for AVX2 (see neurons/lif_cond_exp_grid.hpp); `static`: per TU.
IONSPIKE_AVX2_CLONES static std::uint64_t grid_reached_mask(const double* __restrict v, std::size_t n, double thr) {
  std::uint64_t reached = 0;
  for (std::size_t j = 0; j < n; ++j) reached |= (~below_bits(v[j], thr) >> 63) << j;
  return reached;
}

template <class Kernel>
class GridPopulation final : public NeuronPopulation, public PoissonInputReceiver {
 public:
  using Model = typename Kernel::Model;
  static constexpr std::size_t K = Model::kVariables;
  using Parameters = typename Model::Parameters;
  using Columns = std::array<std::vector<double>, K>;
  static constexpr std::size_t kBlock = 512;  // neurons per kernel call
  // Sparse inputs (design note) while a step's noted targets stay within size / kSparseInputShare.
  static constexpr std::size_t kSparseInputShare = 4;
  // Scaled receivers (design note): the columns are rescaled when D_k would fall below this.
  static constexpr double kRescaleBelow = 0x1p-30;
  static_assert(kBlock <= 64 * kTestBlock, "a kernel's candidate mask has one bit per test block");

  // initial: one column per state variable, all of the population's size.
  GridPopulation(std::string name, std::uint32_t id, const Parameters& params, double dt_ms, Columns initial)
      : NeuronPopulation(std::move(name), id, static_cast<std::uint32_t>(initial[0].size())),
        p_(params),
        dt_ms_(dt_ms),
        constants_(Kernel::constants(params, dt_ms)),
        refractory_steps_(std::round(Model::refractory_ms(params) / dt_ms)),
        threshold_mV_(Model::threshold_mV(params)),
        y_(std::move(initial)),
        v_other_mV_(size(), 0.0),
        acc_ex_(size(), 0.0),
        acc_in_(size(), 0.0),
        free_from_step_(size(), 0.0),
        noted_limit_(size() / kSparseInputShare) {
    noted_ex_.reserve(noted_limit_);
    noted_in_.reserve(noted_limit_);
    canonical_zeros(y_[Kernel::kExReceiver], y_[Kernel::kInReceiver]);
  }

  std::string_view model_name() const override { return Model::kName; }
  WeightUnit weight_unit() const override { return Model::kWeightUnit; }
  std::vector<std::string> state_variables() const override { return Model::variables(); }
  double dt_ms() const { return dt_ms_; }
  double spike_report_delay_ms() const override { return dt_ms_; }
  const Parameters& parameters() const { return p_; }
  // Time up to which every neuron has been integrated (the end of the last step).
  double integrated_until_ms() const { return static_cast<double>(steps_done_) * dt_ms_; }
  // Refractory period in steps, R = round(t_ref / dt).
  double refractory_steps() const { return refractory_steps_; }

  void start(EventContext& ctx) override { schedule_step(steps_done_ + 1, ctx); }

  // External Poisson drives (network field poisson_inputs; neurons/poisson_input.hpp): their
  // counts are added to the accumulators of every step, block by block, before the kernel.
  void set_poisson_inputs(std::vector<PoissonInputSpec> specs, std::uint64_t seed) override {
    static_assert(PoissonInputs::kBlock == kBlock);
    poisson_inputs_ = PoissonInputs(std::move(specs), size(), dt_ms_, seed, name());
    inputs_everywhere_ = !poisson_inputs_.empty();
  }
  const PoissonInputs& poisson_inputs() const { return poisson_inputs_; }
  std::uint64_t poisson_input_spikes() const override { return poisson_inputs_.spikes(); }

  void deliver(double, std::span<const StaticSynapse> synapses, EventContext&) override {
    double* const ex = acc_ex_.data();
    double* const in = acc_in_.data();
    const std::uint32_t first = first_neuron_;
    if (note_inputs(synapses.size())) {
      for (const StaticSynapse& s : synapses) {
        const double w = s.weight;
        if (w >= 0.0) {
          ex[s.post - first] += w;
          noted_ex_.push_back(s.post);
        } else {
          in[s.post - first] -= w;
          noted_in_.push_back(s.post);
        }
      }
      return;
    }
    for (const StaticSynapse& s : synapses) {
      const double w = s.weight;
      if (w >= 0.0)
        ex[s.post - first] += w;
      else
        in[s.post - first] -= w;
    }
  }
  // One weight for the whole run: the column is chosen once (the same additions as deliver).
  void deliver_uniform(double, std::span<const std::uint32_t> targets, float weight, EventContext&) override {
    const double w = weight;
    double* const acc = w >= 0.0 ? acc_ex_.data() : acc_in_.data();
    const double magnitude = w >= 0.0 ? w : -w;
    const std::uint32_t first = first_neuron_;
    for (const std::uint32_t post : targets) acc[post - first] += magnitude;
    if (note_inputs(targets.size())) {
      std::vector<std::uint32_t>& noted = w >= 0.0 ? noted_ex_ : noted_in_;
      noted.insert(noted.end(), targets.begin(), targets.end());
    }
  }

  void add_injected_current(std::span<const std::uint32_t> neurons, double delta_pA, double,
                            EventContext&) override {
    if (neurons.empty())
      pending_all_pA_ += delta_pA;
    else
      for (std::uint32_t n : neurons) pending_current_.push_back({delta_pA, n - first_neuron_});
    has_pending_current_ = true;
  }

  void on_own_event(const Event& e, EventContext& ctx) override {
    const std::uint64_t k = e.a | (static_cast<std::uint64_t>(e.b) << 32);
    const double t1_ms = e.t_ms;
    const double t0_ms = static_cast<double>(k - 1) * dt_ms_;
    constexpr std::size_t kV = Model::kV;
    const std::size_t n = size();

    std::swap(y_[kV], v_other_mV_);  // v_other_mV_: V at t_{k-1}; y_[kV] receives V at t_k
    const ReceiverScales scales = step_scales();
    std::size_t held = 0;               // releases_[0, held): neurons held at reset in this step
    if constexpr (Model::kResets) {
      release_refractory(k);
      held = releases_.size();
    }
    // Blocks of kBlock neurons: the kernel's loop, then the threshold test while the block's
    // membrane potentials are still in L1. The kernel adds the inputs of every neuron, or
    // (sparse inputs) those of the noted neurons are added after the blocks.
    const bool inputs_everywhere = inputs_everywhere_;
    for (std::size_t b = 0; b < n; b += kBlock) {
      const std::size_t len = std::min(kBlock, n - b);
      GridStep<K> s;
      for (std::size_t v = 0; v < K; ++v) s.y[v] = y_[v].data() + b;
      s.v_old_mV = v_other_mV_.data() + b;
      s.acc_ex = acc_ex_.data() + b;
      s.acc_in = acc_in_.data() + b;
      s.i_inj_pA = i_inj_pA_.empty() ? nullptr : i_inj_pA_.data() + b;
      s.threshold_mV = threshold_mV_;
      s.scales = scales;
      if (!poisson_inputs_.empty()) poisson_inputs_.add_block(b / kBlock, len, s.acc_ex, s.acc_in);
      const std::uint64_t candidates = advance_block(s, len, inputs_everywhere);
      if (!inputs_everywhere) rescale_block(b, len, scales);
      if (candidates != 0) find_spikes(b, len, candidates, k, t0_ms, t1_ms, ctx);
    }
    if (!inputs_everywhere) {
      add_noted<InputSign::add>(noted_ex_, acc_ex_, y_[Kernel::kExReceiver], scales.input_scale_ex);
      add_noted<Kernel::kInSign>(noted_in_, acc_in_, y_[Kernel::kInReceiver], scales.input_scale_in);
    }
    noted_ex_.clear();
    noted_in_.clear();
    inputs_everywhere_ = !poisson_inputs_.empty();
    // The held neurons (found refractory above, never spiking) keep V; the kernel moved them.
    for (std::size_t i = 0; i < held; ++i) y_[kV][releases_[i]] = v_other_mV_[releases_[i]];

    if (has_pending_current_) apply_pending_current();
    steps_done_ = k;
    schedule_step(k + 1, ctx);
  }

  // Slices for parallel runs (NeuronPopulation::make_slice): boundaries on kBlock, the unit of
  // the kernel calls and of the Poisson input streams, so a slice makes the same kernel calls
  // on the same neurons with the same draws. Held neurons keep their FIFO order (spike order).
  // A slice speaks the whole population's neuron numbers at its interface (the targets it is
  // delivered, the spikes it emits, the neurons of currents and samples); inside, its columns
  // are numbered from 0.
  std::uint32_t slice_granularity() const override { return static_cast<std::uint32_t>(kBlock); }

  std::unique_ptr<NeuronPopulation> make_slice(std::uint32_t begin, std::uint32_t end) const override {
    check_slice_bounds(begin, end);
    const auto cut = [&](const std::vector<double>& column) { return slice_column(column, begin, end); };
    Columns columns;
    for (std::size_t v = 0; v < K; ++v) columns[v] = cut(y_[v]);
    auto slice = std::make_unique<GridPopulation>(name(), id(), p_, dt_ms_, std::move(columns));
    slice->first_neuron_ = begin;
    slice->steps_done_ = steps_done_;
    slice->v_other_mV_ = cut(v_other_mV_);
    slice->acc_ex_ = cut(acc_ex_);
    slice->acc_in_ = cut(acc_in_);
    slice->inputs_everywhere_ = true;  // accumulators copied, noted targets not
    slice->receiver_scale_ex_ = receiver_scale_ex_;
    slice->receiver_scale_in_ = receiver_scale_in_;
    slice->free_from_step_ = cut(free_from_step_);
    for (std::uint32_t n : releases_)
      if (n >= begin && n < end) slice->releases_.push_back(n - begin);
    if (!i_inj_pA_.empty()) slice->i_inj_pA_ = cut(i_inj_pA_);
    for (const CurrentChange& c : pending_current_)
      if (c.neuron >= begin && c.neuron < end) slice->pending_current_.push_back({c.delta_pA, c.neuron - begin});
    slice->pending_all_pA_ = pending_all_pA_;
    slice->has_pending_current_ = has_pending_current_;
    if (!poisson_inputs_.empty()) slice->poisson_inputs_ = poisson_inputs_.slice(begin / kBlock, end - begin);
    return slice;
  }

  void absorb_slice(const NeuronPopulation& other, std::uint32_t begin) override {
    const auto& slice = dynamic_cast<const GridPopulation&>(other);
    const std::uint32_t end = begin + slice.size();
    check_slice_bounds(begin, end);
    const auto paste = [&](const std::vector<double>& from, std::vector<double>& to) { paste_column(from, to, begin); };
    for (std::size_t v = 0; v < K; ++v) paste(slice.y_[v], y_[v]);
    paste(slice.v_other_mV_, v_other_mV_);
    paste(slice.acc_ex_, acc_ex_);
    paste(slice.acc_in_, acc_in_);
    inputs_everywhere_ = true;  // the slice's accumulators arrive without its noted targets
    receiver_scale_ex_ = slice.receiver_scale_ex_;  // every slice steps the same scales
    receiver_scale_in_ = slice.receiver_scale_in_;
    paste(slice.free_from_step_, free_from_step_);
    if (!slice.i_inj_pA_.empty()) {
      if (i_inj_pA_.empty()) i_inj_pA_.assign(size(), 0.0);
      paste(slice.i_inj_pA_, i_inj_pA_);
    }
    steps_done_ = slice.steps_done_;
    // Held neurons: the others' entries and the slice's, merged in spike order, which is
    // (release step, neuron) (every spike of one step has the same release step).
    std::vector<std::uint32_t> held;
    for (std::uint32_t n : releases_)
      if (n < begin || n >= end) held.push_back(n);
    for (std::uint32_t n : slice.releases_) held.push_back(n + begin);
    std::stable_sort(held.begin(), held.end(), [&](std::uint32_t a, std::uint32_t b) {
      return free_from_step_[a] < free_from_step_[b] || (free_from_step_[a] == free_from_step_[b] && a < b);
    });
    releases_.assign(held.begin(), held.end());
    // Pending current changes (not yet applied by a step): a slice receives no current source
    // (engine/parallel_run.cpp keeps such populations whole), so its share is either the one it
    // was given (no step ran: this population's list stays as it is, in its order) or applied.
    if (slice.pending_current_.empty())
      std::erase_if(pending_current_, [&](const CurrentChange& c) { return c.neuron >= begin && c.neuron < end; });
    pending_all_pA_ = slice.pending_all_pA_;
    has_pending_current_ = slice.has_pending_current_;
    if (!poisson_inputs_.empty()) poisson_inputs_.absorb(slice.poisson_inputs_, begin / kBlock);
  }

  void sample(std::size_t variable, std::span<const std::uint32_t> neurons, double, double* out) const override {
    const std::vector<double>& column = y_[variable];
    const double scale = column_scale(variable);
    for (std::uint32_t n : neurons) *out++ = column[n - first_neuron_] * scale;
  }

  // State variable `variable` (index into state_variables()) of neuron n at integrated_until_ms().
  double state_variable(std::size_t variable, std::uint32_t n) const {
    return y_.at(variable).at(n) * column_scale(variable);
  }
  // Sets it exactly: a scaled receiver's columns are rescaled to 1 first. On a whole
  // population, between runs (a slice would leave its scales different from its siblings').
  void set_state_variable(std::size_t variable, std::uint32_t n, double value) {
    y_.at(variable).at(n);  // range checks
    if (variable != Kernel::kExReceiver && variable != Kernel::kInReceiver) {
      y_[variable][n] = value;
      return;
    }
    canonical_zeros(y_[Kernel::kExReceiver], y_[Kernel::kInReceiver], receiver_scale_ex_, receiver_scale_in_);
    receiver_scale_ex_ = receiver_scale_in_ = 1.0;
    y_[variable][n] = value;
    const std::span<double> one = std::span(y_[variable]).subspan(n, 1);
    if (variable == Kernel::kExReceiver)
      canonical_zeros(one, {});
    else
      canonical_zeros({}, one);
  }

  void checkpoint(StateArchive& ar) override {
    ar.value("steps_done", steps_done_);
    for (std::size_t k = 0; k < K; ++k)  // the receivers as their columns hold them, x / scale
      ar.values(Model::variables()[k] + (k == Kernel::kExReceiver || k == Kernel::kInReceiver ? "_scaled" : ""), y_[k]);
    ar.value("receiver_scale_ex", receiver_scale_ex_);
    ar.value("receiver_scale_in", receiver_scale_in_);
    ar.values("v_previous_step_mV", v_other_mV_);
    ar.values("input_ex", acc_ex_);
    ar.values("input_in", acc_in_);
    ar.values("free_from_step", free_from_step_);
    std::vector<std::uint32_t> releases(releases_.begin(), releases_.end());
    ar.growing("held_at_reset", releases);
    ar.growing("i_inj_pA", i_inj_pA_);
    ar.growing("pending_current", pending_current_);
    ar.value("pending_all_pA", pending_all_pA_);
    ar.flag("has_pending_current", has_pending_current_);
    poisson_inputs_.checkpoint(ar);  // no field without drives
    if (ar.restoring()) {
      if (!(receiver_scale_ex_ > 0.0 && receiver_scale_ex_ <= 1.0)) ar.fail("receiver_scale_ex", "must lie in (0, 1]");
      if (!(receiver_scale_in_ > 0.0 && receiver_scale_in_ <= 1.0)) ar.fail("receiver_scale_in", "must lie in (0, 1]");
      inputs_everywhere_ = true;  // accumulators restored, noted targets not
      releases_.assign(releases.begin(), releases.end());
      for (std::uint32_t n : releases)
        if (n >= size()) ar.fail("held_at_reset", "a neuron index is out of range");
      for (const CurrentChange& c : pending_current_)
        if (c.neuron >= size()) ar.fail("pending_current", "a neuron index is out of range");
      if (!i_inj_pA_.empty() && i_inj_pA_.size() != size())
        ar.fail("i_inj_pA", "must hold no value or one per neuron");
    }
  }

 private:
  struct CurrentChange {  // no implicit padding: checkpointed byte for byte
    double delta_pA;
    std::uint32_t neuron;
    std::uint32_t unused = 0;
  };

  void check_slice_bounds(std::uint32_t begin, std::uint32_t end) const {
    if (begin % kBlock != 0 || end <= begin || end > size() || (end % kBlock != 0 && end != size()))
      throw std::logic_error("GridPopulation '" + name() + "': slice [" + std::to_string(begin) + ", " +
                             std::to_string(end) + ") does not lie on blocks of " + std::to_string(kBlock));
  }

  void schedule_step(std::uint64_t k, EventContext& ctx) const {
    ctx.schedule(Event::make(static_cast<double>(k) * dt_ms_, EventKind::Step, id(), static_cast<std::uint32_t>(k),
                             static_cast<std::uint32_t>(k >> 32)));
  }

  // Neurons whose refractory period ends before step k integrate again (their releases are
  // queued in spike order, which is release order: R is the same for all).
  void release_refractory(std::uint64_t k) {
    const double step = static_cast<double>(k);
    while (!releases_.empty() && free_from_step_[releases_.front()] <= step) releases_.pop_front();
  }

  // Threshold test of neurons [begin, begin + len): the test blocks of the kernel's candidate
  // mask, each candidate in ascending order.
  void find_spikes(std::size_t begin, std::size_t len, std::uint64_t candidates, std::uint64_t k, double t0_ms,
                   double t1_ms, EventContext& ctx) {
    const double* const v_new = y_[Model::kV].data();
    const double thr = threshold_mV_;
    while (candidates != 0) {
      const std::size_t first = begin + kTestBlock * static_cast<std::size_t>(std::countr_zero(candidates));
      candidates &= candidates - 1;
      std::uint64_t reached = grid_reached_mask(v_new + first, std::min(kTestBlock, begin + len - first), thr);
      while (reached != 0) {
        const std::size_t j = first + static_cast<std::size_t>(std::countr_zero(reached));
        reached &= reached - 1;
        if (v_new[j] >= thr) above_threshold(static_cast<std::uint32_t>(j), k, t0_ms, t1_ms, ctx);
      }
    }
  }

  void above_threshold(std::uint32_t j, std::uint64_t k, double t0_ms, double t1_ms, EventContext& ctx) {
    const double step = static_cast<double>(k);
    if (step < free_from_step_[j]) return;  // refractory: held (resetting models) or crossing ignored
    const double v0 = v_other_mV_[j];
    const double v1 = y_[Model::kV][j];
    const double thr = threshold_mV_;
    if constexpr (!Model::kResets)
      if (!(v0 < thr)) return;  // not an upward crossing
    const double fraction = v0 < thr ? (thr - v0) / (v1 - v0) : 0.0;
    const double t_ms = std::min(t0_ms + fraction * dt_ms_, t1_ms);
    ctx.emit_spike(id(), first_neuron_ + j, t_ms);
    if constexpr (Model::kResets) {
      typename Model::State y;
      for (std::size_t v = 0; v < K; ++v) y[v] = y_[v][j];
      Model::reset(p_, y);
      for (std::size_t v = 0; v < K; ++v) y_[v][j] = y[v];
    }
    free_from_step_[j] = step + refractory_steps_ + 1.0;
    if constexpr (Model::kResets)
      if (refractory_steps_ > 0.0) releases_.push_back(j);
  }

  std::uint64_t advance_block(const GridStep<K>& s, std::size_t len, bool inputs_everywhere) const {
    if (s.i_inj_pA == nullptr)
      return inputs_everywhere ? Kernel::template advance<false, true>(constants_, s, len)
                               : Kernel::template advance<false, false>(constants_, s, len);
    return inputs_everywhere ? Kernel::template advance<true, true>(constants_, s, len)
                             : Kernel::template advance<true, false>(constants_, s, len);
  }

  // Whether a delivery of `count` inputs is to note its targets (sparse inputs): not when the
  // step adds every neuron's inputs anyway, nor when the lists would grow past their limit
  // (the step then does so).
  bool note_inputs(std::size_t count) {
    if (inputs_everywhere_) return false;
    if (noted_ex_.size() + noted_in_.size() + count <= noted_limit_) return true;
    inputs_everywhere_ = true;
    return false;
  }

  // Sparse inputs: the noted neurons receive their accumulators after the kernel (a neuron
  // noted twice receives 0.0 the second time, which receive() leaves unchanged: the receivers
  // never hold -0.0, see canonical_zeros).
  template <InputSign kSign>
  void add_noted(const std::vector<std::uint32_t>& noted, std::vector<double>& acc, std::vector<double>& column,
                 double input_scale) {
    for (const std::uint32_t post : noted) {
      const std::size_t j = post - first_neuron_;
      column[j] = receive<kSign>(column[j], acc[j], input_scale);
      acc[j] = 0.0;
    }
  }
  // The kernel with inputs gives every neuron receive(column * keep, acc, s), the sparse path
  // only the noted ones (after rescale_block); for the others acc is +0.0, and the two agree bit
  // for bit unless an adding receiver holds -0.0 (-0.0 + 0.0 is +0.0; a subtracting one keeps
  // it either way). So the receivers go through receive(x, 0.0, 1.0) from the start, after a
  // change and in every rescaling: x + 0.0 is x for every x but -0.0, which becomes +0.0.
  // Accumulators never hold -0.0, so no later step makes one.
  void canonical_zeros(std::span<double> ex, std::span<double> in, double keep_ex = 1.0, double keep_in = 1.0) {
    for (double& x : ex) x = receive<InputSign::add>(x * keep_ex, 0.0, 1.0);
    for (double& x : in) x = receive<Kernel::kInSign>(x * keep_in, 0.0, 1.0);
  }

  // Scaled receivers (design note): the scales of this step, advancing the population's D to
  // D_k; a scale that would fall below kRescaleBelow rescales its column to 1 instead (keep).
  ReceiverScales step_scales() {
    ReceiverScales r;
    r.scale_ex = receiver_scale_ex_;
    r.scale_in = receiver_scale_in_;
    const auto advance = [](double& d, double decay, double& keep, double& input_scale) {
      const double next = d * decay;
      if (next >= kRescaleBelow) {
        d = next;
        keep = 1.0;
        input_scale = 1.0 / next;
      } else {  // also decay 0 (tau far below dt): the column times D_k, then scale 1
        d = 1.0;
        keep = next;
        input_scale = 1.0;
      }
    };
    advance(receiver_scale_ex_, constants_.decay_ex, r.keep_ex, r.input_scale_ex);
    advance(receiver_scale_in_, constants_.decay_in, r.keep_in, r.input_scale_in);
    return r;
  }
  // The rescaling of one block's receivers when the kernel did not (advance<_, false>).
  void rescale_block(std::size_t b, std::size_t len, const ReceiverScales& r) {
    if (r.keep_ex != 1.0 || r.keep_in != 1.0)
      canonical_zeros(std::span(y_[Kernel::kExReceiver]).subspan(b, len),
                      std::span(y_[Kernel::kInReceiver]).subspan(b, len), r.keep_ex, r.keep_in);
  }
  double column_scale(std::size_t variable) const {
    if (variable == Kernel::kExReceiver) return receiver_scale_ex_;
    if (variable == Kernel::kInReceiver) return receiver_scale_in_;
    return 1.0;
  }

  void apply_pending_current() {
    if (i_inj_pA_.empty()) i_inj_pA_.assign(size(), 0.0);
    if (pending_all_pA_ != 0.0)
      for (double& i : i_inj_pA_) i += pending_all_pA_;
    for (const CurrentChange& c : pending_current_) i_inj_pA_[c.neuron] += c.delta_pA;
    pending_all_pA_ = 0.0;
    pending_current_.clear();
    has_pending_current_ = false;
  }

  Parameters p_;
  double dt_ms_;
  typename Kernel::Constants constants_;
  double refractory_steps_;
  double threshold_mV_;
  std::uint64_t steps_done_ = 0;
  std::uint32_t first_neuron_ = 0;  // of a slice, in the whole population (0 otherwise)
  Columns y_;                       // state variables, structure of arrays; y_[kV] at t_k
  std::vector<double> v_other_mV_;  // V at t_{k-1} after a step (the kernel's output buffer during one)
  std::vector<double> acc_ex_, acc_in_;
  std::vector<double> free_from_step_;  // refractory (held, or crossings ignored) while step < this
  IndexFifo releases_;  // neurons held at reset, in spike order (resetting models)
  std::vector<double> i_inj_pA_;  // empty until a current is injected
  std::vector<CurrentChange> pending_current_;
  double pending_all_pA_ = 0.0;
  bool has_pending_current_ = false;
  PoissonInputs poisson_inputs_;  // empty unless the network gives poisson_inputs
  // Sparse inputs: targets (whole-population numbers) of this step's inputs per accumulator,
  // unless inputs_everywhere_ (the kernel then adds every neuron's; design note).
  std::vector<std::uint32_t> noted_ex_, noted_in_;
  std::size_t noted_limit_;
  bool inputs_everywhere_ = false;
  // Scaled receivers: D at integrated_until_ms(); x = column * D (design note).
  double receiver_scale_ex_ = 1.0, receiver_scale_in_ = 1.0;
};

}  // namespace ionspike
