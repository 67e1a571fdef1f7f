"""The agent's one-shot commands (``ngrok api …``, ``ngrok update``), shared by ``ngrok`` and ``aio`` (no waiting here).

``PyngrokConfig.api_key`` reaches ``ngrok api`` through a private 0600 overlay file passed after the user's config
(pyngrok puts it on the command line as ``--api-key``, where every local user can read it); the overlay and its
folder are removed when the command is done. ``Command.secrets`` are what ``capture_run_process`` masks in the
command's output and errors.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from typed_ngrok._agent_process.config import mask_secrets, secrets_of
from typed_ngrok._agent_process.config_file import write_private_config
from typed_ngrok.conf import PyngrokConfig, agent_format, is_v2_agent
from typed_ngrok.exception import PyngrokError

__all__ = ["VERSION_ARGS", "Command", "api_command", "command_output", "parse_version", "update_command"]

#: ``ngrok --version``.
VERSION_ARGS: Final = ("--version",)


@dataclass(frozen=True)
class Command:
    """Arguments after the binary's path, and the secrets to mask in what it prints."""

    args: list[str]
    secrets: tuple[str, ...]


def _api_key_overlay(pyngrok_config: PyngrokConfig) -> dict[str, Any]:
    key = pyngrok_config.api_key
    if not key:
        return {}
    if agent_format(pyngrok_config) == "3":
        return {"version": "3", "agent": {"api_key": key}}
    return {"version": "2", "api_key": key}


@contextmanager
def api_command(pyngrok_config: PyngrokConfig, args: Sequence[Any]) -> Iterator[Command]:
    """``[--config user.yml] [--config overlay.yml] api <args>``, valid inside the block (the overlay is removed after).

    Raises:
        PyngrokError: the config runs a v2 agent (``ngrok_version="2"``), which has no ``api`` command (2.3.41 would
            print its help text and exit 0), refused before anything runs; or the private overlay could not be
            written.
    """
    cfg = pyngrok_config
    if is_v2_agent(cfg):
        raise PyngrokError(
            f'ngrok api needs a v3 agent, but this PyngrokConfig has ngrok_version="{cfg.ngrok_version}": ngrok 2.x has '
            'no "api" command. Use ngrok_version="3" (or call api.ngrok.com with ngrok.api_request and an API key).'
        )
    files = [cfg.config_path] if cfg.config_path else []
    overlay = _api_key_overlay(cfg)
    private_dir = tempfile.mkdtemp(prefix="typed-ngrok-api-") if overlay else None
    try:
        if private_dir is not None:
            files.append(write_private_config(os.path.join(private_dir, "api-key.yml"), overlay))
        argv = [part for path in files for part in ("--config", path)]
        argv += ["api", *(str(arg) for arg in args)]
        yield Command(argv, secrets_of(cfg))
    finally:
        if private_dir is not None:
            shutil.rmtree(private_dir, ignore_errors=True)


def update_command(pyngrok_config: PyngrokConfig) -> Command:
    """``update --log stdout``."""
    return Command(["update", "--log", "stdout"], secrets_of(pyngrok_config))


def command_output(returncode: int | None, raw: bytes, secrets: tuple[str, ...]) -> str:
    """What a finished one-shot command printed (stdout and stderr, decoded and stripped, ``secrets`` masked).

    Raises:
        PyngrokNgrokError: it exited non-zero (``The ngrok process exited with code N: <output>``).
    """
    output = mask_secrets(raw.decode("utf-8", "replace").strip(), secrets)
    if returncode != 0:
        from typed_ngrok._errors import command_failed_error

        raise command_failed_error(returncode, output)
    return output


def parse_version(output: str) -> str:
    """The agent's version from ``ngrok --version`` output (``ngrok version 3.5.0`` gives ``3.5.0``)."""
    return output.split("version ", 1)[-1].strip()
