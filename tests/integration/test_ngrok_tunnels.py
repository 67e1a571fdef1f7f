"""ngrok.connect/get_tunnels/disconnect/connect_all against the real 2.3.41 agent through the local edge."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from tests.integration.ngrok_env import agent_config, echo_through, http_upstream, needs_agent, tcp_echo
from typed_ngrok import ngrok
from typed_ngrok._agent_api.sync import agent_api_for
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokHTTPError, TunnelNotFoundError

pytestmark = [pytest.mark.integration, needs_agent, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PyngrokConfig]:
    config = agent_config(tmp_path_factory.mktemp("tunnels"))
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
        if tunnel.public_url:
            ngrok.disconnect(tunnel.public_url, cfg)


def _get(url: str) -> httpx.Response:
    return httpx.get(url, verify=False, timeout=20, trust_env=False)


def test_default_http_connect_gives_one_https_tunnel(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    port = upstream.server_address[1]
    tunnel = ngrok.connect(port, pyngrok_config=cfg)
    assert tunnel.proto == "https"
    assert tunnel.public_url is not None and tunnel.public_url.startswith("https://")
    assert tunnel.config["addr"] == f"http://localhost:{port}"
    assert tunnel.upstream == {"url": f"http://localhost:{port}"}
    assert [(t.name, t.public_url) for t in ngrok.get_tunnels(cfg)] == [(tunnel.name, tunnel.public_url)]
    response = _get(tunnel.public_url + "/hello")
    assert response.status_code == 200
    assert response.text == "GET /hello 0"
    ngrok.disconnect(tunnel.public_url, cfg)
    assert ngrok.get_tunnels(cfg) == []


@pytest.mark.parametrize("both", [{"bind_tls": "both"}, {"schemes": ["http", "https"]}])
def test_both_schemes_track_and_remove_the_companion(
    cfg: PyngrokConfig, upstream: ThreadingHTTPServer, both: dict[str, object]
) -> None:
    tunnel = ngrok.connect(upstream.server_address[1], pyngrok_config=cfg, **both)  # type: ignore[arg-type]
    assert tunnel.proto == "https"
    assert tunnel.public_url is not None and tunnel.public_url.startswith("https://")
    names = {t.name: t for t in ngrok.get_tunnels(cfg)}
    assert set(names) == {tunnel.name, f"{tunnel.name} (http)"}
    companion = names[f"{tunnel.name} (http)"]
    assert companion.proto == "http"
    for url in (tunnel.public_url, companion.public_url):
        assert url is not None
        response = _get(url + "/hello")
        assert response.status_code == 200
        assert response.text == "GET /hello 0"
    ngrok.disconnect(tunnel.public_url, cfg)
    assert ngrok.get_tunnels(cfg) == []


@pytest.mark.parametrize(
    ("option", "scheme"),
    [
        ({"bind_tls": True}, "https"),
        ({"bind_tls": False}, "http"),
        ({"schemes": ["https"]}, "https"),
        ({"schemes": ["http"]}, "http"),
    ],
)
def test_bind_tls_and_schemes_reach_the_v2_agent_as_bind_tls(
    cfg: PyngrokConfig, upstream: ThreadingHTTPServer, option: dict[str, object], scheme: str
) -> None:
    tunnel = ngrok.connect(upstream.server_address[1], "http", pyngrok_config=cfg, **option)  # type: ignore[arg-type]
    assert tunnel.public_url is not None and tunnel.public_url.startswith(f"{scheme}://")
    assert [t.public_url for t in ngrok.get_tunnels(cfg)] == [tunnel.public_url]
    response = _get(tunnel.public_url + "/only")
    assert response.text == "GET /only 0"


def test_basic_auth_reaches_the_v2_agent_as_auth(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    tunnel = ngrok.connect(upstream.server_address[1], pyngrok_config=cfg, basic_auth=["user:s3cret"])
    assert tunnel.public_url is not None
    assert _get(tunnel.public_url + "/private").status_code == 401
    allowed = httpx.get(
        tunnel.public_url + "/private", auth=("user", "s3cret"), verify=False, timeout=20, trust_env=False
    )
    assert allowed.status_code == 200
    assert allowed.text == "GET /private 0"


def test_tcp_tunnel_reaches_upstream(cfg: PyngrokConfig) -> None:
    with tcp_echo() as port:
        tunnel = ngrok.connect(port, "tcp", pyngrok_config=cfg)
        assert tunnel.public_url is not None and tunnel.public_url.startswith("tcp://")
        assert tunnel.config["addr"] == f"localhost:{port}"
        parts = urlsplit(tunnel.public_url)
        assert parts.hostname and parts.port
        assert echo_through(parts.hostname, parts.port, b"ping over tcp") == b"ping over tcp"
        ngrok.disconnect(tunnel.public_url, cfg)


def test_tls_tunnel_passes_bytes_to_upstream(cfg: PyngrokConfig) -> None:
    with tcp_echo() as port:
        tunnel = ngrok.connect(port, "tls", pyngrok_config=cfg)
        assert tunnel.proto == "tls"
        assert tunnel.public_url is not None and tunnel.public_url.startswith("tls://")
        parts = urlsplit(tunnel.public_url)
        assert parts.hostname and parts.port
        assert echo_through(parts.hostname, parts.port, b"\x16\x03\x01raw tls-ish") == b"\x16\x03\x01raw tls-ish"


def test_named_tunnel_and_percent_encoded_name(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    tunnel = ngrok.connect(upstream.server_address[1], name="my web (1)", pyngrok_config=cfg, bind_tls=True)
    assert tunnel.name == "my web (1)"
    assert tunnel.uri == "/api/tunnels/my%20web%20%281%29"
    tunnel.refresh_metrics()
    ngrok.disconnect(tunnel.public_url or "", cfg)
    with pytest.raises(TunnelNotFoundError) as info:
        tunnel.refresh_metrics()
    assert info.value.error_code == 100
    assert info.value.status_code == 404


def test_metrics_refresh_counts_requests(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    tunnel = ngrok.connect(upstream.server_address[1], pyngrok_config=cfg, bind_tls=True)
    before = tunnel.metrics.get("http", {}).get("count", 0)
    assert _get(f"{tunnel.public_url}/m").status_code == 200
    tunnel.refresh_metrics()
    assert tunnel.metrics["http"]["count"] == before + 1
    assert tunnel.data["metrics"] is tunnel.metrics


def test_config_file_definitions_and_connect_all(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
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
        named = ngrok.connect(name="site", pyngrok_config=cfg)
        assert named.name == "site-api"
        assert named.public_url is not None and named.public_url.startswith("https://")
        assert _get(named.public_url + "/cfg").text == "GET /cfg 0"
        ngrok.disconnect(named.public_url, cfg)

        default = ngrok.connect(pyngrok_config=cfg)  # the file says no bind_tls: https only
        assert default.name == "pyngrok-default-api"
        assert [t.name for t in ngrok.get_tunnels(cfg)] == ["pyngrok-default-api"]
        ngrok.disconnect(default.public_url or "", cfg)

        pair = ngrok.connect(name="pair", pyngrok_config=cfg)  # the file's bind_tls "both" is kept
        assert {t.name for t in ngrok.get_tunnels(cfg)} == {"pair-api", "pair-api (http)"}
        ngrok.disconnect(pair.public_url or "", cfg)
        assert ngrok.get_tunnels(cfg) == []

        started = ngrok.connect_all(cfg)
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
def test_bad_input_gets_the_agents_error(cfg: PyngrokConfig, kwargs: dict[str, object], text: str) -> None:
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        ngrok.connect(8000, pyngrok_config=cfg, **kwargs)  # type: ignore[arg-type]
    assert info.value.status_code == 400
    assert info.value.error_code == 102
    assert info.value.message == "invalid tunnel configuration"
    assert text in info.value.details["err"]


def test_v3_only_options_refused_before_any_call(cfg: PyngrokConfig) -> None:
    with pytest.raises(PyngrokError, match=r'runs a v2 agent \(ngrok_version="2"\)'):  # the real reason (issue 9)
        ngrok.connect(8000, pyngrok_config=cfg, upstream={"url": "8000"})


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ({"schemes": ["ftp"]}, 'Option "schemes" must be'),
        ({"basic_auth": ["a:b", "c:d"]}, "supports only one"),
        ({"bind_tls": True, "schemes": ["https"]}, '"bind_tls" and "schemes"'),
    ],
)
def test_untranslatable_options_refused_before_any_call(
    cfg: PyngrokConfig, options: dict[str, object], text: str
) -> None:
    before = ngrok.get_tunnels(cfg)
    with pytest.raises(PyngrokError, match=text):
        ngrok.connect(8000, pyngrok_config=cfg, **options)  # type: ignore[arg-type]
    assert ngrok.get_tunnels(cfg) == before


def test_disconnect_unknown_url_is_silent_and_unknown_tunnel_raises(cfg: PyngrokConfig) -> None:
    ngrok.disconnect("https://localhost:1", cfg)
    api = agent_api_for(ngrok.get_ngrok_process(cfg).api_url or "", cfg.request_timeout)
    with pytest.raises(TunnelNotFoundError) as info:
        api.get_tunnel("no such (tunnel)")
    assert info.value.details == {"name": "no such (tunnel)"}


def test_twenty_threads_connect_and_disconnect(cfg: PyngrokConfig, upstream: ThreadingHTTPServer) -> None:
    port = upstream.server_address[1]
    errors: list[BaseException] = []
    urls: list[tuple[int, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def worker(index: int) -> None:
        try:
            barrier.wait(30)
            tunnel = ngrok.connect(port, name=f"t{index}", pyngrok_config=cfg, bind_tls="both")
            assert tunnel.public_url is not None
            with lock:
                urls.append((index, tunnel.public_url))
            if index % 2:
                ngrok.disconnect(tunnel.public_url, cfg)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not errors, errors
    assert len(urls) == 20
    # A disconnected tunnel's port may be handed out again, so only the tunnels still up must have distinct URLs.
    kept = {url for index, url in urls if index % 2 == 0}
    assert len(kept) == 10
    remaining = ngrok.get_tunnels(cfg)
    expected = {f"t{i}" for i in range(0, 20, 2)} | {f"t{i} (http)" for i in range(0, 20, 2)}
    assert {t.name for t in remaining} == expected
    assert {t.public_url for t in remaining if t.proto == "https"} == kept
