"""A fake ngrok agent: prints recorded agent lines (docs/agent-api.md §8) and behaves per ``--mode``.

Run through a wrapper script (see :func:`tests.fakes.make_fake_binary`) so the launcher can use it as ``ngrok_path``.
Modes:

- ``silent``: prints nothing and never exits (until killed).
- ``hung``: prints the first startup lines, then hangs forever without a session.
- ``stubborn``: silent, and ignores SIGTERM (only SIGKILL stops it).
- ``plain-error``: prints plain ``ERROR:`` config lines on stderr and exits 1.
- ``crit``: prints ``lvl=crit msg="command failed"`` plus the raw message, exits 1.
- ``exit``: exits 3 at once, printing nothing.
- ``v3``: current v3 readiness order, serves ``/api/endpoints`` with 200 (>= 3.30).
- ``v3-old``: current v3 order, ``/api/endpoints`` is a code-less 404 and ``/api/tunnels`` 200 (< 3.30).
- ``v3-auth``: the v3 authentication failure with ERR_NGROK_107, then plain ``ERROR:`` lines, exit 1.
- ``stubborn-ready``: a v2-style start that gets ready, then ignores SIGTERM.
- ``echo-secret``: a v2-style start whose lines echo the authtoken read from the overlay config.
- ``echo-secret-quoted``: the same, echoing the authtoken in every spelling an agent may use: log15-quoted,
  ``strconv.Quote``-d, inside a json line, and percent-encoded in a URL.
- ``error-hang``: prints a plain ``ERROR:`` line and keeps running (until killed).
- ``crit-hang``: prints ``lvl=crit msg="command failed"`` and keeps running (until killed).
- ``chatty-hang``: prints a few lines (one with the authtoken) and hangs without ever getting ready.
- ``cli``: a one-shot command (``api …``, ``update``, ``--version``): prints a status line, then a JSON object with
  its argv, every ``--config`` file's mode and text (secrets in them included, as a careless CLI might) and the
  names of the ``NGROK_*`` variables in its environment, and exits 0.
- ``cli-fail``: the same JSON on one line after an ``ERROR:`` line, then exits 1.

Every other mode answers ``--version`` alone (the launcher's version check before a start) at once: the ``v3*`` modes
with ``ngrok version 3.30.0``, the rest with a line naming no version (so they start with any ``ngrok_version``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

T = "t=2026-11-22T11:37:49+0000"


def say(line: str, stream: Any = None) -> None:
    out = stream or sys.stdout
    out.write(line + "\n")
    out.flush()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_api(port: int, endpoints: bool) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body: dict[str, Any]
            if self.path == "/api/tunnels":
                body, status = {"tunnels": [], "uri": "/api/tunnels"}, 200
            elif self.path == "/api/endpoints" and endpoints:
                body, status = {"endpoints": []}, 200
            else:
                body, status = {"status_code": 404, "msg": "Not Found", "details": {"path": self.path}}, 404
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def overlay_token(argv: list[str]) -> str:
    paths = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--config"]
    for path in paths:
        if not Path(path).is_file():
            continue
        for line in Path(path).read_text().splitlines():
            if "authtoken:" in line:
                return line.split("authtoken:", 1)[1].strip().strip("'\"")
    return ""


def one_shot(argv: list[str], ok: bool) -> int:
    paths = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--config"]
    configs = [
        {"path": path, "mode": oct(Path(path).stat().st_mode & 0o777), "text": Path(path).read_text()} for path in paths
    ]
    env = sorted(name for name in os.environ if name.startswith("NGROK_"))
    report = json.dumps({"argv": argv, "configs": configs, "env": env})
    if ok:
        say("HTTP/2.0 200 OK")
        say(report)
        return 0
    say(f"ERROR:  the command failed; it saw {report}")
    return 1


def overlay_token_yaml(argv: list[str]) -> str:
    """The authtoken of the overlay config, read as YAML (it may hold quotes and backslashes)."""
    import yaml

    for path in [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--config"]:
        if Path(path).is_file():
            data = yaml.safe_load(Path(path).read_text()) or {}
            token = data.get("authtoken") or (data.get("agent") or {}).get("authtoken")
            if token:
                return str(token)
    return ""


def log15_quote(value: str) -> str:
    """How log15 (the 2.3.41 agent's logger) writes a value that needs quotes."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'


def go_quote(value: str) -> str:
    """Go's ``strconv.Quote``."""
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif char in "\a\b\f\n\r\t\v":
            out.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(char)])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def forever() -> None:
    while True:
        time.sleep(3600)


def stop_on_term() -> None:
    def handler(signum: int, frame: object) -> None:
        say(f'{T} lvl=info msg="received stop request" obj=app stopReq="{{err:<nil> restart:false}}"')
        say(f'{T} lvl=info msg="session closing" obj=tunnels.session err=nil')
        sys.exit(0)

    signal.signal(signal.SIGTERM, handler)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True)
    known, rest = parser.parse_known_args()
    mode = known.mode
    if rest == ["--version"] and mode not in ("cli", "cli-fail"):
        say("ngrok version 3.30.0" if mode.startswith("v3") else f"fake ngrok agent ({mode})")
        return 0
    if mode == "silent":
        forever()
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        forever()
    if mode == "exit":
        return 3
    if mode in ("cli", "cli-fail"):
        return one_shot(rest, mode == "cli")
    say(f'{T} lvl=info msg="open config file" path=/tmp/ngrok.yml err=nil')
    if mode == "hung":
        say(f'{T} lvl=info msg="starting web service" obj=web addr=127.0.0.1:{free_port()}')
        forever()
    if mode == "error-hang":
        say("ERROR:  The ngrok agent refuses to start: bad setting", sys.stderr)
        forever()
    if mode == "crit-hang":
        say(f'{T} lvl=crit msg="command failed" err="listen tcp 127.0.0.1:4040: bind: address already in use"')
        forever()
    if mode == "chatty-hang":
        token = overlay_token_yaml(rest)
        say(f'{T} lvl=info msg="starting web service" obj=web addr=127.0.0.1:{free_port()}')
        say(f'{T} lvl=dbug msg="auth" obj=tunnels.session token={log15_quote(token)}')
        say(f'{T} lvl=warn msg="failed to reach the server, retrying" obj=tunnels.session err="dial tcp: i/o timeout"')
        forever()
    if mode == "plain-error":
        say(
            "ERROR:  Error reading configuration file '/tmp/c.yml': YAML parsing error: yaml: unmarshal errors:",
            sys.stderr,
        )
        say("ERROR:    line 1: cannot unmarshal !!str `notanumber` into int64", sys.stderr)
        return 1
    if mode == "crit":
        say(f'{T} lvl=crit msg="command failed" err="listen tcp 127.0.0.1:4040: bind: address already in use"')
        say("listen tcp 127.0.0.1:4040: bind: address already in use")
        return 1
    if mode == "v3-auth":
        err = (
            "authentication failed: The authtoken you specified is properly formed, but it is invalid.\\r\\n\\r\\n"
            "ERR_NGROK_107\\r\\n"
        )
        say(f'{T} lvl=info msg="starting web service" obj=web addr=127.0.0.1:{free_port()} allow_hosts=[]')
        say(f'{T} lvl=eror msg="session closing" obj=tunnels.session err="{err}"')
        say(f'{T} lvl=crit msg="command failed" err="{err}"')
        say("ERROR:  authentication failed: The authtoken you specified is properly formed, but it is invalid.")
        say("ERROR:  ERR_NGROK_107")
        return 1
    stop_on_term()
    port = free_port()
    serve_api(port, endpoints=(mode == "v3"))
    if mode in ("v3", "v3-old"):
        say(f'{T} lvl=info msg="FIPS 140 mode" enabled=false')
        say(f'{T} lvl=info msg="starting web service" obj=web addr=127.0.0.1:{port} allow_hosts=[]')
        say(f'{T} lvl=info msg="client session established" obj=tunnels.session')
        say(f'{T} lvl=info msg="tunnel session started" obj=tunnels.session')
    elif mode == "stubborn-ready":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        say(f'{T} lvl=info msg="starting web service" obj=web addr=127.0.0.1:{port}')
        say(f'{T} lvl=info msg="tunnel session started" obj=tunnels.session')
        say(f'{T} lvl=info msg="client session established" obj=csess id=749b5f300352')
    elif mode == "echo-secret":
        token = overlay_token(rest)
        say(f'{T} lvl=info msg="starting web service" obj=web addr=127.0.0.1:{port}')
        say(f'{T} lvl=dbug msg="auth" obj=tunnels.session token={token} note="Your authtoken: {token}"')
        say(f'{T} lvl=info msg="tunnel session started" obj=tunnels.session')
        say(f'{T} lvl=info msg="client session established" obj=csess id=749b5f300352')
    elif mode == "echo-secret-quoted":
        from urllib.parse import quote, quote_plus

        token = overlay_token_yaml(rest)
        say(f'{T} lvl=info msg="starting web service" obj=web addr=127.0.0.1:{port}')
        say(
            f'{T} lvl=dbug msg="auth" obj=tunnels.session token={log15_quote(token)} quoted={log15_quote(go_quote(token))}'
        )
        say(json.dumps({"lvl": "dbug", "msg": "auth json", "token": token, "note": go_quote(token)}))
        say(json.dumps({"lvl": "dbug", "msg": "auth ascii json", "token": token}, ensure_ascii=True))
        say(
            f'{T} lvl=dbug msg="dial" url=https://e.example/?token={quote(token, safe="")}&t2={quote_plus(token, safe="")}'
        )
        say(f'{T} lvl=info msg="tunnel session started" obj=tunnels.session')
        say(f'{T} lvl=info msg="client session established" obj=csess id=749b5f300352')
    else:
        say(f"unknown mode {mode}", sys.stderr)
        return 2
    forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
