"""ngrok's Python SDK (PyPI ``ngrok`` 1.7.0, the Rust core) against the local edge, in-process, with real upstreams.

Every option the SDK can send is either enforced by the edge (tested here end to end) or refused at bind time with an
``ERR_NGROK_4012`` error naming it; nothing is accepted and ignored (``test_edge_option_rule.py`` holds the exhaustive
check over every wire field).

Two packages claim the top-level name ``ngrok``: this SDK and ngrok's API client (PyPI ``ngrok-api``, a dev
dependency of this project), so the venv's ``import ngrok`` may find either. No test here relies on it:

- in-process tests get the SDK from ``sdk_harness.py_sdk()``, which loads ``.cache/ngrok-py-1.7.0/ngrok`` by file
  location under the private name ``_ngrok_python_sdk`` (``sys.path`` and ``sys.modules["ngrok"]`` are never
  consulted), and use only its builders (``SessionBuilder`` and the listener builders);
- the SDK's module-level helpers (``ngrok.forward`` and friends) run embedded Python that does ``import ngrok`` by
  name, so they run in a child process, ``python -I sdk_py_forward.py`` (``PYTHONPATH`` ignored), which puts the SDK
  folder first on ``sys.path`` and checks that the ``ngrok`` it imported lives there before using it.

``test_sdk_is_loaded_whatever_the_venvs_ngrok_is`` and ``test_forward_child_ignores_an_ngrok_on_pythonpath`` prove
both paths with a decoy ``ngrok`` in the way.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.edge.agent_harness import Upstream
from tests.edge.sdk_harness import PY_SDK_DIR, SDK_VERSION, py_builder, py_sdk, py_session
from typed_ngrok.edge import EdgeCertificates, LocalEdge

pytestmark = pytest.mark.integration

Configure = Callable[[Any], Any]


def _upstream_url(upstream: Upstream) -> str:
    return f"http://127.0.0.1:{upstream.port}"


def _bind_error(exc: BaseException) -> str:
    return " ".join(str(a) for a in exc.args)


async def _get(url: str, edge: LocalEdge, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(verify=edge.certs.client_context(), timeout=30) as client:
        return await client.get(url, **kwargs)


# -- Auth ---------------------------------------------------------------------------------------------------------
async def test_auth_accepted_http_and_https_tunnels_reach_the_upstream(edge: LocalEdge, upstream: Upstream) -> None:
    async with py_session(edge) as session:
        plain = await session.http_endpoint().scheme("HTTP").listen_and_forward(_upstream_url(upstream))
        secure = await session.http_endpoint().listen_and_forward(_upstream_url(upstream))
        assert plain.url().startswith("http://localhost:")
        assert secure.url().startswith("https://localhost:")
        for url in (plain.url(), secure.url()):
            response = await _get(f"{url}/sdk?x=1", edge)  # https verified against the edge's ca_path
            assert response.status_code == 200
            assert response.text == "hello /sdk?x=1"


@pytest.mark.parametrize(
    ("token", "code"),
    [("wrong-token", "ERR_NGROK_107"), ("", "ERR_NGROK_4018")],
    ids=["wrong-token-107", "missing-token-4018"],
)
async def test_auth_refused_with_ngrok_codes(token: str, code: str) -> None:
    async with LocalEdge(authtoken="the-right-token") as edge:
        with pytest.raises(ValueError) as caught:
            await py_builder(edge, authtoken=token).connect()
        assert code in _bind_error(caught.value)
        if code == "ERR_NGROK_107":
            assert "invalid" in _bind_error(caught.value)
        assert edge.sessions == []


async def test_client_facts_are_exposed(edge: LocalEdge, upstream: Upstream) -> None:
    async with py_session(edge, metadata="session-meta") as session:
        listener = await (
            session.http_endpoint().scheme("HTTP").metadata("bind-meta").listen_and_forward(_upstream_url(upstream))
        )
        [facts] = [s for s in edge.sessions if s.metadata == "session-meta"]
        assert facts.client_type == "ngrok-python"
        assert facts.user_agent.startswith(f"ngrok-python/{SDK_VERSION} ")
        assert facts.agent_version == SDK_VERSION
        [tunnel] = [t for t in edge.tunnels if t.url == listener.url()]
        assert tunnel.metadata == "bind-meta"
        assert tunnel.forwards_to == f"{_upstream_url(upstream)}/"  # listen_and_forward sends its target
        assert tunnel.session_id == facts.id


# -- options the edge refuses -------------------------------------------------------------------------------------
_CA = EdgeCertificates.generate()
REFUSED_HTTP: dict[str, tuple[Configure, str]] = {
    "oauth": (lambda b: b.oauth("google"), "OAuth"),
    "oidc": (lambda b: b.oidc("https://issuer.example", "id", "secret"), "OIDC"),
    "mutual-tls": (lambda b: b.mutual_tlsca(bytearray(_CA.ca_pem)), "MutualTLSCA"),
    "webhook-verification": (lambda b: b.webhook_verification("twilio", "s3cret"), "WebhookVerification"),
    "traffic-policy": (lambda b: b.traffic_policy('{"on_http_request": []}'), "TrafficPolicy"),
    "policy": (lambda b: b.policy('{"inbound": []}'), "Policy"),
    "allow-user-agent": (lambda b: b.allow_user_agent("curl.*"), "UserAgentFilter"),
    "deny-user-agent": (lambda b: b.deny_user_agent("curl.*"), "UserAgentFilter"),
    "circuit-breaker": (lambda b: b.circuit_breaker(0.5), "CircuitBreaker"),
    "compression": (lambda b: b.compression(), "Compression"),
    "websocket-tcp-conversion": (lambda b: b.websocket_tcp_conversion(), "WebsocketTCPConverter"),
    "proxy-proto": (lambda b: b.proxy_proto("1"), "ProxyProto"),
    "pooling": (lambda b: b.pooling_enabled(True), "PoolingEnabled"),
    "app-protocol-http2": (lambda b: b.app_protocol("http2"), "ForwardsProto"),
}
REFUSED_TCP: dict[str, tuple[Configure, str]] = {
    "proxy-proto": (lambda b: b.proxy_proto("2"), "ProxyProto"),
    "traffic-policy": (lambda b: b.traffic_policy('{"on_tcp_connect": []}'), "TrafficPolicy"),
    "pooling": (lambda b: b.pooling_enabled(True), "PoolingEnabled"),
}
REFUSED_TLS: dict[str, tuple[Configure, str]] = {
    "mutual-tls": (lambda b: b.mutual_tlsca(bytearray(_CA.ca_pem)), "MutualTLS"),
    "proxy-proto": (lambda b: b.proxy_proto("1"), "ProxyProto"),
    "traffic-policy": (lambda b: b.traffic_policy('{"on_tcp_connect": []}'), "TrafficPolicy"),
    "pooling": (lambda b: b.pooling_enabled(True), "PoolingEnabled"),
}


async def _assert_refused(edge: LocalEdge, make: Callable[[Any], Any], configure: Configure, name: str) -> None:
    before = len(edge.tunnels)
    async with py_session(edge) as session:
        with pytest.raises(ValueError) as caught:
            await configure(make(session)).listen()
    text = _bind_error(caught.value)
    assert "ERR_NGROK_4012" in text
    assert name in text
    assert len(edge.tunnels) == before  # nothing was bound


@pytest.mark.parametrize("option", sorted(REFUSED_HTTP))
async def test_http_option_the_edge_cannot_honour_is_refused(edge: LocalEdge, option: str) -> None:
    configure, name = REFUSED_HTTP[option]
    await _assert_refused(edge, lambda s: s.http_endpoint(), configure, name)


@pytest.mark.parametrize("option", sorted(REFUSED_TCP))
async def test_tcp_option_the_edge_cannot_honour_is_refused(edge: LocalEdge, option: str) -> None:
    configure, name = REFUSED_TCP[option]
    await _assert_refused(edge, lambda s: s.tcp_endpoint(), configure, name)


@pytest.mark.parametrize("option", sorted(REFUSED_TLS))
async def test_tls_option_the_edge_cannot_honour_is_refused(edge: LocalEdge, option: str) -> None:
    configure, name = REFUSED_TLS[option]
    await _assert_refused(edge, lambda s: s.tls_endpoint(), configure, name)


# -- options the edge enforces ------------------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", ["HTTP", "HTTPS"])
async def test_basic_auth_is_enforced(edge: LocalEdge, upstream: Upstream, scheme: str) -> None:
    async with py_session(edge) as session:
        listener = await (
            session.http_endpoint()
            .scheme(scheme)
            .basic_auth("alice", "correct-horse")
            .listen_and_forward(_upstream_url(upstream))
        )
        url = f"{listener.url()}/private"
        missing = await _get(url, edge)
        wrong = await _get(url, edge, auth=("alice", "wrong-horse"))
        right = await _get(url, edge, auth=("alice", "correct-horse"))
        assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
        assert missing.headers["www-authenticate"] == 'Basic realm="ngrok"'
        assert right.text == "hello /private"
        assert [t.basic_auth for t in edge.tunnels if t.url == listener.url()] == [True]


@pytest.mark.parametrize(
    ("configure", "status"),
    [
        (lambda b: b.deny_cidr("127.0.0.0/8"), 403),
        (lambda b: b.allow_cidr("10.0.0.0/8"), 403),
        (lambda b: b.allow_cidr("127.0.0.1/32").deny_cidr("10.0.0.0/8"), 200),
        (lambda b: b.allow_cidr("127.0.0.0/8").deny_cidr("127.0.0.1/32"), 403),
    ],
    ids=["deny-loopback", "allow-other", "allow-loopback", "deny-wins"],
)
async def test_ip_restriction_is_enforced_on_http(
    edge: LocalEdge, upstream: Upstream, configure: Configure, status: int
) -> None:
    async with py_session(edge) as session:
        listener = await configure(session.http_endpoint().scheme("HTTP")).listen_and_forward(_upstream_url(upstream))
        response = await _get(f"{listener.url()}/ip", edge)
        assert response.status_code == status


async def _tcp_exchange(url: str, payload: bytes) -> bytes:
    host, port = url.removeprefix("tcp://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(payload)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 30)
    except ConnectionResetError:  # closed with our request unread
        return b""
    finally:
        writer.close()


async def test_ip_restriction_is_enforced_on_tcp(edge: LocalEdge, upstream: Upstream) -> None:
    request = b"GET /tcp-ip HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    async with py_session(edge) as session:
        denied = await session.tcp_endpoint().deny_cidr("127.0.0.0/8").listen_and_forward(_upstream_url(upstream))
        allowed = await session.tcp_endpoint().allow_cidr("127.0.0.0/8").listen_and_forward(_upstream_url(upstream))
        assert await _tcp_exchange(denied.url(), request) == b""  # closed unanswered
        assert (await _tcp_exchange(allowed.url(), request)).endswith(b"hello /tcp-ip")


@pytest.mark.parametrize("scheme", ["HTTP", "HTTPS"])
async def test_request_and_response_headers_are_rewritten(edge: LocalEdge, upstream: Upstream, scheme: str) -> None:
    async with py_session(edge) as session:
        listener = await (
            session.http_endpoint()
            .scheme(scheme)
            .request_header("X-Added", "by-edge")
            .remove_request_header("X-Secret")
            .response_header("X-Answer-Added", "yes")
            .remove_response_header("X-Upstream-Drop")
            .listen_and_forward(_upstream_url(upstream))
        )
        response = await _get(f"{listener.url()}/headers", edge, headers={"X-Secret": "s", "X-Kept": "k"})
        assert response.status_code == 200
        seen = response.json()
        assert seen["x-added"] == "by-edge"
        assert seen["x-kept"] == "k"
        assert "x-secret" not in seen
        assert response.headers["x-answer-added"] == "yes"
        assert response.headers["x-upstream-keep"] == "kept"
        assert "x-upstream-drop" not in response.headers


async def test_tcp_tunnel_on_a_requested_port(edge: LocalEdge, upstream: Upstream) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with py_session(edge) as session:
        listener = (
            await session.tcp_endpoint().remote_addr(f"127.0.0.1:{port}").listen_and_forward(_upstream_url(upstream))
        )
        assert listener.url() == f"tcp://127.0.0.1:{port}"
        reply = await _tcp_exchange(listener.url(), b"GET /tcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert reply.startswith(b"HTTP/1.") and reply.endswith(b"hello /tcp")


async def test_tls_termination_with_the_clients_certificate(edge: LocalEdge, upstream: Upstream) -> None:
    own = EdgeCertificates.generate("sdk-owned")  # a certificate the edge's CA did not sign
    async with py_session(edge) as session:
        listener = await (
            session.tls_endpoint()
            .termination(bytearray(own.cert_pem + own.ca_pem), bytearray(own.key_pem))
            .listen_and_forward(_upstream_url(upstream))
        )
        assert [t.tls_termination for t in edge.tunnels if t.url == listener.url()] == [True]
        host, port = listener.url().removeprefix("tls://").rsplit(":", 1)
        ctx = own.client_context()  # verifies the chain the SDK handed over, for host "localhost"
        reader, writer = await asyncio.open_connection("127.0.0.1", int(port), ssl=ctx, server_hostname=host)
        try:
            writer.write(b"GET /terminated HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            reply = await asyncio.wait_for(reader.read(), 30)
        finally:
            writer.close()
        assert reply.startswith(b"HTTP/1.") and reply.endswith(b"hello /terminated")


async def test_tls_termination_with_an_unusable_key_is_refused(edge: LocalEdge) -> None:
    bogus_key = b"-----BEGIN PRIVATE KEY-----\n" + base64.encodebytes(b"x" * 48) + b"-----END PRIVATE KEY-----\n"
    async with py_session(edge) as session:
        with pytest.raises(ValueError) as caught:
            await session.tls_endpoint().termination(bytearray(_CA.cert_pem), bytearray(bogus_key)).listen()
    assert "TLSTermination" in _bind_error(caught.value)


def test_sdk_module_is_the_pinned_version() -> None:
    ngrok = py_sdk()
    assert "ngrok-py-1.7.0" in str(ngrok.__file__)


# -- domains ------------------------------------------------------------------------------------------------------
async def test_domain_is_routed_and_unique_across_sessions(edge: LocalEdge, upstream: Upstream) -> None:
    async with py_session(edge) as first, py_session(edge) as second:
        listener = await (
            first.http_endpoint().scheme("HTTP").domain("app.localhost").listen_and_forward(_upstream_url(upstream))
        )
        assert listener.url().startswith("http://app.localhost:")
        port = int(listener.url().rsplit(":", 1)[1])
        [tunnel] = [t for t in edge.tunnels if t.url == listener.url()]
        assert (tunnel.host, tunnel.hostname) == ("app.localhost", "app.localhost")
        async with httpx.AsyncClient(timeout=30) as client:
            routed = await client.get(f"http://127.0.0.1:{port}/dom", headers={"Host": f"app.localhost:{port}"})
            other = await client.get(f"http://127.0.0.1:{port}/dom", headers={"Host": f"else.localhost:{port}"})
        assert (routed.status_code, routed.text) == (200, "hello /dom")
        assert other.status_code == 404
        with pytest.raises(ValueError) as caught:
            await second.http_endpoint().scheme("HTTP").domain("app.localhost").listen()
        assert "ERR_NGROK_310" in _bind_error(caught.value)


# -- session close ------------------------------------------------------------------------------------------------
async def test_closed_session_fails_requests_fast_and_is_dropped(upstream: Upstream) -> None:
    async with LocalEdge(answer_timeout=1.0) as edge:
        session = await py_builder(edge).connect()
        listener = await session.http_endpoint().scheme("HTTP").listen_and_forward(_upstream_url(upstream))
        assert (await _get(f"{listener.url()}/alive", edge)).status_code == 200
        [facts] = edge.sessions
        mark = edge.mark()
        await session.close()  # the SDK sends no GOAWAY and keeps the socket open
        unanswered = await _get(f"{listener.url()}/after-close", edge)
        assert unanswered.status_code == 502  # not a hang until the heartbeat gives up
        await edge.await_event("proxy_unanswered", since=mark)
        await edge.await_event("session_closed", since=mark, match=lambda e: e.session_id == facts.id)
        offline = await _get(f"{listener.url()}/after-drop", edge)
        assert offline.status_code == 404
        assert "ERR_NGROK_3200" in offline.text


# -- edge restart, edge commands, bind faults ---------------------------------------------------------------------
async def test_sdk_reconnects_after_an_edge_restart_and_keeps_its_url(upstream: Upstream) -> None:
    async with LocalEdge() as edge:
        session = await py_builder(edge).connect()
        try:
            listener = await session.http_endpoint().scheme("HTTP").listen_and_forward(_upstream_url(upstream))
            url = listener.url()
            assert (await _get(f"{url}/before", edge)).status_code == 200
            mark = edge.mark()
            await edge.arestart()
            await edge.await_event("bind", since=mark)  # the SDK re-authenticated and re-bound by itself
            assert [t.url for t in edge.tunnels] == [url]
            assert (await _get(f"{url}/after", edge)).text == "hello /after"
        finally:
            await session.close()


async def test_edge_stop_command_reaches_the_sdk(edge: LocalEdge) -> None:
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    builder = py_builder(edge).metadata("stop-me")
    session = await builder.handle_stop_command(lambda: loop.call_soon_threadsafe(stopped.set)).connect()
    try:
        [facts] = [s for s in edge.sessions if s.alive and s.metadata == "stop-me"]
        reply = await asyncio.to_thread(edge.stop_agent, facts.id)
        assert not (reply or {}).get("Error")
        await asyncio.wait_for(stopped.wait(), 30)
    finally:
        await session.close()


async def test_bind_refused_by_the_edge_carries_its_code(edge: LocalEdge) -> None:
    async with py_session(edge) as session:
        edge.reject_binds()
        try:
            with pytest.raises(ValueError) as caught:
                await session.http_endpoint().listen()
        finally:
            edge.reject_binds(None)
    assert "ERR_NGROK_302" in _bind_error(caught.value)


# -- tls passthrough ----------------------------------------------------------------------------------------------
async def test_tls_passthrough_reaches_a_tls_upstream(edge: LocalEdge, tmp_path: Path) -> None:
    own = EdgeCertificates.generate("tls-upstream")  # the upstream terminates; the edge only relays bytes
    (tmp_path / "chain.pem").write_bytes(own.cert_pem + own.ca_pem)
    (tmp_path / "key.pem").write_bytes(own.key_pem)
    server_ctx = own.server_context(tmp_path / "chain.pem", tmp_path / "key.pem")

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        writer.write(b"upstream saw " + line)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_ctx)
    upstream_port = server.sockets[0].getsockname()[1]
    try:
        async with py_session(edge) as session:
            listener = await session.tls_endpoint().listen_and_forward(f"tcp://127.0.0.1:{upstream_port}")
            assert [t.tls_termination for t in edge.tunnels if t.url == listener.url()] == [False]
            port = int(listener.url().rsplit(":", 1)[1])
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, ssl=own.client_context(), server_hostname="localhost"
            )
            writer.write(b"passthrough\n")
            reply = await asyncio.wait_for(reader.read(), 30)
            writer.close()
            assert reply == b"upstream saw passthrough\n"
    finally:
        server.close()
        await server.wait_closed()


async def test_ip_restriction_is_enforced_on_tls(edge: LocalEdge, tmp_path: Path) -> None:
    own = EdgeCertificates.generate("tls-ip-upstream")
    (tmp_path / "chain.pem").write_bytes(own.cert_pem + own.ca_pem)
    (tmp_path / "key.pem").write_bytes(own.key_pem)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"upstream saw " + await reader.readline())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(
        answer, "127.0.0.1", 0, ssl=own.server_context(tmp_path / "chain.pem", tmp_path / "key.pem")
    )
    forward = f"tcp://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with py_session(edge) as session:
            denied = await session.tls_endpoint().deny_cidr("127.0.0.0/8").listen_and_forward(forward)
            allowed = await session.tls_endpoint().allow_cidr("127.0.0.0/8").listen_and_forward(forward)
            ports = [int(listener.url().rsplit(":", 1)[1]) for listener in (denied, allowed)]
            with pytest.raises((ssl.SSLError, OSError)):  # closed before any handshake
                await asyncio.open_connection(
                    "127.0.0.1", ports[0], ssl=own.client_context(), server_hostname="localhost"
                )
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", ports[1], ssl=own.client_context(), server_hostname="localhost"
            )
            writer.write(b"allowed\n")
            reply = await asyncio.wait_for(reader.read(), 30)
            writer.close()
            assert reply == b"upstream saw allowed\n"
    finally:
        server.close()
        await server.wait_closed()


async def test_listener_close_unbinds_and_frees_the_port(edge: LocalEdge, upstream: Upstream) -> None:
    async with py_session(edge) as session:
        kept = await session.tcp_endpoint().listen_and_forward(_upstream_url(upstream))
        closing = await session.tcp_endpoint().listen_and_forward(_upstream_url(upstream))
        port = int(closing.url().rsplit(":", 1)[1])
        mark = edge.mark()
        await closing.close()
        await edge.await_event("unbind", since=mark)
        assert [t.url for t in edge.tunnels if t.url in (kept.url(), closing.url())] == [kept.url()]
        with socket.socket() as again:  # nothing listens there any more
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", port))
            again.listen()


# -- ngrok.forward(), the SDK's one-call API ----------------------------------------------------------------------
def _forward(
    edge: LocalEdge, *, env_extra: dict[str, str] | None = None, **options: Any
) -> tuple[subprocess.Popen[str], str]:
    """``ngrok.forward`` in an isolated child process (it imports ``ngrok`` by name; see ``sdk_py_forward.py``)."""
    py_sdk()  # skips when the SDK is not installed
    env = {k: v for k, v in os.environ.items() if not k.startswith("NGROK") and k != "PYTHONPATH"}
    env.update(env_extra or {})
    proc = subprocess.Popen(
        [sys.executable, "-I", str(Path(__file__).with_name("sdk_py_forward.py"))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    config = {
        "authtoken": edge.authtoken,
        "server_addr": edge.server_addr,
        "ca_path": edge.agent_ca_path,
        "sdk_dir": str(PY_SDK_DIR),
        **options,
    }
    proc.stdin.write(json.dumps(config) + "\n")
    proc.stdin.flush()
    return proc, proc.stdout.readline().strip()


def _end(proc: subprocess.Popen[str]) -> None:
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            pipe.close()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(15)


def _decoy(tmp_path: Path) -> Path:
    """A folder holding a decoy top-level ``ngrok`` package that breaks whoever imports it."""
    (tmp_path / "ngrok").mkdir()
    (tmp_path / "ngrok" / "__init__.py").write_text("raise ImportError('the decoy ngrok package was imported')\n")
    return tmp_path


def test_forward_child_ignores_an_ngrok_on_pythonpath(edge: LocalEdge, upstream: Upstream, tmp_path: Path) -> None:
    decoy = _decoy(tmp_path)
    proc, url = _forward(edge, env_extra={"PYTHONPATH": str(decoy)}, addr=upstream.port, schemes=["HTTP"])
    try:
        assert url.startswith("http://localhost:"), url
        assert httpx.get(f"{url}/decoy", timeout=30).text == "hello /decoy"
    finally:
        _end(proc)


def test_sdk_is_loaded_whatever_the_venvs_ngrok_is(edge: LocalEdge, upstream: Upstream, tmp_path: Path) -> None:
    """In a fresh interpreter whose ``import ngrok`` finds a decoy that fails, ``py_sdk()`` still loads the SDK, leaves
    the name ``ngrok`` alone, and its builders connect, listen and forward without ever importing ``ngrok``."""
    py_sdk()  # skips when the SDK is not installed
    repo = Path(__file__).resolve().parents[2]
    probe = (
        "import asyncio, json, sys\n"
        f"sys.path[:0] = [{str(_decoy(tmp_path))!r}, {str(repo)!r}, {str(repo / 'src')!r}]\n"
        "from tests.edge.sdk_harness import py_sdk\n"
        "sdk = py_sdk()\n"
        "config = json.loads(sys.stdin.readline())\n"
        "async def main():\n"
        "    ca = bytearray(open(config['ca_path'], 'rb').read())\n"
        "    builder = sdk.SessionBuilder().authtoken(config['authtoken']).server_addr(config['server_addr'])\n"
        "    session = await builder.ca_cert(ca).connect()\n"
        "    listener = await session.http_endpoint().scheme('HTTP').listen_and_forward(config['upstream'])\n"
        "    await session.close()\n"
        "    return listener.url()\n"
        "url = asyncio.run(main())\n"
        "assert 'ngrok' not in sys.modules, sorted(m for m in sys.modules if 'ngrok' in m)\n"
        "print(sdk.__name__, sdk.__file__, url, flush=True)\n"
        # The SDK's native runtime threads can race the interpreter's finalization (a fatal PyGILState_Release,
        # seen about 1 run in 5): leave without finalizing once the answer is out.
        "import os; os._exit(0)\n"
    )
    config = {
        "authtoken": edge.authtoken,
        "server_addr": edge.server_addr,
        "ca_path": edge.agent_ca_path,
        "upstream": _upstream_url(upstream),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("NGROK") and k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe],
        input=json.dumps(config) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=50,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    name, path, url = done.stdout.split()
    assert name == "_ngrok_python_sdk"
    assert Path(path).resolve().is_relative_to(PY_SDK_DIR.resolve())
    assert url.startswith("http://localhost:")


def test_forward_with_basic_auth_and_a_refused_option(edge: LocalEdge, upstream: Upstream) -> None:
    proc, url = _forward(edge, addr=upstream.port, basic_auth=["carol:long-password"], schemes=["HTTP"])
    try:
        assert url.startswith("http://localhost:"), url
        assert httpx.get(f"{url}/fwd", timeout=30).status_code == 401
        assert httpx.get(f"{url}/fwd", auth=("carol", "long-password"), timeout=30).text == "hello /fwd"
    finally:
        _end(proc)
    proc, line = _forward(edge, addr=upstream.port, compression=True)
    try:
        assert line.startswith("ERROR") and "ERR_NGROK_4012" in line and "Compression" in line
    finally:
        _end(proc)


async def test_labeled_listener_is_refused(edge: LocalEdge) -> None:
    async with py_session(edge) as session:
        with pytest.raises(ValueError) as caught:
            await session.labeled_listener().label("edge", "edghts_1").listen()
    assert "ERR_NGROK_4012" in _bind_error(caught.value)
