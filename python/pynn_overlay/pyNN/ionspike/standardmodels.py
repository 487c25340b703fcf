"""Standard PyNN models on ionspike's models, and the native EIS synapse type.

Units (PyNN -> ionspike, docs/pynn.md):
  time ms -> ms; voltage mV -> mV; current nA -> pA (x 1000); capacitance nF -> pF (x 1000);
  conductance uS -> nS (x 1000); rate Hz -> Hz.
Native parameter names are the network format's field names, with their units; '__'
separates a nested message (synapses__tau_ex_ms is synapses { tau_ex_ms }).

  IF_curr_exp   -> lif_exp        weights nA -> weight_pA
  IF_curr_delta -> lif_delta      weights mV -> weight_mV
  IF_cond_exp   -> lif_cond_exp   weights uS -> weight_nS   (g_l_nS = 1000 cm / tau_m)
  HH_cond_exp   -> hh_traub_miles weights uS -> weight_nS   (densities on a 10000 um^2 membrane)
  Izhikevich    -> izhikevich     weights mV -> weight_mV
  SpikeSourcePoisson -> poisson_source (stop_ms = start + duration)
  SpikeSourceArray   -> spike_source_array
"""

import numpy as np
from pyNN.parameters import Sequence
from pyNN.standardmodels import build_translations, cells, synapses, StandardSynapseType
from pyNN.standardmodels import electrodes

from .simulator import state

# Membrane area used to express HH_cond_exp's absolute conductances and capacitance as the
# densities of ionspike's HhMembrane: 1e4 um^2 = 1e-4 cm^2, so 1 uS = 10 mS/cm^2 and
# 1 nF = 10 uF/cm^2.
HH_AREA_UM2 = 1.0e4
_HH_UM2_PER_CM2 = 1.0e8


def _per_cm2(x_absolute_micro):  # uS -> mS/cm^2, nF -> uF/cm^2 on HH_AREA_UM2
    return x_absolute_micro * 1e-3 / (HH_AREA_UM2 / _HH_UM2_PER_CM2)


class _IonspikeCell:
    """What the network generator needs to know about a cell type."""
    model = None            # network-format model name (the Population oneof field)
    weight_field = None     # projection weight field for this target, None for sources
    weight_scale = 1.0      # PyNN weight unit -> ionspike weight unit
    time_driven = False     # integrated on a clock of dt_ms (setup's timestep)
    # PyNN state variable -> (ionspike state variable, scale PyNN unit -> ionspike unit)
    recordable_variables = {}
    # PyNN initial value -> (path of the Value field in the model block, scale)
    initial_value_fields = {}


class IF_curr_exp(_IonspikeCell, cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    translations = build_translations(
        ('tau_m', 'tau_m_ms'),
        ('cm', 'c_m_pF', 1000.0),
        ('v_rest', 'e_l_mV'),
        ('v_thresh', 'v_th_mV'),
        ('v_reset', 'v_reset_mV'),
        ('tau_refrac', 't_ref_ms'),
        ('i_offset', 'i_e_pA', 1000.0),
        ('tau_syn_E', 'tau_syn_ex_ms'),
        ('tau_syn_I', 'tau_syn_in_ms'),
    )
    model = "lif_exp"
    weight_field = "weight_pA"
    weight_scale = 1000.0
    recordable_variables = {"v": ("v_mV", 1.0)}
    initial_value_fields = {"v": ("v_init_mV", 1.0)}


class IF_curr_delta(_IonspikeCell, cells.IF_curr_delta):
    __doc__ = cells.IF_curr_delta.__doc__
    translations = build_translations(
        ('tau_m', 'tau_m_ms'),
        ('cm', 'c_m_pF', 1000.0),
        ('v_rest', 'e_l_mV'),
        ('v_thresh', 'v_th_mV'),
        ('v_reset', 'v_reset_mV'),
        ('tau_refrac', 't_ref_ms'),
        ('i_offset', 'i_e_pA', 1000.0),
    )
    model = "lif_delta"
    weight_field = "weight_mV"
    recordable_variables = {"v": ("v_mV", 1.0)}
    initial_value_fields = {"v": ("v_init_mV", 1.0)}


class IF_cond_exp(_IonspikeCell, cells.IF_cond_exp):
    __doc__ = cells.IF_cond_exp.__doc__
    translations = build_translations(
        ('tau_m', 'g_l_nS', "1000.0 * cm / tau_m", "c_m_pF / g_l_nS"),
        ('cm', 'c_m_pF', 1000.0),
        ('v_rest', 'e_l_mV'),
        ('v_thresh', 'v_th_mV'),
        ('v_reset', 'v_reset_mV'),
        ('tau_refrac', 't_ref_ms'),
        ('i_offset', 'i_e_pA', 1000.0),
        ('tau_syn_E', 'synapses__tau_ex_ms'),
        ('tau_syn_I', 'synapses__tau_in_ms'),
        ('e_rev_E', 'synapses__e_ex_mV'),
        ('e_rev_I', 'synapses__e_in_mV'),
    )
    model = "lif_cond_exp"
    weight_field = "weight_nS"
    weight_scale = 1000.0
    time_driven = True
    recordable_variables = {"v": ("v_mV", 1.0), "gsyn_exc": ("g_ex_nS", 1000.0), "gsyn_inh": ("g_in_nS", 1000.0)}
    initial_value_fields = {"v": ("v_init_mV", 1.0), "gsyn_exc": ("synapses__g_ex_init_nS", 1000.0),
                            "gsyn_inh": ("synapses__g_in_init_nS", 1000.0)}


class HH_cond_exp(_IonspikeCell, cells.HH_cond_exp):
    __doc__ = cells.HH_cond_exp.__doc__ + """
    ionspike: hh_traub_miles on a membrane of HH_AREA_UM2 (10000 um^2); spikes are upward
    crossings of -40 mV (as pyNN.brian2), crossings within 2 ms of a spike are ignored."""
    translations = build_translations(
        ('gbar_Na', 'membrane__g_na_mS_per_cm2', "gbar_Na * 10.0", "membrane__g_na_mS_per_cm2 / 10.0"),
        ('gbar_K', 'membrane__g_k_mS_per_cm2', "gbar_K * 10.0", "membrane__g_k_mS_per_cm2 / 10.0"),
        ('g_leak', 'membrane__g_l_mS_per_cm2', "g_leak * 10.0", "membrane__g_l_mS_per_cm2 / 10.0"),
        ('cm', 'membrane__c_m_uF_per_cm2', "cm * 10.0", "membrane__c_m_uF_per_cm2 / 10.0"),
        ('v_offset', 'v_t_mV'),
        ('e_rev_Na', 'membrane__e_na_mV'),
        ('e_rev_K', 'membrane__e_k_mV'),
        ('e_rev_leak', 'membrane__e_l_mV'),
        ('e_rev_E', 'synapses__e_ex_mV'),
        ('e_rev_I', 'synapses__e_in_mV'),
        ('tau_syn_E', 'synapses__tau_ex_ms'),
        ('tau_syn_I', 'synapses__tau_in_ms'),
        ('i_offset', 'membrane__i_e_pA', 1000.0),
    )
    model = "hh_traub_miles"
    weight_field = "weight_nS"
    weight_scale = 1000.0
    time_driven = True
    fixed_fields = {"membrane__area_um2": HH_AREA_UM2, "membrane__threshold_mV": -40.0, "membrane__t_ref_ms": 2.0}
    recordable_variables = {"v": ("v_mV", 1.0), "gsyn_exc": ("g_ex_nS", 1000.0), "gsyn_inh": ("g_in_nS", 1000.0)}
    initial_value_fields = {"v": ("membrane__v_init_mV", 1.0), "m": ("membrane__m_init", 1.0),
                            "h": ("membrane__h_init", 1.0), "n": ("membrane__n_init", 1.0),
                            "gsyn_exc": ("synapses__g_ex_init_nS", 1000.0),
                            "gsyn_inh": ("synapses__g_in_init_nS", 1000.0)}


assert abs(_per_cm2(1.0) - 10.0) < 1e-12  # the factor 10 used in HH_cond_exp's translations


class Izhikevich(_IonspikeCell, cells.Izhikevich):
    __doc__ = cells.Izhikevich.__doc__
    translations = build_translations(
        ('a', 'a_per_ms'),
        ('b', 'b_per_ms'),
        ('c', 'c_mV'),
        ('d', 'd_mV_per_ms'),
        ('i_offset', 'i_e_pA', 1000.0),
    )
    model = "izhikevich"
    weight_field = "weight_mV"
    time_driven = True
    recordable_variables = {"v": ("v_mV", 1.0), "u": ("u_mV_per_ms", 1.0)}
    initial_value_fields = {"v": ("v_init_mV", 1.0), "u": ("u_init_mV_per_ms", 1.0)}


class SpikeSourcePoisson(_IonspikeCell, cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = build_translations(
        ('start', 'start_ms'),
        ('rate', 'rate_Hz'),
        ('duration', 'duration_ms'),
    )
    model = "poisson_source"


class SpikeSourceArray(_IonspikeCell, cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = build_translations(
        ('spike_times', 'spike_times_ms'),
    )
    model = "spike_source_array"


# ---- current sources -------------------------------------------------------------------------

class _IonspikeCurrentSource:
    """Piecewise-constant sources become network current_sources (amplitudes nA -> pA). They
    must be created and injected before the first run (or after reset())."""

    def inject_into(self, cells_):
        state.require_not_built("inject a current source")
        state.current_sources.append((self, cells_))

    def _steps_ms_nA(self):
        raise NotImplementedError


class DCSource(_IonspikeCurrentSource, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(('amplitude', 'amplitude'), ('start', 'start'), ('stop', 'stop'))

    def _steps_ms_nA(self):
        p = self.parameter_space
        p.evaluate(simplify=True)
        amplitude, start, stop = p["amplitude"], p["start"], p["stop"]
        times, amps = [start], [amplitude]
        if stop is not None and np.isfinite(stop) and stop > start:
            times.append(stop)
            amps.append(0.0)
        return times, amps


class StepCurrentSource(_IonspikeCurrentSource, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = build_translations(('amplitudes', 'amplitudes'), ('times', 'times'))

    def _steps_ms_nA(self):
        p = self.parameter_space
        p.evaluate(simplify=True)
        return list(p["times"].value), list(p["amplitudes"].value)


# ---- synapses ------------------------------------------------------------------------------

class _MinimumDelay:
    def _get_minimum_delay(self):
        return state.min_delay_ms()


class StaticSynapse(_MinimumDelay, synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(('weight', 'weight'), ('delay', 'delay'))


class STDPMechanism(_MinimumDelay, synapses.STDPMechanism):
    __doc__ = synapses.STDPMechanism.__doc__ + """
    ionspike: trace STDP (learning/stdp_rule.hpp), all-to-all pairing; SpikePairRule with
    AdditiveWeightDependence or MultiplicativeWeightDependence. The dendritic delay fraction
    must be 0 (delays are axonal)."""
    base_translations = build_translations(
        ('weight', 'weight'),
        ('delay', 'delay'),
        ('dendritic_delay_fraction', 'dendritic_delay_fraction'),
    )


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    translations = build_translations(('w_max', 'w_max'), ('w_min', 'w_min'))
    weight_dependence = "ADDITIVE"


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    __doc__ = synapses.MultiplicativeWeightDependence.__doc__
    translations = build_translations(('w_max', 'w_max'), ('w_min', 'w_min'))
    weight_dependence = "MULTIPLICATIVE"


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = build_translations(
        ('tau_plus', 'tau_plus_ms'),
        ('tau_minus', 'tau_minus_ms'),
        ('A_plus', 'a2_plus'),
        ('A_minus', 'a2_minus'),
    )


class EISSynapse(_MinimumDelay, StandardSynapseType):
    """Electrochemical ionic synapse (ionspike native; docs/eis.md): the synapse is a device
    whose conductance G moves with the superposed voltage waveforms its two neurons emit.

    Parameters (units in the names where they are not PyNN's):
      device          device preset name (`ionspike presets`), e.g. "protonic_wo3_ysz_14nm"
      pre_waveform    preset of V_pre emitted by the presynaptic population (e.g. "antisymmetric")
      post_waveform   preset of V_post emitted by the postsynaptic population
      g_init_nS       initial conductance, nS (within the device's bounds)
      gain            weight per nS of conductance, in the target's PyNN weight unit per nS
                      (nA/nS for current-based targets, mV/nS for delta/Izhikevich, uS/nS for
                      conductance-based); the target receives gain x G at each arrival
      a_pre, a_post   scales of V_pre and V_post at the gate
      device_spread_sigma, cycle_noise_sigma   variability overrides (NaN: the device's own)
      delay           axonal delay, ms
    Projection.get("weight") gives gain x G now, in the target's PyNN unit; the conductances
    are Projection.get("g_nS"). Waveforms belong to populations: every EIS projection leaving
    (entering) a population must name the same pre (post) waveform.
    """
    default_parameters = {
        'weight': 0.0,        # not used: the weight is gain x G (kept for PyNN's API)
        'delay': None,
        'g_init_nS': 1000.0,
        'gain': 0.0,
        'a_pre': 1.0,
        'a_post': 1.0,
        'device_spread_sigma': float('nan'),
        'cycle_noise_sigma': float('nan'),
    }
    translations = build_translations(
        ('weight', 'weight'), ('delay', 'delay'), ('g_init_nS', 'g_init_nS'), ('gain', 'gain'),
        ('a_pre', 'a_pre'), ('a_post', 'a_post'), ('device_spread_sigma', 'device_spread_sigma'),
        ('cycle_noise_sigma', 'cycle_noise_sigma'),
        ('g_nS', 'g_nS'),  # read-only: Projection.get("g_nS")
    )

    def __init__(self, device="protonic_wo3_ysz_14nm", pre_waveform="antisymmetric",
                 post_waveform="antisymmetric", **parameters):
        self.device = device
        self.pre_waveform = pre_waveform
        self.post_waveform = post_waveform
        StandardSynapseType.__init__(self, **parameters)

    def get_parameter_names(self):
        return ["weight", "delay", "g_nS"]
