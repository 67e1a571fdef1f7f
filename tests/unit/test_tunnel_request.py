"""connect() request bodies for v2 and v3 agents, addr normalisation, legacy options, config definitions."""

from __future__ import annotations

from typing import Any

import pytest

from typed_ngrok._tunnels.requests import (
    ENDPOINTS_PATH,
    TUNNELS_PATH,
    build_connect_request,
    companion_name,
    definition_names,
    find_definition,
    is_v3,
    translate_legacy_options,
    translate_options,
    translate_v2_options,
    upstream_url,
)
from typed_ngrok.exception import PyngrokError


def _fixed_id() -> str:
    return "ID"


def _build(
    addr: str | int | None = None,
    proto: str | None = None,
    name: str | None = None,
    cv: str = "3",
    config: dict[str, Any] | None = None,
    **options: Any,
) -> Any:
    return build_connect_request(addr, proto, name, options, config_version=cv, config=config, new_id=_fixed_id)


@pytest.mark.parametrize(
    ("addr", "proto", "expected"),
    [
        ("8080", "http", "http://localhost:8080"),
        ("8080", "tcp", "localhost:8080"),
        ("8080", "tls", "localhost:8080"),
        ("localhost:8080", "http", "http://localhost:8080"),
        ("example.test:9000", "http", "http://example.test:9000"),
        ("127.0.0.1:22", "tcp", "127.0.0.1:22"),
        ("[::1]:8080", "http", "http://[::1]:8080"),
        ("http://localhost:8080", "http", "http://localhost:8080"),
        ("https://internal:8443", "http", "https://internal:8443"),
        ("file:///srv/www", "http", "file:///srv/www"),
        ("tcp://10.0.0.1:22", "tcp", "tcp://10.0.0.1:22"),
        (" 5000 ", "http", "http://localhost:5000"),
    ],
)
def test_upstream_url_for_every_addr_form(addr: str, proto: str, expected: str) -> None:
    assert upstream_url(addr, proto) == expected


def test_v2_default_connect_is_https_only() -> None:
    req = _build(cv="2")
    assert req.path == TUNNELS_PATH
    assert req.body == {"name": "http-80-ID", "addr": "80", "proto": "http", "bind_tls": True}
    assert req.fallback_path is None


def test_v2_tcp_and_int_addr() -> None:
    req = _build(22, "tcp", cv="2")
    assert req.body == {"name": "tcp-22-ID", "addr": "22", "proto": "tcp"}


@pytest.mark.parametrize("proto", ["tcp", "tls"])
def test_v2_https_default_only_for_http(proto: str) -> None:
    assert "bind_tls" not in _build(443, proto, cv="2").body


@pytest.mark.parametrize("bind_tls", [True, False, "both", "true"])
def test_v2_keeps_bind_tls_and_auth_as_given(bind_tls: object) -> None:
    req = _build(8000, cv="2", bind_tls=bind_tls, auth="user:secret")
    assert req.body["bind_tls"] == bind_tls
    assert req.body["auth"] == "user:secret"
    assert "schemes" not in req.body
    assert "basic_auth" not in req.body


@pytest.mark.parametrize(
    ("schemes", "bind_tls"),
    [
        (["https"], True),
        (["http"], False),
        (["http", "https"], "both"),
        (["https", "http"], "both"),
        (("HTTPS",), True),
        ("https", True),
        (["http", "http"], False),
    ],
)
def test_v2_schemes_become_bind_tls(schemes: object, bind_tls: object) -> None:
    req = _build(8000, cv="2", schemes=schemes)
    assert req.body["bind_tls"] == bind_tls
    assert "schemes" not in req.body


@pytest.mark.parametrize("schemes", [[], ["ftp"], ["https", "tcp"], [1], None, {"https": True}, "both"])
def test_v2_bad_schemes_named_in_the_error(schemes: object) -> None:
    with pytest.raises(PyngrokError, match='Option "schemes" must be'):
        _build(8000, cv="2", schemes=schemes)


@pytest.mark.parametrize("basic_auth", ["user:pass", ["user:pass"], ("user:pass",)])
def test_v2_basic_auth_becomes_auth(basic_auth: object) -> None:
    req = _build(8000, cv="2", basic_auth=basic_auth)
    assert req.body["auth"] == "user:pass"
    assert "basic_auth" not in req.body


def test_v2_more_than_one_credential_refused_without_echoing_it() -> None:
    with pytest.raises(PyngrokError, match="supports only one") as info:
        _build(8000, cv="2", basic_auth=["a:secret1", "b:secret2"])
    assert "secret" not in str(info.value)


@pytest.mark.parametrize("basic_auth", [[], [42], None, {"u": "p"}])
def test_v2_bad_basic_auth_refused(basic_auth: object) -> None:
    with pytest.raises(PyngrokError, match='Option "basic_auth" must be'):
        _build(8000, cv="2", basic_auth=basic_auth)


@pytest.mark.parametrize("cv", ["2", "3"])
@pytest.mark.parametrize(
    ("options", "pair"),
    [
        ({"bind_tls": True, "schemes": ["https"]}, '"bind_tls" and "schemes"'),
        ({"auth": "u:p", "basic_auth": ["u:p"]}, '"auth" and "basic_auth"'),
    ],
)
def test_both_spellings_of_one_option_refused(cv: str, options: dict[str, Any], pair: str) -> None:
    with pytest.raises(PyngrokError, match=pair):
        build_connect_request(8000, None, None, options, config_version=cv)


def test_translate_options_picks_the_direction() -> None:
    assert translate_options({"schemes": ["http"], "auth": "u:p"}, "2") == {"bind_tls": False, "auth": "u:p"}
    assert translate_options({"bind_tls": False, "auth": "u:p"}, "3") == {"schemes": ["http"], "basic_auth": ["u:p"]}
    assert translate_v2_options({"bind_tls": "both", "inspect": False}) == {"bind_tls": "both", "inspect": False}


@pytest.mark.parametrize("option", ["upstream", "bindings"])
def test_v3_only_options_refused_on_v2(option: str) -> None:
    with pytest.raises(PyngrokError, match="require config_version"):
        build_connect_request(8000, None, None, {option: {"url": "8000"}}, config_version="2")


def test_v3_default_connect() -> None:
    req = _build(5000)
    assert req.path == ENDPOINTS_PATH
    assert req.body == {"name": "http-5000-ID", "upstream": {"url": "http://localhost:5000"}}
    assert req.fallback_path == TUNNELS_PATH
    assert req.fallback_body == {"name": "http-5000-ID", "addr": "5000", "proto": "http"}


def test_v3_tcp() -> None:
    req = _build(22, "tcp")
    assert req.body == {"name": "tcp-22-ID", "upstream": {"url": "localhost:22"}, "url": "tcp://", "inspect": False}


def test_v3_host_port_is_not_double_prefixed() -> None:
    req = _build("localhost:8080")
    assert req.body["upstream"] == {"url": "http://localhost:8080"}
    assert req.body["name"] == "http-localhost:8080-ID"


def test_v3_file_addr_name() -> None:
    req = _build("file:///srv")
    assert req.body == {"name": "http-file-ID", "upstream": {"url": "file:///srv"}}


def test_v3_explicit_upstream_wins() -> None:
    req = _build(8000, upstream={"url": "http://other:1"})
    assert req.body["upstream"] == {"url": "http://other:1"}
    assert req.fallback_body is not None
    assert req.fallback_body["addr"] == "8000"


def test_v3_upstream_only_feeds_fallback_addr() -> None:
    req = _build(upstream={"url": "http://other:1"})
    assert req.fallback_body is not None
    assert req.fallback_body["addr"] == "http://other:1"
    assert "upstream" not in req.fallback_body


def test_v3_translates_legacy_options() -> None:
    req = _build(8000, bind_tls=False, auth="u:p")
    assert req.body["schemes"] == ["http"]
    assert req.body["basic_auth"] == ["u:p"]
    assert "bind_tls" not in req.body
    assert "auth" not in req.body


@pytest.mark.parametrize(
    ("bind_tls", "schemes"),
    [(True, ["https"]), ("true", ["https"]), (False, ["http"]), ("false", ["http"]), ("both", ["http", "https"])],
)
def test_bind_tls_translation(bind_tls: object, schemes: list[str]) -> None:
    assert translate_legacy_options({"bind_tls": bind_tls}) == {"schemes": schemes}


def test_auth_list_translation() -> None:
    assert translate_legacy_options({"auth": ["a:b", "c:d"]}) == {"basic_auth": ["a:b", "c:d"]}


def test_v2_config_definition_used_and_renamed() -> None:
    config = {"tunnels": {"web": {"addr": "9000", "proto": "http", "inspect": False}}}
    req = _build(name="web", cv="2", config=config, inspect=True)
    assert req.body == {"name": "web-api", "addr": "9000", "proto": "http", "inspect": True, "bind_tls": True}
    assert req.name == "web-api"


@pytest.mark.parametrize(("defined", "sent"), [("both", "both"), (False, False), (True, True)])
def test_v2_definition_keeps_its_bind_tls(defined: object, sent: object) -> None:
    config = {"tunnels": {"web": {"addr": "9000", "proto": "http", "bind_tls": defined}}}
    assert _build(name="web", cv="2", config=config).body["bind_tls"] == sent


def test_v2_definition_schemes_translated_and_call_overrides_file() -> None:
    config = {"tunnels": {"web": {"addr": "9000", "proto": "http", "schemes": ["http", "https"], "auth": "a:b"}}}
    assert _build(name="web", cv="2", config=config).body["bind_tls"] == "both"
    req = _build(name="web", cv="2", config=config, bind_tls=False, basic_auth=["c:d"])
    assert req.body["bind_tls"] is False
    assert req.body["auth"] == "c:d"
    assert "schemes" not in req.body and "basic_auth" not in req.body


def test_v3_call_schemes_beat_definition_bind_tls() -> None:
    config = {"tunnels": {"web": {"addr": "9000", "proto": "http", "bind_tls": True}}}
    assert _build(name="web", cv="3", config=config, schemes=["http"]).body["schemes"] == ["http"]


def test_v2_definition_with_both_spellings_refused() -> None:
    config = {"tunnels": {"web": {"addr": "9000", "bind_tls": True, "schemes": ["https"]}}}
    with pytest.raises(PyngrokError, match='"bind_tls" and "schemes"'):
        _build(name="web", cv="2", config=config)


def test_pyngrok_default_definition_used_without_name() -> None:
    config = {"tunnels": {"pyngrok-default": {"addr": "7000", "proto": "tcp"}}}
    req = _build(cv="2", config=config)
    assert req.body == {"name": "pyngrok-default-api", "addr": "7000", "proto": "tcp"}


def test_explicit_addr_beats_definition() -> None:
    config = {"tunnels": {"web": {"addr": "9000", "proto": "http"}}}
    req = _build(1234, name="web", cv="2", config=config)
    assert req.body["addr"] == "1234"


def test_v3_endpoint_definition() -> None:
    config = {"endpoints": [{"name": "api", "url": "https://x.ngrok.app", "upstream": {"url": 8080}}]}
    req = _build(name="api", config=config)
    assert req.body == {"url": "https://x.ngrok.app", "upstream": {"url": 8080}, "name": "api-api"}


def test_v2_ignores_endpoints_block() -> None:
    config = {"endpoints": [{"name": "api", "upstream": {"url": 8080}}]}
    assert find_definition(config, "api", "2") is None
    assert find_definition(config, "api", "3") == ("api", {"name": "api", "upstream": {"url": 8080}})


def test_unknown_name_is_used_as_is() -> None:
    req = _build(8000, name="my tunnel", cv="2", config={"tunnels": {}})
    assert req.body["name"] == "my tunnel"


def test_definition_names_order_and_default_skipped() -> None:
    config = {
        "endpoints": [{"name": "e1"}, {"url": "no-name"}],
        "tunnels": {"t1": {"addr": 1}, "pyngrok-default": {"addr": 2}, "t2": None},
    }
    assert definition_names(config, "3") == ["e1", "t1", "t2"]
    assert definition_names(config, "2") == ["t1", "t2"]
    assert definition_names(None, "3") == []


def test_empty_definition_entry_matches() -> None:
    assert find_definition({"tunnels": {"t": None}}, "t", "2") == ("t", {})


def test_helpers() -> None:
    assert companion_name("web") == "web (http)"
    assert is_v3("3") and is_v3("v3") and is_v3(3)
    assert not is_v3("2")


def test_options_are_not_mutated() -> None:
    options: dict[str, Any] = {"bind_tls": True}
    build_connect_request(80, None, None, options, config_version="3", new_id=_fixed_id)
    assert options == {"bind_tls": True}
