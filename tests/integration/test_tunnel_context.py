"""``ngrok.tunnel(...)`` / ``aio.tunnel(...)`` against the real 2.3.41 agent through the local edge, each scenario
written once and run through both twins (``with ngrok.tunnel`` entered and left in worker threads, ``async with
aio.tunnel`` awaited; see twins.py): the tunnel serves inside the block and is gone after it, also when the body
raises; a failing disconnect raises after a clean body and never hides a body's exception (it becomes a note).
"""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.integration.ngrok_env import agent_config, http_upstream, needs_agent
from tests.integration.twins import Agents, Twin, agents_fixture, same_failure, twin_fixture
from typed_ngrok._agent_process.aio import AsyncNgrokProcess
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokURLError
from typed_ngrok.process import NgrokProcess

pytestmark = [
    pytest.mark.integration,
    needs_agent,
    pytest.mark.timeout(120),
    pytest.mark.asyncio(loop_scope="module"),
]

agents = agents_fixture("tunnel-context")
twin = twin_fixture()


class Boom(Exception):
    """The body's own failure."""


@pytest.fixture
def upstream() -> Iterator[ThreadingHTTPServer]:
    with http_upstream() as server:
        yield server


async def _listed(twin: Twin) -> list[str]:
    """The public URLs the twin's agent itself lists (straight from its API)."""
    return sorted(str(item["public_url"]) for item in await twin.agent_list_tunnels())


async def _get(ca_path: str, url: str) -> httpx.Response:
    async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=ca_path), timeout=20, trust_env=False) as c:
        return await c.get(url)


async def test_tunnel_serves_inside_the_block_and_is_gone_after_it(twin: Twin, upstream: ThreadingHTTPServer) -> None:
    cfg = twin.cfg
    ca_path = (await twin.get_ngrok_process(cfg)).ca_path
    async with twin.tunnel(upstream.server_address[1], pyngrok_config=cfg, name="ctx-ok") as opened:
        assert opened.public_url.startswith("https://")
        assert opened.name == "ctx-ok"
        assert await _listed(twin) == [opened.public_url]
        assert (await _get(ca_path, opened.public_url + "/inside")).text == "GET /inside 0"
    assert await _listed(twin) == []
    assert await twin.get_tunnels(cfg) == []


async def test_tunnel_passes_proto_and_options_like_connect(twin: Twin, upstream: ThreadingHTTPServer) -> None:
    cfg = twin.cfg
    async with twin.tunnel(upstream.server_address[1], "tcp", pyngrok_config=cfg) as opened:
        assert opened.proto == "tcp"
        assert opened.public_url.startswith("tcp://")
    async with twin.tunnel(upstream.server_address[1], pyngrok_config=cfg, bind_tls="both") as opened:
        assert sorted(str(t.name) for t in await twin.get_tunnels(cfg)) == [opened.name, f"{opened.name} (http)"]
    assert await _listed(twin) == []  # the (http) companion left with it


async def test_tunnel_is_disconnected_when_the_body_raises(twin: Twin, upstream: ThreadingHTTPServer) -> None:
    cfg = twin.cfg
    raised = Boom("the body failed")
    with pytest.raises(Boom) as info:
        async with twin.tunnel(upstream.server_address[1], pyngrok_config=cfg) as opened:
            assert await _listed(twin) == [opened.public_url]
            raise raised
    assert info.value is raised
    assert getattr(info.value, "__notes__", []) == []
    assert await _listed(twin) == []


async def test_tunnel_closed_by_the_body_leaves_quietly(twin: Twin, upstream: ThreadingHTTPServer) -> None:
    cfg = twin.cfg
    async with twin.tunnel(upstream.server_address[1], pyngrok_config=cfg) as opened:
        await twin.disconnect(opened.public_url, cfg)
    assert await _listed(twin) == []
    async with twin.tunnel(upstream.server_address[1], pyngrok_config=cfg):
        await twin.kill(cfg)  # no agent left: leaving is a no-op (disconnect never starts one)
    assert await twin.get_tunnels(cfg) == []  # the next call starts a fresh agent, as usual


async def test_bad_arguments_are_refused_before_anything_opens(agents: Agents) -> None:
    async def bad_addr(twin: Twin) -> object:
        async with twin.tunnel(3.5, pyngrok_config=twin.cfg):  # type: ignore[arg-type]
            raise AssertionError("the body ran")

    kind, message = await same_failure(agents, bad_addr)
    assert kind == "PyngrokError"
    assert '"addr" must be a port' in message

    async def bad_option(twin: Twin) -> object:
        async with twin.tunnel(8000, pyngrok_config=twin.cfg, auth="nocolon"):
            raise AssertionError("the body ran")

    assert 'Option "auth" must be "user:pass"' in (await same_failure(agents, bad_option))[1]


async def _stop(twin: Twin, cfg: PyngrokConfig) -> int:
    """SIGSTOP the agent of ``cfg`` (its API then accepts connections and never answers); returns its pid."""
    process = await twin.get_ngrok_process(cfg)
    assert isinstance(process, NgrokProcess | AsyncNgrokProcess)
    pid = process.proc.pid
    os.kill(pid, signal.SIGSTOP)
    # kill() returns before every agent thread has stopped: wait for the group stop (our child; reaps nothing)
    _, status = await asyncio.to_thread(os.waitpid, pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status)
    return pid


async def test_a_failing_disconnect_raises_after_a_clean_body_and_is_a_note_after_a_failed_one(
    twin: Twin, tmp_path: Path, upstream: ThreadingHTTPServer
) -> None:
    cfg = agent_config(tmp_path, request_timeout=1)  # its own agent: this test hangs its API
    stopped: list[int] = []
    try:
        with pytest.raises(PyngrokNgrokURLError, match="timed out"):
            async with twin.tunnel(upstream.server_address[1], pyngrok_config=cfg):
                stopped.append(await _stop(twin, cfg))  # the body succeeds; leaving cannot reach the agent
        os.kill(stopped.pop(), signal.SIGCONT)

        raised = Boom("the body failed")
        with pytest.raises(Boom) as info:
            async with twin.tunnel(upstream.server_address[1], pyngrok_config=cfg) as opened:
                stopped.append(await _stop(twin, cfg))
                raise raised
        assert info.value is raised  # not hidden by the disconnect's error...
        [note] = info.value.__notes__  # ...which is attached to it
        assert note.startswith(f"typed-ngrok: disconnecting {opened.public_url} on leaving the tunnel context")
        assert "PyngrokNgrokURLError" in note and "timed out" in note
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
        await twin.kill(cfg)
