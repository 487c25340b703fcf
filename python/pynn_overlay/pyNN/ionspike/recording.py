"""Recording for the PyNN backend: spikes through one ionspike spike recorder per population,
state variables through one state recorder per (population, variable), sampled at the
recorder's sampling interval from t = 0 (the engine samples read-only at k x interval).
Values are converted back to PyNN units (conductances nS -> uS). What to record must be
declared before the first run (or after reset()); PyNN's get_data() builds the Neo blocks."""

import numpy as np
from pyNN import recording

from . import simulator


class Recorder(recording.Recorder):
    _simulator = simulator

    def __init__(self, population, file=None):
        super().__init__(population, file=file)
        self._consumed_samples = {}  # variable -> samples already handed out and cleared

    def _record(self, variable, new_ids, sampling_interval=None):
        if new_ids:
            simulator.state.require_not_built(f"start recording '{variable}'")
        if sampling_interval is not None:
            self.sampling_interval = sampling_interval
        celltype = self.population.celltype
        if variable != "spikes" and variable not in getattr(celltype, "recordable_variables", {}):
            raise NotImplementedError(f"pyNN.ionspike cannot record '{variable}' of {type(celltype).__name__}")

    def _engine_built(self):
        self._consumed_samples = {}

    # names of the engine's recorders (network.py creates them)
    def _spike_recorder_name(self):
        return f"spikes_{self.population._ionspike_name}"

    def _state_recorder_name(self, variable):
        return f"{variable}_{self.population._ionspike_name}"

    def _get_spiketimes(self, ids, clear=False):
        engine = simulator.state.engine
        if engine is None:
            return np.array([], dtype=int), np.array([], dtype=float)
        t_ms, _, neuron = engine.spike_records(self._spike_recorder_name(), clear=clear)
        all_ids = np.asarray(self.population.all_cells, dtype=int)
        id_array = all_ids[neuron]
        wanted = np.isin(id_array, np.asarray(ids, dtype=int))
        return id_array[wanted], t_ms[wanted].astype(float)

    def _get_all_signals(self, variable, ids, clear=False):
        engine = simulator.state.engine
        if engine is None or not ids:
            return np.zeros((0, len(ids))), None
        _, scale = self.population.celltype.recordable_variables[variable]
        times_ms, values, neurons = engine.state(self._state_recorder_name(variable))
        start = self._consumed_samples.get(variable, 0)
        index_of = {int(n): k for k, n in enumerate(neurons)}
        columns = [index_of[int(self.population.id_to_index(int(i)))] for i in ids]
        data = values[start:, columns] / scale
        if clear:
            self._consumed_samples[variable] = len(times_ms)
        return data, None

    def _local_count(self, variable, filter_ids=None):
        assert variable == "spikes"
        counts = {int(id): 0 for id in self.filter_recorded("spikes", filter_ids)}
        engine = simulator.state.engine
        if engine is None:
            return counts
        t_ms, _, neuron = engine.spike_records(self._spike_recorder_name())
        all_ids = np.asarray(self.population.all_cells, dtype=int)
        ids, n = np.unique(all_ids[neuron], return_counts=True)
        for i, c in zip(ids, n):
            if int(i) in counts:
                counts[int(i)] = int(c)
        return counts

    def _clear_simulator(self):
        engine = simulator.state.engine
        if engine is None:
            return
        if self.recorded.get("spikes"):
            engine.spike_records(self._spike_recorder_name(), clear=True)
        for variable in self.recorded:
            if variable != "spikes":
                self._consumed_samples[variable] = len(engine.state(self._state_recorder_name(variable))[0])

    def _reset(self):
        pass
