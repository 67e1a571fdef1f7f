"""Importing the pyngrok-shaped modules loads no heavy dependency (they load on first use)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("yaml", "httpx", "typed_ngrok_agent_api", "cryptography", "typed_ngrok.edge")


@pytest.mark.parametrize("module", ["typed_ngrok.ngrok", "typed_ngrok.conf", "typed_ngrok.exception"])
def test_import_loads_no_heavy_module(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "", f"import {module} loaded {done.stdout.strip()}"
