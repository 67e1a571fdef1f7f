"""Fixtures: a local upstream, a LocalEdge, and the real ngrok 2.3.41 agent (raw process) pointed at the edge."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cloud.conftest import twin as twin  # the cloud clients' sync/async twin fixture, for the cloud API tests
from tests.edge.agent_harness import Agent, Upstream
from tests.outside_files import require_agent
from typed_ngrok.edge import LocalEdge


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(10)


@pytest.fixture(scope="module")
def edge() -> Iterator[LocalEdge]:
    with LocalEdge() as running:
        yield running


@pytest.fixture(scope="module")
def agent(edge: LocalEdge, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    require_agent()
    started = Agent(edge, tmp_path_factory.mktemp("agent"))
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


@pytest.fixture
def spawn_agent(tmp_path: Path) -> Iterator[Callable[..., Agent]]:
    """Start extra agents for one test (each stopped afterwards)."""
    require_agent()
    started: list[Agent] = []

    def spawn(edge: LocalEdge, **extra: Any) -> Agent:
        one = Agent(edge, tmp_path, extra)
        started.append(one)
        return one

    yield spawn
    for one in started:
        one.stop()
