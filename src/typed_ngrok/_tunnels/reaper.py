"""Removing the tunnel of a ``connect`` that timed out (issue 9, item 2).

When the agent does not answer ``POST /api/tunnels`` (or ``/api/endpoints``) within ``request_timeout``, ``connect``
raises, yet the agent may still create the tunnel a moment later (the 2.3.41 agent waits for the edge's bind reply
however long it takes). Nothing the caller was told failed may stay public, and typed-ngrok knows the tunnel's name,
so it removes it:

- the name is recorded as *abandoned* in the agent's :class:`~typed_ngrok._tunnels.registry.TunnelRegistry` (``connect``
  refuses that name until it is settled);
- a background worker (a daemon thread for the sync twin, a task on the agent's event loop for ``aio``) tries
  ``DELETE`` on a short back-off schedule (:func:`reap_schedule`) through the agent's shared client, so the
  tunnel-table lock that keeps 2.3.41 from crashing on concurrent changes orders it too. A 404 means "not created
  yet"; a success (then the ``(http)`` companion too) or the agent becoming unreachable settles it; it gives up after
  :data:`REAP_WINDOW` seconds, or when the agent is killed (the registry's ``closed`` event).

The two workers differ only in their I/O calls; every decision (:func:`_outcome`, the schedule, the messages) is here
once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from typed_ngrok._agent_api.sync import AgentAPI
from typed_ngrok._tunnels.registry import AbandonedTunnel, TunnelRegistry
from typed_ngrok.exception import PyngrokError, PyngrokNgrokURLError

if TYPE_CHECKING:
    from typed_ngrok._agent_api.aio import AsyncAgentAPI

__all__ = [
    "REAP_WINDOW",
    "AbandonedTunnel",
    "abandon_timed_out",
    "check_not_abandoned",
    "reap_schedule",
    "start_reaper",
    "timed_out",
]

logger = logging.getLogger(__name__)

REAP_WINDOW = 120.0  # seconds an abandoned tunnel is waited for


def timed_out(exc: BaseException) -> bool:
    """True when ``exc`` is a request that reached the agent and got no answer in time (so it may still be done)."""
    return isinstance(exc, PyngrokNgrokURLError) and exc.reason == "timed out"


def check_not_abandoned(registry: TunnelRegistry, name: str) -> None:
    """Refuse to reuse the name of a timed-out connect's tunnel while it may still appear (and be removed).

    Raises:
        PyngrokError: ``name`` is abandoned.
    """
    if registry.is_abandoned(name):
        raise PyngrokError(
            f"tunnel name {name!r}: an earlier connect() with this name timed out and its tunnel is being removed; "
            "retry once it is gone, or use another name."
        )


def abandon_timed_out(
    exc: PyngrokNgrokURLError, api: AgentAPI | AsyncAgentAPI, registry: TunnelRegistry, tunnel: AbandonedTunnel
) -> PyngrokNgrokURLError:
    """Start removing ``tunnel`` (see the module docstring); the error for the caller says so (raise it ``from exc``)."""
    start_reaper(api, registry, tunnel)
    return PyngrokNgrokURLError(
        f"{exc} (typed-ngrok removes tunnel {tunnel.name!r} if the agent still creates it)", exc.reason
    )


def reap_schedule(window: float = REAP_WINDOW) -> Iterator[float]:
    """Waits between attempts: 0.05 s doubling to 1 s, then every second, until ``window`` seconds have passed."""
    delay, spent = 0.05, 0.0
    while spent < window:
        yield delay
        spent += delay
        delay = min(delay * 2, 1.0)


def _outcome(exc: BaseException | None) -> str:
    """What one removal attempt means: ``"done"`` (removed), ``"retry"`` (not created yet, or a passing refusal) or
    ``"gone"`` (the agent is unreachable: its tunnels are gone with it)."""
    if exc is None:
        return "done"
    if isinstance(exc, PyngrokNgrokURLError) and exc.reason != "timed out":
        return "gone"
    return "retry"


def _done(tunnel: AbandonedTunnel) -> None:
    logger.info("removed tunnel %r, created by the agent after its connect() timed out", tunnel.name)


def _gave_up(tunnel: AbandonedTunnel) -> None:
    logger.warning("tunnel %r (its connect() timed out) did not appear within %.0f s", tunnel.name, REAP_WINDOW)


def _reap(api: AgentAPI, registry: TunnelRegistry, tunnel: AbandonedTunnel) -> None:
    try:
        for delay in reap_schedule():
            if registry.closed.wait(delay):
                return  # the agent was killed: its tunnels are gone with it
            try:
                (api.stop_endpoint if tunnel.endpoint else api.stop_tunnel)(tunnel.name)
            except PyngrokError as exc:
                if _outcome(exc) == "gone":
                    return
                continue
            for companion in tunnel.companions:
                with contextlib.suppress(PyngrokError):
                    api.stop_tunnel(companion)
            return _done(tunnel)
        _gave_up(tunnel)
    finally:
        registry.settle(tunnel.name)


async def _areap(api: AsyncAgentAPI, registry: TunnelRegistry, tunnel: AbandonedTunnel) -> None:
    try:
        for delay in reap_schedule():
            await asyncio.sleep(delay)
            if registry.closed.is_set():
                return
            try:
                await (api.stop_endpoint if tunnel.endpoint else api.stop_tunnel)(tunnel.name)
            except PyngrokError as exc:
                if _outcome(exc) == "gone":
                    return
                continue
            for companion in tunnel.companions:
                with contextlib.suppress(PyngrokError):
                    await api.stop_tunnel(companion)
            return _done(tunnel)
        _gave_up(tunnel)
    finally:
        registry.settle(tunnel.name)


_tasks: set[asyncio.Task[None]] = set()  # keeps the async reapers referenced until they finish


def start_reaper(api: AgentAPI | AsyncAgentAPI, registry: TunnelRegistry, tunnel: AbandonedTunnel) -> None:
    """Record ``tunnel`` as abandoned and start removing it through ``api`` (the agent's shared client, so its
    tunnel-table lock also orders these calls): a daemon thread for the sync twin, a task for the async one."""
    registry.abandon(tunnel)
    if isinstance(api, AgentAPI):
        name = f"typed-ngrok-reap-{tunnel.name}"
        threading.Thread(target=_reap, args=(api, registry, tunnel), name=name, daemon=True).start()
    else:
        task = asyncio.get_running_loop().create_task(_areap(api, registry, tunnel))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)
