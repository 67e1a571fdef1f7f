"""Stand-ins for the ngrok binary (see fake_agent.py) and helpers to install them as executables."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

FAKE_AGENT = Path(__file__).resolve().parent / "fake_agent.py"


def make_fake_binary(directory: Path, mode: str, name: str = "ngrok") -> str:
    """Write an executable ``directory/name`` that runs the fake agent in ``mode``; returns its path."""
    path = directory / name
    command = " ".join(shlex.quote(part) for part in (sys.executable, str(FAKE_AGENT), "--mode", mode))
    path.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
    os.chmod(path, 0o755)
    return str(path)


REPO = Path(__file__).resolve().parents[2]


def real_agent_path() -> str | None:
    """The pinned ngrok 2.3.41 binary when ``make agent-bin`` fetched it (the one lookup: tests/outside_files.py)."""
    from tests.outside_files import AGENT_BIN, agent_present

    return str(AGENT_BIN) if agent_present() else None
