"""Issue 9 items 7, 8 and 11 against the real 2.3.41 agent through the local edge: the ``aio`` twin of
tests/integration/test_arguments_agent.py (same scenarios, awaited; one agent on a module-scoped loop).
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.integration.ngrok_env import agent_config, http_upstream, needs_agent
from tests.typing import user_script
from typed_ngrok import aio
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError

pytestmark = [
    pytest.mark.integration,
    needs_agent,
    pytest.mark.timeout(120),
    pytest.mark.asyncio(loop_scope="module"),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cfg(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PyngrokConfig]:
    config = agent_config(tmp_path_factory.mktemp("aio-arguments"))
    yield config
    await aio.kill(config)


@pytest.fixture
def upstream() -> Iterator[ThreadingHTTPServer]:
    with http_upstream() as server:
        yield server


@pytest_asyncio.fixture(loop_scope="module", autouse=True)
async def _no_leftover_tunnels(cfg: PyngrokConfig) -> AsyncIterator[None]:
    yield
    for tunnel in await aio.get_tunnels(cfg):
        await aio.disconnect(tunnel.public_url, cfg)


async def _agent_state(cfg: PyngrokConfig) -> tuple[list[tuple[str, str]], list[str]]:
    """What the agent itself lists (straight from its API) and what the edge has bound."""
    process = await aio.get_ngrok_process(cfg)
    api = process.agent_api(float(cfg.request_timeout))
    listed = sorted((str(item["name"]), str(item["public_url"])) for item in await api.list_tunnels())
    edge = process.edge
    assert edge is not None
    return listed, sorted(str(t.url) for t in edge.tunnels)


async def _trusting(cfg: PyngrokConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=(await aio.get_ngrok_process(cfg)).ca_path)


BAD_CALLS: list[tuple[str, Callable[[PyngrokConfig], Awaitable[Any]], str]] = [
    ("float addr", lambda c: aio.connect(3.5, pyngrok_config=c), '"addr" must be a port'),  # type: ignore[arg-type]
    ("list addr", lambda c: aio.connect([8000], pyngrok_config=c), '"addr" must be a port'),  # type: ignore[arg-type]
    ("port 70000", lambda c: aio.connect(70000, pyngrok_config=c), '"addr" port must be between 1 and 65535'),
    ("auth", lambda c: aio.connect(8000, pyngrok_config=c, auth="nocolon"), 'Option "auth" must be "user:pass"'),
    ("subdomain", lambda c: aio.connect(8000, pyngrok_config=c, subdomain="my app"), 'Option "subdomain"'),
    ("proto", lambda c: aio.connect(8000, "htp", pyngrok_config=c), '"proto" must be'),  # type: ignore[arg-type]
    ("bind_tls", lambda c: aio.connect(8000, pyngrok_config=c, bind_tls=123), 'Option "bind_tls"'),  # type: ignore[arg-type]
    ("v3 option", lambda c: aio.connect(8000, pyngrok_config=c, domain="x.example"), r"\['domain'\] need a v3 agent"),
    ("upstream", lambda c: aio.connect(8000, pyngrok_config=c, upstream={"url": "8000"}), "runs a v2 agent"),
    ("pyngrok_config", lambda c: aio.connect(8000, pyngrok_config="x"), '"pyngrok_config" must be'),  # type: ignore[arg-type]
    ("disconnect", lambda c: aio.disconnect(42, c), '"public_url" must be a str'),  # type: ignore[arg-type]
    ("limit", lambda c: aio.get_requests(pyngrok_config=c, limit=-1), '"limit" must be None or an int >= 1'),
]


async def test_wrong_arguments_reach_neither_agent_nor_edge(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    kept = await aio.connect(upstream.server_address[1], name="kept", pyngrok_config=cfg)
    before = await _agent_state(cfg)
    assert before[0] == [("kept", kept.public_url)]
    for label, call, text in BAD_CALLS:
        with pytest.raises(PyngrokError, match=text) as info:
            await call(cfg)
        assert not isinstance(info.value, PyngrokNgrokError), label  # refused here, not by the agent
        assert await _agent_state(cfg) == before, label


async def test_auth_as_a_list_works_on_the_v2_agent(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    tunnel = await aio.connect(upstream.server_address[1], pyngrok_config=cfg, auth=["user:s3cret"])
    async with httpx.AsyncClient(verify=await _trusting(cfg), timeout=20, trust_env=False) as client:
        assert (await client.get(tunnel.public_url + "/private")).status_code == 401
        allowed = await client.get(tunnel.public_url + "/private", auth=("user", "s3cret"))
    assert (allowed.status_code, allowed.text) == (200, "GET /private 0")


async def test_auth_list_of_two_refused_on_the_v2_agent(cfg: PyngrokConfig) -> None:
    before = await _agent_state(cfg)
    with pytest.raises(PyngrokError, match="supports only one"):
        await aio.connect(8000, pyngrok_config=cfg, auth=["a:b", "c:d"])
    assert await _agent_state(cfg) == before


async def test_a_name_in_use_is_refused_and_the_first_tunnel_keeps_serving(
    cfg: PyngrokConfig, upstream: ThreadingHTTPServer
) -> None:
    port = upstream.server_address[1]
    first = await aio.connect(port, name="same", pyngrok_config=cfg)
    before = await _agent_state(cfg)
    with pytest.raises(PyngrokError, match=rf"\"name\" 'same' is already used by tunnel {first.public_url}"):
        await aio.connect(port, name="same", pyngrok_config=cfg, bind_tls=False)
    assert await _agent_state(cfg) == before
    async with httpx.AsyncClient(verify=await _trusting(cfg), timeout=20, trust_env=False) as client:
        assert (await client.get(first.public_url + "/still")).text == "GET /still 0"
    await aio.disconnect(first.public_url, cfg)
    again = await aio.connect(port, name="same", pyngrok_config=cfg)  # free again once disconnected
    assert [t.name for t in await aio.get_tunnels(cfg)] == ["same"]
    assert again.public_url


async def test_api_is_refused_on_the_v2_agent_without_running(cfg: PyngrokConfig) -> None:
    with pytest.raises(PyngrokError, match=r'ngrok api needs a v3 agent.*no "api" command') as info:
        await aio.api("endpoints", "list", pyngrok_config=cfg)
    assert not isinstance(info.value, PyngrokNgrokError)


async def test_ca_path_is_the_local_edges_and_verifies_https(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    process = await aio.get_ngrok_process(cfg)
    assert process.edge is not None
    assert process.ca_path == process.edge.ca_path
    tunnel = await aio.connect(upstream.server_address[1], pyngrok_config=cfg)
    trusted = ssl.create_default_context(cafile=process.ca_path)
    async with httpx.AsyncClient(verify=trusted, timeout=20, trust_env=False) as client:
        assert (await client.get(tunnel.public_url + "/ca")).text == "GET /ca 0"


async def test_the_user_script_runs(tmp_path: Path, upstream: ThreadingHTTPServer) -> None:
    config = agent_config(tmp_path / "script")  # its own agent: the script kills it
    try:
        seen = await user_script.amain(upstream.server_address[1], config)
    finally:
        await aio.kill(config)
    assert "200 GET /hello 0" in seen
    assert ("GET", "/hello", b"") in upstream.hits  # type: ignore[attr-defined]
