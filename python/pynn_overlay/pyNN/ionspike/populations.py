"""Populations of the PyNN backend. Native parameters live here as arrays (one value per
neuron) until run() builds the network; ionspike's populations take one value per parameter,
so a parameter must be the same for every neuron of a population, except i_offset (written
as current sources) and the rate of SpikeSourcePoisson (set per neuron at t = 0).

Between runs, the engine allows i_offset (a step of injected current) and Poisson rates to
change; other parameters raise NotImplementedError until reset()."""

import numpy as np
from pyNN import common, errors
from pyNN.parameters import ParameterSpace, simplify
from pyNN.standardmodels import StandardCellType

from . import simulator
from .recording import Recorder


class Assembly(common.Assembly):
    _simulator = simulator


def _apply_live(population, mask_indices, name, new_values):
    """A parameter change while the engine runs: what the engine supports, else an error."""
    engine = simulator.state.engine
    pop_name = population._ionspike_name
    old = population._parameters[name][mask_indices]
    if name in ("i_e_pA", "membrane__i_e_pA"):
        delta = np.asarray(new_values, dtype=float) - old
        for value in np.unique(delta):
            if value != 0.0:
                engine.add_injected_current(pop_name, float(value), mask_indices[delta == value].tolist())
    elif name == "rate_Hz":
        rates = population._parameters["rate_Hz"].copy()
        rates[mask_indices] = new_values
        engine.set_poisson_rates(pop_name, rates)
    elif np.array_equal(old, new_values):
        return
    else:
        raise NotImplementedError(
            f"pyNN.ionspike: the engine cannot change '{name}' of population '{population.label}' "
            "between runs (only i_offset and the rate of SpikeSourcePoisson can change); call reset() first")


class PopulationView(common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    def _get_parameters(self, *names):
        parameter_dict = {}
        for name in names:
            value = self.parent._parameters[name]
            if isinstance(value, np.ndarray):
                value = value[self.mask]
            parameter_dict[name] = simplify(value)
        return ParameterSpace(parameter_dict, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        indices = np.arange(self.parent.size)[self.mask]
        for name, value in parameter_space.items():
            if simulator.state.engine is not None:
                _apply_live(self.parent, indices, name, value)
            self.parent._parameters[name][self.mask] = value

    def _set_initial_value_array(self, variable, initial_values):
        simulator.state.require_not_built("set initial values")
        raise NotImplementedError(
            "pyNN.ionspike: initial values are set per population (a constant or a uniform/normal "
            "RandomDistribution), not per PopulationView")

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        simulator.state.require_not_built("create a population")
        id_range = np.arange(simulator.state.id_counter, simulator.state.id_counter + self.size)
        self.all_cells = np.array([simulator.ID(id) for id in id_range], dtype=simulator.ID)
        self._mask_local = np.ones((self.size,), bool)
        if isinstance(self.celltype, StandardCellType):
            parameter_space = self.celltype.native_parameters
        else:
            raise errors.InvalidModelError("pyNN.ionspike supports the standard cell types only")
        parameter_space.shape = (self.size,)
        parameter_space.evaluate(simplify=False)
        self._parameters = parameter_space.as_dict()
        self._initial = {}
        for id in self.all_cells:
            id.parent = self
        simulator.state.id_counter += self.size
        self._index = len(simulator.state.populations)
        simulator.state.populations.append(self)
        label = "".join(c if c.isalnum() or c in "_.-" else "_" for c in (self.label or ""))
        # Names order populations inside ionspike: creation order first, then the label.
        self._ionspike_name = f"p{self._index:04d}_{label}" if label else f"p{self._index:04d}"

    def _set_initial_value_array(self, variable, initial_values):
        simulator.state.require_not_built("set initial values")
        self._initial[variable] = initial_values

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def _get_parameters(self, *names):
        parameter_dict = {}
        for name in names:
            parameter_dict[name] = simplify(self._parameters[name])
        return ParameterSpace(parameter_dict, shape=(self.local_size,))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False, mask=self._mask_local)
        for name, value in parameter_space.items():
            if simulator.state.engine is not None:
                _apply_live(self, np.arange(self.size), name, value)
            self._parameters[name] = value
