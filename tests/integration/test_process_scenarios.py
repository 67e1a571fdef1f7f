"""Process lifecycle against fake agents (tests/fakes/fake_agent.py), each scenario written once and run through both
twins (``process``/``AgentRunner`` in a worker thread, ``aio``/``AsyncAgentRunner`` awaited; see process_twins.py):
deadlines, fatal output, recorded v3 lines, redaction, SIGKILL escalation, interpreter exit.

Real pipes, signals and processes; only the binary is a stand-in, for behaviours the real 2.3.41 agent cannot show
(silence, hanging, ignoring SIGTERM, v3 readiness order, v3 errors).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.fakes import make_fake_binary
from tests.integration.process_twins import ProcessTwin, ptwin_fixture
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import ProcessStartError, PyngrokNgrokError
from typed_ngrok.log import NgrokLog

pytestmark = [pytest.mark.timeout(90)]

ptwin = ptwin_fixture()


def children() -> set[int]:
    """Our child processes, zombies included."""
    return {child.pid for child in psutil.Process().children(recursive=True)}


def config(tmp_path: Path, mode: str, **kwargs: object) -> PyngrokConfig:
    binary = make_fake_binary(tmp_path, mode, name=f"ngrok-{mode}")
    options: dict[str, object] = {"config_path": str(tmp_path / "absent.yml"), "startup_timeout": 10}
    options.update(kwargs)
    return PyngrokConfig(ngrok_path=binary, **options)  # type: ignore[arg-type]


async def start_error(ptwin: ProcessTwin, cfg: PyngrokConfig) -> ProcessStartError:
    with pytest.raises(ProcessStartError) as info:
        await ptwin.get_process(cfg)
    return info.value


@pytest.mark.parametrize("mode", ["silent", "hung", "stubborn"])
async def test_deadline_holds_for_silent_hung_and_stubborn_binaries(
    ptwin: ProcessTwin, tmp_path: Path, mode: str
) -> None:
    timeout = 2
    cfg = config(tmp_path, mode, startup_timeout=timeout)
    before = children()
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ProcessStartError, match=f"not ready within {timeout} seconds") as info:
        await ptwin.get_process(cfg)
    elapsed = loop.time() - started
    assert timeout - 0.1 <= elapsed < timeout + 2.0  # correctness of the deadline (the target is +0.5 s)
    assert children() == before  # killed and reaped, even the one that ignores SIGTERM
    assert not await ptwin.is_process_running(cfg.ngrok_path)
    if mode == "hung":
        assert [log.msg for log in info.value.ngrok_logs] == ["open config file", "starting web service"]


async def test_plain_error_lines_on_stderr_fail_fast(ptwin: ProcessTwin, tmp_path: Path) -> None:
    cfg = config(tmp_path, "plain-error", startup_timeout=30)
    before = children()
    loop = asyncio.get_running_loop()
    started = loop.time()
    err = await start_error(ptwin, cfg)
    assert loop.time() - started < 15  # fails on the output, not on the 30 s deadline
    assert err.ngrok_error == (
        "Error reading configuration file '/tmp/c.yml': YAML parsing error: yaml: unmarshal errors:\n"
        "line 1: cannot unmarshal !!str `notanumber` into int64"
    )
    assert str(err).startswith("The ngrok process errored on start: Error reading configuration file")
    assert [log.format for log in err.ngrok_logs] == ["logfmt", "plain", "plain"]  # stderr was captured
    assert children() == before


async def test_command_failed_is_fatal(ptwin: ProcessTwin, tmp_path: Path) -> None:
    err = await start_error(ptwin, config(tmp_path, "crit"))
    assert err.ngrok_error == "listen tcp 127.0.0.1:4040: bind: address already in use"
    assert err.ngrok_error_code is None
    assert err.ngrok_logs[-1].line == "listen tcp 127.0.0.1:4040: bind: address already in use"


async def test_exit_without_output(ptwin: ProcessTwin, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ProcessStartError, match="exited with code 3"):
        await ptwin.get_process(config(tmp_path, "exit"))
    assert "Unknown child process" not in caplog.text  # aio: the real exit code, reaped by asyncio's watcher only


async def test_missing_binary(ptwin: ProcessTwin, tmp_path: Path) -> None:
    cfg = PyngrokConfig(ngrok_path=str(tmp_path / "nope"), config_path=str(tmp_path / "c.yml"), ngrok_version="2")
    with pytest.raises(PyngrokNgrokError, match="ngrok binary was not found"):
        await ptwin.get_process(cfg)
    with pytest.raises(PyngrokNgrokError, match="ngrok binary was not found"):
        await ptwin.capture_run_process(cfg.ngrok_path, ["--version"])


@pytest.mark.parametrize("mode", ["v3", "v3-old"])
async def test_v3_readiness_health_and_kill(ptwin: ProcessTwin, tmp_path: Path, mode: str) -> None:
    cfg = config(tmp_path, mode, config_version="3")
    ngrok_process = await ptwin.get_process(cfg)
    assert ngrok_process.api_url is not None and ngrok_process.api_url.startswith("http://127.0.0.1:")
    assert await ngrok_process.healthy()  # /api/endpoints, or the fallback to /api/tunnels on a code-less 404
    messages = [log.msg for log in ngrok_process.logs]
    assert messages.index("client session established") < messages.index("tunnel session started")
    assert (await ptwin.get_process(cfg)).obj is ngrok_process.obj
    pid = ngrok_process.pid
    await ptwin.kill_process(cfg.ngrok_path)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    assert pid not in children()
    assert not await ngrok_process.healthy()


async def test_the_startup_probes_client_serves_the_first_calls(ptwin: ProcessTwin, tmp_path: Path) -> None:
    """No second connection for the first tunnel call: the probes' kept-alive API client is handed on."""
    from typed_ngrok._agent_api import sync as sync_api
    from typed_ngrok._agent_process.aio import AsyncNgrokProcess

    cfg = config(tmp_path, "v3", config_version="3")
    handle = await ptwin.get_process(cfg)
    assert handle.api_url is not None
    timeout = float(cfg.request_timeout)
    if isinstance(handle.obj, AsyncNgrokProcess):
        assert handle.obj._runner.api is not None
        assert handle.obj.agent_api(timeout) is handle.obj._runner.api
    else:
        assert (handle.api_url.rstrip("/"), timeout) in sync_api._apis  # shared by share_agent_api at start


async def test_v3_auth_failure_carries_code(ptwin: ProcessTwin, tmp_path: Path) -> None:
    err = await start_error(ptwin, config(tmp_path, "v3-auth", config_version="3"))
    assert err.ngrok_error_code == "ERR_NGROK_107"
    assert err.ngrok_error is not None and err.ngrok_error.startswith("authentication failed")
    assert [log.lvl for log in err.ngrok_logs][-4:] == ["ERROR", "CRITICAL", "ERROR", "ERROR"]


async def test_concurrent_callers_share_one_start(ptwin: ProcessTwin, tmp_path: Path) -> None:
    cfg = config(tmp_path, "v3", config_version="3")
    processes = await asyncio.gather(*(ptwin.get_process(cfg) for _ in range(10)))
    assert len({id(p.obj) for p in processes}) == 1


async def test_secret_echoed_by_the_agent_is_redacted(ptwin: ProcessTwin, tmp_path: Path) -> None:
    secret = "2fQsecretTOKENvalue_abc123"
    seen: list[NgrokLog] = []
    cfg = config(tmp_path, "echo-secret", config_version="2", auth_token=secret, log_event_callback=seen.append)
    ngrok_process = await ptwin.get_process(cfg)
    argv = psutil.Process(ngrok_process.pid).cmdline()
    assert not any(secret in arg for arg in argv)
    lines = [log.line for log in ngrok_process.logs]
    echo = next(log for log in ngrok_process.logs if log.msg == "auth")
    assert echo.fields["token"] == "********"
    assert echo.fields["note"] == "Your authtoken: ********"
    assert all(secret not in line for line in lines)
    assert all(secret not in log.line and secret not in str(log) for log in seen)


async def test_log_callback_errors_do_not_stop_reading(ptwin: ProcessTwin, tmp_path: Path) -> None:
    calls: list[str] = []

    def explode(log: NgrokLog) -> None:
        calls.append(log.line)
        raise RuntimeError("callback bug")

    ngrok_process = await ptwin.get_process(config(tmp_path, "v3", config_version="3", log_event_callback=explode))
    assert await ngrok_process.healthy()
    assert len(calls) >= 3


async def test_stop_escalates_to_sigkill(ptwin: ProcessTwin, tmp_path: Path) -> None:
    runner = ptwin.runner(config(tmp_path, "stubborn-ready", config_version="2"))
    await runner.start()
    pid = runner.pid
    await runner.stop(timeout=0.5)
    assert runner.returncode == -9
    assert pid not in children()
    assert runner.exited


_SCRIPTS = {
    "sync": (
        "from typed_ngrok import process\n"
        "from typed_ngrok.conf import PyngrokConfig\n"
        "cfg = PyngrokConfig(ngrok_path={binary!r}, config_path={config!r})\n"
        "print(process.get_process(cfg).proc.pid, flush=True)\n"
    ),
    "aio": (
        "import asyncio\n"
        "from typed_ngrok import aio\n"
        "from typed_ngrok.conf import PyngrokConfig\n"
        "cfg = PyngrokConfig(ngrok_path={binary!r}, config_path={config!r})\n"
        "async def main():\n"
        "    process = await aio.get_ngrok_process(cfg)\n"
        "    print(process.proc.pid, flush=True)\n"
    ),
}


@pytest.mark.parametrize(
    ("kind", "shutdown"), [("sync", "atexit"), ("aio", "asyncio.run"), ("aio", "atexit")], ids=lambda v: str(v)
)
def test_agents_do_not_outlive_the_interpreter(tmp_path: Path, kind: str, shutdown: str) -> None:
    binary = make_fake_binary(tmp_path, "v3")
    script = _SCRIPTS[kind].format(binary=binary, config=str(tmp_path / "absent.yml"))
    if kind == "aio" and shutdown == "asyncio.run":
        script += "asyncio.run(main())\n"
    elif kind == "aio":  # a loop that is never shut down: only the atexit hook can stop the agent
        script += "loop = asyncio.new_event_loop()\nloop.run_until_complete(main())\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    pid = int(result.stdout.strip())
    # The agent was our grandchild: had nothing stopped it (the atexit hook, or the loop's shutdown), it would
    # still be running now. The aio exit hook has no loop left to wait on: it sends SIGTERM and returns, so the agent
    # may still be acting on it for a moment (a CI run saw it "running" right after the interpreter exited).
    with contextlib.suppress(psutil.NoSuchProcess):
        _, alive = psutil.wait_procs([psutil.Process(pid)], timeout=10)
        assert all(p.status() == psutil.STATUS_ZOMBIE for p in alive)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
