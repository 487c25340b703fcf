"""Projections of the PyNN backend. PyNN's connectors compute the connections in Python (with
PyNN's random number generators); they are kept as arrays (presynaptic and postsynaptic
index in the parent populations, weight and delay in PyNN units) and handed to the engine as
a from_list projection without printing them (ionspike.Connections). Once the engine runs,
get() reads the weights (STDP: learned; EIS: gain x G, and "g_nS") from it. A projection
from or onto an Assembly becomes one ionspike projection per pair of populations."""

import numpy as np
from pyNN import common, errors
from pyNN.space import Space

from . import simulator
from .populations import Population, PopulationView
from .standardmodels import EISSynapse, STDPMechanism


def _populations_and_indices(neurons, indices):
    """(index of the parent Population in state.populations, index in it) per element of
    `indices` (local indices of a Population, PopulationView or Assembly)."""
    indices = np.asarray(indices, dtype=np.int64)
    if isinstance(neurons, Population):
        return np.full(len(indices), neurons._index, dtype=np.int64), indices
    if isinstance(neurons, PopulationView):
        return (np.full(len(indices), neurons.grandparent._index, dtype=np.int64),
                np.asarray(neurons.index_in_grandparent(indices), dtype=np.int64))
    # Assembly: through the IDs of its cells.
    ids = np.asarray(neurons.all_cells)[indices] if len(indices) else []
    pops = np.fromiter((id.parent.grandparent._index if isinstance(id.parent, PopulationView) else id.parent._index
                        for id in ids), dtype=np.int64, count=len(indices))
    local = np.fromiter((id.parent.id_to_index(int(id)) for id in ids), dtype=np.int64, count=len(indices))
    return pops, local


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
                raise NotImplementedError(
                    "pyNN.ionspike: delays are axonal (the pre spike acts on the synapse at its arrival, the "
                    "post spike at its time); PyNN's default dendritic_delay_fraction=1 cannot be honoured: "
                    "pass STDPMechanism(..., dendritic_delay_fraction=0)")
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
        self._pre_pop, self._pre_index = _populations_and_indices(self.pre, pre)
        self._post_pop, self._post_index = _populations_and_indices(self.post, post)
        self._weight, self._delay = weight, delay
        # One ionspike projection per (pre population, post population): several when an
        # Assembly is involved. parts: (name, pre Population, post Population, connection indices).
        populations = simulator.state.populations
        pairs = sorted(set(zip(self._pre_pop.tolist(), self._post_pop.tolist())))
        if not pairs:  # no connection: still one (empty) projection between the first populations
            pre_pop = self.pre if isinstance(self.pre, Population) else getattr(self.pre, "grandparent", None)
            post_pop = self.post if isinstance(self.post, Population) else getattr(self.post, "grandparent", None)
            pairs = [(pre_pop._index, post_pop._index)] if pre_pop is not None and post_pop is not None else []
        self._parts = []
        for k, (a, b) in enumerate(pairs):
            which = np.flatnonzero((self._pre_pop == a) & (self._post_pop == b))
            name = self._ionspike_name if len(pairs) == 1 else f"{self._ionspike_name}.{k}"
            self._parts.append((name, populations[a], populations[b], which))
        self._weight_scale = np.ones(len(pre))
        for _, _, post_pop, which in self._parts:
            self._weight_scale[which] = post_pop.celltype.weight_scale
        self._conductance_target = np.zeros(len(pre), dtype=bool)
        for _, _, post_pop, which in self._parts:
            self._conductance_target[which] = bool(post_pop.celltype.conductance_based)
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
    def _part_order(self, which):
        """Permutation from the part's connections (indices `which`) to the engine's storage
        order: sorted by presynaptic neuron, then delay, stable (StaticProjection)."""
        return which[np.lexsort((self._delay[which], self._pre_index[which]))]

    def _engine_values(self, column):
        """Column of engine.synapses() for every connection, in this projection's order."""
        engine = simulator.state.engine
        values = np.empty(len(self))
        for name, _, _, which in self._parts:
            syn = engine.synapses(name)
            order = self._part_order(which)
            if not (np.array_equal(syn["pre"], self._pre_index[order]) and
                    np.array_equal(syn["post"], self._post_index[order])):
                raise RuntimeError(f"pyNN.ionspike: the engine's synapses of {name} are not in the expected order")
            key = column if column in syn else next(k for k in syn if k.startswith("weight_"))
            values[order] = syn[key]
        return values

    def _attribute(self, name):
        if name.endswith("s") and name[:-1] in ("weight", "delay"):
            name = name[:-1]
        if name == "delay":
            return self._delay
        if name not in ("weight", "g_nS"):
            raise errors.NonExistentParameterError(name, self.synapse_type.__class__.__name__,
                                                   ["weight", "delay"])
        engine = simulator.state.engine
        eis = isinstance(self.synapse_type, EISSynapse)
        if name == "g_nS":
            if not eis:
                raise errors.NonExistentParameterError(name, self.synapse_type.__class__.__name__,
                                                       ["weight", "delay"])
            return self._g_init if engine is None else self._engine_values("g_nS")
        if engine is None or not isinstance(self.synapse_type, (STDPMechanism, EISSynapse)):
            if eis:
                return float(self.synapse_type.parameter_space["gain"].base_value) * self._g_init
            return self._weight
        w = self._engine_values("weight") / self._weight_scale
        if self.receptor_type == "inhibitory":
            w = np.where(self._conductance_target, np.abs(w), w)
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
                    for part, _, _, which in self._parts:
                        order = self._part_order(which)
                        engine.set_stdp_weights(part, sign * np.abs(new[order]) * self._weight_scale[order])
                else:
                    raise NotImplementedError(
                        f"pyNN.ionspike: the engine cannot change the {name}s of a "
                        f"{type(self.synapse_type).__name__} projection between runs; call reset() first")
            if name == "weight":
                self._weight = new
            else:
                self._delay = new
