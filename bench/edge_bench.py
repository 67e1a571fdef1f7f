"""Local edge + real agent vs direct: requests/s and p50/p99 latency, with 1 and with 16 keep-alive connections.

Every party runs in its own process (upstream, ``python -m typed_ngrok.edge``, the ngrok 2.3.41 agent, listeners of
ngrok's SDKs 1.7.0 -- Python and JavaScript --, and the client here), all on 127.0.0.1. Beside each tunnel row: the
CPU time per proxied request of the edge process and of the client process relaying it (agent or SDK), measured from
their processes during that row, and ``cpu_check``: the edge's CPU per request against the 2.3.41 agent's on the
same traffic (target: at most twice). ``make bench`` installs the SDKs first (``make sdks``); an SDK that cannot run
gets a row saying it was skipped and why. ``run()`` returns the figures; ``python -m bench.edge_bench`` prints a
table.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml

REPO = Path(__file__).resolve().parents[1]
REQUESTS_ONE = 2000
REQUESTS_PER_CONN = 400
CONCURRENCY = 16
WARMUP = 100
_BODY = b"ok" * 32
_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(_BODY), _BODY)


# -- upstream (runs in a child process) ------------------------------------------------------------------------
async def _serve_upstream() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")  # GET only: no body
                writer.write(_RESPONSE)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


# -- client ----------------------------------------------------------------------------------------------------
async def _one_connection(host: str, port: int, count: int, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    request = f"GET /bench HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    try:
        for i in range(count + WARMUP):
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            if i >= WARMUP:
                latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def _measure(port: int, connections: int, per_conn: int) -> dict[str, float]:
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(_one_connection("127.0.0.1", port, per_conn, latencies) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 3),
    }


# -- orchestration ---------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _read_config_block(proc: subprocess.Popen[str]) -> tuple[dict[str, Any], str]:
    """The agent config ``python -m typed_ngrok.edge`` prints (YAML) and the agent-link CA path from its comments."""
    assert proc.stdout is not None
    text = ""
    while "# ngrok's SDKs:" not in text:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the edge exited before printing its config")
        text += line
    result: dict[str, Any] = yaml.safe_load(text)
    return result, str(result["root_cas"])


def _cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


async def _serve_sdk() -> None:
    """An ngrok Python SDK 1.7.0 session with one http listener forwarding to the upstream (config on stdin)."""
    from tests.edge.sdk_harness import py_sdk

    config = json.loads(sys.stdin.readline())
    ngrok = py_sdk()
    with open(config["ca_path"], "rb") as fh:
        ca = bytearray(fh.read())
    builder = ngrok.SessionBuilder().authtoken(config["authtoken"]).server_addr(config["server_addr"]).ca_cert(ca)
    session = await builder.connect()
    listener = await session.http_endpoint().scheme("HTTP").listen_and_forward(config["upstream"])
    print(listener.url(), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until stdin closes
    await session.close()


def _start_js_sdk(config: dict[str, str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """An ngrok JavaScript SDK 1.7.0 session (``tests/edge/sdk_js_runner.js``) with one http listener; its URL."""
    from tests.edge.sdk_harness import JS_RUNNER, JS_SDK_DIR

    node_env = {k: v for k, v in env.items() if not k.startswith("NGROK")}
    node_env["NGROK_JS_DIR"] = str(JS_SDK_DIR)
    proc = subprocess.Popen(
        ["node", str(JS_RUNNER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=node_env
    )
    assert proc.stdin is not None and proc.stdout is not None
    listener = {"kind": "http", "forward": config["upstream"], "options": [["scheme", "HTTP"]]}
    start = {
        "authtoken": config["authtoken"],
        "serverAddr": config["server_addr"],
        "caPath": config["ca_path"],
        "listeners": [listener],
    }
    proc.stdin.write(json.dumps(start) + "\n")
    proc.stdin.flush()
    answer = json.loads(proc.stdout.readline() or "{}")
    return proc, str(answer["urls"][0]) if answer.get("ok") else f"ERROR {answer}"


def _start_py_sdk(config: dict[str, str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """An ngrok Python SDK 1.7.0 session in a child process (``--serve-sdk``) with one http listener; its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.edge_bench", "--serve-sdk"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(config) + "\n")
    proc.stdin.flush()
    return proc, proc.stdout.readline().strip() or "ERROR the SDK process exited without a URL"


def _cpu_check(results: dict[str, Any]) -> dict[str, Any]:
    """The edge's CPU per proxied request against the 2.3.41 agent's, on the same http traffic (16 connections)."""
    row = results.get("tunnel http", {}).get(f"{CONCURRENCY} conns", {})
    if "edge_cpu_us_per_req" not in row:
        return {"skipped": "no 2.3.41 agent http row"}
    edge_us, agent_us = row["edge_cpu_us_per_req"], row["relay_cpu_us_per_req"]
    ratio = round(edge_us / max(agent_us, 0.1), 2)
    return {
        "row": f"tunnel http, {CONCURRENCY} conns",
        "edge_cpu_us_per_req": edge_us,
        "agent_cpu_us_per_req": agent_us,
        "edge_to_agent": ratio,
        "target": "edge <= 2x agent",
        "within_target": ratio <= 2.0,
    }


def run() -> dict[str, Any]:
    from tests.edge.sdk_harness import js_sdk_missing, py_sdk_missing
    from typed_ngrok._install.npm_agent import npm_agent_path

    agent_bin = npm_agent_path(REPO / ".cache")
    if not agent_bin.is_file():
        raise RuntimeError(f"ngrok 2.3.41 missing at {agent_bin}: run `make agent-bin`")
    procs: list[subprocess.Popen[str]] = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    try:
        upstream = subprocess.Popen(
            [sys.executable, "-m", "bench.edge_bench", "--serve-upstream"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        procs.append(upstream)
        assert upstream.stdout is not None
        upstream_port = int(upstream.stdout.readline())
        edge = subprocess.Popen(
            [sys.executable, "-m", "typed_ngrok.edge"], stdout=subprocess.PIPE, text=True, cwd=REPO, env=env
        )
        procs.append(edge)
        edge_config, agent_ca = _read_config_block(edge)
        with tempfile.TemporaryDirectory() as tmp:
            web_port = _free_port()
            config_path = Path(tmp) / "agent.yml"
            config_path.write_text(
                yaml.safe_dump(
                    {
                        **edge_config,
                        "authtoken": "bench-token",
                        "web_addr": f"127.0.0.1:{web_port}",
                        "log": "stdout",
                        "log_format": "logfmt",
                        "log_level": "info",
                    }
                )
            )
            config_path.chmod(0o600)
            agent = subprocess.Popen(
                [str(agent_bin), "start", "--none", "--config", str(config_path)], stdout=subprocess.PIPE, text=True
            )
            procs.append(agent)
            ready = threading.Event()

            def watch() -> None:
                assert agent.stdout is not None
                for line in agent.stdout:
                    if "client session established" in line:
                        ready.set()

            threading.Thread(target=watch, daemon=True).start()
            if not ready.wait(60):
                raise RuntimeError("the agent did not establish a session with the edge")
            api = f"http://127.0.0.1:{web_port}/api/tunnels"
            tunnels: dict[str, int] = {}
            definitions: dict[str, dict[str, Any]] = {
                "http": {"proto": "http", "bind_tls": False, "inspect": False},
                "http+inspect": {"proto": "http", "bind_tls": False, "inspect": True},
                "tcp": {"proto": "tcp"},
            }
            for name, definition in definitions.items():
                reply = httpx.post(api, json={"name": name, "addr": str(upstream_port), **definition}, timeout=30)
                reply.raise_for_status()
                tunnels[name] = int(reply.json()["public_url"].rsplit(":", 1)[1])
            targets: list[tuple[str, int, int | None]] = [("direct", upstream_port, None)]
            targets += [(f"tunnel {n}", p, agent.pid) for n, p in tunnels.items()]
            results: dict[str, Any] = {}
            skipped: dict[str, Any] = {}
            sdk_config = {
                "server_addr": str(edge_config["server_addr"]),
                "ca_path": agent_ca,
                "authtoken": "bench-token",
                "upstream": f"http://127.0.0.1:{upstream_port}",
            }
            sdk_rows = (
                ("sdk-python http", py_sdk_missing, _start_py_sdk),
                ("sdk-js http", js_sdk_missing, _start_js_sdk),
            )
            for label, missing, start in sdk_rows:
                reason = missing()
                if reason is None:
                    sdk, sdk_url = start(sdk_config, env)
                    procs.append(sdk)
                    if sdk_url.startswith("http://"):
                        targets.append((label, int(sdk_url.rsplit(":", 1)[1]), sdk.pid))
                        continue
                    reason = f"the SDK listener did not start: {sdk_url}"
                skipped[label] = {"skipped": reason}  # never silently: the row says why
                print(f"   {label}: skipped ({reason})", flush=True)
            for label, port, relay_pid in targets:
                results[label] = {}
                for conns, per_conn in ((1, REQUESTS_ONE), (CONCURRENCY, REQUESTS_PER_CONN)):
                    edge_cpu = _cpu_seconds(edge.pid)
                    relay_cpu = _cpu_seconds(relay_pid) if relay_pid else 0.0
                    figures = asyncio.run(_measure(port, conns, per_conn))
                    if relay_pid:
                        sent = conns * (per_conn + WARMUP)
                        figures["edge_cpu_us_per_req"] = round((_cpu_seconds(edge.pid) - edge_cpu) / sent * 1e6, 1)
                        figures["relay_cpu_us_per_req"] = round((_cpu_seconds(relay_pid) - relay_cpu) / sent * 1e6, 1)
                        figures["edge_to_relay_cpu"] = round(
                            figures["edge_cpu_us_per_req"] / max(figures["relay_cpu_us_per_req"], 0.1), 2
                        )
                    results[label]["1 conn" if conns == 1 else f"{CONCURRENCY} conns"] = figures
            for label in list(results):
                if label != "direct" and "1 conn" in results[label]:
                    results[label]["added_p50_ms_1conn"] = round(
                        results[label]["1 conn"]["p50_ms"] - results["direct"]["1 conn"]["p50_ms"], 3
                    )
            results.update(skipped)
            results["cpu_check"] = _cpu_check(results)
            return results
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(15)
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()


def _table(results: dict[str, Any]) -> str:
    rows = [
        f"{'target':<20} {'conns':>9} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9}"
        f" {'edge CPU us/req':>16} {'relay CPU us/req':>17}"
    ]
    for label, figures in results.items():
        if label == "cpu_check":
            if "skipped" in figures:
                rows.append(f"edge vs agent CPU per request: skipped ({figures['skipped']})")
            else:
                rows.append(
                    f"edge vs agent CPU per request ({figures['row']}): {figures['edge_cpu_us_per_req']} us vs "
                    f"{figures['agent_cpu_us_per_req']} us = {figures['edge_to_agent']}x ({figures['target']}: "
                    f"{'met' if figures['within_target'] else 'NOT met'})"
                )
            continue
        if "skipped" in figures:
            rows.append(f"{label:<20} skipped: {figures['skipped']}")
            continue
        for conns, stats in figures.items():
            if isinstance(stats, dict):
                cpu = f" {stats.get('edge_cpu_us_per_req', ''):>16} {stats.get('relay_cpu_us_per_req', ''):>17}"
                rows.append(f"{label:<20} {conns:>9} {stats['rps']:>10} {stats['p50_ms']:>9} {stats['p99_ms']:>9}{cpu}")
        if "added_p50_ms_1conn" in figures:
            rows.append(f"{'':<20} added p50 latency with 1 connection: {figures['added_p50_ms_1conn']} ms")
    return "\n".join(rows)


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve-upstream"]:
        asyncio.run(_serve_upstream())
    elif sys.argv[1:] == ["--serve-sdk"]:
        asyncio.run(_serve_sdk())
    else:
        print(_table(run()))
