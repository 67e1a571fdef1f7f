"""An ``httpx.BaseTransport`` over the standard library's ``http.client`` (kept-alive ``HTTPConnection`` per host),
the third transport of the ``get_tunnels_10_transports`` benchmark rows (next to typed-ngrok's loopback transport and
httpx's own). ``http://`` only; request bodies sent whole, answers read whole; failures raised as httpx exceptions.
"""

from __future__ import annotations

import http.client
import socket
import threading
from typing import Final

import httpx

__all__ = ["StdlibTransport"]

_IDEMPOTENT: Final = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})


class StdlibTransport(httpx.BaseTransport):
    """Kept-alive ``http.client.HTTPConnection`` objects, pooled per host and port (each used by one thread at a time)."""

    def __init__(self, max_idle: int = 8) -> None:
        self._idle: dict[tuple[str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._max_idle = max_idle

    def close(self) -> None:
        with self._lock:
            pools, self._idle = list(self._idle.values()), {}
        for pool in pools:
            for conn in pool:
                conn.close()

    def _take(self, key: tuple[str, int]) -> http.client.HTTPConnection | None:
        with self._lock:
            pool = self._idle.get(key)
            return pool.pop() if pool else None

    def _give_back(self, key: tuple[str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            pool = self._idle.setdefault(key, [])
            if len(pool) < self._max_idle:
                pool.append(conn)
                return
        conn.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"only http:// is supported, not {url.scheme}://", request=request)
        key = (url.host, url.port or 80)
        timeouts = request.extensions.get("timeout", {})
        body = request.read()
        headers = dict(request.headers.items())
        target = url.raw_path.decode("ascii")
        conn = self._take(key)
        reused = conn is not None
        while True:
            if conn is None:
                conn = http.client.HTTPConnection(key[0], key[1], timeout=timeouts.get("connect"))
                try:
                    conn.connect()
                except TimeoutError as exc:
                    raise httpx.ConnectTimeout(str(exc), request=request) from exc
                except OSError as exc:
                    raise httpx.ConnectError(str(exc), request=request) from exc
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.sock.settimeout(timeouts.get("read"))
            try:
                conn.request(request.method, target, body=body or None, headers=headers)
                answer = conn.getresponse()
                content = answer.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                conn.close()
                if reused and request.method in _IDEMPOTENT:  # a stale kept-alive connection: once more, anew
                    conn, reused = None, False
                    continue
                raise httpx.RemoteProtocolError(str(exc), request=request) from exc
            except TimeoutError as exc:
                conn.close()
                raise httpx.ReadTimeout(str(exc), request=request) from exc
            except http.client.HTTPException as exc:
                conn.close()
                raise httpx.RemoteProtocolError(repr(exc), request=request) from exc
            except OSError as exc:
                conn.close()
                raise httpx.ReadError(str(exc), request=request) from exc
            break
        if answer.will_close:
            conn.close()
        else:
            self._give_back(key, conn)
        return httpx.Response(answer.status, headers=answer.getheaders(), content=content, request=request)
