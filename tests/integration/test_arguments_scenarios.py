"""Issue 9 items 7, 8 and 11 against the real 2.3.41 agent through the local edge, each scenario written once and
run through both twins (``ngrok``/``agent`` in a worker thread, ``aio`` awaited; see twins.py).

- Wrong arguments are refused before any I/O: the agent's own tunnel list and the edge's binds are unchanged, and
  the refusal reads the same in both twins.
- ``auth=["user:pass"]`` (pyngrok's list spelling) works on the v2 agent.
- ``connect(name=…)`` with a name in use is refused; the first tunnel keeps serving.
- ``api()`` on a v2 agent is refused without running anything.
- ``process.ca_path`` is what an https client must trust; the natural user script runs as written (``main`` for the
  sync twin, ``amain`` for ``aio``).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.integration.ngrok_env import agent_config, http_upstream, needs_agent
from tests.integration.twins import (
    Agents,
    Twin,
    agents_fixture,
    no_leftover_tunnels_fixture,
    same_failure,
    twin_fixture,
)
from tests.typing import user_script
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError

pytestmark = [
    pytest.mark.integration,
    needs_agent,
    pytest.mark.timeout(120),
    pytest.mark.asyncio(loop_scope="module"),
]

agents = agents_fixture("arguments-scenarios")
twin = twin_fixture()


@pytest.fixture
def upstream() -> Iterator[ThreadingHTTPServer]:
    with http_upstream() as server:
        yield server


_no_leftover_tunnels = no_leftover_tunnels_fixture()


async def _agent_state(twin: Twin) -> tuple[list[tuple[str, str]], list[str]]:
    """What the agent itself lists (straight from its API) and what the edge has bound."""
    listed = sorted((str(item["name"]), str(item["public_url"])) for item in await twin.agent_list_tunnels())
    edge = (await twin.get_ngrok_process(twin.cfg)).edge
    assert edge is not None
    return listed, sorted(str(t.url) for t in edge.tunnels)


async def _trusting(twin: Twin) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=(await twin.get_ngrok_process(twin.cfg)).ca_path)


def _client(verify: ssl.SSLContext | bool = True) -> httpx.AsyncClient:
    return httpx.AsyncClient(verify=verify, timeout=20, trust_env=False)


BAD_CALLS: list[tuple[str, Callable[[Twin], Awaitable[object]], str]] = [
    ("float addr", lambda t: t.connect(3.5, pyngrok_config=t.cfg), '"addr" must be a port'),  # type: ignore[arg-type]
    ("list addr", lambda t: t.connect([8000], pyngrok_config=t.cfg), '"addr" must be a port'),  # type: ignore[arg-type]
    ("port 70000", lambda t: t.connect(70000, pyngrok_config=t.cfg), '"addr" port must be between 1 and 65535'),
    ("auth", lambda t: t.connect(8000, pyngrok_config=t.cfg, auth="nocolon"), 'Option "auth" must be "user:pass"'),
    ("subdomain", lambda t: t.connect(8000, pyngrok_config=t.cfg, subdomain="my app"), 'Option "subdomain"'),
    ("proto", lambda t: t.connect(8000, "htp", pyngrok_config=t.cfg), '"proto" must be'),  # type: ignore[arg-type]
    ("bind_tls", lambda t: t.connect(8000, pyngrok_config=t.cfg, bind_tls=123), 'Option "bind_tls"'),  # type: ignore[arg-type]
    ("v3 option", lambda t: t.connect(8000, pyngrok_config=t.cfg, domain="x.example"), r"\['domain'\] need a v3 agent"),
    ("upstream", lambda t: t.connect(8000, pyngrok_config=t.cfg, upstream={"url": "8000"}), "runs a v2 agent"),
    ("pyngrok_config", lambda t: t.connect(8000, pyngrok_config="x"), '"pyngrok_config" must be'),  # type: ignore[arg-type]
    ("disconnect", lambda t: t.disconnect(42, t.cfg), '"public_url" must be a str'),  # type: ignore[arg-type]
    ("limit", lambda t: t.get_requests(pyngrok_config=t.cfg, limit=-1), '"limit" must be None or an int >= 1'),
    ("auth list of two", lambda t: t.connect(8000, pyngrok_config=t.cfg, auth=["a:b", "c:d"]), "supports only one"),
    ("api on v2", lambda t: t.api("endpoints", "list", pyngrok_config=t.cfg), r"ngrok api needs a v3 agent"),
]


async def test_wrong_arguments_reach_neither_agent_nor_edge(twin: Twin, upstream: ThreadingHTTPServer) -> None:
    kept = await twin.connect(upstream.server_address[1], name="kept", pyngrok_config=twin.cfg)
    before = await _agent_state(twin)
    assert before[0] == [("kept", kept.public_url)]
    for label, call, text in BAD_CALLS:
        with pytest.raises(PyngrokError, match=text) as info:
            await call(twin)
        assert not isinstance(info.value, PyngrokNgrokError), label  # refused here, not by the agent
        assert await _agent_state(twin) == before, label


@pytest.mark.parametrize("call", [c for _, c, _ in BAD_CALLS], ids=[label for label, _, _ in BAD_CALLS])
async def test_refusals_read_the_same_in_both_twins(agents: Agents, call: Callable[[Twin], Awaitable[object]]) -> None:
    kind, message = await same_failure(agents, call)
    assert kind == "PyngrokError" and message


async def test_auth_as_a_list_works_on_the_v2_agent(twin: Twin, upstream: ThreadingHTTPServer) -> None:
    tunnel = await twin.connect(upstream.server_address[1], pyngrok_config=twin.cfg, auth=["user:s3cret"])
    async with _client(await _trusting(twin)) as client:
        assert (await client.get(tunnel.public_url + "/private")).status_code == 401
        allowed = await client.get(tunnel.public_url + "/private", auth=("user", "s3cret"))
    assert (allowed.status_code, allowed.text) == (200, "GET /private 0")


async def test_auth_list_of_two_refused_on_the_v2_agent(twin: Twin) -> None:
    before = await _agent_state(twin)
    with pytest.raises(PyngrokError, match="supports only one"):
        await twin.connect(8000, pyngrok_config=twin.cfg, auth=["a:b", "c:d"])
    assert await _agent_state(twin) == before


async def test_a_name_in_use_is_refused_and_the_first_tunnel_keeps_serving(
    twin: Twin, upstream: ThreadingHTTPServer
) -> None:
    cfg, port = twin.cfg, upstream.server_address[1]
    first = await twin.connect(port, name="same", pyngrok_config=cfg)
    before = await _agent_state(twin)
    with pytest.raises(PyngrokError, match=rf"\"name\" 'same' is already used by tunnel {first.public_url}"):
        await twin.connect(port, name="same", pyngrok_config=cfg, bind_tls=False)
    assert await _agent_state(twin) == before
    async with _client(await _trusting(twin)) as client:
        assert (await client.get(first.public_url + "/still")).text == "GET /still 0"
    await twin.disconnect(first.public_url, cfg)
    again = await twin.connect(port, name="same", pyngrok_config=cfg)  # free again once disconnected
    assert [t.name for t in await twin.get_tunnels(cfg)] == ["same"]
    assert again.public_url


async def test_a_name_in_use_reads_the_same_in_both_twins(agents: Agents, upstream: ThreadingHTTPServer) -> None:
    port = upstream.server_address[1]

    async def twice(twin: Twin) -> object:
        await twin.connect(port, name="twice", pyngrok_config=twin.cfg)
        return await twin.connect(port, name="twice", pyngrok_config=twin.cfg)

    kind, message = await same_failure(agents, twice)
    assert (kind, message) == ("PyngrokError", message)
    assert "'twice' is already used by tunnel https://<host>" in message


async def test_a_companion_name_in_use_is_refused(twin: Twin, upstream: ThreadingHTTPServer) -> None:
    cfg = twin.cfg
    pair = await twin.connect(upstream.server_address[1], name="pair", pyngrok_config=cfg, bind_tls="both")
    await twin.get_tunnels(cfg)  # the agent's "pair (http)" twin is now known too
    with pytest.raises(PyngrokError, match="'pair \\(http\\)' is already used"):
        await twin.connect(upstream.server_address[1], name="pair (http)", pyngrok_config=cfg)
    assert pair.public_url


async def test_api_is_refused_on_the_v2_agent_without_running(twin: Twin) -> None:
    with pytest.raises(PyngrokError, match=r'ngrok api needs a v3 agent.*no "api" command') as info:
        await twin.api("endpoints", "list", pyngrok_config=twin.cfg)
    assert not isinstance(info.value, PyngrokNgrokError)


async def test_ca_path_is_the_local_edges_and_verifies_https(twin: Twin, upstream: ThreadingHTTPServer) -> None:
    process = await twin.get_ngrok_process(twin.cfg)
    assert process.edge is not None
    assert process.ca_path == process.edge.ca_path
    tunnel = await twin.connect(upstream.server_address[1], pyngrok_config=twin.cfg)
    async with _client(ssl.create_default_context(cafile=process.ca_path)) as client:
        assert (await client.get(tunnel.public_url + "/ca")).text == "GET /ca 0"
    async with _client() as untrusting:
        with pytest.raises(httpx.ConnectError):
            await untrusting.get(tunnel.public_url + "/ca")  # the system store does not know the local edge's CA


async def test_the_user_script_runs(twin: Twin, tmp_path: Path, upstream: ThreadingHTTPServer) -> None:
    config = agent_config(tmp_path / "script")  # its own agent: the script kills it
    try:
        if twin.kind == "sync":  # twin-specific: the script is written once per twin, as a user would
            seen = await asyncio.to_thread(user_script.main, upstream.server_address[1], config)
        else:
            seen = await user_script.amain(upstream.server_address[1], config)
    finally:
        await twin.kill(config)
    assert "200 GET /hello 0" in seen
    assert ("GET", "/hello", b"") in upstream.hits  # type: ignore[attr-defined]
