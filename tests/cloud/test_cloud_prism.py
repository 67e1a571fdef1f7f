"""ngrok's own OpenAPI description as the judge: every facade operation, sync and async, through Prism.

``prism proxy`` (npm @stoplight/prism-cli, pinned; ``make prism``) serves ngrok's published ``ngrok.yaml``
(``../shared/reference/ngrok-openapi/ngrok.yaml`` beside the repository) as a validating proxy in front of the fake
API server. Prism forwards every request and answer and reports each violation of the description (in the request
we send or in the answer the fake gives) in the ``sl-violations`` response header; the test fails on any.

Known quirks of ngrok's file, handled narrowly:
- it declares ``next_page_uri`` a non-null string, while the live API sends ``null`` on the last page: exactly that
  violation (location ``response.body.next_page_uri``, code ``type``) is accepted, and only on a last page;
- it requires the ``Ngrok-Version`` header on every operation: the client always sends it, so no exception is needed
  (a missing header would fail the test).
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cloud.conftest import Twin
from tests.cloud.fake_ngrok_api import FakeNgrokAPI
from tests.cloud.operations import ROWS, Row
from tests.outside_files import NGROK_OPENAPI, OPENAPI_HOW, require_file
from typed_ngrok._agent_process.config import free_loopback_addr
from typed_ngrok.cloud import AsyncCloudClient, Page

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / ".cache" / "prism-5.16.0" / "node_modules" / ".bin" / "prism"
QUIRK = (["response", "body", "next_page_uri"], "type")


def _free_port() -> int:
    """A free loopback port for a server started a moment later (the library's choice: below the ephemeral range,
    so an outgoing connection cannot take it meanwhile)."""
    return int(free_loopback_addr().rsplit(":", 1)[1])


@contextmanager
def prism_proxy(upstream: str) -> Iterator[str]:
    """``prism proxy`` of ngrok's ``ngrok.yaml`` on a random loopback port in front of ``upstream``; its URL.

    Skips (pytest) when Prism or ngrok.yaml is missing. Also used by tests/edge/test_edge_cloud_prism.py.
    """
    ngrok_yaml = require_file(NGROK_OPENAPI, "ngrok's OpenAPI file", OPENAPI_HOW)
    require_file(PRISM, "Prism 5.16.0", "run `make prism` (python3 scripts/fetch_prism.py; needs npm and network once)")
    port = _free_port()
    argv = [str(PRISM), "proxy", str(ngrok_yaml), upstream, "-h", "127.0.0.1", "-p", str(port), "--errors", "false"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:  # the pytest timeout bounds this wait
        output.append(line)
        if "Prism is listening" in line:
            break
    else:
        proc.wait()
        proc.stdout.close()
        pytest.fail("prism exited before listening:\n" + "".join(output[-30:]))
    stream = proc.stdout

    def keep_reading() -> None:  # a full pipe would block Prism
        for line in stream:
            output.append(line)

    drain = threading.Thread(target=keep_reading, daemon=True)
    drain.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        drain.join(5)
        proc.stdout.close()


@pytest.fixture(scope="module")
def prism() -> Iterator[tuple[str, FakeNgrokAPI]]:
    """Prism on a random loopback port in front of a fake API server; (prism's URL, the fake)."""
    require_file(NGROK_OPENAPI, "ngrok's OpenAPI file", OPENAPI_HOW)
    require_file(PRISM, "Prism 5.16.0", "run `make prism` (python3 scripts/fetch_prism.py; needs npm and network once)")
    fake = FakeNgrokAPI().start()
    try:
        with prism_proxy(fake.url) as url:
            fake.public_base = url
            yield fake.public_base, fake
    finally:
        fake.stop()


def watch(client: Any, seen: list[tuple[str, list[dict[str, Any]], bytes]]) -> None:
    """Record every answer's ``sl-violations`` header (with the answer's path and body)."""

    def record(response: httpx.Response) -> None:
        response.read()
        violations = json.loads(response.headers.get("sl-violations", "[]"))
        seen.append((response.request.url.path, violations, response.content))

    async def arecord(response: httpx.Response) -> None:
        await response.aread()
        violations = json.loads(response.headers.get("sl-violations", "[]"))
        seen.append((response.request.url.path, violations, response.content))

    client._http.event_hooks = {
        "request": [],
        "response": [arecord if isinstance(client, AsyncCloudClient) else record],
    }


def unexpected(seen: list[tuple[str, list[dict[str, Any]], bytes]]) -> list[Any]:
    bad = []
    for path, violations, body in seen:
        for v in violations:
            last_page = body and json.loads(body).get("next_page_uri", "absent") is None
            if (v.get("location"), v.get("code")) == QUIRK and last_page:
                continue  # ngrok's file: next_page_uri is declared a non-null string; live sends null
            bad.append((path, v))
    return bad


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
async def test_operation_through_prism(twin: Twin, prism: tuple[str, FakeNgrokAPI], row: Row) -> None:
    url, fake = prism
    fake.reset()
    cloud = twin.open(url)
    seen: list[tuple[str, list[dict[str, Any]], bytes]] = []
    watch(cloud, seen)
    if row.iterates:
        result: Any = await twin.items(row.call(cloud))
        assert row.result is not None and result and all(isinstance(item, row.result) for item in result)
    else:
        result = await twin.run(lambda: row.call(cloud))
        if row.result is None:
            assert result is None
        elif isinstance(result, Page):
            assert row.result is not None
            assert all(isinstance(item, row.result) for item in result.items)
        else:
            assert isinstance(result, row.result)
    assert seen, "no answer went through Prism"
    assert unexpected(seen) == []
    assert (fake.requests[-1].method, fake.requests[-1].raw_path) == (row.method, row.path)


async def test_pagination_through_prism(twin: Twin, prism: tuple[str, FakeNgrokAPI]) -> None:
    url, fake = prism
    fake.reset()
    fake.add("tunnel_sessions", 3)
    cloud = twin.open(url)
    seen: list[tuple[str, list[dict[str, Any]], bytes]] = []
    watch(cloud, seen)
    sessions = await twin.items(cloud.tunnel_sessions.list(limit=2))
    assert len(sessions) == 4 and len(seen) == 2
    assert unexpected(seen) == []


def test_prism_reports_violations(prism: tuple[str, FakeNgrokAPI]) -> None:
    """The judge can fail: a request without Ngrok-Version, and a wrong-typed answer, are both reported."""
    url, fake = prism
    fake.reset()
    fake.store["tunnels"]["tn_32ELtunnel"]["public_url"] = 42
    with httpx.Client() as http:
        response = http.get(f"{url}/tunnels/tn_32ELtunnel", headers={"Authorization": f"Bearer {fake.api_key}"})
    locations = [v["location"] for v in json.loads(response.headers["sl-violations"])]
    assert ["request", "header"] in locations
    fake.reset()
    with httpx.Client() as http:
        headers = {"Authorization": f"Bearer {fake.api_key}", "Ngrok-Version": "2"}
        fake.store["tunnels"]["tn_32ELtunnel"]["public_url"] = 42
        response = http.get(f"{url}/tunnels/tn_32ELtunnel", headers=headers)
    locations = [v["location"] for v in json.loads(response.headers["sl-violations"])]
    assert locations == [["response", "body", "public_url"]]
