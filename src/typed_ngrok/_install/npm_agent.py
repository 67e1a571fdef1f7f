"""Fetch the pinned ngrok 2.3.41 agent from its npm package, verified, into a cache folder.

Standard library only, so ``scripts/fetch_agent.py`` can run it before any virtual environment exists. ngrok no
longer distributes v2 agents; the npm package ``@expo/ngrok-bin-<platform>`` still carries 2.3.41. Only platforms with
a pinned checksum are installed: a binary we cannot verify is never run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from typed_ngrok._install.platform import PINNED_V2_VERSION

__all__ = ["NPM_AGENT_VERSION", "PINS", "NpmAgentError", "NpmAgentPin", "fetch_npm_agent", "npm_agent_path"]

NPM_AGENT_VERSION = PINNED_V2_VERSION


@dataclass(frozen=True)
class NpmAgentPin:
    package: str
    tarball_sha1: str  # what npm itself reports as the tarball's shasum
    binary_sha256: str  # of package/ngrok inside the tarball


PINS: dict[str, NpmAgentPin] = {
    "linux-x64": NpmAgentPin(
        package="@expo/ngrok-bin-linux-x64",
        tarball_sha1="34c117c14b3d82f6d51cd25df025d9679d866577",
        binary_sha256="4141a8c12de8ccff2b2b8fc3722b181b706ae73e534f34b12cfc1b42cc9395d3",
    ),
}

_MAX_BINARY = 64 * 1024 * 1024


class NpmAgentError(Exception):
    """Fetching or verifying the npm-packaged agent failed. ``installer`` re-raises it as an install error."""


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


def fetch_npm_agent(
    cache_dir: str | os.PathLike[str], *, platform_key: str | None = None, npm: str = "npm", timeout: float = 300
) -> Path:
    """Return the path of a verified ngrok 2.3.41 binary in ``cache_dir``, fetching it with ``npm pack`` if needed.

    The tarball's sha1 (npm's shasum) and the binary's sha256 must match the pins. Only the ``package/ngrok`` member
    is extracted, and the binary appears in place atomically. Raises :class:`NpmAgentError`.
    """
    key = platform_key or _platform_key()
    pin = PINS.get(key)
    if pin is None:
        raise NpmAgentError(f"no pinned ngrok {NPM_AGENT_VERSION} build for platform {key!r} (pinned: {sorted(PINS)})")
    target = npm_agent_path(cache_dir, key)
    if target.is_file() and _sha(target, "sha256") == pin.binary_sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=target.parent) as tmp:
        tmpdir = Path(tmp)
        spec = f"{pin.package}@{NPM_AGENT_VERSION}"
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
        got = _sha(tarballs[0], "sha1")
        if got != pin.tarball_sha1:
            raise NpmAgentError(f"{spec} tarball sha1 {got} does not match the pin {pin.tarball_sha1}")
        staged = tmpdir / "ngrok"
        try:
            with tarfile.open(tarballs[0], "r:gz") as tar:
                member = tar.getmember("package/ngrok")
                if not member.isfile() or member.size > _MAX_BINARY:
                    raise NpmAgentError(f"{spec}: package/ngrok is not a regular file of sane size")
                source = tar.extractfile(member)
                if source is None:
                    raise NpmAgentError(f"{spec}: package/ngrok cannot be read")
                with source, staged.open("wb") as out:
                    shutil.copyfileobj(source, out)
        except (tarfile.TarError, KeyError, OSError) as exc:
            raise NpmAgentError(f"{spec}: cannot unpack package/ngrok: {exc}") from exc
        got = _sha(staged, "sha256")
        if got != pin.binary_sha256:
            raise NpmAgentError(f"{spec}: binary sha256 {got} does not match the pin {pin.binary_sha256}")
        staged.chmod(0o755)
        os.replace(staged, target)
    return target
