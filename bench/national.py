#!/usr/bin/env python3
"""A national year on one machine: rollcall against DuckDB on the same Parquet file, at growing
sizes, with a projection to England's 9 million pupils.

For each size, writes a synthetic year with `rollcall demo --parquet` (marks.parquet, about 380
marks a pupil), then times `rollcall report attendance --by pupil` and `rollcall report
triggers` and, in the same run, the same computations in SQL for DuckDB reading the same file
(bench/duckdb/*.sql). Each command runs in its own process, so its wall time and peak resident
memory are its own; outputs are compared byte for byte. A command that fails or runs past
--timeout is reported as such. Time and memory are then fitted to a line in the number of pupils
and projected to 9,000,000 pupils (3.4 billion marks).

    python3 bench/national.py [--sizes 250000,500000,1000000] [--runs 1] [--dir target/bench/national]

Needs Python's duckdb package (installed with pip if missing).
"""

import argparse
import sys
from pathlib import Path

from benchlib import (
    MARKS_PARQUET, ROOT, TASKS, THREADS, Failed, best, build_rollcall, duckdb_best, ensure_duckdb, generate,
    same_answer,
)

NATIONAL = 9_000_000


def fit(points):
    """The least-squares line through (x, y) points: (slope, intercept)."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0
    return slope, my - slope * mx


def measure(command, cwd, runs, out, timeout):
    try:
        return best(command, cwd, runs, out, timeout)
    except Failed as failure:
        return str(failure)


def cell(result):
    if isinstance(result, str):
        return result, ""
    seconds, rss = result
    return f"{seconds:.2f} s", f"{rss / 2**20:,.0f} MiB"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="250000,500000,1000000",
                        help="numbers of pupils, comma-separated")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a command is stopped")
    parser.add_argument("--dir", type=Path, default=ROOT / "target" / "bench" / "national")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    duckdb_version = ensure_duckdb()
    import duckdb

    rollcall = build_rollcall()
    results = []
    for pupils in sizes:
        data = (args.dir / str(pupils)).resolve()
        generate(rollcall, data, pupils, args.seed, parquet=True)
        parquet = data / "marks.parquet"
        marks = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchall()[0][0]
        files = ["--pupils", "pupils.csv", "--marks", "marks.parquet"]
        for name, report, sql, duck_out, columns in TASKS:
            ours = data / f"rollcall-{duck_out.removeprefix('duckdb-')}"
            mine = measure([rollcall, *report, *files], data, args.runs, ours, args.timeout)
            try:
                theirs = duckdb_best(sql, MARKS_PARQUET, data, args.runs, args.timeout)
            except Failed as failure:
                theirs = str(failure)
            if not isinstance(mine, str) and not isinstance(theirs, str) \
                    and not same_answer(ours, data / duck_out, columns):
                sys.exit(f"{name}: rollcall and DuckDB disagree; compare {ours} with {data / duck_out}")
            results.append((pupils, marks, parquet.stat().st_size, name, mine, theirs))
            print(f"{pupils:,} pupils, {name}: rollcall {cell(mine)}, DuckDB {cell(theirs)}", file=sys.stderr)

    print(f"{THREADS} threads; DuckDB {duckdb_version}; best of {args.runs} runs; where both finished, "
          f"outputs identical.\n")
    print("| pupils | marks | marks.parquet | task | rollcall | peak memory | DuckDB | peak memory | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    for pupils, marks, size, name, mine, theirs in results:
        ratio = ""
        if not isinstance(mine, str) and not isinstance(theirs, str):
            ratio = f"{theirs[0] / mine[0]:.1f}×"
        print(f"| {pupils:,} | {marks:,} | {size / 2**20:,.0f} MiB | `{name}` | {' | '.join(cell(mine))} "
              f"| {' | '.join(cell(theirs))} | {ratio} |")

    print(f"\nProjected to {NATIONAL:,} pupils (a least-squares line through the sizes above):\n")
    print("| task | rollcall time | rollcall peak memory | DuckDB time | DuckDB peak memory |")
    print("|---|---|---|---|---|")
    for name, *_ in TASKS:
        row = [f"`{name}`"]
        for side in (4, 5):
            done = [(r[0], r[side]) for r in results if r[3] == name and not isinstance(r[side], str)]
            if len(done) < 2:
                row += ["too few sizes finished", ""]
                continue
            seconds = fit([(p, m[0]) for p, m in done])
            memory = fit([(p, m[1]) for p, m in done])
            row += [f"{seconds[0] * NATIONAL + seconds[1]:.0f} s",
                    f"{(memory[0] * NATIONAL + memory[1]) / 2**30:.1f} GiB"]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
