"""Stand-ins for the ngrok binary (see fake_agent.py), helpers to install them as executables, and the clean-up of a
test's subprocess."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def never_ready_binary(directory: Path, tell_pid_to: Path | None = None, name: str = "ngrok") -> Path:
    """An executable stand-in agent that answers ``--version`` as 2.3.41 and otherwise never becomes ready (it sleeps
    until killed); with ``tell_pid_to`` (a FIFO) it first writes its pid there once spawned. Returns its path."""
    path = directory / name
    tell = f"echo $$ > {shlex.quote(str(tell_pid_to))}\n" if tell_pid_to is not None else ""
    path.write_text(
        f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo "ngrok version 2.3.41"; exit 0; fi\n{tell}exec sleep 300\n'
    )
    path.chmod(0o755)
    return path


def reap(proc: subprocess.Popen[Any]) -> None:
    """After a test's subprocess: kill it if it still runs, wait for it, close its pipes."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
