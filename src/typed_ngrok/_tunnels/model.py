"""``NgrokTunnel`` and ``NgrokApiResponse`` (published by :mod:`typed_ngrok.ngrok`), plus their typed shapes.

The typed shapes are ``TypedDict``s, so ``tunnel.metrics["http"]["count"]`` type-checks while staying the plain dicts
pyngrok code expects. No I/O at import; ``refresh_metrics`` loads the HTTP core lazily.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypedDict, cast
from urllib.parse import quote, unquote, urlsplit

from typed_ngrok._shapes import agent_object, check_path_segment, malformed, optional_object, optional_str
from typed_ngrok.conf import agent_format
from typed_ngrok.exception import PyngrokError

if TYPE_CHECKING:
    from typed_ngrok.conf import PyngrokConfig

__all__ = [
    "ConnMetrics",
    "ConnectedTunnel",
    "HttpMetrics",
    "NgrokApiResponse",
    "NgrokTunnel",
    "TunnelConfig",
    "TunnelMetrics",
    "Upstream",
    "tunnel_name_from_uri",
]


class HttpMetrics(TypedDict, total=False):
    """``metrics.http``: request counts, rates and latency percentiles (ns)."""

    count: int
    rate1: float
    rate5: float
    rate15: float
    p50: float
    p90: float
    p95: float
    p99: float


class ConnMetrics(HttpMetrics, total=False):
    """``metrics.conns``: as :class:`HttpMetrics` plus ``gauge`` (open connections)."""

    gauge: int


class TunnelMetrics(TypedDict, total=False):
    """A tunnel's ``metrics`` block."""

    conns: ConnMetrics
    http: HttpMetrics


class TunnelConfig(TypedDict, total=False):
    """The v2 ``config`` block: where the tunnel forwards to, and whether requests are captured."""

    addr: str
    inspect: bool


class Upstream(TypedDict, total=False):
    """Where traffic goes: v3 ``upstream`` (``url``, ``protocol``), or ``{"url": config.addr}`` for tunnels."""

    url: str
    protocol: str


def tunnel_name_from_uri(uri: str) -> str:
    """The tunnel/endpoint name in an agent ``uri`` such as ``/api/tunnels/web%20%28http%29``."""
    return unquote(uri.rstrip("/").rsplit("/", 1)[-1])


def _scheme(url: str) -> str | None:
    """The scheme of ``url`` (None when it has none or cannot be split, e.g. ``http://[x``)."""
    try:
        return urlsplit(url).scheme or None
    except ValueError:
        return None


def _check_tunnel_data(data: object, api_url: object) -> None:
    """Refuse what would give an ``NgrokTunnel`` attribute another type than it declares.

    Raises:
        PyngrokNgrokError: ``data`` is not a dict, or a key the attributes are read from holds another type (absent
            keys are fine; ``null`` is fine where the attribute may be None).
        PyngrokError: ``api_url`` is neither None nor a string.
    """
    what = "tunnel"
    tunnel = agent_object(data, what)
    for key in ("name", "public_url", "url", "proto", "uri"):
        optional_str(tunnel, key, what)
    optional_object(tunnel, "upstream", what)
    for key in ("config", "metrics"):  # read with a {} default: present means an object
        if key in tunnel and not isinstance(tunnel[key], dict):
            raise malformed(what, key, tunnel[key], "an object")
    for key in ("ID", "id"):
        value = tunnel.get(key)
        if value is not None and (not isinstance(value, str | int) or isinstance(value, bool)):
            raise malformed(what, key, value, "a string")
    if api_url is not None and not isinstance(api_url, str):
        raise PyngrokError(f"api_url must be None or a string, got {type(api_url).__name__}")


def _agent_gone(pyngrok_config: PyngrokConfig, api_url: str, exc: PyngrokError) -> PyngrokError | None:
    """For ``refresh_metrics``: the "agent not running" error when ``exc`` is a refused connection and no agent this
    interpreter started (sync or aio) for the config's ``ngrok_path`` serves ``api_url`` any more; else None."""
    import sys

    from typed_ngrok import process
    from typed_ngrok._errors import agent_not_running_error
    from typed_ngrok.exception import PyngrokNgrokURLError

    path = getattr(pyngrok_config, "ngrok_path", None)
    if not isinstance(exc, PyngrokNgrokURLError) or exc.reason == "timed out" or not isinstance(path, str):
        return None
    aprocess = sys.modules.get("typed_ngrok._agent_process.aio")  # only loaded when aio started agents
    if process._serves(path, api_url) or (aprocess is not None and aprocess.serves(path, api_url)):
        return None
    return agent_not_running_error(path, api_url, exc)


class NgrokTunnel:
    """A tunnel (or v3 endpoint) the agent reported.

    ``data`` is the agent's JSON as a dict; the other attributes are read from it at construction, as in pyngrok:
    ``id``, ``name``, ``proto``, ``uri`` (percent-encoded), ``public_url``, ``config``, ``upstream``, ``metrics``.
    Without a ``uri`` in ``data`` it is ``/api/endpoints/<name>`` for ``config_version="3"`` and
    ``/api/tunnels/<name>`` otherwise (and for a v2 agent, ``ngrok_version="2"``, which has no endpoints).

    Built from any dict (as pyngrok allows), ``public_url`` may be None. The tunnels ``connect()`` and
    ``get_tunnels()`` return are :class:`ConnectedTunnel`, whose ``public_url`` is a ``str``.
    """

    def __init__(self, data: dict[str, Any], pyngrok_config: PyngrokConfig, api_url: str | None) -> None:
        _check_tunnel_data(data, api_url)
        self.data = data
        self.pyngrok_config = pyngrok_config
        self.api_url = api_url
        raw_id = data.get("ID", data.get("id"))
        self.id: str | None = None if raw_id is None else str(raw_id)
        self.name: str | None = data.get("name")
        self.public_url: str | None = data.get("public_url") or data.get("url")
        proto = data.get("proto")
        if not proto and self.public_url:
            proto = _scheme(self.public_url)
        self.proto: str | None = proto
        uri = data.get("uri")
        if not uri and self.name:
            v3 = pyngrok_config is None or agent_format(pyngrok_config) == "3"  # None: pyngrok's default, "3"
            collection = "endpoints" if v3 else "tunnels"
            uri = f"/api/{collection}/{quote(self.name, safe='', errors='surrogatepass')}"
        self.uri: str | None = uri
        self.config: TunnelConfig = data.get("config", {})  # data is dict[str, Any]: no cast() call needed
        upstream = data.get("upstream")
        if upstream:
            self.upstream: Upstream = upstream
        elif isinstance(self.config, dict) and "addr" in self.config:
            self.upstream = {"url": self.config["addr"]}
        else:
            self.upstream = {}
        self.metrics: TunnelMetrics = data.get("metrics", {})

    def __repr__(self) -> str:
        url = self.upstream.get("url") if isinstance(self.upstream, dict) else None
        if url is None:
            return "<pending Tunnel>"
        return f'<NgrokTunnel: "{self.public_url}" -> "{url}">'

    def __str__(self) -> str:
        url = self.upstream.get("url") if isinstance(self.upstream, dict) else None
        return f'NgrokTunnel: "{self.public_url}" -> "{url}"' if url is not None else "<pending Tunnel>"

    def refresh_metrics(self) -> None:
        """Fetch this tunnel again from the agent and update ``metrics`` (and ``data["metrics"]``).

        Raises:
            PyngrokError: the agent returned no ``metrics`` for it, or the tunnel has no ``api_url``/``uri`` (or a
                ``uri`` whose last segment is empty, ``.``, ``..`` or holds a control character), before any I/O.
            TunnelNotFoundError: the agent no longer knows the tunnel.
            PyngrokNgrokURLError: the agent's API cannot be reached, or did not answer within ``request_timeout``;
                reason ``"agent not running"`` when the agent this interpreter started for the tunnel's
                ``ngrok_path`` is no longer running (killed, crashed) and its API refuses connections.
        """
        if not self.api_url or not self.uri:
            raise PyngrokError(f"{self!r} has no api_url or uri, so its metrics cannot be refreshed.")
        from typed_ngrok._agent_api.sync import agent_api_for
        from typed_ngrok.exception import PyngrokNgrokURLError

        timeout = float(getattr(self.pyngrok_config, "request_timeout", 4))
        api = agent_api_for(self.api_url, timeout)
        name = check_path_segment(tunnel_name_from_uri(self.uri), "uri", "a tunnel's API path")
        try:
            fresh = api.get_endpoint(name) if "/api/endpoints/" in self.uri else api.get_tunnel(name)
        except PyngrokNgrokURLError as exc:
            stopped = _agent_gone(self.pyngrok_config, self.api_url, exc)
            if stopped is None:
                raise
            raise stopped from exc
        metrics = fresh.get("metrics")
        if metrics is None:
            raise PyngrokError(f'The ngrok API did not return "metrics" in the response for {self!r}.')
        if not isinstance(metrics, dict):
            raise malformed("tunnel", "metrics", metrics, "an object")
        self.data["metrics"] = metrics
        self.metrics = cast(TunnelMetrics, metrics)


class ConnectedTunnel(NgrokTunnel):
    """A tunnel the agent runs, as ``connect()``/``get_tunnels()`` return it: ``public_url`` is always a ``str``.

    An :class:`NgrokTunnel` in every other respect (``isinstance(t, NgrokTunnel)`` holds).

    Raises:
        PyngrokError: at construction, when ``data`` has neither ``public_url`` nor ``url`` (pyngrok's message).
    """

    public_url: str

    def __init__(self, data: dict[str, Any], pyngrok_config: PyngrokConfig, api_url: str | None) -> None:
        super().__init__(data, pyngrok_config, api_url)
        if not isinstance(self.public_url, str) or not self.public_url:
            raise PyngrokError(f'"public_url" was not populated for tunnel {self!r}, but is required.')


class NgrokApiResponse:
    """The output of ``ngrok api …``: leading text as ``status``, the first JSON object in it as ``data``."""

    def __init__(self, status: str, data: dict[str, Any] | None) -> None:
        self.status = status
        self.data = data

    def __repr__(self) -> str:
        return f"<NgrokApiResponse: status={self.status!r} data={self.data!r}>"

    @staticmethod
    def from_body(body: str) -> NgrokApiResponse:
        """Split CLI output at the first ``{`` that starts a whole JSON object; ``(body, None)`` when none does.

        Raises:
            PyngrokError: ``body`` is not a string.
        """
        if not isinstance(body, str):
            raise PyngrokError(f"body must be a string, got {type(body).__name__}")
        decoder = json.JSONDecoder()
        start = body.find("{")
        while start != -1:
            try:
                data, _end = decoder.raw_decode(body, start)
            except (ValueError, RecursionError):  # RecursionError: nested too deep to be the answer
                start = body.find("{", start + 1)
                continue
            if isinstance(data, dict):
                return NgrokApiResponse(body[:start], data)
            start = body.find("{", start + 1)
        return NgrokApiResponse(body, None)
