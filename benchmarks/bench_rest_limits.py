"""REST limits under the heavy queries of issue 14: memory of the server and its query workers,
and how fast /health and the GETs answer meanwhile.

    python benchmarks/bench_rest_limits.py --db-path WAREHOUSE

Starts `benchdb serve` with its default limits (2GB, 2 query workers, 10 s, 32MB) on a free port
of 127.0.0.1 over an existing warehouse, then for each case sends the POST /query's at once and,
until they are all answered, a GET every 0.2 s in turn over /health, /performance?limit=5,
/models and /summary. Peak VmRSS of the server process, alone and with its children (the query
workers), is sampled every 20 ms from /proc. Prints one markdown table row per case with the
load average; docs/api.md holds the figures of the last run.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb.server.sandbox import process_status  # noqa: E402

CASES = (
    ("`select len(list_sort(range(60000000)))`", ["select len(list_sort(range(60000000)))"]),
    (
        "`select repeat('x',100000) from range(10000)`, two at once",
        ["select repeat('x',100000) from range(10000)"] * 2,
    ),
    (
        "`select count(*) from range(100000000000)`, fifty at once",
        ["select count(*) from range(100000000000)"] * 50,
    ),
)
GETS = ("/health", "/performance?limit=5", "/models", "/summary")


def children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(c) for c in f.read().split()]
    return found


class Peak:
    """Peak VmRSS of a process alone and with its children, sampled every 20 ms."""

    def __init__(self, pid: int):
        self.pid, self.server, self.total = pid, 0, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            server = process_status(self.pid).get("VmRSS", 0)
            workers = sum(process_status(c).get("VmRSS", 0) for c in children(self.pid))
            self.server, self.total = max(self.server, server), max(self.total, server + workers)
            time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-path", type=Path, required=True)
    db = parser.parse_args().db_path.resolve()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-c", "from benchdb.cli import main; main()", "serve", "--port",
         str(port), "--db-path", str(db), "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip

    def get(path: str) -> float:
        started = time.monotonic()
        with urllib.request.urlopen(base + path, timeout=60) as answer:
            answer.read()
        return time.monotonic() - started

    def post(sql: str) -> tuple[int, str, int, float]:
        request = urllib.request.Request(
            base + "/query",
            data=json.dumps({"sql": sql}).encode(),
            headers={"Content-Type": "application/json"},
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                status, body = answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        error = json.loads(body).get("error", "") if status != 200 else ""
        return status, error, len(body), time.monotonic() - started

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get("/health")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        post("select 42")  # the workers are up
        print("| POST /query | answers | slowest | largest body | peak RSS server | "
              "server + workers | GETs meanwhile, slowest | load average |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|")
        for name, sqls in CASES:
            answers: list[tuple[int, str, int, float]] = []
            waits: list[float] = []
            peak = Peak(server.pid)
            peak.thread.start()
            threads = [
                threading.Thread(target=lambda q=q, out=answers: out.append(post(q))) for q in sqls
            ]
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                waits.append(get(GETS[len(waits) % len(GETS)]))
                time.sleep(0.2)
            for t in threads:
                t.join()
            peak.stop.set()
            peak.thread.join()
            kinds = sorted({f"{a[0]} {a[1].split(':')[0][:60]}".strip() for a in answers})
            print(
                f"| {name} | {'; '.join(kinds)} | {max(a[3] for a in answers):.1f} s | "
                f"{max(a[2] for a in answers)} B | {peak.server / 1e6:.0f} MB | "
                f"{peak.total / 1e6:.0f} MB | {len(waits)}, {max(waits):.3f} s | "
                f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])} |"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
