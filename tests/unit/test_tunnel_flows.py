"""The tunnel flows (typed_ngrok._tunnels.flows) on a stand-in agent API, through both drivers: the decisions no real
2.3.41 agent can show (a v3 agent without ``/api/endpoints`` falling back to ``/api/tunnels``) and the ones it can,
with the same outcome and the same error text for the sync and the async driver."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import pytest

from typed_ngrok._drive import Flow, run_async, run_sync
from typed_ngrok._tunnels import flows
from typed_ngrok._tunnels.model import ConnectedTunnel
from typed_ngrok._tunnels.registry import TunnelRegistry
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokHTTPError, TunnelNotFoundError

API = "http://127.0.0.1:4040"


def _missing_route() -> PyngrokNgrokHTTPError:
    return PyngrokNgrokHTTPError(
        "404 page not found", f"{API}/api/endpoints", 404, "Not Found", {}, "404 page not found"
    )


def _not_found(name: str) -> TunnelNotFoundError:
    body = '{"error_code": 100, "status_code": 404, "msg": "not found", "details": {}}'
    return TunnelNotFoundError(f"no tunnel {name}", f"{API}/api/tunnels/{name}", 404, "not found", {}, body)


class FakeAPI:
    """An agent API stand-in: records each call, answers from ``answers`` (an exception is raised)."""

    api_url = API

    def __init__(self, **answers: object) -> None:
        self.answers = answers
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def _answer(self, method: str, *args: object) -> Any:
        self.calls.append((method, args))
        answer = self.answers.get(method)
        if callable(answer):
            answer = answer(*args)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def create_endpoint(self, body: dict[str, Any]) -> Any:
        return self._answer("create_endpoint", body)

    def start_tunnel(self, body: dict[str, Any]) -> Any:
        return self._answer("start_tunnel", body)

    def get_tunnel(self, name: str) -> Any:
        return self._answer("get_tunnel", name)

    def list_endpoints(self) -> Any:
        return self._answer("list_endpoints")

    def list_tunnels(self) -> Any:
        return self._answer("list_tunnels")

    def stop_endpoint(self, name: str) -> Any:
        return self._answer("stop_endpoint", name)

    def stop_tunnel(self, name: str) -> Any:
        return self._answer("stop_tunnel", name)

    def get_status(self) -> Any:
        return self._answer("get_status")


class AsyncFakeAPI:
    """The same stand-in, awaited."""

    api_url = API

    def __init__(self, fake: FakeAPI) -> None:
        self.fake = fake

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.fake, name)

        async def call(*args: object) -> Any:
            await asyncio.sleep(0)
            return method(*args)

        return call


Runner = Callable[[Callable[[flows.Agent[Any]], Flow[Any]], FakeAPI, flows.Agent[Any]], Awaitable[object]]


async def _sync(make: Callable[[flows.Agent[Any]], Flow[Any]], fake: FakeAPI, agent: flows.Agent[Any]) -> object:
    return run_sync(make(agent), fake)


async def _aio(make: Callable[[flows.Agent[Any]], Flow[Any]], fake: FakeAPI, agent: flows.Agent[Any]) -> object:
    return await run_async(make(agent), AsyncFakeAPI(fake))


@pytest.fixture(params=["sync", "aio"])
def run(request: pytest.FixtureRequest) -> Runner:
    return _sync if request.param == "sync" else _aio


def _agent(tmp_path: Path, version: str) -> flows.Agent[Any]:
    cfg = PyngrokConfig(ngrok_version=f"v{version}", config_version=version, config_path=str(tmp_path / "absent.yml"))
    return flows.Agent(cfg, API, cast(Any, None), TunnelRegistry(API))


def _tunnel(name: str, url: str, proto: str = "https") -> dict[str, Any]:
    return {"name": name, "uri": f"/api/tunnels/{name}", "public_url": url, "proto": proto, "config": {}}


async def test_v3_connect_falls_back_to_tunnels_and_remembers_it(run: Runner, tmp_path: Path) -> None:
    agent = _agent(tmp_path, "3")
    request = flows.connect_request(agent.cfg, 8000, None, "web", {})
    fake = FakeAPI(create_endpoint=_missing_route(), start_tunnel=_tunnel("web", "https://web.example"))
    tunnel = await run(lambda a: flows.connect(a, request), fake, agent)
    assert [call[0] for call in fake.calls] == ["create_endpoint", "start_tunnel"]
    assert fake.calls[1][1] == (request.fallback_body,)
    assert agent.registry.endpoints_supported is False
    assert [t.public_url for t in agent.registry.tunnels()] == ["https://web.example"]
    assert isinstance(tunnel, ConnectedTunnel) and tunnel.public_url == "https://web.example"

    second = flows.connect_request(agent.cfg, 8001, None, "api", {})
    fake = FakeAPI(start_tunnel=_tunnel("api", "https://api.example"))
    await run(lambda a: flows.connect(a, second), fake, agent)
    assert [call[0] for call in fake.calls] == ["start_tunnel"]  # learnt: no endpoint attempt any more


async def test_v3_connect_keeps_another_endpoint_refusal(run: Runner, tmp_path: Path) -> None:
    agent = _agent(tmp_path, "3")
    request = flows.connect_request(agent.cfg, 8000, None, "web", {})
    refusal = PyngrokNgrokHTTPError("bad", f"{API}/api/endpoints", 400, "invalid", {}, '{"error_code": 102}')
    fake = FakeAPI(create_endpoint=refusal)
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        await run(lambda a: flows.connect(a, request), fake, agent)
    assert info.value is refusal
    assert [call[0] for call in fake.calls] == ["create_endpoint"]
    assert agent.registry.endpoints_supported is None  # nothing learnt


async def test_v3_listing_falls_back_to_tunnels(run: Runner, tmp_path: Path) -> None:
    agent = _agent(tmp_path, "3")
    fake = FakeAPI(list_endpoints=_missing_route(), list_tunnels=[_tunnel("web", "https://web.example")])
    tunnels = cast(list[Any], await run(flows.get_tunnels, fake, agent))
    assert [t.name for t in tunnels] == ["web"]
    assert [call[0] for call in fake.calls] == ["list_endpoints", "list_tunnels"]
    assert agent.registry.endpoints_supported is False


async def test_v2_companion_is_fetched_recorded_and_stopped_with_its_tunnel(run: Runner, tmp_path: Path) -> None:
    agent = _agent(tmp_path, "2")
    request = flows.connect_request(agent.cfg, 8000, None, "web", {"bind_tls": "both"})
    fake = FakeAPI(
        start_tunnel=_tunnel("web", "https://web.example"),
        get_tunnel=_tunnel("web (http)", "http://web.example", "http"),
    )
    await run(lambda a: flows.connect(a, request), fake, agent)
    assert fake.calls[-1] == ("get_tunnel", ("web (http)",))
    assert sorted(t.public_url or "" for t in agent.registry.tunnels()) == ["http://web.example", "https://web.example"]

    gone = FakeAPI(stop_tunnel=lambda name: _not_found(name) if name == "web (http)" else None)
    await run(lambda a: flows.disconnect(a, "https://web.example"), gone, agent)
    assert gone.calls == [("stop_tunnel", ("web",)), ("stop_tunnel", ("web (http)",))]  # an already gone twin is fine
    assert agent.registry.tunnels() == []


async def test_disconnect_of_an_unknown_url_lists_once_then_does_nothing(run: Runner, tmp_path: Path) -> None:
    agent = _agent(tmp_path, "2")
    fake = FakeAPI(list_tunnels=[])
    await run(lambda a: flows.disconnect(a, "https://nowhere.example"), fake, agent)
    assert fake.calls == [("list_tunnels", ())]


async def test_status_without_the_route_says_so_in_both_drivers(tmp_path: Path) -> None:
    texts = []
    for runner in (_sync, _aio):
        with pytest.raises(PyngrokNgrokHTTPError, match="has no /api/status") as info:
            await runner(flows.agent_status, FakeAPI(get_status=_missing_route()), _agent(tmp_path, "2"))
        texts.append((type(info.value), str(info.value), info.value.status_code))
    assert texts[0] == texts[1]
