"""The process layer's one cancellation entry point, ``runner.abandon_start(ngrok_path)`` (the CLI's Ctrl-C during a
start calls it): a start already spawned is stopped now, one that has not spawned yet is refused before it spawns;
both fail at once and leave nothing running. And a KeyboardInterrupt inside the sync spawn (while the reader thread starts) is
cleaned up: the agent killed and reaped, no "cannot join thread before it is started". Both twins where they exist,
the real 2.3.41 agent through the local edge, or a stand-in that never becomes ready."""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.fakes import never_ready_binary
from tests.integration.ngrok_env import AGENT
from tests.integration.process_twins import ProcessTwin, ptwin_fixture
from tests.outside_files import needs_agent
from typed_ngrok import cli, process
from typed_ngrok._agent_process import aio as agent_aio
from typed_ngrok._agent_process import state
from typed_ngrok._agent_process.aio import AsyncAgentRunner
from typed_ngrok._agent_process.runner import RunnerCore, abandon_start, resume_starts, start_abandoned
from typed_ngrok._agent_process.sync import AgentRunner
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokError

pytestmark = [pytest.mark.integration, needs_agent]

ptwin = ptwin_fixture()
DEADLINE = 30


def _agents() -> set[int]:
    return {child.pid for child in psutil.Process().children(recursive=True)}


def _gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def _config(tmp_path: Path, binary: str) -> PyngrokConfig:
    config = tmp_path / "ngrok.yml"
    config.write_text("update_check: false\n")
    return PyngrokConfig(ngrok_path=binary, config_path=str(config), edge="local", startup_timeout=DEADLINE)


@pytest.fixture
def resumed(tmp_path: Path) -> Iterator[str]:
    """The binary path of the test; its starts are resumed afterwards, whatever happened."""
    link = tmp_path / "ngrok"
    link.symlink_to(str(AGENT))
    yield str(link)
    resume_starts(str(link))


async def test_a_start_after_abandon_start_is_refused_before_spawning(
    ptwin: ProcessTwin, tmp_path: Path, resumed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start of a path whose starts are abandoned fails at once, before its agent is spawned (each twin's spawn
    records its argv); once resumed, starts run (and spawn) normally again."""
    spawned: list[str] = []
    if ptwin.kind == "sync":
        real_spawn = AgentRunner.spawn

        def spawn(runner: AgentRunner, argv: list[str]) -> None:
            spawned.append(argv[0])
            real_spawn(runner, argv)

        monkeypatch.setattr(AgentRunner, "spawn", spawn)
    else:
        real_aspawn = AsyncAgentRunner.spawn

        async def aspawn(runner: AsyncAgentRunner, argv: list[str]) -> None:
            spawned.append(argv[0])
            await real_aspawn(runner, argv)

        monkeypatch.setattr(AsyncAgentRunner, "spawn", aspawn)
    cfg = _config(tmp_path, resumed)
    before = _agents()
    abandon_start(resumed)
    with pytest.raises(PyngrokNgrokError, match="was abandoned"):
        await ptwin.get_process(cfg)
    assert spawned == []  # refused before spawning
    assert _agents() - before == set()
    assert not await ptwin.is_process_running(resumed)
    resume_starts(resumed)
    handle = await ptwin.get_process(cfg)  # starts run normally again
    assert spawned == [resumed]
    assert await handle.healthy()


async def test_abandon_start_stops_an_agent_that_is_starting(ptwin: ProcessTwin, tmp_path: Path) -> None:
    """A stand-in agent that never becomes ready tells its pid through a FIFO once spawned; abandon_start then ends
    the start at once (not after startup_timeout) and the stand-in is gone."""
    fifo = tmp_path / "spawned"
    os.mkfifo(fifo)
    binary = never_ready_binary(tmp_path, tell_pid_to=fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        start = asyncio.ensure_future(ptwin.get_process(_config(tmp_path, str(binary))))
        readable: tuple[list[int], list[int], list[int]] = await asyncio.to_thread(
            select.select, [reader], [], [], DEADLINE
        )
        assert readable[0], "the stand-in agent was not spawned"
        pid = int(os.read(reader, 64).decode().strip())
        abandon_start(str(binary))
        with pytest.raises(PyngrokNgrokError):
            await asyncio.wait_for(start, DEADLINE / 2)  # well before startup_timeout
        assert _gone(pid)
    finally:
        resume_starts(str(binary))
        os.close(reader)


def test_an_interrupt_while_the_reader_thread_starts_leaves_nothing_running(
    tmp_path: Path, resumed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_start = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        if thread.name.startswith("ngrok-reader-"):
            raise KeyboardInterrupt  # as a Ctrl-C landing inside Thread.start, before the thread runs
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", start)
    before = _agents()
    with pytest.raises(KeyboardInterrupt):
        process.get_process(_config(tmp_path, resumed))
    monkeypatch.undo()
    assert _agents() - before == set()  # the agent was killed and reaped
    assert not process.is_process_running(resumed)
    assert not [r for r in state.live_runners() if isinstance(r, RunnerCore) and r.pyngrok_config.ngrok_path == resumed]


async def test_an_abandon_once_the_agent_is_ready_leaves_it_running(
    ptwin: ProcessTwin, tmp_path: Path, resumed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``abandon_start`` in the start's last step (readiness succeeded, the start declares itself started): the ready
    agent is not signalled and the start succeeds with it healthy (never a success with a terminated agent)."""
    signalled: list[int] = []
    if ptwin.kind == "sync":
        real_started, real_send = AgentRunner.started, subprocess.Popen.send_signal

        def started(runner: AgentRunner) -> None:
            abandon_start(resumed)
            real_started(runner)

        def send_signal(proc: subprocess.Popen[bytes], sig: int) -> None:  # Popen.terminate() calls it
            signalled.append(sig)
            real_send(proc, sig)

        monkeypatch.setattr(AgentRunner, "started", started)
        monkeypatch.setattr(subprocess.Popen, "send_signal", send_signal)
    else:
        real_astarted, real_signal = AsyncAgentRunner.started, agent_aio.signal_process

        async def astarted(runner: AsyncAgentRunner) -> None:
            abandon_start(resumed)
            await real_astarted(runner)

        def signal_process(proc: asyncio.subprocess.Process, sig: int) -> None:
            signalled.append(sig)
            real_signal(proc, sig)

        monkeypatch.setattr(AsyncAgentRunner, "started", astarted)
        monkeypatch.setattr(agent_aio, "signal_process", signal_process)
    handle = await ptwin.get_process(_config(tmp_path, resumed))
    assert signalled == []
    assert await handle.healthy()


def test_the_cli_resumes_starts_after_an_abandoned_tunnel_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``cli.main`` in this interpreter: a Ctrl-C while the binary's version is checked (the stand-in sends it to
    us, once) ends that command with 130 before any agent is spawned; the next command's start then runs (its agent,
    which exits at once, is spawned) instead of being refused as abandoned."""
    assert threading.current_thread() is threading.main_thread()  # the CLI's Ctrl-C handler needs it
    once = tmp_path / "interrupt-once"
    once.touch()
    binary = tmp_path / "ngrok"
    binary.write_text(
        '#!/bin/sh\nif [ "$1" = "--version" ]; then\n'
        f'  if [ -e {once} ]; then rm {once}; kill -INT "$PPID"; fi\n'
        '  echo "ngrok version 2.3.41"; exit 0\nfi\nexit 3\n'
    )
    binary.chmod(0o755)
    spawned: list[str] = []
    real_spawn = AgentRunner.spawn

    def spawn(runner: AgentRunner, argv: list[str]) -> None:
        spawned.append(argv[0])
        real_spawn(runner, argv)

    monkeypatch.setattr(AgentRunner, "spawn", spawn)
    command = ["http", "8000", "--local", "--ngrok-path", str(binary), "--config", str(tmp_path / "c.yml")]
    try:
        assert cli.main(command) == 130
        assert not once.exists(), "the stand-in did not interrupt the version check"
        assert spawned == []  # the abandoned start spawned nothing
        assert not start_abandoned(str(binary))
        assert cli.main(command) == 1  # the stand-in agent exits 3: a start failure, not an abandon
        assert spawned == [str(binary)]
        assert "abandoned" not in capsys.readouterr().err
    finally:
        resume_starts(str(binary))
    assert not process.is_process_running(str(binary))
