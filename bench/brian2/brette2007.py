#!/usr/bin/python3
"""Brian2 reference versions of Brette et al. (2007) benchmarks 1-3 (C++ standalone).

Brette R, Rudolph M, Carnevale T, Hines M, Beeman D, Bower JM, Diesmann M, ... Destexhe A
(2007). Simulation of networks of spiking neurons: a review of tools and strategies.
J Comput Neurosci 23:349-398.

Pinned parameter versions (reproduced exactly):

  cobahh  Benchmark 3 = Brian2's own examples/COBAHH.py (R. Brette, Dec 2007): HH neurons
          (Traub-Miles rates), area 20000 um^2, Cm 1 uF/cm^2, gl 5e-5 S/cm^2, El -60 mV,
          EK -90 mV, ENa 50 mV, g_na 100 mS/cm^2, g_kd 30 mS/cm^2, VT -63 mV, taue 5 ms,
          taui 10 ms, Ee 0 mV, Ei -80 mV, we 6 nS, wi 67 nS; threshold v > -20 mV,
          refractory 3 ms (threshold only, no reset, v not clamped); exponential_euler;
          v = El + (randn()*5-5) mV, ge = (randn()*1.5+4)*10 nS, gi = (randn()*12+20)*10 nS,
          m = h = n = 0.
  cuba    Benchmark 2 = Brian2's examples/CUBA.py: taum 20 ms, taue 5 ms, taui 10 ms,
          Vt -50 mV, Vr -60 mV, El -49 mV, refractory 5 ms (v clamped), exact (linear)
          integration, v = Vr + rand()*(Vt-Vr), ge = gi = 0, we = 60*0.27/10 mV,
          wi = -20*4.5/10 mV; E = neurons 0..3199, I = 3200..3999.
  coba    Benchmark 1 = R. Brette's Dec 2007 Brian (1.x) COBA script ("clock-driven
          implementation with Euler integration"), which works in units of the leak
          conductance and of El; here in absolute units: C 200 pF, gl 10 nS (taum 20 ms),
          El -60 mV, Vt -50 mV, Vr -60 mV, Ee 0 mV, Ei -80 mV, taue 5 ms, taui 10 ms,
          refractory 5 ms (v clamped), we 6 nS, wi 67 nS, forward Euler; same initial
          conditions as cobahh.

All three: 4000 neurons, the first 3200 excitatory, every source connects to every neuron
(itself included) with p = 0.02, dt = 0.1 ms, single thread (no OpenMP). No synaptic delay
is set: Brian applies a spike's increment right after the threshold of the step in which
the neuron spikes (time t), so it acts from the next state update on (t + dt), an
effective delay of one step (ionspike's files use min_delay_ms 0.1 for this).

Measurement
  * codegen_compile_s: wall time from model construction to the end of
    device.build(compile=True, run=False) (code generation plus make; depends on
    whether the build directory already holds object files).
  * run_s: wall time (std::chrono::steady_clock) around Network::run inside the compiled
    binary, inserted with device.insert_code('before_network_run' / 'after_network_run').
    Brian's own device._last_run_time is also reported (brian_loop_cpu_s): in 2.5.1
    without OpenMP it is std::clock() process CPU time of the main loop only.
  * binary_wall_s: wall time of the whole binary (start-up, connect, initial values,
    run, writing results), timed by Brian (device.timers['run_binary']).
  * peak_rss_MiB: the binary's peak RSS, from /usr/bin/time -f %M (when present).
  * spikes: a SpikeMonitor with record=False (only its per-neuron `count` is updated,
    one increment per spike, no spike times stored).
  * synaptic_events: sum over neurons of spike count x out-degree (from the synapses'
    source indices), i.e. deliveries to single synapses.

Usage
  /usr/bin/python3 bench/brian2/brette2007.py --model cobahh --duration-ms 1000 --json

The functions build_model() and run_built() are used by bench/compare_brian2.py.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

import brian2 as b2

from standalone_util import fresh_standalone_device, run_binary, stdout_to_stderr, time_network_run
from brian2 import ms, mV, nS, pF, siemens, msiemens, ufarad, umetre, cm

MODELS = ("coba", "cuba", "cobahh")
N_NEURONS = 4000
N_EXC = 3200
P_CONNECT = 0.02
DT_MS = 0.1
TIME_BIN = "/usr/bin/time"
RUN_WALL_FILE = "results/bench_run_wall_s.txt"
RSS_FILE = "results/bench_peak_rss_kib.txt"


# --------------------------------------------------------------------------- models

def _conductance_synapses_and_init(P, ns):
    """COBA and COBAHH share their wiring and initialisation (Brette's Dec 2007 scripts):
    E -> all and I -> all with p = 0.02, conductance jumps we / wi, random V, ge, gi."""
    Pe, Pi = P[:N_EXC], P[N_EXC:]
    Ce = b2.Synapses(Pe, P, on_pre='ge += we', namespace=ns)
    Ci = b2.Synapses(Pi, P, on_pre='gi += wi', namespace=ns)
    Ce.connect(p=P_CONNECT)
    Ci.connect(p=P_CONNECT)
    P.v = 'El + (randn() * 5 - 5)*mV'
    P.ge = '(randn() * 1.5 + 4) * 10.*nS'
    P.gi = '(randn() * 12 + 20) * 10.*nS'
    return P, [Ce, Ci]


def _cobahh():
    area = 20000 * umetre ** 2
    ns = dict(
        Cm=(1 * ufarad * cm ** -2) * area,
        gl=(5e-5 * siemens * cm ** -2) * area,
        El=-60 * mV, EK=-90 * mV, ENa=50 * mV,
        g_na=(100 * msiemens * cm ** -2) * area,
        g_kd=(30 * msiemens * cm ** -2) * area,
        VT=-63 * mV, taue=5 * ms, taui=10 * ms, Ee=0 * mV, Ei=-80 * mV,
        we=6 * nS, wi=67 * nS,
    )
    eqs = b2.Equations('''
    dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-
             g_na*(m*m*m)*h*(v-ENa)-
             g_kd*(n*n*n*n)*(v-EK))/Cm : volt
    dm/dt = alpha_m*(1-m)-beta_m*m : 1
    dn/dt = alpha_n*(1-n)-beta_n*n : 1
    dh/dt = alpha_h*(1-h)-beta_h*h : 1
    dge/dt = -ge*(1./taue) : siemens
    dgi/dt = -gi*(1./taui) : siemens
    alpha_m = 0.32*(mV**-1)*(13*mV-v+VT)/
             (exp((13*mV-v+VT)/(4*mV))-1.)/ms : Hz
    beta_m = 0.28*(mV**-1)*(v-VT-40*mV)/
            (exp((v-VT-40*mV)/(5*mV))-1)/ms : Hz
    alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
    beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*(15*mV-v+VT)/
             (exp((15*mV-v+VT)/(5*mV))-1.)/ms : Hz
    beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
    ''')
    P = b2.NeuronGroup(N_NEURONS, model=eqs, threshold='v>-20*mV', refractory=3 * ms,
                       method='exponential_euler', namespace=ns)
    return _conductance_synapses_and_init(P, ns)


def _cuba():
    ns = dict(taum=20 * ms, taue=5 * ms, taui=10 * ms, Vt=-50 * mV, Vr=-60 * mV, El=-49 * mV,
              we=(60 * 0.27 / 10) * mV, wi=(-20 * 4.5 / 10) * mV)
    eqs = '''
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    '''
    P = b2.NeuronGroup(N_NEURONS, eqs, threshold='v>Vt', reset='v = Vr', refractory=5 * ms,
                       method='exact', namespace=ns)
    P.v = 'Vr + rand() * (Vt - Vr)'
    P.ge = 0 * mV
    P.gi = 0 * mV
    Ce = b2.Synapses(P, P, on_pre='ge += we', namespace=ns)
    Ci = b2.Synapses(P, P, on_pre='gi += wi', namespace=ns)
    Ce.connect(f'i<{N_EXC}', p=P_CONNECT)
    Ci.connect(f'i>={N_EXC}', p=P_CONNECT)
    return P, [Ce, Ci]


def _coba():
    ns = dict(C=200 * pF, gl=10 * nS, El=-60 * mV, Vt=-50 * mV, Vr=-60 * mV,
              Ee=0 * mV, Ei=-80 * mV, taue=5 * ms, taui=10 * ms, we=6 * nS, wi=67 * nS)
    eqs = '''
    dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v))/C : volt (unless refractory)
    dge/dt = -ge/taue : siemens
    dgi/dt = -gi/taui : siemens
    '''
    P = b2.NeuronGroup(N_NEURONS, eqs, threshold='v>Vt', reset='v = Vr', refractory=5 * ms,
                       method='euler', namespace=ns)
    return _conductance_synapses_and_init(P, ns)


_BUILDERS = {"coba": _coba, "cuba": _cuba, "cobahh": _cobahh}


# --------------------------------------------------------------------------- build / run

class BuiltModel:
    """A compiled standalone project and the Brian objects needed to read its results."""

    def __init__(self, model, duration_ms, seed, build_dir, group, synapses, monitor,
                 codegen_compile_s):
        self.model = model
        self.duration_ms = duration_ms
        self.seed = seed
        self.build_dir = build_dir
        self.group = group
        self.synapses = synapses
        self.monitor = monitor
        self.codegen_compile_s = codegen_compile_s
        self._out_degree = None

    def out_degree(self):
        """Out-degree of every neuron of the group (read after the first run)."""
        if self._out_degree is None:
            deg = np.zeros(N_NEURONS, dtype=np.int64)
            for syn in self.synapses:
                offset = getattr(syn.source, 'start', 0)  # subgroup sources index from 0
                deg += np.bincount(np.asarray(syn.i[:]) + offset, minlength=N_NEURONS)
            self._out_degree = deg
        return self._out_degree


def build_model(model, duration_ms, seed, build_dir, record_spikes=False):
    """Generate and compile the standalone project; do not run it.

    record_spikes=True records every spike time (for the activity check of --bins-ms);
    the default counts spikes only."""
    if model not in _BUILDERS:
        raise ValueError(f"unknown model {model!r} (expected one of {', '.join(MODELS)})")
    t0 = time.perf_counter()
    dev = fresh_standalone_device(DT_MS, seed, TIME_BIN, RSS_FILE)

    group, synapses = _BUILDERS[model]()
    monitor = b2.SpikeMonitor(group, record=bool(record_spikes))
    net = b2.Network(group, *synapses, monitor)

    # Wall-clock timer around Network::run in main.cpp (before net.run(), which copies the
    # code slots into the generated code).
    time_network_run(dev, RUN_WALL_FILE)
    net.run(duration_ms * ms)
    with stdout_to_stderr():  # make's output, if Brian lets it through, stays off stdout
        dev.build(directory=build_dir, compile=True, run=False, with_output=False)
    codegen_compile_s = time.perf_counter() - t0
    return BuiltModel(model, duration_ms, seed, build_dir, group, synapses, monitor,
                      codegen_compile_s)


def run_built(built, bins_ms=None):
    """Run the compiled binary once; return the measurements as a dict.

    bins_ms (needs record_spikes): also return the mean rate (Hz) in consecutive bins."""
    run_s, rss_kib = run_binary(built.build_dir, RUN_WALL_FILE, RSS_FILE)
    dev = b2.get_device()

    counts = np.asarray(built.monitor.count[:], dtype=np.int64)
    deg = built.out_degree()
    T = built.duration_ms * 1e-3
    spikes_exc = int(counts[:N_EXC].sum())
    spikes_inh = int(counts[N_EXC:].sum())
    spikes = spikes_exc + spikes_inh
    events = int((counts * deg).sum())
    binned = None
    if bins_ms:
        t_ms = np.asarray(built.monitor.t[:] / ms)
        edges = np.arange(0.0, built.duration_ms + 0.5 * bins_ms, bins_ms)
        hist, _ = np.histogram(t_ms, bins=edges)
        binned = [round(float(h) / (N_NEURONS * bins_ms * 1e-3), 3) for h in hist]
    return dict(
        simulator="brian2",
        brian2_version=b2.__version__,
        model=built.model,
        duration_ms=built.duration_ms,
        seed=built.seed,
        dt_ms=DT_MS,
        neurons=N_NEURONS,
        synapses=int(deg.sum()),
        spikes=spikes,
        spikes_exc=spikes_exc,
        spikes_inh=spikes_inh,
        mean_rate_Hz=spikes / (N_NEURONS * T),
        exc_rate_Hz=spikes_exc / (N_EXC * T),
        inh_rate_Hz=spikes_inh / ((N_NEURONS - N_EXC) * T),
        synaptic_events=events,
        ns_per_syn_event=(1e9 * run_s / events) if (run_s and events) else None,
        codegen_compile_s=built.codegen_compile_s,
        run_s=run_s,
        brian_loop_cpu_s=getattr(dev, '_last_run_time', None),
        binary_wall_s=dev.timers.get('run_binary'),
        peak_rss_MiB=(rss_kib / 1024.0) if rss_kib is not None else None,
        build_dir=built.build_dir,
        rate_bins_ms=bins_ms,
        binned_rate_Hz=binned,
    )


# --------------------------------------------------------------------------- CLI

def _parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', choices=MODELS, required=True)
    ap.add_argument('--duration-ms', type=float, default=1000.0)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--build-dir', default=None,
                    help='standalone project directory (default: a new temporary directory '
                         'under /tmp, removed afterwards)')
    ap.add_argument('--repeat', type=int, default=1, help='runs of the compiled binary')
    ap.add_argument('--bins-ms', type=float, default=None,
                    help='record spike times and report the mean rate in bins of this width '
                         '(activity check; recording costs some run time)')
    ap.add_argument('--json', action='store_true',
                    help='print one JSON object (the last run) as the last line of stdout')
    return ap.parse_args(argv)


def main(argv=None):
    args = _parse_args(argv)
    b2.BrianLogger.log_level_warn()
    temp = args.build_dir is None
    build_dir = tempfile.mkdtemp(prefix=f'brian2_{args.model}_', dir='/tmp') if temp else args.build_dir
    try:
        built = build_model(args.model, args.duration_ms, args.seed, build_dir,
                            record_spikes=bool(args.bins_ms))
        results = [run_built(built, args.bins_ms) for _ in range(max(1, args.repeat))]
    finally:
        if temp:
            shutil.rmtree(build_dir, ignore_errors=True)
    for r in results:
        print(f"# {r['model']}: {r['duration_ms']:g} ms, seed {r['seed']}: "
              f"spikes {r['spikes']} (E {r['spikes_exc']}, I {r['spikes_inh']}), "
              f"rate {r['mean_rate_Hz']:.2f} Hz (E {r['exc_rate_Hz']:.2f}, I {r['inh_rate_Hz']:.2f}), "
              f"synapses {r['synapses']}, events {r['synaptic_events']}, "
              f"codegen+compile {r['codegen_compile_s']:.2f} s, run {r['run_s']:.3f} s "
              f"(Brian loop CPU {r['brian_loop_cpu_s']:.3f} s, binary {r['binary_wall_s']:.3f} s), "
              f"peak RSS {r['peak_rss_MiB'] or float('nan'):.1f} MiB",
              file=sys.stderr if args.json else sys.stdout)
        if r['binned_rate_Hz'] is not None:
            print(f"#   rate per {args.bins_ms:g} ms bin (Hz): "
                  + ' '.join(f'{x:.1f}' for x in r['binned_rate_Hz']),
                  file=sys.stderr if args.json else sys.stdout)
    if args.json:
        out = dict(results[-1])
        if len(results) > 1:
            out['run_s_all'] = [r['run_s'] for r in results]
        if temp:
            out['build_dir'] = None
        print(json.dumps(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
