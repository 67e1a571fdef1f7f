"""``python -m typed_ngrok.edge``: run a local edge until interrupted and print the agent config to use."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from typed_ngrok.exception import LocalEdgeError

from ._edge import LocalEdge


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m typed_ngrok.edge", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="agent-facing TLS port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--authtoken", default=None, help="the only token to accept (default: any non-empty one)")
    parser.add_argument("--config-version", choices=["2", "3"], default="2")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        edge = LocalEdge(port=args.port, authtoken=args.authtoken).start()
    except LocalEdgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        config = edge.agent_config(args.config_version)
        print("# local edge listening; put these keys in the agent's config file (plus an authtoken):")
        print(json.dumps(config, indent=2))
        if args.authtoken is None:
            print("# any non-empty authtoken is accepted", flush=True)
        stop.wait()
    finally:
        edge.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
