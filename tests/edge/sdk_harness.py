"""ngrok's own SDKs (PyPI ``ngrok`` 1.7.0 in-process, npm ``@ngrok/ngrok`` 1.7.0 in a Node subprocess) pointed at
the local edge. ``make sdks`` (part of ``make test``) installs both into ``.cache/``; without them the tests skip."""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from typed_ngrok.edge import LocalEdge

REPO = Path(__file__).resolve().parents[2]
SDK_VERSION = "1.7.0"
PY_SDK_DIR = REPO / ".cache" / f"ngrok-py-{SDK_VERSION}"
JS_SDK_DIR = REPO / ".cache" / f"ngrok-js-{SDK_VERSION}"
JS_RUNNER = Path(__file__).with_name("sdk_js_runner.js")
_TIMEOUT = 30.0


_SDK_MODULE = "_ngrok_python_sdk"


def py_sdk_missing() -> str | None:
    """Why the Python SDK cannot run here (None: it can)."""
    if (
        not (PY_SDK_DIR / f"ngrok-{SDK_VERSION}.dist-info").is_dir()
        or not (PY_SDK_DIR / "ngrok" / "__init__.py").is_file()
    ):
        return f"the ngrok {SDK_VERSION} Python SDK is not installed ({PY_SDK_DIR}): run `make sdks`"
    return None


def js_sdk_missing() -> str | None:
    """Why the JavaScript SDK cannot run here (None: it can)."""
    if not (JS_SDK_DIR / "node_modules" / "@ngrok" / "ngrok" / "package.json").is_file():
        return f"the @ngrok/ngrok {SDK_VERSION} JavaScript SDK is not installed ({JS_SDK_DIR}): run `make sdks`"
    if shutil.which("node") is None:
        return "node is not installed"
    return None


def py_sdk() -> Any:
    """The ``ngrok`` package of the Python SDK (typed ``Any``: it lives outside the venv), or skip the test.

    It is loaded from ``.cache/`` under the private module name ``_ngrok_python_sdk``: the top-level name ``ngrok`` is
    also taken by ngrok's API client (PyPI ``ngrok-api``, a dev dependency), so ``import ngrok`` in the venv may find
    either package. Loading by file location never consults ``sys.path`` or ``sys.modules["ngrok"]``. The SDK's
    module-level helpers (``ngrok.forward``, ``ngrok.connect``, ...) run Python code that does ``import ngrok`` by
    name, so they are used only in a child process (``sdk_py_forward.py``); in-process tests use the builders.
    """
    loaded = sys.modules.get(_SDK_MODULE)
    if loaded is not None:
        return loaded
    package = PY_SDK_DIR / "ngrok"
    if (missing := py_sdk_missing()) is not None:
        pytest.skip(missing)
    spec = importlib.util.spec_from_file_location(
        _SDK_MODULE, package / "__init__.py", submodule_search_locations=[str(package)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[_SDK_MODULE] = module
    spec.loader.exec_module(module)
    return module


def need_js_sdk() -> None:
    if (missing := js_sdk_missing()) is not None:
        pytest.skip(missing)


def agent_ca(edge: LocalEdge) -> bytearray:
    """The certificate the SDKs must trust for the edge's agent link (``ca_cert`` wants a bytearray)."""
    return bytearray(Path(edge.agent_ca_path).read_bytes())


def py_builder(edge: LocalEdge, authtoken: str | None = None) -> Any:
    """A Python-SDK ``SessionBuilder`` aimed at ``edge``."""
    ngrok = py_sdk()
    token = edge.authtoken if authtoken is None else authtoken
    return ngrok.SessionBuilder().authtoken(token).server_addr(edge.server_addr).ca_cert(agent_ca(edge))


@contextlib.asynccontextmanager
async def py_session(edge: LocalEdge, *, metadata: str = "") -> AsyncIterator[Any]:
    """A connected Python-SDK session, closed afterwards."""
    builder = py_builder(edge)
    if metadata:
        builder = builder.metadata(metadata)
    session = await builder.connect()
    try:
        yield session
    finally:
        with contextlib.suppress(Exception):
            await session.close()


def b64(data: bytes) -> dict[str, str]:
    """A bytes argument for a JS builder method (the runner makes it a Buffer)."""
    return {"base64": base64.b64encode(data).decode()}


class JsClient:
    """The JavaScript SDK in a Node process (``sdk_js_runner.js``), driven by JSON lines on its stdin."""

    def __init__(self, edge: LocalEdge, listeners: list[dict[str, Any]], *, authtoken: str | None = None, **extra: Any):
        need_js_sdk()
        env = {k: v for k, v in os.environ.items() if not k.startswith("NGROK")}
        env["NGROK_JS_DIR"] = str(JS_SDK_DIR)
        self.proc = subprocess.Popen(
            ["node", str(JS_RUNNER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._stderr: list[str] = []
        self._err_reader = threading.Thread(target=self._drain_stderr, daemon=True)
        self._err_reader.start()
        config = {
            "authtoken": edge.authtoken if authtoken is None else authtoken,
            "serverAddr": edge.server_addr,
            "caPath": edge.agent_ca_path,
            "listeners": listeners,
            **extra,
        }
        self.started = self._send(config)

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line)

    def _send(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        return self.next_line()

    def next_line(self) -> dict[str, Any]:
        """The runner's next JSON line (an answer, or an event such as ``{"event": "stop"}``)."""
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline() if self.proc.stdout else ""))
        reader.start()
        reader.join(_TIMEOUT)
        if not box or not box[0]:
            raise AssertionError(f"no answer from the Node SDK runner; stderr: {''.join(self._stderr)[-2000:]}")
        answer: dict[str, Any] = json.loads(box[0])
        return answer

    @property
    def urls(self) -> list[str]:
        if not self.started.get("ok"):
            raise AssertionError(f"the JS SDK failed: {self.started}")
        urls: list[str] = self.started["urls"]
        return urls

    @property
    def results(self) -> list[dict[str, str]]:
        """Per listener ``{"url": u}`` or ``{"error": text}`` (started with ``each=True``)."""
        if not self.started.get("ok"):
            raise AssertionError(f"the JS SDK failed: {self.started}")
        results: list[dict[str, str]] = self.started["results"]
        return results

    def command(self, cmd: str, **args: Any) -> dict[str, Any]:
        return self._send({"cmd": cmd, **args})

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._err_reader.join(10)
        if self.proc.stderr is not None:
            self.proc.stderr.close()

    def __enter__(self) -> JsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
