"""The pinned 2.3.41 agent without npm: its npm tarball fetched with httpx from the registry npm's config names.

Used by :func:`typed_ngrok.installer.install_ngrok` (``ngrok_version="2"``) when ``npm`` is not on ``PATH``. The
registry is what npm itself would use for the ``@expo`` scope, read from (first match wins, per key):

1. the environment: ``npm_config_@expo:registry``, ``npm_config_registry`` (any letter case, as npm reads them,
   so ``NPM_CONFIG_REGISTRY`` too);
2. the project config ``./.npmrc`` (in the current directory);
3. the user config: ``$npm_config_userconfig``, else ``~/.npmrc``;
4. the global config: ``$npm_config_globalconfig``, else ``$PREFIX/etc/npmrc`` (``$npm_config_prefix`` or
   ``$PREFIX``; without npm there is no install prefix to derive it from).

In each, ``@expo:registry`` wins over ``registry``; ``${VAR}`` in a value is replaced by the environment variable,
as npm does. Nothing else of npm's config is read (no auth tokens, proxies or CA settings: a registry that needs
them is used through npm). Nothing is contacted when no registry is configured: the error says what to do. The
public registry is ``https://registry.npmjs.org/`` (``npm_config_registry=https://registry.npmjs.org/``).

The packument's ``dist`` must announce the pinned sha1 and integrity; the tarball then goes through
:func:`~typed_ngrok._install.npm_agent.install_from_tarball` (the same checks as the ``npm pack`` path). A registry
named with ``https`` is never followed to ``http``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlsplit

import httpx

from typed_ngrok._install import download as _download
from typed_ngrok._install.npm_agent import (
    NPM_AGENT_VERSION,
    NpmAgentError,
    NpmAgentPin,
    NpmChecksumError,
    install_from_tarball,
    pin_for,
)
from typed_ngrok._shapes import check_http_url
from typed_ngrok.exception import PyngrokNgrokInstallError, PyngrokSecurityError

__all__ = ["NpmRegistry", "configured_registry", "fetch_from_registry", "no_npm_error", "npmrc_files"]

_SCOPE: Final = "@expo"
_KEYS: Final = (f"{_SCOPE}:registry", "registry")
_MAX_PACKUMENT: Final = 16 * 1024 * 1024
_MAX_TARBALL: Final = 64 * 1024 * 1024
_VAR: Final = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class NpmRegistry:
    """A registry URL and where it was configured (shown in errors and logs)."""

    url: str
    source: str


def npmrc_files(env: Mapping[str, str], cwd: str, home: str) -> list[str]:
    """The npmrc files read, in precedence order (project, user, global)."""
    lowered = {key.lower(): value for key, value in env.items()}
    files = [os.path.join(cwd, ".npmrc")]
    files.append(lowered.get("npm_config_userconfig") or os.path.join(home, ".npmrc"))
    globalconfig = lowered.get("npm_config_globalconfig")
    if not globalconfig:
        prefix = lowered.get("npm_config_prefix") or env.get("PREFIX")
        globalconfig = os.path.join(prefix, "etc", "npmrc") if prefix else None
    if globalconfig:
        files.append(globalconfig)
    return files


def _expand(value: str, env: Mapping[str, str]) -> str:
    return _VAR.sub(lambda match: env.get(match.group(1), ""), value)


def _read_npmrc(path: str, env: Mapping[str, str]) -> dict[str, str]:
    """The ``key = value`` lines of an npmrc file (comments, sections and unreadable files ignored)."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, str] = {}
    for line in lines:
        text = line.strip()
        if not text or text[0] in ";#[" or "=" not in text:
            continue
        key, value = (part.strip() for part in text.split("=", 1))
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        found.setdefault(key, _expand(value, env))
    return found


def configured_registry(
    env: Mapping[str, str] | None = None, cwd: str | None = None, home: str | None = None
) -> NpmRegistry | None:
    """The registry npm's configuration names for the ``@expo`` scope, or None when none is configured."""
    env = os.environ if env is None else env
    cwd = os.getcwd() if cwd is None else cwd
    home = os.path.expanduser("~") if home is None else home
    lowered = {key.lower(): (key, value) for key, value in env.items()}
    layers: list[tuple[str, dict[str, str]]] = []
    from_env = {
        wanted: lowered[f"npm_config_{wanted}"][1].strip() for wanted in _KEYS if f"npm_config_{wanted}" in lowered
    }
    layers.append(("the environment", from_env))
    layers += [(path, _read_npmrc(path, env)) for path in npmrc_files(env, cwd, home)]
    for key in _KEYS:
        for where, values in layers:
            value = values.get(key, "").strip()
            if value:
                if where == "the environment":
                    name = lowered[f"npm_config_{key}"][0]
                    return NpmRegistry(value, f"${name}")
                return NpmRegistry(value, f"{key}= in {where}")
    return None


def no_npm_error(pin: NpmAgentPin, npm: str) -> PyngrokNgrokInstallError:
    """Neither npm nor a configured registry: what to do, exactly."""
    return PyngrokNgrokInstallError(
        f"ngrok {NPM_AGENT_VERSION} comes from the npm package {pin.spec}, but {npm!r} is not on PATH and no npm "
        "registry is configured ($npm_config_registry, or registry= in ./.npmrc, ~/.npmrc or $PREFIX/etc/npmrc). "
        "Do one of: install Node.js with npm; set npm_config_registry=https://registry.npmjs.org/ (or your mirror) "
        "and typed-ngrok downloads and verifies the tarball itself; or pass PyngrokConfig(ngrok_path=...) naming an "
        f"ngrok {NPM_AGENT_VERSION} binary."
    )


def _packument_url(registry: str, package: str) -> str:
    return registry.rstrip("/") + "/" + quote(package, safe="@")


def _get_json(client: httpx.Client, url: str, registry: NpmRegistry) -> Any:
    try:
        with client.stream("GET", url, headers={"Accept": "application/json"}) as response:
            if response.status_code != 200:
                raise PyngrokNgrokInstallError(
                    f"the npm registry {registry.url} (from {registry.source}) answered HTTP {response.status_code} "
                    f"for {url}"
                )
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > _MAX_PACKUMENT:
                    raise PyngrokNgrokInstallError(f"{url} is larger than {_MAX_PACKUMENT} bytes")
    except httpx.HTTPError as exc:
        raise PyngrokNgrokInstallError(
            f"the npm registry {registry.url} (from {registry.source}) could not be reached: {type(exc).__name__}: {exc}"
        ) from exc
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PyngrokNgrokInstallError(f"{url} did not answer JSON: {exc}") from exc


def _dist(packument: Any, pin: NpmAgentPin, url: str) -> tuple[str, str, str]:
    """``(tarball URL, shasum, integrity)`` of the pinned version in ``packument``."""
    try:
        dist = packument["versions"][NPM_AGENT_VERSION]["dist"]
        tarball, shasum = dist["tarball"], dist["shasum"]
        integrity = dist.get("integrity", pin.tarball_integrity)
    except (KeyError, TypeError, AttributeError):
        raise PyngrokNgrokInstallError(f"{url} lists no {pin.spec} (no versions.{NPM_AGENT_VERSION}.dist)") from None
    if not all(isinstance(value, str) for value in (tarball, shasum, integrity)):
        raise PyngrokNgrokInstallError(f"{url}: versions.{NPM_AGENT_VERSION}.dist is not a package description")
    return tarball, shasum, integrity


def fetch_from_registry(
    registry: NpmRegistry,
    target: str | os.PathLike[str],
    *,
    platform_key: str | None = None,
    timeout: float = 30,
    transport: httpx.BaseTransport | None = None,
) -> Path:
    """Download the pinned tarball from ``registry``, verify it, and install its binary at ``target`` (atomically).

    Raises:
        PyngrokNgrokInstallError: the registry is unreachable, answers an error status or no usable package
            description, or the tarball cannot be downloaded or unpacked.
        PyngrokSecurityError: a URL is not http(s), an https registry points to http, or a checksum does not match
            the pins (announced or computed).
    """
    try:
        _, pin = pin_for(platform_key)
    except NpmAgentError as exc:
        raise PyngrokNgrokInstallError(str(exc)) from exc
    check_http_url(registry.url)
    url = _packument_url(registry.url, pin.package)
    with _download.guarded_client(registry.url, timeout=timeout, transport=transport) as client:
        packument = _get_json(client, url, registry)  # an https registry is never followed to http
    tarball_url, shasum, integrity = _dist(packument, pin, url)
    if shasum != pin.tarball_sha1 or integrity != pin.tarball_integrity:
        raise PyngrokSecurityError(
            f"the npm registry {registry.url} announces {pin.spec} with shasum {shasum} and integrity {integrity}, "
            f"but typed-ngrok pins {pin.tarball_sha1} and {pin.tarball_integrity}: refusing it"
        )
    check_http_url(tarball_url)
    if urlsplit(registry.url).scheme == "https" and urlsplit(tarball_url).scheme != "https":
        raise PyngrokSecurityError(f"refusing the tarball {tarball_url} of the https registry {registry.url}")
    with tempfile.TemporaryDirectory(prefix="typed-ngrok-npm-") as tmp:
        result = _download.download(
            tarball_url, tmp, timeout=timeout, retries=2, max_bytes=_MAX_TARBALL, progress=None, transport=transport
        )
        try:
            return install_from_tarball(Path(result.path), pin, Path(target))
        except NpmChecksumError as exc:
            raise PyngrokSecurityError(f"{tarball_url}: {exc}") from exc
        except NpmAgentError as exc:
            raise PyngrokNgrokInstallError(f"{tarball_url}: {exc}") from exc
