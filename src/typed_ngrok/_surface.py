"""Small helpers shared by the public sync and async modules (``ngrok``, ``agent``, ``aio``, ``process``).

Kept free of heavy imports (no yaml, httpx or generated code at import time) so ``import typed_ngrok.ngrok`` stays
cheap.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from typed_ngrok import conf
from typed_ngrok.conf import PyngrokConfig

if TYPE_CHECKING:
    from typed_ngrok._tunnel import NgrokTunnel

__all__ = ["agent_format", "companion_names", "resolve_config", "user_config"]


def resolve_config(pyngrok_config: PyngrokConfig | None) -> PyngrokConfig:
    """The given config, or the module default (``conf.get_default()``) for None."""
    return conf.get_default() if pyngrok_config is None else pyngrok_config


def agent_format(pyngrok_config: PyngrokConfig) -> str:
    """``"2"`` for a v2 agent or ``config_version="2"`` (Tunnels API, v2 config keys, v2 option names), else ``"3"``.

    Lenient on purpose (``"v2"``, ``"2.3.41"``): attributes may have been set after construction, unvalidated.
    """
    if str(pyngrok_config.ngrok_version).lstrip("v").startswith("2"):
        return "2"
    return "2" if str(pyngrok_config.config_version) == "2" else "3"


def user_config(pyngrok_config: PyngrokConfig) -> dict[str, Any] | None:
    """The user's agent config file as a dict (mtime-cached), or None when there is none.

    Raises:
        PyngrokError: the file exists but cannot be read or parsed.
    """
    from typed_ngrok._agent_config import base_config_path
    from typed_ngrok._config_file import read_config

    path = base_config_path(pyngrok_config)
    if path is None or not os.path.isfile(path):
        return None
    return read_config(path, config_version=agent_format(pyngrok_config))


def companion_names(body: dict[str, Any], tunnel: NgrokTunnel, agent_format: str) -> list[str]:
    """The ``<name> (http)`` twin a v2 agent creates for an http tunnel bound with ``bind_tls: both``."""
    if agent_format != "2" or str(body.get("proto", "http")) != "http" or not tunnel.name:
        return []
    bind_tls = body.get("bind_tls", "both")
    if bind_tls is True or bind_tls is False or str(bind_tls).lower() in ("true", "false"):
        return []
    return [f"{tunnel.name} (http)"]
