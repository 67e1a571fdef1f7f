"""Bounded load on one real 2.3.41 agent: threads (sync twin) and tasks (aio twin) doing connect/get_tunnels/disconnect
with ``bind_tls="both"`` (each tunnel has a ``<name> (http)`` companion) at the same time.

Required (issue 9, item 1): no tunnel left on the agent once every worker has disconnected what it opened, and the
per-agent registry then equal to the agent's own list. Each worker runs a fixed number of rounds, so the load is
bounded in count; the whole module stays within a few tens of seconds on 2 cores.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.integration.ngrok_env import agent_config, http_upstream, needs_agent
from typed_ngrok import aio, ngrok
from typed_ngrok._agent_api.aio import AsyncAgentAPI
from typed_ngrok._agent_api.sync import AgentAPI
from typed_ngrok._tunnels import registry as registry_module
from typed_ngrok._tunnels.registry import registry_for
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.edge import LocalEdge
from typed_ngrok.exception import PyngrokError, PyngrokNgrokURLError

pytestmark = [pytest.mark.integration, needs_agent, pytest.mark.timeout(180)]

WORKERS = 16
LISTERS = 8
ROUNDS = 6


def _registry_urls(cfg: PyngrokConfig, api_url: str | None) -> set[str]:
    return {t.public_url for t in registry_for(cfg.ngrok_path, api_url).tunnels() if t.public_url}


def _agent_urls(api_url: str | None) -> set[str]:
    """The agent's own list, read without going through (and so refreshing) the registry."""
    assert api_url is not None
    api = AgentAPI(api_url)
    try:
        return {str(item["public_url"]) for item in api.list_tunnels()}
    finally:
        api.close()


@pytest.fixture
def upstream_port() -> Iterator[int]:
    with http_upstream() as server:
        yield server.server_address[1]


def test_threads_leave_no_orphan_and_registry_equals_agent(tmp_path: Path, upstream_port: int) -> None:
    cfg = agent_config(tmp_path)
    try:
        api_url = ngrok.get_ngrok_process(cfg).api_url
        errors: list[BaseException] = []
        done = threading.Event()

        def worker() -> None:
            try:
                for _ in range(ROUNDS):
                    tunnel = ngrok.connect(upstream_port, pyngrok_config=cfg, bind_tls="both")
                    ngrok.get_tunnels(cfg)
                    ngrok.disconnect(tunnel.public_url, pyngrok_config=cfg)
            except BaseException as exc:  # reported below
                errors.append(exc)

        def lister() -> None:
            try:
                while not done.is_set():
                    ngrok.get_tunnels(cfg)
            except BaseException as exc:
                errors.append(exc)

        workers = [threading.Thread(target=worker) for _ in range(WORKERS)]
        listers = [threading.Thread(target=lister) for _ in range(LISTERS)]
        for thread in workers + listers:
            thread.start()
        for thread in workers:
            thread.join(150)
        done.set()
        for thread in listers:
            thread.join(30)
        assert errors == []
        assert _agent_urls(api_url) == set()  # no orphaned tunnel, companions included
        assert _registry_urls(cfg, api_url) == set()  # the registry equals the agent's list
    finally:
        ngrok.kill(cfg)


async def test_tasks_leave_no_orphan_and_registry_equals_agent(tmp_path: Path, upstream_port: int) -> None:
    cfg = agent_config(tmp_path)
    try:
        api_url = (await aio.get_ngrok_process(cfg)).api_url
        done = asyncio.Event()

        async def worker() -> None:
            for _ in range(ROUNDS):
                tunnel = await aio.connect(upstream_port, pyngrok_config=cfg, bind_tls="both")
                await aio.get_tunnels(cfg)
                await aio.disconnect(tunnel.public_url, pyngrok_config=cfg)

        async def lister() -> None:
            while not done.is_set():
                await aio.get_tunnels(cfg)

        # on one loop a lister lists far faster than a thread does (alone here: 2 tasks, ~1,450 listings while the
        # workers ran; 8 threads, ~2,700), and more listers only starve the workers: 2 keep the run bounded
        listers = [asyncio.create_task(lister()) for _ in range(LISTERS // 4)]
        try:
            await asyncio.gather(*(worker() for _ in range(WORKERS)))
        finally:
            done.set()
            await asyncio.gather(*listers)
        assert _agent_urls(api_url) == set()
        assert _registry_urls(cfg, api_url) == set()
    finally:
        await aio.kill(cfg)


# -- the two interleavings behind item 1, forced deterministically -------------------------------------------------


def test_listing_between_stop_and_companions_keeps_the_companion(
    tmp_path: Path, upstream_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A get_tunnels landing right after disconnect stopped the https tunnel (so its listing shows the ``(http)``
    twin alone) must not make disconnect forget the twin."""
    cfg = agent_config(tmp_path)
    try:
        tunnel = ngrok.connect(upstream_port, pyngrok_config=cfg, bind_tls="both")
        real_stop = AgentAPI.stop_tunnel

        def stop_then_list(api: AgentAPI, name: str) -> None:
            real_stop(api, name)
            if name == tunnel.name:
                ngrok.get_tunnels(cfg)  # another caller's listing, between the stop and the companions

        monkeypatch.setattr(AgentAPI, "stop_tunnel", stop_then_list)
        ngrok.disconnect(tunnel.public_url, pyngrok_config=cfg)
        monkeypatch.undo()
        api_url = ngrok.get_ngrok_process(cfg).api_url
        assert _agent_urls(api_url) == set()
        assert _registry_urls(cfg, api_url) == set()
    finally:
        ngrok.kill(cfg)


async def test_aio_listing_between_stop_and_companions_keeps_the_companion(
    tmp_path: Path, upstream_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = agent_config(tmp_path)
    try:
        tunnel = await aio.connect(upstream_port, pyngrok_config=cfg, bind_tls="both")
        real_stop = AsyncAgentAPI.stop_tunnel

        async def stop_then_list(api: AsyncAgentAPI, name: str) -> None:
            await real_stop(api, name)
            if name == tunnel.name:
                await aio.get_tunnels(cfg)

        monkeypatch.setattr(AsyncAgentAPI, "stop_tunnel", stop_then_list)
        await aio.disconnect(tunnel.public_url, pyngrok_config=cfg)
        monkeypatch.undo()
        api_url = (await aio.get_ngrok_process(cfg)).api_url
        assert _agent_urls(api_url) == set()
        assert _registry_urls(cfg, api_url) == set()
    finally:
        await aio.kill(cfg)


def test_stale_listing_neither_readds_a_removed_nor_drops_an_added_tunnel(
    tmp_path: Path, upstream_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listing answered before another caller's disconnect and connect, applied after them."""
    cfg = agent_config(tmp_path)
    try:
        old = ngrok.connect(upstream_port, pyngrok_config=cfg)
        added: list[str] = []
        real_list = AgentAPI.list_tunnels

        def list_then_change(api: AgentAPI) -> list[dict[str, object]]:
            items = real_list(api)
            if not added:  # once: the nested calls below list too
                added.append("")
                ngrok.disconnect(old.public_url, pyngrok_config=cfg)
                added.append(ngrok.connect(upstream_port, pyngrok_config=cfg).public_url)
            return items

        monkeypatch.setattr(AgentAPI, "list_tunnels", list_then_change)
        stale = ngrok.get_tunnels(cfg)
        monkeypatch.undo()
        assert [t.public_url for t in stale] == [old.public_url]  # the caller gets what the agent said
        api_url = ngrok.get_ngrok_process(cfg).api_url
        assert _registry_urls(cfg, api_url) == _agent_urls(api_url) == {added[1]}
    finally:
        ngrok.kill(cfg)


async def test_aio_stale_listing_neither_readds_a_removed_nor_drops_an_added_tunnel(
    tmp_path: Path, upstream_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = agent_config(tmp_path)
    try:
        old = await aio.connect(upstream_port, pyngrok_config=cfg)
        added: list[str] = []
        real_list = AsyncAgentAPI.list_tunnels

        async def list_then_change(api: AsyncAgentAPI) -> list[dict[str, object]]:
            items = await real_list(api)
            if not added:
                added.append("")
                await aio.disconnect(old.public_url, pyngrok_config=cfg)
                added.append((await aio.connect(upstream_port, pyngrok_config=cfg)).public_url)
            return items

        monkeypatch.setattr(AsyncAgentAPI, "list_tunnels", list_then_change)
        stale = await aio.get_tunnels(cfg)
        monkeypatch.undo()
        assert [t.public_url for t in stale] == [old.public_url]
        api_url = (await aio.get_ngrok_process(cfg)).api_url
        assert _registry_urls(cfg, api_url) == _agent_urls(api_url) == {added[1]}
    finally:
        await aio.kill(cfg)


# -- item 2: a connect that timed out leaves nothing public ------------------------------------------------------


@pytest.fixture
def slow_edge(tmp_path: Path) -> Iterator[tuple[LocalEdge, PyngrokConfig]]:
    """An edge the test controls, and an agent pointed at it with a 1 s request_timeout (binds answered after 2 s)."""
    edge = LocalEdge().start()
    cfg = agent_config(tmp_path, edge="ngrok", request_timeout=1)
    assert cfg.config_path is not None
    Path(cfg.config_path).write_text(yaml.safe_dump(edge.agent_config("2", with_authtoken=True)))
    try:
        yield edge, cfg
    finally:
        edge.stop()


def _await_removal(edge: LocalEdge, since: int) -> None:
    """Both binds of a ``bind_tls="both"`` tunnel (https and its http twin) made, then both released, and the sync
    reaper finished (the edge sees the second unbind before the agent has answered that DELETE and dropped the
    tunnel from its list)."""
    for kind in ("bind", "unbind"):
        first = edge.wait_for_event(kind, since=since, timeout=60)
        edge.wait_for_event(kind, since=first.seq + 1, timeout=60)
    for thread in threading.enumerate():
        if thread.name == "typed-ngrok-reap-web":
            thread.join(60)
            assert not thread.is_alive()


async def _await_async_removal(edge: LocalEdge, since: int) -> None:
    """As :func:`_await_removal`, then the async reaper task finished."""
    await asyncio.to_thread(_await_removal, edge, since)
    await asyncio.wait_for(asyncio.gather(*list(registry_module._background)), 60)


def test_timed_out_connect_is_removed_once_the_agent_creates_it(
    slow_edge: tuple[LocalEdge, PyngrokConfig], upstream_port: int
) -> None:
    edge, cfg = slow_edge
    try:
        api_url = ngrok.get_ngrok_process(cfg).api_url
        since = edge.mark()
        edge.delay_replies(2.0)
        with pytest.raises(PyngrokNgrokURLError, match="typed-ngrok removes tunnel 'web'") as info:
            ngrok.connect(upstream_port, name="web", pyngrok_config=cfg, bind_tls="both")
        assert info.value.reason == "timed out"
        with pytest.raises(PyngrokError, match="tunnel name 'web': an earlier connect"):
            ngrok.connect(upstream_port, name="web", pyngrok_config=cfg)  # refused while it may still appear
        edge.delay_replies(0)
        _await_removal(edge, since)
        assert _agent_urls(api_url) == set()
        assert edge.tunnels == []
    finally:
        ngrok.kill(cfg)


async def test_aio_timed_out_connect_is_removed_once_the_agent_creates_it(
    slow_edge: tuple[LocalEdge, PyngrokConfig], upstream_port: int
) -> None:
    edge, cfg = slow_edge
    try:
        api_url = (await aio.get_ngrok_process(cfg)).api_url
        since = edge.mark()
        edge.delay_replies(2.0)
        with pytest.raises(PyngrokNgrokURLError, match="typed-ngrok removes tunnel 'web'") as info:
            await aio.connect(upstream_port, name="web", pyngrok_config=cfg, bind_tls="both")
        assert info.value.reason == "timed out"
        with pytest.raises(PyngrokError, match="tunnel name 'web': an earlier connect"):
            await aio.connect(upstream_port, name="web", pyngrok_config=cfg)
        edge.delay_replies(0)
        await _await_async_removal(edge, since)
        assert _agent_urls(api_url) == set()
        assert edge.tunnels == []
    finally:
        await aio.kill(cfg)
