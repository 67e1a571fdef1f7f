"""The startup state machine (_readiness) over recorded 2.3.41 and v3 line sequences (docs/agent-api.md §8-9)."""

from __future__ import annotations

import pytest

from typed_ngrok._agent_process.readiness import Action, Readiness, interpret_probe, probe_paths
from typed_ngrok.log import NgrokLog

T = "t=2026-11-22T11:37:49+0000"
OPEN = f'{T} lvl=info msg="open config file" path=/tmp/c.yml err=nil'
WEB = f'{T} lvl=info msg="starting web service" obj=web addr=127.0.0.1:49193'
WEB_V3 = f'{T} lvl=info msg="starting web service" obj=web addr=127.0.0.1:4040 allow_hosts=[]'
TUNNEL = f'{T} lvl=info msg="tunnel session started" obj=tunnels.session'
CLIENT = f'{T} lvl=info msg="client session established" obj=csess id=749b5f300352'
CLIENT_V3 = f'{T} lvl=info msg="client session established" obj=tunnels.session'
FIPS = f'{T} lvl=info msg="FIPS 140 mode" enabled=false'
RECONNECT = (
    f'{T} lvl=eror msg="failed to reconnect session" obj=csess id=8816241b3d91 '
    'err="dial tcp 127.0.0.1:49199: connect: connection refused"'
)
CRIT_PORT = f'{T} lvl=crit msg="command failed" err="listen tcp 127.0.0.1:49185: bind: address already in use"'


def feed_all(lines: list[str]) -> tuple[Readiness, list[Action]]:
    state = Readiness()
    return state, [state.feed(NgrokLog(line)) for line in lines]


@pytest.mark.parametrize(
    "lines",
    [
        [OPEN, WEB, TUNNEL, CLIENT],  # 2.3.41
        [WEB_V3, FIPS, CLIENT_V3, TUNNEL],  # current v3
        [OPEN, TUNNEL, CLIENT, WEB],  # web service last: still fine
    ],
)
def test_session_lines_in_either_order_then_probe(lines: list[str]) -> None:
    state, actions = feed_all(lines)
    assert actions[-1] is Action.PROBE
    assert actions.count(Action.PROBE) == 1
    assert state.api_url is not None and state.api_url.startswith("http://127.0.0.1:")
    assert not state.ready
    assert state.probed(False) is Action.WAIT
    assert state.probed(True) is Action.READY
    assert state.ready
    assert state.feed(NgrokLog(CLIENT)) is Action.READY


def test_reconnect_errors_are_not_fatal_but_remembered() -> None:
    state, actions = feed_all([OPEN, WEB, RECONNECT, RECONNECT])
    assert Action.FAIL not in actions
    assert state.probable_error == "dial tcp 127.0.0.1:49199: connect: connection refused"
    assert state.error == state.probable_error
    assert state.fatal_error is None


def test_command_failed_is_fatal() -> None:
    state, actions = feed_all([OPEN, CRIT_PORT, "listen tcp 127.0.0.1:49185: bind: address already in use"])
    assert actions[1:] == [Action.FAIL, Action.FAIL]
    assert state.fatal_error == "listen tcp 127.0.0.1:49185: bind: address already in use"


def test_plain_error_lines_are_fatal_and_joined() -> None:
    state, actions = feed_all(
        [
            "ERROR:  Error reading configuration file 'c.yml': YAML parsing error: yaml: unmarshal errors:",
            "ERROR:    line 1: cannot unmarshal !!str `notanumber` into int64",
        ]
    )
    assert actions == [Action.FAIL, Action.FAIL]
    assert state.fatal_error == (
        "Error reading configuration file 'c.yml': YAML parsing error: yaml: unmarshal errors:\n"
        "line 1: cannot unmarshal !!str `notanumber` into int64"
    )


def test_v3_auth_failure_sequence() -> None:
    err = (
        "authentication failed: The authtoken you specified is properly formed, but it is invalid."
        "\\r\\n\\r\\nERR_NGROK_107"
    )
    state, actions = feed_all(
        [
            WEB_V3,
            f'{T} lvl=eror msg="session closing" obj=tunnels.session err="{err}"',
            f'{T} lvl=crit msg="command failed" err="{err}"',
            "ERROR:  authentication failed: The authtoken you specified is properly formed, but it is invalid.",
        ]
    )
    assert actions[1] is Action.WAIT
    assert actions[2] is Action.FAIL
    assert state.fatal_error is not None and "ERR_NGROK_107" in state.fatal_error


def test_probe_after_fatal_never_ready() -> None:
    state, _ = feed_all([WEB, TUNNEL, CLIENT, CRIT_PORT])
    assert state.probed(True) is Action.WAIT
    assert not state.ready


def test_exit_is_fatal() -> None:
    state = Readiness()
    assert state.exited(1) is Action.FAIL
    assert state.exit_code == 1


def test_probe_paths() -> None:
    assert probe_paths("2") == ("/api/tunnels",)
    assert probe_paths("3") == ("/api/endpoints", "/api/tunnels")


@pytest.mark.parametrize(
    ("status", "body", "verdict"),
    [
        (200, b'{"tunnels":[]}', "ok"),
        (404, b'{"status_code":404,"msg":"Not Found","details":{"path":"/api/endpoints"}}', "fallback"),
        (404, b"404 page not found", "fallback"),
        (404, b'{"error_code":100,"status_code":404,"msg":"tunnel not found"}', "retry"),
        (502, b"", "retry"),
    ],
)
def test_interpret_probe(status: int, body: bytes, verdict: str) -> None:
    assert interpret_probe(status, body) == verdict


def test_early_probe_when_the_api_is_announced_then_ready_with_the_session() -> None:
    state = Readiness()
    assert state.feed(NgrokLog(OPEN)) is Action.WAIT
    assert state.feed(NgrokLog(WEB)) is Action.EARLY_PROBE
    assert state.probed(True) is Action.WAIT  # the API answers, but no session yet
    assert not state.ready
    assert state.feed(NgrokLog(WEB)) is Action.WAIT  # announced once
    assert state.feed(NgrokLog(TUNNEL)) is Action.WAIT
    assert state.feed(NgrokLog(CLIENT)) is Action.READY
    assert state.ready


def test_failed_early_probe_means_a_probe_once_the_session_is_up() -> None:
    state, actions = feed_all([WEB_V3, FIPS])
    assert actions == [Action.EARLY_PROBE, Action.WAIT]
    assert state.probed(False) is Action.WAIT
    assert state.feed(NgrokLog(CLIENT_V3)) is Action.WAIT
    assert state.feed(NgrokLog(TUNNEL)) is Action.PROBE
    assert state.probed(True) is Action.READY


def test_early_probe_success_does_not_survive_a_fatal_line() -> None:
    state = Readiness()
    assert state.feed(NgrokLog(WEB)) is Action.EARLY_PROBE
    state.probed(True)
    assert state.feed(NgrokLog(CRIT_PORT)) is Action.FAIL
    assert state.feed(NgrokLog(TUNNEL)) is Action.FAIL
    assert state.feed(NgrokLog(CLIENT)) is Action.FAIL
    assert not state.ready
