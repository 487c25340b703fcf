"""Simulator state of the PyNN backend: PyNN's populations, projections and recordings are
kept in Python; the first run() turns them into an ionspike network (protobuf text plus the
connection arrays PyNN's connectors computed, see network.py) and builds the engine; later
runs continue it; reset() drops the engine, and the next run builds the network again from
the description (parameters changed meanwhile included)."""

import numpy as np
from pyNN import common

name = "ionspike"


class ID(int, common.IDMixin):

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = 'auto'
        self.max_delay = 'auto'
        self.seed = 1
        self.threads = 1
        self.engine = None
        self.clear()

    # ---- time ----
    @property
    def t(self):
        return self.engine.time_ms if self.engine is not None else 0.0

    def min_delay_ms(self):
        return self.dt if self.min_delay == 'auto' else float(self.min_delay)

    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        if self.engine is None:
            from .network import build_engine
            self.engine = build_engine(self)
            for recorder in self.recorders:
                recorder._engine_built()
        self.running = True
        if tstop > self.engine.time_ms:
            self.engine.run_until(tstop)

    def require_not_built(self, what):
        if self.engine is not None:
            raise NotImplementedError(
                f"pyNN.ionspike: cannot {what} after the network has been built by run(); "
                "call reset() first (the network is then built again at the next run)")

    def clear(self):
        self.recorders = set([])
        self.populations = []
        self.projections = []
        self.current_sources = []
        self.id_counter = 0
        self.segment_counter = -1
        self.write_on_end = []
        self.engine = None
        self.running = False
        self.reset()

    def reset(self):
        """Back to t = 0: the engine is dropped, the next run() builds the network again."""
        self.engine = None
        self.running = False
        self.t_start = 0
        self.segment_counter += 1


state = State()
