"""Projections of the PyNN backend. PyNN's connectors compute the connections in Python (with
PyNN's random number generators); they are kept as arrays (presynaptic and postsynaptic
index in the parent populations, weight and delay in PyNN units) and handed to the engine as
a from_list projection without printing them (ionspike.Connections). Once the engine runs,
get() reads the weights (STDP: learned; EIS: gain x G, and "g_nS") from it."""

import numpy as np
from pyNN import common, errors
from pyNN.space import Space

from . import simulator
from .populations import Population, PopulationView
from .standardmodels import EISSynapse, STDPMechanism


def _parent_and_indices(neurons, indices):
    """(Population, indices in it) for a Population or PopulationView and local indices."""
    indices = np.asarray(indices, dtype=np.int64)
    if isinstance(neurons, Population):
        return neurons, indices
    if isinstance(neurons, PopulationView):
        return neurons.grandparent, np.asarray(neurons.index_in_grandparent(indices), dtype=np.int64)
    raise NotImplementedError("pyNN.ionspike: projections between Assemblies are not supported; "
                              "project between Populations or PopulationViews")


class Connection(common.Connection):
    """One connection, for PyNN's iteration over a projection (built on demand)."""

    def __init__(self, projection, k):
        self.projection = projection
        self.k = k
        self.presynaptic_index = int(projection._pre_local[k])
        self.postsynaptic_index = int(projection._post_local[k])

    def as_tuple(self, *attribute_names):
        return tuple(self._get(name) for name in attribute_names)

    def _get(self, name):
        if name == "presynaptic_index":
            return self.presynaptic_index
        if name == "postsynaptic_index":
            return self.postsynaptic_index
        return float(self.projection._attribute(name)[self.k])

    def __getattr__(self, name):
        if name in ("weight", "delay", "g_nS"):
            return self._get(name)
        raise AttributeError(name)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator

    def __init__(self, presynaptic_population, postsynaptic_population, connector, synapse_type=None,
                 source=None, receptor_type=None, space=Space(), label=None):
        simulator.state.require_not_built("create a projection")
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population, connector,
                                   synapse_type, source, receptor_type, space, label)
        if isinstance(self.synapse_type, STDPMechanism):
            if self.synapse_type.dendritic_delay_fraction not in (0, 0.0):
                raise NotImplementedError("pyNN.ionspike: delays are axonal, dendritic_delay_fraction must be 0")
        self._pre_parent, _ = _parent_and_indices(self.pre, [])
        self._post_parent, _ = _parent_and_indices(self.post, [])
        self._chunks = []
        self._index = len(simulator.state.projections)
        label = "".join(c if c.isalnum() or c in "_.-" else "_" for c in (self.label or ""))[:60]
        self._ionspike_name = f"j{self._index:04d}_{label}"
        connector.connect(self)
        self._finish_connections()
        simulator.state.projections.append(self)

    # PyNN's connectors call this once per postsynaptic neuron (local indices of pre and post).
    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, **connection_parameters):
        pre = np.asarray(presynaptic_indices, dtype=np.int64).ravel()
        n = len(pre)
        if n == 0:
            return
        values = {}
        for name in ("weight", "delay"):
            value = connection_parameters.get(name, 0.0)
            values[name] = np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()
        post = np.full(n, int(postsynaptic_index), dtype=np.int64)
        self._chunks.append((pre, post, values["weight"], values["delay"]))

    def _finish_connections(self):
        if self._chunks:
            pre, post, weight, delay = (np.concatenate(c) for c in zip(*self._chunks))
        else:
            pre = post = np.zeros(0, dtype=np.int64)
            weight = delay = np.zeros(0)
        self._chunks = []
        self._pre_local, self._post_local = pre, post
        _, self._pre_index = _parent_and_indices(self.pre, pre)
        _, self._post_index = _parent_and_indices(self.post, post)
        self._weight, self._delay = weight, delay
        if isinstance(self.synapse_type, EISSynapse):
            self._g_init = np.full(len(pre), float(self.synapse_type.parameter_space["g_init_nS"].base_value))

    def __len__(self):
        return len(self._pre_local)

    def __getitem__(self, i):
        return Connection(self, i)

    @property
    def connections(self):
        return (Connection(self, k) for k in range(len(self)))

    # ---- engine readout ----
    def _engine_order(self):
        """Permutation from this projection's connection order to the engine's storage order
        (sorted by presynaptic neuron, then delay, stable), checked against the engine."""
        order = np.lexsort((self._delay, self._pre_index))
        return order

    def _engine_synapses(self):
        engine = simulator.state.engine
        syn = engine.synapses(self._ionspike_name)
        order = self._engine_order()
        if not (np.array_equal(syn["pre"], self._pre_index[order]) and
                np.array_equal(syn["post"], self._post_index[order])):
            raise RuntimeError(f"pyNN.ionspike: the engine's synapses of {self._ionspike_name} are not in "
                               "the expected order")
        inverse = np.empty_like(order)
        inverse[order] = np.arange(len(order))
        return syn, inverse

    def _attribute(self, name):
        if name.endswith("s") and name[:-1] in ("weight", "delay"):
            name = name[:-1]
        if name == "delay":
            return self._delay
        if name not in ("weight", "g_nS"):
            raise errors.NonExistentParameterError(name, self.synapse_type.__class__.__name__,
                                                   ["weight", "delay"])
        engine = simulator.state.engine
        kind_scale = self.post.celltype.weight_scale
        if name == "g_nS":
            if not isinstance(self.synapse_type, EISSynapse):
                raise errors.NonExistentParameterError(name, self.synapse_type.__class__.__name__,
                                                       ["weight", "delay"])
            if engine is None:
                return self._g_init
            syn, inverse = self._engine_synapses()
            return syn["g_nS"][inverse]
        if engine is None or not (isinstance(self.synapse_type, (STDPMechanism, EISSynapse))):
            if isinstance(self.synapse_type, EISSynapse):
                gain = float(self.synapse_type.parameter_space["gain"].base_value)
                return gain * self._g_init
            return self._weight
        syn, inverse = self._engine_synapses()
        key = next(k for k in syn if k.startswith("weight_"))
        w = syn[key][inverse] / kind_scale
        if self.receptor_type == "inhibitory" and self.post.celltype.conductance_based:
            w = np.abs(w)
        return w

    def _get_attributes_as_list(self, names):
        columns = []
        for name in names:
            if name == "presynaptic_index":
                columns.append(self._pre_local.tolist())
            elif name == "postsynaptic_index":
                columns.append(self._post_local.tolist())
            else:
                columns.append(self._attribute(name).tolist())
        return list(zip(*columns))

    def _get_attributes_as_arrays(self, names, multiple_synapses='sum'):
        operation = common.Projection.MULTI_SYNAPSE_OPERATIONS[multiple_synapses]
        arrays = []
        for name in names:
            values = np.full((self.pre.size, self.post.size), np.nan)
            for i, j, v in zip(self._pre_local, self._post_local, self._attribute(name)):
                values[i, j] = v if np.isnan(values[i, j]) else operation(values[i, j], v)
            arrays.append(values)
        return arrays

    def _set_attributes(self, parameter_space):
        engine = simulator.state.engine
        parameter_space.evaluate(simplify=True)
        for name, value in parameter_space.items():
            if name not in ("weight", "delay"):
                raise NotImplementedError(f"pyNN.ionspike: cannot set '{name}' of a projection")
            if isinstance(value, np.ndarray) and value.ndim == 2:
                value = value[self._pre_local, self._post_local]
            new = np.broadcast_to(np.asarray(value, dtype=float), (len(self),)).copy()
            if engine is not None:
                if name == "weight" and isinstance(self.synapse_type, STDPMechanism):
                    sign = -1.0 if self.receptor_type == "inhibitory" else 1.0
                    order = self._engine_order()
                    engine.set_stdp_weights(self._ionspike_name,
                                            sign * np.abs(new[order]) * self.post.celltype.weight_scale)
                else:
                    raise NotImplementedError(
                        f"pyNN.ionspike: the engine cannot change the {name}s of a "
                        f"{type(self.synapse_type).__name__} projection between runs; call reset() first")
            if name == "weight":
                self._weight = new
            else:
                self._delay = new
