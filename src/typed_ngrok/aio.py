"""Native async twins of :mod:`typed_ngrok.ngrok` and :mod:`typed_ngrok.agent`: same names, signatures and results.

``await aio.connect(8000)`` does what ``ngrok.connect(8000)`` does, natively async: agent API calls go through the
generated client's ``asyncio_detailed`` functions over one kept-alive ``httpx.AsyncClient`` per agent, and the agent
is an ``asyncio`` subprocess drained by a reader task (readiness has a loop-clock deadline). Only blocking setup runs
in a worker thread: installing the binary, writing config files, and starting/stopping the local edge (which runs in
its own thread, so code that blocks the loop cannot stall tunnel traffic).

Choices to know about:

- An agent started here belongs to the **event loop** that started it and is stopped when that loop shuts down
  (``asyncio.run`` returning); it is separate from agents started by the sync :mod:`~typed_ngrok.ngrok` module, so
  do not drive one ``ngrok_path`` from both at once. The per-agent tunnel registry is shared with the sync side.
- :func:`get_ngrok_process` returns an :class:`AsyncNgrokProcess` (``proc``, ``api_url``, ``logs``,
  ``startup_error``, ``edge``, ``exited``, ``await healthy()``, ``await stop()``).
- ``NgrokTunnel.refresh_metrics()`` stays synchronous (a short blocking request to the local agent).

Everything else (option translation per agent version, the https-only default, companion tunnels, v3 fallbacks,
exact ``tunnel_name`` matching, errors) is as documented in
:mod:`typed_ngrok.ngrok` and :mod:`typed_ngrok.agent`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, Unpack

from typed_ngrok import __version__, _captured, ngrok
from typed_ngrok._aprocess import AsyncNgrokProcess
from typed_ngrok._surface import agent_format as _agent_format
from typed_ngrok._surface import check_limit as _check_limit
from typed_ngrok._surface import check_name_free as _check_name_free
from typed_ngrok._surface import check_public_url as _check_public_url
from typed_ngrok._surface import companion_names as _companions
from typed_ngrok._surface import resolve_config as _cfg
from typed_ngrok._surface import user_config as _user_config
from typed_ngrok.agent import CapturedRequest, NgrokAgent
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokHTTPError, PyngrokNgrokURLError, TunnelNotFoundError
from typed_ngrok.ngrok import ConnectedTunnel, NgrokApiResponse, NgrokTunnel, Proto, TunnelOptions

if TYPE_CHECKING:
    from typed_ngrok._async_agent_api import AsyncAgentAPI
    from typed_ngrok._registry import TunnelRegistry

__all__ = [
    "AsyncNgrokProcess",
    "CapturedRequest",
    "ConnectedTunnel",
    "NgrokAgent",
    "NgrokApiResponse",
    "NgrokTunnel",
    "Proto",
    "TunnelOptions",
    "api",
    "api_request",
    "connect",
    "connect_all",
    "delete_requests",
    "disconnect",
    "get_agent_status",
    "get_ngrok_process",
    "get_request",
    "get_requests",
    "get_tunnels",
    "get_version",
    "install_ngrok",
    "kill",
    "replay_request",
    "set_api_key",
    "set_auth_token",
    "update",
]

AsyncNgrokProcess.__module__ = __name__


async def _agent(cfg: PyngrokConfig) -> tuple[AsyncNgrokProcess, AsyncAgentAPI, TunnelRegistry]:
    from typed_ngrok._registry import registry_for

    process = await get_ngrok_process(cfg)
    api_url = process.api_url
    if not api_url:
        raise PyngrokError(f"the ngrok agent at {cfg.ngrok_path} has no API URL (is web_addr disabled?)")
    return process, process.agent_api(float(cfg.request_timeout)), registry_for(cfg.ngrok_path, api_url)


# ---- ngrok twins -------------------------------------------------------------------------------------------------
async def install_ngrok(pyngrok_config: PyngrokConfig | None = None) -> None:
    """See :func:`typed_ngrok.ngrok.install_ngrok` (download and file writes run in a worker thread).

    Raises:
        PyngrokNgrokInstallError: the download, verification or unpacking failed.
    """
    await asyncio.to_thread(ngrok.install_ngrok, _cfg(pyngrok_config))


async def set_auth_token(token: str, pyngrok_config: PyngrokConfig | None = None) -> None:
    """See :func:`typed_ngrok.ngrok.set_auth_token` (a config file edit, in a worker thread; never on argv).

    Raises:
        PyngrokError: the config file cannot be written.
    """
    await asyncio.to_thread(ngrok.set_auth_token, token, _cfg(pyngrok_config))


async def set_api_key(key: str, pyngrok_config: PyngrokConfig | None = None) -> None:
    """See :func:`typed_ngrok.ngrok.set_api_key` (a config file edit, in a worker thread; never on argv).

    Raises:
        PyngrokError: the config file cannot be written.
    """
    await asyncio.to_thread(ngrok.set_api_key, key, _cfg(pyngrok_config))


async def get_ngrok_process(pyngrok_config: PyngrokConfig | None = None) -> AsyncNgrokProcess:
    """The running agent for ``ngrok_path`` on this event loop, installing and starting it first when needed.

    Raises:
        ProcessStartError: the agent exited, printed a fatal error, or was not ready within ``startup_timeout``.
        PyngrokNgrokInstallError: installing it failed.
        PyngrokError: the agent for that path belongs to another running event loop.
    """
    from typed_ngrok import _aprocess

    cfg = _cfg(pyngrok_config)
    if not await _aprocess.is_process_running(cfg.ngrok_path):
        await install_ngrok(cfg)
    return await _aprocess.get_process(cfg)


async def connect(
    addr: str | int | None = None,
    proto: Proto | None = None,
    name: str | None = None,
    pyngrok_config: PyngrokConfig | None = None,
    **options: Unpack[TunnelOptions],
) -> ConnectedTunnel:
    """See :func:`typed_ngrok.ngrok.connect` (same argument checks, same refusal of a ``name`` in use).

    Raises:
        PyngrokError: a wrong argument, before any I/O and naming it (see :func:`typed_ngrok.ngrok.connect`);
            v3-only options with ``config_version="2"``, or options a v2 agent would ignore; both spellings of one
            option; ``schemes``/credentials a v2 agent cannot express; ``name`` already used by a tunnel on this
            agent; or the agent returned no ``public_url``.
        PyngrokNgrokHTTPError: the agent refused: bad option values it checks (400, ``error_code`` 102), the edge
            refused the bind (502, 103), no session yet (503, 104).
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
        ProcessStartError: starting the agent failed.
    """
    from typed_ngrok._errors import is_missing_route
    from typed_ngrok._reaper import AbandonedTunnel, abandon_timed_out, check_not_abandoned, timed_out
    from typed_ngrok._tunnel_request import ENDPOINTS_PATH, build_connect_request

    cfg = _cfg(pyngrok_config)
    agent_format = _agent_format(cfg)
    request = build_connect_request(
        addr,
        proto,
        name,
        options,
        config_version=agent_format,
        config=_user_config(cfg),
        ngrok_version=cfg.ngrok_version,
    )
    process, api, registry = await _agent(cfg)
    _check_name_free(request.name, registry.tunnels())
    check_not_abandoned(registry, request.name)
    body = request.body
    endpoint = request.path == ENDPOINTS_PATH and registry.endpoints_supported is not False
    if request.path == ENDPOINTS_PATH and not endpoint and request.fallback_body is not None:
        body = request.fallback_body
    try:
        if endpoint:
            try:
                data = await api.create_endpoint(body)
                registry.endpoints_supported = True
            except PyngrokNgrokHTTPError as exc:
                if request.fallback_body is None or not is_missing_route(exc.status_code, exc.body):
                    raise
                registry.endpoints_supported = False
                body, endpoint = request.fallback_body, False
                data = await api.start_tunnel(body)
        else:
            data = await api.start_tunnel(body)
    except PyngrokNgrokURLError as exc:
        if not timed_out(exc):
            raise
        abandoned = AbandonedTunnel(request.name, endpoint, tuple(_companions(body, request.name, agent_format)))
        raise abandon_timed_out(exc, api, registry, abandoned) from exc
    tunnel = ConnectedTunnel(data, cfg, process.api_url)  # raises PyngrokError when public_url is missing
    companions = _companions(body, tunnel.name, agent_format)
    twins: list[NgrokTunnel] = []
    for companion in companions:  # list it too, so the registry holds what the agent holds
        with contextlib.suppress(PyngrokError):  # best effort: the tunnel is up, disconnect still knows the name
            twins.append(NgrokTunnel(await api.get_tunnel(companion), cfg, process.api_url))
    registry.add(tunnel, companions, twins)
    return tunnel


async def connect_all(pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
    """See :func:`typed_ngrok.ngrok.connect_all` (definitions are started in order, one after another).

    Raises:
        The same errors as :func:`connect`.
    """
    from typed_ngrok._tunnel_request import definition_names

    cfg = _cfg(pyngrok_config)
    names = definition_names(_user_config(cfg), _agent_format(cfg))
    return [await connect(name=item, pyngrok_config=cfg) for item in names]


async def _list(cfg: PyngrokConfig, api: AsyncAgentAPI, registry: TunnelRegistry) -> list[dict[str, Any]]:
    from typed_ngrok._errors import is_missing_route

    if _agent_format(cfg) == "3" and registry.endpoints_supported is not False:
        try:
            items = await api.list_endpoints()
            registry.endpoints_supported = True
            return items
        except PyngrokNgrokHTTPError as exc:
            if not is_missing_route(exc.status_code, exc.body):
                raise
            registry.endpoints_supported = False
    return await api.list_tunnels()


async def get_tunnels(pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
    """See :func:`typed_ngrok.ngrok.get_tunnels`.

    Raises:
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
        PyngrokNgrokHTTPError: the agent refused.
        PyngrokError: a listed tunnel has no ``public_url``.
    """
    cfg = _cfg(pyngrok_config)
    process, api, registry = await _agent(cfg)
    with registry.listing() as listing:  # started before the request: see _registry on concurrent changes
        tunnels = [ConnectedTunnel(item, cfg, process.api_url) for item in await _list(cfg, api, registry)]
        listing.apply(tunnels)
    return tunnels


async def disconnect(public_url: str, pyngrok_config: PyngrokConfig | None = None) -> None:
    """See :func:`typed_ngrok.ngrok.disconnect` (also removes the v2 ``(http)`` companion; never starts an agent).

    Raises:
        PyngrokError: ``public_url`` is not a str (before any I/O).
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
        PyngrokNgrokHTTPError: the agent refused (e.g. 500 ``error_code`` 107 while its session is reconnecting).
    """
    from typed_ngrok import _aprocess
    from typed_ngrok._tunnel import tunnel_name_from_uri

    _check_public_url(public_url)
    cfg = _cfg(pyngrok_config)
    if not await _aprocess.is_process_running(cfg.ngrok_path):
        return
    _process, api, registry = await _agent(cfg)
    tunnel = registry.get(public_url)
    if tunnel is None:
        await get_tunnels(cfg)
        tunnel = registry.get(public_url)
        if tunnel is None:
            return
    uri = tunnel.uri or ""
    name = tunnel_name_from_uri(uri) if uri else (tunnel.name or "")
    companions = registry.companions(public_url)  # before the stop: a listing landing after it may drop them
    try:
        if "/api/endpoints/" in uri:
            await api.stop_endpoint(name)
        else:
            await api.stop_tunnel(name)
    except TunnelNotFoundError:
        pass  # already gone: the goal is reached
    for companion in companions:
        with contextlib.suppress(TunnelNotFoundError):
            await api.stop_tunnel(companion)
    registry.remove(public_url, companions)


async def kill(pyngrok_config: PyngrokConfig | None = None) -> None:
    """Stop the aio agent for ``ngrok_path`` (SIGTERM, then SIGKILL; reaped) and forget its tunnels. No-op if none.

    Raises:
        PyngrokNgrokError: the process could not be stopped.
        PyngrokError: the agent for that path belongs to another running event loop.
    """
    from typed_ngrok import _aprocess
    from typed_ngrok._registry import drop_registry

    cfg = _cfg(pyngrok_config)
    await _aprocess.kill_process(cfg.ngrok_path)
    drop_registry(cfg.ngrok_path)


async def api(*args: Any, pyngrok_config: PyngrokConfig | None = None) -> NgrokApiResponse:
    """See :func:`typed_ngrok.ngrok.api` (``ngrok api <args>`` as an asyncio subprocess; v3 agents).

    Raises:
        PyngrokNgrokError: the command exited with a non-zero code (its output is in the message).
        PyngrokError: the private config file could not be written.
    """
    from typed_ngrok import _aprocess, _cli

    cfg = _cfg(pyngrok_config)
    with _cli.api_command(cfg, args) as command:
        output = await _aprocess.capture_run_process(cfg.ngrok_path, command.args, secrets=command.secrets)
    return NgrokApiResponse.from_body(output)


async def get_version(pyngrok_config: PyngrokConfig | None = None) -> tuple[str, str]:
    """See :func:`typed_ngrok.ngrok.get_version`: ``(agent version, typed-ngrok version)``.

    Raises:
        PyngrokNgrokError: ``ngrok --version`` failed.
    """
    from typed_ngrok import _aprocess

    cfg = _cfg(pyngrok_config)
    await install_ngrok(cfg)
    output = await _aprocess.capture_run_process(cfg.ngrok_path, ["--version"])
    return output.split("version ", 1)[-1].strip(), __version__


async def update(pyngrok_config: PyngrokConfig | None = None) -> str:
    """See :func:`typed_ngrok.ngrok.update` (contacts ngrok's update server).

    Raises:
        PyngrokNgrokError: the command failed (its output, secrets masked, is in the message).
    """
    from typed_ngrok import _aprocess, _cli

    cfg = _cfg(pyngrok_config)
    await install_ngrok(cfg)
    command = _cli.update_command(cfg)
    return await _aprocess.capture_run_process(cfg.ngrok_path, command.args, secrets=command.secrets)


async def api_request(
    url: str,
    method: str = "GET",
    data: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    timeout: float = 4,
    auth: str | None = None,
) -> dict[str, Any]:
    """See :func:`typed_ngrok.ngrok.api_request` (one kept-alive ``httpx.AsyncClient`` per event loop).

    Raises:
        PyngrokSecurityError: the URL's scheme is not http/https (or a redirect led to another scheme).
        PyngrokError: a bad argument, named in the message, before any I/O (``url`` not a str or with an invalid
            host, ``method`` not an HTTP token, ``timeout`` not a finite number of seconds > 0, ``data`` not
            JSON-serialisable, ``params`` not a dict, ``auth`` not a printable ASCII str).
        PyngrokNgrokHTTPError: status >= 400, with the raw body even when it is not JSON.
        PyngrokNgrokURLError: unreachable, a redirect loop, or no answer within ``timeout`` (reason ``"timed out"``).
        PyngrokNgrokError: a successful answer whose body is not a JSON object or cannot be decoded.
    """
    from typed_ngrok._aprocess import request_client
    from typed_ngrok._async_agent_api import send_api_request

    return await send_api_request(await request_client(), url, method, data, params, timeout, auth)


# ---- agent twins -------------------------------------------------------------------------------------------------
async def _api(pyngrok_config: PyngrokConfig | None) -> AsyncAgentAPI:
    _process, agent_api, _registry = await _agent(_cfg(pyngrok_config))
    return agent_api


async def get_agent_status(pyngrok_config: PyngrokConfig | None = None) -> NgrokAgent:
    """See :func:`typed_ngrok.agent.get_agent_status` (``GET /api/status``, ngrok >= 3.9).

    Raises:
        PyngrokNgrokHTTPError: the agent has no ``/api/status`` (v2 agents, v3 before 3.9), or refused.
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    from typed_ngrok._errors import no_status_route_error

    agent_api = await _api(pyngrok_config)
    try:
        return NgrokAgent(await agent_api.get_status())
    except PyngrokNgrokHTTPError as exc:
        error = no_status_route_error(agent_api.api_url, exc)
        if error is None:
            raise
        raise error from exc


async def get_requests(
    tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None, *, limit: int | None = None
) -> list[CapturedRequest]:
    """See :func:`typed_ngrok.agent.get_requests`: sorted here, newest ``start`` first (ties by ``id`` descending),
    ``tunnel_name`` matched exactly, the newest ``limit`` of them (``limit`` is not sent to the agent).

    Raises:
        PyngrokError: ``tunnel_name`` is not None or a non-empty string, or ``limit`` is not None or an int >= 1
            (before any I/O).
        PyngrokNgrokError: the agent's answer is malformed.
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    _check_limit(limit)
    name = _captured.check_tunnel_name(tunnel_name)
    items = await (await _api(pyngrok_config)).list_requests(tunnel_name=name)
    return _captured.newest_first((CapturedRequest(item) for item in items), name, limit)


async def get_request(request_id: str, pyngrok_config: PyngrokConfig | None = None) -> CapturedRequest:
    """See :func:`typed_ngrok.agent.get_request`.

    Raises:
        PyngrokError: ``request_id`` is not a non-empty string, is ``.``/``..`` or holds ``/`` or a control character
            (before any I/O).
        PyngrokNgrokHTTPError: unknown id (404, ``error_code`` 106).
        PyngrokNgrokError: the agent's answer is malformed.
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    request_id = _captured.check_request_id(request_id)
    return CapturedRequest(await (await _api(pyngrok_config)).get_request(request_id))


async def replay_request(
    request_id: str, tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None
) -> None:
    """See :func:`typed_ngrok.agent.replay_request`.

    Raises:
        PyngrokError: ``request_id`` or ``tunnel_name`` is malformed (before any I/O).
        PyngrokNgrokHTTPError: unknown id (404, 106); ``TunnelNotFoundError`` for an unknown ``tunnel_name``.
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    request_id = _captured.check_request_id(request_id)
    tunnel_name = _captured.check_tunnel_name(tunnel_name)
    await (await _api(pyngrok_config)).replay_request(request_id, tunnel_name)


async def delete_requests(pyngrok_config: PyngrokConfig | None = None) -> None:
    """See :func:`typed_ngrok.agent.delete_requests`.

    Raises:
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    await (await _api(pyngrok_config)).delete_requests()
