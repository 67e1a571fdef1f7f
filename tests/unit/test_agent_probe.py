"""Startup probes (the readiness flow's ``probe_get`` calls) over an agent's AgentAPI / AsyncAgentAPI, and handing
that AgentAPI on (share_agent_api). Each probe test runs through both shells (one body, two drivers)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from typed_ngrok._agent_api.aio import AsyncAgentAPI
from typed_ngrok._agent_api.sync import AgentAPI, agent_api_for, close_agent_api, share_agent_api
from typed_ngrok._agent_process.readiness import probe_flow
from typed_ngrok._drive import run_async, run_sync

BASE = "http://127.0.0.1:1"
TWINS = ["sync", "aio"]


@pytest.fixture(params=TWINS)
def twin(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def probe_agent(api: AgentAPI | AsyncAgentAPI, config_version: str, timeout: float) -> bool:
    """One readiness probe through the shell ``api`` (the sync one driven by run_sync, the async one by run_async)."""
    if isinstance(api, AgentAPI):
        return run_sync(probe_flow(config_version, timeout), api)
    return asyncio.run(run_async(probe_flow(config_version, timeout), api))


_twin = "sync"


def _api(handler: httpx.MockTransport, url: str = BASE) -> AgentAPI | AsyncAgentAPI:
    if _twin == "aio":
        return AsyncAgentAPI(url, timeout=3.0, transport=handler)
    return AgentAPI(url, timeout=3.0, transport=handler)


@pytest.fixture(autouse=True)
def _which(twin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}._twin", twin)


def _answers(*answers: tuple[int, object]) -> tuple[httpx.MockTransport, list[str]]:
    seen: list[str] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        status, body = queue.pop(0)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle), seen


def test_v2_probe_ok() -> None:
    transport, seen = _answers((200, {"tunnels": [], "uri": "/api/tunnels"}))
    assert probe_agent(_api(transport), "2", 1.0) is True
    assert seen == ["/api/tunnels"]


def test_v3_probe_falls_back_on_a_code_less_404() -> None:
    transport, seen = _answers((404, {"status_code": 404, "msg": "Not Found"}), (200, {"tunnels": []}))
    assert probe_agent(_api(transport), "3", 1.0) is True
    assert seen == ["/api/endpoints", "/api/tunnels"]


@pytest.mark.parametrize(
    "answer",
    [(503, {"status_code": 503, "msg": "x"}), (404, {"error_code": 100, "status_code": 404, "msg": "x"})],
)
def test_other_answers_are_not_ready(answer: tuple[int, object]) -> None:
    transport, seen = _answers(answer)
    assert probe_agent(_api(transport), "3", 1.0) is False
    assert seen == ["/api/endpoints"]


@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), OSError("gone")])
def test_transport_failures_are_false_not_raised(error: Exception) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise error

    assert probe_agent(_api(httpx.MockTransport(handle)), "2", 0.5) is False


def test_probe_uses_its_own_timeout() -> None:
    timeouts: list[object] = []

    def handle(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        return httpx.Response(200, json={"tunnels": []})

    assert probe_agent(_api(httpx.MockTransport(handle)), "2", 0.25) is True
    assert timeouts == [{"connect": 0.25, "read": 0.25, "write": 0.25, "pool": 0.25}]


def test_share_agent_api_adopts_or_defers_to_the_shared_one() -> None:
    url = "http://127.0.0.1:9"
    close_agent_api(url)
    try:
        mine = AgentAPI(url, timeout=7.0)
        assert share_agent_api(mine) is mine
        assert agent_api_for(url, 7.0) is mine
        other = AgentAPI(url, timeout=7.0)
        assert share_agent_api(other) is mine
        assert other._closed
        assert agent_api_for(url, 8.0) is not mine  # another timeout, another client
    finally:
        close_agent_api(url)
