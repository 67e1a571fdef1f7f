"""``ngrok.api_request`` and ``aio.api_request``: pyngrok's generic JSON request helper (one core: the checks, the
request and the answer are decided by :func:`prepare_api_request` and :func:`read_api_response`; the sync and async
senders only do the I/O).

Differences from pyngrok on purpose: the URL scheme is parsed (only ``http``/``https``), a ``{}`` body is sent (any
``data`` that is not None), an empty 2xx body gives ``{}``, and a non-JSON body gives a typed error, never a
``JSONDecodeError``.
"""

from __future__ import annotations

import atexit
import json
import math
import re
import threading
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

import httpx

from typed_ngrok._agent_api.wire import closed_error
from typed_ngrok._errors import agent_http_error, argument_error, decode_json_object, translate_transport_errors
from typed_ngrok._shapes import check_http_url, seconds_of

__all__ = [
    "MAX_TIMEOUT",
    "PreparedRequest",
    "asend_api_request",
    "prepare_api_request",
    "read_api_response",
    "send_api_request",
    "shared_client",
]

_FUNCTION: Final = "api_request"
#: The longest ``timeout`` accepted, in seconds (larger values overflow the platform's clock arithmetic).
MAX_TIMEOUT: Final = 1_000_000
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token: what an HTTP method may be
_HEADER_VALUE = re.compile(r"[\x20-\x7e]*")  # printable ASCII: what a bearer credential may hold
_HOST_NAME = re.compile(r"[A-Za-z0-9_.-]+")  # a DNS name after IDNA encoding, or an IPv4 address
_lock = threading.Lock()
_client: httpx.Client | None = None


def shared_client() -> httpx.Client:
    """The process-wide client ``api_request`` uses (keep-alive, no proxies from the environment)."""
    global _client
    client = _client
    if client is None:
        with _lock:
            if _client is None:
                _client = httpx.Client(trust_env=False, follow_redirects=True)
                atexit.register(_close_shared_client)  # its kept-alive sockets are closed, not left to the GC
            client = _client
    return client


def _close_shared_client() -> None:
    global _client
    with _lock:
        client, _client = _client, None
    if client is not None:
        client.close()


class PreparedRequest(NamedTuple):
    """What an ``api_request`` call sends, checked before any I/O (shared by the sync and async twins)."""

    method: str
    url: httpx.URL
    headers: dict[str, str]
    content: bytes | None
    timeout: httpx.Timeout


def _parsed_url(url: str) -> httpx.URL:
    """``url`` parsed as httpx will send it, its host checked the way the socket layer will encode it."""
    check_http_url(url)
    expected = "an absolute http/https URL with a valid host name"
    try:
        target = httpx.URL(url)
        host = target.host  # decodes an IDNA (xn--) host: a broken one raises here
        raw_host = target.raw_host.decode("ascii")
        if not host or not raw_host:
            raise argument_error(_FUNCTION, "url", expected, url)
        if ":" not in raw_host:  # an IPv6 literal was checked by httpx
            if not _HOST_NAME.fullmatch(raw_host):
                raise argument_error(_FUNCTION, "url", expected, url)
            raw_host.encode("idna")  # what socket.getaddrinfo does: empty or overlong labels fail here
    except (httpx.InvalidURL, ValueError) as exc:  # UnicodeError and idna's errors are ValueErrors
        raise argument_error(_FUNCTION, "url", expected, url) from exc
    return target


def _merged_url(target: httpx.URL, params: Mapping[str, Any] | None) -> httpx.URL:
    if params is None:
        return target
    if not isinstance(params, Mapping):
        raise argument_error(_FUNCTION, "params", "a dict of query parameters or None", params)
    if not params:
        return target
    items: list[tuple[str, str | int | float | bool | None]] = list(target.params.multi_items())
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        items.extend((str(key), "" if item is None else str(item)) for item in values)
    try:
        merged = target.copy_with(params=httpx.QueryParams(items))
        str(merged).encode("ascii")
    except (httpx.InvalidURL, ValueError) as exc:
        raise argument_error(_FUNCTION, "params", "query parameters that can be sent in a URL", params) from exc
    return merged


def _checked_timeout(timeout: object) -> httpx.Timeout:
    seconds = seconds_of(timeout)
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT):
        raise argument_error(_FUNCTION, "timeout", f"a number of seconds > 0 and <= {MAX_TIMEOUT}", timeout)
    return httpx.Timeout(seconds)


def _checked_method(method: object) -> str:
    if not isinstance(method, str) or not _TOKEN.fullmatch(method):
        raise argument_error(_FUNCTION, "method", 'an HTTP method such as "GET" (an HTTP token)', method)
    return method.upper()


def _body(data: object) -> bytes | None:
    if data is None:
        return None
    try:
        return json.dumps(data).encode()  # {} is sent too (pyngrok drops it)
    except (TypeError, ValueError, RecursionError) as exc:
        raise argument_error(_FUNCTION, "data", "JSON-serialisable (a dict) or None", data, show=False) from exc


def prepare_api_request(
    url: str,
    method: str,
    data: Mapping[str, Any] | None,
    params: Mapping[str, Any] | None,
    timeout: float,
    auth: str | None,
) -> PreparedRequest:
    """Check every argument of an ``api_request`` call and build what it sends; shared by the sync and async twins.

    Nothing is sent before all arguments passed.

    Raises:
        PyngrokSecurityError: the URL is not http/https.
        PyngrokError: a bad argument, named in the message: ``url`` not a str or with an invalid host, ``method`` not
            an HTTP token, ``timeout`` not a finite number of seconds in (0, :data:`MAX_TIMEOUT`], ``data`` not
            JSON-serialisable, ``params`` not a dict, ``auth`` not a printable ASCII str (its value is never shown).
    """
    if not isinstance(url, str):
        raise argument_error(_FUNCTION, "url", "a str", url)
    checked_method = _checked_method(method)
    checked_timeout = _checked_timeout(timeout)
    if auth is not None and (not isinstance(auth, str) or not _HEADER_VALUE.fullmatch(auth)):
        raise argument_error(_FUNCTION, "auth", "a str of printable ASCII characters or None", auth, show=False)
    target = _merged_url(_parsed_url(url), params)
    content = _body(data)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if auth:
        headers["Authorization"] = f"Bearer {auth}"
        headers["Ngrok-Version"] = "2"
    return PreparedRequest(checked_method, target, headers, content, checked_timeout)


def read_api_response(url: str, status_code: int, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """The decoded answer of an ``api_request`` call: ``{}`` for a 204; shared by the sync and async twins.

    Raises:
        PyngrokNgrokHTTPError: status >= 400.
        PyngrokNgrokError: a 2xx body that is not a JSON object.
    """
    if status_code >= 400:
        raise agent_http_error(url, status_code, body, headers)
    if status_code == 204:
        return {}
    return decode_json_object(url, status_code, body)


def send_api_request(
    client: httpx.Client,
    url: str,
    method: str = "GET",
    data: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    timeout: float = 4,
    auth: str | None = None,
) -> dict[str, Any]:
    """Send one JSON request and return the decoded object (``{}`` for an empty body such as a 204).

    Raises:
        PyngrokSecurityError: the URL is not http/https (or a redirect led to another scheme).
        PyngrokError: a bad argument (see :func:`prepare_api_request`), before any I/O.
        PyngrokNgrokHTTPError: status >= 400 (``TunnelNotFoundError`` for an unknown tunnel); the raw body is kept
            even when it is not JSON.
        PyngrokNgrokURLError: unreachable, a redirect loop, or no answer within ``timeout`` seconds (reason
            ``"timed out"``).
        PyngrokNgrokError: a 2xx body that is not a JSON object, or that cannot be decoded.
    """
    prepared = prepare_api_request(url, method, data, params, timeout, auth)
    with translate_transport_errors(url):
        response = client.request(
            prepared.method,
            prepared.url,
            content=prepared.content,
            headers=prepared.headers,
            timeout=prepared.timeout,
        )
        body = response.content
    return read_api_response(url, response.status_code, body, response.headers)


async def asend_api_request(
    client: httpx.AsyncClient,
    url: str,
    method: str = "GET",
    data: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    timeout: float = 4,
    auth: str | None = None,
) -> dict[str, Any]:
    """The async twin of :func:`send_api_request` (same checks, messages and mapping).

    Raises: as :func:`send_api_request`; a closed ``client`` is a ``PyngrokNgrokURLError``.
    """
    prepared = prepare_api_request(url, method, data, params, timeout, auth)
    if client.is_closed:
        raise closed_error(url)
    with translate_transport_errors(url):
        response = await client.request(
            prepared.method,
            prepared.url,
            content=prepared.content,
            headers=prepared.headers,
            timeout=prepared.timeout,
        )
        body = response.content
    return read_api_response(url, response.status_code, body, response.headers)
