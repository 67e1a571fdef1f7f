"""Log-line parsing throughput: typed_ngrok.log.NgrokLog vs pyngrok.log.NgrokLog on real ngrok 2.3.41 lines.

The corpus (``bench/corpus/agent-2.3.41.log``) was captured from the real agent running against the local edge with
``--log-level debug`` (``python -m bench.log_bench --capture`` re-captures it), plus the fatal lines of
docs/agent-api.md §8 that only a failing agent prints. Target: at least 5x pyngrok's lines per second.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus" / "agent-2.3.41.log"
TARGET_SPEEDUP = 5.0

# Lines only a failing agent prints (docs/agent-api.md §8): appended to the capture so the corpus covers them.
_FATAL_LINES = [
    't=2026-11-22T11:37:50+0000 lvl=eror msg="failed to auth" obj=tunnels.session err="The authtoken you specified '
    'does not look like a proper ngrok tunnel authtoken.\\nYour authtoken: ********\\n\\r\\n\\r\\nERR_NGROK_105\\r\\n"',
    't=2026-11-22T11:37:50+0000 lvl=crit msg="command failed" err="listen tcp 127.0.0.1:49185: bind: address already '
    'in use"',
    "ERROR:  Error reading configuration file '/home/u/missing.yml': open /home/u/missing.yml: no such file or directory",
    "ERROR:  You may not specify both 'region' and 'server_addr'",
]


def load_corpus() -> list[str]:
    return [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _lines_per_second(factory: Any, lines: list[str], min_seconds: float = 1.0) -> float:
    for line in lines[:200]:  # warm up
        factory(line)
    count, started = 0, time.perf_counter()
    while True:
        for line in lines:
            factory(line)
        count += len(lines)
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds:
            return count / elapsed


def run() -> dict[str, Any]:
    """Measure both parsers on the corpus; returns lines/s for each and the speedup."""
    from typed_ngrok.log import NgrokLog

    lines = load_corpus()
    result: dict[str, Any] = {"corpus_lines": len(lines), "target_speedup": TARGET_SPEEDUP}
    ours = max(_lines_per_second(NgrokLog, lines) for _ in range(3))
    result["typed_ngrok_lines_per_s"] = round(ours)
    try:
        from pyngrok.log import NgrokLog as PyngrokLog
    except ImportError:
        result["pyngrok"] = "not installed"
        return result
    theirs = max(_lines_per_second(PyngrokLog, lines) for _ in range(3))
    result["pyngrok_lines_per_s"] = round(theirs)
    result["speedup"] = round(ours / theirs, 2)
    result["meets_target"] = ours / theirs >= TARGET_SPEEDUP
    return result


# ---- corpus capture (needs the agent binary and the local edge; loopback only) -----------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _call(api: str, method: str, path: str, body: dict[str, Any] | None = None) -> int:
    host, port = api.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(
            method, path, body=data, headers={"Content-Type": "application/json", "Accept": "application/json"}
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def capture(out: Path = CORPUS) -> int:
    """Run the real agent against the local edge, exercise its API and tunnels, and save its raw output."""
    import yaml

    from typed_ngrok._install.npm_agent import fetch_npm_agent
    from typed_ngrok.edge import LocalEdge

    agent = fetch_npm_agent(HERE.parent / ".cache")
    lines: list[str] = []
    with LocalEdge() as edge, tempfile.TemporaryDirectory() as tmp:
        web = f"127.0.0.1:{_free_port()}"
        config = Path(tmp) / "ngrok.yml"
        config.write_text(yaml.safe_dump({**edge.agent_config("2", with_authtoken=True), "web_addr": web}))
        os.chmod(config, 0o600)
        argv = [str(agent), "start", "--none", "--log", "stdout", "--log-format", "logfmt", "--log-level", "debug"]
        proc = subprocess.Popen([*argv, "--config", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        ready = threading.Event()

        def read() -> None:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                lines.append(line)
                if "client session established" in line:
                    ready.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            if not ready.wait(60):
                raise RuntimeError("the agent did not connect to the local edge")
            for round_ in range(20):
                name = f"web{round_}"
                _call(web, "POST", "/api/tunnels", {"name": name, "proto": "http", "addr": str(_free_port())})
                _call(web, "POST", "/api/tunnels", {"name": f"ssh{round_}", "proto": "tcp", "addr": "22"})
                _call(web, "GET", "/api/tunnels")
                _call(web, "GET", "/api/tunnels/nosuch")
                _call(web, "GET", "/api/requests/http?limit=5")
                _call(web, "DELETE", f"/api/tunnels/{name}")
                _call(web, "DELETE", f"/api/tunnels/{name}%20%28http%29")
                _call(web, "DELETE", f"/api/tunnels/ssh{round_}")
            mark = edge.mark()
            edge.drop_session()  # reconnect lines
            edge.wait_for_event("session", since=mark, timeout=30)
            _call(web, "GET", "/api/tunnels")
        finally:
            proc.terminate()
            proc.wait(10)
            reader.join(10)
    # At debug level 2.3.41 logs its Auth request, authtoken included: mask it (the launcher does the same).
    clean = [line.replace(edge.authtoken, "********") for line in lines if line.strip()]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(clean + _FATAL_LINES) + "\n", encoding="utf-8")
    return len(clean)


if __name__ == "__main__":
    if "--capture" in sys.argv[1:]:
        print(f"captured {capture()} lines into {CORPUS}")
    else:
        print(json.dumps(run(), indent=2))
