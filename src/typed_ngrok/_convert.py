"""Generated agent models → the plain dicts and compat objects the public modules hand out (no I/O).

``NgrokTunnel.data`` and ``CapturedRequest.data`` are the agent's JSON as a dict: ``AgentAPI`` hands out the JSON the
generated parser already decoded when it has it, else :func:`model_data` rebuilds it with ``to_dict()`` (unknown keys
kept in ``additional_properties`` survive either way).
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from typed_ngrok.exception import PyngrokNgrokError

__all__ = ["Model", "endpoint_body", "expect", "model_data", "tunnel_body"]


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


def model_data(model: Model) -> dict[str, Any]:
    """The agent's JSON for ``model`` as a fresh dict."""
    return model.to_dict()


def tunnel_body(body: dict[str, Any]) -> Any:
    """A ``TunnelDefinition`` carrying ``body`` as given: name and addr typed, the rest passed through unvalidated.

    The agent itself validates the options (and answers 400 with its own message), so typos and options newer than
    the spec still reach it.
    """
    from typed_ngrok_agent_api.models.tunnel_definition import TunnelDefinition

    rest = dict(body)
    name = rest.pop("name")
    addr = rest.pop("addr")
    model = TunnelDefinition(name=str(name), addr=addr if isinstance(addr, int | str) else str(addr))
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
