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
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(command, cwd, stdout=subprocess.DEVNULL):
    """Runs a command; returns (seconds, peak RSS in bytes)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=stdout)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}")
    # ru_maxrss is in kilobytes on Linux.
    return seconds, usage.ru_maxrss * 1024


def best(command, cwd, runs, stdout_path=None):
    results = []
    for _ in range(runs):
        if stdout_path:
            with open(stdout_path, "wb") as out:
                results.append(run(command, cwd, out))
        else:
            results.append(run(command, cwd))
    return min(r[0] for r in results), max(r[1] for r in results)


def ensure_duckdb():
    """DuckDB's version, its Python package installed first if missing. Looked up by its
    distribution, as `import duckdb` here would find bench/duckdb/ (the SQL) as a namespace
    package when DuckDB is not installed."""
    from importlib import metadata

    try:
        return metadata.version("duckdb")
    except metadata.PackageNotFoundError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "duckdb"], check=True)
        return metadata.version("duckdb")


DUCKDB_RUNNER = """
import duckdb, sys
con = duckdb.connect()
con.execute(f"SET threads = {sys.argv[2]}")
con.execute(open(sys.argv[1]).read())
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pupils", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=ROOT / "target" / "bench" / "la")
    args = parser.parse_args()

    duckdb_version = ensure_duckdb()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "rollcall"], cwd=ROOT, check=True)
    rollcall = ROOT / "target" / "release" / "rollcall"
    data = args.dir.resolve()
    data.mkdir(parents=True, exist_ok=True)
    stamp = data / "generated-with"
    wanted = f"{args.pupils} {args.seed}"
    if not stamp.exists() or stamp.read_text() != wanted:
        print(f"generating {args.pupils} pupils in {data} ...", file=sys.stderr)
        subprocess.run(
            [rollcall, "demo", "--out", data, "--pupils", str(args.pupils), "--seed", str(args.seed), "--year", "2025"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        stamp.write_text(wanted)
    marks = sum(1 for _ in open(data / "marks.csv", "rb")) - 1
    size = (data / "marks.csv").stat().st_size
    threads = os.cpu_count() or 2

    files = ["--pupils", "pupils.csv", "--marks", "marks.csv"]
    tasks = [
        (
            "report attendance --by pupil",
            [rollcall, "report", "attendance", "--by", "pupil", "--format", "csv", *files],
            "attendance.sql",
            "duckdb-attendance.csv",
            9,  # rollcall adds columns after the nine DuckDB computes
        ),
        (
            "report triggers",
            [rollcall, "report", "triggers", "--format", "csv", *files],
            "triggers.sql",
            "duckdb-triggers.csv",
            None,
        ),
    ]
    rows = []
    for name, command, sql, duck_out, columns in tasks:
        ours = data / f"rollcall-{duck_out.removeprefix('duckdb-')}"
        r_time, r_rss = best(command, data, args.runs, ours)
        runner = [sys.executable, "-c", DUCKDB_RUNNER, str(ROOT / "bench" / "duckdb" / sql), str(threads)]
        d_time, d_rss = best(runner, data, args.runs)
        mine = ours.read_bytes()
        if columns:
            mine = b"\n".join(b",".join(line.split(b",")[:columns]) for line in mine.splitlines()) + b"\n"
        if mine != (data / duck_out).read_bytes():
            sys.exit(f"{name}: rollcall and DuckDB disagree; compare {ours} with {data / duck_out}")
        rows.append((name, r_time, r_rss, d_time, d_rss))

    print(f"{args.pupils:,} pupils, {marks:,} marks, marks.csv {size / 1e9:.2f} GB; "
          f"{threads} threads; DuckDB {duckdb_version}; best of {args.runs} runs; outputs identical.\n")
    print("| task | rollcall | peak memory | bytes per mark | DuckDB | peak memory | rollcall speed-up |")
    print("|---|---|---|---|---|---|---|")
    for name, r_time, r_rss, d_time, d_rss in rows:
        print(f"| `{name}` | {r_time:.2f} s | {r_rss / 2**20:,.0f} MiB | {r_rss / marks:.1f} "
              f"| {d_time:.2f} s | {d_rss / 2**20:,.0f} MiB | {d_time / r_time:.1f}× |")


if __name__ == "__main__":
    main()
