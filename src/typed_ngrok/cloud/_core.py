"""The cloud client's core: every decision of :class:`CloudClient` and :class:`AsyncCloudClient`, and no I/O.

The two shells (``_client.py``) only send what :class:`CloudCore` builds and hand back what they received; the core
decides everything else, once for both:

- **configuration**: the API key (``NGROK_API_KEY`` when None), the base URL (https, or http on loopback only), the
  timeout and the retry budget, refused before any I/O when they cannot be honoured;
- **request building**: method, URL (ids percent-encoded so that ``ts_1/../../api_keys`` stays one path segment),
  query parameters, the default headers (``Authorization: Bearer``, ``Ngrok-Version: 2``, ``User-Agent``) and the
  ``{}`` JSON body of the actions;
- **answers**: any status >= 400 through the one error mapper (``_errors.cloud_http_error``); 204 → None; an answer
  that is not the JSON the operation promises (bad JSON, a missing or null required field, a bad timestamp) →
  :class:`CloudAPIError` with the body;
- **pagination**: the next request from a page's ``next_page_uri`` (same origin as the base URL only: the key is
  never sent elsewhere);
- **retries**: GETs only, on 429, 5xx and connection failures (not timeouts: a call never takes longer than
  ``timeout`` to fail on a silent server), with exponential backoff that honours ``Retry-After``; the send loop
  itself is a flow (:meth:`CloudCore.send_flow`, run by ``_drive``), so the shells do not repeat it.

The API key lives here and in the shell's default headers only: never in a repr, a log line or an exception text
(answers that echo it are redacted).
"""

from __future__ import annotations

import datetime
import email.utils
import json
import logging
import math
import os
import platform
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar, cast
from urllib.parse import quote, urlsplit

import attrs
import httpx

from typed_ngrok import __version__, _errors
from typed_ngrok._drive import Call, Flow
from typed_ngrok._redact import redact
from typed_ngrok.exception import CloudAPIError, PyngrokError

__all__ = [
    "DEFAULT_BASE_URL",
    "CloudCore",
    "Listing",
    "Page",
    "Request",
]

logger = logging.getLogger("typed_ngrok.cloud")

DEFAULT_BASE_URL: Final = "https://api.ngrok.com"
USER_AGENT: Final = (
    f"typed-ngrok/{__version__} python/{platform.python_version_tuple()[0]}.{platform.python_version_tuple()[1]}"
)
#: Backoff before retry n (0-based): BACKOFF_BASE * 2**n seconds, at most BACKOFF_MAX.
BACKOFF_BASE: Final = 0.5
BACKOFF_MAX: Final = 8.0
#: A Retry-After longer than this is not waited for: the RateLimitError/ServerError is raised at once.
MAX_RETRY_AFTER: Final = 60.0
_LOOPBACK_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})
_KEY_CHARS: Final = re.compile(r"[\x21-\x7e]+")  # visible ASCII: anything else breaks or smuggles a header

M = TypeVar("M")
E = TypeVar("E")
T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    """One HTTP request to send (the shells pass these fields to httpx as they are)."""

    operation: str  # "tunnel_sessions.restart", for messages
    method: str
    url: str
    params: tuple[tuple[str, str], ...] = ()
    content: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def retryable(self) -> bool:
        """Only GETs are retried: a retried POST/PATCH/DELETE could act twice."""
        return self.method == "GET"

    def describe(self) -> str:
        return f"{self.operation} ({self.method} {urlsplit(self.url).path})"


@dataclass(frozen=True)
class Page(Generic[M]):
    """One page of a list: its items (newest first), its own ``uri`` and the ``next_page_uri`` (None on the last
    page). Pass ``next_page_uri`` to the same service's ``page()`` to get the next one."""

    items: list[M]
    uri: str
    next_page_uri: str | None


@dataclass(frozen=True)
class Listing(Generic[E, M]):
    """A list operation: its path, the generated envelope model and how to get the items out of it."""

    path: str
    envelope: type[E]
    items: Callable[[E], list[M]]
    filterable: bool = True


# --------------------------------------------------------------------------- answer parsing (no I/O)
_SCALARS: Final[dict[str, type | tuple[type, ...]]] = {
    "str": str,
    "datetime.datetime": datetime.datetime,
    "bool": bool,
    "int": int,
}


_MODEL_NAME = re.compile(r"\b(?!Unset\b|None\b|Any\b)[A-Z]\w*|\blist\[")


_Plan = tuple[tuple[tuple[str, type | tuple[type, ...] | None], ...], tuple[str, ...]]
_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    """For a generated model class: its required fields (with their scalar type, when scalar) and the fields that
    may hold other models (lists or nested objects), read once from the attrs fields' annotations."""
    required: list[tuple[str, type | tuple[type, ...] | None]] = []
    nested: list[str] = []
    for f in attrs.fields(cls):
        annotation = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
        if f.default is attrs.NOTHING:
            required.append((f.name, _SCALARS.get(annotation)))
        if f.name != "additional_properties" and _MODEL_NAME.search(annotation):
            nested.append(f.name)
    return _PLANS.setdefault(cls, (tuple(required), tuple(nested)))


def _check_required(obj: object, where: str) -> None:
    """Required fields of generated models (and of the models inside them) are present, not null, and of their
    scalar type. ``from_dict`` checks presence only (KeyError); this closes the rest."""
    if isinstance(obj, list):
        for item in obj:
            _check_required(item, where)
        return
    if not hasattr(type(obj), "__attrs_attrs__"):
        return
    required, nested = _PLANS.get(type(obj)) or _plan(type(obj))
    for name, expected in required:
        value = getattr(obj, name)
        if value is None or (expected is not None and not isinstance(value, expected)):
            raise TypeError(f"{where}: required field {name.rstrip('_')!r} is {value!r}")
    for name in nested:
        value = getattr(obj, name)
        if isinstance(value, list) or hasattr(type(value), "__attrs_attrs__"):
            _check_required(value, where)


def _json_object(content: bytes) -> dict[str, Any]:
    data = json.loads(content)
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    return data


class CloudCore:
    """Configuration plus every decision of a cloud client; the shells own one each."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str,
        timeout: float,
        max_retries: int,
        function: str,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get("NGROK_API_KEY") or None
            if api_key is None:
                raise PyngrokError(
                    f"{function}() needs an ngrok API key: pass api_key= or set NGROK_API_KEY "
                    "(an API key from https://dashboard.ngrok.com/api, not an agent authtoken)"
                )
        if not isinstance(api_key, str) or not _KEY_CHARS.fullmatch(api_key):
            raise _errors.argument_error(
                function, "api_key", "a non-empty string of visible ASCII", api_key, show=False
            )
        if not isinstance(base_url, str):
            raise _errors.argument_error(function, "base_url", "a string", base_url)
        parts = urlsplit(base_url)
        secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS)
        if not parts.hostname or not secure or parts.query or parts.fragment or parts.username or parts.password:
            raise _errors.argument_error(
                function,
                "base_url",
                "an https:// URL (http:// only on loopback) without query or credentials",
                base_url,
            )
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not (0 < timeout < math.inf):
            raise _errors.argument_error(function, "timeout", "a positive number of seconds", timeout)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise _errors.argument_error(function, "max_retries", "an int >= 0", max_retries)
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self._origin = (parts.scheme, parts.hostname, parts.port)
        self.timeout = float(timeout)
        self.max_retries = max_retries

    def __repr__(self) -> str:
        return f"CloudCore(base_url={self.base_url!r})"

    # ----------------------------------------------------------------------- requests
    def headers(self) -> dict[str, str]:
        """The headers every request carries (the shells give them to their one httpx client)."""
        return {
            "Authorization": f"Bearer {self._api_key}",
            "Ngrok-Version": "2",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }

    def url(self, path: str, ids: Sequence[str] = ()) -> str:
        """``base_url`` + ``path`` with ``{}`` placeholders filled by percent-encoded ids."""
        return self.base_url + path.format(*(quote_id(i) for i in ids))

    def build(
        self,
        operation: str,
        method: str,
        path: str,
        ids: Sequence[object] = (),
        *,
        params: Sequence[tuple[str, str]] = (),
        body: Mapping[str, Any] | None = None,
    ) -> Request:
        """A request for one described operation; ids are checked before any I/O."""
        checked = [self._check_id(operation, i) for i in ids]
        content = None
        headers: tuple[tuple[str, str], ...] = ()
        if body is not None:
            try:
                content = json.dumps(body, separators=(",", ":")).encode()
            except (TypeError, ValueError) as exc:
                raise _errors.argument_error(operation, "body", "JSON-serialisable fields", exc) from exc
            headers = (("Content-Type", "application/json"),)
        return Request(operation, method, self.url(path, checked), tuple(params), content, headers)

    def list_params(
        self,
        operation: str,
        listing: Listing[Any, Any],
        before_id: object,
        limit: object,
        filter: object,
    ) -> tuple[tuple[str, str], ...]:
        """Query parameters of a list call; only unset (None) values are left out."""
        params: list[tuple[str, str]] = []
        if before_id is not None:
            params.append(("before_id", self._check_id(operation, before_id, "before_id")))
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100:
                raise _errors.argument_error(operation, "limit", "an int from 1 to 100", limit)
            params.append(("limit", str(limit)))
        if filter is not None:
            if not listing.filterable:
                raise _errors.argument_error(operation, "filter", "None (this list takes no filter)", filter)
            if not isinstance(filter, str):
                raise _errors.argument_error(operation, "filter", "a CEL expression string", filter)
            params.append(("filter", filter))
        return tuple(params)

    def next_page(self, operation: str, next_page_uri: object) -> Request:
        """The GET of a page's ``next_page_uri``, verbatim, on the base URL's origin only."""
        if not isinstance(next_page_uri, str) or not next_page_uri:
            raise _errors.argument_error(operation, "next_page_uri", "a page's next_page_uri string", next_page_uri)
        parts = urlsplit(next_page_uri)
        if (parts.scheme, parts.hostname, parts.port) != self._origin:
            raise CloudAPIError(
                f"{operation}: next_page_uri {next_page_uri!r} is not on {self.base_url}; refusing to send the API key "
                "there"
            )
        return Request(operation, "GET", next_page_uri)

    def raw(self, method: object, path: object, params: object, body: object) -> Request:
        """``request(method, path)``: any operation below the base URL."""
        if not isinstance(method, str) or method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
            raise _errors.argument_error("request", "method", "GET, POST, PUT, PATCH or DELETE", method)
        if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
            raise _errors.argument_error("request", "path", 'a path below the base URL, such as "/ip_policies"', path)
        pairs: list[tuple[str, str]] = []
        if params is not None:
            if not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
                raise _errors.argument_error("request", "params", "a mapping of str to str/int/bool", params)
            for key, value in params.items():
                if value is None:
                    continue
                if isinstance(value, bool):
                    pairs.append((key, "true" if value else "false"))
                elif isinstance(value, str | int):
                    pairs.append((key, str(value)))
                else:
                    raise _errors.argument_error("request", f"params[{key!r}]", "a str, int or bool", value)
        if body is not None and not isinstance(body, Mapping):
            raise _errors.argument_error("request", "json", "a JSON object (a mapping)", body)
        method = method.upper()
        if body is None and method == "POST":
            body = {}  # ngrok refuses a POST without a JSON body (ERR_NGROK_213)
        try:
            content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc:
            raise _errors.argument_error("request", "json", "JSON-serialisable", body) from exc
        headers = (("Content-Type", "application/json"),) if content is not None else ()
        return Request(f"request {method} {path}", method, self.base_url + path, tuple(pairs), content, headers)

    def _check_id(self, operation: str, value: object, name: str = "id") -> str:
        if not isinstance(value, str) or not value:
            raise _errors.argument_error(operation, name, "a non-empty string", value)
        return value

    # ----------------------------------------------------------------------- retries
    def retry_delay(
        self,
        request: Request,
        attempt: int,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        error: Exception | None = None,
    ) -> float | None:
        """Seconds to wait before retrying ``request`` after ``attempt`` (0-based) failed, or None: do not retry.

        Retried: GETs only, on 429, 5xx and connection failures (refused, reset, closed without an answer); never on
        a timeout. ``Retry-After`` (seconds or an HTTP date) replaces the backoff; one above ``MAX_RETRY_AFTER`` is
        not waited for.
        """
        if not request.retryable or attempt >= self.max_retries:
            return None
        if error is not None:
            if not isinstance(error, httpx.TransportError) or isinstance(error, httpx.TimeoutException):
                return None
        elif status is None or not (status == 429 or status >= 500):
            return None
        delay = min(BACKOFF_BASE * 2.0**attempt, BACKOFF_MAX)
        retry_after = retry_after_seconds(headers) if headers is not None else None
        if retry_after is not None:
            if retry_after > MAX_RETRY_AFTER:
                return None
            delay = retry_after
        logger.debug(
            "retrying %s in %.2f s (attempt %d failed: %s)",
            request.describe(),
            delay,
            attempt + 1,
            status if error is None else type(error).__name__,
        )
        return delay

    def send_flow(self, request: Request) -> Flow[httpx.Response]:
        """Send ``request`` and return the answer that is not retried, retrying as :meth:`retry_delay` decides.

        Calls: ``closed()`` -> bool (before every attempt: a client closed during a retry's wait fails with
        :meth:`closed_error`, not httpx's bare ``RuntimeError``); ``send(request)`` -> ``httpx.Response``;
        ``sleep(seconds)``.

        Raises:
            CloudAPIError: a transport failure that is not retried (:meth:`transport_error`), or the client is closed.
        """
        attempt = 0
        while True:
            if (yield Call("closed")):
                raise self.closed_error(request)
            try:
                response = cast(httpx.Response, (yield Call("send", (request,))))
            except _errors.HTTPX_ERRORS as exc:
                delay = self.retry_delay(request, attempt, error=exc)
                if delay is None:
                    raise self.transport_error(request, exc) from exc
            else:
                delay = self.retry_delay(request, attempt, status=response.status_code, headers=response.headers)
                if delay is None:
                    return response
            yield Call("sleep", (delay,))
            attempt += 1

    # ----------------------------------------------------------------------- answers
    def closed_error(self, request: Request) -> CloudAPIError:
        """A call on a closed client (httpx would raise a bare RuntimeError)."""
        return CloudAPIError(f"{request.describe()}: this client is closed; make a new one")

    def transport_error(self, request: Request, exc: Exception) -> CloudAPIError:
        """The exception for an httpx failure while sending ``request`` (timeouts and connection failures)."""
        return _errors.cloud_transport_error(exc, where=request.describe(), secrets=(self._api_key,))

    def check_status(self, request: Request, status: int, headers: Mapping[str, str], content: bytes) -> None:
        """Raise the mapped error for any answer that is not 2xx."""
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s -> %d", request.describe(), status)
        if 200 <= status < 300:
            return
        raise _errors.cloud_http_error(
            status,
            redact(content.decode("utf-8", errors="replace"), (self._api_key,)),
            headers,
            where=request.describe(),
        )

    def _parse_error(self, request: Request, status: int, content: bytes, exc: Exception) -> CloudAPIError:
        return _errors.cloud_parse_error(
            status,
            redact(content.decode("utf-8", errors="replace"), (self._api_key,)),
            str(exc),
            where=request.describe(),
        )

    def parse_none(self, request: Request, status: int, headers: Mapping[str, str], content: bytes) -> None:
        """Deletes and actions: 204 (or any 2xx) is success; the body, if any, is ignored."""
        self.check_status(request, status, headers, content)

    def parse_dict(
        self, request: Request, status: int, headers: Mapping[str, str], content: bytes
    ) -> dict[str, Any] | None:
        """``request()``: the JSON object, or None for an empty (204) answer."""
        self.check_status(request, status, headers, content)
        if status == 204 or not content.strip():
            return None
        try:
            return _json_object(content)
        except (ValueError, RecursionError) as exc:
            raise self._parse_error(request, status, content, exc) from exc

    def parse_model(
        self, model: type[M], request: Request, status: int, headers: Mapping[str, str], content: bytes
    ) -> M:
        """A generated model from the answer, with its required fields checked."""
        self.check_status(request, status, headers, content)
        try:
            parsed = model.from_dict(_json_object(content))  # type: ignore[attr-defined]
            _check_required(parsed, request.operation)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise self._parse_error(request, status, content, exc) from exc
        return parsed  # type: ignore[no-any-return]

    def parse_page(
        self, listing: Listing[E, M], request: Request, status: int, headers: Mapping[str, str], content: bytes
    ) -> Page[M]:
        """One page of a list: the items, the page's ``uri`` and ``next_page_uri`` (null, absent or "" → None)."""
        envelope = self.parse_model(listing.envelope, request, status, headers, content)
        following = getattr(envelope, "next_page_uri", None)
        return Page(
            items=listing.items(envelope),
            uri=getattr(envelope, "uri", ""),
            next_page_uri=following if isinstance(following, str) and following else None,
        )

    def follow(self, request: Request, page: Page[Any], seen: set[str]) -> Request | None:
        """The request for the page after ``page``, or None on the last page (a repeated URI is a loop: refused)."""
        if page.next_page_uri is None:
            return None
        if page.next_page_uri in seen:
            raise CloudAPIError(f"{request.operation}: the API sent next_page_uri {page.next_page_uri!r} twice")
        seen.add(page.next_page_uri)
        return self.next_page(request.operation, page.next_page_uri)


def quote_id(value: str) -> str:
    """One path segment: everything but unreserved characters percent-encoded, and the dot segments ``.``/``..``
    spelled ``%2E`` (an HTTP stack would otherwise resolve them and reach another path)."""
    encoded = quote(value, safe="")
    if encoded in {".", ".."}:
        encoded = encoded.replace(".", "%2E")
    return encoded


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` as seconds from now (delta-seconds or an HTTP date), or None when absent or unreadable."""
    value = None
    for key, item in headers.items():
        if key.lower() == "retry-after":
            value = item.strip()
            break
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.UTC)
        seconds = (when - datetime.datetime.now(datetime.UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
