"""ngrok's own OpenAPI description as the judge of the local edge's cloud API (docs/edge-cloud.md).

Every answer the edge gives real 2.3.41 agents' sessions, tunnels and endpoints (lists, pages, gets, and the actions)
goes through Prism's validating proxy of ``ngrok.yaml`` (the harness of tests/cloud/test_cloud_prism.py), through
typed_ngrok.cloud's sync and async clients; any violation fails, except the documented ``next_page_uri: null`` on a
last page. Skips with the harness's reason when Prism or ngrok.yaml is missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.cloud.conftest import Twin, ref_id
from tests.cloud.test_cloud_prism import prism_proxy, unexpected, watch
from tests.edge.agent_harness import Agent, Upstream
from typed_ngrok.cloud import CloudAPIError, NotFoundError, Page
from typed_ngrok.edge import LocalEdge

Seen = list[tuple[str, list[dict[str, Any]], bytes]]


@pytest.fixture(scope="module")
def judge(edge: LocalEdge) -> Iterator[str]:
    with prism_proxy(edge.cloud_api_url) as url:
        yield url


async def test_every_answer_matches_ngrok_yaml(
    twin: Twin, judge: str, edge: LocalEdge, upstream: Upstream, spawn_agent: Callable[..., Agent]
) -> None:
    tag = f"prism-{twin.kind}"
    agents = [spawn_agent(edge, metadata=f"{tag}-{n}") for n in range(2)]
    for n, agent in enumerate(agents):
        agent.wait_ready()
        created = agent.create_tunnel(name=f"p{n}", proto="http", addr=str(upstream.port), bind_tls=True)
        assert created.status_code == 201, created.text
    cloud = twin.open(judge, api_key=edge.cloud_api_key, max_retries=0)
    seen: Seen = []
    watch(cloud, seen)

    sessions = [s for s in await twin.items(cloud.tunnel_sessions.list()) if str(s.metadata).startswith(tag)]
    assert len(sessions) == 2
    for session in sessions:
        await twin.run(lambda: cloud.tunnel_sessions.get(session.id))  # noqa: B023 - awaited at once
    ours = {s.id for s in sessions}
    tunnels = [t for t in await twin.items(cloud.tunnels.list()) if ref_id(t.tunnel_session) in ours]
    assert len(tunnels) == 2
    await twin.run(lambda: cloud.tunnels.get(tunnels[0].id))
    endpoints = [e for e in await twin.items(cloud.endpoints.list()) if ref_id(e.tunnel_session) in ours]
    assert len(endpoints) == 2
    await twin.run(lambda: cloud.endpoints.get(endpoints[0].id))
    first: Page[Any] = await twin.run(lambda: cloud.tunnel_sessions.page(limit=1))
    assert len(first.items) == 1 and first.next_page_uri  # a page that is not the last one
    # its next_page_uri names the edge itself (docs/edge-cloud.md §5): the same query, sent through the judge
    query = parse_qs(urlsplit(first.next_page_uri).query)
    assert sorted(query) == ["before_id", "limit"]
    second: Page[Any] = await twin.run(
        lambda: cloud.tunnel_sessions.page(before_id=query["before_id"][0], limit=int(query["limit"][0]))
    )
    assert len(second.items) == 1 and second.items[0].id != first.items[0].id
    picked = sessions[1]
    filtered = await twin.run(lambda: cloud.tunnel_sessions.page(filter=f'obj.id == "{picked.id}"'))
    assert [s.id for s in filtered.items] == [picked.id] and filtered.next_page_uri is None

    with pytest.raises(CloudAPIError):
        await twin.run(lambda: cloud.tunnel_sessions.update(sessions[0].id))
    mark = edge.mark()
    await twin.run(lambda: cloud.tunnel_sessions.restart(sessions[0].id))
    await edge.await_event("session", since=mark, match=lambda e: e.session_id not in ours, timeout=20)
    stopped = agents[int(str(sessions[1].metadata).rsplit("-", 1)[1])]
    await twin.run(lambda: cloud.tunnel_sessions.stop(sessions[1].id))
    assert stopped.proc.wait(20) == 0
    with pytest.raises(NotFoundError):  # the stopped agent's session is gone
        await twin.run(lambda: cloud.tunnel_sessions.get(sessions[1].id))

    assert len(seen) >= 14
    answers = [entry for entry in seen if not _error_answer(entry)]
    assert len(answers) == len(seen) - 2  # the refused update, the gone session
    assert unexpected(answers) == []


UNDECLARED = "Unable to match the returned status code with those defined in the document"


def _error_answer(entry: tuple[str, list[dict[str, Any]], bytes]) -> bool:
    """An ngrok error body, whose only violation is its status: ngrok.yaml declares no error answers at all
    (docs/cloud-api.md §4), so every 4xx of the live API gets this same warning."""
    _, violations, body = entry
    if not body.startswith(b"{"):
        return False
    parsed = json.loads(body)
    if set(parsed) != {"error_code", "status_code", "msg", "details"} or "operation_id" not in parsed["details"]:
        return False
    assert [v["message"].split(":")[0] for v in violations] == [UNDECLARED], violations
    return True
