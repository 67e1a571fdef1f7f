"""Root fixtures for every test folder: the real ngrok 2.3.41 agent, found one way (:mod:`tests.outside_files`)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.outside_files import AGENT_BIN, AGENT_MISSING, agent_present, require_agent


def pytest_report_header() -> str:
    """One header line saying whether the real-agent tests can run or will skip, and why."""
    if agent_present():
        return f"ngrok agent: {AGENT_BIN}"
    return f"ngrok agent: missing, the real-agent tests skip ({AGENT_MISSING})"


@pytest.fixture(scope="session")
def agent_bin() -> Path:
    """The pinned ngrok 2.3.41 binary (``make agent-bin``); the test skips with the reason when it is missing."""
    return require_agent()


@pytest.fixture(autouse=True)
def _signal_handlers_restored() -> Iterator[None]:
    """Every test leaves SIGINT and SIGTERM handled as it found them (code run in-process, such as the CLI or the
    agent spawn's signal deferral, swaps them): a leaked handler would change what a later test in the same worker
    sees on Ctrl-C. A leak is put right and fails the test that leaked it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    leaked = {signum: handler for signum, handler in before.items() if signal.getsignal(signum) is not handler}
    for signum, handler in leaked.items():
        if handler is not None:
            signal.signal(signum, handler)
    assert not leaked, f"the test left other handlers for {sorted(signal.Signals(s).name for s in leaked)}"
