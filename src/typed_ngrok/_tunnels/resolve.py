"""Small helpers shared by the public sync and async modules (``ngrok``, ``agent``, ``aio``, ``process``).

Kept free of heavy imports (no yaml, httpx or generated code at import time) so ``import typed_ngrok.ngrok`` stays
cheap.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from typed_ngrok import conf
from typed_ngrok.conf import PyngrokConfig, agent_format
from typed_ngrok.exception import PyngrokError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from typed_ngrok._tunnels.model import NgrokTunnel
    from typed_ngrok.edge import LocalEdge

__all__ = [
    "agent_format",
    "check_limit",
    "check_name_free",
    "check_public_url",
    "companion_names",
    "edge_ca_path",
    "resolve_config",
    "user_config",
]


def resolve_config(pyngrok_config: PyngrokConfig | None) -> PyngrokConfig:
    """The given config, or the module default (``conf.get_default()``) for None.

    Raises:
        PyngrokError: ``pyngrok_config`` is neither a :class:`~typed_ngrok.conf.PyngrokConfig` nor None.
    """
    if pyngrok_config is None:
        return conf.get_default()
    if not isinstance(pyngrok_config, PyngrokConfig):
        raise PyngrokError(f'"pyngrok_config" must be a PyngrokConfig or None, got a {type(pyngrok_config).__name__}.')
    return pyngrok_config


def check_public_url(public_url: object) -> None:
    """``disconnect()``'s argument: a ``str`` (an unknown URL is then a no-op, as in pyngrok).

    Raises:
        PyngrokError: ``public_url`` is not a str.
    """
    if not isinstance(public_url, str):
        raise PyngrokError(f'"public_url" must be a str (a tunnel\'s public URL), got a {type(public_url).__name__}.')


def check_limit(limit: object) -> None:
    """``get_requests(limit=…)``: None (the agent's default) or an int >= 1 (``bool`` is not an int here).

    0 is refused rather than sent: 2.3.41 does not document it, and "at most zero requests" needs no agent.

    Raises:
        PyngrokError: any other value.
    """
    if limit is None:
        return
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise PyngrokError(f'"limit" must be None or an int >= 1, got {limit!r} ({type(limit).__name__}).')


def check_name_free(name: str, tunnels: Iterable[NgrokTunnel]) -> None:
    """``connect(name=…)`` refuses a name this agent already runs a tunnel under (one ``connect``/``get_tunnels``
    recorded): 2.3.41 would silently replace its registry entry and leave the old bind public; v3 >= 3.29 refuses.

    Tunnels opened outside typed-ngrok are known after a ``get_tunnels()``.

    Raises:
        PyngrokError: the name is taken; the message names it and its public URL.
    """
    for tunnel in tunnels:
        if tunnel.name == name:
            raise PyngrokError(
                f'"name" {name!r} is already used by tunnel {tunnel.public_url} on this agent: disconnect it first '
                "or choose another name."
            )


def edge_ca_path(edge: LocalEdge | None, ngrok_path: str) -> str:
    """The CA file an https client must trust for tunnels through this agent's local edge.

    Raises:
        PyngrokError: the agent does not use a local edge (``edge="local"``): its https URLs use ngrok's public
            certificates, which the system trust store already covers.
    """
    if edge is None:
        raise PyngrokError(
            f'the ngrok agent at {ngrok_path} does not use the local edge (PyngrokConfig edge="local"), so there is '
            "no local CA to trust: its https URLs use ngrok's certificates."
        )
    return edge.ca_path


def user_config(pyngrok_config: PyngrokConfig) -> dict[str, Any] | None:
    """The user's agent config file as a dict (mtime-cached), or None when there is none.

    Raises:
        PyngrokError: the file exists but cannot be read or parsed.
    """
    from typed_ngrok._agent_process.config import base_config_path
    from typed_ngrok._agent_process.config_file import read_config

    path = base_config_path(pyngrok_config)
    if path is None or not os.path.isfile(path):
        return None
    return read_config(path, config_version=agent_format(pyngrok_config))


def companion_names(body: dict[str, Any], name: str | None, agent_format: str) -> list[str]:
    """The ``<name> (http)`` twin a v2 agent creates for an http tunnel ``name`` bound with ``bind_tls: both``."""
    if agent_format != "2" or str(body.get("proto", "http")) != "http" or not name:
        return []
    bind_tls = body.get("bind_tls", "both")
    if bind_tls is True or bind_tls is False or str(bind_tls).lower() in ("true", "false"):
        return []
    from typed_ngrok._tunnels.requests import companion_name  # not at import: requests is the heavy part of connect

    return [companion_name(name)]
