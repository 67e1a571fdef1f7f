"""``typed_ngrok.aio`` is the async twin of ``ngrok`` + ``agent``; ``AsyncAgentAPI`` of ``AgentAPI``.

Same function names, parameter names, kinds, defaults and annotation text; every twin is a coroutine function; the
result classes are the very same objects. The only deliberate difference: ``get_ngrok_process`` returns an
``AsyncNgrokProcess`` (the async twin of ``process.NgrokProcess``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from typed_ngrok import agent, aio, ngrok, process
from typed_ngrok._agent_api.aio import AsyncAgentAPI
from typed_ngrok._agent_api.sync import AgentAPI

#: sync-only: ``run``/``main`` run the agent in the foreground (pyngrok's aio has no twins for them either).
SYNC_ONLY = {"run", "main"}
#: return annotations that differ on purpose.
RETURN_DIFFERS = {
    "get_ngrok_process": ("NgrokProcess", "AsyncNgrokProcess"),
    "tunnel": ("Iterator[ConnectedTunnel]", "AsyncIterator[ConnectedTunnel]"),
}
#: context managers: ``with ngrok.tunnel(...)`` / ``async with aio.tunnel(...)`` (the aio twin is not a coroutine).
CONTEXT_MANAGERS = {"tunnel"}


def _functions(module: Any) -> dict[str, Callable[..., Any]]:
    return {name: getattr(module, name) for name in module.__all__ if inspect.isfunction(getattr(module, name))}


def _classes(module: Any) -> dict[str, type]:
    return {name: getattr(module, name) for name in module.__all__ if inspect.isclass(getattr(module, name))}


def _shape(fn: Callable[..., Any]) -> list[tuple[str, Any, Any, Any]]:
    return [(p.name, p.kind, p.default, p.annotation) for p in inspect.signature(fn).parameters.values()]


def _sync_twins() -> dict[str, Callable[..., Any]]:
    twins = {name: fn for name, fn in _functions(ngrok).items() if name not in SYNC_ONLY}
    overlap = twins.keys() & _functions(agent).keys()
    assert not overlap, overlap
    twins.update(_functions(agent))
    return twins


def test_aio_has_exactly_the_sync_function_names() -> None:
    assert sorted(_functions(aio)) == sorted(_sync_twins())


@pytest.mark.parametrize("name", sorted(_sync_twins()))
def test_aio_twin_has_the_same_signature_and_is_a_coroutine(name: str) -> None:
    sync_fn, async_fn = _sync_twins()[name], getattr(aio, name)
    if name in CONTEXT_MANAGERS:
        assert inspect.isasyncgenfunction(inspect.unwrap(async_fn)), name
        assert inspect.isgeneratorfunction(inspect.unwrap(sync_fn)), name
    else:
        assert inspect.iscoroutinefunction(async_fn), name
        assert not inspect.iscoroutinefunction(sync_fn), name
    assert _shape(async_fn) == _shape(sync_fn)
    sync_ret = inspect.signature(sync_fn).return_annotation
    async_ret = inspect.signature(async_fn).return_annotation
    assert (sync_ret, async_ret) == RETURN_DIFFERS.get(name, (sync_ret, sync_ret))


def test_result_classes_are_the_sync_ones() -> None:
    sync_classes = {**_classes(ngrok), **_classes(agent)}
    for name, cls in _classes(aio).items():
        if name == "AsyncNgrokProcess":
            continue
        assert sync_classes[name] is cls, name
    for name in ("NgrokTunnel", "NgrokApiResponse", "CapturedRequest", "NgrokAgent"):
        assert name in aio.__all__


def test_aio_all_is_sorted_and_resolves() -> None:
    assert aio.__all__ == sorted(aio.__all__)
    for name in aio.__all__:
        assert hasattr(aio, name), name
    assert aio.AsyncNgrokProcess.__module__ == "typed_ngrok.aio"


def _public_methods(cls: type) -> dict[str, Any]:
    return {name: obj for name, obj in vars(cls).items() if not name.startswith("_") and callable(obj)}


def test_async_agent_api_matches_agent_api() -> None:
    sync_methods, async_methods = _public_methods(AgentAPI), _public_methods(AsyncAgentAPI)
    assert sorted(async_methods) == sorted(sync_methods)
    for name, method in async_methods.items():
        assert inspect.iscoroutinefunction(method), name
        assert _shape(method) == _shape(sync_methods[name]), name
        assert inspect.signature(method).return_annotation == inspect.signature(sync_methods[name]).return_annotation


def test_async_process_offers_the_sync_process_contract() -> None:
    sync_public = {name for name in vars(process.NgrokProcess) if not name.startswith("_")}
    async_public = {name for name in vars(aio.AsyncNgrokProcess) if not name.startswith("_")}
    assert sync_public <= async_public
    assert inspect.iscoroutinefunction(aio.AsyncNgrokProcess.healthy)
    assert inspect.iscoroutinefunction(aio.AsyncNgrokProcess.stop)
    assert not inspect.iscoroutinefunction(aio.AsyncNgrokProcess.start_monitor_thread)
