"""LoopbackTransport (and AgentAPI over it) against a real scripted HTTP/1.1 server on 127.0.0.1.

The server reads each request (request line, headers, Content-Length body) and answers with whatever the test's
``answer(seen)`` returns: raw bytes to write, ``CLOSE`` to close without answering, ``HANG`` to read and never
answer, or bytes ending in ``CLOSE`` to write them and then close. Connections and requests are counted, so
keep-alive reuse and retries show.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from typed_ngrok._agent_api.sync import AgentAPI
from typed_ngrok._agent_api.transport import LoopbackTransport, is_loopback_http
from typed_ngrok.exception import PyngrokNgrokHTTPError, PyngrokNgrokURLError

CLOSE = b"<close>"
HANG = b"<hang>"


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    conn: int


@dataclass
class Server:
    answer: Callable[[Seen], bytes]
    sock: socket.socket = field(default_factory=lambda: socket.create_server(("127.0.0.1", 0)))
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    clients: list[socket.socket] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def start(self) -> Server:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self.threads.append(thread)
        return self

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self.clients.append(client)
            thread = threading.Thread(target=self._serve, args=(client, self.connections), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _serve(self, client: socket.socket, number: int) -> None:
        reader = client.makefile("rb")
        try:
            while True:
                line = reader.readline()
                if not line:
                    return
                method, target, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (header := reader.readline()) not in (b"\r\n", b""):
                    name, _, value = header.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = reader.read(int(headers.get("content-length", "0")))
                seen = Seen(method, target, headers, body, number)
                self.seen.append(seen)
                reply = self.answer(seen)
                if reply == CLOSE:
                    return
                if reply == HANG:
                    self.stop.wait(30)
                    return
                client.sendall(reply.removesuffix(CLOSE))
                if reply.endswith(CLOSE):
                    return
        except OSError:
            return
        finally:
            reader.close()
            with contextlib.suppress(OSError):
                client.close()

    def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.sock.close()
        for client in self.clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
        for thread in self.threads:
            thread.join(5)


def ok(body: bytes = b'{"ok": true}', *, extra: str = "", status: str = "200 OK") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Seen], bytes]], Server]]:
    servers: list[Server] = []

    def start(answer: Callable[[Seen], bytes]) -> Server:
        server = Server(answer).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def transport() -> Iterator[LoopbackTransport]:
    transport = LoopbackTransport()
    yield transport
    transport.close()


def client_for(server: Server, transport: LoopbackTransport, timeout: float = 5.0) -> httpx.Client:
    return httpx.Client(base_url=server.url, transport=transport, timeout=timeout, trust_env=False)


def test_keep_alive_reuses_one_connection(
    serve: Callable[[Callable[[Seen], bytes]], Server], transport: LoopbackTransport
) -> None:
    count = iter(range(1, 100))
    server = serve(lambda seen: ok(f'{{"n": {next(count)}}}'.encode()))
    with client_for(server, transport) as client:
        answers = [client.get("/api/tunnels").json()["n"] for _ in range(5)]
    assert answers == [1, 2, 3, 4, 5]
    assert server.connections == 1
    assert {seen.conn for seen in server.seen} == {1}


def test_request_line_headers_and_json_body_reach_the_server(serve: Any, transport: LoopbackTransport) -> None:
    server = serve(lambda seen: ok(status="201 Created"))
    with client_for(server, transport) as client:
        response = client.post("/api/tunnels/a%20b?x=1", json={"name": "web"}, headers={"X-Test": "yes"})
    assert response.status_code == 201
    assert response.reason_phrase == "Created"
    seen = server.seen[0]
    assert (seen.method, seen.target) == ("POST", "/api/tunnels/a%20b?x=1")
    assert seen.headers["x-test"] == "yes"
    assert seen.headers["host"] == server.url.removeprefix("http://")
    assert seen.body == b'{"name":"web"}'
    assert seen.headers["content-length"] == str(len(seen.body))


def test_chunked_body_with_extension_and_trailer(serve: Any, transport: LoopbackTransport) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        b'4;ext=1\r\n{"a"\r\n6\r\n: 1234\r\n1\r\n}\r\n0\r\nX-Trailer: t\r\n\r\n'
    )
    server = serve(lambda seen: chunked)
    with client_for(server, transport) as client:
        first = client.get("/one")
        second = client.get("/two")  # the connection is still usable after a chunked body
    assert first.json() == {"a": 1234}
    assert second.content == first.content
    assert server.connections == 1


def test_large_content_length_body(serve: Any, transport: LoopbackTransport) -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB, several reads
    server = serve(lambda seen: ok(payload))
    with client_for(server, transport) as client:
        assert client.get("/big").content == payload
        assert client.get("/big").content == payload
    assert server.connections == 1


def test_body_until_close_without_length(serve: Any, transport: LoopbackTransport) -> None:
    server = serve(
        lambda seen: b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it" + CLOSE if seen.conn == 1 else ok()
    )
    with client_for(server, transport) as client:
        assert client.get("/a").content == b"all of it"
        assert client.get("/b").json() == {"ok": True}
    assert server.connections == 2  # the first connection could not be reused


def test_head_and_204_have_no_body_and_keep_the_connection(serve: Any, transport: LoopbackTransport) -> None:
    def answer(seen: Seen) -> bytes:
        if seen.method == "HEAD":
            return b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"  # a length, but no body for HEAD
        if seen.method == "DELETE":
            return b"HTTP/1.1 204 No Content\r\n\r\n"
        return ok()

    server = serve(answer)
    with client_for(server, transport) as client:
        assert client.head("/x").content == b""
        assert client.delete("/api/tunnels/x").status_code == 204
        assert client.get("/x").json() == {"ok": True}
    assert server.connections == 1


def test_interim_100_continue_is_skipped(serve: Any, transport: LoopbackTransport) -> None:
    server = serve(lambda seen: b"HTTP/1.1 100 Continue\r\n\r\n" + ok())
    with client_for(server, transport) as client:
        assert client.get("/x").json() == {"ok": True}


def test_idle_connection_closed_by_server_is_replaced(serve: Any, transport: LoopbackTransport) -> None:
    server = serve(lambda seen: ok(extra="Connection: keep-alive\r\n"))
    with client_for(server, transport) as client:
        assert client.get("/a").status_code == 200
        for peer in server.clients:  # the server drops the idle connection
            peer.shutdown(socket.SHUT_RDWR)
        assert client.post("/b", json={}).status_code == 200  # a POST is safe: the stale socket is never used
    assert server.connections == 2
    assert [seen.method for seen in server.seen] == ["GET", "POST"]


def test_get_is_retried_once_when_a_reused_connection_drops(serve: Any, transport: LoopbackTransport) -> None:
    def answer(seen: Seen) -> bytes:
        return CLOSE if seen.conn == 1 and len(server.seen) == 2 else ok()

    server = serve(answer)
    with client_for(server, transport) as client:
        assert client.get("/a").status_code == 200
        assert client.get("/b").status_code == 200  # connection 1 closes without answering: retried on 2
    assert [(seen.target, seen.conn) for seen in server.seen] == [("/a", 1), ("/b", 1), ("/b", 2)]


def test_post_is_never_resent_after_it_may_have_reached_the_server(serve: Any, transport: LoopbackTransport) -> None:
    def answer(seen: Seen) -> bytes:
        return CLOSE if seen.method == "POST" else ok()

    server = serve(answer)
    with client_for(server, transport) as client:
        assert client.get("/a").status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/api/tunnels", json={"name": "x"})
    assert [seen.method for seen in server.seen] == ["GET", "POST"]


def test_fresh_connection_failure_is_not_retried(serve: Any, transport: LoopbackTransport) -> None:
    server = serve(lambda seen: CLOSE)
    with client_for(server, transport) as client, pytest.raises(httpx.RemoteProtocolError):
        client.get("/a")
    assert len(server.seen) == 1


def test_read_timeout_maps_to_url_error(serve: Any, transport: LoopbackTransport) -> None:
    server = serve(lambda seen: HANG)
    with client_for(server, transport, timeout=0.3) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/slow")
    api = AgentAPI(server.url, timeout=0.3, transport=LoopbackTransport())
    try:
        with pytest.raises(PyngrokNgrokURLError) as info:
            api.list_tunnels()
        assert info.value.reason == "timed out"
    finally:
        api.close()


def test_refused_connection_maps_to_url_error(transport: LoopbackTransport) -> None:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with httpx.Client(transport=transport) as client, pytest.raises(httpx.ConnectError):
        client.get(url)
    api = AgentAPI(url, timeout=2, transport=LoopbackTransport())
    try:
        with pytest.raises(PyngrokNgrokURLError) as info:
            api.list_tunnels()
        assert "refused" in str(info.value.reason).lower()
    finally:
        api.close()


def test_garbage_and_truncated_answers_are_protocol_errors(serve: Any, transport: LoopbackTransport) -> None:
    answers = {
        "/garbage": b"SSH-2.0-OpenSSH\r\n\r\n",
        "/bad-length": b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
        "/bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "/truncated": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nshort",
    }

    def answer(seen: Seen) -> bytes:
        return answers[seen.target] + CLOSE  # for /truncated: the body is cut short by the close

    server = serve(answer)
    for target in answers:
        fresh = LoopbackTransport()
        try:
            with httpx.Client(base_url=server.url, transport=fresh) as client, pytest.raises(httpx.RemoteProtocolError):
                client.get(target)
        finally:
            fresh.close()


def test_header_injection_is_refused(serve: Any, transport: LoopbackTransport) -> None:
    server = serve(lambda seen: ok())
    request = httpx.Request("GET", f"{server.url}/x", headers={"X-Evil": "a"})
    request.headers = httpx.Headers([(b"X-Evil", b"a\r\nInjected: yes")])
    with pytest.raises(httpx.LocalProtocolError):
        transport.handle_request(request)
    assert server.seen == []


def test_https_is_refused(transport: LoopbackTransport) -> None:
    with pytest.raises(httpx.UnsupportedProtocol):
        transport.handle_request(httpx.Request("GET", "https://127.0.0.1:1/"))


def test_threads_share_the_transport_safely(serve: Any, transport: LoopbackTransport) -> None:
    server = serve(lambda seen: ok(seen.target.encode().replace(b"/", b'"', 1) + b'"'))
    results: dict[int, Any] = {}
    with client_for(server, transport) as client:

        def work(n: int) -> None:
            results[n] = [client.get(f"/{n}-{i}").json() for i in range(10)]

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert results == {n: [f"{n}-{i}" for i in range(10)] for n in range(8)}
    assert server.connections <= 8


def test_closed_transport_refuses_requests(serve: Any) -> None:
    server = serve(lambda seen: ok())
    transport = LoopbackTransport()
    transport.close()
    with pytest.raises(httpx.ConnectError):
        transport.handle_request(httpx.Request("GET", f"{server.url}/x"))


def test_loopback_detection() -> None:
    assert is_loopback_http("http://127.0.0.1:4040")
    assert is_loopback_http("http://localhost:4040/api")
    assert is_loopback_http("http://[::1]:4040")
    assert not is_loopback_http("https://127.0.0.1:4040")
    assert not is_loopback_http("http://10.0.0.1:4040")


def test_agent_api_errors_keep_the_agent_text(serve: Any) -> None:
    body = b'{"error_code": 102, "status_code": 400, "msg": "invalid tunnel configuration", "details": {"err": "x"}}'
    server = serve(lambda seen: ok(body, status="400 Bad Request"))
    api = AgentAPI(server.url, timeout=5)
    try:
        with pytest.raises(PyngrokNgrokHTTPError) as info:
            api.start_tunnel({"name": "x", "addr": "80", "proto": "bogus"})
        assert (info.value.status_code, info.value.error_code) == (400, 102)
        assert info.value.message == "invalid tunnel configuration"
        assert isinstance(api._transport, LoopbackTransport)
    finally:
        api.close()
