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
import sys
from typing import TYPE_CHECKING, Any, Unpack

from typed_ngrok import __version__, _docs, ngrok
from typed_ngrok._agent_process.aio import AsyncNgrokProcess
from typed_ngrok._tunnels.resolve import check_public_url as _check_public_url
from typed_ngrok._tunnels.resolve import resolve_config as _cfg
from typed_ngrok.agent import CapturedRequest, NgrokAgent
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.ngrok import ConnectedTunnel, NgrokApiResponse, NgrokTunnel, Proto, TunnelOptions

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from typed_ngrok._agent_api.aio import AsyncAgentAPI
    from typed_ngrok._tunnels.flows import Agent

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
    "tunnel",
    "update",
]

AsyncNgrokProcess.__module__ = __name__


async def _agent(cfg: PyngrokConfig) -> Agent[AsyncAgentAPI]:
    from typed_ngrok._tunnels.flows import Agent, require_api_url
    from typed_ngrok._tunnels.registry import registry_for

    process = await get_ngrok_process(cfg)
    api_url = require_api_url(process.api_url, cfg.ngrok_path)
    return Agent(cfg, api_url, process.agent_api(float(cfg.request_timeout)), registry_for(cfg.ngrok_path, api_url))


# ---- ngrok twins -------------------------------------------------------------------------------------------------
async def install_ngrok(pyngrok_config: PyngrokConfig | None = None) -> None:
    """See :func:`typed_ngrok.ngrok.install_ngrok` (download and file writes run in a worker thread).

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokInstallError: the download, verification or unpacking failed.
    """
    await asyncio.to_thread(ngrok.install_ngrok, _cfg(pyngrok_config))


async def set_auth_token(token: str, pyngrok_config: PyngrokConfig | None = None) -> None:
    """See :func:`typed_ngrok.ngrok.set_auth_token` (a config file edit, in a worker thread; never on argv).

    Args:
        token: the ngrok authtoken; never put on a command line and masked in logs and errors.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokError: the config file cannot be written.
    """
    await asyncio.to_thread(ngrok.set_auth_token, token, _cfg(pyngrok_config))


async def set_api_key(key: str, pyngrok_config: PyngrokConfig | None = None) -> None:
    """See :func:`typed_ngrok.ngrok.set_api_key` (a config file edit, in a worker thread; never on argv).

    Args:
        key: the ngrok API key; never put on a command line and masked in logs and errors.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokError: the config file cannot be written.
    """
    await asyncio.to_thread(ngrok.set_api_key, key, _cfg(pyngrok_config))


async def get_ngrok_process(pyngrok_config: PyngrokConfig | None = None) -> AsyncNgrokProcess:
    """The running agent for ``ngrok_path`` on this event loop, installing and starting it first when needed.

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        ProcessStartError: the agent exited, printed a fatal error, or was not ready within ``startup_timeout``.
        PyngrokNgrokInstallError: installing it failed.
        PyngrokError: the agent for that path belongs to another running event loop.
    """
    from typed_ngrok._agent_process import aio as agent_aio

    cfg = _cfg(pyngrok_config)
    if not await agent_aio.is_process_running(cfg.ngrok_path):
        await install_ngrok(cfg)
    return await agent_aio.get_process(cfg)


async def connect(
    addr: str | int | None = None,
    proto: Proto | None = None,
    name: str | None = None,
    pyngrok_config: PyngrokConfig | None = None,
    **options: Unpack[TunnelOptions],
) -> ConnectedTunnel:
    """The async twin of :func:`typed_ngrok.ngrok.connect`: the same argument checks, the same refusal of a ``name`` in
    use, the same result and errors. Its Args, Other Parameters and Raises follow (``typed_ngrok._docs``)."""
    from typed_ngrok._drive import run_async
    from typed_ngrok._tunnels import flows

    cfg = _cfg(pyngrok_config)
    request = flows.connect_request(cfg, addr, proto, name, options)
    agent = await _agent(cfg)
    return await run_async(flows.connect(agent, request), agent.api)


async def connect_all(pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
    """See :func:`typed_ngrok.ngrok.connect_all` (definitions are started in order, one after another).

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        The same errors as :func:`connect`.
    """
    from typed_ngrok._tunnels.flows import connect_all_names

    cfg = _cfg(pyngrok_config)
    return [await connect(name=item, pyngrok_config=cfg) for item in connect_all_names(cfg)]


async def get_tunnels(pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
    """See :func:`typed_ngrok.ngrok.get_tunnels`.

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        The same errors as :func:`typed_ngrok.ngrok.get_tunnels`, with the same messages.
    """
    from typed_ngrok._drive import run_async
    from typed_ngrok._tunnels import flows

    agent = await _agent(_cfg(pyngrok_config))
    return await run_async(flows.get_tunnels(agent), agent.api)


async def disconnect(public_url: str, pyngrok_config: PyngrokConfig | None = None) -> None:
    """See :func:`typed_ngrok.ngrok.disconnect` (also removes the v2 ``(http)`` companion; never starts an agent).

    Args:
        public_url: the ``public_url`` of a tunnel ``connect`` or ``get_tunnels`` returned.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        The same errors as :func:`typed_ngrok.ngrok.disconnect`, with the same messages.
    """
    from typed_ngrok._agent_process import aio as agent_aio
    from typed_ngrok._drive import run_async
    from typed_ngrok._tunnels import flows

    _check_public_url(public_url)
    cfg = _cfg(pyngrok_config)
    if not await agent_aio.is_process_running(cfg.ngrok_path):
        return
    agent = await _agent(cfg)
    await run_async(flows.disconnect(agent, public_url), agent.api)


@contextlib.asynccontextmanager
async def tunnel(
    addr: str | int | None = None,
    proto: Proto | None = None,
    name: str | None = None,
    pyngrok_config: PyngrokConfig | None = None,
    **options: Unpack[TunnelOptions],
) -> AsyncIterator[ConnectedTunnel]:
    """The async twin of :func:`typed_ngrok.ngrok.tunnel`: ``async with aio.tunnel(8000) as opened:`` connects on
    entering and disconnects on leaving (also when the body raises or is cancelled), with the same decisions and
    errors. Its Args and Raises follow (``typed_ngrok._docs``)."""
    from typed_ngrok._drive import run_async
    from typed_ngrok._tunnels import scope

    cfg = _cfg(pyngrok_config)
    this = sys.modules[__name__]  # the flows await this module's connect/disconnect
    opened = await run_async(scope.open_tunnel(addr, proto, name, cfg, options), this)
    try:
        yield opened
    except BaseException as error:
        await run_async(scope.close_tunnel(opened, cfg, error), this)
        raise
    await run_async(scope.close_tunnel(opened, cfg, None), this)


async def kill(pyngrok_config: PyngrokConfig | None = None) -> None:
    """Stop the aio agent for ``ngrok_path`` (SIGTERM, then SIGKILL; reaped) and forget its tunnels. No-op if none.

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokError: the process could not be stopped.
        PyngrokError: the agent for that path belongs to another running event loop.
    """
    from typed_ngrok._agent_process import aio as agent_aio
    from typed_ngrok._tunnels.registry import forget_agent

    cfg = _cfg(pyngrok_config)
    forget_agent(cfg.ngrok_path, await agent_aio.kill_process(cfg.ngrok_path))


async def api(*args: Any, pyngrok_config: PyngrokConfig | None = None) -> NgrokApiResponse:
    """See :func:`typed_ngrok.ngrok.api` (``ngrok api <args>`` as an asyncio subprocess; v3 agents).

    Args:
        *args: the arguments after ``ngrok api``, e.g. ``api("endpoints", "list")``.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokError: the command exited with a non-zero code (its output is in the message).
        PyngrokError: the private config file could not be written.
    """
    from typed_ngrok._agent_process import aio as agent_aio
    from typed_ngrok._agent_process import commands

    cfg = _cfg(pyngrok_config)
    with commands.api_command(cfg, args) as command:
        output = await agent_aio.capture_run_process(cfg.ngrok_path, command.args, secrets=command.secrets)
    return NgrokApiResponse.from_body(output)


async def get_version(pyngrok_config: PyngrokConfig | None = None) -> tuple[str, str]:
    """See :func:`typed_ngrok.ngrok.get_version`: ``(agent version, typed-ngrok version)``.

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokError: ``ngrok --version`` failed.
    """
    from typed_ngrok._agent_process import aio as agent_aio
    from typed_ngrok._agent_process import commands

    cfg = _cfg(pyngrok_config)
    await install_ngrok(cfg)
    output = await agent_aio.capture_run_process(cfg.ngrok_path, list(commands.VERSION_ARGS))
    return commands.parse_version(output), __version__


async def update(pyngrok_config: PyngrokConfig | None = None) -> str:
    """See :func:`typed_ngrok.ngrok.update` (contacts ngrok's update server).

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokError: the command failed (its output, secrets masked, is in the message).
    """
    from typed_ngrok._agent_process import aio as agent_aio
    from typed_ngrok._agent_process import commands

    cfg = _cfg(pyngrok_config)
    await install_ngrok(cfg)
    command = commands.update_command(cfg)
    return await agent_aio.capture_run_process(cfg.ngrok_path, command.args, secrets=command.secrets)


async def api_request(
    url: str,
    method: str = "GET",
    data: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    timeout: float = 4,
    auth: str | None = None,
) -> dict[str, Any]:
    """See :func:`typed_ngrok.ngrok.api_request` (one kept-alive ``httpx.AsyncClient`` per event loop).

    Args:
        url: an ``http``/``https`` URL: the agent's API, or ``https://api.ngrok.com/...`` with ``auth``.
        method: the HTTP method, default ``"GET"``.
        data: a JSON-serialisable dict sent as the body whenever it is not None (``{}`` too).
        params: query parameters.
        timeout: seconds to wait for the answer (a finite number > 0).
        auth: an ngrok API key, sent as ``Authorization: Bearer <auth>`` with ``Ngrok-Version: 2``; never shown.

    Raises:
        The same errors as :func:`typed_ngrok.ngrok.api_request`, with the same messages.
    """
    from typed_ngrok._agent_api.api_request import asend_api_request
    from typed_ngrok._agent_process.aio import request_client

    return await asend_api_request(await request_client(), url, method, data, params, timeout, auth)


# ---- agent twins -------------------------------------------------------------------------------------------------
async def _api(pyngrok_config: PyngrokConfig | None) -> Agent[AsyncAgentAPI]:
    return await _agent(_cfg(pyngrok_config))


async def get_agent_status(pyngrok_config: PyngrokConfig | None = None) -> NgrokAgent:
    """See :func:`typed_ngrok.agent.get_agent_status` (``GET /api/status``, ngrok >= 3.9).

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        The same errors as :func:`typed_ngrok.agent.get_agent_status`, with the same messages.
    """
    from typed_ngrok._drive import run_async
    from typed_ngrok._tunnels import flows

    agent = await _api(pyngrok_config)
    return await run_async(flows.agent_status(agent), agent.api)


async def get_requests(
    tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None, *, limit: int | None = None
) -> list[CapturedRequest]:
    """See :func:`typed_ngrok.agent.get_requests`: sorted here, newest ``start`` first (ties by ``id`` descending),
    ``tunnel_name`` matched exactly, the newest ``limit`` of them (``limit`` is not sent to the agent).

    Args:
        tunnel_name: only the requests of the tunnel with exactly this name; None: every tunnel's.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.
        limit: at most this many (the newest) requests; None: all of them.

    Raises:
        The same errors as :func:`typed_ngrok.agent.get_requests`, with the same messages.
    """
    from typed_ngrok._drive import run_async
    from typed_ngrok._tunnels import flows

    flow = flows.get_requests(tunnel_name, limit)
    return await run_async(flow, (await _api(pyngrok_config)).api)


async def get_request(request_id: str, pyngrok_config: PyngrokConfig | None = None) -> CapturedRequest:
    """See :func:`typed_ngrok.agent.get_request`.

    Args:
        request_id: the ``id`` of a captured request (``CapturedRequest.id``).
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        The same errors as :func:`typed_ngrok.agent.get_request`, with the same messages.
    """
    from typed_ngrok._drive import run_async
    from typed_ngrok._tunnels import flows

    flow = flows.get_request(request_id)
    return await run_async(flow, (await _api(pyngrok_config)).api)


async def replay_request(
    request_id: str, tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None
) -> None:
    """See :func:`typed_ngrok.agent.replay_request`.

    Args:
        request_id: the ``id`` of a captured request (``CapturedRequest.id``).
        tunnel_name: replay through this tunnel's upstream instead of the request's own tunnel; None: its own.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        The same errors as :func:`typed_ngrok.agent.replay_request`, with the same messages.
    """
    from typed_ngrok._drive import run_async
    from typed_ngrok._tunnels import flows

    flow = flows.replay_request(request_id, tunnel_name)
    await run_async(flow, (await _api(pyngrok_config)).api)


async def delete_requests(pyngrok_config: PyngrokConfig | None = None) -> None:
    """See :func:`typed_ngrok.agent.delete_requests`.

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        The same errors as :func:`typed_ngrok.agent.delete_requests`, with the same messages.
    """
    from typed_ngrok._drive import run_async
    from typed_ngrok._tunnels import flows

    await run_async(flows.delete_requests(), (await _api(pyngrok_config)).api)


_docs.share_sections(__name__, globals())  # the sync twins' docstring sections, written once
