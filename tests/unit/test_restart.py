"""Re-creating a restarted agent's tunnels, without an agent: the log lines that say it restarted
(``_agent_process.restart``, the runner's hook), the registry's plan (registry state -> the requests to send again)
and the re-create flow (``_tunnels.restart.recreate``) on a stand-in API through both drivers."""

from __future__ import annotations

import asyncio
import functools
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

import pytest

from tests.unit.test_tunnel_flows import API, FakeAPI, Runner, _agent, _tunnel
from tests.unit.test_tunnel_flows import run as run
from typed_ngrok._agent_process.restart import BACK, RESTARTING, RestartWatch, may_matter
from typed_ngrok._agent_process.runner import RunnerCore
from typed_ngrok._drive import Flow, run_sync
from typed_ngrok._tunnels import flows, restart
from typed_ngrok._tunnels.model import ConnectedTunnel
from typed_ngrok._tunnels.registry import forget_agent, registry_for
from typed_ngrok._tunnels.requests import TunnelRequest
from typed_ngrok._tunnels.restart import recreate, request_secrets
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokHTTPError, PyngrokNgrokURLError
from typed_ngrok.log import NgrokLog

if TYPE_CHECKING:
    from typed_ngrok._agent_process.aio import AsyncNgrokProcess

# What the 2.3.41 agent printed on the edge's Restart command (a real run; see _agent_process/restart.py)
RESTART_LINES = [
    't=2026-11-30T06:07:49+0000 lvl=info msg="received remote restart" obj=tunnels.session',
    't=2026-11-30T06:07:49+0000 lvl=info msg="received stop request" obj=app stopReq="{err:<nil> restart:true}"',
    't=2026-11-30T06:07:49+0000 lvl=info msg="session closing" obj=tunnels.session err=nil',
    't=2026-11-30T06:07:49+0000 lvl=info msg="open config file" path=/tmp/x/ngrok.yml err=nil',
    't=2026-11-30T06:07:49+0000 lvl=info msg="starting web service" obj=web addr=127.0.0.1:55495',
    't=2026-11-30T06:07:49+0000 lvl=info msg="tunnel session started" obj=tunnels.session',
    't=2026-11-30T06:07:49+0000 lvl=info msg="client session established" obj=csess id=2379e5a4a00c',
]
SIGTERM_LINE = (
    't=2026-11-30T06:07:50+0000 lvl=info msg="received stop request" obj=app stopReq="{err:<nil> restart:false}"'
)


def _events(lines: list[str], watch: RestartWatch | None = None) -> list[str | None]:
    watch = watch or RestartWatch()
    return [watch.feed(NgrokLog(line)) for line in lines]


def test_the_watch_sees_the_restart_then_the_new_session() -> None:
    assert _events(RESTART_LINES) == [None, RESTARTING, None, None, None, None, BACK]
    reordered = [*RESTART_LINES[:5], RESTART_LINES[6], RESTART_LINES[5]]  # v3 logs the session lines the other way
    assert _events(reordered)[-2:] == [None, BACK]


def test_the_watch_ignores_a_plain_stop_and_session_lines_without_a_restart() -> None:
    assert _events([SIGTERM_LINE, *RESTART_LINES[5:]]) == [None, None, None]
    watch = RestartWatch()
    assert _events(RESTART_LINES, watch)[-1] == BACK
    assert _events(RESTART_LINES[5:], watch) == [None, None]  # a reconnect of the same run is no restart


def test_only_the_restart_and_session_lines_are_parsed_when_nobody_reads_the_output() -> None:
    assert [may_matter(line.encode()) for line in RESTART_LINES] == [False, True, False, False, False, True, True]


def test_the_runner_hands_the_restart_to_its_hook_monitored_or_not(tmp_path: Path) -> None:
    for monitored in (False, True):
        core = RunnerCore(PyngrokConfig(ngrok_path=str(tmp_path / "ngrok")), None)
        core.proc = None
        events: list[str] = []
        core.on_restart = events.append
        for line in RESTART_LINES:  # while starting: readiness reads the lines, no restart is possible yet
            core.take_line(line.encode() + b"\n")
        assert events == []
        core._starting, core.monitoring = False, monitored
        for line in RESTART_LINES:
            core.take_line(line.encode() + b"\n")
        assert events == [RESTARTING, BACK]
        assert len(core.logs) == len(RESTART_LINES) * (2 if monitored else 1)  # drained only, unless monitored


def test_a_failing_hook_is_logged_and_reading_goes_on(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    core = RunnerCore(PyngrokConfig(ngrok_path=str(tmp_path / "ngrok")), None)
    core.proc = None

    def hook(event: str) -> None:
        raise RuntimeError("boom")

    core.on_restart = hook
    core._starting = False
    with caplog.at_level(logging.ERROR, "typed_ngrok.process"):
        for line in RESTART_LINES:
            core.take_line(line.encode())
    assert [r.getMessage() for r in caplog.records].count(
        "handling the ngrok agent's restart failed; its output is still being read"
    ) == 2


# ---- the plan: registry state -> the requests to send again ---------------------------------------------------------
def _connect(agent: flows.Agent[Any], request: TunnelRequest) -> Flow[ConnectedTunnel]:
    return flows.connect(agent, request)


async def _connected(run: Runner, agent: flows.Agent[Any]) -> list[TunnelRequest]:
    """Three tunnels opened by connect (one with a companion) and one only listed."""
    requests = [
        flows.connect_request(agent.cfg, 8000, None, "web", {"bind_tls": "both", "auth": "user:s3cret"}),
        flows.connect_request(agent.cfg, 22, "tcp", "ssh", {}),
        flows.connect_request(agent.cfg, 8001, None, "api", {}),
    ]
    answers = {"web": "https://web.example", "ssh": "tcp://ssh.example:1", "api": "https://api.example"}
    fake = FakeAPI(
        start_tunnel=lambda body: _tunnel(body["name"], answers[body["name"]]),
        get_tunnel=_tunnel("web (http)", "http://web.example", "http"),
    )
    for request in requests:
        await run(functools.partial(_connect, request=request), fake, agent)
    listing = [_tunnel(name, url) for name, url in answers.items()]
    listing += [_tunnel("web (http)", "http://web.example", "http"), _tunnel("other", "https://other.example")]
    await run(flows.get_tunnels, FakeAPI(list_tunnels=list(reversed(listing))), agent)
    return requests


async def test_the_plan_is_what_connect_opened_in_connect_order(run: Runner, tmp_path: Path) -> None:
    agent = _agent(tmp_path, "2")
    requests = await _connected(run, agent)
    plan = agent.registry.begin_restart()
    assert [(item.request, item.public_url) for item in plan] == [
        (requests[0], "https://web.example"),  # not its companion: the agent opens that one with it
        (requests[1], "tcp://ssh.example:1"),
        (requests[2], "https://api.example"),
    ]  # not "other": typed-ngrok did not open it and does not know how
    assert agent.registry.tunnels() == []  # the agent has none now
    assert agent.registry.restart_plan() == plan
    assert agent.registry.start_reopening() == 1  # the generation to open them again for
    assert [agent.registry.next_to_reopen(1) for _ in range(4)] == [*plan, None]


async def test_a_listing_in_flight_cannot_bring_back_what_the_restart_took(run: Runner, tmp_path: Path) -> None:
    agent = _agent(tmp_path, "2")
    await _connected(run, agent)
    with agent.registry.listing() as stale:
        plan = agent.registry.begin_restart()
        stale.apply([ConnectedTunnel(_tunnel("api", "https://api.example"), agent.cfg, agent.api_url)])
    assert agent.registry.tunnels() == []
    assert len(agent.registry.restart_plan()) == len(plan) == 3


async def test_two_restarts_before_the_session_is_up_keep_one_plan(run: Runner, tmp_path: Path) -> None:
    agent = _agent(tmp_path, "2")
    await _connected(run, agent)
    first = agent.registry.begin_restart()
    assert agent.registry.begin_restart() == first
    assert agent.registry.restart_plan() == first
    assert agent.registry.start_reopening() == 2


async def test_disconnected_tunnels_are_not_in_the_plan(run: Runner, tmp_path: Path) -> None:
    agent = _agent(tmp_path, "2")
    await _connected(run, agent)
    await run(lambda a: flows.disconnect(a, "https://web.example"), FakeAPI(), agent)
    assert [item.request.name for item in agent.registry.begin_restart()] == ["ssh", "api"]


# ---- the re-create flow --------------------------------------------------------------------------------------------
def _back(agent: flows.Agent[Any]) -> int:
    """The restarted agent's new session is up: the generation the re-creation runs for."""
    generation = agent.registry.start_reopening()
    assert generation is not None
    return generation


ANSWERS = {"web": "https://web.example", "ssh": "tcp://ssh.example:1", "api": "https://api.example"}
WEB_HTTP = _tunnel("web (http)", "http://web.example", "http")


def _started(fake: FakeAPI) -> list[str]:
    return [cast(dict[str, Any], call[1][0])["name"] for call in fake.calls if call[0] == "start_tunnel"]


async def test_a_tunnel_disconnected_during_the_restart_is_not_opened_again(run: Runner, tmp_path: Path) -> None:
    agent = _agent(tmp_path, "2")
    await _connected(run, agent)
    agent.registry.begin_restart()
    idle = FakeAPI()
    await run(lambda a: flows.disconnect(a, "tcp://ssh.example:1"), idle, agent)  # before the session is up
    assert idle.calls == []  # nothing to stop, nothing to list (the agent is restarting)
    assert [item.request.name for item in agent.registry.restart_plan()] == ["web", "api"]

    user = FakeAPI()

    def start(body: dict[str, Any]) -> Any:
        if body["name"] == "api":  # the user disconnects it while its connect runs
            run_sync(flows.disconnect(agent, "https://api.example"), user)
        return _tunnel(body["name"], ANSWERS[body["name"]])

    fake = FakeAPI(start_tunnel=start, get_tunnel=WEB_HTTP, list_tunnels=[_tunnel("web", ANSWERS["web"]), WEB_HTTP])
    opened = await run(lambda a: recreate(a, _back(a)), fake, agent)
    assert user.calls == []  # the re-creation stops it once it is open
    assert opened == ["https://web.example"]
    assert _started(fake) == ["web", "api"]
    assert ("stop_tunnel", ("api",)) in fake.calls
    assert sorted(t.name or "" for t in agent.registry.tunnels()) == ["web", "web (http)"]
    assert [item.request.name for item in agent.registry.begin_restart()] == ["web"]  # gone for good


@pytest.mark.parametrize("in_flight", ["fails", "opens on the old session"])
async def test_a_restart_during_the_re_creation_loses_nothing(run: Runner, tmp_path: Path, in_flight: str) -> None:
    agent = _agent(tmp_path, "2")
    requests = await _connected(run, agent)
    agent.registry.begin_restart()
    refused = PyngrokNgrokHTTPError("refused", f"{API}/api/tunnels", 502, "Bad Gateway", {}, "{}")

    def start(body: dict[str, Any]) -> Any:
        if body["name"] == "ssh":
            return refused
        if body["name"] == "api":  # the agent restarts again while this connect runs
            agent.registry.begin_restart()
            if in_flight == "fails":
                return PyngrokNgrokURLError("connection reset by peer", f"{API}/api/tunnels")
        return _tunnel(body["name"], ANSWERS[body["name"]])

    fake = FakeAPI(start_tunnel=start, get_tunnel=WEB_HTTP, list_tunnels=[])
    await run(lambda a: recreate(a, _back(a)), fake, agent)
    assert _started(fake) == ["web", "ssh", "api"]
    assert "list_tunnels" not in [call[0] for call in fake.calls]  # the pass ended without its listing
    # opened, failed and in flight: all planned again for the new session, in connect order; none listed meanwhile
    assert [item.request for item in agent.registry.restart_plan()] == requests
    assert agent.registry.tunnels() == []
    assert not agent.registry.wait_restarts(1, 0.0)  # that pass was cut short

    again = FakeAPI(start_tunnel=lambda body: _tunnel(body["name"], ANSWERS[body["name"]]), list_tunnels=[])
    again.answers["get_tunnel"] = WEB_HTTP
    assert await run(lambda a: recreate(a, _back(a)), again, agent) == list(ANSWERS.values())
    assert _started(again) == ["web", "ssh", "api"]
    assert agent.registry.wait_restarts(2, 0.0)


async def test_a_session_up_while_the_re_creation_runs_is_handed_to_it(run: Runner, tmp_path: Path) -> None:
    agent = _agent(tmp_path, "2")
    await _connected(run, agent)
    agent.registry.begin_restart()
    second: list[int | None] = []

    def start(body: dict[str, Any]) -> Any:
        if not second and body["name"] == "ssh":  # restarted again, and back, while this connect runs
            agent.registry.begin_restart()
            second.append(agent.registry.start_reopening())
            return PyngrokNgrokURLError("connection reset by peer", f"{API}/api/tunnels")
        return _tunnel(body["name"], ANSWERS[body["name"]])

    fake = FakeAPI(start_tunnel=start, get_tunnel=WEB_HTTP, list_tunnels=[])
    assert await run(lambda a: recreate(a, _back(a)), fake, agent) == list(ANSWERS.values())
    assert second == [None]  # no second re-creation: the running one went on with the new session
    assert _started(fake) == ["web", "ssh", "web", "ssh", "api"]
    assert [call[0] for call in fake.calls].count("list_tunnels") == 1
    assert agent.registry.wait_restarts(2, 0.0)
    assert agent.registry.start_reopening() == 2  # it is over: the next session up starts one again


async def test_recreate_sends_the_same_requests_logs_failures_masked_and_ends_with_a_listing(
    run: Runner, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    agent = _agent(tmp_path, "2")
    requests = await _connected(run, agent)
    agent.registry.begin_restart()
    refused = PyngrokNgrokHTTPError(
        "bind refused for user:s3cret", "http://127.0.0.1:4040/api/tunnels", 502, "Bad Gateway", {}, "{}"
    )
    answers = {"ssh": "tcp://ssh.example:1", "api": "https://api.example:2"}
    fake = FakeAPI(
        start_tunnel=lambda body: refused if body["name"] == "web" else _tunnel(body["name"], answers[body["name"]]),
        list_tunnels=[_tunnel(name, url) for name, url in answers.items()],
    )
    with caplog.at_level(logging.INFO, "typed_ngrok.ngrok"):
        opened = await run(lambda a: recreate(a, _back(a)), fake, agent)
    assert opened == ["tcp://ssh.example:1", "https://api.example:2"]
    assert [call for call in fake.calls if call[0] == "start_tunnel"] == [
        ("start_tunnel", (request.body,)) for request in requests
    ]
    assert fake.calls[-1] == ("list_tunnels", ())
    assert sorted(t.public_url or "" for t in agent.registry.tunnels()) == sorted(answers.values())
    text = caplog.text
    assert "could not open tunnel 'web' again after the agent restarted: bind refused for ********" in text
    assert "s3cret" not in text
    assert "tunnel 'api' is open again after the agent restarted, at a new URL: https://api.example:2" in text
    assert agent.registry.wait_restarts(1, 0.0)


async def test_recreate_stops_when_the_agent_was_killed_meanwhile(run: Runner, tmp_path: Path) -> None:
    agent = _agent(tmp_path, "2")
    await _connected(run, agent)
    agent.registry.begin_restart()
    agent.registry.closed.set()
    fake = FakeAPI(list_tunnels=[])
    assert await run(lambda a: recreate(a, _back(a)), fake, agent) == []
    assert [call[0] for call in fake.calls] == ["list_tunnels"]
    assert agent.registry.wait_restarts(1, 0.0)


def test_request_secrets_are_the_credential_values_at_any_depth() -> None:
    body: dict[str, Any] = {
        "name": "web",
        "auth": "u:p1",
        "basic_auth": ["a:p2"],
        "oauth": {"provider": "google", "client_secret": "p3"},
        "traffic_policy": {"inbound": [{"actions": [{"config": {"token": "p4"}}]}]},
        "addr": "8000",
    }
    assert sorted(request_secrets(body)) == ["a:p2", "p3", "p4", "u:p1"]
    assert request_secrets(cast(dict[str, Any], {"name": "x", "proto": "http"})) == ()


async def test_a_restart_between_the_stop_and_the_forgetting_does_not_open_the_tunnel_again(
    run: Runner, tmp_path: Path
) -> None:
    agent = _agent(tmp_path, "2")
    await _connected(run, agent)

    def stop(name: str) -> None:
        if name == "web":  # the agent answers the stop, then re-executes itself: its reader sees the restart
            agent.registry.begin_restart()

    await run(lambda a: flows.disconnect(a, "https://web.example"), FakeAPI(stop_tunnel=stop), agent)
    assert [item.request.name for item in agent.registry.restart_plan()] == ["ssh", "api"]
    fake = FakeAPI(start_tunnel=lambda body: _tunnel(body["name"], ANSWERS[body["name"]]), list_tunnels=[])
    assert await run(lambda a: recreate(a, _back(a)), fake, agent) == [ANSWERS["ssh"], ANSWERS["api"]]
    assert _started(fake) == ["ssh", "api"]


async def test_a_failing_stop_of_a_tunnel_disconnected_meanwhile_is_logged_and_the_rest_is_opened(
    run: Runner, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    agent = _agent(tmp_path, "2")
    await _connected(run, agent)
    agent.registry.begin_restart()

    def start(body: dict[str, Any]) -> Any:
        if body["name"] == "web":  # the user disconnects it while its connect runs
            run_sync(flows.disconnect(agent, "https://web.example"), FakeAPI())
        return _tunnel(body["name"], ANSWERS[body["name"]])

    timeout = PyngrokNgrokURLError("timed out stopping the tunnel of user:s3cret", f"{API}/api/tunnels/web")
    running = [_tunnel(name, url) for name, url in ANSWERS.items()] + [WEB_HTTP]  # the stop did not happen
    fake = FakeAPI(start_tunnel=start, get_tunnel=WEB_HTTP, stop_tunnel=timeout, list_tunnels=running)
    with caplog.at_level(logging.INFO, "typed_ngrok.ngrok"):
        opened = await run(lambda a: recreate(a, _back(a)), fake, agent)
    assert opened == [ANSWERS["ssh"], ANSWERS["api"]]
    assert _started(fake) == ["web", "ssh", "api"]
    assert fake.calls[-1] == ("list_tunnels", ())
    assert agent.registry.wait_restarts(1, 0.0)
    assert (
        "could not stop tunnel 'web', disconnected while it was being opened again: "
        "timed out stopping the tunnel of ********" in caplog.text
    )
    assert "s3cret" not in caplog.text
    assert agent.registry.get(ANSWERS["web"]) is not None  # the agent still runs it: listed, as the agent says
    assert [item.request.name for item in agent.registry.begin_restart()] == ["ssh", "api"]  # never opened again


def _broken(agent: flows.Agent[Any], generation: int) -> Flow[list[str]]:
    """A re-creation ending on an unexpected error (a bug: a PyngrokError never ends it)."""
    raise RuntimeError("unexpected")
    yield  # a flow


@pytest.mark.parametrize("twin", ["sync", "aio"])
async def test_a_background_re_creation_ending_on_an_error_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, twin: str
) -> None:
    monkeypatch.setattr(restart, "recreate", _broken)
    api_url = "http://127.0.0.1:9"  # never contacted
    cfg = PyngrokConfig(ngrok_path=str(tmp_path / "ngrok"))
    registry_for(cfg.ngrok_path, api_url).begin_restart()
    try:
        with caplog.at_level(logging.ERROR, "typed_ngrok.ngrok"):
            if twin == "sync":
                thread = restart.recreate_in_thread(cfg, api_url)
                assert thread is not None
                thread.join()  # an exception escaping the thread would fail the test (filterwarnings = error)
            else:
                loop = asyncio.get_running_loop()
                process = SimpleNamespace(pyngrok_config=cfg, api_url=api_url, agent_api=lambda t: None, loop=loop)
                restart.recreate_in_task(cast("AsyncNgrokProcess", process))
                (task,) = [t for t in asyncio.all_tasks() if t.get_name().startswith("typed-ngrok-recreate-")]
                await task  # re-raised here if the task does not handle it ("Task exception was never retrieved")
    finally:
        forget_agent(cfg.ngrok_path, api_url)
    assert [r.getMessage() for r in caplog.records] == ["opening the restarted ngrok agent's tunnels again failed"]
    assert caplog.records[0].exc_info is not None
