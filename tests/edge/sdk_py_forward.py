"""Run as a script with the Python SDK first on PYTHONPATH: ``ngrok.forward(...)`` (the SDK's one-call API, which
imports ``ngrok`` by name) against the local edge. Config as one JSON line on stdin (the authtoken never on a command
line); prints the URL (or ``ERROR <text>``), then waits for stdin to close."""

import importlib
import json
import sys
from typing import Any

# the SDK, first on PYTHONPATH (typed Any: it lives outside the venv, whose ``ngrok`` may be ngrok-api)
ngrok: Any = importlib.import_module("ngrok")


def main() -> None:
    config = json.loads(sys.stdin.readline())
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
