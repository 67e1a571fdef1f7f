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
  yet", for the ``(http)`` companion too (2.3.41 may add it after the tunnel itself); removing both, or the agent
  becoming unreachable, settles it; it gives up after :data:`REAP_WINDOW` seconds, or when the agent is killed (the
  registry's ``closed`` event).

The removal is one flow (:func:`_reap`, see :mod:`typed_ngrok._drive`) driven by both workers; they differ only in
their I/O (``_ThreadIO``/``_TaskIO``). The running async workers are kept referenced in the registry module, where
this concern's state lives.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from typed_ngrok._agent_api.sync import AgentAPI
from typed_ngrok._drive import Call, Flow, run_async, run_sync
from typed_ngrok._tunnels.registry import AbandonedTunnel, TunnelRegistry, keep_until_done
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


def _reap(registry: TunnelRegistry, tunnel: AbandonedTunnel) -> Flow[None]:
    """The removal, written once: wait (``pause`` answers whether the agent was killed meanwhile), then ``DELETE`` the
    tunnel and each companion in turn, deciding with :func:`_outcome`. One not created yet (404) is retried after the
    next wait, the companion too: 2.3.41 may add ``<name> (http)`` only after ``<name>`` is already there (and gone).
    The sync worker runs it with :func:`run_sync`, the async one with :func:`run_async`."""
    pending = [("stop_endpoint" if tunnel.endpoint else "stop_tunnel", tunnel.name)]
    pending += [("stop_tunnel", companion) for companion in tunnel.companions]
    try:
        for delay in reap_schedule():
            if (yield Call("pause", (delay,))):
                return  # the agent was killed: its tunnels are gone with it
            while pending:
                method, name = pending[0]
                try:
                    yield Call(method, (name,))
                except PyngrokError as exc:
                    if _outcome(exc) == "gone":
                        return
                    break  # not there yet (or a passing refusal): again after the next wait
                del pending[0]
            if not pending:
                return _done(tunnel)
        _gave_up(tunnel)
    finally:
        registry.settle(tunnel.name)


@dataclass(frozen=True)
class _ThreadIO:
    """The sync worker's I/O: a wait on the registry's ``closed`` event, calls through the shared client."""

    api: AgentAPI
    registry: TunnelRegistry

    def pause(self, delay: float) -> bool:
        return self.registry.closed.wait(delay)

    def stop_endpoint(self, name: str) -> None:
        self.api.stop_endpoint(name)

    def stop_tunnel(self, name: str) -> None:
        self.api.stop_tunnel(name)


@dataclass(frozen=True)
class _TaskIO:
    """The async worker's I/O: a loop sleep, then the ``closed`` check; calls through the shared async client."""

    api: AsyncAgentAPI
    registry: TunnelRegistry

    async def pause(self, delay: float) -> bool:
        await asyncio.sleep(delay)
        return self.registry.closed.is_set()

    async def stop_endpoint(self, name: str) -> None:
        await self.api.stop_endpoint(name)

    async def stop_tunnel(self, name: str) -> None:
        await self.api.stop_tunnel(name)


def start_reaper(api: AgentAPI | AsyncAgentAPI, registry: TunnelRegistry, tunnel: AbandonedTunnel) -> None:
    """Record ``tunnel`` as abandoned and start removing it through ``api`` (the agent's shared client, so its
    tunnel-table lock also orders these calls): a daemon thread for the sync twin, a task for the async one."""
    registry.abandon(tunnel)
    if isinstance(api, AgentAPI):
        name = f"typed-ngrok-reap-{tunnel.name}"
        flow, io = _reap(registry, tunnel), _ThreadIO(api, registry)
        threading.Thread(target=run_sync, args=(flow, io), name=name, daemon=True).start()
    else:
        task = asyncio.get_running_loop().create_task(run_async(_reap(registry, tunnel), _TaskIO(api, registry)))
        keep_until_done(task)
