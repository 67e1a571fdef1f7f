"""Drivers for sans-I/O flows: one generator holds the decisions, two drivers do the I/O (sync and ``aio``).

A *flow* is a generator that yields :class:`Call` requests (``Call("start_tunnel", (body,))``) and receives each
call's result, or the exception it raised thrown in at the ``yield`` (so the flow's own ``try``/``except`` decides
what a failure means). Its ``return`` value is the driver's result. :func:`run_sync` calls the named method of the
*target* (e.g. an :class:`~typed_ngrok._agent_api.sync.AgentAPI`) directly; :func:`run_async` awaits the same method of
the async target (e.g. an ``AsyncAgentAPI``). Both drivers are the only place the two twins differ, so a decision
written in a flow cannot drift between them.

Flows compose with ``yield from`` (one flow calling another, with the same target), and every exception a call
raises, ``BaseException`` included (``KeyboardInterrupt``, ``asyncio.CancelledError``), is thrown in, so the
flow's ``with``/``finally`` blocks see the real error.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar, cast

__all__ = ["Call", "Flow", "run_async", "run_sync"]

T = TypeVar("T")

_NO_KWARGS: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Call:
    """One I/O request of a flow: call ``target.<method>(*args, **kwargs)`` (awaited by :func:`run_async`)."""

    method: str
    args: tuple[object, ...] = ()
    kwargs: Mapping[str, object] = field(default_factory=lambda: _NO_KWARGS)  # one shared read-only empty map


Flow = Generator[Call, object, T]
"""A flow returning ``T``: yields :class:`Call` requests, receives their results."""


def run_sync(flow: Flow[T], target: object) -> T:
    """Run ``flow`` to its end, calling each requested method of ``target``; return the flow's value.

    Raises:
        Whatever the flow raises (a call's exception the flow does not handle comes out unchanged).
    """
    send: object = None
    error: BaseException | None = None
    while True:
        try:
            request = flow.send(send) if error is None else flow.throw(error)
        except StopIteration as stop:
            return cast("T", stop.value)  # StopIteration.value is typed Any; a Flow[T] returns T
        finally:
            error = None  # drop the reference: the exception's traceback holds this frame
        try:
            send = getattr(target, request.method)(*request.args, **request.kwargs)
        except BaseException as exc:  # thrown into the flow, which decides (BaseException: its cleanups must run)
            error = exc


async def run_async(flow: Flow[T], target: object) -> T:
    """Run ``flow`` to its end, awaiting each requested method of ``target``; return the flow's value.

    Raises:
        Whatever the flow raises (a call's exception the flow does not handle comes out unchanged).
    """
    send: object = None
    error: BaseException | None = None
    while True:
        try:
            request = flow.send(send) if error is None else flow.throw(error)
        except StopIteration as stop:
            return cast("T", stop.value)  # StopIteration.value is typed Any; a Flow[T] returns T
        finally:
            error = None
        try:
            send = await getattr(target, request.method)(*request.args, **request.kwargs)
        except BaseException as exc:  # thrown into the flow, which decides (BaseException: its cleanups must run)
            error = exc
