"""The async launcher (``_alauncher`` via ``aio.get_ngrok_process``) against fake agents: deadlines, fatal output,
v3 readiness, redaction, SIGKILL escalation, interpreter exit. The async twin of test_process_fakes.py."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest

from tests.fakes import make_fake_binary
from typed_ngrok import aio
from typed_ngrok._agent_process import aio as agent_aio
from typed_ngrok._agent_process import state
from typed_ngrok._agent_process.aio import AsyncAgentRunner
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import ProcessStartError, PyngrokNgrokError
from typed_ngrok.log import NgrokLog

pytestmark = [pytest.mark.timeout(90)]


def children() -> set[int]:
    """Our child processes, zombies included."""
    return {child.pid for child in psutil.Process().children(recursive=True)}


@pytest.fixture(autouse=True)
async def stop_started() -> AsyncIterator[None]:
    before = set(state.aio_processes)
    yield
    for path in set(state.aio_processes) - before:
        await agent_aio.kill_process(path)


def config(tmp_path: Path, mode: str, **kwargs: object) -> PyngrokConfig:
    binary = make_fake_binary(tmp_path, mode, name=f"ngrok-{mode}")
    options: dict[str, object] = {"config_path": str(tmp_path / "absent.yml"), "startup_timeout": 10}
    options.update(kwargs)
    return PyngrokConfig(ngrok_path=binary, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["hung", "stubborn"])
async def test_deadline_holds_for_hung_and_stubborn_binaries(tmp_path: Path, mode: str) -> None:
    timeout = 2
    cfg = config(tmp_path, mode, startup_timeout=timeout)
    before = children()
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ProcessStartError, match=f"not ready within {timeout} seconds") as info:
        await aio.get_ngrok_process(cfg)
    assert timeout - 0.1 <= loop.time() - started  # the deadline is what ended it, not the output
    assert children() == before  # killed and reaped, even the one that ignores SIGTERM
    assert not await agent_aio.is_process_running(cfg.ngrok_path)
    if mode == "hung":
        assert [log.msg for log in info.value.ngrok_logs] == ["open config file", "starting web service"]


async def test_plain_error_lines_on_stderr_fail_fast(tmp_path: Path) -> None:
    cfg = config(tmp_path, "plain-error", startup_timeout=60)
    before = children()
    with pytest.raises(ProcessStartError) as info:
        await asyncio.wait_for(aio.get_ngrok_process(cfg), 30)  # fails on the output, not on the 60 s deadline
    err = info.value
    assert err.ngrok_error == (
        "Error reading configuration file '/tmp/c.yml': YAML parsing error: yaml: unmarshal errors:\n"
        "line 1: cannot unmarshal !!str `notanumber` into int64"
    )
    assert str(err).startswith("The ngrok process errored on start: Error reading configuration file")
    assert [log.format for log in err.ngrok_logs] == ["logfmt", "plain", "plain"]  # stderr was captured
    assert children() == before


async def test_command_failed_and_silent_exit(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ProcessStartError) as info:
        await aio.get_ngrok_process(config(tmp_path, "crit"))
    assert info.value.ngrok_error == "listen tcp 127.0.0.1:4040: bind: address already in use"
    with pytest.raises(ProcessStartError, match="exited with code 3"):
        await aio.get_ngrok_process(config(tmp_path, "exit"))
    assert "Unknown child process" not in caplog.text  # the real exit code, reaped by asyncio's watcher only


async def test_missing_binary(tmp_path: Path) -> None:
    cfg = PyngrokConfig(ngrok_path=str(tmp_path / "nope"), config_path=str(tmp_path / "c.yml"), ngrok_version="2")
    with pytest.raises(PyngrokNgrokError, match="ngrok binary was not found"):
        await agent_aio.get_process(cfg)
    with pytest.raises(PyngrokNgrokError, match="ngrok binary was not found"):
        await agent_aio.capture_run_process(cfg.ngrok_path, ["--version"])


@pytest.mark.parametrize("mode", ["v3", "v3-old"])
async def test_v3_readiness_health_and_kill(tmp_path: Path, mode: str) -> None:
    cfg = config(tmp_path, mode, config_version="3")
    process = await aio.get_ngrok_process(cfg)
    assert process.api_url is not None and process.api_url.startswith("http://127.0.0.1:")
    assert await process.healthy()  # /api/endpoints, or the fallback to /api/tunnels on a code-less 404
    messages = [log.msg for log in process.logs]
    assert messages.index("client session established") < messages.index("tunnel session started")
    assert await aio.get_ngrok_process(cfg) is process
    pid = process.proc.pid
    await aio.kill(cfg)
    assert pid not in children()
    assert not await process.healthy()


async def test_concurrent_callers_share_one_start(tmp_path: Path) -> None:
    cfg = config(tmp_path, "v3", config_version="3")
    processes = await asyncio.gather(*(aio.get_ngrok_process(cfg) for _ in range(10)))
    assert len({id(p) for p in processes}) == 1


async def test_secret_echoed_by_the_agent_is_redacted(tmp_path: Path) -> None:
    secret = "2fQsecretTOKENvalue_abc123"
    seen: list[NgrokLog] = []
    cfg = config(tmp_path, "echo-secret", config_version="2", auth_token=secret, log_event_callback=seen.append)
    process = await aio.get_ngrok_process(cfg)
    argv = psutil.Process(process.proc.pid).cmdline()
    assert not any(secret in arg for arg in argv)
    echo = next(log for log in process.logs if log.msg == "auth")
    assert echo.fields["token"] == "********"
    assert all(secret not in log.line for log in process.logs)
    assert all(secret not in log.line and secret not in str(log) for log in seen)


async def test_log_callback_errors_do_not_stop_reading(tmp_path: Path) -> None:
    calls: list[str] = []

    def explode(log: NgrokLog) -> None:
        calls.append(log.line)
        raise RuntimeError("callback bug")

    process = await aio.get_ngrok_process(config(tmp_path, "v3", config_version="3", log_event_callback=explode))
    assert await process.healthy()
    assert len(calls) >= 3


async def test_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    runner = AsyncAgentRunner(config(tmp_path, "stubborn-ready", config_version="2"))
    await runner.start()
    assert runner.proc is not None
    pid = runner.proc.pid
    await runner.stop(timeout=0.5)
    assert runner.proc.returncode == -9
    assert pid not in children()
    assert runner.exited.is_set()


@pytest.mark.parametrize("shutdown", ["asyncio.run", "atexit"])
def test_agents_do_not_outlive_the_interpreter(tmp_path: Path, shutdown: str) -> None:
    binary = make_fake_binary(tmp_path, "v3")
    setup = (
        "import asyncio\n"
        "from typed_ngrok import aio\n"
        "from typed_ngrok.conf import PyngrokConfig\n"
        f"cfg = PyngrokConfig(ngrok_path={binary!r}, config_path={str(tmp_path / 'absent.yml')!r})\n"
        "async def main():\n"
        "    process = await aio.get_ngrok_process(cfg)\n"
        "    print(process.proc.pid, flush=True)\n"
    )
    if shutdown == "asyncio.run":
        script = setup + "asyncio.run(main())\n"
    else:  # a loop that is never shut down: only the atexit hook can stop the agent
        script = setup + "loop = asyncio.new_event_loop()\nloop.run_until_complete(main())\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    pid = int(result.stdout.strip())
    # The agent was our grandchild: had nothing stopped it, it would still be running now.
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
