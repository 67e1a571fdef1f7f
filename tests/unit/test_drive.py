"""The sans-I/O drivers: both run a flow the same way (results in, exceptions thrown in, the flow's value out)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from typed_ngrok._drive import Call, Flow, run_async, run_sync


class Boom(Exception):
    pass


class SyncTarget:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...], dict[str, object]]] = []

    def add(self, a: int, b: int = 0) -> int:
        self.calls.append(("add", (a,), {"b": b}))
        return a + b

    def fail(self, message: str) -> None:
        self.calls.append(("fail", (message,), {}))
        raise Boom(message)

    def interrupt(self) -> None:
        raise KeyboardInterrupt


class AsyncTarget:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...], dict[str, object]]] = []

    async def add(self, a: int, b: int = 0) -> int:
        await asyncio.sleep(0)
        self.calls.append(("add", (a,), {"b": b}))
        return a + b

    async def fail(self, message: str) -> None:
        await asyncio.sleep(0)
        self.calls.append(("fail", (message,), {}))
        raise Boom(message)

    async def interrupt(self) -> None:
        raise KeyboardInterrupt


Runner = Callable[[Flow[object]], Awaitable[tuple[object, list[tuple[str, tuple[object, ...], dict[str, object]]]]]]


async def _sync_runner(flow: Flow[object]) -> tuple[object, list[tuple[str, tuple[object, ...], dict[str, object]]]]:
    target = SyncTarget()
    return run_sync(flow, target), target.calls


async def _async_runner(flow: Flow[object]) -> tuple[object, list[tuple[str, tuple[object, ...], dict[str, object]]]]:
    target = AsyncTarget()
    return await run_async(flow, target), target.calls


@pytest.fixture(params=["sync", "aio"])
def run(request: pytest.FixtureRequest) -> Runner:
    return _sync_runner if request.param == "sync" else _async_runner


def _sums() -> Flow[object]:
    first = yield Call("add", (1,), {"b": 2})
    assert first == 3
    second = yield Call("add", (first,))
    return ("sum", second)


def _caught() -> Flow[object]:
    try:
        yield Call("fail", ("no",))
    except Boom as exc:
        caught = str(exc)
    else:  # pragma: no cover - the call always fails
        caught = "nothing"
    after = yield Call("add", (40, 2))
    return (caught, after)


def _uncaught() -> Flow[object]:
    yield Call("fail", ("through",))
    raise AssertionError("not reached: the exception is thrown in at the yield")


def _no_calls() -> Flow[object]:
    return "immediate"
    yield Call("add", (0,))  # pragma: no cover - makes this a generator


def _sub(n: int) -> Flow[int]:
    value = yield Call("add", (n, n))
    assert isinstance(value, int)
    return value


def _composed() -> Flow[object]:
    a = yield from _sub(1)
    b = yield from _sub(a)
    return a + b


async def test_results_are_sent_back_and_the_flow_value_is_returned(run: Runner) -> None:
    value, calls = await run(_sums())
    assert value == ("sum", 3)
    assert calls == [("add", (1,), {"b": 2}), ("add", (3,), {"b": 0})]


async def test_an_exception_is_thrown_in_and_the_flow_can_catch_it(run: Runner) -> None:
    value, calls = await run(_caught())
    assert value == ("no", 42)
    assert calls == [("fail", ("no",), {}), ("add", (40,), {"b": 2})]


async def test_an_uncaught_exception_comes_out_unchanged(run: Runner) -> None:
    with pytest.raises(Boom, match=r"^through$"):
        await run(_uncaught())


async def test_a_flow_without_calls_returns_its_value(run: Runner) -> None:
    value, calls = await run(_no_calls())
    assert value == "immediate"
    assert calls == []


async def test_flows_compose_with_yield_from(run: Runner) -> None:
    value, calls = await run(_composed())
    assert value == 6
    assert [call[1] for call in calls] == [(1,), (2,)]


async def test_base_exceptions_reach_the_flows_cleanup(run: Runner) -> None:
    cleaned: list[str] = []

    def flow() -> Flow[object]:
        try:
            yield Call("interrupt")
        except Exception:  # pragma: no cover - KeyboardInterrupt is not an Exception
            cleaned.append("wrongly caught")
        finally:
            cleaned.append("cleaned")
        return None  # pragma: no cover - the interrupt propagates

    with pytest.raises(KeyboardInterrupt):
        await run(flow())
    assert cleaned == ["cleaned"]


async def test_both_drivers_give_identical_results_and_errors() -> None:
    for make in (_sums, _caught, _composed, _no_calls):
        sync_value, sync_calls = await _sync_runner(make())
        async_value, async_calls = await _async_runner(make())
        assert (sync_value, sync_calls) == (async_value, async_calls)
    errors: list[tuple[type[BaseException], str]] = []
    for runner in (_sync_runner, _async_runner):
        with pytest.raises(Boom) as info:
            await runner(_uncaught())
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]


def test_call_is_frozen_and_defaults_to_no_arguments() -> None:
    call = Call("list_tunnels")
    assert (call.args, dict(call.kwargs)) == ((), {})
    with pytest.raises(AttributeError):
        call.method = "other"  # type: ignore[misc]
