"""Per-agent, thread-safe registry of the tunnels typed-ngrok opened or listed (pyngrok's ``_current_tunnels``).

pyngrok keeps one unlocked global dict for every agent, wiped by any ``get_tunnels``/``kill``. Here each agent
(keyed by ``ngrok_path``, as the process registry is) has its own registry behind a lock, reset when the agent's
``api_url`` changes (a restarted agent), and a v2 http tunnel remembers the ``<name> (http)`` companion the agent
created for it so ``disconnect`` removes both.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typed_ngrok._tunnel import NgrokTunnel

__all__ = ["TunnelRegistry", "drop_registry", "registry_for"]


class TunnelRegistry:
    """Tunnels of one agent by ``public_url``, plus the companion tunnel names each one owns."""

    def __init__(self, api_url: str | None) -> None:
        self.api_url = api_url
        self.endpoints_supported: bool | None = None  # learnt on first use for config_version "3"
        self._lock = threading.Lock()
        self._tunnels: dict[str, NgrokTunnel] = {}
        self._companions: dict[str, list[str]] = {}

    def add(self, tunnel: NgrokTunnel, companions: list[str] | None = None) -> None:
        """Record ``tunnel`` (it must have a ``public_url``) and the names of its companions."""
        if tunnel.public_url is None:
            return
        with self._lock:
            self._tunnels[tunnel.public_url] = tunnel
            if companions:
                self._companions[tunnel.public_url] = list(companions)

    def replace_all(self, tunnels: list[NgrokTunnel]) -> None:
        """Refill from a fresh listing; companions are re-derived from the agent's ``<name> (http)`` naming."""
        names = {t.name for t in tunnels if t.name}
        fresh = {t.public_url: t for t in tunnels if t.public_url}
        companions = {url: [f"{t.name} (http)"] for url, t in fresh.items() if t.name and f"{t.name} (http)" in names}
        with self._lock:
            self._tunnels = fresh
            self._companions = companions

    def get(self, public_url: str) -> NgrokTunnel | None:
        with self._lock:
            return self._tunnels.get(public_url)

    def companions(self, public_url: str) -> list[str]:
        with self._lock:
            return list(self._companions.get(public_url, ()))

    def remove(self, public_url: str) -> None:
        """Forget ``public_url`` and the companions recorded for it."""
        with self._lock:
            self._tunnels.pop(public_url, None)
            gone = set(self._companions.pop(public_url, ()))
            if gone:
                for url in [u for u, t in self._tunnels.items() if t.name in gone]:
                    del self._tunnels[url]

    def tunnels(self) -> list[NgrokTunnel]:
        with self._lock:
            return list(self._tunnels.values())

    def clear(self) -> None:
        with self._lock:
            self._tunnels.clear()
            self._companions.clear()


_registries: dict[str, TunnelRegistry] = {}
_lock = threading.Lock()


def registry_for(ngrok_path: str, api_url: str | None) -> TunnelRegistry:
    """The registry of the agent at ``ngrok_path``; a new one when that agent now has a different ``api_url``."""
    with _lock:
        registry = _registries.get(ngrok_path)
        if registry is None or registry.api_url != api_url:
            registry = _registries[ngrok_path] = TunnelRegistry(api_url)
        return registry


def drop_registry(ngrok_path: str) -> None:
    """Forget the agent at ``ngrok_path`` (it was killed)."""
    with _lock:
        _registries.pop(ngrok_path, None)
