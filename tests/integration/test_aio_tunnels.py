"""aio.connect/get_tunnels/disconnect/connect_all/kill against the real 2.3.41 agent through the local edge.

The same scenarios as test_ngrok_tunnels.py, awaited. One agent serves the whole module, on a module-scoped loop
(an aio agent belongs to the loop that started it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
import yaml

from tests.integration.ngrok_env import agent_config, http_upstream, needs_agent, tcp_echo
from typed_ngrok import __version__, aio
from typed_ngrok.conf import PyngrokConfig
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


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cfg(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PyngrokConfig]:
    config = agent_config(tmp_path_factory.mktemp("aio-tunnels"))
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
        if tunnel.public_url:
            await aio.disconnect(tunnel.public_url, cfg)


async def _get(url: str) -> httpx.Response:
    async with httpx.AsyncClient(verify=False, timeout=20, trust_env=False) as client:
        return await client.get(url)


async def _echo_through(host: str, port: int, payload: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(payload)
        await writer.drain()
        return await asyncio.wait_for(reader.readexactly(len(payload)), 30)
    finally:
        writer.close()
        await writer.wait_closed()


async def test_default_http_connect_gives_one_https_tunnel(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    port = upstream.server_address[1]
    tunnel = await aio.connect(port, pyngrok_config=cfg)
    assert isinstance(tunnel, aio.NgrokTunnel)
    assert tunnel.proto == "https"
    assert tunnel.public_url is not None and tunnel.public_url.startswith("https://")
    assert tunnel.upstream == {"url": f"http://localhost:{port}"}
    assert [(t.name, t.public_url) for t in await aio.get_tunnels(cfg)] == [(tunnel.name, tunnel.public_url)]
    response = await _get(tunnel.public_url + "/hello")
    assert response.status_code == 200
    assert response.text == "GET /hello 0"
    await aio.disconnect(tunnel.public_url, cfg)
    assert await aio.get_tunnels(cfg) == []


@pytest.mark.parametrize("both", [{"bind_tls": "both"}, {"schemes": ["http", "https"]}])
async def test_both_schemes_track_and_remove_the_companion(
    cfg: PyngrokConfig, upstream: ThreadingHTTPServer, both: dict[str, object]
) -> None:
    tunnel = await aio.connect(upstream.server_address[1], pyngrok_config=cfg, **both)  # type: ignore[arg-type]
    assert tunnel.proto == "https"
    assert tunnel.public_url is not None and tunnel.public_url.startswith("https://")
    names = {t.name: t for t in await aio.get_tunnels(cfg)}
    assert set(names) == {tunnel.name, f"{tunnel.name} (http)"}
    companion = names[f"{tunnel.name} (http)"]
    assert companion.proto == "http"
    for url in (tunnel.public_url, companion.public_url):
        assert url is not None
        response = await _get(url + "/hello")
        assert response.status_code == 200
        assert response.text == "GET /hello 0"
    await aio.disconnect(tunnel.public_url, cfg)
    assert await aio.get_tunnels(cfg) == []


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
    cfg: PyngrokConfig, upstream: ThreadingHTTPServer, option: dict[str, object], scheme: str
) -> None:
    tunnel = await aio.connect(upstream.server_address[1], "http", pyngrok_config=cfg, **option)  # type: ignore[arg-type]
    assert tunnel.public_url is not None and tunnel.public_url.startswith(f"{scheme}://")
    assert [t.public_url for t in await aio.get_tunnels(cfg)] == [tunnel.public_url]
    assert (await _get(tunnel.public_url + "/only")).text == "GET /only 0"


async def test_basic_auth_reaches_the_v2_agent_as_auth(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    tunnel = await aio.connect(upstream.server_address[1], pyngrok_config=cfg, basic_auth="user:s3cret")
    assert tunnel.public_url is not None
    assert (await _get(tunnel.public_url + "/private")).status_code == 401
    async with httpx.AsyncClient(verify=False, timeout=20, trust_env=False) as client:
        allowed = await client.get(tunnel.public_url + "/private", auth=("user", "s3cret"))
    assert allowed.status_code == 200
    assert allowed.text == "GET /private 0"


@pytest.mark.parametrize("proto", ["tcp", "tls"])
async def test_tcp_and_tls_tunnels_carry_bytes_to_upstream(cfg: PyngrokConfig, proto: Proto) -> None:
    with tcp_echo() as port:
        tunnel = await aio.connect(str(port), proto, pyngrok_config=cfg)
        assert tunnel.proto == proto
        assert tunnel.public_url is not None and tunnel.public_url.startswith(f"{proto}://")
        parts = urlsplit(tunnel.public_url)
        assert parts.hostname and parts.port
        payload = f"ping over {proto}".encode()
        assert await _echo_through(parts.hostname, parts.port, payload) == payload
        await aio.disconnect(tunnel.public_url, cfg)
        assert await aio.get_tunnels(cfg) == []


async def test_named_tunnel_percent_encoding_and_metrics(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    tunnel = await aio.connect(upstream.server_address[1], name="my web (1)", pyngrok_config=cfg, bind_tls=True)
    assert tunnel.name == "my web (1)"
    assert tunnel.uri == "/api/tunnels/my%20web%20%281%29"
    api = (await aio.get_ngrok_process(cfg)).agent_api(cfg.request_timeout)
    before = (await api.get_tunnel("my web (1)"))["metrics"]["http"]["count"]
    assert (await _get(f"{tunnel.public_url}/m")).status_code == 200
    assert (await api.get_tunnel("my web (1)"))["metrics"]["http"]["count"] == before + 1
    await aio.disconnect(tunnel.public_url or "", cfg)
    with pytest.raises(TunnelNotFoundError) as info:
        await api.get_tunnel("my web (1)")
    assert info.value.error_code == 100
    assert info.value.details == {"name": "my web (1)"}


async def test_config_file_definitions_and_connect_all(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
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
        named = await aio.connect(name="site", pyngrok_config=cfg)
        assert named.name == "site-api"
        assert named.public_url is not None and named.public_url.startswith("https://")
        assert (await _get(named.public_url + "/cfg")).text == "GET /cfg 0"
        await aio.disconnect(named.public_url, cfg)

        default = await aio.connect(pyngrok_config=cfg)  # the file says no bind_tls: https only
        assert default.name == "pyngrok-default-api"
        assert [t.name for t in await aio.get_tunnels(cfg)] == ["pyngrok-default-api"]
        await aio.disconnect(default.public_url or "", cfg)

        pair = await aio.connect(name="pair", pyngrok_config=cfg)  # the file's bind_tls "both" is kept
        assert {t.name for t in await aio.get_tunnels(cfg)} == {"pair-api", "pair-api (http)"}
        await aio.disconnect(pair.public_url or "", cfg)
        assert await aio.get_tunnels(cfg) == []

        started = await aio.connect_all(cfg)
        assert [t.name for t in started] == ["site-api", "pair-api", "raw-api"]
        assert started[2].public_url is not None and started[2].public_url.startswith("tcp://")
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_text(original)


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        # values only the agent checks (a bad proto, bind_tls or inspect type is refused before any I/O: see
        # test_arguments_agent.py)
        ({"proto": "tcp", "remote_addr": "garbage"}, "invalid 'remote_addr'"),
        ({"proto": "http", "hostname": "a.example", "subdomain": "x"}, "must not specify both hostname and subdomain"),
        ({"proto": "tls", "crt": "/nonexistent", "key": "/nonexistent"}, "no such file or directory"),
    ],
)
async def test_bad_input_gets_the_agents_error(cfg: PyngrokConfig, kwargs: dict[str, object], text: str) -> None:
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        await aio.connect(8000, pyngrok_config=cfg, **kwargs)  # type: ignore[arg-type]
    assert info.value.status_code == 400
    assert info.value.error_code == 102
    assert info.value.message == "invalid tunnel configuration"
    assert text in info.value.details["err"]


async def test_v3_only_and_untranslatable_options_refused_and_unknown_url_ignored(cfg: PyngrokConfig) -> None:
    with pytest.raises(PyngrokError, match=r'runs a v2 agent \(ngrok_version="2"\)'):  # the real reason (issue 9)
        await aio.connect(8000, pyngrok_config=cfg, upstream={"url": "8000"})
    with pytest.raises(PyngrokError, match="supports only one"):
        await aio.connect(8000, pyngrok_config=cfg, basic_auth=["a:b", "c:d"])
    with pytest.raises(PyngrokError, match='"auth" and "basic_auth"'):
        await aio.connect(8000, pyngrok_config=cfg, auth="a:b", basic_auth=["a:b"])
    await aio.disconnect("https://localhost:1", cfg)


async def test_twenty_concurrent_connects_and_disconnects_lose_nothing(
    cfg: PyngrokConfig, upstream: ThreadingHTTPServer
) -> None:
    port = upstream.server_address[1]

    async def worker(index: int) -> str:
        tunnel = await aio.connect(port, name=f"t{index}", pyngrok_config=cfg, bind_tls="both")
        assert tunnel.public_url is not None
        if index % 2:
            await aio.disconnect(tunnel.public_url, cfg)
        return tunnel.public_url

    urls = await asyncio.gather(*(worker(i) for i in range(20)))
    # A disconnected tunnel's port may be handed out again, so only the tunnels still up must have distinct URLs.
    kept = {urls[i] for i in range(0, 20, 2)}
    assert len(kept) == 10
    remaining = await aio.get_tunnels(cfg)
    expected = {f"t{i}" for i in range(0, 20, 2)} | {f"t{i} (http)" for i in range(0, 20, 2)}
    assert {t.name for t in remaining} == expected
    assert {t.public_url for t in remaining if t.proto == "https"} == kept


async def test_api_request_reaches_the_agent_and_maps_errors(cfg: PyngrokConfig) -> None:
    api_url = (await aio.get_ngrok_process(cfg)).api_url
    listing = await aio.api_request(f"{api_url}/api/tunnels", timeout=cfg.request_timeout)
    assert listing["uri"] == "/api/tunnels"
    with pytest.raises(TunnelNotFoundError):
        await aio.api_request(f"{api_url}/api/tunnels/nope", method="DELETE")
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        await aio.api_request(f"{api_url}/api/tunnels", method="POST", data={})
    assert info.value.status_code == 400
    assert info.value.error_code == 102
    with pytest.raises(PyngrokSecurityError):
        await aio.api_request("file:///etc/passwd")


async def test_status_version_and_api_command_on_the_v2_agent(cfg: PyngrokConfig, tmp_path: Path) -> None:
    with pytest.raises(PyngrokNgrokHTTPError, match=r"has no /api/status") as info:
        await aio.get_agent_status(cfg)
    assert info.value.status_code == 404
    assert await aio.get_version(cfg) == ("2.3.41", __version__)
    for config in (cfg, agent_config(tmp_path, config_path=None)):  # 2.3.41 has no `ngrok api`: refused, not run
        with pytest.raises(PyngrokError, match=r'ngrok api needs a v3 agent.*ngrok_version="2"') as failed:
            await aio.api("endpoints", "list", pyngrok_config=config)
        assert not isinstance(failed.value, PyngrokNgrokError)  # nothing ran: no exit code, no agent output
