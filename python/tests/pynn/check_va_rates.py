"""The Vogels-Abbott benchmarks (va_network.py) on pyNN.ionspike and pyNN.brian2, same script,
same PyNN seed: mean excitatory and inhibitory rates must agree within a tolerance (10 %).

usage: /usr/bin/python3 check_va_rates.py --work DIR [--runs CUBA:1000 COBA:4000] [--t-stop-ms T]
Each run is BENCHMARK:NEURONS; all backend x run processes start together.

Sizes: CUBA keeps its rate at 1000 neurons (ionspike, seeds 1-4 and 98765: 5.36-5.63 Hz
excitatory). COBA's self-sustained state is bistable below the full 4000 neurons: at 1000
and 2000 neurons the activity dies after the 50 ms kick in some realizations and not in
others (ionspike 2000 neurons seed 98765: 5.4 Hz, brian2 15.5 Hz; seeds 1-4 sustained), so
COBA runs at full size.
"""
import argparse
import json
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--runs", nargs="+", default=["CUBA:1000", "COBA:4000"])
    parser.add_argument("--t-stop-ms", type=float, default=1000.0)
    parser.add_argument("--seed", type=int, default=98765)
    parser.add_argument("--tolerance", type=float, default=0.10)
    args = parser.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    procs = {}
    for run in args.runs:
        benchmark, n = run.split(":")
        for simulator in ("ionspike", "brian2"):
            stem = f"{simulator}_{benchmark}_{n}"
            procs[(benchmark, n, simulator)] = (subprocess.Popen(
                [sys.executable, str(HERE / "va_network.py"), simulator, benchmark, "--n", n,
                 "--t-stop-ms", str(args.t_stop_ms), "--seed", str(args.seed), "--json", str(work / f"{stem}.json")],
                cwd=work, stdout=subprocess.DEVNULL, stderr=open(work / f"{stem}.log", "w")), work / f"{stem}.json")
    results = {}
    for key, (proc, out) in procs.items():
        if proc.wait() != 0:
            print(f"{key} failed, see {out.with_suffix('.log')}")
            return 1
        results[key] = json.loads(out.read_text())
    failures = 0
    for run in args.runs:
        benchmark, n = run.split(":")
        ion, ref = results[(benchmark, n, "ionspike")], results[(benchmark, n, "brian2")]
        print(f"{benchmark} {n} neurons: synapses ionspike {ion['synapses']}, brian2 {ref['synapses']}; "
              f"run {ion['run_s']:.1f} s vs {ref['run_s']:.1f} s (build {ion['build_s']:.1f} s vs {ref['build_s']:.1f} s)")
        for key in ("exc_rate_Hz", "inh_rate_Hz"):
            rel = abs(ion[key] - ref[key]) / ref[key] if ref[key] > 0 else float("inf")
            ok = rel <= args.tolerance
            failures += not ok
            print(f"  {key}: ionspike {ion[key]:.3f}, brian2 {ref[key]:.3f}, difference {100 * rel:.1f} % "
                  f"({'ok' if ok else 'FAIL'}, tolerance {100 * args.tolerance:.0f} %)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
