"""One test body, two drivers, for the agent *process* functions: ``process``/``AgentRunner`` (sync, run in a worker
thread with ``asyncio.to_thread``) and ``aio``'s process registry/``AsyncAgentRunner`` (awaited), behind one
awaitable interface.

A scenario test takes the ``ptwin`` fixture (parametrized ``sync``/``aio``; see :func:`ptwin_fixture`) and awaits
``ptwin.get_process(cfg)``, ``ptwin.kill_process(path)``, ... The fixture also stops whatever the test started.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Literal

import pytest
import pytest_asyncio

from typed_ngrok import process
from typed_ngrok._agent_process import aio as agent_aio
from typed_ngrok._agent_process import state
from typed_ngrok._agent_process.aio import AsyncAgentRunner, AsyncNgrokProcess
from typed_ngrok._agent_process.sync import AgentRunner
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.edge import LocalEdge
from typed_ngrok.log import NgrokLog

Kind = Literal["sync", "aio"]
KINDS: tuple[Kind, Kind] = ("sync", "aio")


class ProcessHandle:
    """A started agent of either twin: what both ``NgrokProcess`` and ``AsyncNgrokProcess`` show, awaitable."""

    def __init__(self, kind: Kind, obj: process.NgrokProcess | AsyncNgrokProcess) -> None:
        self.kind = kind
        self.obj = obj

    @property
    def api_url(self) -> str | None:
        return self.obj.api_url

    @property
    def logs(self) -> list[NgrokLog]:
        return self.obj.logs

    @property
    def pid(self) -> int:
        return self.obj.proc.pid

    @property
    def returncode(self) -> int | None:
        return self.obj.proc.returncode

    @property
    def exited(self) -> bool:
        return self.obj.exited

    @property
    def edge(self) -> LocalEdge | None:
        return self.obj.edge

    def start_monitor_thread(self) -> None:
        self.obj.start_monitor_thread()

    def stop_monitor_thread(self) -> None:
        self.obj.stop_monitor_thread()

    async def healthy(self) -> bool:
        if isinstance(self.obj, AsyncNgrokProcess):
            return await self.obj.healthy()
        return await asyncio.to_thread(self.obj.healthy)

    async def wait_exited(self, timeout: float) -> bool:
        """Wait until the runner noticed the process ended (its reader reached EOF and reaped it)."""
        runner = self.obj._runner
        assert runner is not None
        if isinstance(runner, AsyncAgentRunner):
            try:
                await asyncio.wait_for(runner.exited.wait(), timeout)
            except TimeoutError:
                return False
            return True
        return await asyncio.to_thread(runner.exited.wait, timeout)


class RunnerHandle:
    """An ``AgentRunner`` or ``AsyncAgentRunner``, awaitable."""

    def __init__(self, runner: AgentRunner | AsyncAgentRunner) -> None:
        self.runner = runner

    @property
    def returncode(self) -> int | None:
        proc = self.runner.proc
        return proc.returncode if proc is not None else None

    @property
    def pid(self) -> int:
        proc = self.runner.proc
        assert proc is not None
        return proc.pid

    @property
    def exited(self) -> bool:
        return self.runner.exited.is_set()

    async def start(self) -> None:
        if isinstance(self.runner, AsyncAgentRunner):
            await self.runner.start()
        else:
            await asyncio.to_thread(self.runner.start)

    async def stop(self, timeout: float) -> None:
        if isinstance(self.runner, AsyncAgentRunner):
            await self.runner.stop(timeout)
        else:
            await asyncio.to_thread(self.runner.stop, timeout)


class ProcessTwin:
    """The process functions of one twin, awaitable."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"<ProcessTwin {self.kind}>"

    def started(self) -> set[str]:
        """The ``ngrok_path`` values this twin has a registered agent for."""
        return set(state.processes if self.kind == "sync" else state.aio_processes)

    async def get_process(self, cfg: PyngrokConfig) -> ProcessHandle:
        """``process.get_process`` / its ``aio`` twin (no installing)."""
        if self.kind == "aio":
            return ProcessHandle("aio", await agent_aio.get_process(cfg))
        return ProcessHandle("sync", await asyncio.to_thread(process.get_process, cfg))

    async def is_process_running(self, ngrok_path: str) -> bool:
        if self.kind == "aio":
            return await agent_aio.is_process_running(ngrok_path)
        return await asyncio.to_thread(process.is_process_running, ngrok_path)

    async def kill_process(self, ngrok_path: str) -> None:
        if self.kind == "aio":
            await agent_aio.kill_process(ngrok_path)
        else:
            await asyncio.to_thread(process.kill_process, ngrok_path)

    async def capture_run_process(self, ngrok_path: str, args: list[str]) -> str:
        if self.kind == "aio":
            return await agent_aio.capture_run_process(ngrok_path, args)
        return await asyncio.to_thread(process.capture_run_process, ngrok_path, args)

    def runner(self, cfg: PyngrokConfig) -> RunnerHandle:
        """A bare runner (no registry); construct it on the test's loop."""
        return RunnerHandle(AsyncAgentRunner(cfg) if self.kind == "aio" else AgentRunner(cfg))


def ptwin_fixture() -> Any:
    """The ``ptwin`` fixture: each test runs once per twin (ids ``sync`` and ``aio``); agents it started are killed."""

    @pytest_asyncio.fixture(params=KINDS)
    async def ptwin(request: pytest.FixtureRequest) -> AsyncIterator[ProcessTwin]:
        twin = ProcessTwin(request.param)
        before = twin.started()
        yield twin
        for path in twin.started() - before:
            await twin.kill_process(path)

    return ptwin
