"""What the agent is started with: argv, the private overlay config, and the secrets to redact (no processes here).

The authtoken (and API key) never go on the command line: they go into a private 0600 overlay file passed after
the user's config (``--config base.yml --config overlay.yml``; later files win). In local-edge mode the overlay also
points the agent at the edge (``server_addr``/``root_cas`` for v2, ``agent.connect_url``/``connect_cas`` for v3).
"""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Mapping
from typing import Any, Final

from typed_ngrok import conf
from typed_ngrok._agent_process.config_file import file_version, read_config, validate_config
from typed_ngrok._redact import MASK, redact
from typed_ngrok.conf import PyngrokConfig, agent_format
from typed_ngrok.exception import PyngrokError

__all__ = [
    "REDACTED",
    "agent_format",
    "base_config_path",
    "build_argv",
    "build_overlay",
    "check_base_config",
    "free_loopback_addr",
    "mask_secrets",
    "secrets_of",
]

#: What a secret is replaced with in logs and error texts.
REDACTED: Final = MASK


def base_config_path(pyngrok_config: PyngrokConfig) -> str | None:
    """The user's config file to pass first: ``config_path`` when set (even if missing: the agent then reports it),
    else the default config file when it exists, else None."""
    if pyngrok_config.config_path is not None:
        return pyngrok_config.config_path
    default = conf.get_config_path(pyngrok_config)
    return default if os.path.isfile(default) else None


def check_base_config(path: str | None) -> dict[str, Any]:
    """Read and validate the user's config file (``{}`` when there is none or it does not exist).

    A file the agent itself will refuse (bad YAML, not a mapping) is left for the agent to report, so the error
    carries the agent's own text.

    Raises:
        PyngrokError: for settings typed-ngrok cannot work with (``web_addr: false``, ``log_level: warn``, ...).
    """
    if path is None or not os.path.isfile(path):
        return {}
    try:
        data = read_config(path)
    except PyngrokError:
        return {}
    validate_config(data)
    return data


def _agent_section(data: Mapping[str, Any]) -> Mapping[str, Any]:
    if file_version(data) == "3":
        agent = data.get("agent")
        return agent if isinstance(agent, Mapping) else {}
    return data


#: Where the agent's ``web_addr`` is chosen: below the kernel's ephemeral range (Linux 32768-60999, macOS and Windows
#: 49152-65535). The port is free when chosen but only the agent binds it, a moment later; a port from the ephemeral
#: range (what binding port 0 gives) may by then be the source port of some outgoing connection, and the agent fails
#: with "bind: address already in use" (seen here with many agents starting at once). Ports below that range are
#: only ever taken by an explicit bind.
WEB_PORTS: Final = range(15000, 32768)
_EPHEMERAL_RANGE: Final = "/proc/sys/net/ipv4/ip_local_port_range"
_TRIES: Final = 20
_RANDOM: Final = random.SystemRandom()  # not the global generator, which tests and user code may seed


def _ports_outside_ephemeral() -> range:
    """:data:`WEB_PORTS`, cut below the ephemeral range where the system says where it starts (Linux)."""
    try:
        with open(_EPHEMERAL_RANGE, encoding="ascii") as ranges:
            low = int(ranges.read().split()[0])
    except (OSError, ValueError, IndexError):
        return WEB_PORTS
    return range(WEB_PORTS.start, min(WEB_PORTS.stop, low)) if low > WEB_PORTS.start + _TRIES else WEB_PORTS


def free_loopback_addr() -> str:
    """A currently free ``127.0.0.1:PORT`` for the agent to bind: a random port of :data:`WEB_PORTS` (below the
    ephemeral range) that binds now; a port the system picks when none of a few tries does."""
    candidates = _ports_outside_ephemeral()
    for _ in range(_TRIES):
        port = _RANDOM.choice(candidates)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return f"127.0.0.1:{port}"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"127.0.0.1:{port}"


def build_overlay(
    pyngrok_config: PyngrokConfig,
    base: Mapping[str, Any],
    edge_config: Mapping[str, Any] | None = None,
    edge_authtoken: str | None = None,
) -> dict[str, Any]:
    """The private overlay's content (``{}`` when nothing needs to be added).

    ``edge_config`` is ``LocalEdge.agent_config(...)`` in local-edge mode: it is merged in, the authtoken is the
    edge's, and when the user's config sets no ``web_addr`` a free loopback port is chosen (the agent's default, 4040,
    would collide with any other agent on the machine).
    """
    fmt = agent_format(pyngrok_config)
    settings: dict[str, Any] = {}
    if edge_config is not None:
        settings.update(_agent_section(edge_config))
        if "web_addr" not in _agent_section(base):
            settings["web_addr"] = free_loopback_addr()
    # Against the local edge the edge's own token is used: a real authtoken never leaves for a stand-in server.
    token = edge_authtoken if edge_config is not None else pyngrok_config.auth_token
    if token:
        settings["authtoken"] = token
    if pyngrok_config.api_key and fmt == "3":
        settings["api_key"] = pyngrok_config.api_key
    if not settings:
        return {}
    if fmt == "3":
        return {"version": "3", "agent": settings}
    return {"version": "2", **settings}


def build_argv(ngrok_path: str, config_files: list[str], region: str | None) -> list[str]:
    """``[path, start, --none, --log, stdout, --log-format, logfmt, (--config f)*, (--region r)?]``.

    One ``--config`` per file: 2.3.41 does not split a comma-separated list (it opens ``a.yml,b.yml`` as one path),
    while a repeated flag works on v2 and v3 alike (later files win).
    """
    argv = [ngrok_path, "start", "--none", "--log", "stdout", "--log-format", "logfmt"]
    for path in config_files:
        argv += ["--config", path]
    if region:
        argv += ["--region", region]
    return argv


def secrets_of(pyngrok_config: PyngrokConfig, *extra: str | None) -> tuple[str, ...]:
    """Every secret to redact from logs and errors, longest first (so a secret inside another is masked whole)."""
    found = {s for s in (pyngrok_config.auth_token, pyngrok_config.api_key, *extra) if s}
    return tuple(sorted(found, key=len, reverse=True))


def mask_secrets(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret replaced by :data:`REDACTED`, in every spelling the agent may print it (raw,
    Go-quoted, JSON-escaped, percent-encoded: see ``_redact``)."""
    return redact(text, secrets, REDACTED)
