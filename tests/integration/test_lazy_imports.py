"""Importing the pyngrok-shaped modules loads no heavy dependency (they load on first use)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# typed_ngrok._tunnels.requests: the option checks of connect (about 11 ms of dataclasses and regexes), loaded on the
# first connect (import_ngrok in make bench went from 0.48 to 0.66 of pyngrok when resolve imported it at the top)
HEAVY = ("yaml", "httpx", "typed_ngrok_agent_api", "cryptography", "typed_ngrok.edge", "typed_ngrok._tunnels.requests")


@pytest.mark.parametrize("module", ["typed_ngrok.ngrok", "typed_ngrok.conf", "typed_ngrok.exception"])
def test_import_loads_no_heavy_module(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "", f"import {module} loaded {done.stdout.strip()}"


def test_the_cli_parser_loads_no_edge_machinery() -> None:
    """Every ``typed-ngrok`` command builds the parser, whose ``edge`` command takes the edge's options: that loads
    neither the edge itself nor its TLS (cryptography) or cloud API (h11) dependencies, nor yaml."""
    heavy = ("cryptography", "h11", "yaml", "typed_ngrok.edge._edge", "typed_ngrok.edge._server", "asyncio")
    code = (
        "import sys, typed_ngrok.cli as cli; "
        "assert cli.build_parser().parse_args(['edge', '--state-dir', 'kept']).state_dir == 'kept'; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "", f"typed_ngrok.cli + build_parser() loaded {done.stdout.strip()}"
