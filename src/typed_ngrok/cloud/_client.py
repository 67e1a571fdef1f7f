"""The two shells: :class:`CloudClient` over one ``httpx.Client``, :class:`AsyncCloudClient` over one
``httpx.AsyncClient``.

They do the I/O and nothing else: send what the core built, sleep what the core says, hand the answer back to the
core. The send loop with its retries is the core's flow (``CloudCore.send_flow``, run by ``_drive``); the page loop
is the only code written twice (a generator and an async generator); the services (``_services.py``) and every
decision (``_core.py``) are shared.
"""

from __future__ import annotations

import functools
import http.cookiejar
import ssl
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx

from typed_ngrok._drive import run_async, run_sync
from typed_ngrok.cloud._core import DEFAULT_BASE_URL, CloudCore, Listing, Page, Request
from typed_ngrok.cloud._operations import Async, Parser, Sync
from typed_ngrok.cloud._services import (
    ApiKeys,
    Credentials,
    Endpoints,
    ReservedAddrs,
    ReservedDomains,
    Tunnels,
    TunnelSessions,
)

__all__ = ["AsyncCloudClient", "CloudClient"]

S = TypeVar("S")
T = TypeVar("T")
M = TypeVar("M")


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's CAs; ``$SSL_CERT_FILE``/``$SSL_CERT_DIR`` as they are when the first client
    is built), built once per process and shared by every client: building one costs about 20 ms, more than a call."""
    return httpx.create_ssl_context()


class _SyncIO:
    """The I/O of :meth:`CloudCore.send_flow` on an ``httpx.Client``."""

    __slots__ = ("_http",)

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def closed(self) -> bool:
        return self._http.is_closed

    def send(self, request: Request) -> httpx.Response:
        return self._http.request(
            request.method,
            request.url,
            params=request.params or None,
            content=request.content,
            headers=request.headers or None,
        )

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _AsyncIO:
    """The I/O of :meth:`CloudCore.send_flow` on an ``httpx.AsyncClient``."""

    __slots__ = ("_http",)

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def closed(self) -> bool:
        return self._http.is_closed

    async def send(self, request: Request) -> httpx.Response:
        return await self._http.request(
            request.method,
            request.url,
            params=request.params or None,
            content=request.content,
            headers=request.headers or None,
        )

    async def sleep(self, seconds: float) -> None:
        import asyncio  # only a retry needs it (importing asyncio costs ~25 ms)

        await asyncio.sleep(seconds)


class _NoCookies(http.cookiejar.CookieJar):
    """ngrok's API sets no cookies: the clients keep none (no state between calls, and less work per answer)."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def add_cookie_header(self, request: Any) -> None:
        return None


class _Services(Generic[S]):
    """The service attributes both clients carry (the same classes, typed for the shell)."""

    _core: CloudCore
    tunnel_sessions: TunnelSessions[S]
    tunnels: Tunnels[S]
    endpoints: Endpoints[S]
    reserved_domains: ReservedDomains[S]
    reserved_addrs: ReservedAddrs[S]
    api_keys: ApiKeys[S]
    credentials: Credentials[S]

    def _attach_services(self) -> None:
        self.tunnel_sessions = TunnelSessions(self)
        self.tunnels = Tunnels(self)
        self.endpoints = Endpoints(self)
        self.reserved_domains = ReservedDomains(self)
        self.reserved_addrs = ReservedAddrs(self)
        self.api_keys = ApiKeys(self)
        self.credentials = Credentials(self)

    def __repr__(self) -> str:  # never the key
        return f"{type(self).__name__}(base_url={self._core.base_url!r})"

    def _call(self, request: Request, parse: Parser[Any]) -> Any:
        raise NotImplementedError

    def _iterate(self, request: Request, listing: Listing[Any, Any]) -> Any:
        raise NotImplementedError


class CloudClient(_Services[Sync]):
    """ngrok's cloud REST API (https://api.ngrok.com), typed, with one connection pool.

    ``api_key=None`` reads ``NGROK_API_KEY``. ``timeout`` (seconds) bounds every wait for the network; a silent
    server raises :class:`~typed_ngrok.exception.CloudTimeoutError` after it. GETs are retried up to
    ``max_retries`` times on 429, 5xx and connection failures, honouring ``Retry-After``. Every failure raises from
    :class:`~typed_ngrok.exception.CloudAPIError`. Use it as a context manager, or call :meth:`close`.

    Args:
        api_key: the ngrok API key (a secret: never shown); None: ``$NGROK_API_KEY``.
        base_url: the API's address (``https://api.ngrok.com``; the local edge's ``cloud_api_url`` offline).
        timeout: seconds every wait for the network may take.
        max_retries: retries of a GET on 429, 5xx and connection failures (0: none).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        max_retries: int = 2,
    ) -> None:
        self._core = CloudCore(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries, function="CloudClient"
        )
        self._http = httpx.Client(
            headers=self._core.headers(), timeout=httpx.Timeout(timeout), cookies=_NoCookies(), verify=_tls_context()
        )
        self._io = _SyncIO(self._http)
        self._attach_services()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool | None] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Any other operation (``request("GET", "/ip_policies")``): its JSON object, None on 204; same headers,
        errors and retries (GET only) as the typed services.

        Args:
            method: the HTTP method, e.g. ``"GET"``.
            path: the operation's path below ``base_url``, e.g. ``"/ip_policies"``.
            params: query parameters (None values are left out).
            json: the JSON body (a mapping); None sends none (a POST gets ``{}``: ngrok refuses a bodiless POST).
        """
        request = self._core.raw(method, path, params, json)
        return self._call(request, self._core.parse_dict)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ----------------------------------------------------------------------- I/O
    def _send(self, request: Request) -> httpx.Response:
        return run_sync(self._core.send_flow(request), self._io)

    def _call(self, request: Request, parse: Parser[T]) -> T:
        response = self._send(request)
        return parse(request, response.status_code, response.headers, response.content)

    def _iterate(self, request: Request, listing: Listing[Any, M]) -> Iterator[M]:
        seen: set[str] = set()
        next_request: Request | None = request
        while next_request is not None:
            page: Page[M] = self._call(next_request, lambda *a: self._core.parse_page(listing, *a))
            yield from page.items
            next_request = self._core.follow(next_request, page, seen)


class AsyncCloudClient(_Services[Async]):
    """The async twin of :class:`CloudClient`: the same services and names; calls are coroutines and ``list()`` is
    an async iterator. Use it as an async context manager, or await :meth:`close`.

    Args:
        api_key: the ngrok API key (a secret: never shown); None: ``$NGROK_API_KEY``.
        base_url: the API's address (``https://api.ngrok.com``; the local edge's ``cloud_api_url`` offline).
        timeout: seconds every wait for the network may take.
        max_retries: retries of a GET on 429, 5xx and connection failures (0: none).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        max_retries: int = 2,
    ) -> None:
        self._core = CloudCore(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries, function="AsyncCloudClient"
        )
        self._http = httpx.AsyncClient(
            headers=self._core.headers(), timeout=httpx.Timeout(timeout), cookies=_NoCookies(), verify=_tls_context()
        )
        self._io = _AsyncIO(self._http)
        self._attach_services()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool | None] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Any other operation (``await request("GET", "/ip_policies")``): its JSON object, None on 204.

        Args:
            method: the HTTP method, e.g. ``"GET"``.
            path: the operation's path below ``base_url``, e.g. ``"/ip_policies"``.
            params: query parameters (None values are left out).
            json: the JSON body (a mapping); None sends none (a POST gets ``{}``: ngrok refuses a bodiless POST).
        """
        request = self._core.raw(method, path, params, json)
        return await self._call(request, self._core.parse_dict)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # ----------------------------------------------------------------------- I/O
    async def _send(self, request: Request) -> httpx.Response:
        return await run_async(self._core.send_flow(request), self._io)

    async def _call(self, request: Request, parse: Parser[T]) -> T:
        response = await self._send(request)
        return parse(request, response.status_code, response.headers, response.content)

    async def _iterate(self, request: Request, listing: Listing[Any, M]) -> AsyncIterator[M]:
        seen: set[str] = set()
        next_request: Request | None = request
        while next_request is not None:
            page: Page[M] = await self._call(next_request, lambda *a: self._core.parse_page(listing, *a))
            for item in page.items:
                yield item
            next_request = self._core.follow(next_request, page, seen)
