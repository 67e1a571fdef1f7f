"""What ``connect()`` sends to the agent: pure request building, no I/O.

Covers the config-file definition lookup, pyngrok's defaults (``addr="80"``, ``proto="http"``, generated names),
``addr`` → ``upstream.url`` normalisation for the Endpoints API, and option translation per agent version:

- v3 agents: pyngrok's legacy upgrade, ``bind_tls`` → ``schemes`` and ``auth`` → ``basic_auth``.
- v2 agents (2.3.41 silently ignores ``schemes``/``basic_auth``): the other way round, ``schemes`` → ``bind_tls``
  (``["https"]`` → ``True``, ``["http"]`` → ``False``, both → ``"both"``) and ``basic_auth`` → ``auth`` (one
  ``"user:pass"``: the v2 agent takes a single credential). An http tunnel that sets neither ``bind_tls`` nor
  ``schemes`` (in the call or in its config-file definition) gets ``bind_tls: true``: one https tunnel, as v3
  agents and pyngrok 9.1.0 give by default, instead of the v2 agent's https + ``<name> (http)`` pair.

Giving both spellings of one option (``bind_tls`` and ``schemes``, ``auth`` and ``basic_auth``) in one place is a
:class:`~typed_ngrok.exception.PyngrokError`; the call's options are translated on their own and then override the
config-file definition's, so a call's ``schemes`` beats a definition's ``bind_tls``.

Every argument is checked here, before any I/O (:func:`check_connect_arguments`), so the sync and async
``connect`` refuse the same calls with the same message: ``addr`` (an int or str port 1..65535, ``host:port`` or a
URL), ``proto`` (:data:`PROTOCOLS`), ``name``, and the option types of :class:`TunnelOptions`.
"""

from __future__ import annotations

import re
import reprlib
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from typed_ngrok.conf import config_format, is_v2_version
from typed_ngrok.exception import PyngrokError

__all__ = [
    "ENDPOINTS_PATH",
    "PROTOCOLS",
    "TUNNELS_PATH",
    "Proto",
    "TunnelOptions",
    "TunnelRequest",
    "UpstreamOptions",
    "build_connect_request",
    "check_connect_arguments",
    "companion_name",
    "definition_names",
    "find_definition",
    "is_v3",
    "translate_legacy_options",
    "translate_options",
    "translate_v2_options",
    "upstream_url",
]

TUNNELS_PATH = "/api/tunnels"
ENDPOINTS_PATH = "/api/endpoints"
DEFAULT_DEFINITION = "pyngrok-default"
_V3_ONLY_OPTIONS = ("upstream", "bindings")
_LAYER4 = ("tcp", "tls")

#: The tunnel protocols ``connect()`` accepts: ``http`` (https and/or http public URLs, see ``bind_tls``), ``tcp``
#: and ``tls``. v2 agents take exactly these as ``proto``; v3 agents express them through the endpoint's ``url``
#: scheme (``https://``, ``tcp://``, ``tls://``), which is what ``proto`` selects there. ``https`` is not a protocol
#: name in either (2.3.41 answers ``Invalid protocol name 'https'``): use ``"http"``.
Proto = Literal["http", "tcp", "tls"]
PROTOCOLS: tuple[str, ...] = ("http", "tcp", "tls")


class UpstreamOptions(TypedDict, total=False):
    """v3 ``upstream``: where the endpoint forwards (``"8080"``, ``"host:port"``, ``"http://…"``, ``"file:///…"``)."""

    url: str | int
    protocol: Literal["http1", "http2"]
    proxy_protocol: Literal["1", "2"]


class TunnelOptions(TypedDict, total=False):
    """Every tunnel/endpoint option ``connect(**options)`` accepts, typed (all optional).

    v2 agent (2.3.41) ``POST /api/tunnels`` keys: ``inspect``, ``metadata``; http: ``auth``, ``host_header``,
    ``bind_tls``, ``subdomain``, ``hostname``; tls: ``crt``, ``key``, ``client_cas``; tcp: ``remote_addr``;
    ``ip_policy``. The v3 spellings ``schemes``/``basic_auth`` are translated for it (see the module docstring).
    v3 agents also take the rest (v3 tunnel and endpoint keys). Keys that are not listed here still reach a v3 agent
    (which validates them), but are a type error.
    """

    # both agent versions
    inspect: bool
    metadata: str
    bind_tls: bool | Literal["true", "false", "both"]
    auth: str | Sequence[str]
    schemes: Sequence[Literal["http", "https"]]
    basic_auth: str | Sequence[str]
    host_header: str
    subdomain: str
    hostname: str
    crt: str
    key: str
    client_cas: str
    remote_addr: str
    ip_policy: str
    # v3 agents only (a v2 agent would silently ignore them: refused for ngrok_version="2")
    domain: str
    proxy_proto: Literal["1", "2"] | int
    compression: bool
    circuit_breaker: float
    ip_restriction: Mapping[str, Sequence[str]]
    mutual_tls_cas: str | Sequence[str]
    oauth: Mapping[str, Any]
    oidc: Mapping[str, Any]
    request_header: Mapping[str, Sequence[str]]
    response_header: Mapping[str, Sequence[str]]
    user_agent_filter: Mapping[str, Sequence[str]]
    verify_webhook: Mapping[str, str]
    websocket_tcp_converter: bool
    terminate_at: Literal["edge", "agent", "upstream"]
    traffic_policy: str | Mapping[str, Any]
    labels: Sequence[str]
    # v3 endpoints (``config_version="3"``)
    url: str
    upstream: UpstreamOptions
    bindings: Sequence[Literal["public", "internal", "kubernetes"]]
    pooling_enabled: bool
    description: str
    agent_tls_termination: Mapping[str, Any]


#: Keys a v2 agent (2.3.41) understands in ``POST /api/tunnels``, plus the v3 spellings translated for it.
_V2_AGENT_OPTIONS = frozenset(
    {
        "inspect",
        "metadata",
        "auth",
        "host_header",
        "bind_tls",
        "subdomain",
        "hostname",
        "crt",
        "key",
        "client_cas",
        "remote_addr",
        "ip_policy",
        "schemes",
        "basic_auth",
    }
)
_BOOL_OPTIONS = ("inspect", "compression", "pooling_enabled", "websocket_tcp_converter")
_STR_OPTIONS = (
    "metadata",
    "host_header",
    "crt",
    "key",
    "client_cas",
    "remote_addr",
    "ip_policy",
    "url",
    "description",
    "terminate_at",
)
_MAPPING_OPTIONS = (
    "upstream",
    "ip_restriction",
    "oauth",
    "oidc",
    "request_header",
    "response_header",
    "user_agent_filter",
    "verify_webhook",
    "agent_tls_termination",
)
_STR_LIST_OPTIONS = ("labels", "bindings")
#: A DNS name (labels of letters, digits and inner hyphens; a leading ``*.`` for a wildcard domain).
_DNS_NAME = re.compile(
    r"(\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_SUBDOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*")
_BIND_TLS_TEXT = ("true", "false", "both")


def _kind(value: object) -> str:
    return type(value).__name__


def _refuse(argument: str, expected: str, value: object, *, secret: bool = False, option: bool = True) -> PyngrokError:
    shown = f"a {_kind(value)}" if secret else f"{reprlib.repr(value)} ({_kind(value)})"
    label = f'Option "{argument}"' if option else f'"{argument}"'
    return PyngrokError(f"{label} must be {expected}, got {shown}.")


def _check_port(argument: str, text: str) -> None:
    if not 1 <= int(text) <= 65535:
        raise PyngrokError(f'"{argument}" port must be between 1 and 65535, got {text}.')


def _check_addr(addr: object) -> None:
    if addr is None:
        return
    if isinstance(addr, bool) or not isinstance(addr, int | str):
        raise _refuse(
            "addr", 'a port (int or str), "host:port", or a URL such as "http://host:port"', addr, option=False
        )
    if isinstance(addr, int):
        _check_port("addr", str(addr))
        return
    text = addr.strip()
    if text.isascii() and text.isdigit():
        _check_port("addr", text)
    elif any(char.isspace() or not char.isprintable() for char in text):
        raise PyngrokError(f'"addr" must not contain spaces or control characters, got {reprlib.repr(addr)}.')
    elif "://" not in text and ":" in text:
        port = text.rsplit(":", 1)[1]
        if port.isascii() and port.isdigit():
            _check_port("addr", port)


def _check_proto(proto: object, source: str = '"proto"') -> None:
    if proto is None or proto == "":
        return  # the default, "http"
    if not isinstance(proto, str) or proto not in PROTOCOLS:
        expected = " or ".join(f'"{item}"' for item in PROTOCOLS)
        hint = (
            ' ("https" is not a protocol name: use "http", which is https-only by default)' if proto == "https" else ""
        )
        raise PyngrokError(f"{source} must be {expected}, got {reprlib.repr(proto)}{hint}.")


def _check_credentials(argument: str, value: object) -> None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise _refuse(argument, 'a "user:pass" string or a non-empty list of them', value, secret=True)
    for item in items:
        if not isinstance(item, str):
            raise _refuse(argument, 'a "user:pass" string or a non-empty list of them', item, secret=True)
        user, colon, _password = item.partition(":")
        if not colon or not user:
            raise PyngrokError(f'Option "{argument}" must be "user:pass" (a user name, a colon, a password).')
        # the value is a secret: never echoed


def _check_bind_tls(value: object) -> None:
    if isinstance(value, bool) or (isinstance(value, str) and value.lower() in _BIND_TLS_TEXT):
        return
    raise _refuse("bind_tls", 'True, False or "both"', value)


def _check_schemes(value: object) -> None:
    items = [value] if isinstance(value, str) else value
    if (
        isinstance(items, list | tuple)
        and items
        and all(isinstance(item, str) and item.lower() in ("http", "https") for item in items)
    ):
        return
    raise _refuse("schemes", '["https"], ["http"] or ["http", "https"]', value)


def _check_host(argument: str, value: object, pattern: re.Pattern[str], what: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _refuse(argument, what, value)


def _check_option_values(options: Mapping[str, Any]) -> None:
    for key in _BOOL_OPTIONS:
        if key in options and not isinstance(options[key], bool):
            raise _refuse(key, "True or False", options[key])
    for key in _STR_OPTIONS:
        if key in options and not isinstance(options[key], str):
            raise _refuse(key, "a str", options[key])
    for key in _MAPPING_OPTIONS:
        if key in options and not isinstance(options[key], Mapping):
            raise _refuse(key, "a mapping (dict)", options[key])
    for key in _STR_LIST_OPTIONS:
        value = options.get(key)
        if key in options and not (isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)):
            raise _refuse(key, "a list of str", value)
    if "bind_tls" in options:
        _check_bind_tls(options["bind_tls"])
    if "schemes" in options:
        _check_schemes(options["schemes"])
    for key in ("auth", "basic_auth"):
        if key in options:
            _check_credentials(key, options[key])
    if "subdomain" in options:
        _check_host(
            "subdomain", options["subdomain"], _SUBDOMAIN, "DNS labels (letters, digits, inner hyphens; dot-separated)"
        )
    for key in ("hostname", "domain"):
        if key in options:
            _check_host(key, options[key], _DNS_NAME, "a DNS name such as app.example.com")
    if "traffic_policy" in options and not isinstance(options["traffic_policy"], str | Mapping):
        raise _refuse("traffic_policy", "a str or a mapping (dict)", options["traffic_policy"])
    if "circuit_breaker" in options:
        value = options["circuit_breaker"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _refuse("circuit_breaker", "a number (the error ratio that trips it)", value)


def _check_agent_supports(options: Iterable[str], config_version: object, ngrok_version: object) -> None:
    keys = set(options)
    if is_v2_version(ngrok_version):
        unsupported = sorted(keys - _V2_AGENT_OPTIONS)
        if unsupported:
            raise PyngrokError(
                f'Options {unsupported} need a v3 agent, but this PyngrokConfig runs a v2 agent (ngrok_version="2"), '
                "which has only the Tunnels API and would silently ignore them."
            )
        return
    if is_v3(config_version):
        return
    v3_only = sorted(key for key in _V3_ONLY_OPTIONS if key in keys)
    if v3_only:
        raise PyngrokError(
            f'Options {v3_only} require config_version="3". Set PyngrokConfig.config_version="3" to use these.'
        )


def check_connect_arguments(
    addr: object,
    proto: object,
    name: object,
    options: Mapping[str, Any],
    *,
    config_version: object,
    ngrok_version: object = None,
) -> None:
    """Refuse a ``connect()`` argument that is wrong, before any I/O, with a :class:`PyngrokError` naming it.

    ``addr``: None, an int port or a str (a bare port, ``host:port`` or a URL); ports are 1..65535 (a ``bool``
    is not a port). ``proto``: one of :data:`PROTOCOLS`. ``name``: None (or empty: generated) or a str
    without ``%`` or ``/``, not ``.`` or ``..`` (the path segment must round-trip through the agent's API). ``options``: the types of
    :class:`TunnelOptions`; ``auth``/``basic_auth`` each ``"user:pass"`` (never echoed); ``subdomain`` DNS labels
    (no spaces); ``hostname``/``domain`` a DNS name. For a v2 agent (``ngrok_version="2"``), options it would silently
    ignore are refused; with ``config_version="2"``, the v3-only ``upstream``/``bindings`` (pyngrok's rule).
    """
    _check_addr(addr)
    _check_proto(proto)
    if name is not None and not isinstance(name, str):
        raise _refuse("name", "a str or None", name, option=False)
    if isinstance(name, str) and ("%" in name or "/" in name or name in (".", "..")):
        # 2.3.41 percent-decodes GET /api/tunnels/{name} twice (DELETE once): such a tunnel could not be read back
        raise _refuse("name", "a tunnel name without '%' or '/' (and not '.' or '..')", name, option=False)
    _check_agent_supports(options, config_version, ngrok_version)
    _check_option_values(options)


@dataclass(frozen=True)
class TunnelRequest:
    """One ``connect()`` call, ready to send.

    ``path``/``body`` are the primary request. ``fallback_path``/``fallback_body`` are set for v3 agents: the
    Tunnels API request to use when the agent is older than 3.30 and has no ``/api/endpoints`` (a code-less 404).
    """

    name: str
    path: str
    body: dict[str, Any]
    fallback_path: str | None = None
    fallback_body: dict[str, Any] | None = field(default=None)


def is_v3(config_version: object) -> bool:
    """True when ``config_version`` selects the v3 surface (Endpoints API, legacy option translation)."""
    return config_format(config_version) == "3"


def companion_name(name: str) -> str:
    """The name a v2 agent gives the plain-http twin of an http tunnel bound with the default ``bind_tls``."""
    return f"{name} (http)"


def upstream_url(addr: str, proto: str) -> str:
    """The v3 ``upstream.url`` for an ``addr`` in any of its forms.

    ``"8080"`` → ``http://localhost:8080`` (http) or ``localhost:8080`` (tcp/tls); ``"host:port"`` →
    ``http://host:port`` (http) or ``host:port`` (tcp/tls); anything with a scheme (``http://…``, ``https://…``,
    ``file:///…``, ``tcp://…``) is kept as is. Unlike pyngrok, ``host:port`` never gets a second ``localhost:``.
    """
    text = str(addr).strip()
    if "://" in text:
        return text
    host_port = f"localhost:{text}" if text.isdigit() else text
    if proto in _LAYER4:
        return host_port
    return f"http://{host_port}"


def _addr_from_upstream(upstream: object) -> str | None:
    if isinstance(upstream, Mapping):
        url = upstream.get("url")
        return None if url is None else str(url)
    return None


def _check_pair(options: Mapping[str, Any], legacy: str, modern: str) -> None:
    if legacy in options and modern in options:
        raise PyngrokError(
            f'Options "{legacy}" and "{modern}" are two spellings of one setting: give only one of them '
            f"(got {legacy}={options[legacy]!r}, {modern}={options[modern]!r})."
        )


def translate_legacy_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """pyngrok's v2 → v3 upgrade: ``bind_tls`` → ``schemes`` and ``auth`` → ``basic_auth`` (v3 agents only).

    Raises:
        PyngrokError: both ``bind_tls`` and ``schemes``, or both ``auth`` and ``basic_auth``, are given.
    """
    _check_pair(options, "bind_tls", "schemes")
    _check_pair(options, "auth", "basic_auth")
    result = dict(options)
    if "bind_tls" in result:
        bind_tls = result.pop("bind_tls")
        if bind_tls is True or str(bind_tls).lower() == "true":
            result["schemes"] = ["https"]
        elif bind_tls is False or str(bind_tls).lower() == "false":
            result["schemes"] = ["http"]
        else:
            result["schemes"] = ["http", "https"]
    if "auth" in result:
        auth = result.pop("auth")
        result["basic_auth"] = list(auth) if isinstance(auth, list | tuple) else [auth]
    return result


_SCHEMES_TO_BIND_TLS: dict[frozenset[str], bool | str] = {
    frozenset({"https"}): True,
    frozenset({"http"}): False,
    frozenset({"http", "https"}): "both",
}


def _bind_tls_for(schemes: object) -> bool | str:
    items = [schemes] if isinstance(schemes, str) else schemes
    if isinstance(items, list | tuple) and items and all(isinstance(item, str) for item in items):
        bind_tls = _SCHEMES_TO_BIND_TLS.get(frozenset(item.strip().lower() for item in items))
        if bind_tls is not None:
            return bind_tls
    raise PyngrokError(
        f'Option "schemes" must be ["https"], ["http"] or ["http", "https"] for a v2 agent (it becomes bind_tls), '
        f"got {schemes!r}."
    )


def _auth_for(credentials: object, option: str) -> str:
    items = [credentials] if isinstance(credentials, str) else credentials
    if isinstance(items, list | tuple) and len(items) == 1 and isinstance(items[0], str):
        return items[0]
    if isinstance(items, list | tuple) and len(items) > 1:
        raise PyngrokError(
            f'Option "{option}" has {len(items)} credentials, but a v2 agent supports only one "user:pass" '
            "(sent as auth)."
        )
    raise PyngrokError(
        f'Option "{option}" must be one "user:pass" string (or a list of one) for a v2 agent, '
        f"got a {type(credentials).__name__}."
    )  # the value itself may be a secret: never echoed


def translate_v2_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The v3 spellings a v2 agent would silently ignore, in its own: ``schemes`` → ``bind_tls``, ``basic_auth`` →
    ``auth``; ``auth`` as a list (pyngrok's v3 spelling, ``["user:pass"]``) → its one string. ``bind_tls`` and a
    string ``auth`` are kept as they are.

    Raises:
        PyngrokError: ``schemes`` is not ``["https"]``, ``["http"]`` or both; ``basic_auth`` (or a list ``auth``)
            is not exactly one credential; or both spellings of one option are given.
    """
    _check_pair(options, "bind_tls", "schemes")
    _check_pair(options, "auth", "basic_auth")
    result = dict(options)
    if "schemes" in result:
        result["bind_tls"] = _bind_tls_for(result.pop("schemes"))
    if "basic_auth" in result:
        result["auth"] = _auth_for(result.pop("basic_auth"), "basic_auth")
    elif isinstance(result.get("auth"), list | tuple):
        result["auth"] = _auth_for(result["auth"], "auth")  # pyngrok's list spelling; 2.3.41 takes one string
    return result


def translate_options(options: Mapping[str, Any], config_version: object) -> dict[str, Any]:
    """:func:`translate_legacy_options` for v3, :func:`translate_v2_options` for v2.

    Raises:
        PyngrokError: see those two.
    """
    return translate_legacy_options(options) if is_v3(config_version) else translate_v2_options(options)


def _tunnel_definitions(config: Mapping[str, Any]) -> Mapping[str, Any]:
    tunnels = config.get("tunnels") or {}
    return tunnels if isinstance(tunnels, Mapping) else {}


def _endpoint_definitions(config: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    endpoints = config.get("endpoints") or []
    if not isinstance(endpoints, list):
        return []
    return [item for item in endpoints if isinstance(item, Mapping)]


def find_definition(
    config: Mapping[str, Any] | None, name: str | None, config_version: object
) -> tuple[str, dict[str, Any]] | None:
    """The config-file definition ``connect(name=…)`` starts from, as ``(definition name, definition)``.

    v3 searches the ``endpoints`` list first, then (both versions) the ``tunnels`` map. With no ``name`` the
    ``pyngrok-default`` definition is used when present. None when nothing matches.
    """
    if not config:
        return None
    wanted = name or DEFAULT_DEFINITION
    if is_v3(config_version):
        for definition in _endpoint_definitions(config):
            if definition.get("name") == wanted:
                return wanted, dict(definition)
    tunnels = _tunnel_definitions(config)
    entry = tunnels.get(wanted)
    if isinstance(entry, Mapping):
        return wanted, dict(entry)
    if entry is None and wanted in tunnels:
        return wanted, {}
    return None


def definition_names(config: Mapping[str, Any] | None, config_version: object) -> list[str]:
    """Names ``connect_all()`` starts, in file order: v3 ``endpoints`` then ``tunnels``; ``pyngrok-default`` skipped."""
    if not config:
        return []
    names: list[str] = []
    if is_v3(config_version):
        names.extend(str(d["name"]) for d in _endpoint_definitions(config) if d.get("name"))
    names.extend(str(key) for key in _tunnel_definitions(config))
    seen: set[str] = set()
    ordered: list[str] = []
    for item in names:
        if item != DEFAULT_DEFINITION and item not in seen:
            seen.add(item)
            ordered.append(item)
    return ordered


def build_connect_request(
    addr: str | int | None,
    proto: str | int | None,
    name: str | None,
    options: Mapping[str, Any],
    *,
    config_version: object,
    config: Mapping[str, Any] | None = None,
    new_id: Callable[[], object] = uuid.uuid4,
    ngrok_version: object = None,
) -> TunnelRequest:
    """The agent request for ``connect(addr, proto, name, **options)``.

    ``config`` is the parsed agent config file (None when absent). ``config_version`` "2" builds a Tunnels API body
    with v3 spellings translated back (``schemes`` → ``bind_tls``, ``basic_auth`` → ``auth``) and, for an http
    tunnel with neither set, ``bind_tls: true`` (https only, like v3); "3" builds an Endpoints API body with legacy
    options translated, plus a Tunnels API fallback for v3 agents older than 3.30.

    ``ngrok_version`` (the config's) tells a v2 agent apart from ``config_version="2"`` on a v3 agent: options a v2
    agent would silently ignore are refused, and the message says the agent is v2.

    Raises:
        PyngrokError: a wrong argument (see :func:`check_connect_arguments`), before anything is built; v3-only
            options (``upstream``, ``bindings``) with config_version "2", or any option a v2 agent does not know
            with ngrok_version "2"; an option a v2 agent cannot express (``schemes`` other than http/https, more
            than one ``basic_auth``/``auth`` credential); both spellings of one option (``bind_tls`` and
            ``schemes``, ``auth`` and ``basic_auth``); a config-file definition whose ``proto`` is not one of
            :data:`PROTOCOLS`.
    """
    check_connect_arguments(addr, proto, name, options, config_version=config_version, ngrok_version=ngrok_version)
    addr_given = addr is not None
    proto_given = proto is not None
    upstream_given = "upstream" in options
    merged = translate_options(options, config_version)

    found = find_definition(config, name, config_version)
    if found is not None:
        definition_name, definition = found
        if not addr:
            addr = definition.get("addr")
            if addr is None and not upstream_given:
                addr = _addr_from_upstream(definition.get("upstream"))
        if not proto:
            proto = definition.get("proto")
            _check_proto(proto, f'"proto" of the config-file definition {definition_name!r}')
        defined = {key: value for key, value in definition.items() if key != "name"}
        merged = {**translate_options(defined, config_version), **merged}
        name = f"{definition_name}-api"

    addr_text = str(addr) if addr not in (None, "") else "80"
    proto_text = str(proto) if proto not in (None, "") else "http"
    if not name:
        kind = "file" if addr_text.startswith("file://") else addr_text
        name = f"{proto_text}-{kind}-{new_id()}"
    merged["name"] = name

    if not is_v3(config_version):
        if proto_text == "http" and "bind_tls" not in merged:
            merged["bind_tls"] = True  # https only, as v3 agents and pyngrok 9.1.0 give; "both" must be asked for
        body = {**merged, "addr": addr_text, "proto": proto_text}
        return TunnelRequest(name=name, path=TUNNELS_PATH, body=body)

    endpoint = dict(merged)
    if ((addr_given or proto_given) and not upstream_given) or "upstream" not in endpoint:
        endpoint["upstream"] = {"url": upstream_url(addr_text, proto_text)}
    if proto_text in _LAYER4:
        endpoint.setdefault("url", f"{proto_text}://")
        endpoint.setdefault("inspect", False)
    endpoint.pop("addr", None)
    endpoint.pop("proto", None)

    tunnel = {key: value for key, value in merged.items() if key not in ("upstream", "url", "bindings")}
    fallback_addr = addr_text
    if upstream_given and not addr_given:
        fallback_addr = _addr_from_upstream(options["upstream"]) or addr_text
    tunnel.update({"addr": fallback_addr, "proto": proto_text})
    return TunnelRequest(
        name=name, path=ENDPOINTS_PATH, body=endpoint, fallback_path=TUNNELS_PATH, fallback_body=tunnel
    )
