"""Compares the mean firing rate of an ionspike Brette et al. (2007) benchmark with Brian2's
version of the same network (bench/brian2/brette2007.py, C++ standalone): the means over a few
seeds must agree within a relative tolerance (default 10 %).

Each network is chaotic, so single runs differ by seed (Brian2 seeds 1-10 spread by 4-6 % of
the mean); the means over `--seeds` runs of each simulator are compared.

Several networks of the same model (e.g. the exact and the grid-mode file) are compared with
one set of Brian2 runs.

usage: /usr/bin/python3 check_brian2_rates.py --ionspike BIN --network FILE [FILE ...]
           --model coba|cuba|cobahh --work DIR [--seeds 3] [--tolerance 0.1]
"""
import argparse
import json
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
BRIAN_SCRIPT = HERE.parent / "bench" / "brian2" / "brette2007.py"


def ionspike_rate(binary: str, network: str, seed: int, out: pathlib.Path) -> float:
    subprocess.run([binary, "run", network, "--seed", str(seed), "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    summary = json.loads((out / "summary.json").read_text())
    return summary["mean_rate_Hz"]


def brian2_rate(model: str, seed: int, build_dir: pathlib.Path) -> float:
    done = subprocess.run([sys.executable, str(BRIAN_SCRIPT), "--model", model, "--seed", str(seed),
                           "--build-dir", str(build_dir), "--json"], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])["mean_rate_Hz"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ionspike", required=True)
    ap.add_argument("--network", required=True, nargs="+")
    ap.add_argument("--model", required=True, choices=["coba", "cuba", "cobahh"])
    ap.add_argument("--work", required=True)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--tolerance", type=float, default=0.10)
    args = ap.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    seeds = range(1, args.seeds + 1)
    theirs = [brian2_rate(args.model, s, work / "brian2_build") for s in seeds]
    mean_theirs = sum(theirs) / len(theirs)
    failures = 0
    for index, network in enumerate(args.network):
        ours = [ionspike_rate(args.ionspike, network, s, work / f"ionspike_{index}_{s}") for s in seeds]
        mean_ours = sum(ours) / len(ours)
        difference = (mean_ours - mean_theirs) / mean_theirs
        print(f"{args.model} ({pathlib.Path(network).name}): ionspike {mean_ours:.2f} Hz {['%.2f' % r for r in ours]}, "
              f"Brian2 {mean_theirs:.2f} Hz {['%.2f' % r for r in theirs]}, difference {100 * difference:+.1f} %")
        if abs(difference) > args.tolerance:
            print(f"{network}: mean rates differ by more than {100 * args.tolerance:.0f} %", file=sys.stderr)
            failures += 1
    if failures:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
