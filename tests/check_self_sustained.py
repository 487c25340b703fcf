"""Checks that a run's activity is self-sustained: every population of the spike file still
fires in the last fifth of the run, at a mean rate within [min_rate, max_rate] Hz, and the file
lists spikes in (time, population, neuron) order.

usage: /usr/bin/python3 check_self_sustained.py OUTPUT_DIR T_STOP_MS MIN_RATE_HZ MAX_RATE_HZ
"""
import json
import pathlib
import sys

import numpy as np


def main(out: pathlib.Path, t_stop_ms: float, min_rate: float, max_rate: float) -> int:
    summary = json.loads((out / "summary.json").read_text())
    spikes = np.load(out / "spikes.npy")
    order = np.lexsort((spikes["neuron"], spikes["population"], spikes["time_ms"]))
    assert np.array_equal(order, np.arange(len(spikes))), "spikes are not in (time, population, neuron) order"
    late = spikes[spikes["time_ms"] >= 0.8 * t_stop_ms]
    for pop in summary["populations"]:
        n = np.count_nonzero(late["population"] == pop["index"])
        rate = n / (pop["size"] * 0.2 * t_stop_ms * 1e-3)
        print(f"{pop['name']}: {rate:.2f} Hz over the last fifth (whole run {pop['rate_Hz']:.2f} Hz)")
        assert min_rate <= rate <= max_rate, f"{pop['name']}: {rate:.2f} Hz outside [{min_rate}, {max_rate}]"
    return 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])))
