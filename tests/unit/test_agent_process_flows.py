"""The agent-process flows without I/O (``_agent_process.readiness``/``runner``), run through both drivers against
scripted targets and a fake clock: the one readiness probe, the startup schedule, the stop policy.

The shells' real I/O is covered by tests/integration/test_process_scenarios.py and test_start_failures.py; here the
decisions are pinned down exactly (which calls, in which order, how many probes).
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from typed_ngrok._agent_process import state
from typed_ngrok._agent_process.readiness import FATAL_GRACE, Exited, Readiness, probe_flow, wait_ready_flow
from typed_ngrok._agent_process.runner import RunnerCore, abandon_start, resume_starts, terminate_flow
from typed_ngrok._drive import Flow, run_async, run_sync
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokError
from typed_ngrok.log import NgrokLog

T = TypeVar("T")

L = "t=2026-11-22T11:37:49+0000 lvl=info"
WEB = NgrokLog(f'{L} msg="starting web service" obj=web addr=127.0.0.1:4040')
TUNNEL = NgrokLog(f'{L} msg="tunnel session started" obj=tunnels.session')
CLIENT = NgrokLog(f'{L} msg="client session established" obj=csess id=749b5f300352')
RECONNECT = NgrokLog(
    't=2026-11-22T11:37:49+0000 lvl=eror msg="failed to reconnect session" obj=csess err="connection refused"'
)
CRIT = NgrokLog('t=2026-11-22T11:37:49+0000 lvl=crit msg="command failed" err="bind: address already in use"')
PLAIN = NgrokLog("ERROR:  bind: address already in use")
OK = (200, b'{"tunnels":[]}')
ROUTER_404 = (404, b"404 page not found")
API_404 = (404, b'{"error_code":100,"status_code":404,"msg":"x"}')


class Script:
    """The agent as the flows see it: events (None: the wait timed out) and probe answers, on a fake clock."""

    def __init__(self, events: list[object] | None = None, answers: list[tuple[int, bytes] | None] | None = None):
        self.events = list(events or [])
        self.answers = list(answers or [])
        self.now = 100.0
        self.calls: list[tuple[object, ...]] = []

    def clock(self) -> float:
        return self.now

    def next_event(self, timeout: float) -> object:
        self.calls.append(("next_event", round(timeout, 3)))
        item = self.events.pop(0) if self.events else None
        if item is None:
            self.now += timeout  # nothing came: the whole wait passed
        return item

    def probe_get(self, path: str, timeout: float) -> tuple[int, bytes] | None:
        self.calls.append(("probe_get", path, round(timeout, 3)))
        self.now += 0.01
        return self.answers.pop(0) if self.answers else None


class ProcessScript(Script):
    """A process for ``terminate_flow``: it exits on the signal ``exits_on`` (None: it is gone already)."""

    def __init__(self, exits_on: str | None) -> None:
        super().__init__()
        self.alive = exits_on is not None
        self.exits_on = exits_on

    def running(self) -> bool:
        self.calls.append(("running",))
        return self.alive

    def send_signal(self, which: str) -> None:
        self.calls.append(("send_signal", which))
        if which == self.exits_on:
            self.alive = False

    def wait_exit(self, grace: float) -> bool:
        self.calls.append(("wait_exit", grace))
        return not self.alive

    def reap(self) -> None:
        self.calls.append(("reap",))


class AsyncView:
    """The same script, awaited (what ``run_async`` calls)."""

    def __init__(self, script: Script) -> None:
        self.script = script

    def __getattr__(self, name: str) -> Callable[..., Awaitable[object]]:
        method = getattr(self.script, name)

        async def call(*args: object) -> object:
            return method(*args)

        return call


Driver = Callable[[Flow[T], Script], Awaitable[T]]


async def sync_driver(flow: Flow[T], script: Script) -> T:
    return run_sync(flow, script)


async def async_driver(flow: Flow[T], script: Script) -> T:
    return await run_async(flow, AsyncView(script))


@pytest.fixture(params=["sync", "aio"])
def drive(request: pytest.FixtureRequest) -> Callable[[Flow[object], Script], Awaitable[object]]:
    return sync_driver if request.param == "sync" else async_driver


# ---- the one readiness probe ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "answers", "ready", "paths"),
    [
        ("2", [OK], True, ["/api/tunnels"]),
        ("3", [OK], True, ["/api/endpoints"]),
        ("3", [ROUTER_404, OK], True, ["/api/endpoints", "/api/tunnels"]),  # an older v3 agent: fall back
        ("3", [API_404], False, ["/api/endpoints"]),  # the agent's own 404 (error_code): no fall back
        ("3", [ROUTER_404, ROUTER_404], False, ["/api/endpoints", "/api/tunnels"]),
        ("2", [(502, b"")], False, ["/api/tunnels"]),
        ("2", [None], False, ["/api/tunnels"]),  # refused, reset or timed out
    ],
)
async def test_probe_decision(
    drive: Driver[bool], version: str, answers: list[tuple[int, bytes] | None], ready: bool, paths: list[str]
) -> None:
    script = Script(answers=answers)
    assert await drive(probe_flow(version, 0.01), script) is ready
    assert [call[1] for call in script.calls] == paths
    assert all(call[2] == 0.05 for call in script.calls)  # at least 50 ms each


# ---- the startup schedule ------------------------------------------------------------------------------------------
async def test_early_probe_then_session_is_ready_with_one_probe(drive: Driver[object]) -> None:
    """The benchmarked first-connect path: one probe, while the session connects, and no wait after it."""
    script = Script(events=[WEB, CLIENT, TUNNEL], answers=[OK])
    assert await drive(wait_ready_flow(Readiness(), "2", 110.0, script.clock), script) is None
    assert [call[0] for call in script.calls] == ["next_event", "probe_get", "next_event", "next_event"]


async def test_failed_early_probe_then_probes_with_backoff_until_ready(drive: Driver[object]) -> None:
    script = Script(events=[WEB, CLIENT, TUNNEL], answers=[None, None, (503, b""), OK])
    state = Readiness()
    assert await drive(wait_ready_flow(state, "2", 110.0, script.clock), script) is None
    assert state.ready
    probes = [call for call in script.calls if call[0] == "probe_get"]
    assert len(probes) == 4
    waits = [call[1] for call in script.calls if call[0] == "next_event"][3:]
    assert waits == [0.1, 0.2]  # the backoff doubles between the session's probes


async def test_deadline_without_output_is_a_timeout(drive: Driver[object]) -> None:
    script = Script(events=[])
    assert await drive(wait_ready_flow(Readiness(), "2", 102.0, script.clock), script) == "timeout"
    assert script.calls == [("next_event", 2.0)]


async def test_exit_is_a_failure_with_its_code(drive: Driver[object]) -> None:
    script = Script(events=[RECONNECT, Exited(3)])
    state = Readiness()
    assert await drive(wait_ready_flow(state, "2", 110.0, script.clock), script) == "exited"
    assert state.exit_code == 3
    assert state.error == "connection refused"


async def test_fatal_line_collects_the_rest_until_eof(drive: Driver[object]) -> None:
    script = Script(events=[CRIT, PLAIN, Exited(1), PLAIN])
    state = Readiness()
    assert await drive(wait_ready_flow(state, "2", 110.0, script.clock), script) == "fatal"
    assert state.fatal_error == "bind: address already in use"
    assert [call[1] for call in script.calls] == [10.0, FATAL_GRACE, FATAL_GRACE]  # stops at EOF
    assert script.events == [PLAIN]


async def test_fatal_line_collects_at_most_the_grace(drive: Driver[object]) -> None:
    script = Script(events=[CRIT, None])
    assert await drive(wait_ready_flow(Readiness(), "2", 100.5, script.clock), script) == "fatal"
    assert [call[1] for call in script.calls] == [0.5, 0.5]  # the grace never passes the deadline


# ---- the stop policy -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exits_on", "expected"),
    [
        ("terminate", ["running", "send_signal terminate", "wait_exit 0.5", "reap"]),
        ("kill", ["running", "send_signal terminate", "wait_exit 0.5", "send_signal kill", "reap"]),
        (None, ["running", "reap"]),  # already gone: just reaped
    ],
)
async def test_terminate_is_sigterm_grace_sigkill_and_always_reaps(
    drive: Driver[None], exits_on: str | None, expected: list[str]
) -> None:
    script = ProcessScript(exits_on)
    await drive(terminate_flow(0.5), script)
    assert [" ".join(str(part) for part in call) for call in script.calls] == expected


# ---- an abandoned start (runner.abandon_start) ----------------------------------------------------------------------
class StartScript(Script, RunnerCore):
    """A runner core whose shell calls are scripted: the agent becomes ready (one early probe), and
    ``abandon_start`` is called from inside the call named ``abandon_in`` (``"ready"``: the last readiness event)."""

    def __init__(self, path: str, abandon_in: str | None) -> None:
        Script.__init__(self, events=[WEB, CLIENT, TUNNEL], answers=[OK])
        RunnerCore.__init__(self, PyngrokConfig(ngrok_path=path, startup_timeout=10), None)
        self.abandon_in = abandon_in
        self.terminated = False  # by abandon_spawned
        self.proc = None
        self.exited = threading.Event()  # the agent never exits on its own here

    def _maybe_abandon(self, call: str) -> None:
        if call == self.abandon_in:
            abandon_start(self.pyngrok_config.ngrok_path)

    def prepare_argv(self) -> list[str]:
        self.calls.append(("prepare_argv",))
        self._maybe_abandon("prepare_argv")
        return ["ngrok"]

    def spawn(self, argv: list[str]) -> None:
        self.calls.append(("spawn",))
        state.register_runner(self)
        self._maybe_abandon("spawn")

    def next_event(self, timeout: float) -> object:
        item = super().next_event(timeout)
        if item is TUNNEL:
            self._maybe_abandon("ready")
        return item

    def abandon_spawned(self) -> None:  # as both shells: only while the start may still be abandoned
        self.calls.append(("abandon_spawned",))
        if self._abandonable:
            self.terminated = True

    def started(self) -> None:
        self.calls.append(("started",))
        self._maybe_abandon("started")

    def terminate(self, grace: float) -> None:
        self.calls.append(("terminate",))

    def join_reader(self, timeout: float) -> None:
        self.calls.append(("join_reader",))

    def release(self) -> None:
        self.calls.append(("release",))
        self.take_resources()

    def stop_at_exit(self) -> None:
        pass


@pytest.fixture
def agent_path(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "ngrok")
    yield path
    resume_starts(path)


def _names(script: Script) -> list[str]:
    return [str(call[0]) for call in script.calls if call[0] not in ("next_event", "probe_get")]


@pytest.mark.parametrize(
    ("abandon_in", "expected"),
    [
        (None, ["terminate", "join_reader", "release"]),  # abandoned before the start: not even prepared
        ("prepare_argv", ["prepare_argv", "terminate", "join_reader", "release"]),  # e.g. during the edge's start
        ("spawn", ["prepare_argv", "spawn", "abandon_spawned", "terminate", "join_reader", "release"]),
        ("ready", ["prepare_argv", "spawn", "abandon_spawned", "terminate", "join_reader", "release"]),
    ],
)
async def test_an_abandoned_start_spawns_nothing_or_fails_once_spawned(
    drive: Driver[None], agent_path: str, abandon_in: str | None, expected: list[str]
) -> None:
    """Abandoned before the preparation or during it: no spawn at all. Spawned (up to the moment readiness succeeded,
    when ``abandon_spawned`` still terminates the agent): the start fails too, never reports a terminated agent as
    started. Each time the start is stopped and cleaned up."""
    script = StartScript(agent_path, abandon_in)
    if abandon_in is None:
        abandon_start(agent_path)
    with pytest.raises(PyngrokNgrokError, match="was abandoned"):
        await drive(script.start_flow(script.clock), script)
    assert _names(script) == expected
    assert script not in state.live_runners()


async def test_an_abandon_once_the_agent_is_ready_leaves_it_running(drive: Driver[None], agent_path: str) -> None:
    """After readiness succeeded the start is no longer abandonable: ``abandon_spawned`` leaves the ready agent
    alone and the start succeeds (the caller, e.g. the CLI, then closes what it opened)."""
    script = StartScript(agent_path, "started")
    await drive(script.start_flow(script.clock), script)
    assert _names(script) == ["prepare_argv", "spawn", "started", "abandon_spawned"]
    assert not script.terminated
    script.release()


async def test_resume_starts_lets_the_next_start_run(drive: Driver[None], agent_path: str) -> None:
    abandon_start(agent_path)
    resume_starts(agent_path)
    script = StartScript(agent_path, None)
    await drive(script.start_flow(script.clock), script)
    assert _names(script) == ["prepare_argv", "spawn", "started"]
    script.release()
