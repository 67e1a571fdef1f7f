"""Run a local edge (a loopback stand-in for ngrok's tunnel servers) until interrupted, and print the agent config
that points an ngrok agent (or ngrok's SDKs) at it, as YAML ready to paste into the agent's config file.

With --state-dir the CA, the certificates and the port survive restarts, so a saved config keeps working. The only
authtoken to accept (default: any non-empty one) comes from the TYPED_NGROK_EDGE_AUTHTOKEN environment variable or
--authtoken-file, never from the command line."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from typed_ngrok.exception import LocalEdgeError

if TYPE_CHECKING:
    from ._edge import LocalEdge

# The edge itself (asyncio servers, h11, cryptography) and yaml load in serve/render_config, not on import:
# `typed-ngrok` builds its parser from add_arguments for every command (tests/integration/test_lazy_imports.py).


def render_config(edge: LocalEdge, config_version: str) -> str:
    """The YAML text to print: the agent config with an authtoken, and comments naming the CA https clients trust
    and the edge's cloud API (its URL and key)."""
    import yaml

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
    parser.add_argument(
        "--authtoken-file",
        default=None,
        metavar="PATH",
        help=f"accept only the token in this file (or set {AUTHTOKEN_ENV}; default: any non-empty token)",
    )
    # a secret on the command line is visible to every local user (ps): refused, pointing at the alternatives
    parser.add_argument("--authtoken", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--config-version", choices=["2", "3"], default="2", help="agent config format (default 2)")
    parser.add_argument(
        "--state-dir", default=None, help="keep the CA, certificates and port here across runs (created if missing)"
    )


AUTHTOKEN_ENV = "TYPED_NGROK_EDGE_AUTHTOKEN"


def edge_authtoken(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> str | None:
    """The only token the edge should accept: from ``--authtoken-file`` or ``TYPED_NGROK_EDGE_AUTHTOKEN`` (None: any).

    Raises:
        LocalEdgeError: ``--authtoken`` was given (a secret on the command line), both sources were given, the file
            cannot be read, or the token is empty. The token is never in the message.
    """
    if args.authtoken is not None:
        raise LocalEdgeError(
            f"--authtoken is refused: a secret on the command line is visible to other users; set {AUTHTOKEN_ENV} "
            "or pass --authtoken-file PATH"
        )
    from_env = environ.get(AUTHTOKEN_ENV)
    if args.authtoken_file is not None and from_env is not None:
        raise LocalEdgeError(f"both --authtoken-file and {AUTHTOKEN_ENV} are set: use one")
    if args.authtoken_file is not None:
        try:
            token = Path(args.authtoken_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise LocalEdgeError(f"cannot read the authtoken file {args.authtoken_file}: {reason}") from None
        if not token:
            raise LocalEdgeError(f"the authtoken file {args.authtoken_file} is empty")
        return token
    if from_env is not None:
        if not from_env.strip():
            raise LocalEdgeError(f"{AUTHTOKEN_ENV} is set but empty")
        return from_env.strip()
    return None


def serve(args: argparse.Namespace) -> None:
    """Start the edge ``args`` describe, print its agent config, and run until SIGINT or SIGTERM; then stop it.

    Raises:
        LocalEdgeError: the edge could not start (e.g. its port is taken), or its authtoken source is refused
            (:func:`edge_authtoken`).
    """
    from ._edge import LocalEdge

    token = edge_authtoken(args)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    edge = LocalEdge(port=args.port, authtoken=token, state_dir=args.state_dir).start()
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
