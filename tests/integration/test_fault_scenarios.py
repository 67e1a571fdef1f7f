"""Error paths with the real 2.3.41 agent, each scenario written once and run through both twins (``ngrok``/``process``
in a worker thread, ``aio`` awaited; see twins.py and process_twins.py): the edge refuses a bind (502), the agent is
not ready (503), killed mid-session, its API hangs, a start fails (auth refused, no session), kill.

Error texts must not differ between the twins: ``test_fault_errors_are_the_same_in_both_twins`` (and the deadline
scenario, which runs through both twins only once, to save its waits) run each failing scenario through both and compare
type and message with ``twins.same_failure``. Two aio-only rules (an aio agent belongs to, and ends with, the
event loop that started it) stay aio-only tests at the end: the sync twin has no event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import yaml

from tests.integration.ngrok_env import AGENT, agent_config, http_upstream, hung_server, needs_agent
from tests.integration.process_twins import ProcessHandle, ProcessTwin, ptwin_fixture
from tests.integration.twins import Agents, Twin, agents_fixture, same_failure, twin_fixture
from typed_ngrok import aio
from typed_ngrok._agent_api.aio import AsyncAgentAPI
from typed_ngrok._agent_api.sync import AgentAPI, agent_api_for
from typed_ngrok._agent_process.aio import AsyncNgrokProcess
from typed_ngrok._agent_process.config import build_argv, free_loopback_addr
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.edge import LocalEdge
from typed_ngrok.exception import ProcessStartError, PyngrokError, PyngrokNgrokHTTPError, PyngrokNgrokURLError
from typed_ngrok.log import NgrokLog
from typed_ngrok.process import NgrokProcess

pytestmark = [
    pytest.mark.integration,
    needs_agent,
    pytest.mark.timeout(120),
]
module_loop = pytest.mark.asyncio(loop_scope="module")  # the module's agents belong to the module's loop

agents = agents_fixture("fault-scenarios")
twin = twin_fixture()
ptwin = ptwin_fixture()

BIND_REFUSAL = "The tunnel is already bound to another tunnel session\r\n\r\nERR_NGROK_310\r\n"


# ---- helpers: the twins' own agent API clients, a process handle, agents with an edge the test controls -----------
async def api_list_tunnels(twin: Twin, api_url: str, timeout: float = 15) -> list[dict[str, Any]]:
    """``GET /api/tunnels`` at ``api_url`` through the twin's own client class (AgentAPI / AsyncAgentAPI)."""
    if twin.kind == "aio":
        async_api = AsyncAgentAPI(api_url, timeout=timeout)
        try:
            return await async_api.list_tunnels()
        finally:
            await async_api.close()
    api = AgentAPI(api_url, timeout=timeout)
    try:
        return await asyncio.to_thread(api.list_tunnels)
    finally:
        api.close()


async def api_start_tunnel(twin: Twin, api_url: str, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /api/tunnels`` at ``api_url`` through the twin's own client class."""
    if twin.kind == "aio":
        async_api = AsyncAgentAPI(api_url, timeout=15)
        try:
            return await async_api.start_tunnel(body)
        finally:
            await async_api.close()
    api = AgentAPI(api_url, timeout=15)
    try:
        return await asyncio.to_thread(api.start_tunnel, body)
    finally:
        api.close()


def kept_alive_list_tunnels(process: ProcessHandle, timeout: float) -> Callable[[], Awaitable[list[dict[str, Any]]]]:
    """``list_tunnels`` through the agent's kept-alive API client of the process's twin, taken now (so it stays
    aimed at this agent even after it dies)."""
    obj = process.obj
    if isinstance(obj, AsyncNgrokProcess):
        async_api = obj.agent_api(timeout)
        return async_api.list_tunnels
    assert obj.api_url is not None
    api = agent_api_for(obj.api_url, timeout)
    return lambda: asyncio.to_thread(api.list_tunnels)


async def process_of(twin: Twin, cfg: PyngrokConfig) -> ProcessHandle:
    """The twin's ``get_ngrok_process(cfg)``, as the process harness's awaitable handle."""
    process = await twin.get_ngrok_process(cfg)
    assert isinstance(process, NgrokProcess | AsyncNgrokProcess)
    return ProcessHandle(twin.kind, process)


@contextlib.contextmanager
def edge_agent(folder: Path, **overrides: object) -> Iterator[tuple[LocalEdge, PyngrokConfig]]:
    """An edge the test controls (own thread), and a config whose file points an agent at it."""
    edge = LocalEdge().start()
    config = agent_config(folder, edge="ngrok", **{"startup_timeout": 20, **overrides})
    assert config.config_path is not None
    Path(config.config_path).write_text(yaml.safe_dump(edge.agent_config("2", with_authtoken=True)))
    try:
        yield edge, config
    finally:
        edge.stop()


@dataclass
class Faults:
    """Addresses that misbehave: nothing listening, a listener that never answers, an agent without a session."""

    folder: Path
    dead_url: str = field(default_factory=lambda: f"http://{free_loopback_addr()}")
    hung_url: str = ""
    _not_ready: tuple[asyncio.subprocess.Process, asyncio.Task[None], str] | None = None

    async def not_ready_url(self) -> str:
        """An agent whose edge address answers nothing (no session yet): its API is up, tunnel creation is 503."""
        if self._not_ready is None:
            self._not_ready = await _start_not_ready_agent(self.folder)
        return self._not_ready[2]

    async def close(self) -> None:
        if self._not_ready is not None:
            proc, drain, _ = self._not_ready
            proc.terminate()
            await proc.wait()
            await drain


async def _start_not_ready_agent(folder: Path) -> tuple[asyncio.subprocess.Process, asyncio.Task[None], str]:
    config_file = folder / "not-ready.yml"
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
    assert proc.stdout is not None
    stdout = proc.stdout
    addr = None
    try:
        while addr is None:
            line = await asyncio.wait_for(stdout.readline(), 30)
            assert line, "the agent exited before starting its web service"
            log = NgrokLog(line.decode())
            if log.msg == "starting web service":
                addr = log.addr
    except BaseException:
        proc.terminate()
        await proc.communicate()
        raise

    async def drain() -> None:  # keep its retry lines from filling the pipe
        while await stdout.readline():
            pass

    return proc, asyncio.create_task(drain()), f"http://{addr}"


@pytest_asyncio.fixture(loop_scope="module")
async def faults(tmp_path: Path) -> AsyncIterator[Faults]:
    with hung_server() as port:
        found = Faults(tmp_path, hung_url=f"http://127.0.0.1:{port}")
        try:
            yield found
        finally:
            await found.close()


# ---- the edge refuses a bind ---------------------------------------------------------------------------------------
async def refused_bind(twin: Twin, cfg: PyngrokConfig, edge: LocalEdge | None = None) -> object:
    """Connect while the edge refuses binds with ngrok's own "already bound" error (``edge``: the agent's own)."""
    if edge is None:
        edge = (await twin.get_ngrok_process(cfg)).edge
        assert edge is not None
    else:
        await twin.get_ngrok_process(cfg)
    edge.reject_binds(BIND_REFUSAL)
    try:
        return await twin.connect(8000, pyngrok_config=cfg)
    finally:
        edge.reject_binds(None)


@module_loop
async def test_edge_refusing_the_bind_gives_502_with_ngrok_code_then_recovers(twin: Twin, tmp_path: Path) -> None:
    with edge_agent(tmp_path / "own") as (edge, cfg):  # an agent pointed at the edge through its own config file
        try:
            with pytest.raises(PyngrokNgrokHTTPError) as info:
                await refused_bind(twin, cfg, edge)
            assert info.value.status_code == 502
            assert info.value.error_code == 103
            assert info.value.message == "failed to start tunnel"
            assert info.value.ngrok_error_code == "ERR_NGROK_310"
            assert "already bound" in info.value.details["err"]
            tunnel = await twin.connect(8000, pyngrok_config=cfg, bind_tls=True)
            assert tunnel.public_url is not None
        finally:
            await twin.kill(cfg)


# ---- the agent is not ready ----------------------------------------------------------------------------------------
@module_loop
async def test_agent_not_ready_gives_503_code_104(twin: Twin, faults: Faults) -> None:
    """Before its first session the agent refuses tunnels with 503 (retryable); run it directly to see that."""
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        await api_start_tunnel(twin, await faults.not_ready_url(), {"name": "early", "addr": "8000", "proto": "http"})
    assert info.value.status_code == 503
    assert info.value.error_code == 104
    assert info.value.message == "ngrok is not yet ready to start tunnels"


# ---- the agent is killed mid-session -------------------------------------------------------------------------------
@module_loop
async def test_agent_killed_mid_session_then_next_call_recovers(twin: Twin, tmp_path: Path) -> None:
    cfg = agent_config(tmp_path)
    try:
        with http_upstream() as upstream:
            tunnel = await twin.connect(upstream.server_address[1], pyngrok_config=cfg, bind_tls=True)
            process = await process_of(twin, cfg)
            old_api = kept_alive_list_tunnels(process, float(cfg.request_timeout))
            os.kill(process.pid, signal.SIGKILL)
            assert await process.wait_exited(30)
            with pytest.raises(PyngrokNgrokURLError) as info:
                await asyncio.to_thread(tunnel.refresh_metrics)  # still aimed at the dead agent's API
            assert "ngrok client exception, URLError" in str(info.value)
            with pytest.raises(PyngrokNgrokURLError) as info:
                await old_api()  # the twin's own kept-alive client, still aimed at the dead agent
            assert "ngrok client exception, URLError" in str(info.value)
            assert process.exited
            assert await twin.get_tunnels(cfg) == []  # a fresh agent, started on demand
            again = await twin.connect(upstream.server_address[1], pyngrok_config=cfg, bind_tls=True)
            assert again.api_url != tunnel.api_url
            assert again.public_url is not None
            async with httpx.AsyncClient(verify=False, timeout=20, trust_env=False) as client:
                assert (await client.get(again.public_url + "/back")).text == "GET /back 0"
    finally:
        await twin.kill(cfg)


# ---- the agent API hangs -------------------------------------------------------------------------------------------
@module_loop
async def test_hung_agent_api_times_out_within_request_timeout(twin: Twin, tmp_path: Path, faults: Faults) -> None:
    async def stopped_agent() -> None:
        config = agent_config(tmp_path, request_timeout=1)
        try:
            process = await process_of(twin, config)
            os.kill(process.pid, signal.SIGSTOP)
            # kill() returns before every agent thread has stopped (one could still answer): wait for the group stop
            # (our child, so waitpid reports it; WUNTRACED reports the stop only, it reaps nothing)
            _, status = await asyncio.to_thread(os.waitpid, process.pid, os.WUNTRACED)
            assert os.WIFSTOPPED(status)
            try:
                with pytest.raises(PyngrokNgrokURLError) as info:
                    await asyncio.wait_for(twin.get_tunnels(config), 60)  # the outer bound only guards the test
                assert info.value.reason == "timed out"
            finally:
                os.kill(process.pid, signal.SIGCONT)
            assert await twin.get_tunnels(config) == []
        finally:
            await twin.kill(config)

    async def hung_client() -> None:
        started = time.monotonic()
        with pytest.raises(PyngrokNgrokURLError) as info:
            await api_list_tunnels(twin, faults.hung_url, timeout=1.0)
        assert info.value.reason == "timed out"
        assert time.monotonic() - started < 30  # bounded, not hung (generous for loaded machines)

    async def hung_api_request() -> None:
        with pytest.raises(PyngrokNgrokURLError, match="timed out"):
            await twin.api_request(f"{faults.hung_url}/api/tunnels", timeout=1.0)

    await asyncio.gather(stopped_agent(), hung_client(), hung_api_request())  # three 1 s waits, side by side


def _own(twin: Twin, name: str) -> Path:
    return Path(twin.cfg.ngrok_path).parent / name  # inside the twin's folder, which the comparison normalizes


# ---- a start fails; kill ------------------------------------------------------------------------------------------
async def auth_refused(ptwin: ProcessTwin, folder: Path) -> object:
    with edge_agent(folder) as (edge, config):
        edge.reject_auth()
        try:
            return await ptwin.get_process(config)
        finally:
            assert not await ptwin.is_process_running(config.ngrok_path)


async def test_auth_refused_fails_the_start_with_the_ngrok_code(ptwin: ProcessTwin, tmp_path: Path) -> None:
    with pytest.raises(ProcessStartError) as info:
        await auth_refused(ptwin, tmp_path / "own")
    assert info.value.ngrok_error_code == "ERR_NGROK_107"
    assert info.value.ngrok_logs


async def no_session(twin: Twin) -> object:
    """Start an agent whose edge refuses every session; the start must fail at the deadline, leaving nothing."""
    ptwin = ProcessTwin(twin.kind)
    with edge_agent(_own(twin, "no-session"), startup_timeout=2) as (edge, config):
        edge.refuse_sessions()
        try:
            await ptwin.get_process(config)
        except ProcessStartError as exc:
            assert any(log.msg == "starting web service" for log in exc.ngrok_logs)
            # A deadline's text ends with the agent's last retry error and its output (times, ids, ports, how many
            # retries fit): those differ from run to run, not between twins; compare the text before them.
            raise ProcessStartError(str(exc).split("; last error:")[0]) from exc
        finally:
            await twin.disconnect("https://localhost:1", config)  # no agent is left, and disconnect starts none
            assert not await ptwin.is_process_running(config.ngrok_path)
        return None


@module_loop
async def test_no_session_fails_the_start_at_the_deadline(agents: Agents) -> None:
    """Both twins in one run (a 2 s deadline each), compared to the letter by ``same_failure``; an assertion that
    fails inside the scenario surfaces as kind ``AssertionError``."""
    kind, message = await same_failure(agents, no_session)
    assert kind == "ProcessStartError", message
    assert message == "The ngrok process was unable to start: not ready within 2 seconds"


@module_loop
async def test_kill_stops_the_agent_and_its_edge(twin: Twin, tmp_path: Path) -> None:
    cfg = agent_config(tmp_path)
    try:
        process = await process_of(twin, cfg)
        assert await process.healthy()
        edge = process.edge
        assert edge is not None and edge.running
        await twin.kill(cfg)
        assert process.returncode is not None
        assert process.exited
        assert not edge.running
        assert not await process.healthy()
        await twin.kill(cfg)  # idempotent
        fresh = await process_of(twin, cfg)
        assert fresh.obj is not process.obj
        assert fresh.api_url != process.api_url
    finally:
        await twin.kill(cfg)


# ---- the twins' errors are the same, to the letter ----------------------------------------------------------------
async def _not_ready(twin: Twin, faults: Faults) -> object:
    return await api_start_tunnel(
        twin, await faults.not_ready_url(), {"name": "early", "addr": "8000", "proto": "http"}
    )


Scenario = Callable[[Twin, Faults], Awaitable[object]]
HTTP, URL, START = "PyngrokNgrokHTTPError", "PyngrokNgrokURLError", "ProcessStartError"

ERROR_SCENARIOS = [
    pytest.param(lambda t, f: refused_bind(t, t.cfg), HTTP, id="edge refuses the bind"),
    pytest.param(_not_ready, HTTP, id="not ready"),
    pytest.param(lambda t, f: api_list_tunnels(t, f.dead_url), URL, id="dead agent, API client"),
    pytest.param(lambda t, f: t.api_request(f"{f.dead_url}/api/tunnels"), URL, id="dead agent, api_request"),
    pytest.param(lambda t, f: api_list_tunnels(t, f.hung_url, timeout=0.5), URL, id="hung API, API client"),
    pytest.param(lambda t, f: t.api_request(f"{f.hung_url}/api/tunnels", timeout=0.5), URL, id="hung API, api_request"),
    pytest.param(lambda t, f: auth_refused(ProcessTwin(t.kind), _own(t, "auth-refused")), START, id="auth refused"),
]


@module_loop
@pytest.mark.parametrize(("scenario", "expected"), ERROR_SCENARIOS)
async def test_fault_errors_are_the_same_in_both_twins(
    agents: Agents, faults: Faults, scenario: Scenario, expected: str
) -> None:
    kind, message = await same_failure(agents, lambda t: scenario(t, faults))
    assert kind == expected, message
    assert message


# ---- aio only: the sync twin has no event loop to belong to --------------------------------------------------------
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
