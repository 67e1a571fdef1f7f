"""Generated agent models → the plain dicts and compat objects the public modules hand out (no I/O).

``NgrokTunnel.data`` and ``CapturedRequest.data`` are the agent's JSON as a dict: ``AgentAPI`` hands out the JSON the
generated parser already decoded when it has it, else :func:`model_data` rebuilds it with ``to_dict()`` (unknown keys
kept in ``additional_properties`` survive either way).

List answers (``/api/tunnels``, ``/api/endpoints``, ``/api/requests/http``) are read by :func:`list_items` instead of
the generated list parser: building the attrs models costs about 8 µs per captured request (five models each, 0.8 ms
for the 100 a 2.3.41 agent keeps), more than the agent takes to serialise them, and the public objects are dict-backed
anyway. The envelope and every item are still checked against the spec: an object, a list under the spec's key, and
each item an object carrying the keys the spec requires (read from the generated model, so a regenerated spec moves
the check with it).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol, TypeVar

from typed_ngrok.exception import PyngrokNgrokError

__all__ = ["Model", "endpoint_body", "expect", "list_items", "model_data", "required_keys", "tunnel_body"]


class Model(Protocol):
    """What every generated attrs model offers."""

    def to_dict(self) -> dict[str, Any]: ...


M = TypeVar("M")


def expect(parsed: object, cls: type[M], url: str) -> M:
    """``parsed`` as a ``cls`` instance.

    Raises:
        PyngrokNgrokError: the agent answered with something else (e.g. an error body on a success status).
    """
    if isinstance(parsed, cls):
        return parsed
    raise PyngrokNgrokError(f"ngrok client exception, unexpected response from {url}: expected {cls.__name__}")


@cache
def required_keys(model: type) -> frozenset[str]:
    """The JSON keys the spec requires in a ``model`` object: its attrs fields without a default."""
    import attrs

    return frozenset(f.name for f in attrs.fields(model) if f.init and f.default is attrs.NOTHING)


def list_items(data: object, key: str, item_model: type, url: str) -> list[dict[str, Any]]:
    """The objects listed under ``key`` in the list answer ``data`` (the agent's JSON, not copied).

    Raises:
        PyngrokNgrokError: ``data`` is not an object with a list under ``key``, or an item is not an object with the
            keys ``item_model`` requires.
    """
    items = data.get(key) if type(data) is dict else None
    if type(items) is not list:
        raise PyngrokNgrokError(
            f"ngrok client exception, unreadable response from {url}: expected an object with a {key!r} list"
        )
    required = required_keys(item_model)
    for item in items:
        if type(item) is not dict or not required.issubset(item):
            missing = sorted(required - set(item)) if type(item) is dict else None
            raise PyngrokNgrokError(
                f"ngrok client exception, unreadable response from {url}: a {item_model.__name__} in {key!r} "
                + (f"lacks {', '.join(missing)}" if missing else f"is not an object but {type(item).__name__}")
            )
    return items


def model_data(model: Model) -> dict[str, Any]:
    """The agent's JSON for ``model`` as a fresh dict."""
    return model.to_dict()


def tunnel_body(body: dict[str, Any]) -> Any:
    """A ``TunnelDefinition`` carrying ``body`` as given: name and addr typed, the rest passed through unvalidated.

    The agent itself validates the options (and answers 400 with its own message), so typos and options newer than
    the spec still reach it. ``proto`` is required by the spec (2.3.41 refuses a body without it); a body that lacks
    it is sent with ``"proto": ""``, which the agent refuses the same way ("Invalid protocol name ''").
    """
    from typed_ngrok_agent_api.models.tunnel_definition import TunnelDefinition

    rest = dict(body)
    name = rest.pop("name")
    addr = rest.pop("addr")
    proto = rest.pop("proto", "")
    model = TunnelDefinition(name=str(name), addr=addr if isinstance(addr, int | str) else str(addr), proto=proto)
    model.additional_properties = rest
    return model


def endpoint_body(body: dict[str, Any]) -> Any:
    """An ``EndpointDefinition`` carrying ``body`` as given (see :func:`tunnel_body`)."""
    from typed_ngrok_agent_api.models.endpoint_definition import EndpointDefinition

    rest = dict(body)
    name = rest.pop("name")
    model = EndpointDefinition(name=str(name))
    model.additional_properties = rest
    return model
