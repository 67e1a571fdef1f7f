"""ngrok's Restart and Stop commands against the real 2.3.41 agent through the local edge, each scenario written once
and run through both twins (``ngrok`` in a worker thread, ``aio`` awaited; see twins.py).

On Restart the agent re-executes itself (same pid, argv, config, ``web_addr``) and opens a new session; the tunnels
created through its API are gone (``docs/edge-protocol.md`` §5). typed-ngrok notices it in the agent's log and opens
them again (``typed_ngrok._tunnels.restart``); the local edge hands the restarted agent its old URLs back. Stop makes
the agent exit: the next call notices, as for any dead agent. The same restart asked for through the edge's cloud API
(issue 13's end-to-end test: ``CloudClient`` with the sync twin, ``AsyncCloudClient`` with the ``aio`` one), and
so are Update (refused with the agent's reason; the agent runs on) and Stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Literal, NamedTuple

import httpx
import pytest

from tests.integration.ngrok_env import agent_config, echo_through, http_upstream, needs_agent, tcp_echo
from tests.integration.twins import Twin, agents_fixture, twin_fixture
from typed_ngrok._agent_process.aio import AsyncNgrokProcess
from typed_ngrok._tunnels.registry import TunnelRegistry, registry_for
from typed_ngrok.cloud import AsyncCloudClient, CloudClient
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.edge import LocalEdge
from typed_ngrok.exception import CloudAPIError
from typed_ngrok.ngrok import ConnectedTunnel
from typed_ngrok.process import NgrokProcess

pytestmark = [
    pytest.mark.integration,
    needs_agent,
    pytest.mark.timeout(120),
    pytest.mark.asyncio(loop_scope="module"),
]

agents = agents_fixture("restart-scenarios")  # unused agents; each scenario runs its own (it restarts or stops it)
twin = twin_fixture()


@pytest.fixture
def upstream() -> Iterator[ThreadingHTTPServer]:
    with http_upstream() as server:
        yield server


@pytest.fixture
def echo_port() -> Iterator[int]:
    with tcp_echo() as port:
        yield port


async def _get(url: str) -> httpx.Response:
    async with httpx.AsyncClient(verify=False, timeout=20, trust_env=False) as client:
        return await client.get(url)


async def _process(twin: Twin, cfg: PyngrokConfig) -> NgrokProcess | AsyncNgrokProcess:
    process = await twin.get_ngrok_process(cfg)
    assert isinstance(process, NgrokProcess | AsyncNgrokProcess)
    return process


def _edge(process: NgrokProcess | AsyncNgrokProcess) -> LocalEdge:
    assert process.edge is not None
    return process.edge


def _registry(cfg: PyngrokConfig, process: NgrokProcess | AsyncNgrokProcess) -> TunnelRegistry:
    return registry_for(cfg.ngrok_path, process.api_url)


async def _wait_exit(process: NgrokProcess | AsyncNgrokProcess) -> int:
    """The agent's exit code, once it has exited (within 30 s)."""
    if isinstance(process, NgrokProcess):
        return await asyncio.to_thread(process.proc.wait, 30)
    return await asyncio.wait_for(process.proc.wait(), 30)


async def _dead_then_fresh(
    twin: Twin, cfg: PyngrokConfig, process: NgrokProcess | AsyncNgrokProcess, tunnel: ConnectedTunnel, port: int
) -> None:
    """The agent of ``process`` (which served ``tunnel``) was told to stop: it exits with 0, the next call notices the
    dead agent (no tunnels: a fresh agent, started on demand), and a new tunnel to ``port`` works through it."""
    assert await _wait_exit(process) == 0
    assert await twin.get_tunnels(cfg) == []  # the dead agent is noticed: a fresh one, started on demand
    again = await _process(twin, cfg)
    assert again is not process and process.exited
    fresh = await twin.connect(port, pyngrok_config=cfg)
    assert fresh.api_url != tunnel.api_url
    assert (await _get(fresh.public_url + "/fresh")).text == "GET /fresh 0"


def _config_file(folder: Path) -> PyngrokConfig:
    """An agent config whose file defines a tunnel ``fromfile`` (opened by name) and one never opened."""
    cfg = agent_config(folder)
    (folder / "ngrok.yml").write_text(
        "tunnels:\n  fromfile:\n    proto: tcp\n    addr: 1\n  unused:\n    proto: tcp\n    addr: 2\n"
    )
    return cfg


async def test_restart_reopens_the_tunnels_at_their_old_urls(
    twin: Twin, tmp_path: Path, upstream: ThreadingHTTPServer, echo_port: int
) -> None:
    cfg = _config_file(tmp_path / twin.kind)
    port = upstream.server_address[1]
    try:
        plain = await twin.connect(port, pyngrok_config=cfg, name="plain")
        both = await twin.connect(port, pyngrok_config=cfg, name="both", bind_tls="both")
        raw = await twin.connect(echo_port, "tcp", pyngrok_config=cfg, name="raw")
        named = await twin.connect(echo_port, pyngrok_config=cfg, name="fromfile")  # a config-file definition
        before = sorted((t.name, t.public_url) for t in await twin.get_tunnels(cfg))
        assert [name for name, _url in before] == ["both", "both (http)", "fromfile-api", "plain", "raw"]
        process = await _process(twin, cfg)
        edge, pid, api_url = _edge(process), process.proc.pid, process.api_url
        old_session = edge.sessions[0].id

        await asyncio.to_thread(edge.restart_agent)
        assert await asyncio.to_thread(_registry(cfg, process).wait_restarts, 1, 60.0)

        [new_session] = [s.id for s in edge.sessions if s.alive]  # exactly one live session, and a new one
        assert new_session != old_session
        # what the agent lists (get_tunnels asks it), with the old URLs and no duplicates
        assert sorted((t.name, t.public_url) for t in await twin.get_tunnels(cfg)) == before
        assert (await _get(plain.public_url + "/again")).text == "GET /again 0"
        assert (await _get(both.public_url + "/tls")).text == "GET /tls 0"
        assert (await _get(both.public_url.replace("https://", "http://") + "/plain")).text == "GET /plain 0"
        host, _, raw_port = raw.public_url.removeprefix("tcp://").rpartition(":")
        assert await asyncio.to_thread(echo_through, host, int(raw_port), b"still there") == b"still there"
        assert named.name == "fromfile-api"

        same = await _process(twin, cfg)
        assert same is process and same.proc.pid == pid and same.api_url == api_url and not same.exited
    finally:
        await twin.kill(cfg)
    assert process.exited  # the process object still tracked the re-executed agent: kill stopped it


async def test_a_tunnel_disconnected_before_the_restart_stays_closed(
    twin: Twin, tmp_path: Path, upstream: ThreadingHTTPServer
) -> None:
    cfg = agent_config(tmp_path / twin.kind, monitor_thread=False)  # the restart is read from unmonitored output too
    port = upstream.server_address[1]
    try:
        kept = await twin.connect(port, pyngrok_config=cfg, name="kept")
        gone = await twin.connect(port, pyngrok_config=cfg, name="gone")
        await twin.disconnect(gone.public_url, cfg)
        process = await _process(twin, cfg)
        await asyncio.to_thread(_edge(process).restart_agent)
        assert await asyncio.to_thread(_registry(cfg, process).wait_restarts, 1, 60.0)
        assert [(t.name, t.public_url) for t in await twin.get_tunnels(cfg)] == [("kept", kept.public_url)]
        # a second restart: the re-opened tunnel is tracked like any other
        await asyncio.to_thread(_edge(process).restart_agent)
        assert await asyncio.to_thread(_registry(cfg, process).wait_restarts, 2, 60.0)
        assert [(t.name, t.public_url) for t in await twin.get_tunnels(cfg)] == [("kept", kept.public_url)]
        assert (await _get(kept.public_url + "/twice")).text == "GET /twice 0"
    finally:
        await twin.kill(cfg)


async def test_a_tunnel_disconnected_while_the_agent_restarts_is_not_opened_again(
    twin: Twin, tmp_path: Path, upstream: ThreadingHTTPServer
) -> None:
    cfg = agent_config(tmp_path / twin.kind)
    port = upstream.server_address[1]
    try:
        kept = await twin.connect(port, pyngrok_config=cfg, name="kept")
        gone = await twin.connect(port, pyngrok_config=cfg, name="gone")
        process = await _process(twin, cfg)
        edge, registry = _edge(process), _registry(cfg, process)
        edge.refuse_sessions()  # the restarted agent cannot open its new session: the restart window stays open
        await asyncio.to_thread(edge.restart_agent)
        assert await asyncio.to_thread(registry.wait_restarts_seen, 1, 30.0)
        await twin.disconnect(gone.public_url, cfg)  # while its tunnels are planned, before they are opened again
        edge.refuse_sessions(False)
        assert await asyncio.to_thread(registry.wait_restarts, 1, 60.0)
        assert [(t.name, t.public_url) for t in await twin.get_tunnels(cfg)] == [("kept", kept.public_url)]
        assert [t.url for t in edge.tunnels if t.session_id is not None] == [kept.public_url]  # the edge agrees
        assert (await _get(kept.public_url + "/kept")).text == "GET /kept 0"
    finally:
        await twin.kill(cfg)


async def test_a_tunnel_that_cannot_be_opened_again_is_logged_masked_and_not_listed(
    twin: Twin, tmp_path: Path, upstream: ThreadingHTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = agent_config(tmp_path / twin.kind)
    port = upstream.server_address[1]
    try:
        await twin.connect(port, pyngrok_config=cfg, name="locked", auth="user:s3cret-pass")
        process = await _process(twin, cfg)
        edge = _edge(process)
        edge.reject_binds()  # the restarted agent's Binds are refused: its tunnels cannot come back
        with caplog.at_level(logging.INFO, "typed_ngrok"):
            await asyncio.to_thread(edge.restart_agent)
            assert await asyncio.to_thread(_registry(cfg, process).wait_restarts, 1, 60.0)
        assert "could not open tunnel 'locked' again after the agent restarted" in caplog.text
        assert "the restarted ngrok agent runs 0 of its 1 tunnel(s) again" in caplog.text
        assert "s3cret-pass" not in caplog.text
        assert _registry(cfg, process).tunnels() == []  # what the agent runs: nothing
        assert await twin.get_tunnels(cfg) == []
        edge.reject_binds(None)
        again = await twin.connect(port, pyngrok_config=cfg, name="locked")  # the name is free again
        assert (await _get(again.public_url + "/open")).text == "GET /open 0"
    finally:
        await twin.kill(cfg)


async def test_stop_makes_the_agent_exit_and_the_next_call_notices(
    twin: Twin, tmp_path: Path, upstream: ThreadingHTTPServer
) -> None:
    cfg = agent_config(tmp_path / twin.kind)
    try:
        tunnel = await twin.connect(upstream.server_address[1], pyngrok_config=cfg)
        process = await _process(twin, cfg)
        await asyncio.to_thread(_edge(process).stop_agent)
        await _dead_then_fresh(twin, cfg, process, tunnel, upstream.server_address[1])
    finally:
        await twin.kill(cfg)


class _CloudAgent(NamedTuple):
    """An agent with one tunnel "web", found through the cloud API by its session metadata (``wanted``)."""

    cfg: PyngrokConfig
    tunnel: ConnectedTunnel
    process: NgrokProcess | AsyncNgrokProcess
    edge: LocalEdge
    pid: int
    wanted: str
    session: str


@contextlib.asynccontextmanager
async def _cloud_agent(
    twin: Twin, tmp_path: Path, upstream: ThreadingHTTPServer, label: str
) -> AsyncIterator[_CloudAgent]:
    """Start the twin's agent with session metadata ``<label>-<twin>`` and a tunnel; its session id from the cloud API.
    The agent is killed on leaving."""
    cfg = agent_config(tmp_path / twin.kind)
    (tmp_path / twin.kind / "ngrok.yml").write_text(f"metadata: {label}-{twin.kind}\n")  # to find its session
    try:
        tunnel = await twin.connect(upstream.server_address[1], pyngrok_config=cfg, name="web")
        process = await _process(twin, cfg)
        edge = _edge(process)
        wanted = f'obj.metadata == "{label}-{twin.kind}"'
        [session] = await _cloud_sessions(twin, edge, wanted)
        yield _CloudAgent(cfg, tunnel, process, edge, process.proc.pid, wanted, session)
    finally:
        await twin.kill(cfg)


async def test_restart_through_the_cloud_api_gives_a_new_session_and_the_old_url_works(
    twin: Twin, tmp_path: Path, upstream: ThreadingHTTPServer
) -> None:
    async with _cloud_agent(twin, tmp_path, upstream, "restart") as (cfg, tunnel, process, edge, pid, wanted, old):
        mark = edge.mark()
        await _cloud_action(twin, edge, "restart", old)
        new = await asyncio.to_thread(_next_session, edge, mark, old)
        assert await _cloud_sessions(twin, edge, wanted) == [new] != [old]

        assert await asyncio.to_thread(_registry(cfg, process).wait_restarts, 1, 60.0)
        assert (await _get(tunnel.public_url + "/cloud")).text == "GET /cloud 0"
        assert [(t.name, t.public_url) for t in await twin.get_tunnels(cfg)] == [("web", tunnel.public_url)]
        same = await _process(twin, cfg)
        assert same is process and same.proc.pid == pid and not same.exited
    assert process.exited


async def test_update_is_refused_and_stop_ends_the_agent_through_the_cloud_api(
    twin: Twin, tmp_path: Path, upstream: ThreadingHTTPServer
) -> None:
    async with _cloud_agent(twin, tmp_path, upstream, "actions") as (cfg, tunnel, process, edge, pid, wanted, session):
        with pytest.raises(CloudAPIError) as refused:
            await _cloud_action(twin, edge, "update", session)
        assert refused.value.status_code == 400 and refused.value.error_code == "ERR_NGROK_809"
        assert "updates disabled" in str(refused.value)  # the agent's own reason
        assert await _cloud_sessions(twin, edge, wanted) == [session]  # the same session: the agent runs on
        same = await _process(twin, cfg)
        assert same is process and same.proc.pid == pid and not same.exited
        assert [(t.name, t.public_url) for t in await twin.get_tunnels(cfg)] == [("web", tunnel.public_url)]
        assert (await _get(tunnel.public_url + "/updated")).text == "GET /updated 0"

        await _cloud_action(twin, edge, "stop", session)
        await _dead_then_fresh(twin, cfg, process, tunnel, upstream.server_address[1])


async def _cloud_sessions(twin: Twin, edge: LocalEdge, wanted: str) -> list[str]:
    """The ids of the tunnel sessions ``wanted`` selects: CloudClient for the sync twin, AsyncCloudClient for aio."""
    if twin.kind == "sync":
        with CloudClient(base_url=edge.cloud_api_url, api_key=edge.cloud_api_key, max_retries=0) as cloud:
            return await asyncio.to_thread(lambda: [s.id for s in cloud.tunnel_sessions.list(filter=wanted)])
    async with AsyncCloudClient(base_url=edge.cloud_api_url, api_key=edge.cloud_api_key, max_retries=0) as aclient:
        return [s.id async for s in aclient.tunnel_sessions.list(filter=wanted)]


async def _cloud_action(
    twin: Twin, edge: LocalEdge, action: Literal["update", "stop", "restart"], session_id: str
) -> None:
    """``tunnel_sessions.update``/``stop``/``restart`` of ``session_id``, through the twin's cloud client (see
    above)."""
    if twin.kind == "sync":
        with CloudClient(base_url=edge.cloud_api_url, api_key=edge.cloud_api_key, max_retries=0) as cloud:
            s = cloud.tunnel_sessions
            await asyncio.to_thread({"update": s.update, "stop": s.stop, "restart": s.restart}[action], session_id)
        return
    async with AsyncCloudClient(base_url=edge.cloud_api_url, api_key=edge.cloud_api_key, max_retries=0) as aclient:
        a = aclient.tunnel_sessions
        await {"update": a.update, "stop": a.stop, "restart": a.restart}[action](session_id)


def _next_session(edge: LocalEdge, mark: int, old: str) -> str:
    """The id of the first session after ``mark`` other than ``old`` (the restarted agent's new one)."""
    return edge.wait_for_event("session", since=mark, timeout=20, match=lambda e: e.session_id != old).session_id
