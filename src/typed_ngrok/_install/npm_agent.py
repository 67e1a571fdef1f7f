"""Fetch the pinned ngrok 2.3.41 agent from its npm package, verified, into a cache folder.

Standard library only, so ``scripts/fetch_agent.py`` can run it before any virtual environment exists. ngrok no
longer distributes v2 agents; the npm package ``@expo/ngrok-bin-<platform>`` still carries 2.3.41. Only platforms with
a pinned checksum are installed: a binary we cannot verify is never run.

:data:`PINS` is the one table of pins: ``npm pack`` here and the httpx download from a configured registry when npm
is absent (:mod:`typed_ngrok._install.npm_registry`) both end in :func:`install_from_tarball`, which checks the
tarball's sha1 (npm's shasum) and sha512 (npm's integrity) and the binary's sha256.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from typed_ngrok._install import version_stamp
from typed_ngrok._install.atomic import atomic_install
from typed_ngrok._install.platform import PINNED_V2_VERSION
from typed_ngrok.exception import PyngrokNgrokInstallError

__all__ = [
    "NPM_AGENT_VERSION",
    "PINS",
    "NpmAgentError",
    "NpmAgentPin",
    "NpmChecksumError",
    "cached_npm_agent",
    "fetch_npm_agent",
    "install_from_tarball",
    "npm_agent_path",
    "npm_tarball_path",
    "pin_for",
]

NPM_AGENT_VERSION = PINNED_V2_VERSION


@dataclass(frozen=True)
class NpmAgentPin:
    package: str
    tarball_sha1: str  # what npm itself reports as the tarball's shasum
    tarball_integrity: str  # npm's ``dist.integrity`` (sha512, base64) of the same tarball
    binary_sha256: str  # of package/ngrok inside the tarball

    @property
    def spec(self) -> str:
        return f"{self.package}@{NPM_AGENT_VERSION}"

    @property
    def tarball_name(self) -> str:
        """The file name ``npm pack`` gives it: ``expo-ngrok-bin-linux-x64-2.3.41.tgz``."""
        return f"{self.package.lstrip('@').replace('/', '-')}-{NPM_AGENT_VERSION}.tgz"


PINS: dict[str, NpmAgentPin] = {
    "linux-x64": NpmAgentPin(
        package="@expo/ngrok-bin-linux-x64",
        tarball_sha1="34c117c14b3d82f6d51cd25df025d9679d866577",
        tarball_integrity=(
            "sha512-LcU3MbYHv7Sn2eFz8Yzo2rXduufOvX1/hILSirwCkH+9G8PYzpwp2TeGqVWuO+EmvtBe6NEYwgdQjJjN6I4L1A=="
        ),
        binary_sha256="4141a8c12de8ccff2b2b8fc3722b181b706ae73e534f34b12cfc1b42cc9395d3",
    ),
}

_MAX_BINARY = 64 * 1024 * 1024


class NpmAgentError(Exception):
    """Fetching or verifying the npm-packaged agent failed. ``installer`` re-raises it as an install error."""


class NpmChecksumError(NpmAgentError):
    """A checksum does not match its pin (``installer`` re-raises it as a security error)."""


def _platform_key() -> str:
    machine = os.uname().machine.lower() if hasattr(os, "uname") else ""
    system = os.uname().sysname.lower() if hasattr(os, "uname") else "windows"
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{system}-{arch}"


def _sha(path: Path, algo: str) -> str:
    digest = hashlib.new(algo)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def npm_agent_path(cache_dir: str | os.PathLike[str], platform_key: str | None = None) -> Path:
    """Where the verified binary lives inside ``cache_dir``."""
    key = platform_key or _platform_key()
    return Path(cache_dir) / f"ngrok-{NPM_AGENT_VERSION}-{key}" / "ngrok"


def pin_for(platform_key: str | None = None) -> tuple[str, NpmAgentPin]:
    """``(platform key, pin)`` for this platform (or ``platform_key``). Raises :class:`NpmAgentError` when unpinned."""
    key = platform_key or _platform_key()
    pin = PINS.get(key)
    if pin is None:
        raise NpmAgentError(f"no pinned ngrok {NPM_AGENT_VERSION} build for platform {key!r} (pinned: {sorted(PINS)})")
    return key, pin


def npm_tarball_path(cache_dir: str | os.PathLike[str], platform_key: str | None = None) -> Path:
    """Where ``fetch_npm_agent(..., keep_tarball=True)`` keeps the verified npm tarball inside ``cache_dir``."""
    _, pin = pin_for(platform_key)
    return npm_agent_path(cache_dir, platform_key).parent / pin.tarball_name


def cached_npm_agent(cache_dir: str | os.PathLike[str], platform_key: str | None = None) -> Path | None:
    """The verified binary in ``cache_dir`` (its sha256 matches the pin), or None."""
    key, pin = pin_for(platform_key)
    target = npm_agent_path(cache_dir, key)
    if target.is_file() and _sha(target, "sha256") == pin.binary_sha256:
        if version_stamp.read(target) != NPM_AGENT_VERSION:
            version_stamp.write(target, NPM_AGENT_VERSION)  # e.g. a cache filled before stamps existed
        return target
    return None


def _tarball_digests(path: Path) -> tuple[str, str]:
    """``(sha1 hex, npm integrity "sha512-<base64>")`` of ``path``, in one read."""
    sha1, sha512 = hashlib.sha1(), hashlib.sha512()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            sha1.update(chunk)
            sha512.update(chunk)
    return sha1.hexdigest(), "sha512-" + base64.b64encode(sha512.digest()).decode("ascii")


def install_from_tarball(tarball: Path, pin: NpmAgentPin, target: Path) -> Path:
    """Check ``tarball`` against ``pin``, extract only ``package/ngrok``, check its sha256, and put it at ``target``
    atomically (nothing is written at ``target`` unless every check passed). Returns ``target``.

    The binary is written through :func:`~typed_ngrok._install.atomic.atomic_install` (fsynced, mode
    :data:`~typed_ngrok._install.atomic.BINARY_MODE`, as the other install paths) and hashed while it is copied; a
    mismatch is raised inside that block, so the file is discarded.

    Raises:
        NpmAgentError: a checksum does not match, the tarball is not a sane npm package, or ``target`` cannot be
            written.
    """
    spec = pin.spec
    sha1, integrity = _tarball_digests(tarball)
    if sha1 != pin.tarball_sha1:
        raise NpmChecksumError(f"{spec} tarball sha1 {sha1} does not match the pin {pin.tarball_sha1}")
    if integrity != pin.tarball_integrity:
        raise NpmChecksumError(f"{spec} tarball integrity {integrity} does not match the pin {pin.tarball_integrity}")
    try:
        with atomic_install(str(target)) as out:
            got = _unpack_binary(tarball, spec, out)
            if got != pin.binary_sha256:
                raise NpmChecksumError(f"{spec}: binary sha256 {got} does not match the pin {pin.binary_sha256}")
    except PyngrokNgrokInstallError as exc:
        raise NpmAgentError(f"{spec}: {exc}") from exc
    version_stamp.write(target, NPM_AGENT_VERSION)
    return target


def _unpack_binary(tarball: Path, spec: str, out: IO[bytes]) -> str:
    """Copy ``package/ngrok`` from ``tarball`` into ``out``; returns its sha256 (hex).

    Raises:
        NpmAgentError: the tarball is not a sane npm package, or cannot be read.
    """
    digest = hashlib.sha256()
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            member = tar.getmember("package/ngrok")
            if not member.isfile() or member.size > _MAX_BINARY:
                raise NpmAgentError(f"{spec}: package/ngrok is not a regular file of sane size")
            source = tar.extractfile(member)
            if source is None:
                raise NpmAgentError(f"{spec}: package/ngrok cannot be read")
            with source:
                for chunk in iter(lambda: source.read(1 << 20), b""):
                    digest.update(chunk)
                    out.write(chunk)
    except (tarfile.TarError, KeyError, OSError, EOFError, zlib.error) as exc:
        raise NpmAgentError(f"{spec}: cannot unpack package/ngrok: {exc}") from exc
    return digest.hexdigest()


def fetch_npm_agent(
    cache_dir: str | os.PathLike[str],
    *,
    platform_key: str | None = None,
    npm: str = "npm",
    timeout: float = 300,
    keep_tarball: bool = False,
) -> Path:
    """Return the path of a verified ngrok 2.3.41 binary in ``cache_dir``, fetching it with ``npm pack`` if needed.

    The tarball's sha1 (npm's shasum) and sha512 (npm's integrity) and the binary's sha256 must match the pins. Only
    the ``package/ngrok`` member is extracted, and the binary appears in place atomically. ``keep_tarball`` also keeps
    the verified tarball at :func:`npm_tarball_path` (fetched again when it is missing). Raises
    :class:`NpmAgentError`.
    """
    key, pin = pin_for(platform_key)
    target = npm_agent_path(cache_dir, key)
    kept = npm_tarball_path(cache_dir, key)
    cached = cached_npm_agent(cache_dir, key)
    if cached is not None and (not keep_tarball or kept.is_file()):
        return cached
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=target.parent) as tmp:
        tmpdir = Path(tmp)
        spec = pin.spec
        try:
            done = subprocess.run(
                [npm, "pack", spec, "--pack-destination", str(tmpdir), "--silent"],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise NpmAgentError(f"could not run {npm} pack {spec}: {exc}") from exc
        if done.returncode != 0:
            raise NpmAgentError(f"{npm} pack {spec} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        tarballs = list(tmpdir.glob("*.tgz"))
        if len(tarballs) != 1:
            raise NpmAgentError(f"{npm} pack {spec} produced {len(tarballs)} tarballs")
        install_from_tarball(tarballs[0], pin, target)
        if keep_tarball:
            os.replace(tarballs[0], kept)
    return target
