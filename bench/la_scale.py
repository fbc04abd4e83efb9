#!/usr/bin/env python3
"""Local-authority-scale benchmark: rollcall against DuckDB on the same CSV files.

Generates a year for 200,000 pupils (about 75 million marks) with `rollcall demo`, then times
`rollcall report attendance --by pupil` and `rollcall report triggers` and, in the same run, the
same computations written in SQL for DuckDB (bench/duckdb/*.sql). Each command runs in its own
process so that its wall time and peak resident memory are its own. The outputs are compared
byte for byte: a benchmark of different answers would mean nothing.

    python3 bench/la_scale.py [--pupils 200000] [--runs 3] [--dir target/bench/la]

Needs Python's duckdb package (installed with pip if missing).
"""

import argparse
import sys
from pathlib import Path

from benchlib import (
    MARKS_CSV, ROOT, TASKS, THREADS, best, build_rollcall, duckdb_best, ensure_duckdb, generate, same_answer,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pupils", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=ROOT / "target" / "bench" / "la")
    args = parser.parse_args()

    duckdb_version = ensure_duckdb()
    rollcall = build_rollcall()
    data = args.dir.resolve()
    generate(rollcall, data, args.pupils, args.seed)
    marks = sum(1 for _ in open(data / "marks.csv", "rb")) - 1
    size = (data / "marks.csv").stat().st_size
    files = ["--pupils", "pupils.csv", "--marks", "marks.csv"]
    rows = []
    for name, report, sql, duck_out, columns in TASKS:
        ours = data / f"rollcall-{duck_out.removeprefix('duckdb-')}"
        r_time, r_rss = best([rollcall, *report, *files], data, args.runs, ours)
        d_time, d_rss = duckdb_best(sql, MARKS_CSV, data, args.runs)
        if not same_answer(ours, data / duck_out, columns):
            sys.exit(f"{name}: rollcall and DuckDB disagree; compare {ours} with {data / duck_out}")
        rows.append((name, r_time, r_rss, d_time, d_rss))

    print(f"{args.pupils:,} pupils, {marks:,} marks, marks.csv {size / 1e9:.2f} GB; "
          f"{THREADS} threads; DuckDB {duckdb_version}; best of {args.runs} runs; outputs identical.\n")
    print("| task | rollcall | peak memory | bytes per mark | DuckDB | peak memory | rollcall speed-up |")
    print("|---|---|---|---|---|---|---|")
    for name, r_time, r_rss, d_time, d_rss in rows:
        print(f"| `{name}` | {r_time:.2f} s | {r_rss / 2**20:,.0f} MiB | {r_rss / marks:.1f} "
              f"| {d_time:.2f} s | {d_rss / 2**20:,.0f} MiB | {d_time / r_time:.1f}× |")


if __name__ == "__main__":
    main()
