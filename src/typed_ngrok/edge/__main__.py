"""Run a local edge (a loopback stand-in for ngrok's tunnel servers) until interrupted, and print the agent config
that points an ngrok agent (or ngrok's SDKs) at it, as YAML ready to paste into the agent's config file.

With --state-dir the CA, the certificates and the port survive restarts, so a saved config keeps working."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

import yaml

from typed_ngrok.exception import LocalEdgeError

from ._edge import LocalEdge


def render_config(edge: LocalEdge, config_version: str) -> str:
    """The YAML text to print: the agent config with an authtoken, and comments naming the CA https clients trust
    and the edge's cloud API (its URL and key)."""
    config = edge.agent_config(config_version, with_authtoken=True)
    lines = [
        f"# typed-ngrok local edge on {edge.server_addr} (Ctrl-C stops it)",
        f"# agent config (format {config_version}): paste into the agent's config file",
        yaml.safe_dump(config, sort_keys=False).rstrip("\n"),
        f"# https clients of tunnel URLs must trust this CA: {edge.ca_path}",
        f"# cloud API (typed_ngrok.cloud, ngrok-api, curl; docs/edge-cloud.md): cloud_api_url {edge.cloud_api_url}",
        f"# cloud API key (Authorization: Bearer ...): cloud_api_key {edge.cloud_api_key}",
        f"# ngrok's SDKs: server_addr {edge.server_addr}, ca_cert / root_cas {edge.agent_ca_path}",
    ]
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The edge's options, on ``parser`` (this module's and ``typed-ngrok edge``'s)."""
    parser.add_argument("--port", type=int, default=0, help="agent-facing TLS port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--authtoken", default=None, help="the only token to accept (default: any non-empty one)")
    parser.add_argument("--config-version", choices=["2", "3"], default="2", help="agent config format (default 2)")
    parser.add_argument(
        "--state-dir", default=None, help="keep the CA, certificates and port here across runs (created if missing)"
    )


def serve(args: argparse.Namespace) -> None:
    """Start the edge ``args`` describe, print its agent config, and run until SIGINT or SIGTERM; then stop it.

    Raises:
        LocalEdgeError: the edge could not start (e.g. its port is taken).
    """
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    edge = LocalEdge(port=args.port, authtoken=args.authtoken, state_dir=args.state_dir).start()
    try:
        sys.stdout.write(render_config(edge, args.config_version))
        sys.stdout.flush()
        stop.wait()
    finally:
        edge.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m typed_ngrok.edge", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        serve(args)
    except LocalEdgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
