"""typed_ngrok.cloud vs ngrok-api 0.19.0 (ngrok's official client) on the same loopback fake of api.ngrok.com.

``python -m bench cloud_bench`` (part of ``make bench``). Rows:

- ``cloud_tunnel_sessions_list``: one ``tunnel_sessions.list()`` call, iterated to the end (10 sessions, one page),
  per call, against a loopback server answering a canned page, with one client object each made beforehand (ours
  keeps its connection pool; ngrok-api opens a new connection per call, as it does in real use). Target <= 0.6 of
  ngrok-api's median.
- ``import_cloud``: ``import typed_ngrok.cloud`` vs ``import ngrok`` in a fresh interpreter. Target <= 1.0.
  ``import typed_ngrok.cloud`` defers httpx and the generated models to first use, so the row
  ``import_cloud_client`` (``from typed_ngrok.cloud import CloudClient``, which loads httpx and the models) is
  reported next to it, measured the same way and without a target, for an honest picture of what a user pays
  before the first call (httpx, which in a venv with rich and click installed also imports its CLI, and the
  models).

Timings interleave ours and theirs, the order alternating every iteration; figures are medians.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGETS: dict[str, float | None] = {
    "cloud_tunnel_sessions_list": 0.6,
    "import_cloud": 1.0,
    "import_cloud_client": None,  # informational: what a user pays before the first call
}


def _row(ours: list[float], theirs: list[float], target: float | None, **extra: Any) -> dict[str, Any]:
    ratio = statistics.median(ours) / statistics.median(theirs)
    return {
        "ours_ms": round(statistics.median(ours) * 1000, 3),
        "ngrok_api_ms": round(statistics.median(theirs) * 1000, 3),
        "ratio": round(ratio, 3),
        "target": target,
        "meets_target": None if target is None else ratio <= target,
        "n": len(ours),
        **extra,
    }


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _import_seconds(statement: str) -> float:
    code = f"import time; s = time.perf_counter(); {statement}; print(time.perf_counter() - s)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip())


def bench_imports(n: int) -> dict[str, Any]:
    ours: list[float] = []
    client: list[float] = []
    theirs: list[float] = []
    for i in range(n):
        runs = [
            lambda: ours.append(_import_seconds("import typed_ngrok.cloud")),
            lambda: client.append(_import_seconds("from typed_ngrok.cloud import CloudClient")),
            lambda: theirs.append(_import_seconds("import ngrok")),
        ]
        for step in range(3):
            runs[(i + step) % 3]()
    return {
        "import_cloud": _row(ours, theirs, TARGETS["import_cloud"]),
        "import_cloud_client": _row(client, theirs, TARGETS["import_cloud_client"]),
    }


class _Page(BaseHTTPRequestHandler):
    """Answers every GET with the same page of 10 tunnel sessions (the documented example's shape), at once: the
    server's own cost is the same small constant for both clients, so the figures compare the clients."""

    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def bench_list(iterations: int) -> dict[str, Any]:
    import ngrok

    from tests.unit.cloud_bodies import TUNNEL_SESSION
    from typed_ngrok.cloud import CloudClient

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    sessions = [{**TUNNEL_SESSION, "id": f"ts_{i}", "uri": f"{base}/tunnel_sessions/ts_{i}"} for i in range(10)]
    _Page.body = json.dumps(
        {"tunnel_sessions": sessions, "uri": f"{base}/tunnel_sessions", "next_page_uri": None}
    ).encode()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        theirs_client = ngrok.Client("bench-key", base_url=base)
        with CloudClient(api_key="bench-key", base_url=base) as cloud:

            def ours_call() -> None:
                assert len(list(cloud.tunnel_sessions.list())) == 10

            def theirs_call() -> None:
                assert len(list(theirs_client.tunnel_sessions.list())) == 10

            for _ in range(5):  # warm both (connection pool, imports, caches)
                ours_call()
                theirs_call()
            ours: list[float] = []
            theirs: list[float] = []
            for i in range(iterations):
                if i % 2:
                    theirs.append(_timed(theirs_call))
                    ours.append(_timed(ours_call))
                else:
                    ours.append(_timed(ours_call))
                    theirs.append(_timed(theirs_call))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    return {"cloud_tunnel_sessions_list": _row(ours, theirs, TARGETS["cloud_tunnel_sessions_list"], sessions=10)}


def run(iterations: int = 200, import_runs: int = 15) -> dict[str, Any]:
    return {**bench_list(iterations), **bench_imports(import_runs)}


def table(results: dict[str, Any]) -> str:
    lines = ["| benchmark | ours (ms) | ngrok-api (ms) | ratio | target | ok |", "|---|---|---|---|---|---|"]
    for name in TARGETS:
        row = results.get(name)
        if not isinstance(row, dict):
            continue
        target = "-" if row["target"] is None else f"<= {row['target']}"
        ok = "-" if row["meets_target"] is None else ("yes" if row["meets_target"] else "NO")
        lines.append(f"| {name} | {row['ours_ms']} | {row['ngrok_api_ms']} | {row['ratio']} | {target} | {ok} |")
    return "\n".join(lines)


if __name__ == "__main__":
    figures = run(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
    print(json.dumps(figures, indent=2))
    print(table(figures))
