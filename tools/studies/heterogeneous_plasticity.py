#!/usr/bin/python3
"""Study: heterogeneous plasticity with EIS synapses (seed paper Fig. 5a-b), feed-forward and recurrent.

Runs examples/heterogeneous_plasticity.pbtxt with `ionspike run` (Poisson inputs onto two LIF
populations A and B that emit different V_post waveforms, plus plastic recurrent EIS synapses
A->A, A->B, B->A, B->B and static inhibition), then measures the STDP curve of every plastic
projection *in situ*, from the recorded spikes and conductances only:

  * the conductance recorders sample every synapse's G at a fixed interval; the run is cut into
    windows and dG[k, w] is the change of synapse k over window w;
  * every pre/post pair of synapse k (pre arrival a = pre spike + delay, post spike p,
    dt = p - a, |dt| < 500 ms) is counted in a dt bin and in the window of its later event;
  * dG[k, w] is regressed (least squares, over all synapses and windows of a projection) on
    those pair counts, plus the pre/pre and post/post pairs of the synapse by interval (two
    copies of one neuron's waveform also interact at the device), the counts of pre arrivals
    and post spikes in the window (the lone waveforms) and a constant. The coefficient of a dt
    bin is the measured dG per pair.

Nothing in the measurement knows the waveforms: it would return any curve the devices make.
The curves are compared with the single-device reference of `ionspike stdp-curve` for the
same waveform pair (device preset, G0 = 1000 nS: `--waveforms antisymmetric` for targets in A,
`--waveforms antisymmetric --a-post -1` for targets in B, whose V_post is the inverted one).
Uncertainties: bootstrap over postsynaptic neurons (the regression is re-solved on resampled
neurons), 1 sd.

Writes to --out: stdp_in_situ.csv/.npy (curve per group of projections), reference_<A|B>_G<g0>/stdp_curve.csv,
weights_<projection>_seed<N>.npy (time, G of every synapse at every sample), rates.csv, summary.json, and the plots
stdp_curves.png, weight_histograms.png, raster.png.

--check (exit 1 if it fails) tests the designed difference, at the dt = +-10 ms bins
([7.5, 12.5) ms) of the two feed-forward projections and of the recurrent ones pooled by
target (A_A + B_A onto A, A_B + B_B onto B):
  * onto A (antisymmetric): dG(+10) > +margin, dG(-10) < -margin;
  * onto B (symmetric):     dG(+10) > +margin, dG(-10) > +margin (same sign on both sides), and
    a central dip dG(0) < min(dG(-10), dG(+10)) - dip margin;
  * the network is active and recurrent: A and B fire at >= 1 Hz, and the recurrent EIS
    synapses carry >= 15 % of each population's excitatory drive (sum over arrivals of gain * G).

  /usr/bin/python3 tools/studies/heterogeneous_plasticity.py                      # full study
  /usr/bin/python3 tools/studies/heterogeneous_plasticity.py --t-stop-ms 10000 --check
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETWORK = os.path.join(ROOT, 'examples', 'heterogeneous_plasticity.pbtxt')
PLASTIC = ['in_A', 'in_B', 'A_A', 'B_A', 'A_B', 'B_B']  # recorder of projection P: g_<P>
TARGET = {p: p.split('_')[1] for p in PLASTIC}        # 'A' or 'B'
RULE = {'A': 'antisymmetric', 'B': 'symmetric (inverted V_post)'}
REF_ARGS = {'A': ['--waveforms', 'antisymmetric'], 'B': ['--waveforms', 'antisymmetric', '--a-post', '-1']}
G0_NS = 1000.0
MAX_DT_MS = 500.0  # longest waveform: 490.58 ms


def dt_bins():
    """Bin edges: 5 ms bins centred on multiples of 5 in [-100, 100], then coarse outer bins."""
    inner = np.arange(-102.5, 102.5 + 1e-9, 5.0)
    outer = [-MAX_DT_MS, -300.0, -200.0, -150.0]
    return np.concatenate([outer, inner, -np.array(outer[::-1])])


def run_network(binary, network, seed, t_stop_ms, out_dir):
    t0 = time.time()
    subprocess.run([binary, 'run', network, '--seed', str(seed), '--t-stop', str(t_stop_ms), '--out', out_dir],
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.time() - t0
    with open(os.path.join(out_dir, 'summary.json')) as f:
        summary = json.load(f)
    return summary, wall


def read_gains(network):
    """weight_pA_per_nS of each projection of the network file (text format)."""
    import re
    text = open(network).read()
    gains = {}
    for block in text.split('projections {')[1:]:
        name = re.search(r'name: "([^"]+)"', block)
        gain = re.search(r'weight_pA_per_nS: ([0-9.eE+-]+)', block.split('projections {')[0])
        if name and gain:
            gains[name.group(1)] = float(gain.group(1))
    return gains


def load_spikes(out_dir, summary):
    names = {p['index']: p['name'] for p in summary['populations']}
    s = np.load(os.path.join(out_dir, 'spikes.npy'))
    spikes = {}
    for idx, name in names.items():
        sel = s[s['population'] == idx]
        spikes[name] = (sel['time_ms'].astype(float), sel['neuron'].astype(np.int64))
    return spikes


ISI_EDGES = np.array([0.0, 10.0, 20.0, 40.0, 80.0, 160.0, MAX_DT_MS])


def count_pairs(x, y, edges, t_edges, same):
    """Pairs (x_i, y_j) with |y_j - x_i| < MAX_DT_MS, by bin of y - x and window of the later event.

    same: x and y are one spike train; then each unordered pair counts once, by its interval."""
    n_win, n_bins = len(t_edges) - 1, len(edges) - 1
    out = np.zeros((n_win, n_bins))
    if len(x) == 0 or len(y) == 0:
        return out
    lo = np.searchsorted(y, x - (0.0 if same else MAX_DT_MS), 'right')
    hi = np.searchsorted(y, x + MAX_DT_MS, 'left')
    cnt = hi - lo
    if cnt.sum() == 0:
        return out
    xi = np.repeat(np.arange(len(x)), cnt)
    yj = np.concatenate([np.arange(l, h) for l, h in zip(lo, hi)])
    dt = y[yj] - x[xi]
    later = np.maximum(y[yj], x[xi])
    w = np.searchsorted(t_edges, later, 'right') - 1
    b = np.searchsorted(edges, dt, 'right') - 1
    ok = (w >= 0) & (w < n_win) & (b >= 0) & (b < n_bins)
    np.add.at(out, (w[ok], b[ok]), 1.0)
    return out


def pair_features(syn, spikes, pre_pop, post_pop, t_edges, edges):
    """Counts per (synapse, window): pre/post pairs by dt bin; pre/pre and post/post pairs by
    interval; pre arrivals; post spikes."""
    n_syn, n_win = len(syn), len(t_edges) - 1
    pairs = np.zeros((n_syn, n_win, len(edges) - 1))
    pre_pre = np.zeros((n_syn, n_win, len(ISI_EDGES) - 1))
    post_post = np.zeros((n_syn, n_win, len(ISI_EDGES) - 1))
    n_pre = np.zeros((n_syn, n_win))
    n_post = np.zeros((n_syn, n_win))
    t_pre, i_pre = spikes[pre_pop]
    t_post, j_post = spikes[post_pop]
    post_by = {j: np.sort(t_post[j_post == j]) for j in np.unique(j_post)}
    pre_by = {i: np.sort(t_pre[i_pre == i]) for i in np.unique(i_pre)}
    t_end = t_edges[-1]
    pp_cache = {}
    for k, (i, j, d) in enumerate(zip(syn['pre'], syn['post'], syn['delay_ms'])):
        a = pre_by.get(int(i), np.empty(0)) + d
        a = a[a < t_end]
        p = post_by.get(int(j), np.empty(0))
        n_pre[k] = np.histogram(a, t_edges)[0]
        n_post[k] = np.histogram(p, t_edges)[0]
        pairs[k] = count_pairs(a, p, edges, t_edges, False)
        key = ('pre', int(i), float(d))
        if key not in pp_cache:
            pp_cache[key] = count_pairs(a, a, ISI_EDGES, t_edges, True)
        pre_pre[k] = pp_cache[key]
        key = ('post', int(j))
        if key not in pp_cache:
            pp_cache[key] = count_pairs(p, p, ISI_EDGES, t_edges, True)
        post_post[k] = pp_cache[key]
    return pairs, pre_pre, post_post, n_pre, n_post


def regress(dg, blocks, posts, mask, boot, rng):
    """Least squares dG[k, w] ~ sum of blocks[k, w, :] . beta over the rows where mask is true;
    uncertainty by a bootstrap over clusters (postsynaptic neurons). Returns beta, sd, R^2."""
    n_syn, n_win = dg.shape
    X = np.concatenate([blk.reshape(n_syn, n_win, -1) for blk in blocks], axis=2)
    X = X[mask]
    y = dg[mask]
    cluster = np.broadcast_to(posts[:, None], (n_syn, n_win))[mask]
    ids, inv = np.unique(cluster, return_inverse=True)
    m = X.shape[1]
    xtx = np.zeros((len(ids), m, m))
    xty = np.zeros((len(ids), m))
    for c in range(len(ids)):
        Xc, yc = X[inv == c], y[inv == c]
        xtx[c] = Xc.T @ Xc
        xty[c] = Xc.T @ yc
    ridge = 1e-6 * np.eye(m)  # only guards columns without any count
    beta = np.linalg.solve(xtx.sum(0) + ridge, xty.sum(0))
    draws = []
    for _ in range(boot):
        wts = rng.multinomial(len(ids), np.full(len(ids), 1.0 / len(ids)))
        draws.append(np.linalg.solve(np.tensordot(wts, xtx, 1) + ridge, np.tensordot(wts, xty, 1)))
    sd = np.std(draws, axis=0) if boot else np.zeros(m)
    resid = y - X @ beta
    r2 = 1.0 - resid.var() / y.var() if y.var() > 0 else 0.0
    return beta, sd, r2, X.sum(0)


def reference_curve(binary, out_dir, target, g0):
    """Single-device curve of `ionspike stdp-curve` for the waveform pair of targets in `target`."""
    d = os.path.join(out_dir, f'reference_{target}_G{g0:g}')
    subprocess.run([binary, 'stdp-curve', *REF_ARGS[target], '--g0', f'{g0:g}', '--dt-min', '-500', '--dt-max', '500',
                    '--dt-step', '0.5', '--out', d], check=True, stdout=subprocess.DEVNULL)
    data = np.genfromtxt(os.path.join(d, 'stdp_curve.csv'), delimiter=',', names=True)
    return data['dt_ms'], data['dG_nS']


def reference_curves(binary, out_dir):
    return {target: reference_curve(binary, out_dir, target, G0_NS) for target in REF_ARGS}


def bin_average(ref, edges):
    dt, dg = ref
    return np.array([dg[(dt >= lo) & (dt < hi)].mean() for lo, hi in zip(edges[:-1], edges[1:])])


def analyse_seed(args, seed, ref, edges):
    out_dir = os.path.join(args.out, f'seed{seed}')
    if args.reuse and os.path.exists(os.path.join(out_dir, 'summary.json')):
        with open(os.path.join(out_dir, 'summary.json')) as f:
            summary = json.load(f)
        wall = summary['build_s'] + summary['run_s']
    else:
        summary, wall = run_network(args.ionspike, args.network, seed, args.t_stop_ms, out_dir)
    spikes = load_spikes(out_dir, summary)
    rates = {p['name']: p['rate_Hz'] for p in summary['populations']}
    rng = np.random.default_rng(seed)
    result = {'seed': seed, 'wall_s': wall, 'run_s': summary['run_s'], 'rates_Hz': rates, 'projections': {}}
    groups = {'in_A': ['in_A'], 'in_B': ['in_B'], 'rec_A': ['A_A', 'B_A'], 'rec_B': ['A_B', 'B_B']}
    per_proj = {}
    for proj in PLASTIC:
        g = np.load(os.path.join(out_dir, f'g_{proj}.npy'))
        t_samples, G = g[:, 0], g[:, 1:]
        keep = np.arange(0, len(t_samples), args.window_samples)
        t_edges, Gw = t_samples[keep], G[keep]
        syn = np.load(os.path.join(out_dir, f'{proj}.conductance.npy'))
        pre_pop, post_pop = proj.split('_')
        pre_pop = 'input' if pre_pop == 'in' else pre_pop
        feats = pair_features(syn, spikes, pre_pop, post_pop, t_edges, edges)
        dg = np.diff(Gw, axis=0).T  # (synapses, windows)
        g_start = Gw[:-1].T
        mask = (g_start >= args.g_range[0]) & (g_start <= args.g_range[1])
        per_proj[proj] = (dg, feats, syn['post'].astype(np.int64), mask)
        np.save(os.path.join(args.out, f'weights_{proj}_seed{seed}.npy'), np.column_stack([t_samples, G]))
        result['projections'][proj] = {'synapses': int(G.shape[1]), 'g_start': G[0].tolist(), 'g_end': G[-1].tolist(),
                                       'g_mean_t': G.mean(1).tolist(), 't_ms': t_samples.tolist(),
                                       'rows_used': float(mask.mean())}
    # excitatory drive per target: arrivals x gain x mean G of the projection over the run
    gains = read_gains(args.network)
    drive = {'A': {}, 'B': {}}
    for proj in PLASTIC:
        syn_n = result['projections'][proj]['synapses']
        pre_pop = 'input' if proj.startswith('in_') else proj.split('_')[0]
        syn = np.load(os.path.join(out_dir, f'{proj}.conductance.npy'))
        n_spk = np.bincount(spikes[pre_pop][1], minlength=int(syn['pre'].max()) + 1)
        g_mean = np.mean(result['projections'][proj]['g_mean_t'])
        drive[TARGET[proj]][proj] = float(n_spk[syn['pre']].sum() * gains[proj] * g_mean)
        assert syn_n == len(syn)
    result['recurrent_share'] = {t: sum(v for k, v in d.items() if not k.startswith('in_')) / sum(d.values())
                                 for t, d in drive.items()}
    curves = {}
    nb, ni = len(edges) - 1, len(ISI_EDGES) - 1
    for name, members in groups.items():
        parts = [per_proj[m] for m in members]
        dg = np.concatenate([q[0] for q in parts])
        feats = [np.concatenate([q[1][f] for q in parts]) for f in range(5)]
        posts = np.concatenate([q[2] for q in parts])
        mask = np.concatenate([q[3] for q in parts])
        pairs, pre_pre, post_post, n_pre, n_post = feats
        blocks = [pairs, pre_pre, post_post, n_pre, n_post, np.ones_like(n_pre)]
        beta, sd, r2, counts = regress(dg, blocks, posts, mask, args.bootstrap, rng)
        curves[name] = {'beta': beta[:nb], 'sd': sd[:nb], 'pre_pre': beta[nb:nb + ni], 'post_post': beta[nb + ni:nb + 2 * ni],
                        'lone_pre': beta[nb + 2 * ni], 'lone_post': beta[nb + 2 * ni + 1], 'const': beta[-1],
                        'r2': r2, 'pairs': counts[:nb], 'target': TARGET[members[0]],
                        'g_used': float(np.mean(np.concatenate([per_proj[m][3] for m in members]))),
                        'g_mean_used': float(np.concatenate([np.load(os.path.join(args.out, f'weights_{m}_seed{seed}.npy'))[
                            ::args.window_samples, 1:][:-1].T[per_proj[m][3]] for m in members]).mean())}
    result['curves'] = curves
    return result


def value_at(curve, edges, dt):
    b = np.searchsorted(edges, dt, 'right') - 1
    return curve['beta'][b], curve['sd'][b]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ionspike', default=os.path.join(ROOT, 'build', 'ionspike'))
    ap.add_argument('--network', default=NETWORK)
    ap.add_argument('--seeds', type=int, default=1)
    ap.add_argument('--first-seed', type=int, default=1)
    ap.add_argument('--t-stop-ms', type=float, default=20000)
    ap.add_argument('--window-samples', type=int, default=1, help='window = this many recorder intervals')
    ap.add_argument('--bootstrap', type=int, default=100)
    ap.add_argument('--margin-nS', type=float, default=5.0, help='--check: |dG per pair| at +-10 ms above this')
    ap.add_argument('--dip-margin-nS', type=float, default=3.0, help='--check: depth of the central dip onto B')
    ap.add_argument('--out', default=os.path.join(ROOT, 'out', 'heterogeneous_plasticity'))
    ap.add_argument('--g-range', type=float, nargs=2, default=[0.0, 2000.0],
                    help='use only windows that start with G in this range (nS)')
    ap.add_argument('--check', action='store_true')
    ap.add_argument('--reuse', action='store_true', help='analyse existing runs in --out/seed<N> instead of running')
    ap.add_argument('--no-plots', action='store_true')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    edges = dt_bins()
    centres = 0.5 * (edges[:-1] + edges[1:])
    ref = reference_curves(args.ionspike, args.out)
    ref_binned = {t: bin_average(ref[t], edges) for t in ref}
    results = [analyse_seed(args, s, ref, edges) for s in range(args.first_seed, args.first_seed + args.seeds)]

    # curves: mean over seeds (sd: bootstrap sd of one seed if one seed, else seed-to-seed sd)
    names = list(results[0]['curves'])
    rows = []
    mean = {}
    for name in names:
        betas = np.array([r['curves'][name]['beta'] for r in results])
        sds = np.array([r['curves'][name]['sd'] for r in results])
        m = betas.mean(0)
        sd = betas.std(0, ddof=1) if len(results) > 1 else sds[0]
        target = results[0]['curves'][name]['target']
        g_used = round(float(np.mean([r['curves'][name]['g_mean_used'] for r in results])), -1)
        ref_g = reference_curve(args.ionspike, args.out, target, g_used)
        mean[name] = {'beta': m, 'sd': sd, 'target': target, 'g_used': g_used, 'ref_g': ref_g,
                      'ref_g_binned': bin_average(ref_g, edges)}
        for b in range(len(centres)):
            rows.append((name, edges[b], edges[b + 1], m[b], sd[b], ref_binned[target][b],
                         mean[name]['ref_g_binned'][b], sum(r['curves'][name]['pairs'][b] for r in results)))
    dtype = [('curve', 'U8'), ('dt_lo_ms', 'f8'), ('dt_hi_ms', 'f8'), ('dG_per_pair_nS', 'f8'), ('sd_nS', 'f8'),
             ('reference_nS', 'f8'), ('reference_at_G_nS', 'f8'), ('pairs', 'f8')]
    table = np.array(rows, dtype=dtype)
    np.save(os.path.join(args.out, 'stdp_in_situ.npy'), table)
    with open(os.path.join(args.out, 'stdp_in_situ.csv'), 'w') as f:
        f.write('curve,dt_lo_ms,dt_hi_ms,dG_per_pair_nS,sd_nS,reference_nS,reference_at_G_nS,pairs\n')
        for r in rows:
            f.write('{},{:g},{:g},{:.6g},{:.6g},{:.6g},{:.6g},{:.0f}\n'.format(*r))
    with open(os.path.join(args.out, 'rates.csv'), 'w') as f:
        pops = list(results[0]['rates_Hz'])
        f.write('seed,' + ','.join(pops) + ',wall_s\n')
        for r in results:
            f.write(f"{r['seed']}," + ','.join(f"{r['rates_Hz'][p]:.3f}" for p in pops) + f",{r['wall_s']:.2f}\n")

    # report
    print(f"Heterogeneous EIS plasticity, {args.t_stop_ms / 1e3:g} s, seeds {[r['seed'] for r in results]}")
    for r in results:
        print(f"  seed {r['seed']}: wall {r['wall_s']:.1f} s; rates (Hz) " +
              ', '.join(f"{p} {v:.2f}" for p, v in r['rates_Hz'].items()) +
              "; recurrent share of excitatory drive " +
              ', '.join(f"{p} {v:.2f}" for p, v in r['recurrent_share'].items()))
    print(f"  {'curve':8} {'rule':28} {'dG(-10)':>16} {'dG(0)':>16} {'dG(+10)':>16}  {'ref -10/0/+10 at 1000 nS':>24}  {'at mean G':>22}  R2")
    checks = []
    for name in names:
        c = mean[name]
        t = c['target']
        vals = [value_at(c, edges, dt) for dt in (-10.0, 0.0, 10.0)]
        refs = [ref_binned[t][np.searchsorted(edges, dt, 'right') - 1] for dt in (-10.0, 0.0, 10.0)]
        refg = [c['ref_g_binned'][np.searchsorted(edges, dt, 'right') - 1] for dt in (-10.0, 0.0, 10.0)]
        r2 = np.mean([r['curves'][name]['r2'] for r in results])
        print(f"  {name:8} {RULE[t]:28} " + ' '.join(f"{v:+7.2f} +- {s:5.2f}" for v, s in vals) +
              f"  {refs[0]:+6.1f}/{refs[1]:+6.1f}/{refs[2]:+6.1f}         " +
              f"{refg[0]:+6.1f}/{refg[1]:+6.1f}/{refg[2]:+6.1f} ({c['g_used']:.0f})  {r2:.2f}")
        if len(results) > 1:
            print('           per seed (-10/0/+10): ' + '; '.join(
                f"{r['seed']}: " + '/'.join(f"{value_at(r['curves'][name], edges, dt)[0]:+.1f}" for dt in (-10.0, 0.0, 10.0))
                for r in results))
        cr = results[0]['curves'][name]
        print(f"           pre/pre by interval {np.round(cr['pre_pre'], 2)}, post/post {np.round(cr['post_post'], 2)}, "
              f"lone pre {cr['lone_pre']:+.2f} post {cr['lone_post']:+.2f} const {cr['const']:+.2f}; "
              f"rows used {cr['g_used']:.2f}, mean G there {cr['g_mean_used']:.0f} nS")
        m10, p10, z0 = vals[0][0], vals[2][0], vals[1][0]
        mg = args.margin_nS
        if t == 'A':
            checks.append((f'{name}: dG(+10) > {mg}', p10 > mg))
            checks.append((f'{name}: dG(-10) < -{mg}', m10 < -mg))
        else:
            checks.append((f'{name}: dG(+10) > {mg}', p10 > mg))
            checks.append((f'{name}: dG(-10) > {mg}', m10 > mg))
            dm = args.dip_margin_nS
            checks.append((f'{name}: dG(0) < min(dG(-10), dG(+10)) - {dm} (central dip)', z0 < min(m10, p10) - dm))
    for pop in ('A', 'B'):
        rate = min(r['rates_Hz'][pop] for r in results)
        checks.append((f'rate of {pop} >= 1 Hz (min over seeds {rate:.2f})', rate >= 1.0))
        share = min(r['recurrent_share'][pop] for r in results)
        checks.append((f'recurrent share of the excitatory drive of {pop} >= 0.15 (min over seeds {share:.2f})',
                       share >= 0.15))
    for proj in PLASTIC:
        g0 = np.concatenate([r['projections'][proj]['g_start'] for r in results])
        g1 = np.concatenate([r['projections'][proj]['g_end'] for r in results])
        print(f"  {proj:5} G start {g0.mean():7.1f} +- {g0.std():6.1f} nS -> end {g1.mean():7.1f} +- {g1.std():6.1f} nS")
    summary = {'t_stop_ms': args.t_stop_ms, 'seeds': [r['seed'] for r in results],
               'rates_Hz': [r['rates_Hz'] for r in results], 'wall_s': [r['wall_s'] for r in results],
               'curves': {n: {'dt_edges_ms': edges.tolist(), 'dG_per_pair_nS': mean[n]['beta'].tolist(),
                              'sd_nS': mean[n]['sd'].tolist(), 'target': mean[n]['target']} for n in names},
               'checks': {k: bool(v) for k, v in checks}}
    with open(os.path.join(args.out, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    if not args.no_plots:
        plot(args, results, mean, ref, edges, centres)
    failed = [k for k, v in checks if not v]
    for k, v in checks:
        print(f"  check {'ok  ' if v else 'FAIL'} {k}")
    if args.check and failed:
        return 1
    return 0


def plot(args, results, mean, ref, edges, centres):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    inner = (edges[:-1] >= -102.5) & (edges[1:] <= 102.5)
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    titles = {'in_A': 'input -> A (feed-forward)', 'in_B': 'input -> B (feed-forward)',
              'rec_A': 'A->A + B->A (recurrent, onto A)', 'rec_B': 'A->B + B->B (recurrent, onto B)'}
    for ax, name in zip(axes.T.flat, ['in_A', 'rec_A', 'in_B', 'rec_B']):
        c = mean[name]
        t = c['target']
        dt, dg = ref[t]
        sel = np.abs(dt) <= 100
        ax.plot(dt[sel], dg[sel], 'k-', lw=1, label='single device, G0 = 1000 nS (stdp-curve)')
        dtg, dgg = c['ref_g']
        ax.plot(dtg[sel], dgg[sel], 'k--', lw=0.8, label=f"single device, G0 = mean G in the run ({c['g_used']:.0f} nS)")
        ax.errorbar(centres[inner], c['beta'][inner], yerr=c['sd'][inner], fmt='o', ms=3,
                    color='tab:blue' if t == 'A' else 'tab:red', label='measured in the network')
        ax.axhline(0, color='0.7', lw=0.5)
        ax.axvline(0, color='0.7', lw=0.5)
        ax.set_title(f"{titles[name]}: {RULE[t]}", fontsize=10)
        ax.set_ylabel('dG per pair (nS)')
    for ax in axes[1]:
        ax.set_xlabel('dt = t_post - t_pre arrival (ms)')
    for ax in axes.flat:
        ax.legend(fontsize=7)
    fig.suptitle(f"In-situ STDP of the EIS projections ({args.t_stop_ms / 1e3:g} s, {len(results)} seed(s))")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, 'stdp_curves.png'), dpi=120)
    plt.close(fig)

    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5))
    for ax, proj in zip(axes.flat, PLASTIC):
        g0 = np.concatenate([r['projections'][proj]['g_start'] for r in results])
        g1 = np.concatenate([r['projections'][proj]['g_end'] for r in results])
        bins = np.linspace(0, 2000, 51)
        ax.hist(g0, bins, color='0.6', alpha=0.7, label='start')
        ax.hist(g1, bins, color='tab:blue' if TARGET[proj] == 'A' else 'tab:red', alpha=0.7, label='end')
        ax.set_title(f"{proj} ({RULE[TARGET[proj]]})", fontsize=9)
        ax.set_xlabel('G (nS)')
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"Conductances before and after {args.t_stop_ms / 1e3:g} s")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, 'weight_histograms.png'), dpi=120)
    plt.close(fig)

    out_dir = os.path.join(args.out, f"seed{results[0]['seed']}")
    with open(os.path.join(out_dir, 'summary.json')) as f:
        summary = json.load(f)
    spikes = load_spikes(out_dir, summary)
    fig, ax = plt.subplots(figsize=(11, 5))
    offset = 0
    t_show = min(2000.0, args.t_stop_ms)
    colours = {'input': '0.5', 'A': 'tab:blue', 'B': 'tab:red', 'I': 'tab:green'}
    for pop in ['input', 'A', 'B', 'I']:
        t, n = spikes[pop]
        sel = t >= args.t_stop_ms - t_show
        size = next(p['size'] for p in summary['populations'] if p['name'] == pop)
        ax.scatter(t[sel], n[sel] + offset, s=1, color=colours[pop], label=f"{pop} ({results[0]['rates_Hz'][pop]:.1f} Hz)")
        offset += size
    ax.set_xlabel('t (ms)')
    ax.set_ylabel('neuron')
    ax.legend(loc='upper right', fontsize=8, markerscale=5)
    ax.set_title(f"Raster, last {t_show / 1e3:g} s (seed {results[0]['seed']})")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, 'raster.png'), dpi=120)
    plt.close(fig)


if __name__ == '__main__':
    sys.exit(main())
