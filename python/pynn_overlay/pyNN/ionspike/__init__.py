"""ionspike implementation of the PyNN 0.10 API (docs/pynn.md).

    import pyNN.ionspike as sim
    sim.setup(timestep=0.1, min_delay=0.2, seed=42)

Populations, projections and recordings are collected in Python; the first run() turns them
into an ionspike network and builds the engine (network_text() shows it); later runs
continue it exactly; reset() goes back to t = 0 and rebuilds at the next run. Connectivity is
computed by PyNN's connectors (with PyNN's random number generators); initial values given
as RandomDistribution('uniform' | 'normal' | 'normal_clipped') are drawn by ionspike from
its own stream, seeded by setup(seed=...) (default 1; `rng_seed` is accepted as well).
"""

import logging

from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_TIMESTEP, DEFAULT_MIN_DELAY
from pyNN.connectors import *  # noqa: F401,F403 (PyNN's connectors compute the connections)
from pyNN.recording import *  # noqa: F401,F403
from pyNN.recording import get_io
from pyNN.standardmodels import StandardCellType

from . import simulator
from .standardmodels import *  # noqa: F401,F403
from .standardmodels import EISSynapse  # noqa: F401
from .populations import Population, PopulationView, Assembly
from .projections import Projection
from . import network as _network

logger = logging.getLogger("PyNN")


def list_standard_models():
    """The StandardCellType classes available in this backend."""
    return [obj.__name__ for obj in globals().values()
            if isinstance(obj, type) and issubclass(obj, StandardCellType) and obj is not StandardCellType]


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Starts a new network. timestep (ms) is the integration step of the time-driven models
    (IF_cond_exp, HH_cond_exp, Izhikevich); the event-driven ones (IF_curr_exp, IF_curr_delta)
    are simulated exactly. Extra parameters: seed (or rng_seed), the master seed of every
    random stream of the engine; threads, the threads that build and run the network (results
    are identical for any count); others (filename, label, ...) are ignored."""
    max_delay = extra_params.get('max_delay', DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    simulator.state.clear()
    simulator.state.dt = timestep
    simulator.state.min_delay = min_delay
    simulator.state.max_delay = max_delay
    simulator.state.seed = int(extra_params.get('seed', extra_params.get('rng_seed', 1)))
    simulator.state.threads = int(extra_params.get('threads', 1))
    if simulator.state.threads < 1:
        raise ValueError(f"pyNN.ionspike: threads must be >= 1, got {simulator.state.threads}")
    return rank()


def end(compatible_output=True):
    """Writes the data requested with write_data at the end, then forgets the engine."""
    for (population, variables, filename) in simulator.state.write_on_end:
        io = get_io(filename)
        population.write_data(io, variables)
    simulator.state.write_on_end = []


def network_text():
    """The ionspike network (protobuf text) the current PyNN network becomes at run(), with
    every connection written out, e.g. to run it with `ionspike run`."""
    import ionspike
    if simulator.state.engine is not None:
        return simulator.state.engine.network_text()
    text, connections, rates = _network.network_text(simulator.state)
    if rates:
        raise NotImplementedError("per-neuron Poisson rates are set after the build; run() first")
    return ionspike.Simulator.from_text(text, label="pyNN.ionspike network", connections=connections).network_text()


def engine():
    """The ionspike.Simulator running the network (None before the first run)."""
    return simulator.state.engine


run, run_until = common.build_run(simulator)
run_for = run

reset = common.build_reset(simulator)

initialize = common.initialize

get_current_time, get_time_step, get_min_delay, get_max_delay, \
    num_processes, rank = common.build_state_queries(simulator)

create = common.build_create(Population)

connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)  # noqa: F405

record = common.build_record(simulator)


def record_v(source, filename):
    return record(['v'], source, filename)


def record_gsyn(source, filename):
    return record(['gsyn_exc', 'gsyn_inh'], source, filename)
