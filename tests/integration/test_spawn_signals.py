"""The sync spawn's signal deferral (``_agent_process.sync``): between the agent's fork and its registration the
main thread's SIGINT/SIGTERM handlers do not run; a signal that comes meanwhile is delivered again right after the
registration. The kernel's signal mask is never touched: the agent (here stand-in shell scripts) starts with nothing
blocked and stops on SIGTERM, and a Ctrl-C landing inside ``Popen`` while another thread (the local edge's) is alive
cannot lose the child.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.fakes import never_ready_binary
from typed_ngrok import process
from typed_ngrok._agent_process import state, sync
from typed_ngrok._agent_process.runner import RunnerCore
from typed_ngrok._agent_process.sync import AgentRunner
from typed_ngrok.conf import PyngrokConfig

pytestmark = pytest.mark.integration

DEADLINE = 30


def _children() -> set[int]:
    return {child.pid for child in psutil.Process().children(recursive=True)}


def _config(tmp_path: Path, binary: Path, **extra: Any) -> PyngrokConfig:
    config = tmp_path / "ngrok.yml"
    config.write_text("update_check: false\n")
    extra.setdefault("startup_timeout", DEADLINE)
    return PyngrokConfig(ngrok_path=str(binary), config_path=str(config), **extra)


@pytest.fixture
def on_main_thread() -> None:
    """The deferral acts on the main thread only (where Python runs signal handlers): so must these tests."""
    assert threading.current_thread() is threading.main_thread()


@pytest.fixture
def no_leftovers() -> Iterator[None]:
    """Whatever a failing test leaves running is killed (the assertions say whether anything was)."""
    before = _children()
    yield
    for pid in _children() - before:
        with contextlib.suppress(psutil.NoSuchProcess):
            psutil.Process(pid).kill()


def test_the_agent_starts_with_no_signal_blocked_and_stops_on_sigterm(
    tmp_path: Path, on_main_thread: None, no_leftovers: None
) -> None:
    """A child keeps its parent's signal mask across fork and exec: the spawn must not block SIGINT/SIGTERM in the
    kernel, or a binary that does not clear its mask (not the real ngrok: a stand-in or a wrapper) ignores
    ``terminate()`` and every stop ends in SIGKILL."""
    fifo = tmp_path / "mask"
    os.mkfifo(fifo)
    binary = tmp_path / "ngrok"  # Python, not sh: dash clears its signal mask when it starts
    binary.write_text(
        f"#!{sys.executable} -I\nimport time\n"
        'blocked = [line for line in open("/proc/self/status") if line.startswith("SigBlk:")]\n'
        f"open({str(fifo)!r}, 'w').write(blocked[0])\ntime.sleep(300)\n"
    )
    binary.chmod(0o755)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    runner = AgentRunner(_config(tmp_path, binary))
    try:
        runner.spawn([str(binary)])
        assert select.select([reader], [], [], DEADLINE)[0], "the stand-in did not report its signal mask"
        assert os.read(reader, 256).decode().split() == ["SigBlk:", "0000000000000000"]
        runner.terminate(DEADLINE)  # SIGTERM, then SIGKILL only if it is still alive after DEADLINE seconds
        assert runner.proc is not None and runner.proc.returncode == -signal.SIGTERM  # it obeyed SIGTERM
    finally:
        runner.stop(0.1)
        os.close(reader)
    assert runner not in state.live_runners()


def test_a_ctrl_c_inside_popen_is_delivered_after_the_agent_is_registered(
    tmp_path: Path, on_main_thread: None, no_leftovers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT sent to this process right after the agent's fork (inside ``Popen``, before it returned), while the
    local edge's thread is alive: the KeyboardInterrupt comes only once the agent is registered, and the start's
    cleanup then stops and reaps it. The wrapped ``Popen`` returns only once the signal reached the interpreter
    (its wakeup fd), so the handler would run right there if nothing deferred it."""
    binary = never_ready_binary(tmp_path)
    registered: list[object] = []
    interrupted: list[int] = []
    real_register, real_popen = state.register_runner, subprocess.Popen

    def register(runner: Any) -> None:
        real_register(runner)
        registered.append(runner)

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        proc: subprocess.Popen[bytes] = real_popen(*args, **kwargs)
        if kwargs.get("stdout") == subprocess.PIPE and not interrupted:  # the agent's spawn (not the version check)
            assert threading.active_count() > 1  # another thread could take the signal (the local edge's)
            interrupted.append(proc.pid)
            os.kill(os.getpid(), signal.SIGINT)  # a Ctrl-C: the agent is forked, Popen has not returned yet
            assert select.select([wake_read], [], [], DEADLINE)[0], "the signal did not reach the interpreter"
        return proc

    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    old_wakeup = signal.set_wakeup_fd(wake_write)
    # Python's own Ctrl-C handler, whatever an earlier test in this worker left: the deferral must hand the signal
    # back to exactly this handler (another one, such as an in-process CLI's, would not raise KeyboardInterrupt).
    old_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    monkeypatch.setattr(state, "register_runner", register)
    monkeypatch.setattr(subprocess, "Popen", popen)
    try:
        with pytest.raises(KeyboardInterrupt):
            process.get_process(_config(tmp_path, binary, edge="local", startup_timeout=10))
    finally:
        monkeypatch.undo()
        signal.signal(signal.SIGINT, old_handler)
        signal.set_wakeup_fd(old_wakeup)
        os.close(wake_read)
        os.close(wake_write)
    assert interrupted, "the agent was not spawned"
    assert registered, "the interrupt came before the agent was registered"
    assert not psutil.pid_exists(interrupted[0])  # stopped and reaped
    assert not process.is_process_running(str(binary))
    assert not [
        r for r in state.live_runners() if isinstance(r, RunnerCore) and r.pyngrok_config.ngrok_path == str(binary)
    ]


def test_a_handler_failing_while_the_deferral_begins_leaves_the_handlers_as_they_were(
    on_main_thread: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal pending when the deferral swaps the handlers runs its handler right there, which may raise (a
    KeyboardInterrupt): the handlers and the thread's signal mask are then exactly what they were before."""
    signals = (signal.SIGINT, signal.SIGTERM)
    handlers = {signum: signal.getsignal(signum) for signum in signals}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    real_signal = signal.signal
    swaps: list[int] = []

    def interrupted_signal(signum: int, handler: Any) -> Any:
        swaps.append(signum)
        if len(swaps) == 2:  # the second swap: the first one is done already
            raise KeyboardInterrupt
        return real_signal(signum, handler)

    monkeypatch.setattr(signal, "signal", interrupted_signal)
    with pytest.raises(KeyboardInterrupt), sync._signals_deferred():
        pytest.fail("the block ran")
    monkeypatch.undo()
    assert {signum: signal.getsignal(signum) for signum in signals} == handlers
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == mask


def test_a_signal_inside_the_deferral_runs_its_own_handler_afterwards(on_main_thread: None) -> None:
    """SIGTERM and SIGINT recorded inside the block reach the handlers that were in place, in order, after it; the
    mask inside is the one outside (nothing blocked in the kernel)."""
    seen: list[int] = []
    previous = {
        signum: signal.signal(signum, lambda n, f: seen.append(n)) for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        with sync._signals_deferred():
            assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == mask
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)
            assert seen == []
        assert seen == [signal.SIGTERM, signal.SIGINT]
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
