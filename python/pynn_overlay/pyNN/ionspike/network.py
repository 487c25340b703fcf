"""From PyNN's objects to an ionspike network: protobuf text for populations, projections
(from_list, with the connection arrays passed separately), current sources and recorders.
network_text(state) shows what will run; build_engine(state) builds it."""

import math

import numpy as np
from pyNN.random import RandomDistribution

import ionspike

from .standardmodels import EISSynapse, STDPMechanism


def _num(x):
    x = float(x)
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


def _homogeneous(values, what):
    arr = np.asarray(values)
    if arr.ndim == 0:
        return arr.item()
    if arr.size == 0:
        raise ValueError(f"pyNN.ionspike: {what} has no values")
    first = arr.flat[0]
    if not np.all(arr == first):
        raise NotImplementedError(
            f"pyNN.ionspike: {what} differs between neurons; ionspike populations take one value "
            "per parameter (split the population, or use i_offset / SpikeSourcePoisson rates, which may differ)")
    return first.item() if hasattr(first, "item") else first


def _value_text(lazy, scale, what):
    """A PyNN initial value (LazyArray around a number, array or RandomDistribution) as a
    network-format Value: constant, uniform or (truncated) normal, drawn by ionspike."""
    base = getattr(lazy, "base_value", lazy)
    if isinstance(base, RandomDistribution):
        p = base.parameters
        if base.name == "uniform":
            return f"{{ uniform {{ low: {_num(scale * p['low'])} high: {_num(scale * p['high'])} }} }}"
        if base.name == "normal":
            return f"{{ normal {{ mean: {_num(scale * p['mu'])} stddev: {_num(scale * p['sigma'])} }} }}"
        if base.name == "normal_clipped":
            return (f"{{ normal {{ mean: {_num(scale * p['mu'])} stddev: {_num(scale * p['sigma'])} "
                    f"low: {_num(scale * p['low'])} high: {_num(scale * p['high'])} }} }}")
        raise NotImplementedError(f"pyNN.ionspike: {what}: RandomDistribution '{base.name}' is not supported "
                                  "(constant, uniform, normal, normal_clipped)")
    if callable(base):
        raise NotImplementedError(f"pyNN.ionspike: {what}: functions of the index are not supported")
    return f"{{ constant: {_num(scale * _homogeneous(base, what))} }}"


class _Message:
    """Nested protobuf text from flat 'a__b' field names."""

    def __init__(self):
        self.fields = []  # (name, text)
        self.children = {}

    def set(self, path, text):
        head, _, rest = path.partition("__")
        if rest:
            self.children.setdefault(head, _Message()).set(rest, text)
        else:
            self.fields.append((head, text))

    def text(self):
        parts = [f"{name}: {value}" if not value.startswith("{") else f"{name} {value}"
                 for name, value in self.fields]
        parts += [f"{name} {{ {child.text()} }}" for name, child in self.children.items()]
        return " ".join(parts)


def _population_text(state, pop, current_sources, rates_after_build):
    cell = pop.celltype
    name = pop._ionspike_name
    msg = _Message()
    params = pop._parameters
    if cell.model == "poisson_source":
        rates = np.asarray(params["rate_Hz"], dtype=float)
        start = _homogeneous(params["start_ms"], f"{pop.label}: start")
        duration = _homogeneous(params["duration_ms"], f"{pop.label}: duration")
        if np.all(rates == rates[0]):
            msg.set("rate_Hz", _num(rates[0]))
        else:  # per-neuron rates: set through the engine at t = 0
            msg.set("rate_Hz", _num(0.0))
            rates_after_build.append((name, rates))
        msg.set("start_ms", _num(start))
        if math.isfinite(start + duration):
            msg.set("stop_ms", _num(start + duration))
    elif cell.model == "spike_source_array":
        trains = []
        for seq in params["spike_times_ms"]:
            times = np.asarray(seq.value if hasattr(seq, "value") else seq, dtype=float)
            trains.append("trains { times_ms: [" + ", ".join(_num(t) for t in times) + "] }")
        msg.fields.append(("__raw__", " ".join(trains)))
    else:
        for pname, values in params.items():
            if pname in ("i_e_pA", "membrane__i_e_pA"):
                amps = np.asarray(values, dtype=float)
                if np.all(amps == amps[0]):
                    msg.set(pname, _num(amps[0]))
                else:  # per-neuron offsets: one current source per distinct value from t = 0
                    for k, a in enumerate(np.unique(amps)):
                        if a != 0.0:
                            neurons = np.flatnonzero(amps == a)
                            current_sources.append(
                                f'current_sources {{ name: "{name}_i_offset_{k}" target: "{name}" '
                                f'neurons: [{", ".join(map(str, neurons))}] times_ms: 0 amplitudes_pA: {_num(a)} }}')
                continue
            msg.set(pname, _num(_homogeneous(values, f"{pop.label}: {pname}")))
        for pname, value in getattr(cell, "fixed_fields", {}).items():
            msg.set(pname, _num(value))
        for variable, lazy in pop._initial.items():
            if variable in cell.initial_value_fields:
                field, scale = cell.initial_value_fields[variable]
                msg.set(field, _value_text(lazy, scale, f"{pop.label}: initial {variable}"))
    body = msg.text().replace("__raw__: ", "")
    extra = ""
    if cell.time_driven:
        extra += f" dt_ms: {_num(state.dt)}"
    waveforms = state_waveforms(state)
    if name in waveforms[0]:
        extra += f' pre_waveform {{ preset: "{waveforms[0][name]}" }}'
    if name in waveforms[1]:
        extra += f' post_waveform {{ preset: "{waveforms[1][name]}" }}'
    return f'populations {{ name: "{name}" size: {pop.size} {cell.model} {{ {body} }}{extra} }}'


def state_waveforms(state):
    """Waveform presets per population, from the EIS projections (pre, post)."""
    pre, post = {}, {}
    for prj in state.projections:
        if isinstance(prj.synapse_type, EISSynapse):
            for _, pre_pop, post_pop, _ in prj._parts:
                for table, pop, wave in ((pre, pre_pop, prj.synapse_type.pre_waveform),
                                         (post, post_pop, prj.synapse_type.post_waveform)):
                    if table.setdefault(pop._ionspike_name, wave) != wave:
                        raise ValueError(f"pyNN.ionspike: population '{pop.label}' would emit two different "
                                         f"waveforms ({table[pop._ionspike_name]}, {wave}); a population emits one")
    return pre, post


def _scalar(space, name, what):
    """One value of a synapse-type parameter (ionspike takes one per projection)."""
    value = space[name]
    base = getattr(value, "base_value", value)
    if isinstance(base, RandomDistribution) or callable(base):
        raise NotImplementedError(f"pyNN.ionspike: {what}: '{name}' must be a single number")
    return _homogeneous(base, f"{what}: {name}")


def _projection_text(prj, name, pre_pop, post_pop, min_delay_ms):
    post_cell = post_pop.celltype
    if post_cell.weight_field is None:
        raise ValueError(f"pyNN.ionspike: projection '{prj.label}' targets spike sources")
    unit = post_cell.weight_field.split("_")[1]
    scale = post_cell.weight_scale
    receptor = "INHIBITORY" if prj.receptor_type == "inhibitory" else "EXCITATORY"
    head = (f'projections {{ name: "{name}" pre: "{pre_pop._ionspike_name}" '
            f'post: "{post_pop._ionspike_name}" from_list {{ }} delay_ms {{ constant: {_num(min_delay_ms)} }}')
    syn = prj.synapse_type
    if isinstance(syn, EISSynapse):
        p = syn.parameter_space
        what = f"projection '{prj.label}'"
        eis = (f'device_preset: "{syn.device}" g_init_nS {{ constant: {_num(_scalar(p, "g_init_nS", what))} }} '
               f'weight_{unit}_per_nS: {_num(scale * _scalar(p, "gain", what))} '
               f'a_pre: {_num(_scalar(p, "a_pre", what))} a_post: {_num(_scalar(p, "a_post", what))}')
        for sigma in ("device_spread_sigma", "cycle_noise_sigma"):
            v = _scalar(p, sigma, what)
            if not math.isnan(v):
                eis += f" {sigma}: {_num(v)}"
        return head + f" eis {{ {eis} }} }}", False
    head += f" weight_{unit} {{ constant: 0 }} receptor: {receptor}"
    if isinstance(syn, STDPMechanism):
        what = f"projection '{prj.label}'"
        td, wd = syn.timing_dependence, syn.weight_dependence
        if type(td).__name__ != "SpikePairRule" or not hasattr(wd, "weight_dependence"):
            raise NotImplementedError("pyNN.ionspike: STDPMechanism supports SpikePairRule with "
                                      "AdditiveWeightDependence or MultiplicativeWeightDependence")
        tp = td.parameter_space
        wp = wd.parameter_space
        stdp = (f"tau_plus_ms: {_num(_scalar(tp, 'tau_plus', what))} tau_minus_ms: {_num(_scalar(tp, 'tau_minus', what))} "
                f"a2_plus: {_num(_scalar(tp, 'A_plus', what))} a2_minus: {_num(_scalar(tp, 'A_minus', what))} "
                f"w_min_{unit}: {_num(scale * _scalar(wp, 'w_min', what))} "
                f"w_max_{unit}: {_num(scale * _scalar(wp, 'w_max', what))} "
                f"weight_dependence: {wd.weight_dependence}")
        head += f" stdp {{ {stdp} }}"
    return head + " }", True


def network_text(state):
    """The network text (without the connection arrays) and the arrays: (text, connections,
    rates to set per neuron after the build)."""
    delays = [prj._delay for prj in state.projections if len(prj)]
    min_delay_ms = state.min_delay_ms()
    if delays:
        min_delay_ms = min(min_delay_ms, float(min(d.min() for d in delays)))
    if not min_delay_ms > 0:
        raise ValueError(f"pyNN.ionspike: delays must be > 0 ms (smallest: {min_delay_ms})")
    lines = ["format_version: 1",
             f"simulation {{ seed: {int(state.seed)} threads: {int(state.threads)} min_delay_ms: {_num(min_delay_ms)} "
             f'output_dir: "ionspike-pynn-out" }}']
    current_sources, rates_after_build = [], []
    for pop in state.populations:
        lines.append(_population_text(state, pop, current_sources, rates_after_build))
    connections = {}
    for prj in state.projections:
        for name, pre_pop, post_pop, which in prj._parts:
            text, weighted = _projection_text(prj, name, pre_pop, post_pop, min_delay_ms)
            lines.append(text)
            scale = post_pop.celltype.weight_scale
            connections[name] = ionspike.Connections(
                prj._pre_index[which], prj._post_index[which], prj._weight[which] * scale if weighted else None,
                prj._delay[which])
    for k, (source, cells) in enumerate(state.current_sources):
        times_ms, amps_nA = source._steps_ms_nA()
        ids = [cells] if not hasattr(cells, "__len__") else list(cells)
        by_pop = {}
        for id in ids:
            by_pop.setdefault(id.parent, []).append(id.parent.id_to_index(int(id)))
        for pop, neurons in by_pop.items():
            current_sources.append(
                f'current_sources {{ name: "c{k:04d}_{pop._ionspike_name}" target: "{pop._ionspike_name}" '
                f'neurons: [{", ".join(map(str, sorted(neurons)))}] '
                f'times_ms: [{", ".join(_num(t) for t in times_ms)}] '
                f'amplitudes_pA: [{", ".join(_num(1000.0 * a) for a in amps_nA)}] }}')
    lines += current_sources
    for recorder in state.recorders:
        pop = recorder.population
        if recorder.recorded.get("spikes"):
            lines.append(f'spike_recorders {{ name: "{recorder._spike_recorder_name()}" '
                         f'populations: "{pop._ionspike_name}" }}')
        for variable, ids in recorder.recorded.items():
            if variable == "spikes" or not ids:
                continue
            native, _ = pop.celltype.recordable_variables[variable]
            neurons = sorted(int(pop.id_to_index(int(i))) for i in ids)
            lines.append(f'state_recorders {{ name: "{recorder._state_recorder_name(variable)}" '
                         f'population: "{pop._ionspike_name}" variable: "{native}" '
                         f'neurons: [{", ".join(map(str, neurons))}] interval_ms: {_num(recorder.sampling_interval)} }}')
    return "\n".join(lines) + "\n", connections, rates_after_build


def build_engine(state):
    text, connections, rates_after_build = network_text(state)
    engine = ionspike.Simulator.from_text(text, label="pyNN.ionspike network", connections=connections)
    for name, rates in rates_after_build:
        engine.set_poisson_rates(name, rates)
    return engine
