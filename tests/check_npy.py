#!/usr/bin/python3
"""Check that an .npy file loads with numpy and matches a small JSON description.

Usage: check_npy.py FILE.npy EXPECTED_JSON

EXPECTED_JSON is a path to a JSON file or, if it starts with '{', inline JSON:
  {
    "dtype":  "<f8"                                   plain dtype (numpy dtype.str), or
              [["time_ms", "<f8"], ["population", "<u4"], ["neuron", "<u4"]]
                                                      structured: field names and dtypes in order
    "shape":  [3, 4],
    "values": nested lists in C order; for a structured dtype a list of records, each a list of
              field values in field order (or a dict {field: value}), or a dict {field: column}
    optional:
    "fortran_order": false       (default false)
    "rtol": 0, "atol": 0         tolerances for floating-point fields (default: exact)
    "aligned": true              require the data to start at a multiple of 64 bytes (default true)
  }
Exits 0 if everything matches, otherwise prints every mismatch to stderr and exits 1
(2 for usage errors or an unreadable file/description).
"""

import json
import sys

import numpy as np


def fail_usage(msg):
    print(f"check_npy: {msg}", file=sys.stderr)
    sys.exit(2)


def load_expected(arg):
    try:
        if arg.lstrip().startswith("{"):
            return json.loads(arg)
        with open(arg, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail_usage(f"cannot read expected description {arg!r}: {e}")


def header_info(path):
    """(version, fortran_order, data offset) read with numpy's own format module."""
    from numpy.lib import format as npformat

    with open(path, "rb") as f:
        version = npformat.read_magic(f)
        if version == (1, 0):
            _, fortran_order, _ = npformat.read_array_header_1_0(f)
        else:
            _, fortran_order, _ = npformat.read_array_header_2_0(f)
        return version, fortran_order, f.tell()


def compare_values(name, got, want, rtol, atol, errors):
    """Compare one (sub)array `got` with nested-list `want`; append messages to errors."""
    if got.size == 0 and want == []:
        return
    if got.dtype.kind not in "fc":
        # Integers and booleans: compare as exact Python values (no silent wrap-around of
        # out-of-range expectations through a numpy cast).
        mismatches = []
        walk_exact(name, got.tolist(), want, mismatches)
        errors.extend(mismatches[:10])
        if len(mismatches) > 10:
            errors.append(f"{name}: ... {len(mismatches) - 10} more mismatches")
        return
    try:
        want_arr = np.array(want, dtype=got.dtype)
    except (ValueError, OverflowError, TypeError) as e:
        errors.append(f"{name}: expected values do not fit dtype {got.dtype.str}: {e}")
        return
    if want_arr.shape != got.shape:
        errors.append(f"{name}: expected values have shape {list(want_arr.shape)}, "
                      f"array has {list(got.shape)}")
        return
    ok = np.isclose(got, want_arr, rtol=rtol, atol=atol, equal_nan=True)
    if not np.all(ok):
        bad = np.argwhere(~ok)
        for idx in bad[:10]:
            idx = tuple(int(i) for i in idx)
            errors.append(f"{name}{list(idx)}: got {got[idx]!r}, expected {want_arr[idx]!r}")
        if len(bad) > 10:
            errors.append(f"{name}: ... {len(bad) - 10} more mismatching elements")


def walk_exact(name, got, want, out):
    if isinstance(got, list):
        if not isinstance(want, list) or len(want) != len(got):
            out.append(f"{name}: got {len(got)} elements, expected {want!r:.60}")
            return
        for i, (g, w) in enumerate(zip(got, want)):
            walk_exact(f"{name}[{i}]", g, w, out)
    elif isinstance(want, list) or isinstance(want, bool) != isinstance(got, bool) or got != want:
        out.append(f"{name}: got {got!r}, expected {want!r}")


def structured_columns(values, names, n_records, errors):
    """Turn the JSON 'values' of a structured array into {field: column list}."""
    if isinstance(values, dict):
        missing = [n for n in names if n not in values]
        extra = [k for k in values if k not in names]
        if missing or extra:
            errors.append(f"values: columns {sorted(values)} do not match fields {names}")
            return None
        return values
    if not isinstance(values, list):
        errors.append("values: expected a list of records or a dict of columns")
        return None
    if len(values) != n_records:
        errors.append(f"values: {len(values)} expected records, array has {n_records}")
        return None
    columns = {n: [] for n in names}
    for i, rec in enumerate(values):
        if isinstance(rec, dict):
            if sorted(rec) != sorted(names):
                errors.append(f"values[{i}]: keys {sorted(rec)} do not match fields {names}")
                return None
            for n in names:
                columns[n].append(rec[n])
        elif isinstance(rec, list) and len(rec) == len(names):
            for n, v in zip(names, rec):
                columns[n].append(v)
        else:
            errors.append(f"values[{i}]: expected {len(names)} field values, got {rec!r}")
            return None
    return columns


def main(argv):
    if len(argv) != 3:
        fail_usage("usage: check_npy.py FILE.npy EXPECTED_JSON")
    path, expected = argv[1], load_expected(argv[2])
    if not isinstance(expected, dict) or "dtype" not in expected or "shape" not in expected:
        fail_usage("expected description must be an object with at least 'dtype' and 'shape'")

    try:
        arr = np.load(path, allow_pickle=False)
        version, fortran_order, offset = header_info(path)
    except Exception as e:  # noqa: BLE001 - any load failure is a test failure
        print(f"check_npy: {path}: numpy cannot load the file: {type(e).__name__}: {e}",
              file=sys.stderr)
        return 1

    errors = []
    rtol = float(expected.get("rtol", 0.0))
    atol = float(expected.get("atol", 0.0))

    # Layout.
    if expected.get("aligned", True) and offset % 64 != 0:
        errors.append(f"data offset {offset} (format {version[0]}.{version[1]}) "
                      f"is not a multiple of 64")
    if bool(expected.get("fortran_order", False)) != bool(fortran_order):
        errors.append(f"fortran_order: got {fortran_order}, expected "
                      f"{expected.get('fortran_order', False)}")

    # dtype.
    want_dtype = expected["dtype"]
    structured = isinstance(want_dtype, list)
    if structured:
        want_fields = [(str(n), str(t)) for n, t in want_dtype]
        if arr.dtype.names is None:
            errors.append(f"dtype: got plain {arr.dtype.str!r}, expected structured {want_fields}")
        else:
            got_fields = [(n, arr.dtype.fields[n][0].str) for n in arr.dtype.names]
            if got_fields != want_fields:
                errors.append(f"dtype: got fields {got_fields}, expected {want_fields}")
            want_itemsize = sum(np.dtype(t).itemsize for _, t in want_fields)
            if arr.dtype.itemsize != want_itemsize:
                errors.append(f"dtype: itemsize {arr.dtype.itemsize}, expected packed "
                              f"{want_itemsize}")
    else:
        if arr.dtype.names is not None:
            errors.append(f"dtype: got structured {arr.dtype.descr}, expected {want_dtype!r}")
        elif arr.dtype.str != np.dtype(want_dtype).str:
            errors.append(f"dtype: got {arr.dtype.str!r}, expected {np.dtype(want_dtype).str!r}")

    # shape.
    want_shape = tuple(int(d) for d in expected["shape"])
    if arr.shape != want_shape:
        errors.append(f"shape: got {list(arr.shape)}, expected {list(want_shape)}")

    # values (only meaningful once dtype and shape agree).
    if "values" in expected and not errors:
        values = expected["values"]
        if structured:
            names = list(arr.dtype.names)
            columns = structured_columns(values, names, arr.shape[0] if arr.ndim else 1, errors)
            if columns is not None:
                for n in names:
                    compare_values(f"values.{n}", arr[n], columns[n], rtol, atol, errors)
        else:
            compare_values("values", arr, values, rtol, atol, errors)

    if errors:
        print(f"check_npy: {path}: {len(errors)} mismatch(es)", file=sys.stderr)
        for e in errors:
            print(f"  {e}", file=sys.stderr)
        return 1
    print(f"check_npy: {path}: OK (dtype {arr.dtype.descr if structured else arr.dtype.str}, "
          f"shape {list(arr.shape)}, data offset {offset})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
