"""Every piece of process-level mutable state about agent processes, in one module.

- :data:`live`: every agent runner (sync and ``aio``) whose process may still run; the one ``atexit`` hook
  (:func:`stop_all`, registered on the first spawn) stops them: a sync runner is stopped (SIGTERM, 2 s, SIGKILL,
  reaped), an ``aio`` runner is abandoned with SIGTERM (its event loop is usually gone by then).
- :data:`processes` (+ :data:`processes_lock`): ``process.get_process``'s registry, one ``NgrokProcess`` per
  ``ngrok_path`` (``process._current_processes`` is this dict, as in pyngrok).
- :data:`aio_processes` (+ :data:`aio_processes_lock`, never held across an ``await``): the ``aio`` registry, one
  ``AsyncNgrokProcess`` per ``ngrok_path``; an ``aio`` agent belongs to the loop that started it.
- Per event loop (weakly keyed, dropped when the loop shuts down): :data:`aio_start_locks` (one start per path),
  :data:`aio_guards` (the async generator whose finalizer stops the loop's agents) and :data:`aio_request_clients`
  (the loop's keep-alive client for ``aio.api_request``).

- :data:`config_file_lock` and :data:`config_cache`: every read-modify-write of a config file holds the lock
  (``installer.config_file_lock``); parsed config files are cached by path with the identity
  (:mod:`typed_ngrok._identity`) they were read at (``config_file.read_config``).
- :data:`abandoned_starts` (+ :data:`abandoned_lock`): the ``ngrok_path`` s whose starts were abandoned
  (``runner.abandon_start``, e.g. by the CLI's Ctrl-C): a start spawning for one stops its agent at once.
- :data:`binary_versions` (+ :data:`binary_versions_lock`): what ``<ngrok_path> --version`` answered (the version,
  or None when it named none), per path with the file identity it was asked at
  (``binary_version.version_check_flow``).

The agent API clients' registry lives with them (``_agent_api``), the tunnel registry in ``_tunnels.registry``.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import weakref
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # only for annotations: importing this module must not load asyncio or httpx
    import asyncio
    from collections.abc import AsyncIterator

    import httpx

    from typed_ngrok._agent_process.aio import AsyncNgrokProcess
    from typed_ngrok._identity import FileIdentity
    from typed_ngrok.process import NgrokProcess

__all__ = [
    "abandoned_lock",
    "abandoned_starts",
    "aio_guards",
    "aio_processes",
    "aio_processes_lock",
    "aio_request_clients",
    "aio_start_locks",
    "binary_versions",
    "binary_versions_lock",
    "config_cache",
    "config_file_lock",
    "forget_runner",
    "live",
    "live_runners",
    "processes",
    "processes_lock",
    "register_runner",
    "stop_all",
]


class _Stoppable(Protocol):
    def stop_at_exit(self) -> None: ...


live: weakref.WeakSet[_Stoppable] = weakref.WeakSet()
#: Guards :data:`live` (re-entrant: a signal handler on the main thread may read it while that thread changes it).
live_lock = threading.RLock()
abandoned_starts: set[str] = set()
abandoned_lock = threading.RLock()  # re-entrant for the same reason
_atexit_lock = threading.Lock()
_atexit_registered = False

processes: dict[str, NgrokProcess] = {}
processes_lock = threading.RLock()

aio_processes: dict[str, AsyncNgrokProcess] = {}
aio_processes_lock = threading.Lock()
aio_start_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)
aio_guards: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncIterator[None]] = weakref.WeakKeyDictionary()
aio_request_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)

config_file_lock = threading.RLock()
config_cache: dict[str, tuple[FileIdentity, dict[str, Any]]] = {}

binary_versions: dict[str, tuple[FileIdentity, str | None]] = {}
binary_versions_lock = threading.Lock()


def stop_all() -> None:
    """Stop every agent this interpreter started and that is still running (the atexit hook)."""
    for runner in live_runners():
        with contextlib.suppress(Exception):
            runner.stop_at_exit()


def live_runners() -> list[_Stoppable]:
    """A snapshot of :data:`live`."""
    with live_lock:
        return list(live)


def register_runner(runner: _Stoppable) -> None:
    """A runner spawned its process: track it, and register :func:`stop_all` at exit once."""
    global _atexit_registered
    with live_lock:
        live.add(runner)
    with _atexit_lock:
        if not _atexit_registered:
            atexit.register(stop_all)
            _atexit_registered = True


def forget_runner(runner: _Stoppable) -> None:
    """The runner's process is stopped or gone."""
    with live_lock:
        live.discard(runner)
