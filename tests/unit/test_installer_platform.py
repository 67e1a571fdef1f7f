"""installer: the platform matrix, CDN URLs and version handling (platform.system/machine patched; no I/O)."""

from __future__ import annotations

import inspect
import platform
from collections.abc import Callable

import pytest

from typed_ngrok import installer
from typed_ngrok.exception import PyngrokError, PyngrokNgrokInstallError

PREFIX = "https://bin.ngrok.com/c/bNyj1mQVY4c/ngrok-v3-stable-"

MATRIX = [
    ("Darwin", "x86_64", "darwin_x86_64", "darwin-amd64.zip"),
    ("Darwin", "arm64", "darwin_x86_64_arm", "darwin-arm64.zip"),
    ("Windows", "x86", "windows_i386", "windows-386.zip"),
    ("Windows", "AMD64", "windows_x86_64", "windows-amd64.zip"),
    ("Windows", "ARM64", "windows_x86_64_arm", "windows-arm64.zip"),
    ("CYGWIN_NT-10.0", "x86_64", "windows_x86_64", "windows-amd64.zip"),
    ("MINGW64_NT-10.0", "x86_64", "windows_x86_64", "windows-amd64.zip"),
    ("Linux", "i686", "linux_i386", "linux-386.tgz"),
    ("Linux", "armv7l", "linux_i386_arm", "linux-arm.tgz"),
    ("Linux", "x86_64", "linux_x86_64", "linux-amd64.tgz"),
    ("Linux", "aarch64", "linux_x86_64_arm", "linux-arm64.tgz"),
    ("Linux", "s390x", "linux_s390x", "linux-s390x.tgz"),
    ("Linux", "ppc64", "linux_ppc64", "linux-ppc64.tgz"),
    ("Linux", "ppc64le", "linux_ppc64le", "linux-ppc64le.tgz"),
    ("FreeBSD", "i386", "freebsd_i386", "freebsd-386.tgz"),
    ("FreeBSD", "amd64", "freebsd_x86_64", "freebsd-amd64.tgz"),
    ("FreeBSD", "arm", "freebsd_i386_arm", "freebsd-arm.tgz"),
]


def _patch(monkeypatch: pytest.MonkeyPatch, system: str, machine: str) -> None:
    monkeypatch.setattr(platform, "system", lambda: system)
    monkeypatch.setattr(platform, "machine", lambda: machine)


@pytest.mark.parametrize(("system", "machine", "key", "suffix"), MATRIX)
def test_platform_matrix(monkeypatch: pytest.MonkeyPatch, system: str, machine: str, key: str, suffix: str) -> None:
    _patch(monkeypatch, system, machine)
    assert f"{installer.get_system()}_{installer.get_arch()}" == key
    assert installer.get_ngrok_cdn_url("3") == PREFIX + suffix
    assert installer.get_ngrok_cdn_url("v3") == PREFIX + suffix
    assert installer.get_ngrok_bin() == ("ngrok.exe" if key.startswith("windows") else "ngrok")


def test_every_platform_key_is_covered() -> None:
    assert {key for _, _, key, _ in MATRIX} == set(installer.PLATFORMS)
    assert all(url.startswith(installer.CDN_URL_PREFIX) for url in installer.PLATFORMS.values())


def test_unsupported_system(monkeypatch: pytest.MonkeyPatch) -> None:
    _patch(monkeypatch, "SunOS", "x86_64")
    with pytest.raises(PyngrokNgrokInstallError, match='"sunos" is not a supported system'):
        installer.get_system()
    with pytest.raises(PyngrokNgrokInstallError):
        installer.get_ngrok_cdn_url("3")
    assert installer.get_default_ngrok_dir()  # never raises (docs/pyngrok-differences.md item 23)


def test_unsupported_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    _patch(monkeypatch, "Darwin", "i386")
    with pytest.raises(PyngrokNgrokInstallError, match='"darwin_i386" is not a supported platform'):
        installer.get_ngrok_cdn_url("3")


@pytest.mark.parametrize("version", ["4", "1", None, "latest"])
def test_unsupported_version(version: str | None) -> None:
    with pytest.raises(PyngrokError, match="ngrok_version"):
        installer.get_ngrok_cdn_url(version)
    with pytest.raises(PyngrokError, match="ngrok_version"):
        installer.get_default_config(version, "3")
    with pytest.raises(PyngrokError, match="ngrok_version"):
        installer.install_ngrok("/nonexistent/ngrok", ngrok_version=version)


def test_v2_is_not_on_the_cdn() -> None:
    with pytest.raises(PyngrokError, match="npm"):
        installer.get_ngrok_cdn_url("2")


def test_unknown_install_option_is_refused() -> None:
    with pytest.raises(PyngrokError, match="unknown option"):
        installer.install_ngrok("/nonexistent/ngrok", bogus=1)
    with pytest.raises(PyngrokError, match="unknown option"):
        installer.install_ngrok("/nonexistent/ngrok", ngrok_version="2", sha256="x")


def test_constants() -> None:
    assert installer.UNIX_BINARIES == ["darwin", "linux", "freebsd"]
    assert installer.SUPPORTED_NGROK_VERSIONS == ["2", "3"]
    assert installer.DEFAULT_DOWNLOAD_TIMEOUT == 6
    assert installer.DEFAULT_RETRY_COUNT >= 1
    assert hasattr(installer.config_file_lock, "acquire")


def _shape(fn: Callable[..., object]) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def test_signatures_match_pyngrok() -> None:
    theirs = pytest.importorskip("pyngrok.installer")
    for name, fn in vars(theirs).items():
        if inspect.isfunction(fn) and not name.startswith("_") and fn.__module__ == theirs.__name__:
            assert _shape(getattr(installer, name)) == _shape(fn), name
    assert _shape(installer._download_file) == _shape(theirs._download_file)
