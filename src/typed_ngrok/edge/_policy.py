"""What a Bind asks of the edge beyond a URL: read every option, enforce it, or refuse the bind naming it (pure).

The rule is *fail closed*: an option is either enforced by the edge, known to be carried out by the client itself
(``HostHeaderRewrite``, ``LocalURLScheme``), or the bind is refused with an ngrok-style error that names it. An option
the edge does not know at all is refused too, once it carries a value; nothing is echoed back as applied while
ignored.

Enforced here (see :class:`EndpointPolicy`): basic auth (v2 ``Auth: "user:pass"`` and v3 ``BasicAuth``), IP
restriction (``IPRestriction`` allow/deny CIDRs), request and response header add/remove (``RequestHeaders``,
``ResponseHeaders``) and TLS termination of tls binds (``TLSTermination``).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ._rpc import BindRequest, field_str
from ._rpc import field as get_field

__all__ = ["EndpointPolicy", "HeaderRules", "Refused", "read_policy"]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Opts fields that the edge refuses (it implements none of these): field name -> what ngrok calls the feature.
_REFUSED = {
    "ProxyProto": "PROXY protocol",
    "Compression": "compression",
    "CircuitBreaker": "circuit breaker",
    "OAuth": "OAuth",
    "OIDC": "OpenID Connect",
    "WebhookVerification": "webhook verification",
    "MutualTLSCA": "mutual TLS",
    "MutualTLSAtEdge": "mutual TLS",
    "MutualTLSAtAgent": "mutual TLS at the agent",
    "WebsocketTCPConverter": "websocket-TCP conversion",
    "UserAgentFilter": "user-agent filter",
    "TrafficPolicy": "traffic policy",
    "Policy": "traffic policy",
}
# Opts fields the edge reads (routing and the enforced options) or that the client itself carries out.
_READ = {
    "http": {
        "Hostname",
        "Domain",
        "Subdomain",
        "Auth",
        "BasicAuth",
        "IPRestriction",
        "RequestHeaders",
        "ResponseHeaders",
        "HostHeaderRewrite",  # the agent rewrites Host before it reaches the upstream
        "LocalURLScheme",  # the agent's upstream scheme
    },
    "tcp": {"Addr", "IPRestriction"},
    "tls": {"Hostname", "Domain", "Subdomain", "IPRestriction", "TLSTermination"},
}
_READ["https"] = _READ["http"]
_EXTRA_READ = {"Token", "Metadata", "IPPolicyRef", "Bindings", "PoolingEnabled"}
# The same names case-folded (the agent's JSON field names match case-insensitively), built once.
_READ_FOLDED = {proto: frozenset(n.casefold() for n in names) for proto, names in _READ.items()}
_REFUSED_FOLDED = {n.casefold(): (n, label) for n, label in _REFUSED.items()}
_EXTRA_READ_FOLDED = frozenset(n.casefold() for n in _EXTRA_READ)


class Refused(Exception):
    """The bind asks for something the edge will not do. ``str()`` is the ngrok-style error text for the agent."""


def refusal(what: str, where: str, proto: str, why: str = "the local edge does not implement it") -> Refused:
    return Refused(
        f"The local edge refuses {what} ({where}) on a {proto} endpoint: {why}; it never accepts an option it would "
        "ignore.\r\n\r\nERR_NGROK_4012\r\n"
    )


def is_set(value: Any) -> bool:
    """Whether a JSON value asks for something (``null``, ``""``, ``false``, ``0`` and ``[]`` do not; ``{}`` does:
    an empty object turns a feature on, e.g. ``Compression: {}``)."""
    return value is not None and value != "" and value is not False and value != 0 and value != []


@dataclass(frozen=True)
class HeaderRules:
    """Header names to remove (lower case) and ``(name, value)`` pairs to add, applied in that order."""

    add: tuple[tuple[str, str], ...] = ()
    remove: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)


@dataclass(frozen=True, repr=False)
class EndpointPolicy:
    """The options of one bind that the edge enforces on its public connections."""

    credentials: tuple[tuple[str, str], ...] = ()  # basic auth: (user, password); any one admits
    allow: tuple[IPNetwork, ...] = ()  # non-empty: only these client addresses
    deny: tuple[IPNetwork, ...] = ()
    request_headers: HeaderRules = field(default_factory=HeaderRules)
    response_headers: HeaderRules = field(default_factory=HeaderRules)
    tls_cert_pem: bytes = b""  # TLS termination of a tls bind (certificate chain and key, PEM)
    tls_key_pem: bytes = b""

    def __repr__(self) -> str:  # credentials and keys are secrets
        return (
            f"EndpointPolicy(basic_auth={bool(self.credentials)}, allow={len(self.allow)}, deny={len(self.deny)}, "
            f"request_headers={bool(self.request_headers)}, response_headers={bool(self.response_headers)}, "
            f"tls_termination={bool(self.tls_cert_pem)})"
        )

    def admits_ip(self, client_ip: str) -> bool:
        """Whether IP restriction lets ``client_ip`` in (deny wins; a non-empty allow list admits only its nets)."""
        try:
            addr = ipaddress.ip_address(client_ip)
        except ValueError:
            return not (self.allow or self.deny)
        if any(addr in net for net in self.deny):
            return False
        return not self.allow or any(addr in net for net in self.allow)


def _subfields(value: Any, known: set[str], what: str, where: str, proto: str) -> dict[str, Any]:
    """A sub-object's fields (keys as sent); refuses a non-object or an unknown key with a value."""
    if not isinstance(value, dict):
        raise refusal(what, where, proto, f"expected an object, got {type(value).__name__}")
    folded = {k.casefold() for k in known}
    for key, sub in value.items():
        if str(key).casefold() not in folded and is_set(sub):
            raise refusal(f"{what} setting {key!r}", where, proto)
    return value


def _cidrs(value: Any, where: str, proto: str) -> tuple[IPNetwork, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise refusal("IP restriction", where, proto, "the CIDR list is not a list")
    nets: list[IPNetwork] = []
    for item in value:
        try:
            nets.append(ipaddress.ip_network(str(item), strict=False))
        except ValueError:
            raise refusal("IP restriction", where, proto, f"{str(item)!r} is not a CIDR") from None
    return tuple(nets)


def _headers(value: Any, where: str, proto: str) -> HeaderRules:
    rules = _subfields(value, {"add", "remove"}, "header rules", where, proto)
    add: list[tuple[str, str]] = []
    raw_add = get_field(rules, "add")
    items: list[tuple[str, str]] = []
    if isinstance(raw_add, dict):
        items = [(str(k), str(v)) for k, v in raw_add.items()]
    elif isinstance(raw_add, list):
        for entry in raw_add:
            name, sep, val = str(entry).partition(":")
            if not sep:
                raise refusal("a header to add", where, proto, f"{str(entry)!r} is not 'name:value'")
            items.append((name, val))
    elif raw_add is not None:
        raise refusal("a header to add", where, proto, "expected a list of 'name:value'")
    for name, val in items:
        name, val = name.strip(), val.strip()
        if not _token(name) or "\r" in val or "\n" in val:
            raise refusal("a header to add", where, proto, f"{name!r} is not a valid header")
        add.append((name, val))
    raw_remove = get_field(rules, "remove")
    if raw_remove is not None and not isinstance(raw_remove, list):
        raise refusal("a header to remove", where, proto, "expected a list of names")
    remove = tuple(str(n).strip().lower() for n in raw_remove or ())
    if not all(_token(n) for n in remove):
        raise refusal("a header to remove", where, proto, "not a header name")
    return HeaderRules(tuple(add), remove)


def _token(name: str) -> bool:
    return bool(name) and all(33 <= ord(c) < 127 and c not in '()<>@,;:\\"/[]?={}' for c in name)


def _pem(value: Any, what: str, where: str, proto: str) -> bytes:
    try:
        data = base64.b64decode(str(value or ""), validate=True)
    except (binascii.Error, ValueError):
        raise refusal("TLS termination", where, proto, f"the {what} is not base64") from None
    if b"-----BEGIN" not in data:
        raise refusal("TLS termination", where, proto, f"the {what} is not PEM")
    return data


def read_policy(req: BindRequest) -> EndpointPolicy:
    """Read every option of a Bind. Raises :class:`Refused` for one the edge will not honour."""
    proto = req.proto
    read_folded = _READ_FOLDED.get(proto, frozenset())
    for key, value in req.opts.items():
        folded = str(key).casefold()
        if folded in read_folded or not is_set(value):
            continue
        name, label = _REFUSED_FOLDED.get(folded, (str(key), f"the option {key!r}"))
        raise refusal(label, f"Opts.{name}", proto)
    if req.forwards_proto not in ("", "http1"):
        raise refusal(f"app protocol {req.forwards_proto!r}", "ForwardsProto", proto, "it speaks HTTP/1.1 to clients")
    for key, value in req.other.items():
        if is_set(value):
            raise refusal(f"the field {key!r}", key, proto)
    for key, value in req.extra.items():
        if str(key).casefold() not in _EXTRA_READ_FOLDED and is_set(value):
            raise refusal(f"the option {key!r}", f"Extra.{key}", proto)
    if field_str(req.extra, "Token"):  # the edge hands out "" in every Bind reply: any other value is not its own
        raise refusal("a bind token the edge never issued", "Extra.Token", proto)
    if field_str(req.extra, "IPPolicyRef"):
        raise refusal("IP policies", "Extra.IPPolicyRef", proto)
    if is_set(get_field(req.extra, "PoolingEnabled")):
        raise refusal("endpoint pooling", "Extra.PoolingEnabled", proto)
    bindings = get_field(req.extra, "Bindings")
    if is_set(bindings) and bindings != ["public"]:
        raise refusal(f"bindings {bindings!r}", "Extra.Bindings", proto, "it serves public endpoints only")

    credentials: list[tuple[str, str]] = []
    v2_auth = req.auth
    if v2_auth:
        user, sep, password = v2_auth.partition(":")
        if not sep:
            raise refusal("basic auth", "Opts.Auth", proto, "expected 'user:password'")
        credentials.append((user, password))
    basic = get_field(req.opts, "BasicAuth")
    if is_set(basic):
        sub = _subfields(basic, {"credentials"}, "basic auth", "Opts.BasicAuth", proto)
        creds = get_field(sub, "credentials")
        if not isinstance(creds, list) or not creds:
            raise refusal("basic auth", "Opts.BasicAuth", proto, "no credentials")
        for cred in creds:
            entry = _subfields(
                cred, {"username", "cleartext_password"}, "basic auth credential", "Opts.BasicAuth", proto
            )
            user = field_str(entry, "username")
            password = field_str(entry, "cleartext_password")
            if not user or ":" in user or not password:
                raise refusal("basic auth", "Opts.BasicAuth", proto, "a credential needs a username and a password")
            credentials.append((user, password))

    allow: tuple[IPNetwork, ...] = ()
    deny: tuple[IPNetwork, ...] = ()
    ipr = get_field(req.opts, "IPRestriction")
    if is_set(ipr):
        sub = _subfields(ipr, {"allow_cidrs", "deny_cidrs"}, "IP restriction", "Opts.IPRestriction", proto)
        allow = _cidrs(get_field(sub, "allow_cidrs"), "Opts.IPRestriction", proto)
        deny = _cidrs(get_field(sub, "deny_cidrs"), "Opts.IPRestriction", proto)

    request_headers = HeaderRules()
    response_headers = HeaderRules()
    if is_set(raw := get_field(req.opts, "RequestHeaders")):
        request_headers = _headers(raw, "Opts.RequestHeaders", proto)
    if is_set(raw := get_field(req.opts, "ResponseHeaders")):
        response_headers = _headers(raw, "Opts.ResponseHeaders", proto)

    cert_pem = key_pem = b""
    term = get_field(req.opts, "TLSTermination")
    if is_set(term):
        sub = _subfields(term, {"cert", "key"}, "TLS termination", "Opts.TLSTermination", proto)
        cert_pem = _pem(get_field(sub, "cert"), "certificate", "Opts.TLSTermination", proto)
        key_pem = _pem(get_field(sub, "key"), "key", "Opts.TLSTermination", proto)

    return EndpointPolicy(
        credentials=tuple(credentials),
        allow=allow,
        deny=deny,
        request_headers=request_headers,
        response_headers=response_headers,
        tls_cert_pem=cert_pem,
        tls_key_pem=key_pem,
    )
