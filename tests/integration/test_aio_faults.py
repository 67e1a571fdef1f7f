"""aio error paths with the real 2.3.41 agent: bind refused (502), not ready (503), killed mid-session, hung API,
failed starts, kill, and the rule that an aio agent belongs to (and ends with) the event loop that started it."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.integration.ngrok_env import AGENT, agent_config, http_upstream, hung_server, needs_agent
from typed_ngrok import aio
from typed_ngrok._agent_api.aio import AsyncAgentAPI
from typed_ngrok._agent_process.aio import is_process_running
from typed_ngrok._agent_process.config import build_argv, free_loopback_addr
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.edge import LocalEdge
from typed_ngrok.exception import (
    ProcessStartError,
    PyngrokError,
    PyngrokNgrokHTTPError,
    PyngrokNgrokURLError,
)
from typed_ngrok.log import NgrokLog

pytestmark = [pytest.mark.integration, needs_agent, pytest.mark.timeout(120)]


@pytest.fixture
async def cfg(tmp_path: Path) -> AsyncIterator[PyngrokConfig]:
    config = agent_config(tmp_path)
    yield config
    await aio.kill(config)


@pytest.fixture
def own_edge(tmp_path: Path) -> Iterator[tuple[LocalEdge, PyngrokConfig]]:
    """An edge the test controls (own thread), and a config whose file points an agent at it."""
    edge = LocalEdge().start()
    config = agent_config(tmp_path / "own", edge="ngrok", startup_timeout=20)
    assert config.config_path is not None
    Path(config.config_path).write_text(yaml.safe_dump(edge.agent_config("2", with_authtoken=True)))
    try:
        yield edge, config
    finally:
        edge.stop()


async def test_edge_refusing_the_bind_gives_502_then_recovers(cfg: PyngrokConfig) -> None:
    process = await aio.get_ngrok_process(cfg)
    assert process.edge is not None
    process.edge.reject_binds("The tunnel is already bound to another tunnel session\r\n\r\nERR_NGROK_310\r\n")
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        await aio.connect(8000, pyngrok_config=cfg)
    assert info.value.status_code == 502
    assert info.value.error_code == 103
    assert info.value.message == "failed to start tunnel"
    assert info.value.ngrok_error_code == "ERR_NGROK_310"
    process.edge.reject_binds(None)
    tunnel = await aio.connect(8000, pyngrok_config=cfg, bind_tls=True)
    assert tunnel.public_url is not None


async def test_agent_not_ready_gives_503(tmp_path: Path) -> None:
    """An agent whose edge address answers nothing (no session yet): the API is up, tunnel creation is 503 / 104."""
    config_file = tmp_path / "agent.yml"
    settings = {
        "server_addr": free_loopback_addr(),  # nothing listens there
        "authtoken": "not-a-secret",
        "web_addr": free_loopback_addr(),
        "update_check": False,
        "console_ui": False,
    }
    config_file.write_text(yaml.safe_dump(settings))
    proc = await asyncio.create_subprocess_exec(
        *build_argv(str(AGENT), [str(config_file)], None),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    api: AsyncAgentAPI | None = None
    try:
        assert proc.stdout is not None
        addr = None
        while addr is None:
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line, "the agent exited before starting its web service"
            log = NgrokLog(line.decode())
            if log.msg == "starting web service":
                addr = log.addr
        api = AsyncAgentAPI(f"http://{addr}", timeout=15)
        with pytest.raises(PyngrokNgrokHTTPError) as info:
            await api.start_tunnel({"name": "early", "addr": "8000", "proto": "http"})
        assert info.value.status_code == 503
        assert info.value.error_code == 104
        assert info.value.message == "ngrok is not yet ready to start tunnels"
    finally:
        if api is not None:
            await api.close()
        proc.terminate()
        await proc.communicate()


async def test_agent_killed_mid_session_then_next_call_recovers(cfg: PyngrokConfig) -> None:
    with http_upstream() as upstream:
        tunnel = await aio.connect(upstream.server_address[1], pyngrok_config=cfg, bind_tls=True)
        process = await aio.get_ngrok_process(cfg)
        old_api = process.agent_api(cfg.request_timeout)
        os.kill(process.proc.pid, signal.SIGKILL)
        await process.proc.wait()
        with pytest.raises(PyngrokNgrokURLError) as info:
            await old_api.list_tunnels()  # still aimed at the dead agent
        assert "ngrok client exception, URLError" in str(info.value)
        assert process.exited
        assert await aio.get_tunnels(cfg) == []  # a fresh agent, started on demand
        again = await aio.connect(upstream.server_address[1], pyngrok_config=cfg, bind_tls=True)
        assert again.api_url != tunnel.api_url
        assert again.public_url is not None
        async with httpx.AsyncClient(verify=False, timeout=20, trust_env=False) as client:
            assert (await client.get(again.public_url + "/back")).text == "GET /back 0"


async def test_hung_agent_api_times_out_within_request_timeout(tmp_path: Path) -> None:
    config = agent_config(tmp_path, request_timeout=1)
    try:
        process = await aio.get_ngrok_process(config)
        os.kill(process.proc.pid, signal.SIGSTOP)
        try:
            with pytest.raises(PyngrokNgrokURLError) as info:
                await asyncio.wait_for(aio.get_tunnels(config), 60)  # the outer bound only guards the test
            assert info.value.reason == "timed out"
        finally:
            os.kill(process.proc.pid, signal.SIGCONT)
        assert await aio.get_tunnels(config) == []
    finally:
        await aio.kill(config)
    with hung_server() as port, pytest.raises(PyngrokNgrokURLError, match="timed out"):
        await aio.api_request(f"http://127.0.0.1:{port}/api/tunnels", timeout=1.0)


async def test_auth_refused_fails_the_start_with_the_ngrok_code(own_edge: tuple[LocalEdge, PyngrokConfig]) -> None:
    edge, config = own_edge
    edge.reject_auth()
    with pytest.raises(ProcessStartError) as info:
        await aio.get_ngrok_process(config)
    assert info.value.ngrok_error_code == "ERR_NGROK_107"
    assert info.value.ngrok_logs
    assert not await is_process_running(config.ngrok_path)


async def test_no_session_fails_the_start_at_the_deadline(own_edge: tuple[LocalEdge, PyngrokConfig]) -> None:
    edge, config = own_edge
    edge.refuse_sessions()
    config.startup_timeout = 3
    with pytest.raises(ProcessStartError, match="not ready within 3 seconds") as info:
        await aio.get_ngrok_process(config)
    assert any(log.msg == "starting web service" for log in info.value.ngrok_logs)
    await aio.disconnect("https://localhost:1", config)  # no agent is left, and disconnect starts none


async def test_kill_stops_the_agent_and_its_edge(cfg: PyngrokConfig) -> None:
    process = await aio.get_ngrok_process(cfg)
    assert await process.healthy()
    edge = process.edge
    assert edge is not None and edge.running
    await aio.kill(cfg)
    assert process.proc.returncode is not None
    assert process.exited
    assert not edge.running
    assert not await process.healthy()
    await aio.kill(cfg)  # idempotent
    fresh = await aio.get_ngrok_process(cfg)
    assert fresh is not process
    assert fresh.api_url != process.api_url


def test_agent_ends_with_the_loop_that_started_it(tmp_path: Path) -> None:
    config = agent_config(tmp_path)

    async def start() -> aio.AsyncNgrokProcess:
        process = await aio.get_ngrok_process(config)
        assert await process.healthy()
        return process

    process = asyncio.run(start())  # no kill: the loop's shutdown stops it
    assert process.proc.returncode is not None
    assert process.edge is None


async def test_agent_of_another_running_loop_is_refused(tmp_path: Path) -> None:
    config = agent_config(tmp_path)
    other = asyncio.new_event_loop()

    def run_other() -> None:
        other.run_forever()
        other.run_until_complete(other.shutdown_asyncgens())
        other.close()

    thread = threading.Thread(target=run_other, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(aio.get_ngrok_process(config), other).result(60)
        with pytest.raises(PyngrokError, match="another event loop"):
            await aio.get_tunnels(config)
    finally:
        asyncio.run_coroutine_threadsafe(aio.kill(config), other).result(60)
        other.call_soon_threadsafe(other.stop)
        thread.join(30)
