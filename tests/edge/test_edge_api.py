"""LocalEdge as an object: config for the agent, lifecycle in both modes, typed errors, `python -m typed_ngrok.edge`."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable

import httpx
import pytest

from tests.edge.agent_harness import REPO, Agent, Upstream
from typed_ngrok.edge import EdgeCertificates, LocalEdge
from typed_ngrok.exception import LocalEdgeError


def test_agent_config_for_v2_and_v3() -> None:
    edge = LocalEdge(port=0)
    with edge:
        assert edge.server_addr == f"127.0.0.1:{edge.port}" and edge.port > 0
        assert edge.agent_config() == {
            "server_addr": edge.server_addr,
            "root_cas": edge.ca_path,
            "update_check": False,
            "console_ui": False,
        }
        assert edge.agent_config("3") == {
            "version": "3",
            "agent": {
                "connect_url": edge.server_addr,
                "connect_cas": edge.ca_path,
                "update_check": False,
                "console_ui": False,
            },
        }
        assert edge.agent_config("2", with_authtoken=True)["authtoken"] == edge.authtoken == "local-edge-token"
        with open(edge.ca_path, "rb") as fh:
            assert fh.read() == edge.certs.ca_pem
        with pytest.raises(LocalEdgeError, match="unknown agent config version"):
            edge.agent_config("1")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.1", "localhost", "::1"])
def test_only_ipv4_loopback_is_accepted(host: str) -> None:
    with pytest.raises(LocalEdgeError, match="loopback"):
        LocalEdge(host=host)


def test_stop_closes_everything_and_joins_the_thread() -> None:
    edge = LocalEdge().start()
    port = edge.port
    threads_before = {t.name for t in threading.enumerate()}
    assert "typed-ngrok-edge" in threads_before
    with pytest.raises(LocalEdgeError, match="already running"):
        edge.start()
    edge.stop()
    edge.stop()  # idempotent
    assert not edge.running
    assert all(t.name != "typed-ngrok-edge" for t in threading.enumerate())
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with pytest.raises(LocalEdgeError, match="not running"):
        edge.drop_session()


def test_a_taken_port_is_a_typed_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        with pytest.raises(LocalEdgeError, match="cannot listen"):
            LocalEdge(port=taken.getsockname()[1]).start()
        assert all(t.name != "typed-ngrok-edge" for t in threading.enumerate())


def test_certificates_repr_hides_keys() -> None:
    certs = EdgeCertificates.generate()
    assert "PRIVATE" not in repr(certs) and b"PRIVATE KEY" in certs.key_pem


@pytest.mark.integration
async def test_async_mode_runs_on_the_callers_loop(spawn_agent: Callable[..., Agent], upstream: Upstream) -> None:
    async with LocalEdge() as edge:
        assert not any(t.name == "typed-ngrok-edge" for t in threading.enumerate())
        agent = spawn_agent(edge)
        await edge.await_event("session", timeout=30)
        with pytest.raises(LocalEdgeError, match="'a'-prefixed"):
            edge.drop_session()
        response = await asyncio.to_thread(agent.create_tunnel, name="w", proto="http", addr=str(upstream.port))
        assert response.status_code == 201, response.text
        async with httpx.AsyncClient(verify=edge.certs.client_context(), timeout=30) as client:
            reply = await client.get(response.json()["public_url"] + "/async")
        assert reply.text == "hello /async"
        assert [t.proto for t in edge.tunnels] == ["https", "http"]
        assert await edge.aupdate_agent() == {"Error": "updates disabled"}


def test_python_m_runs_standalone_and_prints_the_agent_config() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "typed_ngrok.edge", "--config-version", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("# local edge listening")
        text = ""
        while not text.rstrip().endswith("}") or text.count("{") != text.count("}"):
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            text += line
        config = json.loads(text)
        host, port = config["agent"]["connect_url"].split(":")
        assert host == "127.0.0.1"
        socket.create_connection((host, int(port)), timeout=10).close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
