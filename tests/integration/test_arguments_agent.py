"""Issue 9 items 7, 8 and 11 against the real 2.3.41 agent through the local edge, sync (``ngrok``/``agent``).

The async twin is tests/integration/test_aio_arguments_agent.py; both call the same shared checks.

- Wrong arguments are refused before any I/O: the agent's own tunnel list and the edge's binds are unchanged.
- ``auth=["user:pass"]`` (pyngrok's list spelling) works on the v2 agent.
- ``connect(name=…)`` with a name in use is refused; the first tunnel keeps serving.
- ``api()`` on a v2 agent is refused without running anything.
- ``process.ca_path`` is what an https client must trust; the natural user script runs as written.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.ngrok_env import agent_config, http_upstream, needs_agent
from tests.typing import user_script
from typed_ngrok import agent, ngrok
from typed_ngrok._agent_api.sync import agent_api_for
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError

pytestmark = [pytest.mark.integration, needs_agent, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PyngrokConfig]:
    config = agent_config(tmp_path_factory.mktemp("arguments"))
    yield config
    ngrok.kill(config)


@pytest.fixture
def upstream() -> Iterator[ThreadingHTTPServer]:
    with http_upstream() as server:
        yield server


@pytest.fixture(autouse=True)
def _no_leftover_tunnels(cfg: PyngrokConfig) -> Iterator[None]:
    yield
    for tunnel in ngrok.get_tunnels(cfg):
        ngrok.disconnect(tunnel.public_url, cfg)


def _agent_state(cfg: PyngrokConfig) -> tuple[list[tuple[str, str]], list[str]]:
    """What the agent itself lists (straight from its API) and what the edge has bound."""
    process = ngrok.get_ngrok_process(cfg)
    api = agent_api_for(process.api_url or "", cfg.request_timeout)
    listed = sorted((str(item["name"]), str(item["public_url"])) for item in api.list_tunnels())
    edge = process.edge
    assert edge is not None
    return listed, sorted(str(t.url) for t in edge.tunnels)


def _trusting(cfg: PyngrokConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ngrok.get_ngrok_process(cfg).ca_path)


BAD_CALLS: list[tuple[str, Callable[[PyngrokConfig], Any], str]] = [
    ("float addr", lambda c: ngrok.connect(3.5, pyngrok_config=c), '"addr" must be a port'),  # type: ignore[arg-type]
    ("list addr", lambda c: ngrok.connect([8000], pyngrok_config=c), '"addr" must be a port'),  # type: ignore[arg-type]
    ("port 70000", lambda c: ngrok.connect(70000, pyngrok_config=c), '"addr" port must be between 1 and 65535'),
    ("auth", lambda c: ngrok.connect(8000, pyngrok_config=c, auth="nocolon"), 'Option "auth" must be "user:pass"'),
    ("subdomain", lambda c: ngrok.connect(8000, pyngrok_config=c, subdomain="my app"), 'Option "subdomain"'),
    ("proto", lambda c: ngrok.connect(8000, "htp", pyngrok_config=c), '"proto" must be'),  # type: ignore[arg-type]
    ("bind_tls", lambda c: ngrok.connect(8000, pyngrok_config=c, bind_tls=123), 'Option "bind_tls"'),  # type: ignore[arg-type]
    ("v3 option", lambda c: ngrok.connect(8000, pyngrok_config=c, domain="x.example"), r"\['domain'\] need a v3 agent"),
    ("upstream", lambda c: ngrok.connect(8000, pyngrok_config=c, upstream={"url": "8000"}), "runs a v2 agent"),
    ("pyngrok_config", lambda c: ngrok.connect(8000, pyngrok_config="x"), '"pyngrok_config" must be'),  # type: ignore[arg-type]
    ("disconnect", lambda c: ngrok.disconnect(42, c), '"public_url" must be a str'),  # type: ignore[arg-type]
    ("limit", lambda c: agent.get_requests(pyngrok_config=c, limit=-1), '"limit" must be None or an int >= 1'),
]


def test_wrong_arguments_reach_neither_agent_nor_edge(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    kept = ngrok.connect(upstream.server_address[1], name="kept", pyngrok_config=cfg)
    before = _agent_state(cfg)
    assert before[0] == [("kept", kept.public_url)]
    for label, call, text in BAD_CALLS:
        with pytest.raises(PyngrokError, match=text) as info:
            call(cfg)
        assert not isinstance(info.value, PyngrokNgrokError), label  # refused here, not by the agent
        assert _agent_state(cfg) == before, label


def test_auth_as_a_list_works_on_the_v2_agent(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    tunnel = ngrok.connect(upstream.server_address[1], pyngrok_config=cfg, auth=["user:s3cret"])
    with httpx.Client(verify=_trusting(cfg), timeout=20, trust_env=False) as client:
        assert client.get(tunnel.public_url + "/private").status_code == 401
        allowed = client.get(tunnel.public_url + "/private", auth=("user", "s3cret"))
    assert (allowed.status_code, allowed.text) == (200, "GET /private 0")


def test_auth_list_of_two_refused_on_the_v2_agent(cfg: PyngrokConfig) -> None:
    before = _agent_state(cfg)
    with pytest.raises(PyngrokError, match="supports only one"):
        ngrok.connect(8000, pyngrok_config=cfg, auth=["a:b", "c:d"])
    assert _agent_state(cfg) == before


def test_a_name_in_use_is_refused_and_the_first_tunnel_keeps_serving(
    cfg: PyngrokConfig, upstream: ThreadingHTTPServer
) -> None:
    port = upstream.server_address[1]
    first = ngrok.connect(port, name="same", pyngrok_config=cfg)
    before = _agent_state(cfg)
    with pytest.raises(PyngrokError, match=rf"\"name\" 'same' is already used by tunnel {first.public_url}"):
        ngrok.connect(port, name="same", pyngrok_config=cfg, bind_tls=False)
    assert _agent_state(cfg) == before
    with httpx.Client(verify=_trusting(cfg), timeout=20, trust_env=False) as client:
        assert client.get(first.public_url + "/still").text == "GET /still 0"
    ngrok.disconnect(first.public_url, cfg)
    again = ngrok.connect(port, name="same", pyngrok_config=cfg)  # free again once disconnected
    assert [t.name for t in ngrok.get_tunnels(cfg)] == ["same"]
    assert again.public_url


def test_a_companion_name_in_use_is_refused(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    pair = ngrok.connect(upstream.server_address[1], name="pair", pyngrok_config=cfg, bind_tls="both")
    ngrok.get_tunnels(cfg)  # the agent's "pair (http)" twin is now known too
    with pytest.raises(PyngrokError, match="'pair \\(http\\)' is already used"):
        ngrok.connect(upstream.server_address[1], name="pair (http)", pyngrok_config=cfg)
    assert pair.public_url


def test_api_is_refused_on_the_v2_agent_without_running(cfg: PyngrokConfig) -> None:
    with pytest.raises(PyngrokError, match=r'ngrok api needs a v3 agent.*no "api" command') as info:
        ngrok.api("endpoints", "list", pyngrok_config=cfg)
    assert not isinstance(info.value, PyngrokNgrokError)


def test_ca_path_is_the_local_edges_and_verifies_https(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    process = ngrok.get_ngrok_process(cfg)
    assert process.edge is not None
    assert process.ca_path == process.edge.ca_path
    tunnel = ngrok.connect(upstream.server_address[1], pyngrok_config=cfg)
    trusted = ssl.create_default_context(cafile=process.ca_path)
    with httpx.Client(verify=trusted, timeout=20, trust_env=False) as client:
        assert client.get(tunnel.public_url + "/ca").text == "GET /ca 0"
    with httpx.Client(timeout=20, trust_env=False) as untrusting, pytest.raises(httpx.ConnectError):
        untrusting.get(tunnel.public_url + "/ca")  # the system store does not know the local edge's CA


def test_the_user_script_runs(tmp_path: Path, upstream: ThreadingHTTPServer) -> None:
    config = agent_config(tmp_path / "script")  # its own agent: the script kills it
    try:
        seen = user_script.main(upstream.server_address[1], config)
    finally:
        ngrok.kill(config)
    assert "200 GET /hello 0" in seen
    assert ("GET", "/hello", b"") in upstream.hits  # type: ignore[attr-defined]
