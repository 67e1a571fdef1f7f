"""One test body, two drivers: the sync (``ngrok``/``agent``) and ``aio`` twins behind the same awaitable interface.

A scenario test takes the ``twin`` fixture (parametrized ``sync``/``aio``) and awaits ``twin.connect(...)``,
``twin.get_tunnels(cfg)``, ... The sync driver runs the real sync function in a worker thread (its own pool, large
enough for the concurrency scenarios), the aio driver awaits the real ``aio`` function. Each twin has its own agent
(``twin.cfg``, one per module, on the module's event loop: an aio agent belongs to the loop that started it), so
both can run side by side in one test (the ``twins`` fixture), which is how error texts are compared.

Usage in a scenario module::

    pytestmark = [..., pytest.mark.asyncio(loop_scope="module")]
    agents = agents_fixture("tunnels")  # module-scoped: starts lazily, kills both at the end
    twin = twin_fixture()
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, ParamSpec, Protocol, TypeVar, Unpack

import pytest
import pytest_asyncio

from tests.integration.ngrok_env import agent_config
from typed_ngrok import agent, aio, ngrok
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.edge import LocalEdge
from typed_ngrok.ngrok import ConnectedTunnel, NgrokApiResponse, Proto, TunnelOptions

P = ParamSpec("P")
R = TypeVar("R")

Kind = Literal["sync", "aio"]
KINDS: tuple[Kind, Kind] = ("sync", "aio")


class ProcessView(Protocol):
    """What both twins' process objects offer."""

    @property
    def api_url(self) -> str | None: ...

    @property
    def edge(self) -> LocalEdge | None: ...

    @property
    def ca_path(self) -> str: ...


class Twin:
    """The public functions of one twin, awaitable. ``cfg`` is this twin's agent config (its own binary path)."""

    kind: Kind

    def __init__(self, cfg: PyngrokConfig) -> None:
        self.cfg = cfg

    def __repr__(self) -> str:
        return f"<Twin {self.kind}>"

    async def connect(
        self,
        addr: str | int | None = None,
        proto: Proto | None = None,
        name: str | None = None,
        pyngrok_config: PyngrokConfig | None = None,
        **options: Unpack[TunnelOptions],
    ) -> ConnectedTunnel:
        raise NotImplementedError

    async def connect_all(self, pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
        raise NotImplementedError

    def tunnel(
        self,
        addr: str | int | None = None,
        proto: Proto | None = None,
        name: str | None = None,
        pyngrok_config: PyngrokConfig | None = None,
        **options: Unpack[TunnelOptions],
    ) -> contextlib.AbstractAsyncContextManager[ConnectedTunnel]:
        """``ngrok.tunnel``/``aio.tunnel``, entered and left with ``async with``."""
        raise NotImplementedError

    async def get_tunnels(self, pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
        raise NotImplementedError

    async def disconnect(self, public_url: str, pyngrok_config: PyngrokConfig | None = None) -> None:
        raise NotImplementedError

    async def kill(self, pyngrok_config: PyngrokConfig | None = None) -> None:
        raise NotImplementedError

    async def get_ngrok_process(self, pyngrok_config: PyngrokConfig | None = None) -> ProcessView:
        raise NotImplementedError

    async def api(self, *args: str, pyngrok_config: PyngrokConfig | None = None) -> NgrokApiResponse:
        raise NotImplementedError

    async def get_version(self, pyngrok_config: PyngrokConfig | None = None) -> tuple[str, str]:
        raise NotImplementedError

    async def api_request(
        self, url: str, method: str = "GET", data: dict[str, Any] | None = None, timeout: float = 4
    ) -> dict[str, Any]:
        raise NotImplementedError

    async def get_agent_status(self, pyngrok_config: PyngrokConfig | None = None) -> agent.NgrokAgent:
        raise NotImplementedError

    async def get_requests(
        self, tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None, *, limit: int | None = None
    ) -> list[agent.CapturedRequest]:
        raise NotImplementedError

    async def get_request(self, request_id: str, pyngrok_config: PyngrokConfig | None = None) -> agent.CapturedRequest:
        raise NotImplementedError

    async def replay_request(
        self, request_id: str, tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None
    ) -> None:
        raise NotImplementedError

    async def delete_requests(self, pyngrok_config: PyngrokConfig | None = None) -> None:
        raise NotImplementedError

    async def agent_get_tunnel(self, name: str) -> dict[str, Any]:
        """``GET /api/tunnels/<name>`` through this twin's own agent API client."""
        raise NotImplementedError

    async def agent_list_tunnels(self) -> list[dict[str, Any]]:
        """``GET /api/tunnels`` through this twin's own agent API client (what the agent itself lists)."""
        raise NotImplementedError


_POOL = ThreadPoolExecutor(max_workers=24, thread_name_prefix="sync-twin")  # 20 concurrent connects, with room


class SyncTwin(Twin):
    kind: Kind = "sync"

    async def _run(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        return await asyncio.get_running_loop().run_in_executor(_POOL, functools.partial(function, *args, **kwargs))

    async def connect(
        self,
        addr: str | int | None = None,
        proto: Proto | None = None,
        name: str | None = None,
        pyngrok_config: PyngrokConfig | None = None,
        **options: Unpack[TunnelOptions],
    ) -> ConnectedTunnel:
        return await self._run(ngrok.connect, addr, proto, name, pyngrok_config, **options)

    async def connect_all(self, pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
        return await self._run(ngrok.connect_all, pyngrok_config)

    @contextlib.asynccontextmanager
    async def tunnel(
        self,
        addr: str | int | None = None,
        proto: Proto | None = None,
        name: str | None = None,
        pyngrok_config: PyngrokConfig | None = None,
        **options: Unpack[TunnelOptions],
    ) -> AsyncIterator[ConnectedTunnel]:
        manager = ngrok.tunnel(addr, proto, name, pyngrok_config, **options)
        opened = await self._run(manager.__enter__)  # entered and left in worker threads, as a sync caller would
        try:
            yield opened
        except BaseException as error:
            if not await self._run(manager.__exit__, type(error), error, error.__traceback__):
                raise
        else:
            await self._run(manager.__exit__, None, None, None)

    async def get_tunnels(self, pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
        return await self._run(ngrok.get_tunnels, pyngrok_config)

    async def disconnect(self, public_url: str, pyngrok_config: PyngrokConfig | None = None) -> None:
        await self._run(ngrok.disconnect, public_url, pyngrok_config)

    async def kill(self, pyngrok_config: PyngrokConfig | None = None) -> None:
        await self._run(ngrok.kill, pyngrok_config)

    async def get_ngrok_process(self, pyngrok_config: PyngrokConfig | None = None) -> ProcessView:
        return await self._run(ngrok.get_ngrok_process, pyngrok_config)

    async def api(self, *args: str, pyngrok_config: PyngrokConfig | None = None) -> NgrokApiResponse:
        return await self._run(ngrok.api, *args, pyngrok_config=pyngrok_config)

    async def get_version(self, pyngrok_config: PyngrokConfig | None = None) -> tuple[str, str]:
        return await self._run(ngrok.get_version, pyngrok_config)

    async def api_request(
        self, url: str, method: str = "GET", data: dict[str, Any] | None = None, timeout: float = 4
    ) -> dict[str, Any]:
        return await self._run(ngrok.api_request, url, method, data, timeout=timeout)

    async def get_agent_status(self, pyngrok_config: PyngrokConfig | None = None) -> agent.NgrokAgent:
        return await self._run(agent.get_agent_status, pyngrok_config)

    async def get_requests(
        self, tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None, *, limit: int | None = None
    ) -> list[agent.CapturedRequest]:
        return await self._run(agent.get_requests, tunnel_name, pyngrok_config, limit=limit)

    async def get_request(self, request_id: str, pyngrok_config: PyngrokConfig | None = None) -> agent.CapturedRequest:
        return await self._run(agent.get_request, request_id, pyngrok_config)

    async def replay_request(
        self, request_id: str, tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None
    ) -> None:
        await self._run(agent.replay_request, request_id, tunnel_name, pyngrok_config)

    async def delete_requests(self, pyngrok_config: PyngrokConfig | None = None) -> None:
        await self._run(agent.delete_requests, pyngrok_config)

    async def agent_get_tunnel(self, name: str) -> dict[str, Any]:
        return await self._run(lambda: ngrok._agent(self.cfg).api.get_tunnel(name))

    async def agent_list_tunnels(self) -> list[dict[str, Any]]:
        return await self._run(lambda: ngrok._agent(self.cfg).api.list_tunnels())


class AioTwin(Twin):
    kind: Kind = "aio"

    async def connect(
        self,
        addr: str | int | None = None,
        proto: Proto | None = None,
        name: str | None = None,
        pyngrok_config: PyngrokConfig | None = None,
        **options: Unpack[TunnelOptions],
    ) -> ConnectedTunnel:
        return await aio.connect(addr, proto, name, pyngrok_config, **options)

    async def connect_all(self, pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
        return await aio.connect_all(pyngrok_config)

    def tunnel(
        self,
        addr: str | int | None = None,
        proto: Proto | None = None,
        name: str | None = None,
        pyngrok_config: PyngrokConfig | None = None,
        **options: Unpack[TunnelOptions],
    ) -> contextlib.AbstractAsyncContextManager[ConnectedTunnel]:
        return aio.tunnel(addr, proto, name, pyngrok_config, **options)

    async def get_tunnels(self, pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
        return await aio.get_tunnels(pyngrok_config)

    async def disconnect(self, public_url: str, pyngrok_config: PyngrokConfig | None = None) -> None:
        await aio.disconnect(public_url, pyngrok_config)

    async def kill(self, pyngrok_config: PyngrokConfig | None = None) -> None:
        await aio.kill(pyngrok_config)

    async def get_ngrok_process(self, pyngrok_config: PyngrokConfig | None = None) -> ProcessView:
        return await aio.get_ngrok_process(pyngrok_config)

    async def api(self, *args: str, pyngrok_config: PyngrokConfig | None = None) -> NgrokApiResponse:
        return await aio.api(*args, pyngrok_config=pyngrok_config)

    async def get_version(self, pyngrok_config: PyngrokConfig | None = None) -> tuple[str, str]:
        return await aio.get_version(pyngrok_config)

    async def api_request(
        self, url: str, method: str = "GET", data: dict[str, Any] | None = None, timeout: float = 4
    ) -> dict[str, Any]:
        return await aio.api_request(url, method, data, timeout=timeout)

    async def get_agent_status(self, pyngrok_config: PyngrokConfig | None = None) -> agent.NgrokAgent:
        return await aio.get_agent_status(pyngrok_config)

    async def get_requests(
        self, tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None, *, limit: int | None = None
    ) -> list[agent.CapturedRequest]:
        return await aio.get_requests(tunnel_name, pyngrok_config, limit=limit)

    async def get_request(self, request_id: str, pyngrok_config: PyngrokConfig | None = None) -> agent.CapturedRequest:
        return await aio.get_request(request_id, pyngrok_config)

    async def replay_request(
        self, request_id: str, tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None
    ) -> None:
        await aio.replay_request(request_id, tunnel_name, pyngrok_config)

    async def delete_requests(self, pyngrok_config: PyngrokConfig | None = None) -> None:
        await aio.delete_requests(pyngrok_config)

    async def agent_get_tunnel(self, name: str) -> dict[str, Any]:
        return await (await aio._agent(self.cfg)).api.get_tunnel(name)

    async def agent_list_tunnels(self) -> list[dict[str, Any]]:
        return await (await aio._agent(self.cfg)).api.list_tunnels()


@dataclass
class Agents:
    """One agent config per twin, for one test module (each agent starts on first use)."""

    sync: SyncTwin
    aio: AioTwin

    def twin(self, kind: Kind) -> Twin:
        return self.sync if kind == "sync" else self.aio


def make_agents(folder: Path, **overrides: object) -> Agents:
    return Agents(
        SyncTwin(agent_config(folder / "sync", **overrides)), AioTwin(agent_config(folder / "aio", **overrides))
    )


def agents_fixture(name: str) -> Any:
    """A module-scoped fixture: both twins' agents, killed at the end of the module (on the module's loop)."""

    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def agents(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Agents]:
        both = make_agents(tmp_path_factory.mktemp(name))
        yield both
        await both.aio.kill(both.aio.cfg)
        await both.sync.kill(both.sync.cfg)

    return agents


def twin_fixture() -> Any:
    """The ``twin`` fixture: each test runs once per twin (ids ``sync`` and ``aio``)."""

    @pytest.fixture(params=KINDS)
    def twin(agents: Agents, request: pytest.FixtureRequest) -> Twin:
        kind: Kind = request.param
        return agents.twin(kind)

    return twin


def no_leftover_tunnels_fixture() -> Any:
    """An autouse fixture: after each test, the twins it used (``twin``, else both) disconnect every tunnel left."""

    @pytest_asyncio.fixture(loop_scope="module", autouse=True)
    async def _no_leftover_tunnels(agents: Agents, request: pytest.FixtureRequest) -> AsyncIterator[None]:
        used: list[Twin] = (
            [request.getfixturevalue("twin")] if "twin" in request.fixturenames else [agents.sync, agents.aio]
        )
        yield
        for each in used:
            for tunnel in await each.get_tunnels(each.cfg):
                await each.disconnect(tunnel.public_url, each.cfg)

    return _no_leftover_tunnels


# ---- comparing the twins' errors -----------------------------------------------------------------------------------
_HOST = re.compile(r"\b(https?|tcp|tls)://[^\s'\"/)]+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalized(text: str, twin: Twin) -> str:
    """``text`` without what legitimately differs between the two agents: hosts/ports, the private folder, uuids."""
    folder = str(Path(twin.cfg.ngrok_path).parent)
    return _UUID.sub("<uuid>", _HOST.sub(r"\1://<host>", text.replace(folder, "<folder>")))


async def failure(twin: Twin, scenario: Callable[[Twin], Awaitable[object]]) -> tuple[str, str]:
    """Run ``scenario`` through ``twin``; the error it must raise as ``(type name, normalized message)``."""
    try:
        await scenario(twin)
    except Exception as exc:
        return type(exc).__qualname__, normalized(str(exc), twin)
    raise AssertionError(f"{twin.kind}: the scenario raised nothing")


async def same_failure(agents: Agents, scenario: Callable[[Twin], Awaitable[object]]) -> tuple[str, str]:
    """Run ``scenario`` through both twins; both must fail with the same error type and text. Returns it."""
    sync_error = await failure(agents.sync, scenario)
    aio_error = await failure(agents.aio, scenario)
    assert sync_error == aio_error, f"the twins disagree:\nsync: {sync_error}\naio:  {aio_error}"
    return sync_error
