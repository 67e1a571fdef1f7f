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
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from typed_ngrok.exception import PyngrokError

__all__ = [
    "ENDPOINTS_PATH",
    "TUNNELS_PATH",
    "TunnelRequest",
    "build_connect_request",
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
    return str(config_version).lstrip("v") == "3"


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


def _auth_for(basic_auth: object) -> str:
    items = [basic_auth] if isinstance(basic_auth, str) else basic_auth
    if isinstance(items, list | tuple) and len(items) == 1 and isinstance(items[0], str):
        return items[0]
    if isinstance(items, list | tuple) and len(items) > 1:
        raise PyngrokError(
            f'Option "basic_auth" has {len(items)} credentials, but a v2 agent supports only one "user:pass" '
            "(it becomes auth)."
        )
    raise PyngrokError(
        f'Option "basic_auth" must be one "user:pass" string (or a list of one) for a v2 agent, '
        f"got a {type(basic_auth).__name__}."
    )  # the value itself may be a secret: never echoed


def translate_v2_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The v3 spellings a v2 agent would silently ignore, in its own: ``schemes`` → ``bind_tls``, ``basic_auth`` →
    ``auth``. ``bind_tls``/``auth`` given as such are kept as they are (the agent validates them).

    Raises:
        PyngrokError: ``schemes`` is not ``["https"]``, ``["http"]`` or both; ``basic_auth`` is not exactly one
            credential; or both spellings of one option are given.
    """
    _check_pair(options, "bind_tls", "schemes")
    _check_pair(options, "auth", "basic_auth")
    result = dict(options)
    if "schemes" in result:
        result["bind_tls"] = _bind_tls_for(result.pop("schemes"))
    if "basic_auth" in result:
        result["auth"] = _auth_for(result.pop("basic_auth"))
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


def _check_v3_only(options: Iterable[str], config_version: object) -> None:
    if is_v3(config_version):
        return
    v3_only = sorted(key for key in _V3_ONLY_OPTIONS if key in options)
    if v3_only:
        raise PyngrokError(
            f'Options {v3_only} require config_version="3". Set PyngrokConfig.config_version="3" to use these.'
        )


def build_connect_request(
    addr: str | int | None,
    proto: str | int | None,
    name: str | None,
    options: Mapping[str, Any],
    *,
    config_version: object,
    config: Mapping[str, Any] | None = None,
    new_id: Callable[[], object] = uuid.uuid4,
) -> TunnelRequest:
    """The agent request for ``connect(addr, proto, name, **options)``.

    ``config`` is the parsed agent config file (None when absent). ``config_version`` "2" builds a Tunnels API body
    with v3 spellings translated back (``schemes`` → ``bind_tls``, ``basic_auth`` → ``auth``) and, for an http
    tunnel with neither set, ``bind_tls: true`` (https only, like v3); "3" builds an Endpoints API body with legacy
    options translated, plus a Tunnels API fallback for v3 agents older than 3.30.

    Raises:
        PyngrokError: v3-only options (``upstream``, ``bindings``) with config_version "2"; an option a v2 agent
            cannot express (``schemes`` other than http/https, more than one ``basic_auth`` credential); both
            spellings of one option (``bind_tls`` and ``schemes``, ``auth`` and ``basic_auth``).
    """
    _check_v3_only(options, config_version)
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
