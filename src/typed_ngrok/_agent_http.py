"""The ``httpx.Client`` behind one agent's generated client, with a short path for the generated functions' calls.

The generated functions call ``client.request(method=..., url="/api/...", params=..., json=..., headers=...)``.
``httpx.Client.request`` spends more time on cookies, auth and redirect machinery, URL merging and logging than a
loopback agent takes to answer, and none of that applies to the agent API (no cookies, no auth, no redirects are
followed). :class:`AgentHttpClient` builds the ``httpx.Request`` itself for exactly those calls, sends it through
its transport, runs the client's event hooks and reads the body; any other call (another keyword, an absolute URL,
a closed client, a client built without ``transport=`` or with ``mounts=``) takes httpx's full path. Timeouts, the transport's errors and the hooks behave as with
``httpx.Client``.

Each thread's last response is remembered, so a wrapper can reuse the JSON the generated parser already decoded
(:meth:`AgentHttpClient.parsed_json`) instead of re-serialising the generated models.
"""

from __future__ import annotations

import threading
from typing import Any, Final

import httpx

from typed_ngrok._transport import LoopbackResponse

__all__ = ["NOT_CACHED", "AgentHttpClient"]

_FAST_KEYS: Final = frozenset({"params", "json", "headers"})
_MAX_URLS: Final = 256

#: Returned by :meth:`AgentHttpClient.parsed_json` when the JSON of that body is not at hand.
NOT_CACHED: Final = object()


class AgentHttpClient(httpx.Client):
    """``httpx.Client`` for a generated agent client (see the module docstring); construct it as ``httpx.Client``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        transport = kwargs.get("transport")
        # The short path needs one transport for every URL: none when httpx would pick one (mounts, defaults).
        self._lean_transport: httpx.BaseTransport | None = None if kwargs.get("mounts") else transport
        self._local = threading.local()
        self._rebase()

    def _rebase(self) -> None:
        self._seen_base_url = self.base_url
        self._base = str(self._seen_base_url).rstrip("/")
        self._urls: dict[str, httpx.URL] = {}

    def request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:
        """As ``httpx.Client.request``; the generated functions' calls skip httpx's cookie/auth/redirect layers.

        Raises:
            httpx.TransportError: from the transport (timeouts are ``httpx.TimeoutException``).
            Exception: whatever a response hook raises.
        """
        transport = self._lean_transport
        if (
            transport is None
            or not isinstance(url, str)
            or not url.startswith("/")
            or not _FAST_KEYS.issuperset(kwargs)
            or self.is_closed
        ):
            return super().request(method, url, **kwargs)
        if self.base_url is not self._seen_base_url:
            self._rebase()
        if not self._base:
            return super().request(method, url, **kwargs)
        headers = self.headers
        extra = kwargs.get("headers")
        if extra:
            headers = httpx.Headers(self.headers)
            headers.update(extra)
        params = kwargs.get("params")
        target: httpx.URL | str = self._base + url
        if not params:
            params = None
            target = self._urls.get(url) or self._remember(url)
        request = httpx.Request(
            method,
            target,
            params=params,
            headers=headers,
            json=kwargs.get("json"),
            extensions={"timeout": self.timeout.as_dict()},
        )
        hooks = self.event_hooks
        for request_hook in hooks["request"]:
            request_hook(request)
        response = transport.handle_request(request)
        response.request = request
        self._local.last = response
        for hook in hooks["response"]:
            hook(response)
        response.read()
        return response

    def _remember(self, path: str) -> httpx.URL:
        """The parsed URL of ``path`` (kept for the next call; the cache is bounded)."""
        if len(self._urls) >= _MAX_URLS:
            self._urls.clear()
        parsed = self._urls[path] = httpx.URL(self._base + path)
        return parsed

    def parsed_json(self, content: bytes) -> Any:
        """The JSON already decoded from this thread's last response when its body is ``content`` (the same
        object), else :data:`NOT_CACHED`. Forgets that response either way."""
        last = getattr(self._local, "last", None)
        self.forget_last()
        if isinstance(last, LoopbackResponse) and last._has_parsed and last.content is content:
            return last._parsed
        return NOT_CACHED

    def forget_last(self) -> None:
        """Let go of this thread's last response (do not keep a large body alive until the next call)."""
        self._local.last = None
