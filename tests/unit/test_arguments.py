"""Issue 9 item 7: wrong arguments are refused before any I/O with a ``PyngrokError`` naming the argument, in the
shared places both twins call (``_tunnels.requests.build_connect_request``, ``_tunnels.resolve``, ``_cli``).

The public-function tests use a config whose binary does not exist: had the check not come first, the call would
have tried to install or start an agent and failed with another message (or, for ``api()``, with a
``PyngrokNgrokError`` from running it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from typed_ngrok import agent, aio, conf, ngrok, process
from typed_ngrok._tunnels.requests import build_connect_request
from typed_ngrok._tunnels.resolve import check_limit, check_name_free, check_public_url, edge_ca_path, resolve_config
from typed_ngrok.conf import PyngrokConfig, get_default
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError
from typed_ngrok.ngrok import NgrokTunnel


def _build(addr: Any = 8000, proto: Any = None, name: Any = None, cv: str = "3", nv: Any = None, **options: Any) -> Any:
    return build_connect_request(addr, proto, name, options, config_version=cv, ngrok_version=nv, new_id=lambda: "ID")


@pytest.fixture
def missing(tmp_path: Path) -> PyngrokConfig:
    """A config whose binary and config file do not exist (any I/O would fail loudly and differently)."""
    return PyngrokConfig(
        ngrok_path=str(tmp_path / "no-such-ngrok"),
        config_path=str(tmp_path / "no-such.yml"),
        ngrok_version="2",
        config_version="2",
    )


# -- connect(): addr, proto, name --


@pytest.mark.parametrize("cv", ["2", "3"])
@pytest.mark.parametrize(
    ("addr", "text"),
    [
        (3.5, '"addr" must be a port'),
        ([8000], '"addr" must be a port'),
        ((8000,), '"addr" must be a port'),
        (True, '"addr" must be a port'),
        (b"8000", '"addr" must be a port'),
        (70000, '"addr" port must be between 1 and 65535, got 70000'),
        (0, '"addr" port must be between 1 and 65535'),
        (-1, '"addr" port must be between 1 and 65535'),
        ("70000", '"addr" port must be between 1 and 65535'),
        ("localhost:65536", '"addr" port must be between 1 and 65535'),
        ("local host:80", '"addr" must not contain spaces'),
    ],
)
def test_bad_addr_refused(cv: str, addr: object, text: str) -> None:
    with pytest.raises(PyngrokError, match=text):
        _build(addr, cv=cv)


@pytest.mark.parametrize(
    "addr", [1, 65535, "8080", " 5000 ", "localhost:8080", "[::1]:8080", "http://x:1", "file:///srv", None, ""]
)
def test_good_addr_accepted(addr: object) -> None:
    assert _build(addr, cv="2").body["addr"]


@pytest.mark.parametrize("cv", ["2", "3"])
@pytest.mark.parametrize("proto", ["htp", "HTTP", "https", 5, ["http"]])
def test_bad_proto_refused(cv: str, proto: object) -> None:
    with pytest.raises(PyngrokError, match='"proto" must be "http" or "tcp" or "tls"'):
        _build(proto=proto, cv=cv)


def test_https_proto_gets_a_hint() -> None:
    with pytest.raises(PyngrokError, match='use "http", which is https-only by default'):
        _build(proto="https")


def test_bad_proto_in_a_definition_refused() -> None:
    config = {"tunnels": {"web": {"addr": 8000, "proto": "htp"}}}
    with pytest.raises(PyngrokError, match=r"\"proto\" of the config-file definition 'web' must be"):
        build_connect_request(None, None, "web", {}, config_version="3", config=config)


def test_bad_name_refused() -> None:
    with pytest.raises(PyngrokError, match='"name" must be a str or None, got 5'):
        _build(name=5)


@pytest.mark.parametrize("name", ["100%", "a%41", "a/b", ".", ".."])
def test_name_that_cannot_round_trip_through_the_agent_refused(name: str) -> None:
    """2.3.41 percent-decodes ``GET /api/tunnels/{name}`` twice: ``a%41`` would read tunnel ``aA``."""
    with pytest.raises(PyngrokError, match="\"name\" must be a tunnel name without '%' or '/'"):
        _build(name=name)


def test_empty_name_is_generated_as_in_pyngrok() -> None:
    assert _build(name="").name.startswith("http-")


# -- connect(): options --


@pytest.mark.parametrize("cv", ["2", "3"])
@pytest.mark.parametrize(
    ("options", "text"),
    [
        ({"auth": "nocolon"}, 'Option "auth" must be "user:pass"'),
        ({"auth": ":pw"}, 'Option "auth" must be "user:pass"'),
        ({"auth": ["a:b", "nocolon"]}, 'Option "auth" must be "user:pass"'),
        ({"auth": 5}, 'Option "auth" must be a "user:pass" string'),
        ({"auth": []}, 'Option "auth" must be a "user:pass" string'),
        ({"basic_auth": ["nocolon"]}, 'Option "basic_auth" must be "user:pass"'),
        ({"subdomain": "my app"}, 'Option "subdomain" must be DNS labels'),
        ({"subdomain": "-app"}, 'Option "subdomain" must be DNS labels'),
        ({"subdomain": "*.app"}, 'Option "subdomain" must be DNS labels'),
        ({"subdomain": 5}, 'Option "subdomain" must be DNS labels'),
        ({"hostname": "a b.example"}, 'Option "hostname" must be a DNS name'),
        ({"bind_tls": 123}, 'Option "bind_tls" must be True, False or "both"'),
        ({"bind_tls": "foo"}, 'Option "bind_tls" must be True, False or "both"'),
        ({"inspect": "false"}, 'Option "inspect" must be True or False'),
        ({"schemes": ["ftp"]}, 'Option "schemes" must be'),
        ({"host_header": 1}, 'Option "host_header" must be a str'),
        ({"remote_addr": 5}, 'Option "remote_addr" must be a str'),
    ],
)
def test_bad_option_values_refused(cv: str, options: dict[str, Any], text: str) -> None:
    with pytest.raises(PyngrokError, match=text):
        _build(cv=cv, **options)


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ({"domain": "a b"}, 'Option "domain" must be a DNS name'),
        ({"upstream": "8000"}, 'Option "upstream" must be a mapping'),
        ({"traffic_policy": 5}, 'Option "traffic_policy" must be a str or a mapping'),
        ({"bindings": "public"}, 'Option "bindings" must be a list of str'),
        ({"circuit_breaker": True}, 'Option "circuit_breaker" must be a number'),
        ({"pooling_enabled": "yes"}, 'Option "pooling_enabled" must be True or False'),
    ],
)
def test_bad_v3_option_values_refused(options: dict[str, Any], text: str) -> None:
    with pytest.raises(PyngrokError, match=text):
        _build(**options)


def test_credentials_are_never_echoed() -> None:
    for options in ({"auth": "s3cretnocolon"}, {"auth": [":s3cret"]}, {"basic_auth": ["s3cret"]}):
        with pytest.raises(PyngrokError) as info:
            _build(**options)
        assert "s3cret" not in str(info.value)


@pytest.mark.parametrize("domain", ["app.example.com", "*.example.com", "x-1.ngrok.app"])
def test_good_domains_accepted(domain: str) -> None:
    assert _build(domain=domain).body["domain"] == domain


@pytest.mark.parametrize("option", ["domain", "oauth", "traffic_policy", "region"])
def test_v2_agent_refuses_options_it_would_silently_ignore(option: str) -> None:
    value: Any = {"provider": "google"} if option == "oauth" else "x.example"
    with pytest.raises(PyngrokError, match=rf"\['{option}'\] need a v3 agent.*v2 agent \(ngrok_version=\"2\"\)"):
        _build(cv="2", nv="2", **{option: value})


@pytest.mark.parametrize("subdomain", ["app", "my-app", "a.b", "x1"])
def test_good_subdomains_accepted(subdomain: str) -> None:
    assert _build(cv="2", subdomain=subdomain).body["subdomain"] == subdomain


def test_v2_agent_accepts_its_own_options() -> None:
    body = _build(cv="2", nv="2", subdomain="app", inspect=False, metadata="m", host_header="rewrite").body
    assert (body["subdomain"], body["inspect"], body["metadata"], body["host_header"]) == ("app", False, "m", "rewrite")


# -- pyngrok_config, disconnect's public_url, get_requests' limit --


def test_resolve_config() -> None:
    assert resolve_config(None) is get_default()
    config = PyngrokConfig()
    assert resolve_config(config) is config
    with pytest.raises(PyngrokError, match='"pyngrok_config" must be a PyngrokConfig or None, got a str'):
        resolve_config("x")  # type: ignore[arg-type]


def _both(sync: Callable[..., Any], asynchronous: Callable[..., Awaitable[Any]]) -> list[Any]:
    async def run_sync(*args: Any, **kwargs: Any) -> Any:
        return sync(*args, **kwargs)

    return [pytest.param(run_sync, id=f"sync-{sync.__name__}"), pytest.param(asynchronous, id=f"aio-{sync.__name__}")]


CONFIG_TAKERS = [
    *_both(ngrok.connect, aio.connect),
    *_both(ngrok.get_tunnels, aio.get_tunnels),
    *_both(ngrok.kill, aio.kill),
    *_both(ngrok.get_ngrok_process, aio.get_ngrok_process),
    *_both(ngrok.install_ngrok, aio.install_ngrok),
    *_both(ngrok.get_version, aio.get_version),
    *_both(ngrok.update, aio.update),
    *_both(ngrok.connect_all, aio.connect_all),
    *_both(agent.get_requests, aio.get_requests),
    *_both(agent.delete_requests, aio.delete_requests),
    *_both(agent.get_agent_status, aio.get_agent_status),
]


@pytest.mark.parametrize("call", CONFIG_TAKERS)
async def test_every_public_function_checks_pyngrok_config(call: Callable[..., Awaitable[Any]]) -> None:
    with pytest.raises(PyngrokError, match='"pyngrok_config" must be a PyngrokConfig or None, got a str') as info:
        await call(pyngrok_config="x")
    assert not isinstance(info.value, AttributeError)


@pytest.mark.parametrize(
    "call",
    [
        *_both(ngrok.disconnect, aio.disconnect),
        *_both(ngrok.set_auth_token, aio.set_auth_token),
        *_both(ngrok.set_api_key, aio.set_api_key),
    ],
)
async def test_positional_first_functions_check_pyngrok_config(call: Callable[..., Awaitable[Any]]) -> None:
    with pytest.raises(PyngrokError, match='"pyngrok_config" must be a PyngrokConfig'):
        await call("https://x.example", pyngrok_config="x")


@pytest.mark.parametrize(
    "call",
    [
        lambda: process.set_auth_token("x", "token"),  # type: ignore[arg-type]
        lambda: process.set_api_key("x", "key"),  # type: ignore[arg-type]
        lambda: process.get_process("x"),  # type: ignore[arg-type]
        lambda: conf.get_config_path("x"),  # type: ignore[arg-type]
        lambda: conf.set_default("x"),  # type: ignore[arg-type]
    ],
    ids=["set_auth_token", "set_api_key", "get_process", "get_config_path", "set_default"],
)
def test_config_first_functions_check_pyngrok_config(call: Callable[[], object]) -> None:
    with pytest.raises(PyngrokError, match="PyngrokConfig"):
        call()


@pytest.mark.parametrize("call", _both(ngrok.api, aio.api))
async def test_api_checks_pyngrok_config(call: Callable[..., Awaitable[Any]]) -> None:
    with pytest.raises(PyngrokError, match='"pyngrok_config" must be a PyngrokConfig'):
        await call("endpoints", "list", pyngrok_config="x")


@pytest.mark.parametrize("call", _both(ngrok.disconnect, aio.disconnect))
@pytest.mark.parametrize("public_url", [42, None, b"https://x", ["https://x"]])
async def test_disconnect_needs_a_str(
    call: Callable[..., Awaitable[Any]], public_url: object, missing: PyngrokConfig
) -> None:
    with pytest.raises(PyngrokError, match=r'"public_url" must be a str \(a tunnel\'s public URL\)'):
        await call(public_url, missing)


def test_check_public_url_accepts_any_str() -> None:
    check_public_url("")
    check_public_url("https://x.example")


@pytest.mark.parametrize("call", _both(agent.get_requests, aio.get_requests))
@pytest.mark.parametrize("limit", [-1, 0, True, False, 1.5, "3"])
async def test_get_requests_limit_checked_first(
    call: Callable[..., Awaitable[Any]], limit: object, missing: PyngrokConfig
) -> None:
    with pytest.raises(PyngrokError, match='"limit" must be None or an int >= 1'):
        await call(pyngrok_config=missing, limit=limit)


def test_check_limit_accepts_none_and_positive_ints() -> None:
    for limit in (None, 1, 500):
        check_limit(limit)


# -- api() on a v2 agent --


@pytest.mark.parametrize("call", _both(ngrok.api, aio.api))
@pytest.mark.parametrize("version", ["2", "v2", "2.3.41"])
async def test_api_refused_for_a_v2_agent_before_running(
    call: Callable[..., Awaitable[Any]], version: str, missing: PyngrokConfig
) -> None:
    missing.ngrok_version = version
    with pytest.raises(PyngrokError, match=r'ngrok api needs a v3 agent.*ngrok_version="') as info:
        await call("endpoints", "list", pyngrok_config=missing)
    assert not isinstance(info.value, PyngrokNgrokError)  # nothing ran (the binary does not even exist)
    assert 'no "api" command' in str(info.value)


# -- the name clash, the CA accessor --


def _tunnel(name: str, url: str) -> NgrokTunnel:
    return NgrokTunnel({"name": name, "public_url": url}, PyngrokConfig(config_version="2"), None)


def test_name_in_use_refused_with_its_url() -> None:
    tunnels = [_tunnel("web", "https://a.example"), _tunnel("web (http)", "http://a.example")]
    with pytest.raises(PyngrokError, match=r"\"name\" 'web' is already used by tunnel https://a.example"):
        check_name_free("web", tunnels)
    check_name_free("api", tunnels)


def test_edge_ca_path_without_a_local_edge() -> None:
    with pytest.raises(PyngrokError, match=r'does not use the local edge \(PyngrokConfig edge="local"\)'):
        edge_ca_path(None, "/x/ngrok")
