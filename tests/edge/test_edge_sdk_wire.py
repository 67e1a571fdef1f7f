"""Unit tests of the edge's message decoding (Go-style field matching) and of its fail-closed Bind option reading."""

from __future__ import annotations

from typing import Any

import pytest

from typed_ngrok.edge._policy import HeaderRules, Refused, read_policy
from typed_ngrok.edge._rpc import AuthRequest, BindRequest, field
from typed_ngrok.edge._tunnels import rewrite_head


def test_fields_match_case_insensitively_and_the_last_spelling_wins() -> None:
    assert field({"AuthToken": "a"}, "Authtoken") == "a"
    assert field({"authtoken": "a", "AUTHTOKEN": "b"}, "Authtoken") == "b"
    assert field({"Other": 1}, "Authtoken", "none") == "none"
    assert field(["not", "an", "object"], "Id") is None


@pytest.mark.parametrize("key", ["Authtoken", "AuthToken", "authtoken"])
def test_auth_reads_the_token_under_every_spelling(key: str) -> None:
    request = AuthRequest.parse(
        {"version": ["3", "2"], "clientid": "c1", "extra": {key: "t0k", "clienttype": "ngrok-python", "METADATA": "m"}}
    )
    assert (request.authtoken, request.client_id, request.versions) == ("t0k", "c1", ("3", "2"))
    assert (request.client_type, request.metadata) == ("ngrok-python", "m")
    assert "t0k" not in repr(request)


def _bind(proto: str, opts: dict[str, Any], extra: dict[str, Any] | None = None) -> BindRequest:
    return BindRequest.parse({"Id": "", "Proto": proto, "Opts": opts, "Extra": extra or {"Token": ""}})


@pytest.mark.parametrize(
    ("proto", "opts"),
    [
        ("https", {"Hostname": "", "Auth": "", "Subdomain": "", "HostHeaderRewrite": True, "LocalURLScheme": "http"}),
        ("tcp", {"Addr": ""}),
        ("tls", {"Hostname": "tls.example.test", "Subdomain": ""}),
        ("http", {"Domain": "app.localhost", "ProxyProto": 0, "OIDC": None, "LocalUrlScheme": None}),
    ],
    ids=["2.3.41-https", "2.3.41-tcp", "2.3.41-tls", "sdk-defaults"],
)
def test_options_of_plain_binds_are_accepted(proto: str, opts: dict[str, Any]) -> None:
    policy = read_policy(_bind(proto, opts, {"Token": "", "IPPolicyRef": "", "Metadata": "", "Bindings": []}))
    assert not policy.credentials and not policy.allow and not policy.deny


def test_v2_auth_and_v3_basic_auth_both_become_credentials() -> None:
    policy = read_policy(
        _bind(
            "http",
            {"Auth": "user:secret", "basicauth": {"credentials": [{"username": "u2", "cleartext_password": "pw2"}]}},
        )
    )
    assert policy.credentials == (("user", "secret"), ("u2", "pw2"))
    assert "secret" not in repr(policy)


@pytest.mark.parametrize(
    ("proto", "opts", "extra", "named"),
    [
        ("http", {"Unheard": {"x": 1}}, {}, "Opts.Unheard"),
        ("http", {"Compression": {}}, {}, "Opts.Compression"),
        ("tcp", {"Auth": "user:secret"}, {}, "Opts.Auth"),
        ("tls", {"TLSTermination": {"cert": "eA==", "key": "eA=="}}, {}, "Opts.TLSTermination"),
        ("http", {"IPRestriction": {"allow_cidrs": ["not-a-cidr"]}}, {}, "Opts.IPRestriction"),
        ("http", {"IPRestriction": {"ip_policies": ["p"]}}, {}, "Opts.IPRestriction"),
        ("http", {"RequestHeaders": {"add": ["no-colon"]}}, {}, "Opts.RequestHeaders"),
        ("http", {"BasicAuth": {"credentials": [{"username": "u", "hashed_password": "h"}]}}, {}, "Opts.BasicAuth"),
        ("http", {}, {"IPPolicyRef": "ipp_1"}, "Extra.IPPolicyRef"),
        ("http", {}, {"Bindings": ["internal"]}, "Extra.Bindings"),
        ("http", {}, {"Surprise": True}, "Extra.Surprise"),
    ],
)
def test_an_option_the_edge_would_ignore_refuses_the_bind(
    proto: str, opts: dict[str, Any], extra: dict[str, Any], named: str
) -> None:
    with pytest.raises(Refused) as caught:
        read_policy(_bind(proto, opts, extra))
    assert named in str(caught.value)
    assert str(caught.value).endswith("\r\n\r\nERR_NGROK_4012\r\n")


@pytest.mark.parametrize(
    ("top", "named"), [({"ForwardsProto": "http2"}, "ForwardsProto"), ({"Labels": {"a": "b"}}, "Labels")]
)
def test_top_level_bind_fields_the_edge_would_ignore_refuse_the_bind(top: dict[str, Any], named: str) -> None:
    raw = {"Id": "", "Proto": "http", "Opts": {}, "Extra": {}, "ForwardsTo": "x", **top}
    with pytest.raises(Refused) as caught:
        read_policy(BindRequest.parse(raw))
    assert named in str(caught.value)
    assert str(caught.value).endswith("\r\n\r\nERR_NGROK_4012\r\n")


def test_header_rules_rewrite_a_head() -> None:
    rules = HeaderRules(add=(("X-Added", "1"),), remove=("x-gone",))
    head = b"GET / HTTP/1.1\r\nHost: h\r\nX-Gone: secret\r\nConnection: keep-alive\r\n\r\n"
    assert rewrite_head(head, rules) == b"GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nX-Added: 1\r\n\r\n"
    closed = rewrite_head(head, HeaderRules(), close=True)
    assert closed == b"GET / HTTP/1.1\r\nHost: h\r\nX-Gone: secret\r\nConnection: close\r\n\r\n"
    upgrade = b"GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
    assert rewrite_head(upgrade, HeaderRules(), close=True) == upgrade  # never breaks a protocol upgrade
    assert rewrite_head(head, HeaderRules()) is head
