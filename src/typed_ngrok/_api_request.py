"""``ngrok.api_request``: pyngrok's generic JSON request helper, over one shared keep-alive httpx client.

Differences from pyngrok on purpose: the URL scheme is parsed (only ``http``/``https``), a ``{}`` body is sent (any
``data`` that is not None), an empty 2xx body gives ``{}``, and a non-JSON body gives a typed error, never a
``JSONDecodeError``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from typed_ngrok._errors import agent_http_error, decode_json_object, translate_transport_errors
from typed_ngrok.exception import PyngrokSecurityError

__all__ = ["check_http_url", "prepare_api_request", "read_api_response", "send_api_request", "shared_client"]

_ALLOWED_SCHEMES = ("http", "https")
_lock = threading.Lock()
_client: httpx.Client | None = None


def check_http_url(url: str) -> None:
    """Refuse anything but an absolute ``http``/``https`` URL.

    Raises:
        PyngrokSecurityError: another scheme (``file:``, ``httpx:``, ``https-evil:``, …) or no host.
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise PyngrokSecurityError(f'URL must start with "http": {url}') from exc
    if parts.scheme.lower() not in _ALLOWED_SCHEMES or not parts.netloc:
        raise PyngrokSecurityError(f'URL must start with "http": {url}')


def shared_client() -> httpx.Client:
    """The process-wide client ``api_request`` uses (keep-alive, no proxies from the environment)."""
    global _client
    client = _client
    if client is None:
        with _lock:
            if _client is None:
                _client = httpx.Client(trust_env=False, follow_redirects=True)
            client = _client
    return client


def _merged_url(url: str, params: Mapping[str, Any] | None) -> httpx.URL:
    target = httpx.URL(url)
    if not params:
        return target
    items: list[tuple[str, str | int | float | bool | None]] = list(target.params.multi_items())
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        items.extend((str(key), "" if item is None else str(item)) for item in values)
    return target.copy_with(params=httpx.QueryParams(items))


def prepare_api_request(
    url: str, data: Mapping[str, Any] | None, params: Mapping[str, Any] | None, auth: str | None
) -> tuple[httpx.URL, dict[str, str], bytes | None]:
    """The target URL (query merged), headers and body of an ``api_request`` call; shared by the sync and async twins.

    Raises:
        PyngrokSecurityError: the URL is not http/https.
    """
    check_http_url(url)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if auth:
        headers["Authorization"] = f"Bearer {auth}"
        headers["Ngrok-Version"] = "2"
    content = None if data is None else json.dumps(data).encode()  # {} is sent too (pyngrok drops it)
    return _merged_url(url, params), headers, content


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
        PyngrokSecurityError: the URL is not http/https.
        PyngrokNgrokHTTPError: status >= 400 (``TunnelNotFoundError`` for an unknown tunnel); the raw body is kept
            even when it is not JSON.
        PyngrokNgrokURLError: unreachable, or no answer within ``timeout`` seconds (reason ``"timed out"``).
        PyngrokNgrokError: a 2xx body that is not a JSON object.
    """
    target, headers, content = prepare_api_request(url, data, params, auth)
    with translate_transport_errors(url):
        response = client.request(
            method.upper(), target, content=content, headers=headers, timeout=httpx.Timeout(timeout)
        )
        body = response.content
    return read_api_response(url, response.status_code, body, response.headers)
