"""Process lifecycle against the real ngrok 2.3.41 agent and the local edge (no internet, loopback only), each
scenario written once and run through both twins (``process`` in a worker thread, ``aio``'s registry awaited; see
process_twins.py). ``set_auth_token``/``set_api_key`` and ``run_process`` have no ``aio`` twin in ``process``'s
sense (``aio.set_auth_token`` wraps ``ngrok.set_auth_token``) and run sync only."""

from __future__ import annotations

import asyncio
import http.client
import logging
import os
import signal
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
import yaml

from tests.fakes import real_agent_path
from tests.integration.process_twins import ProcessTwin, ptwin_fixture
from tests.outside_files import needs_agent
from typed_ngrok import process
from typed_ngrok._agent_process.config import free_loopback_addr
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.edge import LocalEdge
from typed_ngrok.exception import ProcessStartError, PyngrokError, PyngrokNgrokError
from typed_ngrok.log import NgrokLog

AGENT = real_agent_path()
pytestmark = [
    pytest.mark.integration,
    needs_agent,
]
STARTUP = 30  # generous: other engineers load the machine too


ptwin = ptwin_fixture()


def children() -> set[int]:
    return {child.pid for child in psutil.Process().children(recursive=True)}


@pytest.fixture
def edge() -> Iterator[LocalEdge]:
    with LocalEdge(authtoken="edge-accepts-this-token-0123456789") as running:
        yield running


def binary_copy(tmp_path: Path, name: str = "ngrok") -> str:
    """A symlink to the agent: a different ngrok_path, so a separate registry entry."""
    assert AGENT is not None
    link = tmp_path / name
    link.symlink_to(AGENT)
    return str(link)


def write_yaml(path: Path, data: dict[str, object]) -> str:
    path.write_text(yaml.safe_dump(data))
    return str(path)


def local_config(tmp_path: Path, **kwargs: object) -> PyngrokConfig:
    """edge="local": the launcher starts its own edge and picks a free web_addr."""
    if "config_path" not in kwargs:
        kwargs["config_path"] = write_yaml(tmp_path / "default.yml", {"update_check": False})
    options: dict[str, object] = {
        "ngrok_path": binary_copy(tmp_path),
        "ngrok_version": "2",
        "config_version": "2",
        "edge": "local",
        "startup_timeout": STARTUP,
    }
    options.update(kwargs)
    return PyngrokConfig(**options)  # type: ignore[arg-type]


def api_get(api_url: str, path: str) -> int:
    host, port = api_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def waiter(predicate: Callable[[NgrokLog], bool]) -> tuple[threading.Event, Callable[[NgrokLog], None]]:
    event = threading.Event()

    def callback(log: NgrokLog) -> None:
        if predicate(log):
            event.set()

    return event, callback


async def test_start_ready_and_kill_leaves_nothing(ptwin: ProcessTwin, tmp_path: Path) -> None:
    before = children()
    cfg = local_config(tmp_path)
    ngrok_process = await ptwin.get_process(cfg)
    assert ngrok_process.api_url is not None and ngrok_process.api_url.startswith("http://127.0.0.1:")
    assert await ngrok_process.healthy()
    name = "NgrokProcess" if ptwin.kind == "sync" else "AsyncNgrokProcess"
    assert repr(ngrok_process.obj) == f'<{name}: "{ngrok_process.api_url}">'
    messages = {log.msg for log in ngrok_process.logs}
    assert {"starting web service", "tunnel session started", "client session established"} <= messages
    edge = ngrok_process.edge
    assert edge is not None and edge.running
    assert await ptwin.is_process_running(cfg.ngrok_path)
    assert (await ptwin.get_process(cfg)).obj is ngrok_process.obj

    pid = ngrok_process.pid
    await ptwin.kill_process(cfg.ngrok_path)
    assert ngrok_process.returncode is not None
    assert not await ptwin.is_process_running(cfg.ngrok_path)
    assert not edge.running  # the edge stops with the agent
    assert not await ngrok_process.healthy()
    assert children() == before
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    await ptwin.kill_process(cfg.ngrok_path)  # a second kill is a no-op


async def test_bad_config_fails_with_the_agents_error_line(ptwin: ProcessTwin, tmp_path: Path) -> None:
    before = children()
    cfg = local_config(
        tmp_path,
        edge="ngrok",
        config_path=write_yaml(tmp_path / "bad.yml", {"region": "eu", "server_addr": "127.0.0.1:1"}),
    )
    with pytest.raises(ProcessStartError) as info:
        await ptwin.get_process(cfg)
    assert info.value.ngrok_error == "You may not specify both 'region' and 'server_addr'"
    assert str(info.value) == "The ngrok process errored on start: You may not specify both 'region' and 'server_addr'."
    assert any(log.format == "plain" and log.lvl == "ERROR" for log in info.value.ngrok_logs)
    assert children() == before
    assert not await ptwin.is_process_running(cfg.ngrok_path)


async def test_missing_config_file(ptwin: ProcessTwin, tmp_path: Path) -> None:
    cfg = local_config(tmp_path, edge="ngrok", config_path=str(tmp_path / "missing.yml"))
    with pytest.raises(ProcessStartError, match=r"Error reading configuration file .*no such file or directory"):
        await ptwin.get_process(cfg)


async def test_web_addr_port_in_use(ptwin: ProcessTwin, tmp_path: Path) -> None:
    before = children()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        addr = f"127.0.0.1:{taken.getsockname()[1]}"
        cfg = local_config(
            tmp_path, config_path=write_yaml(tmp_path / "ngrok.yml", {"web_addr": addr, "update_check": False})
        )
        with pytest.raises(ProcessStartError) as info:
            await ptwin.get_process(cfg)
    assert info.value.ngrok_error == f"listen tcp {addr}: bind: address already in use"
    assert "address already in use" in str(info.value)
    assert children() == before


async def test_rejected_authtoken_is_fatal_and_redacted(ptwin: ProcessTwin, tmp_path: Path, edge: LocalEdge) -> None:
    secret = "my-real-authtoken-DO-NOT-LEAK-42"
    # Like ngrok's server, the edge echoes the token back in its refusal.
    edge.reject_auth(
        "The authtoken you specified does not look like a proper ngrok tunnel authtoken.\n"
        f"Your authtoken: {secret}\r\n\r\nERR_NGROK_105\r\n"
    )
    before = children()
    cfg = local_config(
        tmp_path,
        edge="ngrok",
        auth_token=secret,
        config_path=write_yaml(
            tmp_path / "ngrok.yml", {**edge.agent_config("2"), "web_addr": f"127.0.0.1:{free_port()}"}
        ),
    )
    with pytest.raises(ProcessStartError) as info:
        await ptwin.get_process(cfg)
    err = info.value
    assert err.ngrok_error_code == "ERR_NGROK_105"
    assert err.ngrok_error is not None and "does not look like a proper ngrok tunnel authtoken" in err.ngrok_error
    assert "Your authtoken: ********" in err.ngrok_error
    assert secret not in str(err) and secret not in repr(err.args)
    assert all(secret not in log.line and secret not in str(log) for log in err.ngrok_logs)
    assert children() == before


def free_port() -> int:
    """A free loopback port for a server started a moment later (the library's choice: below the ephemeral range,
    so an outgoing connection cannot take it meanwhile)."""
    return int(free_loopback_addr().rsplit(":", 1)[1])


async def test_authtoken_never_on_argv_logs_or_callbacks(
    ptwin: ProcessTwin, tmp_path: Path, edge: LocalEdge, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = edge.authtoken
    seen: list[NgrokLog] = []
    cfg = local_config(
        tmp_path,
        edge="ngrok",
        auth_token=secret,
        log_event_callback=seen.append,
        max_logs=1000,
        # At debug level 2.3.41 logs its Auth request with the authtoken in it.
        config_path=write_yaml(
            tmp_path / "ngrok.yml",
            {**edge.agent_config("2"), "web_addr": f"127.0.0.1:{free_port()}", "log_level": "debug"},
        ),
    )
    ngrok_process = await ptwin.get_process(cfg)  # the edge accepts only this token: it did reach the agent
    argv = psutil.Process(ngrok_process.pid).cmdline()
    assert not any(secret in arg for arg in argv)
    assert "--region" not in argv
    assert argv[1:8] == ["start", "--none", "--log", "stdout", "--log-format", "logfmt", "--config"]
    overlay = Path(argv[argv.index("--config", argv.index("--config") + 1) + 1])
    assert stat.S_IMODE(overlay.stat().st_mode) == 0o600
    assert stat.S_IMODE(overlay.parent.stat().st_mode) == 0o700
    auth_lines = [log for log in seen if log.msg == "encode request" and "Authtoken:" in log.line]
    assert auth_lines and all("Authtoken:******** " in log.line for log in auth_lines)
    assert all(secret not in log.line and secret not in str(log) for log in seen)
    assert all(secret not in log.line for log in ngrok_process.logs)
    assert secret not in caplog.text
    await ptwin.kill_process(cfg.ngrok_path)
    assert not overlay.parent.exists()  # private files go with the agent


async def test_killed_from_outside_is_noticed_and_restart_works(ptwin: ProcessTwin, tmp_path: Path) -> None:
    cfg = local_config(tmp_path)
    first = await ptwin.get_process(cfg)
    edge = first.edge
    os.kill(first.pid, signal.SIGKILL)  # not through us
    assert await first.wait_exited(30)
    assert first.exited
    assert not await first.healthy()
    assert not await ptwin.is_process_running(cfg.ngrok_path)
    assert edge is not None and not edge.running
    second = await ptwin.get_process(cfg)
    assert second.obj is not first.obj and second.pid != first.pid
    assert await second.healthy()


async def test_two_agents_side_by_side(ptwin: ProcessTwin, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = local_config(tmp_path / "a"), local_config(tmp_path / "b")
    first, second = await ptwin.get_process(a), await ptwin.get_process(b)
    assert first.obj is not second.obj and first.api_url != second.api_url
    assert await first.healthy() and await second.healthy()
    await ptwin.kill_process(a.ngrok_path)
    assert not await ptwin.is_process_running(a.ngrok_path)
    assert await second.healthy() and await ptwin.is_process_running(b.ngrok_path)


async def test_a_config_made_invalid_after_the_start_still_finds_the_running_agent(
    ptwin: ProcessTwin, tmp_path: Path
) -> None:
    """Both twins validate the config only when they start an agent: a running one is returned as it is."""
    cfg = local_config(tmp_path)
    first = await ptwin.get_process(cfg)
    cfg.startup_timeout = -1  # invalid, assigned after the start
    assert (await ptwin.get_process(cfg)).obj is first.obj
    await ptwin.kill_process(cfg.ngrok_path)
    started = children()
    with pytest.raises(PyngrokError, match="startup_timeout"):
        await ptwin.get_process(cfg)  # no agent: this call would start one, so it validates
    assert children() <= started and not await ptwin.is_process_running(cfg.ngrok_path)


async def test_callbacks_max_logs_and_a_raising_callback(
    ptwin: ProcessTwin, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[NgrokLog] = []
    done, watch = waiter(lambda log: log.msg == "end" and getattr(log, "pg", None) == "/api/nope")

    def callback(log: NgrokLog) -> None:
        seen.append(log)
        watch(log)
        raise RuntimeError("callback bug")

    cfg = local_config(tmp_path, log_event_callback=callback, max_logs=3)
    ngrok_process = await ptwin.get_process(cfg)
    assert len(ngrok_process.logs) <= 3
    for _ in range(3):
        assert await asyncio.to_thread(api_get, str(ngrok_process.api_url), "/api/tunnels") == 200
    assert await asyncio.to_thread(api_get, str(ngrok_process.api_url), "/api/nope") == 404
    assert await asyncio.to_thread(done.wait, 30), "the monitor stopped after the callback raised"
    assert len(ngrok_process.logs) == 3
    assert ngrok_process.logs[-1].msg == "end"
    assert len(seen) > 6
    assert "log_event_callback raised" in caplog.text
    assert await ngrok_process.healthy()


async def test_without_monitor_thread_output_is_drained_not_kept(ptwin: ProcessTwin, tmp_path: Path) -> None:
    seen: list[NgrokLog] = []
    cfg = local_config(tmp_path, monitor_thread=False, log_event_callback=seen.append)
    ngrok_process = await ptwin.get_process(cfg)
    kept, called = len(ngrok_process.logs), len(seen)
    api_url = str(ngrok_process.api_url)

    def many_calls() -> None:
        for _ in range(200):  # plenty of access-log lines; an undrained pipe would eventually stall the agent
            assert api_get(api_url, "/api/tunnels") == 200

    await asyncio.to_thread(many_calls)
    assert await ngrok_process.healthy()
    assert (len(ngrok_process.logs), len(seen)) == (kept, called)
    done, watch = waiter(lambda log: getattr(log, "pg", None) == "/api/after")
    cfg.log_event_callback = watch
    ngrok_process.start_monitor_thread()
    assert await asyncio.to_thread(api_get, api_url, "/api/after") == 404
    assert await asyncio.to_thread(done.wait, 30)
    ngrok_process.stop_monitor_thread()


def test_set_auth_token_edits_the_yaml_not_argv(tmp_path: Path) -> None:
    cfg = local_config(tmp_path, edge="ngrok", config_path=str(tmp_path / "fresh.yml"))
    process.set_auth_token(cfg, "tok-123456")
    data = yaml.safe_load((tmp_path / "fresh.yml").read_text())
    assert data["authtoken"] == "tok-123456"
    assert stat.S_IMODE(os.stat(tmp_path / "fresh.yml").st_mode) == 0o600
    v3 = PyngrokConfig(ngrok_path=str(tmp_path / "x"), config_path=str(tmp_path / "v3.yml"))
    process.set_api_key(v3, "key-abc")
    process.set_auth_token(v3, "tok-v3")
    assert yaml.safe_load((tmp_path / "v3.yml").read_text()) == {
        "version": "3",
        "agent": {"api_key": "key-abc", "authtoken": "tok-v3"},
    }


async def test_capture_run_process_and_exit_codes(ptwin: ProcessTwin) -> None:
    assert AGENT is not None
    assert (await ptwin.capture_run_process(AGENT, ["version"])).startswith("ngrok version 2.3.41")
    with pytest.raises(PyngrokNgrokError, match="exited with code"):
        await ptwin.capture_run_process(AGENT, ["no-such-command"])


def test_run_process_runs_in_the_foreground() -> None:
    assert AGENT is not None
    started = time.monotonic()
    process.run_process(AGENT, ["version"])
    assert time.monotonic() - started < 30


def test_a_stopped_agent_leaves_no_shared_api_connection(tmp_path: Path) -> None:
    """The startup probe's kept-alive ``AgentAPI`` is shared with the tunnel calls; it closes with the agent (as the
    ``aio`` process object closes its own clients), so no socket outlives it."""
    from typed_ngrok._agent_api.sync import agent_api_for, close_agent_api

    cfg = local_config(tmp_path)
    api_url = str(process.get_process(cfg).api_url)
    shared = agent_api_for(api_url, float(cfg.request_timeout))
    process.kill_process(cfg.ngrok_path)
    fresh = agent_api_for(api_url, float(cfg.request_timeout))
    close_agent_api(api_url)
    assert fresh is not shared
