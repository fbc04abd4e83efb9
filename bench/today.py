#!/usr/bin/env python3
"""The attendance officer's morning: the Today page and its actions, against the register page.

Starts `rollcall serve --demo` (a release build; the demo school has 420 pupils and a term of
marks, so its worklist holds several hundred items), signs in as the attendance officer and, in
the same run, times:

- the Today page (`/s/1/office`), whole;
- an action on one of its items as the page sends it (htmx): a call that reached nobody,
  answered with the item as it now stands, then taking it back with Undo;
- the peer: the register page of one class of 30 (`/s/1/registers/1/{date}/am`, today's or the
  last weekday's), the page a teacher opens every morning.

Each figure is the median (p50) and 95th percentile of its requests, one client at a time;
the ratios compare each with the register page measured in the same run.

    python3 bench/today.py [--requests 50] [--binary target/release/rollcall]
"""

import argparse
import datetime
import http.cookiejar
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8731
BASE = f"http://127.0.0.1:{PORT}"


class Client:
    """A signed-in browser: cookies, and the Origin a form sends."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        start = time.perf_counter()
        with self.opener.open(BASE + path) as reply:
            body = reply.read()
        return time.perf_counter() - start, body.decode()

    def post(self, path, fields, in_place=False):
        headers = {"Origin": BASE, "Content-Type": "application/x-www-form-urlencoded"}
        if in_place:
            headers["HX-Request"] = "true"
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(BASE + path, data=data, headers=headers)
        start = time.perf_counter()
        with self.opener.open(request) as reply:
            body = reply.read()
            status = reply.status
        return time.perf_counter() - start, status, body.decode()


def wait_for_server(process):
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit("the server stopped before it was ready")
        try:
            urllib.request.urlopen(BASE + "/login").read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("the server never answered")


def last_school_day():
    """Today, or the last weekday before it: the day whose register a teacher opens."""
    day = datetime.date.today()
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day.isoformat()


def percentiles(seconds):
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--binary", default=str(ROOT / "target/release/rollcall"))
    args = parser.parse_args()
    if not Path(args.binary).exists():
        subprocess.run(["cargo", "build", "--release", "-p", "rollcall-cli"], cwd=ROOT, check=True)

    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen(
            [args.binary, "serve", "--demo", "--data-dir", data, "--listen", f"127.0.0.1:{PORT}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_server(server)
            officer = Client()
            officer.get("/login")
            _, status, _ = officer.post("/login", {"username": "officer", "password": "rollcall-demo"})
            _, today = officer.get("/s/1/office")
            calls = []
            for chunk in today.split('<li class="due')[1:]:
                item = re.search(r'data-item="([^"]+)"', chunk)
                action = re.search(r'action="(/s/1/pupils/\d+/casework)"', chunk)
                if item and action and "quick no-answer" in chunk:
                    calls.append((item.group(1), action.group(1)))
            register = f"/s/1/registers/1/{last_school_day()}/am"
            if not calls:
                sys.exit("the demo school's Today page or registers were not found")
            size = len(today.encode())
            shown = today.count('class="due')

            pages, registers, actions = [], [], []
            for _ in range(3):  # warm the caches
                officer.get("/s/1/office")
                officer.get(register)
            for n in range(args.requests):
                pages.append(officer.get("/s/1/office")[0])
                registers.append(officer.get(register)[0])
                item, action = calls[n % len(calls)]
                fields = {"item": item, "back": "/s/1/office"}
                took, status, body = officer.post(action, {**fields, "kind": "no_answer"}, True)
                if status != 200 or "Undo" not in body:
                    sys.exit(f"the action on {item} was not answered in place: {status}")
                actions.append(took)
                took, status, body = officer.post(action, {**fields, "kind": "undone"}, True)
                if status != 200:
                    sys.exit(f"undo on {item} failed: {status}")
                actions.append(took)
        finally:
            server.terminate()
            server.wait()

    today_p50, today_p95 = percentiles(pages)
    action_p50, action_p95 = percentiles(actions)
    register_p50, register_p95 = percentiles(registers)
    print(f"Today page: {size:,} bytes, {shown} items shown of the worklist")
    print("| request | p50 | p95 | p50 against the register page |")
    print("|---|---|---|---|")
    print(f"| Today page | {today_p50:.1f} ms | {today_p95:.1f} ms | {today_p50 / register_p50:.2f}x |")
    print(f"| action in place (no answer, undo) | {action_p50:.1f} ms | {action_p95:.1f} ms | {action_p50 / register_p50:.2f}x |")
    print(f"| register page (peer) | {register_p50:.1f} ms | {register_p95:.1f} ms | 1.00x |")


if __name__ == "__main__":
    main()
