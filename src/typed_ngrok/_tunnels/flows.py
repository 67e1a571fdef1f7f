"""The tunnel and inspection flows, written once for both twins (:mod:`typed_ngrok.ngrok`/``agent`` and ``aio``).

Each public function that talks to the agent's API more than trivially is a *flow* here: a generator yielding
:class:`~typed_ngrok._drive.Call` requests for the agent's API object and getting each answer back (or its error
thrown in). The sync shells run a flow with :func:`~typed_ngrok._drive.run_sync` on an ``AgentAPI``, the ``aio``
shells with :func:`~typed_ngrok._drive.run_async` on an ``AsyncAgentAPI``; the shells only resolve arguments and
find (or start) the agent. Every decision (the endpoint->tunnel fallback, the timed-out connect's removal, the
companion tunnels, the registry updates, error mapping) is therefore made in one place.

Arguments are checked *before* any I/O: the functions that take user arguments (:func:`connect_request`,
:func:`get_requests`, :func:`get_request`, :func:`replay_request`) check them when called and return the flow (or
the request), and the shells call them before they start the agent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from typed_ngrok._drive import Call, Flow
from typed_ngrok._tunnels import captured
from typed_ngrok._tunnels.model import ConnectedTunnel, NgrokTunnel, tunnel_name_from_uri
from typed_ngrok._tunnels.reaper import AbandonedTunnel, abandon_timed_out, check_not_abandoned, timed_out
from typed_ngrok._tunnels.requests import ENDPOINTS_PATH, TunnelRequest, build_connect_request, definition_names
from typed_ngrok._tunnels.resolve import (
    agent_format,
    check_limit,
    check_name_free,
    companion_names,
    user_config,
)
from typed_ngrok.exception import PyngrokError, PyngrokNgrokHTTPError, PyngrokNgrokURLError, TunnelNotFoundError

if TYPE_CHECKING:
    from typed_ngrok._agent_api.aio import AsyncAgentAPI
    from typed_ngrok._agent_api.sync import AgentAPI
    from typed_ngrok._tunnels.registry import TunnelRegistry
    from typed_ngrok.agent import CapturedRequest, NgrokAgent
    from typed_ngrok.conf import PyngrokConfig

__all__ = [
    "Agent",
    "agent_status",
    "connect",
    "connect_all_names",
    "connect_request",
    "delete_requests",
    "disconnect",
    "get_request",
    "get_requests",
    "get_tunnels",
    "list_tunnel_data",
    "replay_request",
    "require_api_url",
]

ApiT = TypeVar("ApiT", "AgentAPI", "AsyncAgentAPI")


@dataclass(frozen=True, slots=True)
class Agent(Generic[ApiT]):
    """What a flow needs of a running agent: its config, API URL, API client (the driver's target) and registry."""

    cfg: PyngrokConfig
    api_url: str
    api: ApiT
    registry: TunnelRegistry


def require_api_url(api_url: str | None, ngrok_path: str) -> str:
    """The running agent's API URL.

    Raises:
        PyngrokError: the agent has none (``web_addr`` disabled).
    """
    if not api_url:
        raise PyngrokError(f"the ngrok agent at {ngrok_path} has no API URL (is web_addr disabled?)")
    return api_url


def _object(answer: object) -> dict[str, Any]:
    return cast("dict[str, Any]", answer)  # the API objects validate every answer before returning it


def _objects(answer: object) -> list[dict[str, Any]]:
    return cast("list[dict[str, Any]]", answer)


# ---- tunnels -----------------------------------------------------------------------------------------------------
def connect_request(
    cfg: PyngrokConfig, addr: str | int | None, proto: str | None, name: str | None, options: Mapping[str, Any]
) -> TunnelRequest:
    """``connect()``'s arguments checked and translated for the agent ``cfg`` describes (no I/O but the config file).

    Raises:
        PyngrokError: a wrong argument (see :func:`~typed_ngrok._tunnels.requests.build_connect_request`).
    """
    return build_connect_request(
        addr,
        proto,
        name,
        options,
        config_version=agent_format(cfg),
        config=user_config(cfg),
        ngrok_version=cfg.ngrok_version,
    )


def connect_all_names(cfg: PyngrokConfig) -> list[str]:
    """The definitions ``connect_all()`` starts, in order (``pyngrok-default`` excepted)."""
    return definition_names(user_config(cfg), agent_format(cfg))


def connect(agent: Agent[ApiT], request: TunnelRequest) -> Flow[ConnectedTunnel]:
    """Open ``request``'s tunnel: ``/api/endpoints`` falling back to ``/api/tunnels`` on agents without it; a timed
    out request is handed to the reaper; the v2 ``(http)`` companion is fetched and recorded with the tunnel."""
    from typed_ngrok._errors import is_missing_route

    registry, fmt = agent.registry, agent_format(agent.cfg)
    check_name_free(request.name, registry.tunnels())
    check_not_abandoned(registry, request.name)
    body = request.body
    endpoint = request.path == ENDPOINTS_PATH and registry.endpoints_supported is not False
    if request.path == ENDPOINTS_PATH and not endpoint and request.fallback_body is not None:
        body = request.fallback_body
    try:
        if endpoint:
            try:
                data = yield Call("create_endpoint", (body,))
                registry.endpoints_supported = True
            except PyngrokNgrokHTTPError as exc:
                if request.fallback_body is None or not is_missing_route(exc.status_code, exc.body):
                    raise
                registry.endpoints_supported = False
                body, endpoint = request.fallback_body, False
                data = yield Call("start_tunnel", (body,))
        else:
            data = yield Call("start_tunnel", (body,))
    except PyngrokNgrokURLError as exc:
        if not timed_out(exc):
            raise
        abandoned = AbandonedTunnel(request.name, endpoint, tuple(companion_names(body, request.name, fmt)))
        raise abandon_timed_out(exc, agent.api, registry, abandoned) from exc
    tunnel = ConnectedTunnel(_object(data), agent.cfg, agent.api_url)  # raises PyngrokError without public_url
    companions = companion_names(body, tunnel.name, fmt)
    twins: list[NgrokTunnel] = []
    for companion in companions:  # list it too, so the registry holds what the agent holds
        with contextlib.suppress(PyngrokError):  # best effort: the tunnel is up, disconnect still knows the name
            twins.append(NgrokTunnel(_object((yield Call("get_tunnel", (companion,)))), agent.cfg, agent.api_url))
    registry.add(tunnel, companions, twins, request)  # the request: to open it again after a restart
    return tunnel


def list_tunnel_data(agent: Agent[ApiT]) -> Flow[list[dict[str, Any]]]:
    """The agent's tunnels (v3: its endpoints, falling back to tunnels on agents without ``/api/endpoints``)."""
    from typed_ngrok._errors import is_missing_route

    registry = agent.registry
    if agent_format(agent.cfg) == "3" and registry.endpoints_supported is not False:
        try:
            items = _objects((yield Call("list_endpoints")))
            registry.endpoints_supported = True
            return items
        except PyngrokNgrokHTTPError as exc:
            if not is_missing_route(exc.status_code, exc.body):
                raise
            registry.endpoints_supported = False
    return _objects((yield Call("list_tunnels")))


def get_tunnels(agent: Agent[ApiT]) -> Flow[list[ConnectedTunnel]]:
    """Every tunnel the agent runs; the registry is refreshed with a listing started before the request."""
    with agent.registry.listing() as listing:  # see registry on concurrent changes
        items = yield from list_tunnel_data(agent)
        tunnels = [ConnectedTunnel(item, agent.cfg, agent.api_url) for item in items]
        listing.apply(tunnels)
    return tunnels


def disconnect(agent: Agent[ApiT], public_url: str) -> Flow[None]:
    """Stop the tunnel with ``public_url`` and its companions (read before the stop); unknown URLs are a no-op
    after one listing; a tunnel the agent no longer has counts as stopped. A tunnel a restarted agent is to open
    again is taken off that plan (one whose connect runs now is stopped by the re-creation once it opens: see
    ``_tunnels.restart``)."""
    registry = agent.registry
    planned = registry.cancel_restart(public_url)
    tunnel = registry.get(public_url)
    if tunnel is None:
        if planned:  # not open (again) yet: nothing to stop
            return
        yield from get_tunnels(agent)
        tunnel = registry.get(public_url)
        if tunnel is None:
            return
    uri = tunnel.uri or ""
    name = tunnel_name_from_uri(uri) if uri else (tunnel.name or "")
    companions = registry.companions(public_url)  # before the stop: a listing landing after it may drop them
    with contextlib.suppress(TunnelNotFoundError):  # already gone: the goal is reached
        yield Call("stop_endpoint" if "/api/endpoints/" in uri else "stop_tunnel", (name,))
    for companion in companions:
        with contextlib.suppress(TunnelNotFoundError):  # the agent may already have dropped it
            yield Call("stop_tunnel", (companion,))
    registry.remove(public_url, companions)


# ---- inspection --------------------------------------------------------------------------------------------------
def agent_status(agent: Agent[ApiT]) -> Flow[NgrokAgent]:
    """``GET /api/status``; an agent without the route (v2, v3 before 3.9) gets an error saying so."""
    from typed_ngrok._errors import no_status_route_error
    from typed_ngrok.agent import NgrokAgent

    try:
        data = yield Call("get_status")
    except PyngrokNgrokHTTPError as exc:
        error = no_status_route_error(agent.api_url, exc)
        if error is None:
            raise
        raise error from exc
    return NgrokAgent(_object(data))


def get_requests(tunnel_name: object, limit: object) -> Flow[list[CapturedRequest]]:
    """Check ``tunnel_name``/``limit`` now (before any I/O) and return the flow listing the captured requests,
    newest first, matched exactly and cut to ``limit``.

    Raises:
        PyngrokError: ``tunnel_name`` is not None or a non-empty string, or ``limit`` is not None or an int >= 1.
    """
    check_limit(limit)
    return _get_requests(captured.check_tunnel_name(tunnel_name), cast("int | None", limit))


def _get_requests(name: str | None, limit: int | None) -> Flow[list[CapturedRequest]]:
    from typed_ngrok.agent import CapturedRequest

    items = _objects((yield Call("list_requests", kwargs={"tunnel_name": name})))
    return captured.newest_first((CapturedRequest(item) for item in items), name, limit)


def get_request(request_id: object) -> Flow[CapturedRequest]:
    """Check ``request_id`` now (before any I/O) and return the flow fetching that captured request.

    Raises:
        PyngrokError: ``request_id`` is malformed.
    """
    return _get_request(captured.check_request_id(request_id))


def _get_request(request_id: str) -> Flow[CapturedRequest]:
    from typed_ngrok.agent import CapturedRequest

    return CapturedRequest(_object((yield Call("get_request", (request_id,)))))


def _one(call: Call) -> Flow[None]:
    yield call


def replay_request(request_id: object, tunnel_name: object) -> Flow[None]:
    """Check ``request_id``/``tunnel_name`` now (before any I/O) and return the flow replaying that request.

    Raises:
        PyngrokError: ``request_id`` or ``tunnel_name`` is malformed.
    """
    request_id = captured.check_request_id(request_id)
    return _one(Call("replay_request", (request_id, captured.check_tunnel_name(tunnel_name))))


def delete_requests() -> Flow[None]:
    """Delete every captured request."""
    return _one(Call("delete_requests"))
