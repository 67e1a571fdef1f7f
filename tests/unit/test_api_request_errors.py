"""``api_request`` (sync ``_agent_api.api_request.send_api_request`` and async ``asend_api_request``): every
httpx exception becomes a ``PyngrokError`` subclass, every bad argument is refused before any I/O, and the two
twins raise the same class with the same text.

A redirect loop and a redirect to another scheme come from a real loopback HTTP server; httpx exceptions that no
server can provoke on demand (``CookieConflict``, the ``StreamError`` family, …) are raised by a mock transport.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typed_ngrok import aio, ngrok
from typed_ngrok._agent_api.api_request import asend_api_request, send_api_request
from typed_ngrok._errors import HTTPX_ERRORS
from typed_ngrok.exception import (
    PyngrokError,
    PyngrokNgrokError,
    PyngrokNgrokHTTPError,
    PyngrokNgrokURLError,
    PyngrokSecurityError,
)

Handler = Callable[[httpx.Request], httpx.Response]
URL = "http://127.0.0.1:4040/api/tunnels"


def _both(handler: Handler, **kwargs: Any) -> tuple[BaseException, BaseException]:
    """What the sync and the async twin raise for the same call over a mock transport."""
    with pytest.raises(BaseException) as sync_info:
        send_api_request(httpx.Client(transport=httpx.MockTransport(handler)), **kwargs)

    async def run() -> BaseException:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            with pytest.raises(BaseException) as info:
                await asend_api_request(client, **kwargs)
            return info.value

    return sync_info.value, asyncio.run(run())


def _same(sync_error: BaseException, async_error: BaseException) -> None:
    assert type(sync_error) is type(async_error)
    assert str(sync_error) == str(async_error)


# -- a real loopback server: redirect loop, redirect to another scheme --------------------------------------------


class _Redirects(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        target = "ftp://127.0.0.1/file" if self.path == "/ftp" else "/loop"
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def redirect_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirects)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _public_both(**kwargs: Any) -> tuple[BaseException, BaseException]:
    """What ``ngrok.api_request`` and ``aio.api_request`` raise for the same call."""
    with pytest.raises(BaseException) as sync_info:
        ngrok.api_request(**kwargs)

    async def run() -> BaseException:
        with pytest.raises(BaseException) as info:
            await aio.api_request(**kwargs)
        return info.value

    return sync_info.value, asyncio.run(run())


def test_redirect_loop_is_a_url_error(redirect_server: str) -> None:
    sync_error, async_error = _public_both(url=f"{redirect_server}/loop", timeout=5)
    _same(sync_error, async_error)
    assert isinstance(sync_error, PyngrokNgrokURLError)
    assert sync_error.reason == "too many redirects"
    assert f"{redirect_server}/loop redirects in a loop" in str(sync_error)


def test_redirect_to_another_scheme_is_refused(redirect_server: str) -> None:
    sync_error, async_error = _public_both(url=f"{redirect_server}/ftp", timeout=5)
    _same(sync_error, async_error)
    assert isinstance(sync_error, PyngrokSecurityError)
    assert 'URL must start with "http"' in str(sync_error)


# -- every httpx exception class ----------------------------------------------------------------------------------

_REQUEST = httpx.Request("GET", URL)
_RESPONSE = httpx.Response(418, request=_REQUEST, content=b"teapot")

#: One instance of every httpx exception class, and the typed-ngrok class it must become.
CASES: dict[type[Exception], tuple[Exception, type[PyngrokError]]] = {
    httpx.ConnectTimeout: (httpx.ConnectTimeout("slow", request=_REQUEST), PyngrokNgrokURLError),
    httpx.ReadTimeout: (httpx.ReadTimeout("slow", request=_REQUEST), PyngrokNgrokURLError),
    httpx.WriteTimeout: (httpx.WriteTimeout("slow", request=_REQUEST), PyngrokNgrokURLError),
    httpx.PoolTimeout: (httpx.PoolTimeout("slow", request=_REQUEST), PyngrokNgrokURLError),
    httpx.TimeoutException: (httpx.TimeoutException("slow", request=_REQUEST), PyngrokNgrokURLError),
    httpx.ReadError: (httpx.ReadError("reset", request=_REQUEST), PyngrokNgrokURLError),
    httpx.WriteError: (httpx.WriteError("broken pipe", request=_REQUEST), PyngrokNgrokURLError),
    httpx.ConnectError: (httpx.ConnectError("[Errno 111] Connection refused", request=_REQUEST), PyngrokNgrokURLError),
    httpx.CloseError: (httpx.CloseError("close failed", request=_REQUEST), PyngrokNgrokURLError),
    httpx.NetworkError: (httpx.NetworkError("net", request=_REQUEST), PyngrokNgrokURLError),
    httpx.ProxyError: (httpx.ProxyError("proxy refused", request=_REQUEST), PyngrokNgrokURLError),
    httpx.UnsupportedProtocol: (httpx.UnsupportedProtocol("ftp", request=_REQUEST), PyngrokSecurityError),
    httpx.LocalProtocolError: (httpx.LocalProtocolError("bad header", request=_REQUEST), PyngrokNgrokURLError),
    httpx.RemoteProtocolError: (httpx.RemoteProtocolError("bad status", request=_REQUEST), PyngrokNgrokURLError),
    httpx.ProtocolError: (httpx.ProtocolError("protocol", request=_REQUEST), PyngrokNgrokURLError),
    httpx.TransportError: (httpx.TransportError("transport", request=_REQUEST), PyngrokNgrokURLError),
    httpx.DecodingError: (httpx.DecodingError("bad gzip", request=_REQUEST), PyngrokNgrokError),
    httpx.TooManyRedirects: (httpx.TooManyRedirects("loop", request=_REQUEST), PyngrokNgrokURLError),
    httpx.RequestError: (httpx.RequestError("request", request=_REQUEST), PyngrokNgrokURLError),
    httpx.HTTPStatusError: (
        httpx.HTTPStatusError("418", request=_REQUEST, response=_RESPONSE),
        PyngrokNgrokHTTPError,
    ),
    httpx.HTTPError: (httpx.HTTPError("generic"), PyngrokNgrokError),
    httpx.InvalidURL: (httpx.InvalidURL("Invalid IDNA hostname"), PyngrokNgrokURLError),
    httpx.CookieConflict: (httpx.CookieConflict("two cookies named a"), PyngrokNgrokError),
    httpx.StreamError: (httpx.StreamError("stream"), PyngrokNgrokError),
    httpx.StreamConsumed: (httpx.StreamConsumed(), PyngrokNgrokError),
    httpx.StreamClosed: (httpx.StreamClosed(), PyngrokNgrokError),
    httpx.ResponseNotRead: (httpx.ResponseNotRead(), PyngrokNgrokError),
    httpx.RequestNotRead: (httpx.RequestNotRead(), PyngrokNgrokError),
}


def _subclasses(root: type[Exception]) -> set[type[Exception]]:
    found = {root}
    for sub in root.__subclasses__():
        found |= _subclasses(sub)
    return found


def test_cases_cover_the_whole_httpx_exception_tree() -> None:
    httpx_classes = {
        cls for root in HTTPX_ERRORS for cls in _subclasses(root) if cls.__module__.split(".")[0] == "httpx"
    }
    exported = {getattr(httpx, name) for name in httpx.__all__}
    assert {cls for cls in httpx_classes if cls in exported} == set(CASES)
    exported_errors = {obj for obj in exported if isinstance(obj, type) and issubclass(obj, Exception)}
    assert exported_errors <= set(CASES)


@pytest.mark.parametrize("cls", list(CASES), ids=lambda cls: cls.__name__)
def test_every_httpx_exception_is_mapped(cls: type[Exception]) -> None:
    exc, expected = CASES[cls]

    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    sync_error, async_error = _both(handler, url=URL)
    _same(sync_error, async_error)
    assert type(sync_error) is expected
    assert isinstance(sync_error.__cause__, cls)
    assert URL in str(sync_error) or getattr(sync_error, "url", None) == URL


def test_status_error_keeps_the_response() -> None:
    exc, _expected = CASES[httpx.HTTPStatusError]

    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    sync_error, _async_error = _both(handler, url=URL)
    assert isinstance(sync_error, PyngrokNgrokHTTPError)
    assert (sync_error.status_code, sync_error.body) == (418, "teapot")


def test_a_body_that_cannot_be_decompressed_is_a_typed_error() -> None:
    """A real ``DecodingError``: the server says gzip and sends something else."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"not gzip at all")

    sync_error, async_error = _both(handler, url=URL)
    _same(sync_error, async_error)
    assert type(sync_error) is PyngrokNgrokError
    assert "could not be decoded" in str(sync_error)
    assert isinstance(sync_error.__cause__, httpx.DecodingError)


# -- bad arguments: refused before any I/O ------------------------------------------------------------------------


def _no_io(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request was sent: {request!r}")


BAD_ARGUMENTS: list[tuple[str, dict[str, Any]]] = [
    ("timeout", {"timeout": -1}),
    ("timeout", {"timeout": math.nan}),
    ("timeout", {"timeout": 0}),
    ("timeout", {"timeout": math.inf}),
    ("timeout", {"timeout": True}),
    ("timeout", {"timeout": "4"}),
    ("timeout", {"timeout": None}),
    ("timeout", {"timeout": 1e12}),
    ("timeout", {"timeout": 10**400}),
    ("timeout", {"timeout": 10**5000}),
    ("method", {"method": "GE T"}),
    ("method", {"method": ""}),
    ("method", {"method": "GET\r\nX-Injected: 1"}),
    ("method", {"method": 5}),
    ("url", {"url": None}),
    ("url", {"url": b"http://127.0.0.1:4040/"}),
    ("url", {"url": "http://a..b/"}),
    ("url", {"url": "http://xn--a.com/"}),
    ("url", {"url": "http://\u2603\u0300.com/"}),
    ("url", {"url": "http://exa mple.com/"}),
    ("url", {"url": "http://a\ud800b/"}),
    ("data", {"data": {"a": object()}}),
    ("data", {"data": {"a": float("nan"), "b": {1, 2}}}),
    ("params", {"params": [("a", "b")]}),
    ("params", {"params": {"a": "\ud800"}}),
    ("auth", {"auth": "token\nX-Injected: 1"}),
    ("auth", {"auth": 5}),
]


@pytest.mark.parametrize(("name", "kwargs"), BAD_ARGUMENTS, ids=[f"{n}-{i}" for i, (n, _k) in enumerate(BAD_ARGUMENTS)])
def test_bad_arguments_are_refused_before_any_io(name: str, kwargs: dict[str, Any]) -> None:
    sync_error, async_error = _both(_no_io, **{"url": URL, **kwargs})
    _same(sync_error, async_error)
    assert type(sync_error) is PyngrokError
    assert str(sync_error).startswith(f'api_request() "{name}" must be ')
    if name == "auth":
        assert "Injected" not in str(sync_error)  # a credential is never shown


@pytest.mark.parametrize("timeout", [-1, math.nan, 0])
def test_public_api_request_names_the_timeout(timeout: float) -> None:
    """The issue's cases through the public functions: not "unreadable response", not "Operation now in progress"."""
    sync_error, async_error = _public_both(url="http://127.0.0.1:9/", timeout=timeout)
    _same(sync_error, async_error)
    assert str(sync_error).startswith('api_request() "timeout" must be a number of seconds > 0')


def test_good_arguments_still_pass() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    for url in ("http://[::1]:4040/api", "http://b\u00fccher.example/", "https://a_b.example:8443/x?y=1"):
        assert send_api_request(client, url, method="patch", timeout=0.001, auth="KEY") == {"ok": True}
    assert [r.method for r in seen] == ["PATCH"] * 3
    assert seen[1].url.host == "b\u00fccher.example"


# -- property: only a PyngrokError or a result --------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
_anything = st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary() | _json


@settings(
    max_examples=300, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    url=st.one_of(st.text(), st.from_regex(r"\Ahttps?://[^/]{0,20}/[^#]{0,10}\Z"), _anything),
    method=st.one_of(st.sampled_from(["GET", "post", "DELETE"]), st.text(max_size=8), _anything),
    data=st.one_of(st.none(), st.dictionaries(st.text(max_size=5), _anything, max_size=3), _anything),
    params=st.one_of(st.none(), st.dictionaries(st.text(max_size=5), _anything, max_size=3), _anything),
    timeout=st.one_of(st.floats(), st.integers(), _anything),
    auth=st.one_of(st.none(), st.text(max_size=10), _anything),
)
def test_any_input_gives_a_result_or_a_pyngrok_error(
    url: Any, method: Any, data: Any, params: Any, timeout: Any, auth: Any
) -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda _r: httpx.Response(200, json={"ok": 1})))
    try:
        result = send_api_request(client, url, method, data, params, timeout, auth)
    except PyngrokError:
        return
    assert result == {"ok": 1}
