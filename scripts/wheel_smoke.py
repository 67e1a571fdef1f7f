#!/usr/bin/env python3
"""Issue 14's "done when", from the built wheel: a bare venv, no npm on PATH, ``TYPED_NGROK_EDGE=local`` alone.

1. build the wheel (``pip wheel --no-deps``);
2. create a bare venv and install only the wheel (and its runtime dependencies, from pip's configured index);
3. serve a loopback npm registry (the packument and the pinned tarball ``make agent-bin`` keeps in ``.cache/``) and a
   loopback HTTP upstream;
4. in the venv, with PATH holding only the venv's ``bin`` (no npm), a fresh HOME, ``npm_config_registry`` naming the
   loopback registry and ``TYPED_NGROK_EDGE=local``: ``ngrok.connect(PORT)`` installs 2.3.41 at its version-specific
   default path, opens a tunnel, and a GET through its https URL reaches the upstream.

Prints the time of each step. Usage: ``scripts/wheel_smoke.py`` (``make wheel-smoke``); exits non-zero on failure.
Nothing but loopback is contacted (pip reads its configured index).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from typed_ngrok._install.npm_agent import NPM_AGENT_VERSION, PINS, npm_tarball_path, pin_for  # noqa: E402

CHILD = """
import os, ssl, sys, time
import httpx
from typed_ngrok import ngrok
started = time.monotonic()
tunnel = ngrok.connect(int(sys.argv[1]))
opened = time.monotonic() - started
ca = ngrok.get_ngrok_process().ca_path
answer = httpx.get(tunnel.public_url + "/smoke", verify=ssl.create_default_context(cafile=ca), timeout=15)
print(f"tunnel {tunnel.public_url} -> {tunnel.config['addr']}: HTTP {answer.status_code} {answer.text!r}")
print(f"agent {ngrok.get_ngrok_process().pyngrok_config.ngrok_path}")
print(f"connect (install + start + tunnel) {opened:.2f} s")
ngrok.kill()
sys.exit(0 if answer.status_code == 200 and answer.text == "GET /smoke" else 1)
"""


def step(name: str, started: float) -> float:
    now = time.monotonic()
    print(f"wheel-smoke: {name}: {now - started:.2f} s", flush=True)
    return now


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def registry_handler(tarball: bytes, package: str, integrity: str, shasum: str) -> type[BaseHTTPRequestHandler]:
    name = f"{package.lstrip('@').replace('/', '-')}-{NPM_AGENT_VERSION}.tgz"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = self.headers.get("Host", "")
            if self.path.lower() == "/" + package.replace("/", "%2f").lower():
                dist = {"tarball": f"http://{host}/t/{name}", "shasum": shasum, "integrity": integrity}
                body = json.dumps({"name": package, "versions": {NPM_AGENT_VERSION: {"dist": dist}}}).encode()
            elif self.path == f"/t/{name}":
                body = tarball
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class Upstream(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"GET {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    key, pin = pin_for()
    tarball = npm_tarball_path(ROOT / ".cache", key)
    if not tarball.is_file():
        print(f"wheel-smoke: {tarball} is missing: run `make agent-bin` first", file=sys.stderr)
        return 1
    assert PINS[key] is pin
    total = started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="typed-ngrok-wheel-smoke-") as tmp:
        work = Path(tmp)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "-w",
                str(work / "dist"),
                str(ROOT),
            ],
            check=True,
        )
        wheels = list((work / "dist").glob("typed_ngrok-*.whl"))
        if len(wheels) != 1:
            print(f"wheel-smoke: expected one wheel, got {wheels}", file=sys.stderr)
            return 1
        started = step(f"built {wheels[0].name}", started)
        venv = work / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = venv / "bin" / "python"
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheels[0])], check=True
        )
        listed = subprocess.run(
            [str(python), "-m", "pip", "list", "--format=freeze"], check=True, capture_output=True, text=True
        ).stdout.split()
        started = step(f"bare venv with the wheel ({len(listed)} packages)", started)
        home = work / "home"
        home.mkdir()
        env = {
            "PATH": str(venv / "bin"),  # no npm, no node
            "HOME": str(home),
            "TYPED_NGROK_EDGE": "local",
            "LANG": "C.UTF-8",
        }
        handler = registry_handler(tarball.read_bytes(), pin.package, pin.tarball_integrity, pin.tarball_sha1)
        with serve(handler) as registry_port, serve(Upstream) as upstream_port:
            env["npm_config_registry"] = f"http://127.0.0.1:{registry_port}/"
            done = subprocess.run(
                [str(python), "-c", CHILD, str(upstream_port)],
                env=env,
                cwd=work,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        print(done.stdout, end="")
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            print("wheel-smoke: FAILED", file=sys.stderr)
            return 1
        expected = home / ".config" / "ngrok" / f"ngrok-{NPM_AGENT_VERSION}" / "ngrok"
        if not expected.is_file():
            print(f"wheel-smoke: the agent is not at its version-specific default path {expected}", file=sys.stderr)
            return 1
        step("TYPED_NGROK_EDGE=local python -c 'ngrok.connect(PORT)' + GET through it", started)
    print(f"wheel-smoke: OK in {time.monotonic() - total:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
