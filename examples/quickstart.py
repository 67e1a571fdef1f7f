"""typed-ngrok in one screen: a real ngrok agent, a public URL, a request through it, the captured request.

Runs offline with no account: ``edge="local"`` starts the local edge (a loopback stand-in for ngrok's tunnel
server, which also serves a stand-in for ngrok's cloud API) and points the real ngrok 2.3.41 agent at it. ``make demo``
runs this file in a runtime-only environment (the built wheel and its dependencies).

    python examples/quickstart.py [--ngrok-path PATH]
"""

from __future__ import annotations

import argparse
import http.client
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from typed_ngrok import agent, ngrok
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError


class Hello(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        reply = f"hello from {self.headers.get('Host')}, you sent {len(body)} bytes\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        pass


def post(url: str, body: bytes, ca_file: str | None) -> tuple[int, bytes]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    if parts.scheme == "https":
        import ssl

        context = ssl.create_default_context(cafile=ca_file)
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(parts.hostname, parts.port, context=context)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port)
    try:
        conn.request("POST", "/webhook", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def retry_post(url: str, ca_file: str | None, deadline: float) -> int:
    """POST until the tunnel answers 200 again (a restarted agent re-opens it within seconds), or ``deadline`` s."""
    end = time.monotonic() + deadline
    while True:
        try:
            status, _ = post(url, b'{"event": "after restart"}', ca_file)
        except (OSError, http.client.HTTPException):  # the tunnel is not back yet
            status = 0
        if status == 200 or time.monotonic() > end:
            return status
        time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ngrok-path", help="the ngrok 2.3.41 binary (default: install it into a temporary folder)")
    args = parser.parse_args()

    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = upstream.server_address[1]

    with tempfile.TemporaryDirectory(prefix="typed-ngrok-demo-") as tmp:
        config = PyngrokConfig(
            ngrok_path=args.ngrok_path or str(Path(tmp) / "ngrok"),
            config_path=str(Path(tmp) / "ngrok.yml"),
            edge="local",  # selects the pinned 2.3.41 agent and its config format
        )
        try:
            started = time.perf_counter()
            tunnel = ngrok.connect(port, pyngrok_config=config)
            target = tunnel.upstream.get("url")  # print(tunnel) gives pyngrok's 'NgrokTunnel: "…" -> "…"'
            print(f"1. tunnel up in {time.perf_counter() - started:.2f} s: {tunnel.public_url} -> {target}")
            assert tunnel.public_url is not None

            process = ngrok.get_ngrok_process(config)
            ca_file = process.edge.ca_path if process.edge is not None else None
            status, reply = post(tunnel.public_url, b'{"event": "demo"}', ca_file)
            print(f"2. POST {tunnel.public_url}/webhook -> {status} {reply.decode().strip()!r}")

            print("3. tunnels the agent holds:")
            for each in ngrok.get_tunnels(config):
                print(f"   {each.name:<48} {each.public_url}")

            captured = agent.get_requests(pyngrok_config=config)
            first = captured[0]
            request = first.parsed_request()
            print(f"4. captured by the agent: {request.method} {request.target} body={request.body!r}")

            if process.edge is not None:  # the local edge also stands in for ngrok's cloud API
                from typed_ngrok.cloud import CloudClient

                edge = process.edge
                with CloudClient(api_key=edge.cloud_api_key, base_url=edge.cloud_api_url) as cloud:
                    sessions = list(cloud.tunnel_sessions.list())
                    for session in sessions:
                        print(
                            f"5. cloud API: tunnel session {session.id} (agent {session.agent_version}, {session.os})"
                        )
                    restarted = time.perf_counter()
                    cloud.tunnel_sessions.restart(sessions[0].id)
                    now = [sessions[0].id]
                    while now == [sessions[0].id] and time.perf_counter() - restarted < 30:  # the re-exec'd agent
                        time.sleep(0.05)  # comes back as a new session
                        now = [s.id for s in cloud.tunnel_sessions.list()]
                    status = retry_post(tunnel.public_url, ca_file, deadline=30.0)
                    print(
                        f"6. cloud API: restarted {sessions[0].id}; the agent is back as {', '.join(now)} and typed-ngrok"
                        f" re-opened the tunnel: POST {tunnel.public_url}/webhook -> {status}"
                        f" ({time.perf_counter() - restarted:.2f} s after the restart)"
                    )

            ngrok.disconnect(tunnel.public_url, config)
            print(f"7. disconnected; {len(ngrok.get_tunnels(config))} tunnels left")
        except PyngrokError as exc:
            print(f"demo failed: {type(exc).__name__}: {exc}")
            return 1
        finally:
            ngrok.kill(config)
            upstream.shutdown()
    print("done: the real agent, a real tunnel, no internet and no account.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
