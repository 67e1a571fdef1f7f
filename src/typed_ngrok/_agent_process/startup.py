"""Blocking start-up work shared by the sync and async runners (``sync``, ``aio``; driven by ``runner``).

Everything an agent needs before it is spawned: the user's config checked, the local edge started (``edge="local"``),
the private 0600 overlay written (authtoken, edge settings), argv, and the environment and platform options of the
child process. Nothing here waits on the agent itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from typed_ngrok._agent_process import config as agent_config
from typed_ngrok._agent_process.config_file import write_private_config
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokError

if TYPE_CHECKING:
    from typed_ngrok.edge import LocalEdge

__all__ = ["SECRET_ENV", "StartPlan", "check_binary", "child_env", "platform_spawn_options", "prepare_start"]

#: Environment variables that carry secrets: pyngrok reads them (``TYPED_NGROK_AUTH``: the CLI's ``--auth``
#: user:pass), the agent must not inherit them (the overlay file carries what it needs).
SECRET_ENV: Final = ("NGROK_AUTHTOKEN", "NGROK_API_KEY", "TYPED_NGROK_AUTH")


@dataclass
class StartPlan:
    """What :func:`prepare_start` set up; the launcher owns (and later stops/removes) ``edge`` and ``private_dir``."""

    argv: list[str]
    secrets: tuple[str, ...]
    edge: LocalEdge | None
    private_dir: str | None


def prepare_start(pyngrok_config: PyngrokConfig) -> StartPlan:
    """Check the user's config, start the local edge if asked, write the private overlay and build argv.

    On failure nothing it started is left behind (the edge is stopped, the private folder removed).

    Raises:
        PyngrokError: the user's config file is unreadable or invalid.
        LocalEdgeError: the local edge could not start.
        OSError: the private overlay could not be written.
    """
    cfg = pyngrok_config
    base_path = agent_config.base_config_path(cfg)
    base = agent_config.check_base_config(base_path)
    edge: LocalEdge | None = None
    private_dir: str | None = None
    try:
        edge_config: dict[str, Any] | None = None
        edge_token: str | None = None
        if cfg.edge == "local":
            from typed_ngrok.edge import LocalEdge  # imported here: the edge pulls in TLS and asyncio machinery

            edge = LocalEdge()
            edge.start()
            edge_config = dict(edge.agent_config(config_version=agent_config.agent_format(cfg)))
            edge_token = edge.authtoken
        overlay = agent_config.build_overlay(cfg, base, edge_config, edge_token)
        files = [base_path] if base_path else []
        if overlay:
            private_dir = tempfile.mkdtemp(prefix="typed-ngrok-")
            files.append(write_private_config(os.path.join(private_dir, "overlay.yml"), overlay))
    except BaseException:
        if edge is not None:
            edge.stop()
        if private_dir is not None:
            shutil.rmtree(private_dir, ignore_errors=True)
        raise
    region = None if cfg.edge == "local" else cfg.region
    return StartPlan(
        argv=agent_config.build_argv(cfg.ngrok_path, files, region),
        secrets=agent_config.secrets_of(cfg, edge_token),
        edge=edge,
        private_dir=private_dir,
    )


def check_binary(ngrok_path: str) -> None:
    """Refuse a missing binary before anything runs (agent starts and one-shot commands, both twins).

    Raises:
        PyngrokNgrokError: ``ngrok_path`` does not exist.
    """
    if not os.path.exists(ngrok_path):
        raise PyngrokNgrokError(
            f'ngrok binary was not found. Be sure to call "ngrok.install_ngrok()" first for "ngrok_path": {ngrok_path}'
        )


def child_env() -> dict[str, str]:
    """The agent's environment: ours without the secret-carrying variables."""
    return {key: value for key, value in os.environ.items() if key not in SECRET_ENV}


def platform_spawn_options(pyngrok_config: PyngrokConfig) -> dict[str, Any]:
    """``start_new_session`` on POSIX; no console window on Windows."""
    if os.name == "posix":
        return {"start_new_session": pyngrok_config.start_new_session}
    if sys.platform == "win32":  # pragma: no cover - not exercised on Linux CI
        return {"creationflags": getattr(subprocess, "CREATE_NO_WINDOW", 0)}
    return {}
