#!/usr/bin/python3
"""Brian2 reference of the plastic Brunel-style network (C++ standalone), issue 6 workload.

The same network as examples/brunel_plastic_stdp.pbtxt (read that file for the parameters;
they are repeated below and must stay equal):

  * 10 000 LIF neurons with exponential current synapses, 8000 excitatory (P[:8000]) and
    2000 inhibitory, exact (linear) integration ('exact', as ionspike's grid-mode lif_exp
    with the propagators of NEST's iaf_psc_exp):
        dv/dt   = (El - v)/taum + (Ie + Ii)/C : volt (unless refractory)
        dIe/dt  = -Ie/taue : amp
        dIi/dt  = -Ii/taui : amp
    taum 20 ms, C 250 pF, El -70 mV, Vt -50 mV, Vr -60 mV, refractory 2 ms (v clamped),
    taue 5 ms, taui 10 ms, v = El + rand()*(Vt - El) (uniform in [-70, -50] mV).
  * Connectivity: every source -> target pair with p = 0.1 (exc->exc, exc->inh, inh->exc,
    inh->inh; autapses allowed), J_E = 10 pA, J_I = -50 pA.
  * exc -> exc synapses learn by additive all-to-all pair STDP with event-driven traces,
    ionspike's trace rule (learning/stdp_rule.hpp) written out:
        w : amp;  dApre/dt = -Apre/taupre (event-driven);  dApost/dt = -Apost/taupost (event-driven)
        on_pre:  Ie_post += w; w = clip(w - wmax*a2_minus*Apost, 0, wmax); Apre += 1
        on_post: w = clip(w + wmax*a2_plus*Apre, 0, wmax); Apost += 1
    (transmit with the weight found, depress, then the presynaptic trace jumps by 1: all-to-all
    pairing), taupre = taupost = 20 ms, a2_plus 0.01, a2_minus 0.0105, wmax 20 pA, w0 10 pA.
  * External drive: ionspike gives each neuron one independent Poisson train at 2 kHz
    (J_ext = 30 pA) as poisson_inputs, a Poisson(0.2) count per neuron and step added at the
    step's end (before: poisson_source + one_to_one, delay 0.1 ms = Brian's next step; the
    file with that drive is measured in docs/benchmarks.md). Here PoissonInput(N = 100, 20 Hz): a
    binomial(100, 0.002) count of inputs per neuron and step, i.e. the 2 kHz Poisson process
    binned on the 0.1 ms grid (variance 0.1996 per step against 0.2). A PoissonGroup at 2 kHz
    (one Bernoulli draw per step, p = 0.2) would be a different, sub-Poissonian drive
    (variance 0.16 per step; measured with it, seed 1: 2.33 Hz instead of 2.35 Hz).
  * Delays: ionspike's recurrent delay is 1.5 ms with a minimum delay of 0.1 ms standing for
    Brian's "next step" (see brette2007.py): here 1.4 ms, so both apply a spike's input
    1.5 ms after the step that found it. ionspike's plastic synapses see a postsynaptic spike
    of a clocked neuron one step later (when the step that found it is over); Brian's on_post
    runs in the same step.
  * dt = 0.1 ms, single thread.

Measurement as in brette2007.py (run_s: wall time around Network::run inside the binary;
codegen+compile apart). Spikes of the 10 000 neurons are counted (SpikeMonitor record=False),
and of the Poisson trains; synaptic_events = sum over neurons of spikes x out-degree plus one
per external input (the expected count 10 000 x 2 kHz x T: PoissonInput does not count; ionspike's
bench_network counts the input spikes its poisson_inputs drew).

  /usr/bin/python3 bench/brian2/brunel_plastic.py --duration-ms 1000

build_model() and run_built() have the signatures of brette2007.py's (bench/compare_brian2.py).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np

import brian2 as b2

from standalone_util import fresh_standalone_device, run_binary, stdout_to_stderr, time_network_run
from brian2 import ms, mV, pA, pF, Hz

MODELS = ("brunel_plastic_stdp",)
N_NEURONS = 10000
N_EXC = 8000
P_CONNECT = 0.1
DT_MS = 0.1
TIME_BIN = "/usr/bin/time"
RUN_WALL_FILE = "results/bench_run_wall_s.txt"
RSS_FILE = "results/bench_peak_rss_kib.txt"

NS = dict(taum=20 * ms, C=250 * pF, El=-70 * mV, Vt=-50 * mV, Vr=-60 * mV,
          taue=5 * ms, taui=10 * ms, Je=10 * pA, Ji=50 * pA, Jext=30 * pA,
          taupre=20 * ms, taupost=20 * ms, a2_plus=0.01, a2_minus=0.0105, wmax=20 * pA)
RATE_EXT_HZ = 2000.0
N_EXT = 100  # PoissonInput: N_EXT trains of RATE_EXT_HZ / N_EXT per neuron
DELAY_MS = 1.4

EQS = '''
dv/dt  = (El - v)/taum + (Ie + Ii)/C : volt (unless refractory)
dIe/dt = -Ie/taue : amp
dIi/dt = -Ii/taui : amp
'''
STDP_MODEL = '''
w : amp
dApre/dt  = -Apre/taupre   : 1 (event-driven)
dApost/dt = -Apost/taupost : 1 (event-driven)
'''
STDP_ON_PRE = '''
Ie_post += w
w = clip(w - wmax*a2_minus*Apost, 0*pA, wmax)
Apre += 1
'''
STDP_ON_POST = '''
w = clip(w + wmax*a2_plus*Apre, 0*pA, wmax)
Apost += 1
'''


def _network():
    P = b2.NeuronGroup(N_NEURONS, EQS, threshold='v > Vt', reset='v = Vr', refractory=2 * ms,
                       method='exact', namespace=NS)
    P.v = 'El + rand() * (Vt - El)'
    Pe, Pi = P[:N_EXC], P[N_EXC:]
    ext = None
    drive = b2.PoissonInput(P, 'Ie', N_EXT, (RATE_EXT_HZ / N_EXT) * Hz, weight=NS['Jext'])
    ee = b2.Synapses(Pe, Pe, model=STDP_MODEL, on_pre=STDP_ON_PRE, on_post=STDP_ON_POST,
                     delay=DELAY_MS * ms, namespace=NS)
    ee.connect(p=P_CONNECT)
    ee.w = 'Je'
    ei = b2.Synapses(Pe, Pi, on_pre='Ie_post += Je', delay=DELAY_MS * ms, namespace=NS)
    ei.connect(p=P_CONNECT)
    ii = b2.Synapses(Pi, P, on_pre='Ii_post -= Ji', delay=DELAY_MS * ms, namespace=NS)
    ii.connect(p=P_CONNECT)
    return P, ext, drive, [ee, ei, ii]


class BuiltModel:
    def __init__(self, model, duration_ms, seed, build_dir, group, ext, synapses, monitor,
                 ext_monitor, codegen_compile_s):
        self.model = model
        self.duration_ms = duration_ms
        self.seed = seed
        self.build_dir = build_dir
        self.group = group
        self.ext = ext
        self.synapses = synapses
        self.monitor = monitor
        self.ext_monitor = ext_monitor
        self.codegen_compile_s = codegen_compile_s
        self._out_degree = None

    def out_degree(self):
        if self._out_degree is None:
            deg = np.zeros(N_NEURONS, dtype=np.int64)
            for syn in self.synapses:
                offset = getattr(syn.source, 'start', 0)
                deg += np.bincount(np.asarray(syn.i[:]) + offset, minlength=N_NEURONS)
            self._out_degree = deg
        return self._out_degree


def build_model(model, duration_ms, seed, build_dir, record_spikes=False):
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r} (expected one of {', '.join(MODELS)})")
    t0 = time.perf_counter()
    dev = fresh_standalone_device(DT_MS, seed, TIME_BIN, RSS_FILE)

    group, ext, drive, synapses = _network()
    monitor = b2.SpikeMonitor(group, record=bool(record_spikes))
    ext_monitor = None
    net = b2.Network(group, drive, *synapses, monitor)

    time_network_run(dev, RUN_WALL_FILE)
    net.run(duration_ms * ms)
    with stdout_to_stderr():
        dev.build(directory=build_dir, compile=True, run=False, with_output=False)
    codegen_compile_s = time.perf_counter() - t0
    return BuiltModel(model, duration_ms, seed, build_dir, group, ext, synapses, monitor,
                      ext_monitor, codegen_compile_s)


def run_built(built, bins_ms=None):
    run_s, rss_kib = run_binary(built.build_dir, RUN_WALL_FILE, RSS_FILE)
    dev = b2.get_device()

    counts = np.asarray(built.monitor.count[:], dtype=np.int64)
    ext_spikes = int(round(N_NEURONS * RATE_EXT_HZ * built.duration_ms * 1e-3))  # expected
    deg = built.out_degree()
    T = built.duration_ms * 1e-3
    spikes_exc = int(counts[:N_EXC].sum())
    spikes_inh = int(counts[N_EXC:].sum())
    spikes = spikes_exc + spikes_inh
    events = int((counts * deg).sum()) + ext_spikes
    w = np.asarray(built.synapses[0].w[:] / pA)
    return dict(
        simulator="brian2",
        brian2_version=b2.__version__,
        model=built.model,
        duration_ms=built.duration_ms,
        seed=built.seed,
        dt_ms=DT_MS,
        neurons=N_NEURONS,
        synapses=int(deg.sum()) + N_NEURONS,
        spikes=spikes,
        spikes_exc=spikes_exc,
        spikes_inh=spikes_inh,
        ext_spikes=ext_spikes,
        mean_rate_Hz=spikes / (N_NEURONS * T),
        exc_rate_Hz=spikes_exc / (N_EXC * T),
        inh_rate_Hz=spikes_inh / ((N_NEURONS - N_EXC) * T),
        mean_w_ee_pA=float(w.mean()),
        synaptic_events=events,
        ns_per_syn_event=(1e9 * run_s / events) if (run_s and events) else None,
        codegen_compile_s=built.codegen_compile_s,
        run_s=run_s,
        brian_loop_cpu_s=getattr(dev, '_last_run_time', None),
        binary_wall_s=dev.timers.get('run_binary'),
        peak_rss_MiB=(rss_kib / 1024.0) if rss_kib is not None else None,
        build_dir=built.build_dir,
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--duration-ms', type=float, default=1000.0)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--repeat', type=int, default=1)
    ap.add_argument('--build-dir', default=None)
    args = ap.parse_args(argv)
    b2.BrianLogger.log_level_warn()
    temp = args.build_dir is None
    build_dir = tempfile.mkdtemp(prefix='brian2_brunel_', dir='/tmp') if temp else args.build_dir
    try:
        built = build_model(MODELS[0], args.duration_ms, args.seed, build_dir)
        print(f"# codegen+compile {built.codegen_compile_s:.2f} s", flush=True)
        for _ in range(max(1, args.repeat)):
            r = run_built(built)
            print(f"# {r['duration_ms']:g} ms, seed {r['seed']}: rate {r['mean_rate_Hz']:.2f} Hz "
                  f"(E {r['exc_rate_Hz']:.2f}, I {r['inh_rate_Hz']:.2f}), external inputs (expected) {r['ext_spikes']}, "
                  f"synapses {r['synapses']}, events {r['synaptic_events']}, mean w_ee {r['mean_w_ee_pA']:.5f} pA, "
                  f"run {r['run_s']:.3f} s, peak RSS {r['peak_rss_MiB'] or float('nan'):.1f} MiB", flush=True)
    finally:
        if temp:
            shutil.rmtree(build_dir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
