#!/usr/bin/python3
"""Side-by-side benchmark: ionspike (bench_network) against Brian2 (C++ standalone).

Workloads are Brette et al. (2007) benchmarks 1-3; the Brian2 reference versions are in
bench/brian2/brette2007.py (see bench/brian2/README.md for the pinned parameter versions).

For every workload and duration: Brian2 generates and compiles its project once, then the
ionspike benchmark (one repetition per process) and the compiled Brian2 binary are run
alternately, --repeat times each (the order flips every repetition). Reported per
simulator: median simulation wall time, setup time, spikes, mean rate, delivered synaptic
events, time per synaptic event, peak RSS, bytes per synapse (ionspike only: allocator
measurement of bench_network), and on the ionspike row the ratio Brian2 / ionspike of the
simulation time and the rate difference (ionspike - Brian2) / Brian2 in %.

  /usr/bin/python3 bench/compare_brian2.py --durations 1000,10000 --repeat 3 \\
      --markdown out/compare.md --csv out/compare.csv

A workload is a name from the default mapping (coba, cuba, cobahh, coba_grid, cuba_grid,
cobahh_grid -> examples/brette2007_<name>.pbtxt under --network-dir) or NAME=PATH for any other network
file; Brian2 runs for coba, cuba and cobahh, and for their grid-mode variants NAME_grid
(input_timing: ON_GRID) with the Brian2 network NAME (compiled again for that row). Example that checks the ionspike side alone:

  /usr/bin/python3 bench/compare_brian2.py \\
      --workloads bench4=examples/brette2007_benchmark4.pbtxt --durations 1000 --repeat 1
"""

import argparse
import csv
import importlib.util
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BENCH = os.path.join(ROOT, "build", "bench", "bench_network")
DEFAULT_NETWORK_DIR = os.path.join(ROOT, "examples")
BRIAN2_SCRIPT = os.path.join(ROOT, "bench", "brian2", "brette2007.py")
BRIAN2_MODELS = ("coba", "cuba", "cobahh")
# Workloads whose Brian2 version lives in another script (same build_model/run_built API).
BRIAN2_OTHER_SCRIPTS = {
    "brunel_plastic_stdp": os.path.join(ROOT, "bench", "brian2", "brunel_plastic.py"),
}
TIME_BIN = "/usr/bin/time"
DEFAULT_NETWORKS = {
    "coba": "brette2007_coba.pbtxt",
    "cuba": "brette2007_cuba.pbtxt",
    "cobahh": "brette2007_cobahh.pbtxt",
    "coba_grid": "brette2007_coba_grid.pbtxt",
    "cobahh_grid": "brette2007_cobahh_grid.pbtxt",
    "cuba_grid": "brette2007_cuba_grid.pbtxt",
    # Plastic Brunel-style network, 10 000 neurons, p = 0.1, exc -> exc pair STDP (grid mode),
    # and the same network with EIS synapses (ionspike only: no Brian2 version).
    "brunel_plastic_stdp": "brunel_plastic_stdp.pbtxt",
    "brunel_plastic_eis": "brunel_plastic_eis.pbtxt",
}
GRID_SUFFIX = "_grid"


def brian2_model_of(workload):
    """The Brian2 network a workload is compared with ('coba_grid' -> 'coba'), or None."""
    if workload in BRIAN2_OTHER_SCRIPTS:
        return workload
    base = workload[:-len(GRID_SUFFIX)] if workload.endswith(GRID_SUFFIX) else workload
    return base if base in BRIAN2_MODELS else None

# Table columns: (key, markdown header, format for markdown).
COLUMNS = [
    ("workload", "workload", "{}"),
    ("duration_ms", "duration ms", "{:g}"),
    ("simulator", "simulator", "{}"),
    ("runs", "runs", "{}"),
    ("sim_s", "simulation s (median)", "{:.3f}"),
    ("setup_s", "setup s", "{:.3f}"),
    ("codegen_compile_s", "Brian2 codegen+compile s", "{:.2f}"),
    ("spikes", "spikes", "{}"),
    ("rate_Hz", "mean rate Hz", "{:.2f}"),
    ("synaptic_events", "synaptic events", "{}"),
    ("ns_per_event", "ns / syn. event", "{:.1f}"),
    ("peak_rss_MiB", "peak RSS MiB", "{:.1f}"),
    ("bytes_per_synapse", "bytes / synapse", "{:.2f}"),
    ("brian2_over_ionspike", "Brian2 / ionspike time", "{:.2f}"),
    ("rate_diff_pct", "rate diff %", "{:+.1f}"),
    ("note", "note", "{}"),
]

_RUN_ROW = re.compile(
    r"^\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*([\d.eE+-]+)\s*\|\s*([\d.eE+-]+)\s*\|"
    r"\s*(\d+)\s*\|\s*([\d.eE+-]+)\s*\|\s*(\d+)\s*\|\s*([\d.eE+-]+)\s*\|\s*$")
_BYTES = re.compile(r"bytes per synapse \(allocator\):\s*([\d.eE+-]+)")
_RSS = re.compile(r"peak resident memory:\s*([\d.eE+-]+)\s*MiB")
_NEURON_RATE = re.compile(r"neuron rate \(sources excluded\):\s*[\d.eE+-]+ Hz, (\d+) spikes of (\d+) neurons")
_HEADER = re.compile(r"^#\s*(.+?),\s*([\d.eE+-]+) ms simulated")


# --------------------------------------------------------------------------- arguments

def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="ionspike vs Brian2 on Brette et al. (2007) benchmarks 1-3",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--ionspike-bench", default=DEFAULT_BENCH,
                    help="bench_network binary (default: build/bench/bench_network)")
    ap.add_argument("--network-dir", default=DEFAULT_NETWORK_DIR,
                    help="directory of the default workload files (default: examples/)")
    ap.add_argument("--workloads", default="coba,cuba,cobahh,coba_grid,cuba_grid,cobahh_grid",
                    help="comma-separated NAME or NAME=PATH "
                         "(default: coba,cuba,cobahh,coba_grid,cuba_grid,cobahh_grid)")
    ap.add_argument("--durations", default="1000,10000", help="simulated ms, comma-separated")
    ap.add_argument("--repeat", type=int, default=3, help="runs per simulator (default 3)")
    ap.add_argument("--brian2-seed", type=int, default=1, help="Brian2 seed (default 1)")
    ap.add_argument("--brian2-build-root", default=None,
                    help="keep Brian2 projects under this directory (reused object files "
                         "make the compile shorter); default: temporary, removed")
    ap.add_argument("--skip-brian2", action="store_true")
    ap.add_argument("--skip-ionspike", action="store_true")
    ap.add_argument("--csv", default=None, help="write the table as CSV")
    ap.add_argument("--markdown", default=None, help="write the table as markdown")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")
    return args


def parse_workloads(spec, network_dir):
    """'coba,bench4=path' -> [(name, path)]."""
    workloads = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        if "=" in item:
            name, path = (s.strip() for s in item.split("=", 1))
        elif item in DEFAULT_NETWORKS:
            name, path = item, os.path.join(network_dir, DEFAULT_NETWORKS[item])
        else:
            raise SystemExit(f"compare_brian2: unknown workload {item!r}: use one of "
                             f"{', '.join(DEFAULT_NETWORKS)} or NAME=PATH")
        workloads.append((name, os.path.abspath(path)))
    return workloads


def parse_durations(spec):
    return [float(s) for s in spec.split(",") if s.strip()]


# --------------------------------------------------------------------------- ionspike

def parse_bench_output(text):
    """One bench_network --repeat 1 output -> dict of its measurements."""
    runs = [m.groups() for m in map(_RUN_ROW.match, text.splitlines()) if m]
    if not runs:
        raise ValueError("no run row in bench_network output:\n" + text)
    _, neurons, synapses, build_s, sim_s, spikes, rate, events, ns = runs[-1]
    bytes_m, rss_m, neuron_m = _BYTES.search(text), _RSS.search(text), _NEURON_RATE.search(text)
    if neuron_m:  # spikes and rate of the neurons (Poisson sources excluded), as Brian2 reports
        spikes, neurons = neuron_m.groups()
    return dict(
        neurons=int(neurons), synapses=int(synapses), build_s=float(build_s),
        sim_s=float(sim_s), spikes=int(spikes), rate_Hz=float(rate),
        synaptic_events=int(events), ns_per_event=float(ns),
        bytes_per_synapse=float(bytes_m.group(1)) if bytes_m else None,
        peak_rss_MiB=float(rss_m.group(1)) if rss_m else None,
    )


def run_ionspike(bench, network, duration_ms, env):
    """One bench_network process (--repeat 1) -> dict of its measurements.

    It is started through /usr/bin/time when present: on Linux a process's RUSAGE_SELF
    ru_maxrss (what bench_network prints) keeps the high-water mark of the process that
    forked it across exec, so started directly from this Python process (with Brian2 and
    its arrays loaded) it would report this process's peak. Through /usr/bin/time the
    benchmark is forked from a small process; its peak RSS is then taken from time's %M.
    """
    cmd = [bench, network, "--t-stop", f"{duration_ms:g}", "--repeat", "1"]
    rss_file = None
    if os.access(TIME_BIN, os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="ionspike_rss_", suffix=".txt")
        os.close(fd)
        cmd = [TIME_BIN, "-f", "%M", "-o", rss_file] + cmd
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
        result = parse_bench_output(proc.stdout)
        # bench_network prints the rate with two decimals; recompute it from the counts.
        result["rate_Hz"] = result["spikes"] / (result["neurons"] * duration_ms * 1e-3)
        if rss_file:
            with open(rss_file) as f:
                result["peak_rss_MiB"] = float(f.read().split()[0]) / 1024.0
    finally:
        if rss_file:
            os.remove(rss_file)
    return result


# --------------------------------------------------------------------------- Brian2

def load_brian2_module(script=BRIAN2_SCRIPT):
    """Import bench/brian2/brette2007.py or another Brian2 script with the same API (brian2 is
    imported only when needed)."""
    warnings.filterwarnings("ignore", category=FutureWarning)  # pythran on numpy 1.24
    # The scripts import their sibling standalone_util.py: their directory must be on the path.
    script_dir = os.path.dirname(script)
    if script_dir not in sys.path:
        sys.path.insert(0, script_dir)
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(script))[0], script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.b2.BrianLogger.log_level_warn()
    return mod


def brian2_build_dir(root, workload, duration_ms):
    if root is None:
        return tempfile.mkdtemp(prefix=f"brian2_{workload}_{duration_ms:g}ms_", dir="/tmp")
    path = os.path.join(root, f"{workload}_{duration_ms:g}ms")
    os.makedirs(path, exist_ok=True)
    return path


def brian2_as_run(r):
    """A brette2007.run_built() result in the harness's per-run shape."""
    setup = (r["binary_wall_s"] - r["run_s"]) if r["binary_wall_s"] and r["run_s"] else None
    return dict(
        neurons=r["neurons"], synapses=r["synapses"], build_s=setup, sim_s=r["run_s"],
        spikes=r["spikes"], rate_Hz=r["mean_rate_Hz"], synaptic_events=r["synaptic_events"],
        ns_per_event=r["ns_per_syn_event"], bytes_per_synapse=None,
        peak_rss_MiB=r["peak_rss_MiB"], codegen_compile_s=r["codegen_compile_s"],
    )


# --------------------------------------------------------------------------- summary

def median_of(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def summarize(workload, duration_ms, simulator, runs, note=""):
    """Per-run dicts of one simulator -> one table row."""
    row = {key: None for key, _, _ in COLUMNS}
    row.update(workload=workload, duration_ms=duration_ms, simulator=simulator,
               runs=len(runs), note=note)
    if not runs:
        return row
    spikes = {r["spikes"] for r in runs}
    if len(spikes) > 1:
        row["note"] = (note + "; " if note else "") + "spike count varies between runs"
    row.update(
        sim_s=median_of(runs, "sim_s"),
        setup_s=median_of(runs, "build_s"),
        codegen_compile_s=median_of(runs, "codegen_compile_s"),
        spikes=int(median_of(runs, "spikes")),
        rate_Hz=median_of(runs, "rate_Hz"),
        synaptic_events=int(median_of(runs, "synaptic_events")),
        ns_per_event=median_of(runs, "ns_per_event"),
        peak_rss_MiB=max((r["peak_rss_MiB"] for r in runs if r.get("peak_rss_MiB") is not None),
                         default=None),
        bytes_per_synapse=median_of(runs, "bytes_per_synapse"),
    )
    return row


def compare(ionspike_row, brian2_row):
    """Fill the comparison columns of the ionspike row."""
    if ionspike_row["sim_s"] and brian2_row["sim_s"]:
        ionspike_row["brian2_over_ionspike"] = brian2_row["sim_s"] / ionspike_row["sim_s"]
    if ionspike_row["rate_Hz"] is not None and brian2_row["rate_Hz"]:
        ionspike_row["rate_diff_pct"] = 100.0 * (ionspike_row["rate_Hz"] / brian2_row["rate_Hz"] - 1.0)


def format_cell(value, fmt):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return fmt.format(value)


def to_markdown(rows):
    lines = ["| " + " | ".join(h for _, h, _ in COLUMNS) + " |",
             "|" + "|".join("---" if k in ("workload", "simulator", "note") else "---:"
                            for k, _, _ in COLUMNS) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(format_cell(row[k], f) for k, _, f in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([k for k, _, _ in COLUMNS])
        for row in rows:
            w.writerow([csv_cell(row[k]) for k, _, _ in COLUMNS])


def write_text(text, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


# --------------------------------------------------------------------------- driver

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def bench_workload(args, name, network, duration_ms, brian2, env):
    """Alternate ionspike and Brian2 runs of one workload and duration -> table rows."""
    do_ionspike = not args.skip_ionspike
    ionspike_note = ""
    if do_ionspike and not os.path.exists(network):
        ionspike_note = f"network file missing: {os.path.relpath(network, ROOT)}"
        log(f"[{name} {duration_ms:g} ms] ionspike skipped: {ionspike_note}")
        do_ionspike = False
    brian2_model = brian2_model_of(name)
    do_brian2 = brian2 is not None and brian2_model is not None
    if do_brian2 and brian2_model in BRIAN2_OTHER_SCRIPTS:
        brian2 = load_brian2_module(BRIAN2_OTHER_SCRIPTS[brian2_model])

    built, build_dir, brian2_note = None, None, ""
    if do_brian2:
        build_dir = brian2_build_dir(args.brian2_build_root, name, duration_ms)
        log(f"[{name} {duration_ms:g} ms] Brian2 codegen + compile in {build_dir}")
        try:
            built = brian2.build_model(brian2_model, duration_ms, args.brian2_seed, build_dir)
            log(f"[{name} {duration_ms:g} ms] Brian2 codegen + compile {built.codegen_compile_s:.2f} s")
        except Exception as e:  # noqa: BLE001 - report and go on with the other workloads
            brian2_note = f"Brian2 build failed: {e}"
            log(f"[{name} {duration_ms:g} ms] {brian2_note}")

    ionspike_runs, brian2_runs = [], []
    try:
        for k in range(args.repeat):
            order = ("ionspike", "brian2") if k % 2 == 0 else ("brian2", "ionspike")
            for sim in order:
                if sim == "ionspike" and do_ionspike:
                    r = run_ionspike(args.ionspike_bench, network, duration_ms, env)
                    ionspike_runs.append(r)
                    log(f"[{name} {duration_ms:g} ms] ionspike run {k + 1}: {r['sim_s']:.3f} s, "
                        f"{r['spikes']} spikes, {r['rate_Hz']:.2f} Hz")
                elif sim == "brian2" and built is not None:
                    r = brian2_as_run(brian2.run_built(built))
                    brian2_runs.append(r)
                    log(f"[{name} {duration_ms:g} ms] Brian2 run {k + 1}: {r['sim_s']:.3f} s, "
                        f"{r['spikes']} spikes, {r['rate_Hz']:.2f} Hz")
    finally:
        if build_dir and args.brian2_build_root is None:
            shutil.rmtree(build_dir, ignore_errors=True)

    rows = []
    if do_ionspike or ionspike_note:
        rows.append(summarize(name, duration_ms, "ionspike", ionspike_runs, ionspike_note))
    if do_brian2:
        rows.append(summarize(name, duration_ms, "brian2", brian2_runs, brian2_note))
    if len(rows) == 2 and ionspike_runs and brian2_runs:
        compare(rows[0], rows[1])
    return rows


def main(argv=None):
    args = parse_args(argv)
    env = dict(os.environ)  # before Brian2's device.run() adds LD_BIND_NOW to os.environ
    workloads = parse_workloads(args.workloads, args.network_dir)
    durations = parse_durations(args.durations)
    if not args.skip_ionspike and not os.access(args.ionspike_bench, os.X_OK):
        raise SystemExit(f"compare_brian2: {args.ionspike_bench} not found; build it with "
                         "cmake --build build --target bench_network (or pass --skip-ionspike)")
    brian2 = None
    if not args.skip_brian2 and any(brian2_model_of(name) for name, _ in workloads):
        brian2 = load_brian2_module()

    rows = []
    for name, network in workloads:
        for duration_ms in durations:
            rows.extend(bench_workload(args, name, network, duration_ms, brian2, env))

    table = to_markdown(rows)
    header = ("Brian2 " + (brian2.b2.__version__ if brian2 else "(not run)") +
              " C++ standalone, single thread, dt 0.1 ms; ionspike "
              f"{os.path.relpath(args.ionspike_bench, ROOT)}, {args.repeat} run(s) each, "
              "alternating. setup s: ionspike network build / Brian2 binary wall time minus "
              "simulation (start-up, connect, initial values, results). ns / syn. event = "
              "simulation time / deliveries to single synapses (external Poisson inputs included). Brian2 / ionspike time and rate "
              "diff % = (ionspike - Brian2) / Brian2 are on the ionspike row. Spikes and rates "
              "are those of the neurons (spike sources excluded).\n\n")
    print(table, end="")
    if args.markdown:
        write_text(header + table, args.markdown)
    if args.csv:
        os.makedirs(os.path.dirname(os.path.abspath(args.csv)), exist_ok=True)
        write_csv(rows, args.csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
