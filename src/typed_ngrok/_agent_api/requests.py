"""The agent API's operations without I/O: request building and answer validation, shared by both shells.

Every operation is described once, from the spec: the generated tag packages (``typed_ngrok_agent_api.api.<tag>``)
carry ``OPERATIONS``, ``SCHEMAS`` and ``LISTS`` (plain data written by our template
``openapi/templates/endpoint_init.py.jinja``), so a regenerated spec moves the requests and the checks with it.
:func:`build` turns one operation and its arguments into an :class:`AgentRequest` (method, percent-encoded path,
query, JSON body, what a success answer must be); :func:`read_answer` turns the agent's status and body into the
result or the mapped exception. :class:`~typed_ngrok._agent_api.sync.AgentAPI` and
:class:`~typed_ngrok._agent_api.aio.AsyncAgentAPI` only send the request and hand the answer back here.

One validation rule for every answer object, a single object and each item of a list alike
(:func:`check_object`): a JSON object carrying every key its schema requires, each value of the JSON type the spec
gives it (``X | None`` allows null). Unknown keys are kept. The generated attrs models are not built: that costs about
8 µs per captured request (0.8 ms for the 100 a 2.3.41 agent keeps), more than the agent takes to answer, and the
public objects are dict-backed anyway (their own typed accessors check the optional keys, see ``_shapes``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, Generic, TypeVar, cast
from urllib.parse import quote, urlencode

from typed_ngrok._errors import agent_http_error
from typed_ngrok.exception import PyngrokNgrokError

__all__ = [
    "AgentRequest",
    "JsonObject",
    "Operation",
    "build",
    "check_object",
    "endpoint_body",
    "operations",
    "read_answer",
    "tunnel_body",
]

#: A JSON object as the agent sends it (``NgrokTunnel.data`` and friends are these dicts).
JsonObject = dict[str, Any]
T = TypeVar("T")

#: One row of a generated ``OPERATIONS`` table (see ``openapi/templates/endpoint_init.py.jinja``).
_OperationRow = tuple[str, str, tuple[str, ...], tuple[str, ...], bool, tuple[int, ...], str | None]
_JSON_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "None": (type(None),),
    "Any": (object,),
}
# Tunnel-table race: ngrok 2.3.41 adds and removes API tunnels in a map without a lock, so two concurrent
# ``POST /api/tunnels`` crash the agent with ``fatal error: concurrent map writes`` (exit 2; seen with 20 threads
# connecting at once). Both shells therefore send these operations one at a time per agent; reads stay concurrent.
_SERIALISED: Final = frozenset({"start_tunnel", "stop_tunnel"})


@dataclass(frozen=True, slots=True)
class Operation:
    """One agent API operation as the spec describes it."""

    name: str
    method: str
    path: str  # template with ``{param}`` placeholders
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    has_body: bool
    ok: tuple[int, ...]  # success statuses
    schema: str | None  # the success answer's schema (None: no body)
    list_key: str | None  # for a list envelope: the key of its list
    item_schema: str | None  # ... and its items' schema


@dataclass(frozen=True, slots=True)
class AgentRequest(Generic[T]):
    """One request to send (``target`` is the path and query, to append to the agent's base URL) and what its
    success answer must be; ``T`` is the result type :func:`read_answer` gives."""

    operation: Operation
    method: str
    target: str
    body: bytes | None
    serialised: bool  # a tunnel-table change: one at a time per agent (see 'Tunnel-table race')


def _json_types(spelled: str) -> tuple[type, ...]:
    """Python types of a JSON type as the generator spells it: ``str``, ``dict[str, Any]``, ``list[X] | None``..."""
    types: list[type] = []
    depth, start = 0, 0
    parts: list[str] = []
    for index, char in enumerate(spelled):
        depth += char == "["
        depth -= char == "]"
        if char == "|" and depth == 0:
            parts.append(spelled[start:index])
            start = index + 1
    parts.append(spelled[start:])
    for part in (p.strip() for p in parts):
        head = part.split("[", 1)[0]
        if head in _JSON_TYPES:
            types.extend(_JSON_TYPES[head])
        elif head == "dict":
            types.append(dict)
        elif head == "list":
            types.append(list)
        else:  # an enum or a type this table does not know: accept any JSON value rather than refuse a good answer
            types.append(object)
    return tuple(types)


_Tables = tuple[dict[str, _OperationRow], dict[str, dict[str, str]], dict[str, tuple[str, str]]]


@cache
def _tag_tables() -> tuple[_Tables, ...]:
    """``(OPERATIONS, SCHEMAS, LISTS)`` of each generated tag package."""
    from typed_ngrok_agent_api.api import endpoints, requests, root, status, tunnels

    return tuple((tag.OPERATIONS, tag.SCHEMAS, tag.LISTS) for tag in (tunnels, endpoints, requests, status, root))


@cache
def operations() -> dict[str, Operation]:
    """Every operation of the spec by its snake_case name (read once from the generated tag packages)."""
    table: dict[str, Operation] = {}
    for rows, _, lists in _tag_tables():
        for name, (method, path, path_params, query_params, has_body, ok, schema) in rows.items():
            key, item = lists.get(schema, (None, None)) if schema else (None, None)
            table[name] = Operation(name, method, path, path_params, query_params, has_body, ok, schema, key, item)
    return table


@cache
def schema_types(schema: str) -> tuple[tuple[str, tuple[type, ...]], ...]:
    """``(required key, accepted Python types)`` pairs of one schema."""
    for _, schemas, _ in _tag_tables():
        if schema in schemas:
            return tuple((key, _json_types(spelled)) for key, spelled in schemas[schema].items())
    raise LookupError(f"no schema {schema!r} in the generated agent API package")  # a broken build, not an answer


def build(
    name: str,
    path: Mapping[str, str] | None = None,
    query: Mapping[str, object] | None = None,
    body: Mapping[str, Any] | None = None,
) -> AgentRequest[Any]:
    """The request of operation ``name``: path parameters percent-encoded (``web (http)`` → ``web%20%28http%29``),
    query parameters that are None left out, ``body`` as JSON.

    Raises:
        PyngrokNgrokError: ``body`` cannot be sent as JSON (e.g. a NaN or an object JSON does not know).
    """
    op = operations()[name]
    target = op.path
    for param in op.path_params:
        target = target.replace(f"{{{param}}}", quote(str((path or {})[param]), safe=""))
    if query:
        pairs = [(key, _query_value(query[key])) for key in op.query_params if query.get(key) is not None]
        if pairs:
            target = f"{target}?{urlencode(pairs)}"
    content = None
    if op.has_body:
        try:
            content = json.dumps(body or {}, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        except (TypeError, ValueError, RecursionError) as exc:
            raise PyngrokNgrokError(f"ngrok client exception, cannot send the {name} options as JSON: {exc}") from exc
    return AgentRequest(op, op.method, target, content, name in _SERIALISED)


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_object(data: object, schema: str, url: str, where: str = "") -> JsonObject:
    """``data`` when it is a JSON object with every key ``schema`` requires, each of the spec's JSON type.

    Raises:
        PyngrokNgrokError: naming the schema (and ``where`` it sits, e.g. ``in 'tunnels'``) and the first fault.
    """
    if type(data) is not dict:
        fault = f"is not an object but {type(data).__name__}"
    else:
        for key, types in schema_types(schema):
            if key not in data:
                fault = f"lacks {key}"
                break
            value = data[key]
            if not isinstance(value, types) or (type(value) is bool and bool not in types):
                fault = f"has {key} of type {type(value).__name__}"
                break
        else:
            return cast(JsonObject, data)
    place = f" {where}" if where else ""
    raise PyngrokNgrokError(f"ngrok client exception, unreadable response from {url}: a {schema}{place} {fault}")


def read_answer(
    request: AgentRequest[T], url: str, status: int, content: bytes, headers: Mapping[str, str] | None = None
) -> T:
    """The result of ``request`` from the agent's answer: None for an operation without an answer body, the checked
    object, or for a list operation the checked items (the agent's JSON, not copied).

    Raises:
        PyngrokNgrokHTTPError: status >= 400 or another status than the spec's success ones (``TunnelNotFoundError``
            for an unknown tunnel); the agent's own message and code are kept.
        PyngrokNgrokError: the body is not JSON or does not fit the schema.
    """
    op = request.operation
    if status not in op.ok:
        raise agent_http_error(url, status, content, headers)
    if op.schema is None:
        return cast(T, None)
    try:
        data = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise PyngrokNgrokError(
            f"ngrok client exception, unreadable response from {url}: the body is not JSON ({exc})"
        ) from exc
    if op.list_key is None or op.item_schema is None:
        return cast(T, check_object(data, op.schema, url))
    envelope = check_object(data, op.schema, url)
    key, item_schema = op.list_key, op.item_schema
    where = f"in {key!r}"
    for item in envelope[key]:
        check_object(item, item_schema, url, where)
    return cast(T, envelope[key])


def tunnel_body(body: Mapping[str, Any]) -> JsonObject:
    """The ``POST /api/tunnels`` body for ``body`` as given: name and addr typed, the rest passed through.

    The agent itself validates the options (and answers 400 with its own message), so typos and options newer than
    the spec still reach it. ``proto`` is required by the spec (2.3.41 refuses a body without it); a body that lacks
    it is sent with ``"proto": ""``, which the agent refuses the same way ("Invalid protocol name ''").
    """
    rest = dict(body)
    addr = rest.pop("addr")
    rest["name"] = str(rest.pop("name"))
    rest["addr"] = addr if isinstance(addr, int | str) and not isinstance(addr, bool) else str(addr)
    rest["proto"] = rest.pop("proto", "")
    return rest


def endpoint_body(body: Mapping[str, Any]) -> JsonObject:
    """The ``POST /api/endpoints`` body for ``body`` as given (see :func:`tunnel_body`): name as a string."""
    rest = dict(body)
    rest["name"] = str(rest.pop("name"))
    return rest


# -- the operations both shells offer: one request builder each -----------------------------------------------------


def list_tunnels() -> AgentRequest[list[JsonObject]]:
    return build("list_tunnels")


def start_tunnel(body: Mapping[str, Any]) -> AgentRequest[JsonObject]:
    return build("start_tunnel", body=tunnel_body(body))


def get_tunnel(name: str) -> AgentRequest[JsonObject]:
    return build("get_tunnel", {"name": name})


def stop_tunnel(name: str) -> AgentRequest[None]:
    return build("stop_tunnel", {"name": name})


def list_endpoints() -> AgentRequest[list[JsonObject]]:
    return build("list_endpoints")


def create_endpoint(body: Mapping[str, Any]) -> AgentRequest[JsonObject]:
    return build("create_endpoint", body=endpoint_body(body))


def get_endpoint(name: str) -> AgentRequest[JsonObject]:
    return build("get_endpoint", {"name": name})


def stop_endpoint(name: str) -> AgentRequest[None]:
    return build("delete_endpoint", {"name": name})


def list_requests(tunnel_name: str | None = None, limit: int | None = None) -> AgentRequest[list[JsonObject]]:
    return build("list_requests", query={"tunnel_name": tunnel_name, "limit": limit})


def get_request(request_id: str) -> AgentRequest[JsonObject]:
    return build("get_request", {"id": request_id})


def replay_request(request_id: str, tunnel_name: str | None = None) -> AgentRequest[None]:
    body: JsonObject = {"id": request_id}
    if tunnel_name is not None:
        body["tunnel_name"] = tunnel_name
    return build("replay_request", body=body)


def delete_requests() -> AgentRequest[None]:
    return build("delete_requests")


def get_status() -> AgentRequest[JsonObject]:
    return build("get_status")
