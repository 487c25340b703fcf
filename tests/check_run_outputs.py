"""Checks, with numpy, that the .npy files of an ionspike run load and agree with its CSVs.

usage: /usr/bin/python3 check_run_outputs.py OUTPUT_DIR
Spike files: structured (time_ms <f8, population <u4, neuron <u4), same rows as the CSV,
population names resolved through summary.json. State and conductance recorder files:
float64 matrices equal to the CSV values. EIS conductance files: same rows as the CSV.
"""
import csv
import json
import pathlib
import sys

import numpy as np


def main(out: pathlib.Path) -> int:
    summary = json.loads((out / "summary.json").read_text())
    names = [p["name"] for p in sorted(summary["populations"], key=lambda p: p["index"])]
    checked = 0
    for npy in sorted(out.glob("*.npy")):
        rows = list(csv.reader((out / (npy.stem + ".csv")).open()))
        header, body = rows[0], rows[1:]
        data = np.load(npy)
        if header == ["time_ms", "population", "neuron"]:
            assert data.dtype.names == ("time_ms", "population", "neuron"), data.dtype
            assert len(data) == len(body), (npy, len(data), len(body))
            for rec, row in zip(data, body):
                assert float(row[0]) == rec["time_ms"] and names[rec["population"]] == row[1] \
                    and int(row[2]) == rec["neuron"], (npy, rec, row)
        elif header[:2] == ["pre", "post"]:
            assert data.dtype.names == tuple(header), (npy, data.dtype.names, header)
            assert len(data) == len(body)
            for rec, row in zip(data, body):
                assert all(float(v) == float(rec[h]) for h, v in zip(header, row)), (npy, rec, row)
        else:
            values = np.array([[float(v) for v in row] for row in body])
            assert data.dtype == np.float64 and data.shape == values.shape, (npy, data.shape, values.shape)
            assert np.array_equal(data, values), npy
        checked += 1
    if checked == 0:
        print("no .npy files in", out)
        return 1
    print(f"{checked} .npy files agree with their CSVs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
