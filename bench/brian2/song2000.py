#!/usr/bin/python3
"""Brian2 reference of Song, Miller & Abbott (2000) competitive Hebbian STDP (C++ standalone).

Song S, Miller KD, Abbott LF (2000). Competitive Hebbian learning through spike-timing-
dependent synaptic plasticity. Nat Neurosci 3:919-926.

Pinned parameter version: Brian2's own examples/synapses/STDP.py (equations and parameters
reproduced here):

  * N = 1000 Poisson inputs (PoissonGroup, F = 15 Hz each), all onto one neuron.
  * LIF neuron with dimensionless ge, exact (linear) integration ('exact'):
        dv/dt  = (ge*(Ee - vr) + El - v)/taum
        dge/dt = -ge/taue
    Note the driving force Ee - vr: the example's input is current-based with a fixed
    driving force of 60 mV, not conductance-based. --drive conductance uses
    ge*(Ee - v) instead (a true conductance, forward Euler 'euler', since the equation is
    then not linear); that variant is NOT Brian2's example (seed 1, 100 s: 2636 output
    spikes instead of 3123, first 10 s at 36 Hz instead of 59 Hz; final w/gmax < 0.1 for
    23.4 % instead of 28.0 %, > 0.9 for 18.5 % instead of 17.6 %).
    taum 10 ms, Ee 0 mV, El -74 mV, vt -54 mV, vr -60 mV, taue 5 ms; threshold v > vt,
    reset v = vr, no refractory period. v is not initialised in the example, so it starts
    at 0 mV (> vt): the neuron spikes in the first step and is reset (kept here).
  * Synapses (all-to-all, 1000 synapses, no delay), additive STDP with hard bounds and
    event-driven traces:
        w : 1
        dApre/dt  = -Apre/taupre    (event-driven)
        dApost/dt = -Apost/taupost  (event-driven)
        on_pre:  ge += w; Apre += dApre; w = clip(w + Apost, 0, gmax)
        on_post: Apost += dApost; w = clip(w + Apre, 0, gmax)
    taupre = taupost = 20 ms, gmax = 0.01, dApre = 0.01*gmax,
    dApost = -dApre*taupre/taupost*1.05 (times gmax as well, i.e. -1.05e-4).
  * Initial weights w = rand()*gmax; dt = 0.1 ms; 100 s simulated by default.

Brian's schedule within one step: state update (v and ge from the old values),
thresholds (PoissonGroup: spike with probability F*dt; neuron: v > vt), then synapses
(on_pre pathway, order -1, before on_post, order 1), then resets. A spike's ge increment
therefore acts from the next state update on (an effective delay of one step, as in
brette2007.py). When an input and the output neuron spike in the same step, on_pre runs
first (depression with the old Apost, then Apre += dApre) and on_post then potentiates with
the new Apre.

Measurement (as in brette2007.py)
  * codegen_compile_s: wall time from model construction to the end of
    device.build(compile=True, run=False) (code generation plus make; about 3 s when
    --build-dir is reused and holds the object files of a previous build).
  * run_s: wall time (std::chrono::steady_clock) around Network::run inside the compiled
    binary (device.insert_code('before_network_run' / 'after_network_run')); Brian's
    device._last_run_time (std::clock() CPU time of the loop) is brian_loop_cpu_s.
  * binary_wall_s: the whole binary (device.timers['run_binary']); peak_rss_MiB from
    /usr/bin/time -f %M when present.
  * Output spikes: a SpikeMonitor on the single neuron recording spike times (few hundred
    to a few thousand spikes: negligible cost); rate per --bin-s window (default 10 s).
  * Input spikes: the expected number N*F*T is always reported; with --count-input-spikes
    a SpikeMonitor(record=False) on the PoissonGroup counts them (a small extra per-step
    cost, so off by default for timing).
  * Final weights: w/gmax of the 1000 synapses ordered by presynaptic index: mean, sd,
    fraction < 0.1, fraction > 0.9 (bimodality) and a 20-bin histogram on [0, 1];
    --weights-npy writes them as a float64 .npy file.
  * --snapshot-s S (optional): the same weight statistics every S seconds (a StateMonitor
    on w with its own clock, dt = S).

Usage
  /usr/bin/python3 bench/brian2/song2000.py [--duration-s 100] [--seed 1] [--build-dir DIR]
      [--json PATH|-] [--weights-npy PATH] [--bin-s 10] [--count-input-spikes] [--snapshot-s S]
      [--drive example|conductance]

The functions build_model() and run_built() can be used by a comparison driver.
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
from brian2 import ms, mV, Hz, second

N_INPUTS = 1000
RATE_HZ = 15.0
DT_MS = 0.1
GMAX = 0.01
HIST_BINS = 20
TIME_BIN = "/usr/bin/time"
RUN_WALL_FILE = "results/bench_run_wall_s.txt"
RSS_FILE = "results/bench_peak_rss_kib.txt"

NAMESPACE = dict(
    taum=10 * ms,
    Ee=0 * mV,
    vt=-54 * mV,
    vr=-60 * mV,
    El=-74 * mV,
    taue=5 * ms,
    taupre=20 * ms,
    taupost=20 * ms,
    gmax=GMAX,
)
# dApre = 0.01, dApost = -dApre * taupre/taupost * 1.05, both then scaled by gmax.
_dApre = 0.01
_dApost = -_dApre * (20.0 / 20.0) * 1.05
NAMESPACE['dApre'] = _dApre * GMAX
NAMESPACE['dApost'] = _dApost * GMAX

DRIVES = ("example", "conductance")
# drive -> (neuron equations, integration method)
EQS_NEURON = {
    # Brian2's examples/synapses/STDP.py: fixed driving force Ee - vr, linear, exact.
    "example": ('''
dv/dt = (ge * (Ee - vr) + El - v) / taum : volt
dge/dt = -ge / taue : 1
''', 'exact'),
    # Conductance-based variant (driving force Ee - v), forward Euler.
    "conductance": ('''
dv/dt = (ge * (Ee - v) + El - v) / taum : volt
dge/dt = -ge / taue : 1
''', 'euler'),
}
SYN_MODEL = '''
w : 1
dApre/dt = -Apre / taupre : 1 (event-driven)
dApost/dt = -Apost / taupost : 1 (event-driven)
'''
SYN_ON_PRE = '''
ge += w
Apre += dApre
w = clip(w + Apost, 0, gmax)
'''
SYN_ON_POST = '''
Apost += dApost
w = clip(w + Apre, 0, gmax)
'''


# --------------------------------------------------------------------------- build / run

class BuiltModel:
    """A compiled standalone project and the Brian objects needed to read its results."""

    def __init__(self, duration_s, seed, build_dir, inputs, neuron, synapses, out_mon,
                 in_mon, w_mon, snapshot_s, codegen_compile_s, drive):
        self.drive = drive
        self.duration_s = duration_s
        self.seed = seed
        self.build_dir = build_dir
        self.inputs = inputs
        self.neuron = neuron
        self.synapses = synapses
        self.out_mon = out_mon
        self.in_mon = in_mon
        self.w_mon = w_mon
        self.snapshot_s = snapshot_s
        self.codegen_compile_s = codegen_compile_s


def build_model(duration_s, seed, build_dir, count_input_spikes=False, snapshot_s=None,
                drive="example"):
    """Generate and compile the standalone project; do not run it."""
    if drive not in EQS_NEURON:
        raise ValueError(f"unknown drive {drive!r} (expected one of {', '.join(DRIVES)})")
    t0 = time.perf_counter()
    dev = fresh_standalone_device(DT_MS, seed, TIME_BIN, RSS_FILE)

    ns = NAMESPACE
    inputs = b2.PoissonGroup(N_INPUTS, rates=RATE_HZ * Hz)
    eqs, method = EQS_NEURON[drive]
    neuron = b2.NeuronGroup(1, eqs, threshold='v > vt', reset='v = vr',
                            method=method, namespace=ns)
    syn = b2.Synapses(inputs, neuron, model=SYN_MODEL, on_pre=SYN_ON_PRE,
                      on_post=SYN_ON_POST, namespace=ns)
    syn.connect()
    syn.w = 'rand() * gmax'
    out_mon = b2.SpikeMonitor(neuron, record=True)
    objs = [inputs, neuron, syn, out_mon]
    in_mon = None
    if count_input_spikes:
        in_mon = b2.SpikeMonitor(inputs, record=False)
        objs.append(in_mon)
    w_mon = None
    if snapshot_s:
        w_mon = b2.StateMonitor(syn, 'w', record=np.arange(N_INPUTS),
                                 dt=snapshot_s * second)
        objs.append(w_mon)
    net = b2.Network(*objs)

    time_network_run(dev, RUN_WALL_FILE)
    net.run(duration_s * second)
    with stdout_to_stderr():
        dev.build(directory=build_dir, compile=True, run=False, with_output=False)
    codegen_compile_s = time.perf_counter() - t0
    return BuiltModel(duration_s, seed, build_dir, inputs, neuron, syn, out_mon, in_mon,
                      w_mon, snapshot_s, codegen_compile_s, drive)


def weight_stats(wn):
    """Statistics of normalised weights w/gmax (array in [0, 1])."""
    wn = np.asarray(wn, dtype=np.float64)
    hist, _ = np.histogram(wn, bins=HIST_BINS, range=(0.0, 1.0))  # last bin includes 1.0
    return dict(
        mean=float(wn.mean()),
        sd=float(wn.std()),
        frac_below_0p1=float(np.mean(wn < 0.1)),
        frac_above_0p9=float(np.mean(wn > 0.9)),
        frac_at_0=float(np.mean(wn <= 0.0)),
        frac_at_1=float(np.mean(wn >= 1.0)),
        hist=[int(h) for h in hist],
    )


def run_built(built, bin_s=10.0):
    """Run the compiled binary once; return (measurements dict, final w/gmax array)."""
    run_s, rss_kib = run_binary(built.build_dir, RUN_WALL_FILE, RSS_FILE)
    dev = b2.get_device()

    T = built.duration_s
    t_out = np.asarray(built.out_mon.t[:] / second, dtype=np.float64)
    n_out = int(t_out.size)
    edges = np.arange(0.0, T + 0.5 * bin_s, bin_s)
    if edges[-1] < T:
        edges = np.append(edges, T)
    edges[-1] = T  # last bin ends at T (may be shorter than bin_s)
    hist, _ = np.histogram(t_out, bins=edges)
    binned = [round(float(h) / float(edges[k + 1] - edges[k]), 4) for k, h in enumerate(hist)]

    order = np.argsort(np.asarray(built.synapses.i[:]), kind='stable')
    wn = np.asarray(built.synapses.w[:], dtype=np.float64)[order] / GMAX

    n_in = int(np.sum(built.in_mon.count[:])) if built.in_mon is not None else None
    snapshots = None
    if built.w_mon is not None:
        ws = np.asarray(built.w_mon.w[:], dtype=np.float64)[order] / GMAX  # (syn, times)
        ts = np.asarray(built.w_mon.t[:] / second)
        snapshots = [dict(t_s=round(float(t), 6), **weight_stats(ws[:, k]))
                     for k, t in enumerate(ts)]
        snapshots.append(dict(t_s=float(T), **weight_stats(wn)))

    result = dict(
        simulator="brian2",
        brian2_version=b2.__version__,
        model="song2000_stdp",
        drive=built.drive,
        integration=EQS_NEURON[built.drive][1],
        duration_s=T,
        seed=built.seed,
        dt_ms=DT_MS,
        n_inputs=N_INPUTS,
        input_rate_Hz=RATE_HZ,
        gmax=GMAX,
        input_spikes=n_in,
        input_spikes_expected=N_INPUTS * RATE_HZ * T,
        output_spikes=n_out,
        output_rate_Hz=n_out / T,
        rate_bin_s=bin_s,
        binned_output_rate_Hz=binned,
        # deliveries to single synapses: input spikes (1 target each) + output spikes x N
        synaptic_events_expected=N_INPUTS * RATE_HZ * T + n_out * N_INPUTS,
        w_final=weight_stats(wn),
        w_hist_edges=[round(x, 4) for x in np.linspace(0.0, 1.0, HIST_BINS + 1)],
        w_snapshots=snapshots,
        codegen_compile_s=built.codegen_compile_s,
        run_s=run_s,
        brian_loop_cpu_s=getattr(dev, '_last_run_time', None),
        binary_wall_s=dev.timers.get('run_binary'),
        peak_rss_MiB=(rss_kib / 1024.0) if rss_kib is not None else None,
        build_dir=built.build_dir,
    )
    return result, wn


# --------------------------------------------------------------------------- CLI

def _parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--duration-s', type=float, default=100.0)
    ap.add_argument('--drive', choices=DRIVES, default='example',
                    help="'example': Brian2's STDP.py, ge*(Ee-vr), exact integration (default); "
                         "'conductance': ge*(Ee-v), forward Euler")
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--build-dir', default=None,
                    help='standalone project directory, reusable between runs (default: a '
                         'new temporary directory under /tmp, removed afterwards)')
    ap.add_argument('--json', metavar='PATH', default=None,
                    help="write the results as one JSON object to PATH ('-': last line of stdout)")
    ap.add_argument('--weights-npy', metavar='PATH', default=None,
                    help='write the final w/gmax (ordered by input index) as a .npy file')
    ap.add_argument('--bin-s', type=float, default=10.0,
                    help='width of the output-rate time bins (s)')
    ap.add_argument('--count-input-spikes', action='store_true',
                    help='count input spikes with a SpikeMonitor(record=False) (small extra cost)')
    ap.add_argument('--snapshot-s', type=float, default=None,
                    help='also report weight statistics every this many seconds')
    return ap.parse_args(argv)


def main(argv=None):
    args = _parse_args(argv)
    b2.BrianLogger.log_level_warn()
    temp = args.build_dir is None
    build_dir = tempfile.mkdtemp(prefix='brian2_song2000_', dir='/tmp') if temp else args.build_dir
    try:
        built = build_model(args.duration_s, args.seed, build_dir,
                            count_input_spikes=args.count_input_spikes,
                            snapshot_s=args.snapshot_s, drive=args.drive)
        r, wn = run_built(built, args.bin_s)
    finally:
        if temp:
            shutil.rmtree(build_dir, ignore_errors=True)
    if temp:
        r['build_dir'] = None
    wf = r['w_final']
    log = sys.stderr if args.json == '-' else sys.stdout
    n_in = r['input_spikes'] if r['input_spikes'] is not None else f"~{r['input_spikes_expected']:.0f} (expected)"
    print(f"# song2000 ({r['drive']}): {r['duration_s']:g} s, seed {r['seed']}: input spikes {n_in}, "
          f"output spikes {r['output_spikes']} ({r['output_rate_Hz']:.3f} Hz), "
          f"codegen+compile {r['codegen_compile_s']:.2f} s, run {r['run_s']:.3f} s "
          f"(Brian loop CPU {r['brian_loop_cpu_s']:.3f} s, binary {r['binary_wall_s']:.3f} s), "
          f"peak RSS {r['peak_rss_MiB'] or float('nan'):.1f} MiB", file=log)
    print(f"#   output rate per {args.bin_s:g} s bin (Hz): "
          + ' '.join(f'{x:.2f}' for x in r['binned_output_rate_Hz']), file=log)
    print(f"#   final w/gmax: mean {wf['mean']:.4f}, sd {wf['sd']:.4f}, "
          f"< 0.1: {wf['frac_below_0p1']:.3f}, > 0.9: {wf['frac_above_0p9']:.3f}; "
          f"hist {wf['hist']}", file=log)
    if r['w_snapshots']:
        for s in r['w_snapshots']:
            print(f"#   t {s['t_s']:8.1f} s: mean {s['mean']:.4f}, < 0.1: {s['frac_below_0p1']:.3f}, "
                  f"> 0.9: {s['frac_above_0p9']:.3f}", file=log)
    if args.weights_npy:
        np.save(args.weights_npy, wn)
    if args.json == '-':
        print(json.dumps(r))
    elif args.json:
        with open(args.json, 'w') as f:
            json.dump(r, f, indent=1)
            f.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
