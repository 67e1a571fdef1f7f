#!/usr/bin/env python3
"""Issue 14's "done when", from the built wheel: a bare venv, no npm on PATH, ``TYPED_NGROK_EDGE=local`` alone.

1. build the wheel (``pip wheel --no-deps``);
2. create a bare venv and install only the wheel (and its runtime dependencies, from pip's configured index);
3. serve a loopback npm registry (the packument and the pinned tarball ``make agent-bin`` keeps in ``.cache/``) and a
   loopback HTTP upstream;
4. in the venv, with PATH holding only the venv's ``bin`` (no npm), a fresh HOME, ``npm_config_registry`` naming the
   loopback registry and ``TYPED_NGROK_EDGE=local``: ``ngrok.connect(PORT)`` installs 2.3.41 at its version-specific
   default path, opens a tunnel, and a GET through its https URL reaches the upstream;
5. the console script: ``typed-ngrok http PORT --local`` prints the URL and the CA, a GET through the URL is logged
   as a request line, and SIGINT ends it with exit code 0;
6. ``pip install pytest==9.2.0`` into the venv (pip's configured index) and a user's test file
   (``tests/typing/pytest_user_sample.py`` as ``test_webhook.py``, no conftest, no ini) passes with the plugin;
7. a mismatched binary (the installed 2.3.41 agent with ``ngrok_version="3"``, a v3 config) fails in under 2 s
   (a fresh interpreter: the version check is not cached).

Prints the time of each step and a summary of the figures. Usage: ``scripts/wheel_smoke.py`` (``make wheel-smoke``);
exits non-zero on failure. Nothing but loopback is contacted (pip reads its configured index).
"""

from __future__ import annotations

import json
import queue
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
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


MISMATCH = """
import sys, time
from typed_ngrok import ngrok
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokError
cfg = PyngrokConfig(ngrok_path=sys.argv[1], ngrok_version="3", config_version="3", edge="ngrok")
started = time.monotonic()
try:
    ngrok.connect(80, pyngrok_config=cfg)
except PyngrokNgrokError as exc:
    print(f"{time.monotonic() - started:.3f}")
    print(exc)
    sys.exit(0)
print("the mismatched binary was started")
sys.exit(1)
"""
LINE_DEADLINE = 60.0  # seconds for one awaited output line of the console script
MISMATCH_LIMIT = 2.0  # issue 14: a mismatched binary fails in under 2 s


class Failed(Exception):
    """A smoke step failed (the message says which and why)."""


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


def run_console_script(venv: Path, env: dict[str, str], cwd: Path, upstream_port: int) -> list[str]:
    """``typed-ngrok http PORT --local``: the URL line, a GET through it logged as a request line, SIGINT -> exit 0.
    Returns what it printed."""
    proc = subprocess.Popen(
        [str(venv / "bin" / "typed-ngrok"), "http", str(upstream_port), "--local"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    shown: list[str] = []

    def line() -> str:
        try:
            got = lines.get(timeout=LINE_DEADLINE)
        except queue.Empty:
            raise Failed(f"typed-ngrok printed no line within {LINE_DEADLINE:g} s (so far: {shown})") from None
        if got is None:
            raise Failed(f"typed-ngrok ended (code {proc.wait()}): {shown} {proc.stderr.read() if proc.stderr else ''}")
        shown.append(got)
        return got

    try:
        url, _, target = line().partition(" -> ")
        if not url.startswith("https://") or not target.endswith(f":{upstream_port}"):
            raise Failed(f"unexpected first line {shown[-1]!r}")
        ca = line().removeprefix("https clients must trust the local edge's CA: ")
        line()  # the agent API line
        trusted = ssl.create_default_context(cafile=ca)
        with urllib.request.urlopen(f"{url}/cli-smoke", context=trusted, timeout=15) as answer:
            if (answer.status, answer.read()) != (200, b"GET /cli-smoke"):
                raise Failed(f"GET {url}/cli-smoke answered {answer.status}")
        logged = line()
        if not re.fullmatch(r"GET /cli-smoke 200 OK \d+\.\d\dms", logged):
            raise Failed(f"unexpected request line {logged!r}")
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
        if code != 0:
            raise Failed(f"typed-ngrok exited with {code} after SIGINT: {proc.stderr.read() if proc.stderr else ''}")
        return shown
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main() -> int:
    try:
        return _main()
    except Failed as exc:
        print(f"wheel-smoke: FAILED: {exc}", file=sys.stderr)
        return 1


def _main() -> int:
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
        figures = {"TYPED_NGROK_EDGE=local alone: install, tunnel, GET": f"{time.monotonic() - started:.2f} s"}
        started = step("TYPED_NGROK_EDGE=local python -c 'ngrok.connect(PORT)' + GET through it", started)

        cli_env = {key: value for key, value in env.items() if key != "TYPED_NGROK_EDGE"}  # --local alone
        with serve(Upstream) as upstream_port:
            printed = run_console_script(venv, cli_env, work, upstream_port)
        print("\n".join(f"  | {line}" for line in printed))
        now = time.monotonic()
        figures["typed-ngrok http PORT --local (URL, logged GET, SIGINT -> 0)"] = f"{now - started:.2f} s"
        started = step("typed-ngrok http PORT --local: URL, a logged request, SIGINT -> exit 0", started)

        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "pytest==9.2.0"],
            check=True,
        )  # pip's own configuration (index, find-links) comes from our environment
        started = step("pip install pytest==9.2.0 into the venv", started)
        project = work / "user-project"
        project.mkdir()
        shutil.copy(ROOT / "tests" / "typing" / "pytest_user_sample.py", project / "test_webhook.py")
        done = subprocess.run(
            [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_webhook.py"],
            env=env,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        summary = (done.stdout.strip().splitlines() or [""])[-1]
        if done.returncode != 0 or not re.search(r"\b3 passed\b", summary) or (project / "conftest.py").exists():
            raise Failed(f"the user's pytest file did not pass: {done.stdout}{done.stderr}")
        now = time.monotonic()
        figures["user's pytest file with ngrok_tunnel, no conftest"] = f"{summary} ({now - started:.2f} s)"
        started = step(f"pytest on a user's test_webhook.py with no fixture of its own: {summary}", started)

        done = subprocess.run(
            [str(python), "-c", MISMATCH, str(expected)],
            env={key: value for key, value in env.items() if key != "TYPED_NGROK_EDGE"},
            cwd=work,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise Failed(f"the mismatched binary did not fail as it should: {done.stdout}{done.stderr}")
        seconds_text, _, message = done.stdout.partition("\n")
        seconds = float(seconds_text)
        print(f"  | {message.strip()}")
        if seconds >= MISMATCH_LIMIT:
            raise Failed(f"the mismatched binary took {seconds:.2f} s to fail (limit {MISMATCH_LIMIT:g} s)")
        figures["mismatched binary (2.3.41 with ngrok_version='3') fails in"] = f"{seconds:.3f} s"
        step("a mismatched binary fails fast", started)
    elapsed = time.monotonic() - total
    print("wheel-smoke: summary")
    for name, value in figures.items():
        print(f"  {name}: {value}")
    print(f"wheel-smoke: OK in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
