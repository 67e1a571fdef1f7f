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
  tunnel created through its API. :meth:`TunnelRegistry.begin_restart` (when the agent logs the restart) counts a
  new restart *generation* and takes the tunnels opened by ``connect`` off the registry as the plan, each with the
  request that made it, in connect order. Once the new session is up (:meth:`start_reopening`),
  :mod:`typed_ngrok._tunnels.restart` opens them again, one at a time, taking each from the plan
  (:meth:`next_to_reopen`, which stops when the generation changed) and reporting its outcome
  (:meth:`settle_reopened`); :meth:`end_reopening` ends a pass (waiters: :meth:`wait_restarts`). The plan stays in
  the registry while it is worked on, so:

  * ``disconnect`` of a URL still in the plan (or whose connect is in flight) cancels it
    (:meth:`cancel_restart`): it is dropped from the plan, and a connect already in flight is stopped as soon as it
    ends (the re-creation does it); :meth:`remove`, after the stop, cancels it again (the agent may answer the stop
    and restart before ``disconnect`` forgets the tunnel: the plan then holds it);
  * a restart *during* a pass loses nothing: :meth:`begin_restart` puts into the plan the tunnels opened so far, the
    ones that failed in this pass, the one in flight, and leaves the untried ones there; the pass ends without its
    listing, and one re-creation runs at a time (a session up while one runs is handed to it, never to a second).
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
from typing import TYPE_CHECKING, Literal

from typed_ngrok._tunnels.requests import companion_name

if TYPE_CHECKING:
    import asyncio

    from typed_ngrok._tunnels.model import NgrokTunnel
    from typed_ngrok._tunnels.requests import TunnelRequest

__all__ = [
    "AbandonedTunnel",
    "Listing",
    "Recreate",
    "Settled",
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


Settled = Literal["keep", "stop", "drop"]
"""What becomes of a tunnel opened again after a restart (:meth:`TunnelRegistry.settle_reopened`)."""


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
        self._generation = 0  # restarts seen (begin_restart)
        self._back = 0  # the generation whose new session is up (start_reopening)
        self._reopening = False  # a re-creation runs (one at a time)
        self._in_flight: Recreate | None = None  # the plan item whose connect runs now
        self._in_flight_cancelled = False  # disconnected by the user while its connect ran
        self._failed: list[Recreate] = []  # failed in the running pass: planned again if the agent restarts again
        self._restarts = 0  # the last generation handled (end_reopening), for wait_restarts
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
        ones recorded now). The user stopped it: a restart seen since ``disconnect`` checked the plan (the agent
        answered the stop and then re-executed itself) must not open it again, so it also leaves the restart plan
        (as with :meth:`cancel_restart`)."""
        with self._lock:
            self._cancel(public_url)
            self._remove(public_url, companions)

    def _remove(self, public_url: str, companions: list[str] | None = None) -> None:
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
        companions = {
            url: [companion_name(t.name)] for url, t in fresh.items() if t.name and companion_name(t.name) in names
        }
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
    @property
    def generation(self) -> int:
        """The number of restarts seen (:meth:`begin_restart`)."""
        with self._lock:
            return self._generation

    def begin_restart(self) -> list[Recreate]:
        """The agent restarted and lost its API-created tunnels: a new generation. Forget every tunnel (as a local
        change, so a listing in flight cannot bring one back) and keep the ones ``connect`` opened, with their
        requests, as the plan, followed by what a running re-creation had not opened yet (its failures, its connect
        in flight, its untried items: see the module docstring). Returns the plan."""
        with self._lock:
            self._seq += 1
            self._generation += 1
            for url in self._tunnels:
                self._touch(url)
            flight = self._in_flight
            cancelled = flight.request if flight is not None and self._in_flight_cancelled else None
            opened = [Recreate(request, url) for url, request in self._requests.items() if request is not cancelled]
            pending = list(self._failed)
            if flight is not None and cancelled is None and all(o.request is not flight.request for o in opened):
                pending.append(flight)  # its connect may still fail or land on the old session: plan it again
            self._restart_plan = [*opened, *pending, *self._restart_plan]
            self._failed = []
            self._tunnels, self._companions, self._requests = {}, {}, {}
            self._changed.notify_all()
            return list(self._restart_plan)

    def restart_plan(self) -> list[Recreate]:
        """The tunnels still to open again after a restart, in order."""
        with self._lock:
            return list(self._restart_plan)

    def cancel_restart(self, public_url: str) -> bool:
        """``disconnect(public_url)`` while the restarted agent's tunnels are to be opened again: drop it from the
        plan; if its connect runs now, the re-creation stops it when it ends (:meth:`settle_reopened`). True when
        ``public_url`` was planned or in flight."""
        with self._lock:
            return self._cancel(public_url)

    def _cancel(self, public_url: str) -> bool:
        planned = len(self._restart_plan) + len(self._failed)
        self._restart_plan = [item for item in self._restart_plan if item.public_url != public_url]
        self._failed = [item for item in self._failed if item.public_url != public_url]
        cancelled = len(self._restart_plan) + len(self._failed) != planned
        if self._in_flight is not None and self._in_flight.public_url == public_url:
            self._in_flight_cancelled = cancelled = True
        return cancelled

    def start_reopening(self) -> int | None:
        """The restarted agent's new session is up: the generation to open the plan again for, or None when a
        re-creation runs already (it goes on with this generation when its pass ends: :meth:`end_reopening`)."""
        with self._lock:
            self._back = self._generation
            if self._reopening:
                return None
            self._reopening = True
            return self._generation

    def next_to_reopen(self, generation: int) -> Recreate | None:
        """The next tunnel of the plan to open again (now in flight), or None: the plan is done, the agent restarted
        again since ``generation`` (the rest stays planned) or it was killed."""
        with self._lock:
            if generation != self._generation or not self._restart_plan or self.closed.is_set():
                return None
            item = self._restart_plan.pop(0)
            self._in_flight, self._in_flight_cancelled = item, False
            return item

    def settle_reopened(self, item: Recreate, public_url: str | None, generation: int) -> Settled:
        """The connect of the in-flight ``item`` ended, at ``public_url`` (None: it failed). ``"keep"``: it is open
        again; ``"stop"``: it opened but was disconnected meanwhile, the caller stops it; ``"drop"``: nothing to do
        (it failed, or the agent restarted meanwhile: it is planned again unless cancelled, and a tunnel recorded
        after that restart, which belongs to the old session, is forgotten)."""
        with self._lock:
            cancelled = self._in_flight_cancelled
            self._in_flight, self._in_flight_cancelled = None, False
            if generation != self._generation:
                if public_url is not None and self._requests.get(public_url) is item.request:
                    self._remove(public_url)
                return "drop"
            if public_url is None:
                if not cancelled:
                    self._failed.append(item)  # logged by the caller; planned again only if the agent restarts now
                return "drop"
            return "stop" if cancelled else "keep"

    def end_reopening(self, generation: int, *, completed: bool, go_on: bool = True) -> int | None:
        """A pass of the re-creation for ``generation`` ended (``completed``: not cut short by another restart; it
        then counts for :meth:`wait_restarts`). Returns the generation to go on with when the agent restarted
        meanwhile and its new session is up already (the same re-creation goes on, ``go_on`` allowing), else None:
        the re-creation is over."""
        with self._changed:
            self._failed = []
            if completed and generation > self._restarts:
                self._restarts = generation
                self._changed.notify_all()
            if go_on and not self.closed.is_set() and self._back == self._generation != generation:
                return self._generation
            self._reopening = False
            return None

    def wait_restarts_seen(self, count: int, timeout: float) -> bool:
        """Block until ``count`` restarts were seen (:meth:`begin_restart`), or ``timeout`` seconds; True when they
        were."""
        with self._changed:
            return self._changed.wait_for(lambda: self._generation >= count, timeout)

    def wait_restarts(self, count: int, timeout: float) -> bool:
        """Block until the re-creation of restart ``count`` (and those before it) is over (:meth:`end_reopening`),
        or ``timeout`` seconds; True when it was."""
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
