#!/usr/bin/python3
"""Study: competitive Hebbian learning (Song, Miller & Abbott 2000) with ionspike and Brian2.

Runs examples/song2000.pbtxt (1000 Poisson inputs, one neuron, additive pair STDP) with
ionspike for several seeds and, unless --no-brian2, Brian2's version of the same model
(bench/brian2/song2000.py, C++ standalone) for a few seeds; then reports, per simulator,
the final weight distribution (fraction of weights below 0.1 w_max and above 0.9 w_max,
mean) and the output rate in 10 s bins, writes them to CSV, and plots the weight
histograms and rates (PNG).

The qualitative result checked with --check (exit 1 if it fails):
  * bimodal weights: each outer decile of [0, w_max] holds more than twice the mean of the
    six middle deciles [0.2, 0.8) (the distribution is U-shaped, pushed to both bounds);
  * competition: the output rate in the last bin is below 0.75x the first bin's;
  * agreement with Brian2 (when run): fractions below 0.1 and above 0.9 w_max within 0.08,
    mean output rate within 20 % (means over seeds; seed-to-seed spread is ~0.01 and ~7 %).

  /usr/bin/python3 tools/studies/song2000.py                       # 100 s, 5 + 3 seeds
  /usr/bin/python3 tools/studies/song2000.py --seeds 3 --brian2-seeds 1 --check
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETWORK = os.path.join(ROOT, 'examples', 'song2000.pbtxt')
BRIAN2 = os.path.join(ROOT, 'bench', 'brian2', 'song2000.py')
W_MAX_PA = 6.0  # w_max of examples/song2000.pbtxt


def weight_stats(w_over_wmax, rates_Hz):
    deciles = np.histogram(w_over_wmax, bins=10, range=(0.0, 1.0))[0] / len(w_over_wmax)
    return {
        'mean_w': float(np.mean(w_over_wmax)),
        'below_0.1': float(np.mean(w_over_wmax < 0.1)),
        'above_0.9': float(np.mean(w_over_wmax > 0.9)),
        'deciles': deciles.tolist(),
        'rates_Hz': list(rates_Hz),
        'rate_Hz': float(np.mean(rates_Hz)),
    }


def run_ionspike(binary, seed, duration_s, out_dir, bin_s):
    subprocess.run([binary, 'run', NETWORK, '--seed', str(seed), '--t-stop', str(duration_s * 1e3),
                    '--out', out_dir], check=True, stdout=subprocess.DEVNULL)
    w = np.load(os.path.join(out_dir, 'plastic.weights.npy'))['weight_pA'] / W_MAX_PA
    t = np.load(os.path.join(out_dir, 'output_spikes.npy'))['time_ms']
    bins = int(round(duration_s / bin_s))
    rates = np.histogram(t, bins=bins, range=(0.0, duration_s * 1e3))[0] / bin_s
    with open(os.path.join(out_dir, 'summary.json')) as f:
        run_s = json.load(f)['run_s']
    stats = weight_stats(w, rates)
    stats.update(simulator='ionspike', seed=seed, run_s=run_s, weights=w)
    return stats


def run_brian2(seed, duration_s, build_dir, bin_s):
    with tempfile.TemporaryDirectory() as tmp:
        js, wn = os.path.join(tmp, 'r.json'), os.path.join(tmp, 'w.npy')
        subprocess.run(['/usr/bin/python3', BRIAN2, '--seed', str(seed), '--duration-s', str(duration_s),
                        '--bin-s', str(bin_s), '--build-dir', build_dir, '--json', js, '--weights-npy', wn],
                       check=True, stdout=subprocess.DEVNULL)
        with open(js) as f:
            r = json.load(f)
        w = np.load(wn)
    rates = r['binned_output_rate_Hz']
    stats = weight_stats(w, rates)
    stats.update(simulator='brian2', seed=seed, run_s=r['run_s'], weights=w)
    return stats


def summarize(runs):
    keys = ('below_0.1', 'above_0.9', 'mean_w', 'rate_Hz', 'run_s')
    return {k: float(np.mean([r[k] for r in runs])) for k in keys} | {
        'rates_Hz': np.mean([r['rates_Hz'] for r in runs], axis=0).tolist(),
        'deciles': np.mean([r['deciles'] for r in runs], axis=0).tolist()}


def plot(results, out_dir, bin_s):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (ax_w, ax_r) = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, runs in results.items():
        w = np.concatenate([r['weights'] for r in runs])
        ax_w.hist(w, bins=20, range=(0, 1), histtype='step', density=True, linewidth=1.5,
                  label=f'{name} ({len(runs)} seeds)')
        rates = np.mean([r['rates_Hz'] for r in runs], axis=0)
        t = (np.arange(len(rates)) + 0.5) * bin_s
        ax_r.plot(t, rates, marker='o', label=name)
    ax_w.set_xlabel('final weight / w_max')
    ax_w.set_ylabel('density')
    ax_w.set_title('Weights after learning')
    ax_w.legend()
    ax_r.set_xlabel('time (s)')
    ax_r.set_ylabel('output rate (Hz)')
    ax_r.set_title('Output rate')
    ax_r.set_ylim(bottom=0)
    ax_r.legend()
    fig.suptitle('Song, Miller & Abbott 2000: 1000 Poisson inputs, additive STDP')
    fig.tight_layout()
    path = os.path.join(out_dir, 'song2000.png')
    fig.savefig(path, dpi=110)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--ionspike', default=os.path.join(ROOT, 'build', 'ionspike'))
    ap.add_argument('--duration-s', type=float, default=100.0)
    ap.add_argument('--seeds', type=int, default=5, help='ionspike seeds (1..N)')
    ap.add_argument('--brian2-seeds', type=int, default=3, help='Brian2 seeds (1..N)')
    ap.add_argument('--no-brian2', action='store_true')
    ap.add_argument('--bin-s', type=float, default=10.0)
    ap.add_argument('--out', default=os.path.join(ROOT, 'out', 'song2000_study'))
    ap.add_argument('--no-plot', action='store_true')
    ap.add_argument('--check', action='store_true', help='exit 1 unless the qualitative result holds')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    results = {'ionspike': [run_ionspike(args.ionspike, s, args.duration_s, os.path.join(args.out, f'ionspike_seed{s}'),
                                         args.bin_s) for s in range(1, args.seeds + 1)]}
    if not args.no_brian2 and args.brian2_seeds > 0:
        build = os.path.join(args.out, 'brian2_build')
        results['brian2'] = [run_brian2(s, args.duration_s, build, args.bin_s) for s in range(1, args.brian2_seeds + 1)]

    with open(os.path.join(args.out, 'song2000.csv'), 'w', newline='') as f:
        out = csv.writer(f)
        out.writerow(['simulator', 'seed', 'run_s', 'mean_w_over_wmax', 'fraction_below_0.1', 'fraction_above_0.9',
                      'rate_Hz'] + [f'rate_bin{i}_Hz' for i in range(len(results['ionspike'][0]['rates_Hz']))])
        for runs in results.values():
            for r in runs:
                out.writerow([r['simulator'], r['seed'], f"{r['run_s']:.4f}", f"{r['mean_w']:.4f}",
                              f"{r['below_0.1']:.4f}", f"{r['above_0.9']:.4f}", f"{r['rate_Hz']:.3f}"] +
                             [f'{x:.2f}' for x in r['rates_Hz']])

    summary = {name: summarize(runs) for name, runs in results.items()}
    print(f'Song et al. 2000, {args.duration_s:g} s of biological time (means over seeds)')
    print(f"{'simulator':<10} {'seeds':>5} {'run s':>8} {'w<0.1':>7} {'w>0.9':>7} {'mean w':>7} {'rate Hz':>8}  rate per {args.bin_s:g} s bin (Hz)")
    for name, s in summary.items():
        print(f"{name:<10} {len(results[name]):>5} {s['run_s']:>8.3f} {s['below_0.1']:>7.3f} {s['above_0.9']:>7.3f} "
              f"{s['mean_w']:>7.3f} {s['rate_Hz']:>8.2f}  " + ' '.join(f'{x:.1f}' for x in s['rates_Hz']))
    if 'brian2' in summary:
        print(f"Brian2/ionspike simulation time: {summary['brian2']['run_s'] / summary['ionspike']['run_s']:.1f}")
    if not args.no_plot:
        print('plot:', plot(results, args.out, args.bin_s))
    print('table:', os.path.join(args.out, 'song2000.csv'))

    failures = []
    s = summary['ionspike']
    middle = float(np.mean(s['deciles'][2:8]))
    if not (s['deciles'][0] > 2 * middle and s['deciles'][9] > 2 * middle):
        failures.append(f"weights not bimodal: deciles {np.round(s['deciles'], 3).tolist()}")
    if not s['rates_Hz'][-1] < 0.75 * s['rates_Hz'][0]:
        failures.append(f"no competition: rate {s['rates_Hz'][0]:.1f} Hz first bin, {s['rates_Hz'][-1]:.1f} Hz last")
    if 'brian2' in summary:
        b = summary['brian2']
        for key in ('below_0.1', 'above_0.9'):
            if abs(s[key] - b[key]) > 0.08:
                failures.append(f'{key}: ionspike {s[key]:.3f}, Brian2 {b[key]:.3f} (tolerance 0.08)')
        if abs(s['rate_Hz'] / b['rate_Hz'] - 1.0) > 0.2:
            failures.append(f"rate: ionspike {s['rate_Hz']:.2f} Hz, Brian2 {b['rate_Hz']:.2f} Hz (tolerance 20 %)")
    for f in failures:
        print('FAIL:', f)
    if args.check and failures:
        return 1
    if args.check:
        print('PASS: bimodal weights, competition' + (', agreement with Brian2' if 'brian2' in summary else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
