"""Failure paths with the real agent: rejected Auth/Bind, edge restart, heartbeats, dropped sessions, remote control."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Callable

import httpx
import pytest

from tests.edge.agent_harness import Agent, Upstream
from typed_ngrok.edge import EdgeEvent, LocalEdge

pytestmark = pytest.mark.integration

SpawnAgent = Callable[..., Agent]


@pytest.fixture
def fresh_edge() -> LocalEdge:
    return LocalEdge(heartbeat_interval=1.0, heartbeat_tolerance=10.0, tunnel_grace=30.0)


def test_rejected_auth_makes_the_agent_exit_with_the_edge_message(
    spawn_agent: SpawnAgent, fresh_edge: LocalEdge
) -> None:
    with fresh_edge as edge:
        edge.reject_auth("Your account is suspended for testing.\r\n\r\nERR_NGROK_123\r\n")
        agent = spawn_agent(edge)
        assert agent.proc.wait(30) == 1
        failed = agent.wait_line('lvl=crit msg="command failed"')
        assert "Your account is suspended for testing." in failed and "ERR_NGROK_123" in failed
        assert edge.wait_for_event("auth_rejected").detail["error"].endswith("ERR_NGROK_123\r\n")
        assert edge.sessions == []


def test_wrong_authtoken_is_refused_without_echoing_it(spawn_agent: SpawnAgent, tmp_path: object) -> None:
    with LocalEdge(authtoken="the-right-token") as edge:
        agent = spawn_agent(edge, authtoken="a-wrong-secret")
        assert agent.proc.wait(30) == 1
        line = agent.wait_line("command failed")
        assert "ERR_NGROK_107" in line
        event = edge.wait_for_event("auth_rejected")
        assert "a-wrong-secret" not in repr(event) and "the-right-token" not in repr(event)


def test_rejected_bind_is_a_502_with_error_code_103(
    spawn_agent: SpawnAgent, fresh_edge: LocalEdge, upstream: Upstream
) -> None:
    with fresh_edge as edge:
        agent = spawn_agent(edge)
        agent.wait_ready()
        edge.reject_binds("The tunnel is refused for testing.\r\n\r\nERR_NGROK_302\r\n")
        refused = agent.create_tunnel(name="no", proto="http", addr=str(upstream.port))
        assert refused.status_code == 502
        body = refused.json()
        assert body["error_code"] == 103
        assert body["details"]["err"] == "The tunnel is refused for testing.\r\n\r\nERR_NGROK_302\r\n"
        edge.reject_binds(None)
        assert agent.create_tunnel(name="yes", proto="http", addr=str(upstream.port)).status_code == 201


def test_edge_restart_is_survived_with_the_old_urls(
    spawn_agent: SpawnAgent, fresh_edge: LocalEdge, upstream: Upstream
) -> None:
    with fresh_edge as edge:
        agent = spawn_agent(edge)
        agent.wait_ready()
        assert agent.create_tunnel(name="web", proto="http", addr=str(upstream.port)).status_code == 201
        assert agent.create_tunnel(name="raw", proto="tcp", addr=str(upstream.port)).status_code == 201
        before = agent.tunnels()
        binds = {t.id: t.url for t in edge.tunnels}
        assert sorted(binds.values()) == sorted(before.values())
        session_id = edge.sessions[0].id
        port = edge.port

        since = edge.mark()
        edge.restart()  # all state lost, same port and CA
        assert edge.port == port
        for bind_id in binds:

            def rebound(event: EdgeEvent, wanted: str = bind_id) -> bool:
                return bool(event.detail["bind_id"] == wanted)

            edge.wait_for_event("bind", since=since, timeout=60, match=rebound)
        assert edge.wait_for_event("session", since=since).detail["reconnect"] is True
        assert [s.id for s in edge.sessions] == [session_id]
        assert {t.id: t.url for t in edge.tunnels} == binds
        assert agent.tunnels() == before
        assert httpx.get(f"{before['web (http)']}/again", timeout=30).text == "hello /again"
        https = httpx.get(f"{before['web']}/again", verify=edge.certs.client_context(), timeout=30)
        assert https.text == "hello /again"


def test_stalled_heartbeats_make_the_agent_redial(spawn_agent: SpawnAgent) -> None:
    with LocalEdge(heartbeat_interval=0) as edge:  # only the agent's heartbeat matters here
        agent = spawn_agent(edge, heartbeat_interval="1s", heartbeat_tolerance="1s")
        agent.wait_ready()
        assert edge.sessions[0].heartbeat_interval == 1.0
        since, line_mark = edge.mark(), agent.mark()
        edge.stall_heartbeats()
        agent.wait_line("session closed, starting reconnect loop", since=line_mark, timeout=30)
        edge.stall_heartbeats(False)
        assert edge.wait_for_event("session", since=since, timeout=30).detail["reconnect"] is True


def test_edge_heartbeat_detects_a_frozen_agent(spawn_agent: SpawnAgent) -> None:
    with LocalEdge(heartbeat_interval=0.3, heartbeat_tolerance=2.0) as edge:
        agent = spawn_agent(edge)
        agent.wait_ready()
        session_id = edge.sessions[0].id
        since = edge.mark()
        os.kill(agent.proc.pid, signal.SIGSTOP)
        try:
            timeout = edge.wait_for_event("heartbeat_timeout", since=since, timeout=30)
            assert timeout.session_id == session_id
            edge.wait_for_event("session_closed", since=since, timeout=30)
            assert edge.sessions == []
        finally:
            os.kill(agent.proc.pid, signal.SIGCONT)
        assert edge.wait_for_event("session", since=since, timeout=60).session_id == session_id


def test_dropped_session_reconnects_and_rebinds(
    spawn_agent: SpawnAgent, fresh_edge: LocalEdge, upstream: Upstream
) -> None:
    with fresh_edge as edge:
        agent = spawn_agent(edge)
        agent.wait_ready()
        url = agent.create_tunnel(name="web", proto="http", addr=str(upstream.port), bind_tls=False).json()[
            "public_url"
        ]
        since = edge.mark()
        dropped = edge.drop_session()
        assert edge.wait_for_event("session", since=since, timeout=60).session_id == dropped
        edge.wait_for_event("bind", since=since, timeout=60)
        assert httpx.get(f"{url}/back", timeout=30).text == "hello /back"


def test_refused_sessions_and_delayed_replies(
    spawn_agent: SpawnAgent, fresh_edge: LocalEdge, upstream: Upstream
) -> None:
    with fresh_edge as edge:
        edge.refuse_sessions()
        agent = spawn_agent(edge)
        agent.wait_line("failed to reconnect session", timeout=30)
        assert edge.sessions == []
        edge.refuse_sessions(False)
        agent.wait_ready(timeout=60)
        edge.delay_replies(0.5)
        started = time.monotonic()
        assert agent.create_tunnel(name="slow", proto="tcp", addr=str(upstream.port)).status_code == 201
        assert time.monotonic() - started >= 0.5
        edge.faults.clear()


def test_update_is_refused_restart_reexecs_and_stop_exits(spawn_agent: SpawnAgent, fresh_edge: LocalEdge) -> None:
    with fresh_edge as edge:
        agent = spawn_agent(edge)
        agent.wait_ready()
        assert edge.update_agent() == {"Error": "updates disabled"}

        since, line_mark = edge.mark(), agent.mark()
        assert edge.restart_agent() == {"Error": ""}
        agent.wait_line("received remote restart", since=line_mark)
        edge.wait_for_event("session", since=since, timeout=60)
        assert agent.proc.poll() is None  # re-exec keeps the PID

        edge.stop_agent()
        assert agent.proc.wait(30) == 0


def test_control_without_a_session_is_a_typed_error(fresh_edge: LocalEdge) -> None:
    from typed_ngrok.exception import LocalEdgeError

    with fresh_edge as edge, pytest.raises(LocalEdgeError, match="no live agent session"):
        edge.stop_agent()


def test_reset_connections_closes_live_public_sockets(
    spawn_agent: SpawnAgent, fresh_edge: LocalEdge, upstream: Upstream
) -> None:
    with fresh_edge as edge:
        agent = spawn_agent(edge)
        agent.wait_ready()
        url = agent.create_tunnel(name="raw", proto="tcp", addr=str(upstream.port)).json()["public_url"]
        tunnel = next(t for t in edge.tunnels if t.url == url)
        since = edge.mark()
        with socket.create_connection(("127.0.0.1", tunnel.port), timeout=30) as sock:
            sock.sendall(b"GET /partial HTTP/1.1\r\n")  # an unfinished request keeps the connection open
            edge.wait_for_event("proxy_open", since=since)
            assert [t.open_connections for t in edge.tunnels if t.id == tunnel.id] == [1]
            assert edge.reset_connections(tunnel.id) == 1
            edge.wait_for_event("proxy_close", since=since)
            with contextlib.suppress(ConnectionResetError):  # EOF or RST: either way the socket is closed
                assert sock.recv(100) == b""


def test_tunnels_of_a_lost_session_are_released_after_the_grace_period(
    spawn_agent: SpawnAgent, upstream: Upstream
) -> None:
    with LocalEdge(tunnel_grace=0.5) as edge:
        agent = spawn_agent(edge)
        agent.wait_ready()
        url = agent.create_tunnel(name="raw", proto="tcp", addr=str(upstream.port)).json()["public_url"]
        port = int(url.rsplit(":", 1)[1])
        since = edge.mark()
        agent.stop()
        edge.wait_for_event("session_closed", since=since)
        closed = edge.wait_for_event("tunnel_closed", since=since)
        assert closed.detail["reason"] == "session gone"
        assert edge.tunnels == []
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
