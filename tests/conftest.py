"""Root fixtures for every test folder: the real ngrok 2.3.41 agent, found one way (:mod:`tests.outside_files`)."""

from __future__ import annotations

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
