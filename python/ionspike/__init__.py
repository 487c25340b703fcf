"""ionspike from Python: build a network from a protobuf file or text, run it, continue it,
change what the engine allows between runs, and read spikes, traces and synapses as NumPy
arrays. See docs/python.md.

    import ionspike
    sim = ionspike.Simulator.from_file("examples/default.pbtxt", seed=42)
    sim.run(500.0)                     # ms; the GIL is released while the engine runs
    sim.run(500.0)                     # continues from 500 ms
    t_ms, neuron = sim.spikes("exc")   # spikes of a population, from a spike recorder

Units follow the network format: ms, mV, pA, pF, nS, Hz; every name carries its unit.
Errors in the network (file, text, values) raise ionspike.NetworkError, a ValueError with
the attributes file, line, column, field and message.
"""

from __future__ import annotations

import os
from typing import Dict, Iterable, Optional, Sequence, Tuple

import numpy as np

from . import _ionspike
from ._ionspike import CheckpointError, NetworkError

__all__ = ["Simulator", "NetworkError", "CheckpointError", "Connections", "version"]
__version__ = _ionspike.__version__
version = __version__


class Connections:
    """Per-connection arrays for a projection declared with ``from_list {}`` in the text:
    presynaptic and postsynaptic indices, and optionally one weight (in the target's weight
    unit) and one delay (ms) per connection. Used by the PyNN backend to pass connectivity
    computed in Python without printing it as text."""

    def __init__(self, pre, post, weight=None, delay_ms=None):
        self.pre = np.ascontiguousarray(pre, dtype=np.uint64)
        self.post = np.ascontiguousarray(post, dtype=np.uint64)
        self.weight = None if weight is None else np.ascontiguousarray(weight, dtype=np.float64)
        self.delay_ms = None if delay_ms is None else np.ascontiguousarray(delay_ms, dtype=np.float64)

    def _native(self):
        return _ionspike.ConnectionArrays(self.pre, self.post, self.weight, self.delay_ms)


class Simulator:
    """A built network and its engine. Create with :meth:`from_file` or :meth:`from_text`."""

    def __init__(self, native: "_ionspike.NetworkSimulation"):
        self._sim = native

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: "str | os.PathLike", seed: Optional[int] = None,
                  t_stop_ms: Optional[float] = None) -> "Simulator":
        """Loads (.pbtxt text or .pb binary), validates and builds a network file. ``seed`` and
        ``t_stop_ms`` override the file's simulation settings, as ``ionspike run --seed
        --t-stop`` do."""
        return cls(_ionspike.NetworkSimulation.from_file(os.fspath(path), seed, t_stop_ms))

    @classmethod
    def from_text(cls, text: str, label: str = "<text>", seed: Optional[int] = None,
                  t_stop_ms: Optional[float] = None,
                  connections: Optional[Dict[str, Connections]] = None) -> "Simulator":
        """Parses, validates and builds a network given as protobuf text; ``label`` names it in
        error messages. ``connections`` fills projections declared with ``from_list {}``."""
        native = {name: c._native() for name, c in (connections or {}).items()}
        return cls(_ionspike.NetworkSimulation.from_text(text, label, seed, t_stop_ms, native))

    @classmethod
    def resume(cls, path: "str | os.PathLike", t_stop_ms: Optional[float] = None) -> "Simulator":
        """Continues a simulation saved with :meth:`save_checkpoint` (or by ``ionspike run
        --checkpoint-every``): everything it produces from here on is bit-identical to what
        the saved one would have produced. A corrupt, foreign or mismatched checkpoint raises
        :class:`CheckpointError`. See docs/checkpoints.md."""
        return cls(_ionspike.NetworkSimulation.resume(os.fspath(path), t_stop_ms))

    def save_checkpoint(self, path: "str | os.PathLike") -> None:
        """Writes the complete state (neurons, synapses, devices, traces, pending events, random
        streams, recordings) and the network to ``path``, atomically."""
        self._sim.save_checkpoint(os.fspath(path))

    # ---- running ------------------------------------------------------------------------
    def run(self, duration_ms: Optional[float] = None) -> float:
        """Simulates ``duration_ms`` more milliseconds (default: up to the network's
        ``simulation.t_stop_ms``); a later call continues exactly where this one stopped.
        Returns the new time in ms."""
        if duration_ms is None:
            self._sim.run_until(max(self._sim.t_stop_ms, self._sim.time_ms))
        else:
            self._sim.run(float(duration_ms))
        return self._sim.time_ms

    def run_until(self, t_ms: float) -> float:
        """Simulates up to time ``t_ms`` (not before the current time)."""
        self._sim.run_until(float(t_ms))
        return self._sim.time_ms

    @property
    def time_ms(self) -> float:
        """Simulated time so far, ms."""
        return self._sim.time_ms

    @property
    def t_stop_ms(self) -> float:
        return self._sim.t_stop_ms

    @property
    def seed(self) -> int:
        return self._sim.seed

    @property
    def warnings(self):
        """Build warnings (e.g. populations that can never fire)."""
        return list(self._sim.warnings)

    @property
    def threads(self) -> int:
        """Threads that run the network (simulation.threads at first; set between runs, >= 1).
        Any count gives the same results bit for bit."""
        return self._sim.threads

    @threads.setter
    def threads(self, threads: int) -> None:
        if int(threads) < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self._sim.threads = int(threads)

    @property
    def serial_reason(self) -> str:
        """Why the runs use one thread although more were asked for (e.g. neuromodulators), or ""."""
        return self._sim.serial_reason

    # ---- description --------------------------------------------------------------------
    @property
    def populations(self) -> Dict[str, dict]:
        """Population name -> dict(id, size, model, weight_unit, state_variables); ids are
        the positions in name order, as in the CLI's spike files."""
        return {name: self._sim.population_info(name) for name in self._sim.population_names()}

    @property
    def projections(self) -> Dict[str, str]:
        """Projection name -> kind ("static", "stdp" or "eis")."""
        return dict(self._sim.projection_kinds())

    @property
    def spike_recorders(self):
        return list(self._sim.spike_recorder_names())

    @property
    def state_recorders(self):
        """Names of state recorders and conductance recorders."""
        return list(self._sim.state_recorder_names())

    def network_text(self) -> str:
        """The network that was built, as protobuf text (after the seed/t_stop overrides):
        ``Simulator.from_text(sim.network_text())`` builds the same network again."""
        return self._sim.network_text()

    def save(self, path: "str | os.PathLike") -> None:
        """Writes the network description (.pbtxt text or .pb binary, by extension)."""
        self._sim.save(os.fspath(path))

    # ---- recordings ---------------------------------------------------------------------
    def spike_records(self, recorder: str, clear: bool = False) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every spike of a spike recorder so far: (time_ms float64, population uint32, neuron
        uint32), the rows of the CLI's ``<recorder>.npy`` in the same order (time, population,
        neuron).
        ``clear=True`` hands the spikes over and empties the recorder."""
        return self._sim.spikes(recorder, clear)

    def spikes(self, population: str, recorder: Optional[str] = None) -> Tuple[np.ndarray, np.ndarray]:
        """Spikes of one population: (time_ms float64, neuron uint32) in time order, from
        ``recorder`` or from the first spike recorder that records the population."""
        pop_id = self._sim.population_info(population)["id"]
        names = [recorder] if recorder is not None else [
            r for r in self._sim.spike_recorder_names() if population in self._sim.spike_recorder_populations(r)]
        if not names:
            raise KeyError(f"no spike recorder records population '{population}' "
                           f"(spike recorders: {self._sim.spike_recorder_names()})")
        t, pop, neuron = self._sim.spikes(names[0], False)
        mask = pop == pop_id
        return t[mask], neuron[mask]

    def state(self, recorder: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Samples of a state or conductance recorder: (times_ms [samples], values [samples,
        neurons], neurons [neurons]); for a conductance recorder "neurons" are synapse indices
        and values are G in nS."""
        return self._sim.state(recorder)

    def spike_count(self, population: str) -> int:
        """Spikes the population emitted so far (counted whether recorded or not)."""
        return self._sim.spike_count(population)

    def rate_Hz(self, population: str) -> float:
        """Mean firing rate of a population over the simulated time."""
        size = self._sim.population_info(population)["size"]
        t = self._sim.time_ms
        return self._sim.spike_count(population) / (size * t * 1e-3) if t > 0 else 0.0

    @property
    def counters(self) -> dict:
        return dict(self._sim.counters())

    # ---- synapses -----------------------------------------------------------------------
    def synapses(self, projection: str) -> Dict[str, np.ndarray]:
        """Every synapse of a projection at the current time, in storage order: arrays "pre",
        "post", "delay_ms", "weight_<unit>" (signed, the target's unit) and, for EIS
        projections, "g_nS" and "energy_fJ"."""
        return dict(self._sim.synapses(projection))

    def weights(self, projection: str) -> np.ndarray:
        """Signed weights (the target's weight unit) in storage order; for EIS synapses the
        weight an arrival would transmit now, gain x G."""
        syn = self._sim.synapses(projection)
        key = next(k for k in syn.keys() if k.startswith("weight_"))
        return syn[key]

    def conductances_nS(self, projection: str) -> np.ndarray:
        """G of every synapse of an EIS projection now, nS, in storage order."""
        if self.projections.get(projection) != "eis":
            raise KeyError(f"no EIS projection named '{projection}'")
        return self._sim.synapses(projection)["g_nS"]

    # ---- changes between runs -----------------------------------------------------------
    def set_poisson_rates(self, population: str, rates_Hz) -> None:
        """From now on, neuron i of a poisson_source fires at rates_Hz[i] (or one rate for
        all)."""
        self._sim.set_poisson_rates(population, np.atleast_1d(np.asarray(rates_Hz, dtype=float)))

    def add_injected_current(self, population: str, delta_pA: float,
                             neurons: Optional[Iterable[int]] = None) -> None:
        """Adds delta_pA to the current injected into the listed neurons (all if None) from
        now on (like a step of a current source at the current time)."""
        self._sim.add_injected_current(population, float(delta_pA), [] if neurons is None else list(neurons))

    def fire(self, population: str, neurons: Sequence[int]) -> None:
        """Neurons of a spike_source_array spike now, besides their listed times."""
        self._sim.fire(population, list(neurons))

    def set_stdp_weights(self, projection: str, weights) -> None:
        """Signed weights (magnitudes within the rule's bounds) of an STDP projection, in
        storage order."""
        self._sim.set_stdp_weights(projection, np.asarray(weights, dtype=float))

    def set_stdp_amplitudes(self, projection: str, a2_plus: float, a2_minus: float) -> None:
        """New pair amplitudes of an STDP projection (0, 0 freezes its weights)."""
        self._sim.set_stdp_amplitudes(projection, float(a2_plus), float(a2_minus))

    def set_conductances_nS(self, projection: str, g_nS) -> None:
        """Sets G (nS) of every synapse of an EIS projection now, in storage order."""
        g = np.asarray(g_nS, dtype=float)
        if g.ndim == 0:
            g = np.full(len(self.conductances_nS(projection)), float(g))
        self._sim.set_eis_conductances(projection, g)

    def set_frozen(self, projection: str, frozen: bool = True) -> None:
        """Freezes (holds G of) or releases every device of an EIS projection."""
        self._sim.set_eis_frozen(projection, bool(frozen))

    def set_gate_factors(self, projection: str, a_pre: float, a_post: float) -> None:
        """Gate factors of the waveform copies emitted from now on (EIS projection)."""
        self._sim.set_eis_gate_factors(projection, float(a_pre), float(a_post))

    def write_outputs(self, directory: "str | os.PathLike", label: str = "python") -> str:
        """Writes the CLI's output files for the run so far (recorders, EIS conductances,
        STDP weights, summary.json) into ``directory``; returns the summary text."""
        return self._sim.write_outputs(os.fspath(directory), label)
