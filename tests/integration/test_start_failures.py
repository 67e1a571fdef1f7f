"""Failed agent starts and the agent's output, sync and ``aio`` side by side, against stand-in binaries
(tests/fakes/fake_agent.py, plus shell scripts for a wrapper whose child keeps the agent's stdout open).

- a hung binary's ``ProcessStartError`` quotes what it printed (secrets masked), with the same text from both twins;
- nothing outlives a failed start: the process is reaped, its pipe closed, and (aio) its transport closed, so no
  ``BaseSubprocessTransport.__del__ … Event loop is closed`` at interpreter exit;
- a secret the agent logs Go-quoted, JSON-escaped or percent-encoded never reaches logs, callbacks or errors;
- the library adds a ``NullHandler``: with no logging configured, the agent's error lines do not reach stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import psutil
import pytest

from tests.fakes import make_fake_binary
from typed_ngrok import aio, process
from typed_ngrok._agent_process import aio as agent_aio
from typed_ngrok._agent_process import state
from typed_ngrok._agent_process.aio import AsyncAgentRunner
from typed_ngrok._agent_process.runner import RunnerCore
from typed_ngrok._agent_process.sync import AgentRunner
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import ProcessStartError
from typed_ngrok.log import NgrokLog

REPO = Path(__file__).resolve().parents[2]
TOKEN = 'tok"en\\with-quote_and\\backslash'


def children() -> set[int]:
    return {child.pid for child in psutil.Process().children(recursive=True)}


@pytest.fixture(autouse=True)
def stop_started() -> Iterator[None]:
    before = set(process._current_processes)
    yield
    for path in set(process._current_processes) - before:
        process.kill_process(path)


@pytest.fixture
async def stop_started_aio() -> AsyncIterator[None]:
    before = set(state.aio_processes)
    yield
    for path in set(state.aio_processes) - before:
        await agent_aio.kill_process(path)


def config(tmp_path: Path, mode: str, **kwargs: object) -> PyngrokConfig:
    binary = make_fake_binary(tmp_path, mode, name=f"ngrok-{mode}")
    options: dict[str, object] = {"config_path": str(tmp_path / "absent.yml"), "startup_timeout": 10}
    options.update(kwargs)
    return PyngrokConfig(ngrok_path=binary, **options)  # type: ignore[arg-type]


def sync_start_error(cfg: PyngrokConfig) -> ProcessStartError:
    with pytest.raises(ProcessStartError) as info:
        process.get_process(cfg)
    return info.value


async def aio_start_error(cfg: PyngrokConfig) -> ProcessStartError:
    with pytest.raises(ProcessStartError) as info:
        await aio.get_ngrok_process(cfg)
    return info.value


# -- a hung binary's error says what it printed -------------------------------------------------------------------


def same_text(first: str, second: str) -> None:
    """Equal apart from the loopback ports the stand-ins picked at random."""
    assert re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", first) == re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", second)


def go_log15(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def spellings(secret: str) -> list[str]:
    return [secret, go_log15(secret), json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret, safe="")]


async def test_hung_binary_error_quotes_its_output_masked_and_identical(tmp_path: Path) -> None:
    cfg = config(tmp_path, "chatty-hang", startup_timeout=2, config_version="2", auth_token=TOKEN)
    before = children()
    sync_error = await asyncio.to_thread(sync_start_error, cfg)
    async_error = await aio_start_error(cfg)
    same_text(str(sync_error), str(async_error))
    text = str(sync_error)
    assert text.startswith("The ngrok process was unable to start: not ready within 2 seconds. Its output:\n")
    assert 'msg="starting web service"' in text
    assert 'msg="failed to reach the server, retrying"' in text
    assert 'token="********"' in text
    assert all(form not in text for form in spellings(TOKEN))
    assert [log.msg for log in sync_error.ngrok_logs] == [log.msg for log in async_error.ngrok_logs]
    assert children() == before


async def test_silent_binary_error_says_it_printed_nothing(tmp_path: Path) -> None:
    cfg = config(tmp_path, "silent", startup_timeout=1)
    sync_error = await asyncio.to_thread(sync_start_error, cfg)
    async_error = await aio_start_error(cfg)
    assert str(sync_error) == str(async_error)
    assert str(sync_error) == "The ngrok process was unable to start: not ready within 1 seconds. It printed nothing."


async def test_exit_without_error_text_is_identical(tmp_path: Path) -> None:
    cfg = config(tmp_path, "exit")
    sync_error = await asyncio.to_thread(sync_start_error, cfg)
    async_error = await aio_start_error(cfg)
    assert str(sync_error) == str(async_error)
    assert str(sync_error) == "The ngrok process was unable to start: it exited with code 3. It printed nothing."


@pytest.mark.parametrize("mode", ["error-hang", "crit-hang"])
async def test_fatal_output_from_a_binary_that_keeps_running_is_identical(tmp_path: Path, mode: str) -> None:
    cfg = config(tmp_path, mode, startup_timeout=20)
    before = children()
    sync_error = await asyncio.to_thread(sync_start_error, cfg)
    async_error = await aio_start_error(cfg)
    assert str(sync_error) == str(async_error)
    assert str(sync_error).startswith("The ngrok process errored on start: ")
    assert children() == before


# -- nothing outlives a failed start ------------------------------------------------------------------------------


def wrapper_script(tmp_path: Path, first_line: str) -> tuple[str, Path]:
    """A binary that prints ``first_line`` and keeps running, and whose child inherits stdout (so the pipe stays
    open after the binary itself is killed). The child's pid is written to a file so the test can end it. It answers
    the version check before a start (``--version``) with a line naming no version, so it is started."""
    pid_file = tmp_path / "grandchild.pid"
    path = tmp_path / "ngrok-wrapper"
    version = 'if [ "$1" = "--version" ]; then echo "ngrok wrapper"; exit 0; fi\n'
    path.write_text(f"#!/bin/sh\n{version}echo {first_line!r}\nsleep 30 &\necho $! > {str(pid_file)!r}\nwait\n")
    path.chmod(0o755)
    return str(path), pid_file


def end_grandchild(pid_file: Path) -> None:
    if pid_file.exists():
        pid = int(pid_file.read_text().strip())
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(
    "first_line",
    ["ERROR:  the agent refuses this config", 't=1 lvl=crit msg="command failed" err="bind: address already in use"'],
    ids=["plain-error", "command-failed"],
)
def test_failed_aio_start_leaks_no_transport(tmp_path: Path, first_line: str) -> None:
    """The issue's case, under ``asyncio.run`` in a fresh interpreter: the failed start must close the child's
    transport, else the loop ends with ``Exception ignored in: BaseSubprocessTransport.__del__``."""
    binary, pid_file = wrapper_script(tmp_path, first_line)
    code = textwrap.dedent(
        f"""
        import asyncio, gc
        from typed_ngrok import aio
        from typed_ngrok.conf import PyngrokConfig
        from typed_ngrok.exception import ProcessStartError

        async def main() -> None:
            cfg = PyngrokConfig(ngrok_path={binary!r}, config_path={str(tmp_path / "absent.yml")!r}, startup_timeout=10)
            try:
                await aio.get_ngrok_process(cfg)
            except ProcessStartError as exc:
                print("raised:", exc)

        asyncio.run(main())
        gc.collect()
        print("done")
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-X", "dev", "-c", code], capture_output=True, text=True, timeout=50, cwd=REPO
        )
    finally:
        end_grandchild(pid_file)
    assert "raised: The ngrok process errored on start:" in done.stdout
    assert done.stdout.rstrip().endswith("done")
    assert "Exception ignored" not in done.stderr, done.stderr
    assert "unclosed transport" not in done.stderr, done.stderr
    assert "Event loop is closed" not in done.stderr, done.stderr


def test_cancelled_aio_command_leaks_no_transport(tmp_path: Path) -> None:
    """``aio.update`` cancelled (``wait_for``) while a child of the binary holds its output open: the command's
    process is killed and reaped and its transport closed before the cancellation propagates, without waiting for
    that child to end (it is still alive when ``wait_for`` returns)."""
    binary, pid_file = wrapper_script(tmp_path, "updating")
    code = textwrap.dedent(
        f"""
        import asyncio, gc, os
        from typed_ngrok import aio
        from typed_ngrok.conf import PyngrokConfig

        async def main() -> None:
            cfg = PyngrokConfig(ngrok_path={binary!r}, config_path={str(tmp_path / "absent.yml")!r})
            try:
                await asyncio.wait_for(aio.update(cfg), 1)
            except TimeoutError:
                pid = open({str(pid_file)!r}).read().strip()
                state = open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()[0]
                assert state != "Z", "the cancellation waited for the binary's child to end"
                print("timed out")

        asyncio.run(main())
        gc.collect()
        print("done")
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-X", "dev", "-c", code], capture_output=True, text=True, timeout=50, cwd=REPO
        )
    finally:
        end_grandchild(pid_file)
    assert done.stdout.split() == ["timed", "out", "done"], done.stdout
    assert "Exception ignored" not in done.stderr, done.stderr
    assert "unclosed transport" not in done.stderr, done.stderr


async def test_failed_aio_start_closes_transport_and_reader(tmp_path: Path) -> None:
    binary, pid_file = wrapper_script(tmp_path, "ERROR:  bad")
    cfg = PyngrokConfig(ngrok_path=binary, config_path=str(tmp_path / "absent.yml"), startup_timeout=10)
    runner = AsyncAgentRunner(cfg)
    try:
        with pytest.raises(ProcessStartError):
            await runner.start()
    finally:
        end_grandchild(pid_file)
    assert runner.proc is not None and runner.proc.returncode is not None
    transport = getattr(runner.proc, "_transport", None)
    assert transport is not None and transport.is_closing()
    assert runner.reader is not None and runner.reader.done()


def test_failed_sync_start_closes_a_pipe_a_child_keeps_open(tmp_path: Path) -> None:
    """The sync twin of the wrapper case: the reader thread must not stay blocked on a pipe the binary's child keeps
    open, and the pipe must be closed when the start has failed."""
    binary, pid_file = wrapper_script(tmp_path, "ERROR:  bad")
    cfg = PyngrokConfig(ngrok_path=binary, config_path=str(tmp_path / "absent.yml"), startup_timeout=10)
    runner = AgentRunner(cfg)
    try:
        with pytest.raises(ProcessStartError, match="errored on start: bad"):
            runner.start()
        assert runner.proc is not None and runner.proc.returncode is not None  # reaped
        assert runner.proc.stdout is not None and runner.proc.stdout.closed
        assert runner.reader is not None and not runner.reader.is_alive()
    finally:
        end_grandchild(pid_file)


@pytest.mark.parametrize("mode", ["error-hang", "crit-hang", "chatty-hang"])
def test_failed_sync_start_reaps_and_closes_its_pipe(tmp_path: Path, mode: str) -> None:
    cfg = config(tmp_path, mode, startup_timeout=2, config_version="2")
    runner = AgentRunner(cfg)
    with pytest.raises(ProcessStartError):
        runner.start()
    assert runner.proc is not None and runner.proc.returncode is not None  # reaped
    assert runner.proc.stdout is not None and runner.proc.stdout.closed
    assert runner.reader is not None and not runner.reader.is_alive()
    assert runner.exited.is_set()


# -- secrets in every spelling ------------------------------------------------------------------------------------


def _no_secret(logs: list[NgrokLog]) -> None:
    for log in logs:
        texts = [log.line, str(log), repr(log), *log.fields.values(), *log.fields.keys()]
        for form in spellings(TOKEN):
            assert all(form not in text for text in texts), (form, log.line)


async def test_token_logged_in_any_spelling_is_redacted(tmp_path: Path, stop_started_aio: None) -> None:
    seen_sync: list[NgrokLog] = []
    seen_aio: list[NgrokLog] = []
    sync_cfg = config(
        tmp_path, "echo-secret-quoted", config_version="2", auth_token=TOKEN, log_event_callback=seen_sync.append
    )
    (tmp_path / "aio").mkdir()
    aio_cfg = config(
        tmp_path / "aio",
        "echo-secret-quoted",
        config_version="2",
        auth_token=TOKEN,
        log_event_callback=seen_aio.append,
    )
    sync_process = await asyncio.to_thread(process.get_process, sync_cfg)
    aio_process = await aio.get_ngrok_process(aio_cfg)
    for logs, seen in ((sync_process.logs, seen_sync), (aio_process.logs, seen_aio)):
        auth = next(log for log in logs if log.msg == "auth")
        assert auth.fields["token"] == "********"
        assert "********" in auth.fields["quoted"]
        assert next(log for log in logs if log.msg == "auth json").fields["token"] == "********"
        assert next(log for log in logs if log.msg == "auth ascii json").fields["token"] == "********"
        assert next(log for log in logs if log.msg == "dial").fields["url"].count("********") == 2
        _no_secret(logs)
        _no_secret(seen)
    same_text("\n".join(log.line for log in sync_process.logs), "\n".join(log.line for log in aio_process.logs))


# -- a library leaves logging output to the application -----------------------------------------------------------


@pytest.mark.parametrize("twin", ["sync", "aio"])
def test_agent_error_lines_do_not_reach_stderr_without_logging_config(tmp_path: Path, twin: str) -> None:
    """No handler configured anywhere: before the ``NullHandler``, logging's last-resort handler printed the agent's
    ``lvl=crit``/``ERROR:`` lines (re-emitted on ``typed_ngrok.process.ngrok``) to the user's stderr."""
    binary = make_fake_binary(tmp_path, "crit")
    call = "asyncio.run(aio.get_ngrok_process(cfg))" if twin == "aio" else "process.get_process(cfg)"
    code = textwrap.dedent(
        f"""
        import asyncio, logging
        from typed_ngrok import aio, process
        from typed_ngrok.conf import PyngrokConfig
        from typed_ngrok.exception import ProcessStartError

        assert not logging.getLogger().handlers
        cfg = PyngrokConfig(ngrok_path={binary!r}, config_path={str(tmp_path / "absent.yml")!r})
        try:
            {call}
        except ProcessStartError:
            print("raised")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=50, cwd=REPO)
    assert done.stdout.strip() == "raised"
    assert done.stderr == ""


def test_the_package_logger_has_a_null_handler() -> None:
    import logging

    import typed_ngrok

    assert typed_ngrok.__name__ == "typed_ngrok"
    handlers = logging.getLogger("typed_ngrok").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)


async def test_an_unexpected_failure_inside_start_is_the_same_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A launcher bug (here: preparing the start raises ``ValueError``) is a ``ProcessStartError`` with one text."""

    def boom(self: object) -> list[str]:
        raise ValueError("boom")

    monkeypatch.setattr(RunnerCore, "prepare", boom)  # the one preparation both runners call
    cfg = config(tmp_path, "v3")
    sync_error = await asyncio.to_thread(sync_start_error, cfg)
    async_error = await aio_start_error(cfg)
    assert str(sync_error) == str(async_error) == "The ngrok process errored on start: boom."
    assert isinstance(sync_error.__cause__, ValueError) and isinstance(async_error.__cause__, ValueError)
