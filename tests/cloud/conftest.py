"""Fixtures of the cloud client tests: the fake API server, and the twin driver that runs one test body through
:class:`CloudClient` and :class:`AsyncCloudClient` (openai's fixture pattern: one scenario, two shells)."""

from __future__ import annotations

import inspect
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from tests.cloud.fake_ngrok_api import API_KEY, FakeNgrokAPI
from typed_ngrok.cloud import AsyncCloudClient, CloudClient, Ref


def ref_id(value: object) -> str:
    """The id of a Ref field ("" when absent)."""
    return value.id if isinstance(value, Ref) else ""


class Twin:
    """One shell of the cloud client: ``open()`` builds it; ``run()``/``items()`` await what needs awaiting."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.opened: list[CloudClient | AsyncCloudClient] = []

    def open(self, base_url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("api_key", API_KEY)
        cls = CloudClient if self.kind == "sync" else AsyncCloudClient
        client = cls(base_url=base_url, **kwargs)
        self.opened.append(client)
        return client

    async def run(self, call: Callable[[], Any]) -> Any:
        result = call()
        if inspect.isawaitable(result):
            result = await result
        return result

    async def items(self, iterable: Any) -> list[Any]:
        if isinstance(iterable, AsyncIterator):
            return [item async for item in iterable]
        return list(iterable)

    async def close(self) -> None:
        for client in self.opened:
            if isinstance(client, AsyncCloudClient):
                await client.close()
            else:
                client.close()


@pytest.fixture(params=["sync", "async"])
async def twin(request: pytest.FixtureRequest) -> AsyncIterator[Twin]:
    driver = Twin(str(request.param))
    try:
        yield driver
    finally:
        await driver.close()


@pytest.fixture
def fake() -> Iterator[FakeNgrokAPI]:
    server = FakeNgrokAPI().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections and never answers; its base URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        listener.close()


@pytest.fixture
def refused_url() -> str:
    """A loopback URL where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
