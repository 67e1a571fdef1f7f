"""connect/get_tunnels/disconnect/connect_all/kill against the real 2.3.41 agent through the local edge, each scenario
written once and run through both twins (``ngrok`` in a worker thread, ``aio`` awaited; see twins.py).

Error texts must not differ between the twins: ``test_error_texts_are_the_same_in_both_twins`` runs every failing
scenario through both and compares type and message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from tests.integration.ngrok_env import agent_config, echo_through, http_upstream, needs_agent, tcp_echo
from tests.integration.twins import (
    Agents,
    Twin,
    agents_fixture,
    no_leftover_tunnels_fixture,
    same_failure,
    twin_fixture,
)
from typed_ngrok import __version__, ngrok
from typed_ngrok.exception import (
    PyngrokError,
    PyngrokNgrokError,
    PyngrokNgrokHTTPError,
    PyngrokSecurityError,
    TunnelNotFoundError,
)
from typed_ngrok.ngrok import Proto

pytestmark = [
    pytest.mark.integration,
    needs_agent,
    pytest.mark.timeout(120),
    pytest.mark.asyncio(loop_scope="module"),
]

agents = agents_fixture("tunnel-scenarios")
twin = twin_fixture()


@pytest.fixture
def upstream() -> Iterator[ThreadingHTTPServer]:
    with http_upstream() as server:
        yield server


_no_leftover_tunnels = no_leftover_tunnels_fixture()


async def _get(url: str, **kwargs: object) -> httpx.Response:
    async with httpx.AsyncClient(verify=False, timeout=20, trust_env=False) as client:
        return await client.get(url, **kwargs)  # type: ignore[arg-type]


async def test_default_http_connect_gives_one_https_tunnel(twin: Twin, upstream: ThreadingHTTPServer) -> None:
    cfg, port = twin.cfg, upstream.server_address[1]
    tunnel = await twin.connect(port, pyngrok_config=cfg)
    assert isinstance(tunnel, ngrok.NgrokTunnel)
    assert tunnel.proto == "https"
    assert tunnel.public_url is not None and tunnel.public_url.startswith("https://")
    assert tunnel.config["addr"] == f"http://localhost:{port}"
    assert tunnel.upstream == {"url": f"http://localhost:{port}"}
    assert [(t.name, t.public_url) for t in await twin.get_tunnels(cfg)] == [(tunnel.name, tunnel.public_url)]
    response = await _get(tunnel.public_url + "/hello")
    assert response.status_code == 200
    assert response.text == "GET /hello 0"
    await twin.disconnect(tunnel.public_url, cfg)
    assert await twin.get_tunnels(cfg) == []


@pytest.mark.parametrize("both", [{"bind_tls": "both"}, {"schemes": ["http", "https"]}])
async def test_both_schemes_track_and_remove_the_companion(
    twin: Twin, upstream: ThreadingHTTPServer, both: dict[str, object]
) -> None:
    cfg = twin.cfg
    tunnel = await twin.connect(upstream.server_address[1], pyngrok_config=cfg, **both)  # type: ignore[arg-type]
    assert tunnel.proto == "https"
    assert tunnel.public_url is not None and tunnel.public_url.startswith("https://")
    names = {t.name: t for t in await twin.get_tunnels(cfg)}
    assert set(names) == {tunnel.name, f"{tunnel.name} (http)"}
    companion = names[f"{tunnel.name} (http)"]
    assert companion.proto == "http"
    for url in (tunnel.public_url, companion.public_url):
        assert url is not None
        response = await _get(url + "/hello")
        assert response.status_code == 200
        assert response.text == "GET /hello 0"
    await twin.disconnect(tunnel.public_url, cfg)
    assert await twin.get_tunnels(cfg) == []


@pytest.mark.parametrize(
    ("option", "scheme"),
    [
        ({"bind_tls": True}, "https"),
        ({"bind_tls": False}, "http"),
        ({"schemes": ["https"]}, "https"),
        ({"schemes": ["http"]}, "http"),
    ],
)
async def test_bind_tls_and_schemes_reach_the_v2_agent_as_bind_tls(
    twin: Twin, upstream: ThreadingHTTPServer, option: dict[str, object], scheme: str
) -> None:
    cfg = twin.cfg
    tunnel = await twin.connect(upstream.server_address[1], "http", pyngrok_config=cfg, **option)  # type: ignore[arg-type]
    assert tunnel.public_url is not None and tunnel.public_url.startswith(f"{scheme}://")
    assert [t.public_url for t in await twin.get_tunnels(cfg)] == [tunnel.public_url]
    assert (await _get(tunnel.public_url + "/only")).text == "GET /only 0"


@pytest.mark.parametrize("credentials", [["user:s3cret"], "user:s3cret"])
async def test_basic_auth_reaches_the_v2_agent_as_auth(
    twin: Twin, upstream: ThreadingHTTPServer, credentials: list[str] | str
) -> None:
    tunnel = await twin.connect(upstream.server_address[1], pyngrok_config=twin.cfg, basic_auth=credentials)
    assert tunnel.public_url is not None
    assert (await _get(tunnel.public_url + "/private")).status_code == 401
    allowed = await _get(tunnel.public_url + "/private", auth=("user", "s3cret"))
    assert allowed.status_code == 200
    assert allowed.text == "GET /private 0"


@pytest.mark.parametrize(
    ("proto", "payload", "as_text"),
    [("tcp", b"ping over tcp", False), ("tls", b"\x16\x03\x01raw tls-ish", False), ("tcp", b"ping over tcp", True)],
)
async def test_tcp_and_tls_tunnels_carry_bytes_to_upstream(
    twin: Twin, proto: Proto, payload: bytes, as_text: bool
) -> None:
    cfg = twin.cfg
    with tcp_echo() as port:
        tunnel = await twin.connect(str(port) if as_text else port, proto, pyngrok_config=cfg)
        assert tunnel.proto == proto
        assert tunnel.public_url is not None and tunnel.public_url.startswith(f"{proto}://")
        assert tunnel.config["addr"] == f"localhost:{port}"
        parts = urlsplit(tunnel.public_url)
        assert parts.hostname and parts.port
        assert await asyncio.to_thread(echo_through, parts.hostname, parts.port, payload) == payload
        await twin.disconnect(tunnel.public_url, cfg)
        assert await twin.get_tunnels(cfg) == []


async def test_named_tunnel_percent_encoding_and_metrics(twin: Twin, upstream: ThreadingHTTPServer) -> None:
    cfg = twin.cfg
    tunnel = await twin.connect(upstream.server_address[1], name="my web (1)", pyngrok_config=cfg, bind_tls=True)
    assert tunnel.name == "my web (1)"
    assert tunnel.uri == "/api/tunnels/my%20web%20%281%29"
    before = (await twin.agent_get_tunnel("my web (1)"))["metrics"]["http"]["count"]
    await asyncio.to_thread(tunnel.refresh_metrics)  # synchronous in both twins
    assert tunnel.metrics.get("http", {}).get("count", 0) == before
    assert (await _get(f"{tunnel.public_url}/m")).status_code == 200
    assert (await twin.agent_get_tunnel("my web (1)"))["metrics"]["http"]["count"] == before + 1
    await asyncio.to_thread(tunnel.refresh_metrics)
    assert tunnel.metrics["http"]["count"] == before + 1
    assert tunnel.data["metrics"] is tunnel.metrics
    await twin.disconnect(tunnel.public_url or "", cfg)
    with pytest.raises(TunnelNotFoundError) as info:
        await twin.agent_get_tunnel("my web (1)")
    assert info.value.error_code == 100
    assert info.value.details == {"name": "my web (1)"}
    with pytest.raises(TunnelNotFoundError) as refreshed:
        await asyncio.to_thread(tunnel.refresh_metrics)
    assert refreshed.value.error_code == 100
    assert refreshed.value.status_code == 404


async def test_config_file_definitions_and_connect_all(twin: Twin, upstream: ThreadingHTTPServer) -> None:
    cfg = twin.cfg
    assert cfg.config_path is not None
    path = Path(cfg.config_path)
    original = path.read_text() if path.exists() else None
    port = upstream.server_address[1]
    data = yaml.safe_load(original or "") or {}
    data["tunnels"] = {
        "site": {"addr": port, "proto": "http", "bind_tls": True},
        "pyngrok-default": {"addr": port, "proto": "http"},
        "pair": {"addr": port, "proto": "http", "bind_tls": "both"},
        "raw": {"addr": port, "proto": "tcp"},
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    try:
        named = await twin.connect(name="site", pyngrok_config=cfg)
        assert named.name == "site-api"
        assert named.public_url is not None and named.public_url.startswith("https://")
        assert (await _get(named.public_url + "/cfg")).text == "GET /cfg 0"
        await twin.disconnect(named.public_url, cfg)

        default = await twin.connect(pyngrok_config=cfg)  # the file says no bind_tls: https only
        assert default.name == "pyngrok-default-api"
        assert [t.name for t in await twin.get_tunnels(cfg)] == ["pyngrok-default-api"]
        await twin.disconnect(default.public_url or "", cfg)

        pair = await twin.connect(name="pair", pyngrok_config=cfg)  # the file's bind_tls "both" is kept
        assert {t.name for t in await twin.get_tunnels(cfg)} == {"pair-api", "pair-api (http)"}
        await twin.disconnect(pair.public_url or "", cfg)
        assert await twin.get_tunnels(cfg) == []

        started = await twin.connect_all(cfg)
        assert [t.name for t in started] == ["site-api", "pair-api", "raw-api"]
        assert started[2].public_url is not None and started[2].public_url.startswith("tcp://")
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_text(original)


AGENT_REFUSALS: list[tuple[dict[str, object], str]] = [
    # values only the agent checks (a bad proto, bind_tls or inspect type is refused before any I/O: see
    # test_arguments_scenarios.py)
    ({"proto": "tcp", "remote_addr": "garbage"}, "invalid 'remote_addr'"),
    ({"proto": "http", "hostname": "a.example", "subdomain": "x"}, "must not specify both hostname and subdomain"),
    ({"proto": "tls", "crt": "/nonexistent", "key": "/nonexistent"}, "no such file or directory"),
]


@pytest.mark.parametrize(("kwargs", "text"), AGENT_REFUSALS)
async def test_bad_input_gets_the_agents_error(twin: Twin, kwargs: dict[str, object], text: str) -> None:
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        await twin.connect(8000, pyngrok_config=twin.cfg, **kwargs)  # type: ignore[arg-type]
    assert info.value.status_code == 400
    assert info.value.error_code == 102
    assert info.value.message == "invalid tunnel configuration"
    assert text in info.value.details["err"]


LOCAL_REFUSALS: list[tuple[dict[str, object], str]] = [
    ({"upstream": {"url": "8000"}}, r'runs a v2 agent \(ngrok_version="2"\)'),  # the real reason (issue 9)
    ({"schemes": ["ftp"]}, 'Option "schemes" must be'),
    ({"basic_auth": ["a:b", "c:d"]}, "supports only one"),
    ({"bind_tls": True, "schemes": ["https"]}, '"bind_tls" and "schemes"'),
    ({"auth": "a:b", "basic_auth": ["a:b"]}, '"auth" and "basic_auth"'),
]


@pytest.mark.parametrize(("options", "text"), LOCAL_REFUSALS)
async def test_v3_only_and_untranslatable_options_refused_before_any_call(
    twin: Twin, options: dict[str, object], text: str
) -> None:
    before = await twin.get_tunnels(twin.cfg)
    with pytest.raises(PyngrokError, match=text) as info:
        await twin.connect(8000, pyngrok_config=twin.cfg, **options)  # type: ignore[arg-type]
    assert not isinstance(info.value, PyngrokNgrokError)
    assert await twin.get_tunnels(twin.cfg) == before


async def test_disconnect_unknown_url_is_silent_and_unknown_tunnel_raises(twin: Twin) -> None:
    await twin.disconnect("https://localhost:1", twin.cfg)
    with pytest.raises(TunnelNotFoundError) as info:
        await twin.agent_get_tunnel("no such (tunnel)")
    assert info.value.details == {"name": "no such (tunnel)"}


async def test_twenty_concurrent_connects_and_disconnects_lose_nothing(
    twin: Twin, upstream: ThreadingHTTPServer
) -> None:
    cfg, port = twin.cfg, upstream.server_address[1]
    await twin.get_ngrok_process(cfg)  # started once, before the race (the sync twin's calls run in 20 threads)

    async def worker(index: int) -> str:
        tunnel = await twin.connect(port, name=f"t{index}", pyngrok_config=cfg, bind_tls="both")
        assert tunnel.public_url is not None
        if index % 2:
            await twin.disconnect(tunnel.public_url, cfg)
        return tunnel.public_url

    urls = await asyncio.gather(*(worker(i) for i in range(20)))
    assert len(urls) == 20
    # A disconnected tunnel's port may be handed out again, so only the tunnels still up must have distinct URLs.
    kept = {urls[i] for i in range(0, 20, 2)}
    assert len(kept) == 10
    remaining = await twin.get_tunnels(cfg)
    expected = {f"t{i}" for i in range(0, 20, 2)} | {f"t{i} (http)" for i in range(0, 20, 2)}
    assert {t.name for t in remaining} == expected
    assert {t.public_url for t in remaining if t.proto == "https"} == kept


async def test_api_request_reaches_the_agent_and_maps_errors(twin: Twin) -> None:
    api_url = (await twin.get_ngrok_process(twin.cfg)).api_url
    listing = await twin.api_request(f"{api_url}/api/tunnels", timeout=twin.cfg.request_timeout)
    assert listing["uri"] == "/api/tunnels"
    with pytest.raises(TunnelNotFoundError):
        await twin.api_request(f"{api_url}/api/tunnels/nope", method="DELETE")
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        await twin.api_request(f"{api_url}/api/tunnels", method="POST", data={})
    assert info.value.status_code == 400
    assert info.value.error_code == 102
    with pytest.raises(PyngrokSecurityError):
        await twin.api_request("file:///etc/passwd")


async def test_status_version_and_api_command_on_the_v2_agent(twin: Twin, tmp_path: Path) -> None:
    with pytest.raises(PyngrokNgrokHTTPError, match=r"has no /api/status") as info:
        await twin.get_agent_status(twin.cfg)
    assert info.value.status_code == 404
    assert await twin.get_version(twin.cfg) == ("2.3.41", __version__)
    for config in (twin.cfg, agent_config(tmp_path, config_path=None)):  # 2.3.41 has no `ngrok api`: refused, not run
        with pytest.raises(PyngrokError, match=r'ngrok api needs a v3 agent.*ngrok_version="2"') as failed:
            await twin.api("endpoints", "list", pyngrok_config=config)
        assert not isinstance(failed.value, PyngrokNgrokError)  # nothing ran: no exit code, no agent output


async def test_kill_forgets_the_agents_tunnels_and_closes_its_sync_client(
    twin: Twin, upstream: ThreadingHTTPServer, tmp_path: Path
) -> None:
    from typed_ngrok._agent_api import sync as agent_sync
    from typed_ngrok._tunnels.registry import registry_for

    own = agent_config(tmp_path / "killed")  # its own agent: this one is killed
    try:
        tunnel = await twin.connect(upstream.server_address[1], pyngrok_config=own)
        await asyncio.to_thread(tunnel.refresh_metrics)  # the sync client, also for aio tunnels
        api_url = (await twin.get_ngrok_process(own)).api_url or ""
        registry = registry_for(own.ngrok_path, api_url)
        assert [key for key in agent_sync._apis if key[0] == api_url] != []
    finally:
        await twin.kill(own)
    assert registry.closed.is_set()  # its background cleanups stop
    assert [key for key in agent_sync._apis if key[0] == api_url] == []  # aio.kill left it open (a socket leak)


# ---- the twins' errors are the same, to the letter ----------------------------------------------------------------
def _connect_with(options: dict[str, object]) -> Callable[[Twin], Awaitable[object]]:
    return lambda t: t.connect(8000, pyngrok_config=t.cfg, **options)  # type: ignore[arg-type]


ERROR_SCENARIOS: list[tuple[str, Callable[[Twin], Awaitable[object]]]] = [
    *((f"agent refuses {sorted(kw)}", _connect_with(kw)) for kw, _ in AGENT_REFUSALS),
    *((f"refused here {sorted(kw)}", _connect_with(kw)) for kw, _ in LOCAL_REFUSALS),
    ("no /api/status", lambda t: t.get_agent_status(t.cfg)),
    ("unknown tunnel", lambda t: t.agent_get_tunnel("no such (tunnel)")),
    ("api on v2", lambda t: t.api("endpoints", "list", pyngrok_config=t.cfg)),
    ("api_request DELETE unknown", lambda t: _api_request(t, "/api/tunnels/nope", "DELETE")),
    ("api_request bad POST", lambda t: _api_request(t, "/api/tunnels", "POST", {})),
    ("api_request file scheme", lambda t: t.api_request("file:///etc/passwd")),
]


async def _api_request(twin: Twin, path: str, method: str, data: dict[str, object] | None = None) -> object:
    api_url = (await twin.get_ngrok_process(twin.cfg)).api_url
    return await twin.api_request(f"{api_url}{path}", method=method, data=data)


@pytest.mark.parametrize("scenario", [s for _, s in ERROR_SCENARIOS], ids=[label for label, _ in ERROR_SCENARIOS])
async def test_error_texts_are_the_same_in_both_twins(
    agents: Agents, scenario: Callable[[Twin], Awaitable[object]]
) -> None:
    kind, message = await same_failure(agents, scenario)
    assert kind and message
