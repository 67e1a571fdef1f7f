"""LocalEdge as an object: config for the agent, lifecycle in both modes, typed errors, `python -m typed_ngrok.edge`."""

from __future__ import annotations

import asyncio
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tests.edge.agent_harness import REPO, Agent, Upstream
from tests.fakes import reap
from typed_ngrok.edge import EdgeCertificates, LocalEdge
from typed_ngrok.exception import LocalEdgeError


def test_agent_config_for_v2_and_v3() -> None:
    edge = LocalEdge(port=0)
    with edge:
        assert edge.server_addr == f"127.0.0.1:{edge.port}" and edge.port > 0
        assert edge.agent_config() == {
            "server_addr": edge.server_addr,
            "root_cas": edge.agent_ca_path,
            "update_check": False,
            "console_ui": False,
        }
        assert edge.agent_config("3") == {
            "version": "3",
            "agent": {
                "connect_url": edge.server_addr,
                "connect_cas": edge.agent_ca_path,
                "update_check": False,
                "console_ui": False,
            },
        }
        assert edge.agent_config("2", with_authtoken=True)["authtoken"] == edge.authtoken == "local-edge-token"
        with open(edge.ca_path, "rb") as fh:
            assert fh.read() == edge.certs.ca_pem
        with open(edge.agent_ca_path, "rb") as fh:
            assert fh.read() == edge.certs.agent_cert_pem
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
    assert "PRIVATE" not in repr(certs) and b"PRIVATE KEY" in certs.key_pem and b"PRIVATE KEY" in certs.agent_key_pem


def _presented(port: int) -> x509.Certificate:
    """The certificate a TLS server on ``port`` presents (not verified)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, ctx.wrap_socket(raw) as tls:
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


def test_agent_link_is_self_signed_ed25519_and_https_listeners_keep_the_p256_ca_chain() -> None:
    with LocalEdge() as edge:
        link = _presented(edge.port)
        assert isinstance(link.public_key(), ed25519.Ed25519PublicKey)
        assert link.issuer == link.subject  # trusted as itself: the agent's root_cas holds exactly this certificate
        assert link == x509.load_pem_x509_certificate(edge.certs.agent_cert_pem)
        sans = link.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert "localhost" in sans.get_values_for_type(x509.DNSName)
        assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
        # the https CA does not vouch for the agent link
        with (
            socket.create_connection(("127.0.0.1", edge.port), timeout=10) as raw,
            pytest.raises(ssl.SSLCertVerificationError),
        ):
            edge.certs.client_context().wrap_socket(raw, server_hostname="localhost")
    public = x509.load_pem_x509_certificate(edge.certs.cert_pem)
    assert isinstance(public.public_key(), ec.EllipticCurvePublicKey)
    assert public.issuer == x509.load_pem_x509_certificate(edge.certs.ca_pem).subject


def test_certificates_without_an_agent_link_fall_back_to_the_ca_chain(tmp_path: Path) -> None:
    full = EdgeCertificates.generate()
    legacy = EdgeCertificates(full.ca_pem, full.ca_key_pem, full.cert_pem, full.key_pem)
    assert legacy.write_agent_link(tmp_path) == legacy.write(tmp_path)
    with LocalEdge(certs=legacy) as edge:
        assert edge.agent_ca_path == edge.ca_path
        presented = _presented(edge.port)
        assert presented == x509.load_pem_x509_certificate(full.cert_pem)
        with (
            socket.create_connection(("127.0.0.1", edge.port), timeout=10) as raw,
            legacy.client_context().wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            assert tls.version() is not None


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


def _run_cli(*args: str) -> tuple[dict[str, Any], str]:
    """Start ``python -m typed_ngrok.edge``, read its YAML up to the closing comments, check the edge answers, stop it
    with SIGINT. Returns the parsed config and the whole text."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "typed_ngrok.edge", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        text = ""
        while "# ngrok's SDKs:" not in text:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            text += line
        config = yaml.safe_load(text)
        assert isinstance(config, dict)
        agent = config.get("agent", config)
        host, port = str(agent.get("connect_url") or agent["server_addr"]).split(":")
        assert host == "127.0.0.1"
        socket.create_connection((host, int(port)), timeout=10).close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
        return config, text
    finally:
        reap(proc)


def test_python_m_runs_standalone_and_prints_yaml_to_paste() -> None:
    config, text = _run_cli("--config-version", "3")
    assert config["version"] == "3"
    assert config["agent"]["authtoken"] == "local-edge-token"
    assert config["agent"]["connect_cas"].endswith("agent.pem")
    assert "# https clients of tunnel URLs must trust this CA: " in text


def test_python_m_state_dir_keeps_port_and_certificates(tmp_path: Path) -> None:
    first, _ = _run_cli("--state-dir", str(tmp_path / "state"))
    ca_pem = (tmp_path / "state" / "ca.pem").read_bytes()
    agent_pem = (tmp_path / "state" / "agent.pem").read_bytes()
    second, _ = _run_cli("--state-dir", str(tmp_path / "state"))
    assert second == first  # same server_addr, same root_cas path: a saved config keeps working
    assert (tmp_path / "state" / "ca.pem").read_bytes() == ca_pem
    assert (tmp_path / "state" / "agent.pem").read_bytes() == agent_pem
    assert (tmp_path / "state" / "state.json").stat().st_mode & 0o077 == 0  # it holds private keys


def test_python_m_help_is_plain_text() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "typed_ngrok.edge", "--help"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert done.returncode == 0
    assert "--state-dir" in done.stdout
    assert "``" not in done.stdout and ":class:" not in done.stdout


def test_agent_config_after_stop_raises_and_files_are_gone() -> None:
    edge = LocalEdge().start()
    ca_path = Path(edge.ca_path)
    assert ca_path.is_file()
    edge.stop()
    assert not ca_path.exists()
    with pytest.raises(LocalEdgeError, match="stopped"):
        edge.agent_config()
    with pytest.raises(LocalEdgeError, match="stopped"):
        edge.start()
