"""Per-agent, thread-safe registry of the tunnels typed-ngrok opened or listed (pyngrok's ``_current_tunnels``).

pyngrok keeps one unlocked global dict for every agent, wiped by any ``get_tunnels``/``kill``. Here each agent
(keyed by ``ngrok_path``, as the process registry is) has its own registry behind a lock, reset when the agent's
``api_url`` changes (a restarted agent), and a v2 http tunnel remembers the ``<name> (http)`` companion the agent
created for it so ``disconnect`` removes both.

Concurrency rules (no lock is held across I/O; the sync and async twins use the same registry):

- A listing (``get_tunnels``) is a snapshot taken while other threads or tasks connect and disconnect. It is applied
  with :meth:`TunnelRegistry.listing`: every ``public_url`` this registry added or removed *after the listing was
  started* keeps its local state, so a stale listing can neither re-add a tunnel another caller just removed nor drop
  one just added (nor the companions recorded for it).
- ``disconnect`` reads the companions *before* it stops the tunnel, so a listing landing in between cannot make it
  forget the ``(http)`` twin.
- A restarted agent (ngrok's Restart command: the agent re-executes itself and opens a new session) has lost every
  tunnel created through its API. :meth:`TunnelRegistry.begin_restart` (when the agent logs the restart) takes the
  tunnels opened by ``connect`` off the registry as a plan, each with the request that made it, in connect order;
  :mod:`typed_ngrok._tunnels.restart` opens them again once the new session is up (:meth:`take_restart_plan`) and
  ends with a listing, then :meth:`finish_restart` (waiters: :meth:`wait_restarts`).
- A ``connect`` that timed out may still be carried out by the agent afterwards. Its tunnel name is *abandoned*:
  :mod:`typed_ngrok._tunnels.reaper` removes it (and its companion) as soon as the agent creates it, and ``connect``
  refuses that name until then.

This module holds all of the tunnels concern's module-level state: the registries by ``ngrok_path`` and the running
async reapers (kept referenced until they finish).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

    from typed_ngrok._tunnels.model import NgrokTunnel
    from typed_ngrok._tunnels.requests import TunnelRequest

__all__ = [
    "AbandonedTunnel",
    "Listing",
    "Recreate",
    "TunnelRegistry",
    "drop_registry",
    "forget_agent",
    "keep_until_done",
    "registry_for",
]


@dataclass(frozen=True)
class AbandonedTunnel:
    """A tunnel whose ``connect`` failed on a timeout but which the agent may still create."""

    name: str
    endpoint: bool  # created through ``/api/endpoints`` (v3) rather than ``/api/tunnels``
    companions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recreate:
    """A tunnel to open again after the agent restarted: the ``connect`` request that opened it, and its URL then."""

    request: TunnelRequest
    public_url: str


@dataclass
class Listing:
    """A listing in flight: apply the agent's answer with :meth:`apply` inside :meth:`TunnelRegistry.listing`."""

    registry: TunnelRegistry
    since: int
    applied: bool = field(default=False)

    def apply(self, tunnels: Sequence[NgrokTunnel]) -> None:
        self.registry._apply_listing(tunnels, self.since)
        self.applied = True


class TunnelRegistry:
    """Tunnels of one agent by ``public_url``, plus the companion tunnel names each one owns."""

    def __init__(self, api_url: str | None) -> None:
        self.api_url = api_url
        self.endpoints_supported: bool | None = None  # learnt on first use for config_version "3"
        self.closed = threading.Event()  # set when the agent is forgotten (killed): background cleanups stop
        self._lock = threading.Lock()
        self._tunnels: dict[str, NgrokTunnel] = {}
        self._companions: dict[str, list[str]] = {}
        self._seq = 0  # bumped by every local add/remove
        self._touched: dict[str, int] = {}  # public_url -> seq of its last local add/remove (while listings run)
        self._listings: list[int] = []  # the ``since`` of every listing in flight
        self._abandoned: dict[str, AbandonedTunnel] = {}
        self._requests: dict[str, TunnelRequest] = {}  # public_url -> the connect request, in connect order
        self._restart_plan: list[Recreate] = []  # taken at a restart, opened again once the new session is up
        self._restarts = 0  # restarts handled (finish_restart), for wait_restarts
        self._changed = threading.Condition(self._lock)

    # -- local changes --------------------------------------------------------------------------------------
    def _touch(self, url: str) -> None:
        if self._listings:  # only listings in flight need to know; nothing piles up otherwise
            self._touched[url] = self._seq

    def add(
        self,
        tunnel: NgrokTunnel,
        companions: list[str] | None = None,
        companion_tunnels: list[NgrokTunnel] | None = None,
        request: TunnelRequest | None = None,
    ) -> None:
        """Record ``tunnel`` (it must have a ``public_url``), the names of its companions and, when known, the
        companion tunnels themselves (so the registry lists what the agent lists), and the ``connect`` ``request``
        that opened it (to open it again after the agent restarts)."""
        if tunnel.public_url is None:
            return
        with self._lock:
            self._seq += 1
            self._tunnels[tunnel.public_url] = tunnel
            self._touch(tunnel.public_url)
            if request is not None:
                self._requests[tunnel.public_url] = request
            if companions:
                self._companions[tunnel.public_url] = list(companions)
            for twin in companion_tunnels or ():
                if twin.public_url is not None:
                    self._tunnels[twin.public_url] = twin
                    self._touch(twin.public_url)

    def remove(self, public_url: str, companions: list[str] | None = None) -> None:
        """Forget ``public_url`` and its companions (``companions``, as read before the tunnel was stopped, plus the
        ones recorded now)."""
        with self._lock:
            self._seq += 1
            self._tunnels.pop(public_url, None)
            self._requests.pop(public_url, None)
            self._touch(public_url)
            gone = set(self._companions.pop(public_url, ())) | set(companions or ())
            if gone:
                for url in [u for u, t in self._tunnels.items() if t.name in gone]:
                    del self._tunnels[url]
                    self._touch(url)

    # -- listings -------------------------------------------------------------------------------------------
    @contextmanager
    def listing(self) -> Iterator[Listing]:
        """Start a listing *before* asking the agent; :meth:`Listing.apply` its answer. See the module docstring."""
        with self._lock:
            since = self._seq
            self._listings.append(since)
        current = Listing(self, since)
        try:
            yield current
        finally:
            if not current.applied:
                with self._lock:
                    self._end_listing(since)

    def _end_listing(self, since: int) -> None:
        self._listings.remove(since)
        oldest = min(self._listings, default=None)
        if oldest is None:
            self._touched.clear()
        else:
            self._touched = {url: seq for url, seq in self._touched.items() if seq > oldest}

    def _apply_listing(self, tunnels: Sequence[NgrokTunnel], since: int) -> None:
        names = {t.name for t in tunnels if t.name}
        fresh = {t.public_url: t for t in tunnels if t.public_url}
        companions = {url: [f"{t.name} (http)"] for url, t in fresh.items() if t.name and f"{t.name} (http)" in names}
        with self._lock:
            for url, seq in self._touched.items():
                if seq <= since:
                    continue  # the listing is newer than this local change
                if url in self._tunnels:
                    fresh[url] = self._tunnels[url]
                    if url in self._companions:
                        companions[url] = self._companions[url]
                else:
                    fresh.pop(url, None)
                    companions.pop(url, None)
            self._tunnels = fresh
            self._companions = companions
            self._requests = {url: request for url, request in self._requests.items() if url in fresh}
            self._end_listing(since)

    # -- reads ----------------------------------------------------------------------------------------------
    def get(self, public_url: str) -> NgrokTunnel | None:
        with self._lock:
            return self._tunnels.get(public_url)

    def companions(self, public_url: str) -> list[str]:
        with self._lock:
            return list(self._companions.get(public_url, ()))

    def tunnels(self) -> list[NgrokTunnel]:
        with self._lock:
            return list(self._tunnels.values())

    # -- a restarted agent ----------------------------------------------------------------------------------
    def begin_restart(self) -> list[Recreate]:
        """The agent restarted and lost its API-created tunnels: forget every tunnel (as a local change, so a listing
        in flight cannot bring one back) and keep the ones ``connect`` opened, with their requests, as the plan
        (added to a plan not yet taken, when the agent restarts twice before its new session is up). Returns the
        plan so far."""
        with self._lock:
            self._seq += 1
            for url in self._tunnels:
                self._touch(url)
            self._restart_plan += [Recreate(request, url) for url, request in self._requests.items()]
            self._tunnels, self._companions, self._requests = {}, {}, {}
            return list(self._restart_plan)

    def take_restart_plan(self) -> list[Recreate]:
        """The tunnels to open again now that the restarted agent's session is up (see :meth:`begin_restart`)."""
        with self._lock:
            plan, self._restart_plan = self._restart_plan, []
            return plan

    def finish_restart(self) -> None:
        """The re-creation after a restart is over (whatever its outcome): wake :meth:`wait_restarts`."""
        with self._changed:
            self._restarts += 1
            self._changed.notify_all()

    def wait_restarts(self, count: int, timeout: float) -> bool:
        """Block until ``count`` restarts were handled (:meth:`finish_restart`), or ``timeout`` seconds; True when
        they were."""
        with self._changed:
            return self._changed.wait_for(lambda: self._restarts >= count, timeout)

    # -- abandoned connects ---------------------------------------------------------------------------------
    def abandon(self, tunnel: AbandonedTunnel) -> None:
        """Record a timed-out connect's tunnel, to be removed once the agent creates it."""
        with self._lock:
            self._abandoned[tunnel.name] = tunnel

    def is_abandoned(self, name: str) -> bool:
        with self._lock:
            return name in self._abandoned

    def settle(self, name: str) -> None:
        """The abandoned tunnel ``name`` was removed (or can no longer appear)."""
        with self._lock:
            self._abandoned.pop(name, None)


# This concern's module-level state, all of it: the registries by ``ngrok_path`` and the running async reapers.
_registries: dict[str, TunnelRegistry] = {}
_lock = threading.Lock()
_background: set[asyncio.Task[None]] = set()  # async reapers (see reaper), kept referenced until they finish


def keep_until_done(task: asyncio.Task[None]) -> None:
    """Hold ``task`` (a background async reaper) until it finishes: the event loop keeps only weak references."""
    _background.add(task)
    task.add_done_callback(_background.discard)


def registry_for(ngrok_path: str, api_url: str | None) -> TunnelRegistry:
    """The registry of the agent at ``ngrok_path``; a new one when that agent now has a different ``api_url``."""
    with _lock:
        registry = _registries.get(ngrok_path)
        if registry is None or registry.api_url != api_url:
            if registry is not None:
                registry.closed.set()
            registry = _registries[ngrok_path] = TunnelRegistry(api_url)
        return registry


def forget_agent(ngrok_path: str, api_url: str | None) -> None:
    """After ``kill`` (either twin): drop the agent's registry (its background cleanups stop) and close the sync API
    client of ``api_url`` (``NgrokTunnel.refresh_metrics`` uses it for ``aio`` tunnels too)."""
    from typed_ngrok._agent_api.sync import close_agent_api

    drop_registry(ngrok_path)
    close_agent_api(api_url)


def drop_registry(ngrok_path: str) -> None:
    """Forget the agent at ``ngrok_path`` (it was killed); its background cleanups stop."""
    with _lock:
        registry = _registries.pop(ngrok_path, None)
    if registry is not None:
        registry.closed.set()
