"""The fail-closed rule, checked exhaustively: every Bind field a client can send is either enforced by the edge (or
carried out by the client itself, or used for routing), or the bind is refused with an ``ERR_NGROK_4012`` text naming
the field. Never accepted and ignored.

``WIRE_OPTS``/``WIRE_EXTRA``/``WIRE_TOP`` list every field the three clients send: the 2.3.41 agent (from
``docs/edge-protocol.md``) and ngrok's SDKs 1.7.0 (Python and JavaScript share the Rust core; the fields
and value shapes below were captured from their Binds). The unit tests put each field, set, into a Bind and check the
verdict of ``read_policy``; a field the edge starts reading later must be added to one of the accepted sets here
(``test_the_edge_reads_exactly_the_classified_fields``), and a field nobody classified is refused
(``test_a_field_nobody_knows_is_refused``). The live tests drive both SDKs through every builder method they expose
(the list is checked against the SDKs' own classes, so a new method cannot be missed), record each raw Bind, and
check that every field it set is in the wire table and that the bind was served only when every set field is one the
edge honours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.edge.agent_harness import Upstream
from tests.edge.sdk_harness import JsClient, b64, py_session
from typed_ngrok.edge import EdgeCertificates, LocalEdge, _policy, _server
from typed_ngrok.edge._policy import EndpointPolicy, Refused, read_policy
from typed_ngrok.edge._rpc import BindRequest

_CERTS = EdgeCertificates.generate()
_CA_B64 = b64(_CERTS.ca_pem)["base64"]
_CIDRS = {"allow_cidrs": ["10.0.0.0/8"], "deny_cidrs": ["192.0.2.0/24"]}

# Every Opts field per proto, with a value that asks for the feature (shapes as the clients send them).
_HTTP: dict[str, Any] = {
    "Hostname": "named.localhost",  # 2.3.41 + SDKs
    "Auth": "user:secret",  # 2.3.41 (v2 basic auth)
    "Subdomain": "sub",  # 2.3.41 + SDKs
    "HostHeaderRewrite": True,  # 2.3.41
    "LocalURLScheme": "https",  # 2.3.41 (the SDKs spell it LocalUrlScheme and send null)
    "Domain": "app.localhost",  # SDKs from here on
    "ProxyProto": 1,
    "Compression": {},
    "CircuitBreaker": {"error_threshold": 0.5},
    "IPRestriction": _CIDRS,
    "BasicAuth": {"credentials": [{"username": "u", "cleartext_password": "long-password"}]},
    "OAuth": {"provider": "google"},
    "OIDC": {"issuer_url": "https://issuer.example", "client_id": "c", "client_secret": "s"},
    "WebhookVerification": {"provider": "twilio", "secret": "s"},
    "MutualTLSCA": {"mutual_tls_ca": _CA_B64},
    "RequestHeaders": {"add": ["x-a:b"], "remove": ["x-c"]},
    "ResponseHeaders": {"add": ["x-d:e"], "remove": ["x-f"]},
    "WebsocketTCPConverter": {},
    "UserAgentFilter": {"allow": ["curl.*"], "deny": ["bot.*"]},
    "TrafficPolicy": '{"on_http_request": []}',
}
WIRE_OPTS: dict[str, dict[str, Any]] = {
    "http": _HTTP,
    "https": _HTTP,
    "tcp": {"Addr": "127.0.0.1:1", "ProxyProto": 1, "IPRestriction": _CIDRS, "TrafficPolicy": "{}"},
    "tls": {
        "Hostname": "named.localhost",
        "Subdomain": "sub",
        "Domain": "app.localhost",
        "ProxyProto": 1,
        "MutualTLSAtAgent": True,
        "MutualTLSAtEdge": {"mutual_tls_ca": _CA_B64},
        "TLSTermination": {"cert": b64(_CERTS.cert_pem)["base64"], "key": b64(_CERTS.key_pem)["base64"]},
        "IPRestriction": _CIDRS,
        "TrafficPolicy": "{}",
    },
}
WIRE_EXTRA: dict[str, Any] = {
    "Token": "tok_1",
    "IPPolicyRef": "ipp_1",
    "Metadata": "meta",
    "Bindings": ["internal"],
    "PoolingEnabled": True,
}
WIRE_TOP: dict[str, Any] = {
    "Id": "bind_1",
    "Proto": "http",
    "Opts": {},
    "Extra": {},
    "ForwardsTo": "x",
    "ForwardsProto": "http2",
}

# What the edge does with the fields it accepts.
ROUTING = {"http": {"Hostname", "Subdomain", "Domain"}, "tcp": {"Addr"}, "tls": {"Hostname", "Subdomain", "Domain"}}
ENFORCED = {
    "http": {"Auth", "BasicAuth", "IPRestriction", "RequestHeaders", "ResponseHeaders"},
    "tcp": {"IPRestriction"},
    "tls": {"IPRestriction", "TLSTermination"},
}
CLIENT_SIDE = {"http": {"HostHeaderRewrite", "LocalURLScheme"}, "tcp": set[str](), "tls": set[str]()}
for _table in (ROUTING, ENFORCED, CLIENT_SIDE):
    _table["https"] = _table["http"]
EXTRA_ACCEPTED = {"Metadata"}  # exposed as EdgeTunnel.metadata; Token "" and Bindings ["public"] are accepted too
TOP_ACCEPTED = {"Id", "Proto", "Opts", "Extra", "ForwardsTo"}  # ForwardsTo is exposed; ForwardsProto "http1" only


def _accepted(proto: str) -> set[str]:
    return ROUTING[proto] | ENFORCED[proto] | CLIENT_SIDE[proto]


def _fold(names: set[str]) -> set[str]:
    return {n.casefold() for n in names}


def _asks(value: Any) -> bool:
    """Whether a JSON value asks for something (the clients send null/""/false/0/[] for options left alone)."""
    return value is not None and value != "" and value is not False and value != 0 and value != []


def _bind(proto: str, opts: dict[str, Any], extra: dict[str, Any] | None = None, **top: Any) -> BindRequest:
    return BindRequest.parse({"Id": "", "Proto": proto, "Opts": opts, "Extra": extra or {}, **top})


def _assert_refused_naming(bind: BindRequest, where: str) -> None:
    with pytest.raises(Refused) as caught:
        read_policy(bind)
    text = str(caught.value)
    assert where.casefold() in text.casefold(), text
    assert text.endswith("\r\n\r\nERR_NGROK_4012\r\n")


def _opts_cases() -> Iterator[tuple[str, str]]:
    for proto, fields in WIRE_OPTS.items():
        for name in fields:
            yield proto, name


# -- unit: every wire field, alone --------------------------------------------------------------------------------
@pytest.mark.parametrize(("proto", "name"), list(_opts_cases()), ids=[f"{p}-{n}" for p, n in _opts_cases()])
def test_every_opts_field_is_enforced_routed_client_side_or_refused(proto: str, name: str) -> None:
    bind = _bind(proto, {name: WIRE_OPTS[proto][name]})
    if name in ENFORCED[proto]:
        assert read_policy(bind) != EndpointPolicy(), f"{name} is accepted but the policy carries nothing of it"
    elif name in ROUTING[proto] | CLIENT_SIDE[proto]:
        assert read_policy(bind) == EndpointPolicy()
    else:
        _assert_refused_naming(bind, f"Opts.{name}")


@pytest.mark.parametrize("proto", sorted(WIRE_OPTS))
@pytest.mark.parametrize("name", sorted(WIRE_EXTRA))
def test_every_extra_field_is_used_or_refused(proto: str, name: str) -> None:
    bind = _bind(proto, {}, {name: WIRE_EXTRA[name]})
    if name in EXTRA_ACCEPTED:
        assert read_policy(bind) == EndpointPolicy()
        assert bind.metadata == WIRE_EXTRA[name]
    else:
        _assert_refused_naming(bind, f"Extra.{name}")


def test_extra_values_that_ask_for_nothing_special_are_accepted() -> None:
    extras: tuple[dict[str, Any], ...] = (
        {"Token": ""},
        {"Bindings": ["public"]},
        {"Bindings": []},
        {"IPPolicyRef": ""},
        {"PoolingEnabled": False},
    )
    for extra in extras:
        assert read_policy(_bind("http", {}, extra)) == EndpointPolicy()


@pytest.mark.parametrize("name", sorted(WIRE_TOP))
def test_every_top_level_field_is_used_or_refused(name: str) -> None:
    raw = {"Id": "", "Proto": "http", "Opts": {}, "Extra": {}}
    raw[name] = WIRE_TOP[name]
    bind = BindRequest.parse(raw)
    if name in TOP_ACCEPTED:
        assert read_policy(bind) == EndpointPolicy()
    else:
        _assert_refused_naming(bind, name)
    assert read_policy(_bind("http", {}, ForwardsProto="http1")) == EndpointPolicy()


def test_the_edge_reads_exactly_the_classified_fields() -> None:
    """Adding a field to what the edge reads, without classifying (and testing) it here, fails this test."""
    for proto in WIRE_OPTS:
        assert _fold(_policy._READ[proto]) == _fold(_accepted(proto)), proto
    assert _fold(_policy._EXTRA_READ) == _fold(set(WIRE_EXTRA))  # each one's value is checked above
    assert set(_policy._READ) == set(WIRE_OPTS)


@pytest.mark.parametrize(
    "value", [{}, {"on": True}, "yes", True, 1, ["a"]], ids=["obj", "obj2", "str", "true", "num", "list"]
)
@pytest.mark.parametrize("proto", sorted(WIRE_OPTS))
def test_a_field_nobody_knows_is_refused(proto: str, value: Any) -> None:
    _assert_refused_naming(_bind(proto, {"FutureOption": value}), "Opts.FutureOption")
    _assert_refused_naming(_bind(proto, {}, {"FutureExtra": value}), "Extra.FutureExtra")
    _assert_refused_naming(_bind(proto, {}, FutureTop=value), "FutureTop")


@pytest.mark.parametrize("proto", sorted(WIRE_OPTS))
def test_an_accepted_field_on_the_wrong_proto_is_refused(proto: str) -> None:
    others = {name for fields in WIRE_OPTS.values() for name in fields} - _accepted(proto)
    for name in sorted(others):
        value = next(fields[name] for fields in WIRE_OPTS.values() if name in fields)
        _assert_refused_naming(_bind(proto, {name: value}), f"Opts.{name}")


# -- live: every builder method of both SDKs ----------------------------------------------------------------------
Captured = list[BindRequest]


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Captured:
    """Every Bind the edge reads from now on, as received (the edge's own read_policy still decides)."""
    seen: Captured = []
    assert vars(_server)["read_policy"] is _policy.read_policy  # the one the edge's Bind handler calls
    real = read_policy

    def record(req: BindRequest) -> EndpointPolicy:
        seen.append(req)
        return real(req)

    monkeypatch.setattr(_server, "read_policy", record)
    return seen


def _verdict(req: BindRequest, error: str | None) -> None:
    """Every set field is on the wire table; the bind was served iff every set field is one the edge honours."""
    proto = req.proto
    opts = {k for k, v in req.opts.items() if _asks(v)}
    assert _fold(opts) <= _fold(set(WIRE_OPTS[proto])), f"unknown Opts fields {opts}: add them to WIRE_OPTS"
    extra = {k for k, v in req.extra.items() if _asks(v)}
    assert _fold(extra) <= _fold(set(WIRE_EXTRA)), f"unknown Extra fields {extra}: add them to WIRE_EXTRA"
    top = {k for k, v in req.other.items() if _asks(v)}
    assert not top, f"unknown top-level fields {top}: add them to WIRE_TOP"
    unhonoured = [f"Opts.{k}" for k in opts if k.casefold() not in _fold(_accepted(proto))]
    unhonoured += [f"Extra.{k}" for k in extra if k.casefold() not in _fold(EXTRA_ACCEPTED)]
    if req.forwards_proto not in ("", "http1"):
        unhonoured.append("ForwardsProto")
    if not unhonoured:
        assert error is None, f"refused although every field is honoured: {error}"
    else:
        assert error is not None, f"served although {unhonoured} is not honoured"
        assert "ERR_NGROK_4012" in error
        assert any(u.casefold() in error.casefold() for u in unhonoured), (unhonoured, error)


Configure = Callable[[Any], Any]
_PEM = bytearray(_CERTS.ca_pem)
_PY_OPTIONS: dict[str, dict[str, Configure]] = {
    "http": {
        "allow_cidr": lambda b: b.allow_cidr("127.0.0.0/8"),
        "allow_user_agent": lambda b: b.allow_user_agent("curl.*"),
        "app_protocol": lambda b: b.app_protocol("http2"),
        "basic_auth": lambda b: b.basic_auth("u", "long-password"),
        "circuit_breaker": lambda b: b.circuit_breaker(0.5),
        "compression": lambda b: b.compression(),
        "deny_cidr": lambda b: b.deny_cidr("192.0.2.0/24"),
        "deny_user_agent": lambda b: b.deny_user_agent("bot.*"),
        "domain": lambda b: b.domain("py-rule.localhost"),
        "forwards_to": lambda b: b.forwards_to("somewhere"),
        "metadata": lambda b: b.metadata("m"),
        "mutual_tlsca": lambda b: b.mutual_tlsca(_PEM),
        "oauth": lambda b: b.oauth("google"),
        "oidc": lambda b: b.oidc("https://issuer.example", "c", "s"),
        "policy": lambda b: b.policy('{"inbound": []}'),
        "pooling_enabled": lambda b: b.pooling_enabled(True),
        "proxy_proto": lambda b: b.proxy_proto("1"),
        "remove_request_header": lambda b: b.remove_request_header("x-c"),
        "remove_response_header": lambda b: b.remove_response_header("x-f"),
        "request_header": lambda b: b.request_header("x-a", "b"),
        "response_header": lambda b: b.response_header("x-d", "e"),
        "scheme": lambda b: b.scheme("HTTP"),
        "traffic_policy": lambda b: b.traffic_policy('{"on_http_request": []}'),
        "verify_upstream_tls": lambda b: b.verify_upstream_tls(False),
        "webhook_verification": lambda b: b.webhook_verification("twilio", "s"),
        "websocket_tcp_conversion": lambda b: b.websocket_tcp_conversion(),
    },
    "tcp": {
        "allow_cidr": lambda b: b.allow_cidr("127.0.0.0/8"),
        "deny_cidr": lambda b: b.deny_cidr("192.0.2.0/24"),
        "forwards_to": lambda b: b.forwards_to("somewhere"),
        "metadata": lambda b: b.metadata("m"),
        "policy": lambda b: b.policy("{}"),
        "pooling_enabled": lambda b: b.pooling_enabled(True),
        "proxy_proto": lambda b: b.proxy_proto("2"),
        "remote_addr": lambda b: b.remote_addr("127.0.0.1:0"),
        "traffic_policy": lambda b: b.traffic_policy("{}"),
        "verify_upstream_tls": lambda b: b.verify_upstream_tls(False),
    },
    "tls": {
        "allow_cidr": lambda b: b.allow_cidr("127.0.0.0/8"),
        "deny_cidr": lambda b: b.deny_cidr("192.0.2.0/24"),
        "domain": lambda b: b.domain("py-rule-tls.localhost"),
        "forwards_to": lambda b: b.forwards_to("somewhere"),
        "metadata": lambda b: b.metadata("m"),
        "mutual_tlsca": lambda b: b.mutual_tlsca(_PEM),
        "policy": lambda b: b.policy("{}"),
        "pooling_enabled": lambda b: b.pooling_enabled(True),
        "proxy_proto": lambda b: b.proxy_proto("1"),
        "termination": lambda b: b.termination(bytearray(_CERTS.cert_pem), bytearray(_CERTS.key_pem)),
        "traffic_policy": lambda b: b.traffic_policy("{}"),
        "verify_upstream_tls": lambda b: b.verify_upstream_tls(False),
    },
}
_BUILDER_BASICS = {"listen", "listen_and_forward", "listen_and_serve"}


async def test_every_python_sdk_builder_method_is_enforced_or_refused(
    edge: LocalEdge, upstream: Upstream, captured: Captured
) -> None:
    async with py_session(edge) as session:
        makers = {"http": session.http_endpoint, "tcp": session.tcp_endpoint, "tls": session.tls_endpoint}
        for kind, options in _PY_OPTIONS.items():
            builder_class = type(makers[kind]())
            methods = {m for m in dir(builder_class) if not m.startswith("_")} - _BUILDER_BASICS
            assert methods == set(options), f"{builder_class.__name__}: classify {methods ^ set(options)}"
            for name, configure in options.items():
                before = len(captured)
                error: str | None = None
                try:
                    await configure(makers[kind]()).listen_and_forward(f"http://127.0.0.1:{upstream.port}")
                except ValueError as exc:
                    error = " ".join(str(a) for a in exc.args)
                assert len(captured) == before + 1, f"{kind}.{name}: no Bind reached the edge"
                _verdict(captured[-1], error)


_JS_COMMON: dict[str, list[Any]] = {
    "allowCidr": ["allowCidr", "127.0.0.0/8"],
    "binding": ["binding", "internal"],
    "denyCidr": ["denyCidr", "192.0.2.0/24"],
    "forwardsTo": ["forwardsTo", "somewhere"],
    "metadata": ["metadata", "m"],
    "policy": ["policy", "{}"],
    "poolingEnabled": ["poolingEnabled", True],
    "proxyProto": ["proxyProto", "1"],
    "trafficPolicy": ["trafficPolicy", "{}"],
    "verifyUpstreamTls": ["verifyUpstreamTls", False],
}
_JS_OPTIONS: dict[str, dict[str, list[Any]]] = {
    "http": {
        **_JS_COMMON,
        "allowUserAgent": ["allowUserAgent", "curl.*"],
        "appProtocol": ["appProtocol", "http2"],
        "basicAuth": ["basicAuth", "u", "long-password"],
        "circuitBreaker": ["circuitBreaker", 0.5],
        "compression": ["compression"],
        "denyUserAgent": ["denyUserAgent", "bot.*"],
        "domain": ["domain", "js-rule.localhost"],
        "mutualTlsca": ["mutualTlsca", b64(_CERTS.ca_pem)],
        "oauth": ["oauth", "google"],
        "oidc": ["oidc", "https://issuer.example", "c", "s"],
        "removeRequestHeader": ["removeRequestHeader", "x-c"],
        "removeResponseHeader": ["removeResponseHeader", "x-f"],
        "requestHeader": ["requestHeader", "x-a", "b"],
        "responseHeader": ["responseHeader", "x-d", "e"],
        "scheme": ["scheme", "HTTP"],
        "webhookVerification": ["webhookVerification", "twilio", "s"],
        "websocketTcpConversion": ["websocketTcpConversion"],
    },
    "tcp": {**_JS_COMMON, "remoteAddr": ["remoteAddr", "127.0.0.1:0"]},
    "tls": {
        **_JS_COMMON,
        "domain": ["domain", "js-rule-tls.localhost"],
        "mutualTlsca": ["mutualTlsca", b64(_CERTS.ca_pem)],
        "termination": ["termination", b64(_CERTS.cert_pem), b64(_CERTS.key_pem)],
    },
}
_JS_BUILDER_CLASSES = {"http": "HttpListenerBuilder", "tcp": "TcpListenerBuilder", "tls": "TlsListenerBuilder"}


def test_every_js_sdk_builder_method_is_enforced_or_refused(
    edge: LocalEdge, upstream: Upstream, captured: Captured
) -> None:
    forward = f"http://127.0.0.1:{upstream.port}"
    listeners = [
        {"kind": kind, "forward": forward, "options": [call]}
        for kind, options in _JS_OPTIONS.items()
        for call in options.values()
    ]
    with JsClient(edge, listeners, each=True, describe=list(_JS_BUILDER_CLASSES.values())) as js:
        methods: dict[str, list[str]] = js.started["methods"]
        for kind, class_name in _JS_BUILDER_CLASSES.items():
            exposed = set(methods[class_name]) - {"listen", "listenAndForward", "listenAndServe", "constructor"}
            exposed = {m for m in exposed if not m.startswith("_")}
            assert exposed == set(_JS_OPTIONS[kind]), f"{class_name}: classify {exposed ^ set(_JS_OPTIONS[kind])}"
        results = js.results
    assert len(results) == len(listeners) == len(captured)
    for req, result in zip(captured, results, strict=True):
        _verdict(req, result.get("error"))
