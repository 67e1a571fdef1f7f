"""``ngrok.forward(...)`` (the Python SDK's one-call API) against the local edge, in a child process of its own.

Run as ``python -I sdk_py_forward.py`` (isolated: ``PYTHONPATH`` and the user site are ignored). Config arrives as one
JSON line on stdin (the authtoken never on a command line), including ``sdk_dir``, the folder holding the SDK's
``ngrok`` package. The SDK's module-level helpers import ``ngrok`` *by name*, and the venv's ``ngrok`` may be ngrok's
API client (PyPI ``ngrok-api``), so the SDK folder goes first on ``sys.path`` before anything imports ``ngrok``, and
the imported module is checked to come from there. Prints the URL (or ``ERROR <text>``), then waits for stdin to close.
"""

import importlib
import json
import os
import sys
from typing import Any


def _load_sdk(sdk_dir: str) -> Any:
    if "ngrok" in sys.modules:
        raise RuntimeError("a module named ngrok was imported before the SDK")
    sys.path.insert(0, sdk_dir)
    module: Any = importlib.import_module("ngrok")  # typed Any: the SDK lives outside the venv
    origin = os.path.realpath(str(getattr(module, "__file__", "")))
    if not origin.startswith(os.path.realpath(sdk_dir) + os.sep) or not hasattr(module, "forward"):
        raise RuntimeError(f"import ngrok found {origin}, not the SDK in {sdk_dir}")
    return module


def main() -> None:
    config = json.loads(sys.stdin.readline())
    try:
        ngrok = _load_sdk(config.pop("sdk_dir"))
    except (ImportError, RuntimeError) as exc:
        print("ERROR not the SDK:", exc, flush=True)
        return
    with open(config.pop("ca_path"), "rb") as fh:
        ca = bytearray(fh.read())
    try:
        listener = ngrok.forward(config.pop("addr"), session_ca_cert=ca, **config)
    except Exception as exc:  # the SDK raises ValueError with the edge's text
        print("ERROR", " ".join(str(a) for a in exc.args), flush=True)
        return
    print(listener.url(), flush=True)
    sys.stdin.read()
    ngrok.disconnect(listener.url())


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)  # the SDK's native threads can race interpreter finalization (fatal PyGILState_Release)
