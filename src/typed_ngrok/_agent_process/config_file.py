"""ngrok agent config files: read (mtime-aware cache), validate, deep-merge, convert v2 <-> v3, write 0600 atomically.

Two formats exist (docs/agent-api.md §10):

- **v2**: every agent setting at the top level (``authtoken: …``, ``web_addr: …``, ``tunnels: {…}``), optionally
  ``version: "2"``. The 2.3.41 agent reads only this one.
- **v3**: ``version: "3"``, agent settings under ``agent:``, plus ``endpoints:`` and ``tunnels:``.

Every write of a user's config goes to a private temporary file in the target folder (mode 0600), is flushed to
disk and then renamed over the target, so a reader never sees half a file and a secret is never briefly
world-readable. The agent's private overlay is created exclusively (0600, ``O_EXCL``, no symlink followed) in a
folder only we can enter, before the agent that reads it starts: no rename or fsync is needed for it. YAML goes
through libyaml (``CSafeLoader``/``CSafeDumper``) when PyYAML has it, else the pure-Python safe loader/dumper. Errors are
:class:`~typed_ngrok.exception.PyngrokError`; YAML errors report the line and column but never the offending text,
because that text may be an authtoken.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
from collections.abc import Mapping
from typing import Any, Final

import yaml

from typed_ngrok._agent_process import state
from typed_ngrok._atomic import FolderError, atomic_file
from typed_ngrok._identity import identity_of
from typed_ngrok.exception import PyngrokError

__all__ = [
    "V3_TOP_LEVEL_KEYS",
    "convert_format",
    "deep_merge",
    "default_config",
    "file_version",
    "lock",
    "read_config",
    "set_agent_value",
    "set_api_key",
    "set_authtoken",
    "validate_config",
    "write_config",
    "write_private_config",
]

logger = logging.getLogger("typed_ngrok.installer")

#: Guards every read-modify-write of a config file (``installer.config_file_lock`` is this lock; it lives in
#: ``state`` with the concern's other process-level state).
lock = state.config_file_lock

#: Keys that stay at the top level of a v3 file; everything else belongs in its ``agent:`` block.
V3_TOP_LEVEL_KEYS: Final = frozenset({"version", "agent", "endpoints", "tunnels"})

_cache = state.config_cache  # parsed files by path, with the (mtime, size, inode) they were read at
# libyaml's safe loader/dumper are several times faster than the pure-Python ones and accept the same documents.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def default_config(config_version: str | None) -> dict[str, Any]:
    """The content of a fresh config file: ``{"version": config_version}``."""
    return {"version": config_version}


def file_version(data: Mapping[str, Any]) -> str:
    """``"3"`` when ``data`` is a v3-format config (``version: 3`` or an ``agent:`` block), else ``"2"``."""
    if str(data.get("version", "")).strip() == "3":
        return "3"
    return "3" if isinstance(data.get("agent"), Mapping) and "version" not in data else "2"


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """A new dict: ``overlay`` over ``base``; nested mappings merge by key, everything else (lists too) replaces."""
    merged: dict[str, Any] = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def convert_format(data: Mapping[str, Any], config_version: str) -> dict[str, Any]:
    """``data`` in the v2 (``"2"``) or v3 (``"3"``) layout, with ``version`` set to ``config_version``.

    v2 -> v3 moves agent settings under ``agent:`` (an existing ``agent:`` value wins); v3 -> v2 lifts the ``agent:``
    block to the top level (top-level values win).

    Raises:
        PyngrokError: when ``agent`` is not a mapping or the version is not "2" or "3".
    """
    if config_version not in ("2", "3"):
        raise PyngrokError(f'"config_version" must be "2" or "3", got {config_version!r}')
    agent = data.get("agent", {})
    if agent is None:
        agent = {}
    if not isinstance(agent, Mapping):
        raise PyngrokError(f'the "agent" section of an ngrok config must be a mapping, got {type(agent).__name__}')
    if config_version == "3":
        out: dict[str, Any] = {"version": "3"}
        lifted = {key: value for key, value in data.items() if key not in V3_TOP_LEVEL_KEYS}
        merged_agent = deep_merge(lifted, agent)
        if merged_agent:
            out["agent"] = merged_agent
        for key in ("endpoints", "tunnels"):
            if key in data:
                out[key] = copy.deepcopy(data[key])
        return out
    flat = deep_merge(agent, {key: value for key, value in data.items() if key not in ("agent", "version")})
    return {"version": "2", **flat}


def validate_config(data: Mapping[str, Any]) -> None:
    """Refuse settings typed-ngrok cannot work with (checks ``agent:`` in a v3 config, else the top level).

    ``web_addr: false`` (no local API), ``log_format: json`` and a ``log_level`` other than info/debug (the readiness
    lines would be missing) are refused, as pyngrok does.

    Raises:
        PyngrokError: naming the offending key.
    """
    if not isinstance(data, Mapping):
        raise PyngrokError(f"an ngrok config must be a mapping, got {type(data).__name__}")
    if str(data.get("version")) == "3":
        values = data.get("agent") or {}
        if not isinstance(values, Mapping):
            raise PyngrokError(f'the "agent" section of an ngrok config must be a mapping, got {type(values).__name__}')
    else:
        values = data
    if values.get("web_addr", None) is False:
        raise PyngrokError('"web_addr" cannot be False, as the ngrok API is a dependency for typed-ngrok')
    if values.get("log_format") == "json":
        raise PyngrokError('"log_format" must be "term" or "logfmt" to be compatible with typed-ngrok')
    if values.get("log_level", "info") not in ("info", "debug"):
        raise PyngrokError('"log_level" must be "info" or "debug" to be compatible with typed-ngrok')


def _parse(path: str, text: str) -> dict[str, Any] | None:
    try:
        loaded = yaml.load(text, Loader=_LOADER)  # a safe loader: libyaml's or PyYAML's
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise PyngrokError(f"the ngrok config {path} is not valid YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise PyngrokError(f"the ngrok config {path} is not valid YAML ({type(exc).__name__})") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # e.g. a timestamp like 2001-02-30
        raise PyngrokError(f"the ngrok config {path} holds a value YAML cannot build ({type(exc).__name__})") from None
    if loaded is None:
        return None
    if not isinstance(loaded, dict):
        raise PyngrokError(f"the ngrok config {path} must hold a mapping, not {type(loaded).__name__}")
    return loaded


def read_config(path: str, *, use_cache: bool = True, config_version: str | None = "3") -> dict[str, Any]:
    """The parsed config file at ``path`` (a copy; an empty file gives :func:`default_config`).

    With ``use_cache`` the parsed result is reused while the file's identity (size, mtime, inode, device:
    :mod:`typed_ngrok._identity`) is unchanged, so an edit made by someone else (the agent, a text editor) is always
    seen.

    Raises:
        PyngrokError: when the file is missing, unreadable or not a YAML mapping.
    """
    with lock:
        try:
            with open(path, encoding="utf-8") as fh:
                key = identity_of(os.fstat(fh.fileno()))
                cached = _cache.get(path)
                if use_cache and cached is not None and cached[0] == key:
                    return copy.deepcopy(cached[1])
                text = fh.read()
        except FileNotFoundError as exc:
            raise PyngrokError(f"the ngrok config {path} does not exist") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise PyngrokError(f"cannot read the ngrok config {path}: {exc}") from exc
        data = _parse(path, text)
        if data is None:
            data = default_config(config_version)
        _cache[path] = (key, data)
        return copy.deepcopy(data)


def _atomic_write(path: str, text: str) -> None:
    try:
        with atomic_file(path, 0o600, folder_mode=0o700, prefix=".ngrok-config-") as out:
            out.write(text.encode("utf-8"))
    except OSError as exc:
        cause = exc.cause if isinstance(exc, FolderError) else exc
        raise PyngrokError(f"cannot write the ngrok config {path}: {cause}") from cause


def _dump(path: str, data: Mapping[str, Any]) -> str:
    try:
        return yaml.dump(dict(data), Dumper=_DUMPER, default_flow_style=False, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError as exc:
        raise PyngrokError(f"cannot serialise the ngrok config for {path}: {type(exc).__name__}") from None


def write_config(path: str, data: Mapping[str, Any]) -> None:
    """Write ``data`` as YAML to ``path``: mode 0600, parent folders created (0700), atomically (temp + rename).

    Raises:
        PyngrokError: when ``data`` cannot be serialised or the file cannot be written.
    """
    text = _dump(path, data)
    with lock:
        _atomic_write(path, text)
        _cache.pop(path, None)
    logger.debug("Wrote ngrok config %s", path)


def write_private_config(path: str, data: Mapping[str, Any]) -> str:
    """Create a private overlay config (secrets such as the authtoken) as 0600 YAML at a new ``path``; returns it.

    ``path`` must not exist yet and should be in a private folder (the launchers use a fresh ``mkdtemp`` folder;
    a missing folder is created 0700). The file is created exclusively and never through a symlink, and it is
    complete before the agent that reads it is started, so neither a temporary file nor an fsync is needed.
    Pass it to the agent after the base file (``--config base.yml --config overlay.yml``): later files win, so
    secrets never go on the command line.

    Raises:
        PyngrokError: when the file exists already or cannot be written.
    """
    text = _dump(path, data)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise PyngrokError(f"cannot write the private ngrok config {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise PyngrokError(f"cannot write the private ngrok config {path}: {exc.strerror or exc}") from exc
    return path


def set_agent_value(path: str, key: str, value: Any, config_version: str = "3") -> None:
    """Set one agent setting in the config file at ``path`` (created if missing), keeping everything else.

    The file's own format decides where the key goes: ``agent.<key>`` in a v3 file, the top level in a v2 file. A
    missing or empty file is created in the ``config_version`` format.

    Raises:
        PyngrokError: when the file is unreadable, invalid or cannot be written.
    """
    with lock:
        try:
            data: dict[str, Any] = read_config(path, use_cache=False, config_version=config_version)
        except PyngrokError:
            if os.path.exists(path):
                raise
            data = default_config(config_version)
        if file_version(data) == "3":
            agent = data.get("agent") or {}
            if not isinstance(agent, dict):
                raise PyngrokError(f'the "agent" section of the ngrok config {path} must be a mapping')
            agent[key] = value
            data["agent"] = agent
            data.setdefault("version", "3")
        else:
            data[key] = value
        write_config(path, data)


def set_authtoken(path: str, token: str, config_version: str = "3") -> None:
    """Save ``token`` as the authtoken in the config at ``path`` (``agent.authtoken`` in v3, ``authtoken`` in v2).

    Raises:
        PyngrokError: when the token is empty or the file cannot be updated (the token is never in the message).
    """
    set_agent_value(path, "authtoken", _secret(token, "the authtoken"), config_version)


def set_api_key(path: str, key: str, config_version: str = "3") -> None:
    """Save ``key`` as the ngrok API key in the config at ``path`` (``agent.api_key`` in v3, ``api_key`` in v2).

    Raises:
        PyngrokError: when the key is empty or the file cannot be updated (the key is never in the message).
    """
    set_agent_value(path, "api_key", _secret(key, "the API key"), config_version)


def _secret(value: object, what: str) -> str:
    """``value`` when it is a non-empty single-line string; the error never shows it."""
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\x00"):
        raise PyngrokError(f"{what} must be a non-empty single-line string")
    return value
