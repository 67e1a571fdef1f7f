"""Install the ngrok agent and manage its config files (pyngrok 9.1.0's ``pyngrok.installer``, hardened).

- **v3 agents** come from ngrok's CDN for every platform in :data:`PLATFORMS`: downloaded with a timeout, retried with
  exponential backoff, optionally checked against a sha256 pin, unpacked safely (only the binary; traversal, links,
  devices and oversized members are refused) and installed atomically, so a failed or interrupted install never leaves
  a broken binary and keeps a previous good one.
- **The v2 agent 2.3.41** (``ngrok_version="2"``), used with the offline local edge, comes from its pinned npm
  package through :mod:`typed_ngrok._install.npm_agent` (checksums verified there): with ``npm pack``, or, when
  ``npm`` is not on PATH, downloaded with httpx from the registry npm's configuration names
  (:mod:`typed_ngrok._install.npm_registry`: ``$npm_config_registry``, ``./.npmrc``, ``~/.npmrc``,
  ``$PREFIX/etc/npmrc``), verified against the same pins. With neither, the error says what to do.
- **Config files**: :func:`install_default_config` deep-merges and writes the requested format (``version: "2"``
  top-level keys, or ``version: "3"`` with an ``agent:`` block) with mode 0600, atomically; :func:`get_ngrok_config`
  re-reads a file whose mtime changed.

Progress is shown on stderr only when it is a terminal; otherwise downloads are logged (``typed_ngrok.installer``).
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import Any, Final

from typed_ngrok._agent_process import config_file as _config_file
from typed_ngrok._install.platform import UNIX_SYSTEMS, default_ngrok_dir, detect_arch, detect_system
from typed_ngrok.conf import SUPPORTED_CONFIG_VERSIONS, normalize_ngrok_version
from typed_ngrok.exception import PyngrokError, PyngrokNgrokInstallError, PyngrokSecurityError

__all__ = [
    "CDN_SHA256_PINS",
    "CDN_URL_PREFIX",
    "DEFAULT_DOWNLOAD_TIMEOUT",
    "DEFAULT_RETRY_COUNT",
    "PLATFORMS",
    "SUPPORTED_NGROK_VERSIONS",
    "UNIX_BINARIES",
    "config_file_lock",
    "get_arch",
    "get_default_config",
    "get_default_ngrok_dir",
    "get_ngrok_bin",
    "get_ngrok_cdn_url",
    "get_ngrok_config",
    "get_system",
    "install_default_config",
    "install_ngrok",
    "validate_config",
]

logger = logging.getLogger(__name__)

CDN_URL_PREFIX = "https://bin.ngrok.com/c/bNyj1mQVY4c/"
PLATFORMS: dict[str, str] = {
    "darwin_x86_64": CDN_URL_PREFIX + "ngrok-v3-stable-darwin-amd64.zip",
    "darwin_x86_64_arm": CDN_URL_PREFIX + "ngrok-v3-stable-darwin-arm64.zip",
    "windows_i386": CDN_URL_PREFIX + "ngrok-v3-stable-windows-386.zip",
    "windows_x86_64": CDN_URL_PREFIX + "ngrok-v3-stable-windows-amd64.zip",
    "windows_x86_64_arm": CDN_URL_PREFIX + "ngrok-v3-stable-windows-arm64.zip",
    "linux_i386": CDN_URL_PREFIX + "ngrok-v3-stable-linux-386.tgz",
    "linux_i386_arm": CDN_URL_PREFIX + "ngrok-v3-stable-linux-arm.tgz",
    "linux_x86_64": CDN_URL_PREFIX + "ngrok-v3-stable-linux-amd64.tgz",
    "linux_x86_64_arm": CDN_URL_PREFIX + "ngrok-v3-stable-linux-arm64.tgz",
    "linux_s390x": CDN_URL_PREFIX + "ngrok-v3-stable-linux-s390x.tgz",
    "linux_ppc64": CDN_URL_PREFIX + "ngrok-v3-stable-linux-ppc64.tgz",
    "linux_ppc64le": CDN_URL_PREFIX + "ngrok-v3-stable-linux-ppc64le.tgz",
    "freebsd_i386": CDN_URL_PREFIX + "ngrok-v3-stable-freebsd-386.tgz",
    "freebsd_x86_64": CDN_URL_PREFIX + "ngrok-v3-stable-freebsd-amd64.tgz",
    "freebsd_i386_arm": CDN_URL_PREFIX + "ngrok-v3-stable-freebsd-arm.tgz",
}
#: sha256 pins per download URL. ngrok publishes no checksums for its "stable" URLs (whose content changes with every
#: release), so this is empty by default; pass ``sha256=`` to :func:`install_ngrok`, or add entries here.
CDN_SHA256_PINS: dict[str, str] = {}
UNIX_BINARIES = list(UNIX_SYSTEMS)
#: "3" from ngrok's CDN, "2" (the 2.3.41 agent) from its pinned npm package.
SUPPORTED_NGROK_VERSIONS = ["2", "3"]
#: Seconds allowed for each network operation (connect, each read) of a download.
DEFAULT_DOWNLOAD_TIMEOUT = 6
#: Retries after a failed download attempt (timeouts, transport errors, 5xx), with exponential backoff.
DEFAULT_RETRY_COUNT = 2
#: Seconds before the first retry; doubled for each further retry (capped at 8 s).
DEFAULT_RETRY_BACKOFF: Final = 0.5

#: Guards every read-modify-write of a config file.
config_file_lock = _config_file.lock
#: Set to False to never show a download progress line (it is only shown on a terminal anyway).
_print_progress_enabled = True

_V3_OPTIONS: Final = frozenset(
    {"url", "timeout", "retry_count", "backoff", "total_timeout", "sha256", "progress", "transport", "verify"}
    | {"context", "max_bytes"}
)
_V2_OPTIONS: Final = frozenset({"cache_dir", "npm", "timeout", "platform_key"})


def get_default_ngrok_dir() -> str:
    """The folder of ngrok's default config (and of the managed binary) on this system; never raises."""
    return default_ngrok_dir()


def get_system() -> str:
    """``darwin``, ``windows`` (incl. cygwin and mingw), ``linux`` or ``freebsd``.

    Raises:
        PyngrokNgrokInstallError: on any other system.
    """
    system = detect_system()
    if system is None:
        import platform

        raise PyngrokNgrokInstallError(f'"{platform.system().replace(" ", "").lower()}" is not a supported system')
    return system


def get_arch() -> str:
    """``i386``/``x86_64`` (``_arm`` appended on ARM), or ``s390x``/``ppc64``/``ppc64le`` as is."""
    return detect_arch()


def get_ngrok_bin() -> str:
    """``ngrok``, or ``ngrok.exe`` on Windows.

    Raises:
        PyngrokNgrokInstallError: on an unsupported system.
    """
    return "ngrok" if get_system() in UNIX_BINARIES else "ngrok.exe"


def get_ngrok_cdn_url(ngrok_version: str | None) -> str:
    """The CDN download URL of the v3 agent for this system.

    Args:
        ngrok_version: the agent major version, ``"3"`` or ``"2"`` (``"2.3.41"`` and ``"v3"`` are accepted too).

    Raises:
        PyngrokError: when ``ngrok_version`` is not supported, or is "2" (not on the CDN; see :func:`install_ngrok`).
        PyngrokNgrokInstallError: when this platform has no build.
    """
    version = normalize_ngrok_version(ngrok_version)
    if version != "3":
        raise PyngrokError(
            f'ngrok {version} is not on ngrok\'s CDN; install_ngrok(path, ngrok_version="2") installs 2.3.41 from npm'
        )
    plat = f"{get_system()}_{get_arch()}"
    logger.debug("Platform to download: %s", plat)
    try:
        return PLATFORMS[plat]
    except KeyError:
        raise PyngrokNgrokInstallError(f'"{plat}" is not a supported platform') from None


def install_ngrok(ngrok_path: str, ngrok_version: str | None = "3", **kwargs: Any) -> None:
    """Download and install ngrok at ``ngrok_path`` (atomically replacing what is there only on success).

    ``ngrok_version="3"`` downloads from ngrok's CDN. Options: ``url`` (instead of the CDN URL), ``timeout`` (s per
    network operation, default :data:`DEFAULT_DOWNLOAD_TIMEOUT`), ``retry_count`` (default
    :data:`DEFAULT_RETRY_COUNT`), ``backoff`` (s), ``total_timeout`` (s per attempt), ``sha256`` (pin), ``progress``
    (bool or ``callback(received, total)``), ``verify``/``context`` (TLS: bool, CA bundle or ``ssl.SSLContext``),
    ``transport`` (an ``httpx`` transport), ``max_bytes``.

    ``ngrok_version="2"`` (or "2.3.41") installs the 2.3.41 agent from its pinned npm package (``npm pack``; without
    npm on PATH, an httpx download from the registry npm's configuration names, same checksums). Options:
    ``cache_dir`` (reuse or fill a cache such as the one ``scripts/fetch_agent.py`` fills), ``npm``, ``timeout``,
    ``platform_key``.

    Args:
        ngrok_path: where to install the binary.
        ngrok_version: the agent major version, ``"3"`` or ``"2"`` (``"2.3.41"`` and ``"v3"`` are accepted too).
        **kwargs: download options, listed above per ``ngrok_version``; any other key is refused.

    Raises:
        PyngrokError: for an unsupported ``ngrok_version`` or an unknown option.
        PyngrokSecurityError: for a non-http(s) URL or a sha256 mismatch.
        PyngrokNgrokInstallError: when downloading, verifying or unpacking fails (the cause is chained).
    """
    version = normalize_ngrok_version(ngrok_version)
    allowed = _V2_OPTIONS if version == "2" else _V3_OPTIONS
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise PyngrokError(
            f"install_ngrok() got unknown option(s) {unknown} for ngrok {version}: use {sorted(allowed)}"
        )
    logger.debug(
        "Installing ngrok %s to %s%s ...", version, ngrok_path, ", overwriting" if os.path.exists(ngrok_path) else ""
    )
    if version == "2":
        _install_npm_agent(ngrok_path, **kwargs)
        return
    url = kwargs.pop("url", None) or get_ngrok_cdn_url(version)
    try:
        with tempfile.TemporaryDirectory(prefix="typed-ngrok-download-") as tmp:
            archive = _download_file(url, dest_dir=tmp, **kwargs)
            _install_ngrok_archive(ngrok_path, archive)
    except PyngrokSecurityError:
        raise
    except Exception as exc:  # pyngrok's contract: any failure is an install error (cause chained)
        raise PyngrokNgrokInstallError(f"An error occurred while downloading ngrok from {url}: {exc}") from exc


def _install_npm_agent(
    ngrok_path: str,
    cache_dir: str | os.PathLike[str] | None = None,
    npm: str = "npm",
    timeout: float = 300,
    platform_key: str | None = None,
) -> None:
    """2.3.41 from ``cache_dir`` when it holds the verified binary, else with ``npm pack``, else (no ``npm`` on PATH)
    with httpx from the registry npm's config names (:mod:`typed_ngrok._install.npm_registry`), else a clear error."""
    import shutil

    from typed_ngrok._install import download as _download
    from typed_ngrok._install import version_stamp
    from typed_ngrok._install.npm_agent import (
        NPM_AGENT_VERSION,
        NpmAgentError,
        NpmChecksumError,
        cached_npm_agent,
        fetch_npm_agent,
        pin_for,
    )

    try:
        _, pin = pin_for(platform_key)
        cached = None if cache_dir is None else cached_npm_agent(cache_dir, platform_key)
        if cached is None and shutil.which(npm) is None:
            from typed_ngrok._install import npm_registry

            registry = npm_registry.configured_registry()
            if registry is None:
                raise npm_registry.no_npm_error(pin, npm)
            logger.info("%s is not on PATH: fetching %s from %s (%s)", npm, pin.spec, registry.url, registry.source)
            npm_registry.fetch_from_registry(registry, ngrok_path, platform_key=platform_key)
            logger.info("Installed ngrok %s at %s", NPM_AGENT_VERSION, ngrok_path)
            return
        with tempfile.TemporaryDirectory(prefix="typed-ngrok-npm-") as tmp:
            binary = cached or fetch_npm_agent(  # cached: verified above, not hashed again
                tmp if cache_dir is None else cache_dir, platform_key=platform_key, npm=npm, timeout=timeout
            )
            with _download.atomic_install(ngrok_path) as out:
                _download.copy_into(str(binary), out)
        version_stamp.write(ngrok_path, NPM_AGENT_VERSION)  # verified above: its start needs no version run
    except NpmChecksumError as exc:
        raise PyngrokSecurityError(f"ngrok {NPM_AGENT_VERSION} from npm failed verification: {exc}") from exc
    except NpmAgentError as exc:
        raise PyngrokNgrokInstallError(
            f"An error occurred while installing ngrok {NPM_AGENT_VERSION} from npm: {exc}"
        ) from exc
    except OSError as exc:
        raise PyngrokNgrokInstallError(f"An error occurred while installing ngrok {NPM_AGENT_VERSION}: {exc}") from exc
    logger.info("Installed ngrok %s at %s", NPM_AGENT_VERSION, ngrok_path)


def _install_ngrok_archive(ngrok_path: str, archive_path: str) -> None:
    """Unpack the binary from ``archive_path`` (zip or tgz) and place it at ``ngrok_path`` atomically, mode 0700.

    Raises:
        PyngrokNgrokInstallError: for a corrupt or hostile archive, or when the binary cannot be written.
    """
    from typed_ngrok._install import download as _download

    logger.debug("Extracting the ngrok binary from %s to %s ...", archive_path, ngrok_path)
    with _download.atomic_install(ngrok_path) as out:
        member = _download.extract_binary(archive_path, out)
    logger.debug("Installed %s from %s", ngrok_path, member)


def _download_file(url: str, retries: int = 0, **kwargs: Any) -> str:
    """Download ``url`` into ``dest_dir`` (a new private temp folder if not given) and return the file's path.

    ``retries`` is the number of attempts already made (pyngrok's meaning); up to ``retry_count`` (default
    :data:`DEFAULT_RETRY_COUNT`, read at call time) minus ``retries`` retries follow a failure. The sha256 pin is
    ``sha256=`` or :data:`CDN_SHA256_PINS`\\ ``[url]``.

    Raises:
        PyngrokSecurityError: for a non-http(s) URL or a sha256 mismatch.
        PyngrokNgrokInstallError: when every attempt failed.
    """
    from typed_ngrok._install import download as _download

    dest_dir = kwargs.pop("dest_dir", None) or tempfile.mkdtemp(prefix="typed-ngrok-download-")
    retry_count = kwargs.pop("retry_count", None)
    retry_count = DEFAULT_RETRY_COUNT if retry_count is None else retry_count
    context = kwargs.pop("context", None)
    if context is not None:
        kwargs.setdefault("verify", context)
    progress = kwargs.pop("progress", None)
    if not _print_progress_enabled and progress is None:
        progress = False
    result = _download.download(
        url,
        dest_dir,
        timeout=kwargs.pop("timeout", DEFAULT_DOWNLOAD_TIMEOUT),
        retries=max(0, int(retry_count) - retries),
        backoff=kwargs.pop("backoff", DEFAULT_RETRY_BACKOFF),
        sha256=kwargs.pop("sha256", None) or CDN_SHA256_PINS.get(url),
        progress=progress,
        **kwargs,
    )
    return result.path


def get_ngrok_config(
    config_path: str,
    use_cache: bool = True,
    ngrok_version: str | None = "3",
    config_version: str | None = "3",
) -> dict[str, Any]:
    """The parsed ngrok config at ``config_path`` (an empty file gives :func:`get_default_config`).

    The cache is per path and is bypassed whenever the file's mtime, size or inode changed.

    Args:
        config_path: the agent's config file.
        use_cache: reuse the last parse of an unchanged file (False: always read it).
        ngrok_version: the agent major version, ``"3"`` or ``"2"`` (``"2.3.41"`` and ``"v3"`` are accepted too).
        config_version: the config file format, ``"3"`` (an ``agent:`` block) or ``"2"`` (top-level keys).

    Raises:
        PyngrokError: when the file is missing, unreadable or not a YAML mapping.
    """
    return _config_file.read_config(config_path, use_cache=use_cache, config_version=config_version)


def get_default_config(ngrok_version: str | None, config_version: str | None) -> dict[str, Any]:
    """The content of a fresh config file: ``{"version": config_version}``.

    Args:
        ngrok_version: the agent major version, ``"3"`` or ``"2"`` (``"2.3.41"`` and ``"v3"`` are accepted too).
        config_version: the config file format, ``"3"`` (an ``agent:`` block) or ``"2"`` (top-level keys).

    Raises:
        PyngrokError: when ``ngrok_version`` is not supported.
    """
    normalize_ngrok_version(ngrok_version)
    return _config_file.default_config(config_version)


def install_default_config(
    config_path: str,
    data: dict[str, Any] | None = None,
    ngrok_version: str | None = "3",
    config_version: str | None = "3",
) -> None:
    """Create or update the config at ``config_path``: ``data`` deep-merged over the file as it is on disk.

    The result is written in the ``config_version`` format (``"2"``: top-level keys; ``"3"``: an ``agent:`` block),
    or in the format ``data["version"]`` names when ``data`` has one (as in pyngrok, where ``data`` wins over the
    default ``{"version": config_version}``), except for a v2 agent (``ngrok_version="2"``), which reads only the v2
    format. Keys of ``data`` and of the file are moved to where that format wants them. The file is validated, then
    written with mode 0600, atomically.

    Args:
        config_path: the agent's config file (created when missing).
        data: settings to merge over the file; None: only make sure it exists.
        ngrok_version: the agent major version, ``"3"`` or ``"2"`` (``"2.3.41"`` and ``"v3"`` are accepted too).
        config_version: the config file format, ``"3"`` (an ``agent:`` block) or ``"2"`` (top-level keys).

    Raises:
        PyngrokError: for an unsupported version (argument or ``data["version"]``), an unreadable or invalid file
            or ``data``, or a write failure.
    """
    version = normalize_ngrok_version(ngrok_version)
    if data is not None and not isinstance(data, dict):
        raise PyngrokError(f"install_default_config() data must be a dict, got {type(data).__name__}")
    requested = str(config_version) if config_version is not None else "3"
    if requested not in SUPPORTED_CONFIG_VERSIONS:
        raise PyngrokError(f'"config_version" must be one of {list(SUPPORTED_CONFIG_VERSIONS)}, got {config_version!r}')
    if data is not None and data.get("version") is not None:
        requested = str(data["version"]).strip()
        if requested not in SUPPORTED_CONFIG_VERSIONS:
            raise PyngrokError(
                f'"version" in install_default_config() data must be one of {list(SUPPORTED_CONFIG_VERSIONS)}, '
                f"got {data['version']!r}"
            )
    target_format = "2" if version == "2" else requested
    with config_file_lock:
        existing: dict[str, Any] = {}
        if os.path.exists(config_path):
            existing = get_ngrok_config(
                config_path, use_cache=False, ngrok_version=version, config_version=target_format
            )
        merged = _config_file.deep_merge(
            _config_file.convert_format(existing, target_format),
            _config_file.convert_format(data or {}, target_format),
        )
        validate_config(merged)
        logger.debug("Installing ngrok config (format %s) to %s ...", target_format, config_path)
        _config_file.write_config(config_path, merged)


def validate_config(data: dict[str, Any]) -> None:
    """Refuse config values typed-ngrok cannot work with (``agent:`` of a v3 config, else the top level).

    Args:
        data: a parsed config file (v2 or v3 format).

    Raises:
        PyngrokError: when ``web_addr`` is False, ``log_format`` is json, or ``log_level`` is not info/debug.
    """
    _config_file.validate_config(data)
