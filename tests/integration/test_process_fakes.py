"""Process lifecycle against fake agents (tests/fakes/fake_agent.py): deadlines, fatal output, recorded v3 lines.

Real pipes, signals and processes; only the binary is a stand-in, for behaviours the real 2.3.41 agent cannot show
(silence, hanging, ignoring SIGTERM, v3 readiness order, v3 errors).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.fakes import make_fake_binary
from typed_ngrok import process
from typed_ngrok._agent_process.sync import AgentRunner
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import ProcessStartError, PyngrokNgrokError
from typed_ngrok.log import NgrokLog


def children() -> set[int]:
    """Our child processes, zombies included."""
    return {child.pid for child in psutil.Process().children(recursive=True)}


@pytest.fixture(autouse=True)
def stop_started() -> Iterator[None]:
    before = set(process._current_processes)
    yield
    for path in set(process._current_processes) - before:
        process.kill_process(path)


def config(tmp_path: Path, mode: str, **kwargs: object) -> PyngrokConfig:
    binary = make_fake_binary(tmp_path, mode, name=f"ngrok-{mode}")
    options: dict[str, object] = {"config_path": str(tmp_path / "absent.yml"), "startup_timeout": 10}
    options.update(kwargs)
    return PyngrokConfig(ngrok_path=binary, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["silent", "hung", "stubborn"])
def test_deadline_holds_for_silent_hung_and_stubborn_binaries(tmp_path: Path, mode: str) -> None:
    timeout = 2
    cfg = config(tmp_path, mode, startup_timeout=timeout)
    before = children()
    started = time.monotonic()
    with pytest.raises(ProcessStartError, match=f"not ready within {timeout} seconds") as info:
        process.get_process(cfg)
    elapsed = time.monotonic() - started
    assert timeout - 0.1 <= elapsed < timeout + 2.0  # correctness of the deadline (the target is +0.5 s)
    assert children() == before  # killed and reaped, even the one that ignores SIGTERM
    assert not process.is_process_running(cfg.ngrok_path)
    if mode == "hung":
        assert [log.msg for log in info.value.ngrok_logs] == ["open config file", "starting web service"]


def test_plain_error_lines_on_stderr_fail_fast(tmp_path: Path) -> None:
    cfg = config(tmp_path, "plain-error", startup_timeout=30)
    before = children()
    started = time.monotonic()
    with pytest.raises(ProcessStartError) as info:
        process.get_process(cfg)
    assert time.monotonic() - started < 15  # fails on the output, not on the 30 s deadline
    err = info.value
    assert err.ngrok_error == (
        "Error reading configuration file '/tmp/c.yml': YAML parsing error: yaml: unmarshal errors:\n"
        "line 1: cannot unmarshal !!str `notanumber` into int64"
    )
    assert str(err).startswith("The ngrok process errored on start: Error reading configuration file")
    assert [log.format for log in err.ngrok_logs] == ["logfmt", "plain", "plain"]  # stderr was captured
    assert children() == before


def test_command_failed_is_fatal(tmp_path: Path) -> None:
    with pytest.raises(ProcessStartError) as info:
        process.get_process(config(tmp_path, "crit"))
    assert info.value.ngrok_error == "listen tcp 127.0.0.1:4040: bind: address already in use"
    assert info.value.ngrok_error_code is None
    assert info.value.ngrok_logs[-1].line == "listen tcp 127.0.0.1:4040: bind: address already in use"


def test_exit_without_output(tmp_path: Path) -> None:
    with pytest.raises(ProcessStartError, match="exited with code 3"):
        process.get_process(config(tmp_path, "exit"))


def test_missing_binary(tmp_path: Path) -> None:
    cfg = PyngrokConfig(ngrok_path=str(tmp_path / "nope"), config_path=str(tmp_path / "c.yml"))
    with pytest.raises(PyngrokNgrokError, match="ngrok binary was not found"):
        process.get_process(cfg)


@pytest.mark.parametrize("mode", ["v3", "v3-old"])
def test_v3_readiness_in_current_order(tmp_path: Path, mode: str) -> None:
    cfg = config(tmp_path, mode, config_version="3")
    ngrok_process = process.get_process(cfg)
    assert ngrok_process.api_url is not None and ngrok_process.api_url.startswith("http://127.0.0.1:")
    assert ngrok_process.healthy()  # /api/endpoints, or the fallback to /api/tunnels on a code-less 404
    messages = [log.msg for log in ngrok_process.logs]
    assert messages.index("client session established") < messages.index("tunnel session started")
    assert process.get_process(cfg) is ngrok_process
    pid = ngrok_process.proc.pid
    process.kill_process(cfg.ngrok_path)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    assert pid not in children()


def test_v3_auth_failure_carries_code(tmp_path: Path) -> None:
    with pytest.raises(ProcessStartError) as info:
        process.get_process(config(tmp_path, "v3-auth", config_version="3"))
    err = info.value
    assert err.ngrok_error_code == "ERR_NGROK_107"
    assert err.ngrok_error is not None and err.ngrok_error.startswith("authentication failed")
    assert [log.lvl for log in err.ngrok_logs][-4:] == ["ERROR", "CRITICAL", "ERROR", "ERROR"]


def test_secret_echoed_by_the_agent_is_redacted(tmp_path: Path) -> None:
    secret = "2fQsecretTOKENvalue_abc123"
    seen: list[NgrokLog] = []
    cfg = config(tmp_path, "echo-secret", config_version="2", auth_token=secret, log_event_callback=seen.append)
    ngrok_process = process.get_process(cfg)
    argv = psutil.Process(ngrok_process.proc.pid).cmdline()
    assert not any(secret in arg for arg in argv)
    lines = [log.line for log in ngrok_process.logs]
    echo = next(log for log in ngrok_process.logs if log.msg == "auth")
    assert echo.fields["token"] == "********"
    assert echo.fields["note"] == "Your authtoken: ********"
    assert all(secret not in line for line in lines)
    assert all(secret not in log.line and secret not in str(log) for log in seen)


def test_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    cfg = config(tmp_path, "stubborn-ready", config_version="2")
    runner = AgentRunner(cfg)
    runner.start()
    assert runner.proc is not None
    pid = runner.proc.pid
    runner.stop(timeout=0.5)
    assert runner.proc.returncode == -9
    assert pid not in children()
    assert runner.exited.is_set()


def test_interpreter_exit_stops_what_it_started(tmp_path: Path) -> None:
    binary = make_fake_binary(tmp_path, "v3")
    script = (
        "from typed_ngrok import process\n"
        "from typed_ngrok.conf import PyngrokConfig\n"
        f"cfg = PyngrokConfig(ngrok_path={binary!r}, config_path={str(tmp_path / 'absent.yml')!r})\n"
        "print(process.get_process(cfg).proc.pid, flush=True)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    pid = int(result.stdout.strip())
    # The agent was our grandchild: had the atexit hook not stopped it, it would still be running now.
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
