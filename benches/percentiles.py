#!/usr/bin/env python3
"""Median and p10 per iteration of criterion benchmarks, from the raw samples
criterion keeps (target/criterion/<group>/<bench>/new/sample.json): each sample
is a batch of iterations, its time divided by its iteration count is one value.

    python3 benches/percentiles.py [FILTER...]

prints "group / bench  median  p10  (n samples)" for every bench whose path
contains all FILTERs (e.g. `verify`), in microseconds.
"""
import json
import pathlib
import sys


def quantile(values, q):
    values = sorted(values)
    pos = q * (len(values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def main():
    root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"
    filters = sys.argv[1:]
    for sample in sorted(root.glob("**/new/sample.json")):
        bench = json.loads((sample.parent / "benchmark.json").read_text())
        name = bench["full_id"]
        if not all(f in name for f in filters):
            continue
        data = json.loads(sample.read_text())
        per_iter = [t / n / 1000.0 for t, n in zip(data["times"], data["iters"])]
        print(
            f"{name:60} {quantile(per_iter, 0.5):10.2f} µs {quantile(per_iter, 0.1):10.2f} µs"
            f"  ({len(per_iter)} samples)"
        )


if __name__ == "__main__":
    main()
