"""Opening a restarted agent's tunnels again (issue 13).

ngrok's Restart command (``POST /tunnel_sessions/{id}/restart``, or the local edge's ``restart_agent``) makes the
agent re-execute itself: the same pid, argv, config and ``web_addr``, and a new session. Tunnels from its config
file would come back by themselves (typed-ngrok starts the agent with ``start --none``, so there are none); tunnels
created through its API are gone (``docs/edge-protocol.md`` §5). typed-ngrok notices the restart in the agent's log
(``_agent_process.restart``) and opens the tunnels it tracks again, with the same requests:

1. on the restart line, :meth:`~typed_ngrok._tunnels.registry.TunnelRegistry.begin_restart` counts a new restart
   generation and takes the tunnels ``connect`` opened off the registry, in connect order, as the plan (so a listing
   racing with the restart cannot lose them, and none is shown while the agent has none);
2. once the new session is up, :func:`recreate` runs ``connect`` again for each (same name, same body, so
   ``bind_tls="both"`` companions come back too), taking them one by one from the registry's plan; an edge that
   keeps a restarted agent's URLs (ngrok does not promise it; the local edge does, ``docs/edge-protocol.md`` §5)
   hands back the same public URLs;
3. a failure is logged (secrets of the request masked) and that tunnel is left out; a listing then makes the
   registry equal to what the agent really runs; :meth:`~TunnelRegistry.end_reopening` wakes waiters.

Meanwhile the user may ``disconnect`` a planned tunnel: it is dropped from the plan, and one whose connect is in
flight is stopped once it opens. And the agent may restart again: before each connect :func:`recreate` checks the
generation; when it changed, whatever it has not opened stays planned for the new session
(:meth:`~TunnelRegistry.begin_restart` collected it), the pass ends without its listing, and the same re-creation
goes on once the new session is up (one runs at a time per agent).

The decision is written once here (:func:`recreate`, a flow for :mod:`typed_ngrok._drive`); the sync twin runs it in
a daemon thread (:func:`recreate_in_thread`, started from the agent's reader thread), the ``aio`` twin as a task on
the agent's event loop (:func:`recreate_in_task`, started from its reader task).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from typed_ngrok._drive import Flow, run_async, run_sync
from typed_ngrok._redact import MASK, redact
from typed_ngrok._tunnels import flows
from typed_ngrok._tunnels.registry import Recreate, keep_until_done, registry_for
from typed_ngrok.exception import PyngrokError

if TYPE_CHECKING:
    from typed_ngrok._agent_api.aio import AsyncAgentAPI
    from typed_ngrok._agent_api.sync import AgentAPI
    from typed_ngrok._agent_process.aio import AsyncNgrokProcess
    from typed_ngrok.conf import PyngrokConfig

__all__ = [
    "begin_restart",
    "on_agent_restart",
    "recreate",
    "recreate_in_task",
    "recreate_in_thread",
    "request_secrets",
]

logger = logging.getLogger("typed_ngrok.ngrok")

ApiT = TypeVar("ApiT", "AgentAPI", "AsyncAgentAPI")

_SECRET_KEYS = frozenset({"auth", "basic_auth", "authtoken"})
_SECRET_WORDS = ("password", "secret", "token", "credential", "private_key")


def _names_secret(key: object) -> bool:
    name = str(key).lower()
    return name in _SECRET_KEYS or any(word in name for word in _SECRET_WORDS)


def request_secrets(body: Mapping[str, Any]) -> tuple[str, ...]:
    """The values of a tunnel request that must not reach a log: strings under a key naming a credential (``auth``,
    ``basic_auth``, ``client_secret``, ``*_token``, ``*password*``, ...), at any depth."""

    def walk(value: object, secret: bool) -> Iterator[str]:
        if isinstance(value, Mapping):
            for key, item in value.items():
                yield from walk(item, secret or _names_secret(key))
        elif isinstance(value, list | tuple):
            for item in value:
                yield from walk(item, secret)
        elif secret and isinstance(value, str) and value:
            yield value

    return tuple(sorted(set(walk(body, False)), key=len, reverse=True))


def begin_restart(ngrok_path: str, api_url: str | None) -> None:
    """The agent at ``ngrok_path`` logged a restart: take its tunnels off the registry as the plan (see above)."""
    plan = registry_for(ngrok_path, api_url).begin_restart()
    if plan:
        logger.info("the ngrok agent restarted: %d tunnel(s) will be opened again once its session is up", len(plan))


def on_agent_restart(event: str, ngrok_path: str, api_url: str | None, reopen: Callable[[], object]) -> None:
    """The process objects' ``on_restart`` hook, both twins: on ``"restarting"`` take the plan, on ``"back"`` call
    ``reopen`` (the twin's way of running :func:`recreate` in the background)."""
    if event == "restarting":
        begin_restart(ngrok_path, api_url)
    elif api_url is not None:
        reopen()


def recreate(agent: flows.Agent[ApiT], generation: int) -> Flow[list[str]]:
    """Open the tunnels of the registry's plan again through ``agent`` (``connect``'s flow, same request), for the
    restart ``generation`` (:meth:`~typed_ngrok._tunnels.registry.TunnelRegistry.start_reopening`); failures are
    logged and skipped. A pass ends with a listing (the registry then holds what the agent runs) unless the agent
    restarted again meanwhile; then it goes on with the new generation if its session is up already
    (:meth:`~typed_ngrok._tunnels.registry.TunnelRegistry.end_reopening`). Returns the public URLs the last pass
    opened."""
    registry = agent.registry
    while True:
        try:
            opened, tried = yield from _reopen_pass(agent, generation)
            completed = registry.generation == generation
            if completed:
                with contextlib.suppress(PyngrokError):  # the agent may be gone again; the registry then follows
                    yield from flows.get_tunnels(agent)
        except BaseException:
            registry.end_reopening(generation, completed=True, go_on=False)
            raise
        if completed and tried:
            logger.info("the restarted ngrok agent runs %d of its %d tunnel(s) again", len(opened), tried)
        following = registry.end_reopening(generation, completed=completed)
        if following is None:
            return opened
        generation = following


def _reopen_pass(agent: flows.Agent[ApiT], generation: int) -> Flow[tuple[list[str], int]]:
    """One pass of :func:`recreate`: the public URLs opened again, and how many tunnels were tried."""
    registry = agent.registry
    opened: list[str] = []
    tried = 0
    while (item := registry.next_to_reopen(generation)) is not None:  # checks the generation before each connect
        tried += 1
        try:
            tunnel = yield from flows.connect(agent, item.request)
        except PyngrokError as exc:
            registry.settle_reopened(item, None, generation)
            logger.warning(
                "could not open tunnel %r again after the agent restarted: %s", item.request.name, _masked(exc, item)
            )
            continue
        except BaseException:
            registry.settle_reopened(item, None, generation)
            raise
        outcome = registry.settle_reopened(item, tunnel.public_url, generation)
        if outcome == "stop":  # disconnected by the user while its connect ran
            try:
                if registry.get(tunnel.public_url) is not None:
                    yield from flows.disconnect(agent, tunnel.public_url)
            except PyngrokError as exc:  # the agent timed out or is gone: the rest of the plan still gets its turn
                registry.remove(tunnel.public_url)  # never opened again by a later restart (a listing still shows it)
                logger.warning(
                    "could not stop tunnel %r, disconnected while it was being opened again: %s",
                    item.request.name,
                    _masked(exc, item),
                )
                continue
            logger.info("tunnel %r was disconnected while it was being opened again: stopped", item.request.name)
        elif outcome == "keep":
            opened.append(tunnel.public_url)
            if tunnel.public_url != item.public_url:
                logger.info(
                    "tunnel %r is open again after the agent restarted, at a new URL: %s (was %s)",
                    item.request.name,
                    tunnel.public_url,
                    item.public_url,
                )
    return opened, tried


def _masked(exc: PyngrokError, item: Recreate) -> str:
    """``exc``'s text for a log, with the secrets of ``item``'s request masked."""
    return redact(str(exc), request_secrets(item.request.body), MASK)


def _background_failed() -> None:
    """Both twins' background re-creation ended on an unexpected error (a :class:`PyngrokError` is logged per tunnel
    and never ends it): log it, since no caller sees it; the registry's re-creation is over (:func:`recreate`)."""
    logger.exception("opening the restarted ngrok agent's tunnels again failed")


def recreate_in_thread(cfg: PyngrokConfig, api_url: str) -> threading.Thread | None:
    """The sync twin: the restarted agent's session is up (the reader thread saw it); open its tunnels again in a
    daemon thread (the reader must keep draining the agent's output). None when a re-creation runs already (it goes
    on with this session)."""
    from typed_ngrok._agent_api.sync import agent_api_for

    registry = registry_for(cfg.ngrok_path, api_url)
    generation = registry.start_reopening()
    if generation is None:
        return None
    agent = flows.Agent(cfg, api_url, agent_api_for(api_url, float(cfg.request_timeout)), registry)
    name = f"typed-ngrok-recreate-{cfg.ngrok_path}"
    flow = recreate(agent, generation)

    def run() -> None:
        try:
            run_sync(flow, agent.api)
        except Exception:
            _background_failed()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def recreate_in_task(process: AsyncNgrokProcess) -> None:
    """The ``aio`` twin: the same, as a task on the agent's event loop (called from its reader task)."""
    cfg, api_url = process.pyngrok_config, process.api_url
    if api_url is None:  # pragma: no cover - a started agent has its API URL
        return
    registry = registry_for(cfg.ngrok_path, api_url)
    generation = registry.start_reopening()
    if generation is None:  # a re-creation runs already: it goes on with this session
        return
    agent = flows.Agent(cfg, api_url, process.agent_api(float(cfg.request_timeout)), registry)

    async def run() -> None:
        try:
            await run_async(recreate(agent, generation), agent.api)
        except Exception:  # logged here: nobody awaits this task
            _background_failed()

    keep_until_done(process.loop.create_task(run(), name=f"typed-ngrok-recreate-{cfg.ngrok_path}"))
