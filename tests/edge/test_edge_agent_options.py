"""Bind options of the 2.3.41 agent that the edge accepts because the agent itself carries them out."""

from __future__ import annotations

import httpx
import pytest

from tests.edge.agent_harness import Agent, Upstream

pytestmark = pytest.mark.integration


def test_host_header_rewrite_is_done_by_the_agent(agent: Agent, upstream: Upstream) -> None:
    response = agent.create_tunnel(
        name="rewrite", proto="http", addr=str(upstream.port), host_header="rewrite", bind_tls=False
    )
    assert response.status_code == 201, response.text
    seen = httpx.get(f"{response.json()['public_url']}/headers", timeout=30).json()
    assert seen["host"] in (f"localhost:{upstream.port}", f"127.0.0.1:{upstream.port}")
