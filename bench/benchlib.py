"""What the file benchmarks share: running a command for its time and peak memory, DuckDB as
the peer, and the check that both sides gave the same answer."""

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL = ROOT / "bench" / "duckdb"

# The marks as DuckDB reads them: the view that bench/duckdb/*.sql query.
MARKS_CSV = ("read_csv('marks.csv', header = true, delim = ',', quote = '\"', escape = '\"', "
             "columns = {'upn': 'VARCHAR', 'date': 'DATE', 'session': 'VARCHAR', 'code': 'VARCHAR', "
             "'minutes_late': 'INTEGER'})")
MARKS_PARQUET = "read_parquet('marks.parquet')"

DUCKDB_RUNNER = """
import duckdb, sys
con = duckdb.connect()
con.execute(f"SET threads = {sys.argv[2]}")
con.execute(f"CREATE VIEW marks_file AS SELECT * FROM {sys.argv[3]}")
con.execute(open(sys.argv[1]).read())
"""

THREADS = os.cpu_count() or 2


class Failed(Exception):
    """A command that exited with an error or ran out of time."""


def run(command, cwd, stdout=subprocess.DEVNULL, timeout=None):
    """Runs a command; returns (seconds, peak RSS in bytes), or raises Failed."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=stdout)
    timer = threading.Timer(timeout, process.kill) if timeout else None
    if timer:
        timer.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if timer:
        timer.cancel()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        if timeout and seconds >= timeout:
            raise Failed(f"stopped after {timeout:.0f} s")
        raise Failed(f"exit {code}")
    # ru_maxrss is in kilobytes on Linux.
    return seconds, usage.ru_maxrss * 1024


def best(command, cwd, runs, stdout_path=None, timeout=None):
    """The fastest time and the largest peak memory over several runs."""
    results = []
    for _ in range(runs):
        if stdout_path:
            with open(stdout_path, "wb") as out:
                results.append(run(command, cwd, out, timeout))
        else:
            results.append(run(command, cwd, timeout=timeout))
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


def build_rollcall():
    """Builds the release binary and returns its path."""
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "rollcall"], cwd=ROOT, check=True)
    return ROOT / "target" / "release" / "rollcall"


def duckdb_best(sql, marks, cwd, runs, timeout=None):
    """DuckDB's best time and peak memory for bench/duckdb/<sql>, its spill files removed
    afterwards even when it was stopped (a national year's triggers spill tens of GB)."""
    try:
        return best(duckdb_command(sql, marks), cwd, runs, timeout=timeout)
    finally:
        shutil.rmtree(Path(cwd) / ".tmp", ignore_errors=True)


def duckdb_command(sql, marks):
    """DuckDB running bench/duckdb/<sql> over `marks` (MARKS_CSV or MARKS_PARQUET)."""
    return [sys.executable, "-c", DUCKDB_RUNNER, str(SQL / sql), str(THREADS), marks]


def same_answer(ours, theirs, columns=None):
    """Whether rollcall's CSV (cut to DuckDB's first `columns` columns) equals DuckDB's."""
    mine = Path(ours).read_bytes()
    if columns:
        mine = b"\n".join(b",".join(line.split(b",")[:columns]) for line in mine.splitlines()) + b"\n"
    return mine == Path(theirs).read_bytes()


# The two reports compared, with DuckDB's SQL, its output file, and how many of rollcall's
# columns it computes (rollcall adds columns after the nine DuckDB computes).
TASKS = [
    ("report attendance --by pupil", ["report", "attendance", "--by", "pupil", "--format", "csv"],
     "attendance.sql", "duckdb-attendance.csv", 9),
    ("report triggers", ["report", "triggers", "--format", "csv"],
     "triggers.sql", "duckdb-triggers.csv", None),
]


def generate(rollcall, data, pupils, seed, parquet=False):
    """Writes a synthetic year for `pupils` into `data` with `rollcall demo`, unless the same
    one is there already."""
    data.mkdir(parents=True, exist_ok=True)
    stamp = data / "generated-with"
    wanted = f"{pupils} {seed}" + (" parquet" if parquet else "")
    if stamp.exists() and stamp.read_text() == wanted:
        return
    print(f"generating {pupils:,} pupils in {data} ...", file=sys.stderr)
    command = [rollcall, "demo", "--out", data, "--pupils", str(pupils), "--seed", str(seed), "--year", "2025"]
    subprocess.run(command + (["--parquet"] if parquet else []), check=True, stdout=subprocess.DEVNULL)
    stamp.write_text(wanted)
