"""install_ngrok against a real HTTP server on 127.0.0.1 serving real zip/tgz archives, good and hostile.

Covers: both archive formats, the PLATFORMS patch point, sha256 pins, retries with backoff (counted on the server),
HTTP 500/404, stalled and trickling servers, truncated bodies, hostile archives, refused schemes and redirects,
progress (callback, terminal, quiet), atomicity (a failure or interruption keeps the previous binary, no temp files
left), and the 2.3.41 agent from the pinned npm package (from the repo's verified cache; no network).
"""

from __future__ import annotations

import hashlib
import os
import pty
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.installer_helpers import (
    FAKE_BINARY,
    ArchiveServer,
    Member,
    Route,
    count_opens,
    tgz_bytes,
    zip_bytes,
)
from tests.outside_files import AGENT_BIN, CACHE, needs_agent
from typed_ngrok import installer
from typed_ngrok._install import download as _download
from typed_ngrok._install import version_stamp
from typed_ngrok._install.atomic import BINARY_MODE
from typed_ngrok.exception import PyngrokNgrokInstallError, PyngrokSecurityError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX: shell-script binaries and a pty")

REPO = Path(__file__).resolve().parents[2]
NPM_CACHE = CACHE
GOOD_TGZ = tgz_bytes([Member("ngrok")])
GOOD_ZIP = zip_bytes([Member("ngrok")])
PREVIOUS = b"#!/bin/sh\necho previous\n"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ArchiveServer]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    srv = ArchiveServer().start()
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the installer's temporary folders land in a folder this test can inspect."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return tmp_path / "bin" / "ngrok"


def with_previous(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(PREVIOUS)
    target.chmod(0o700)
    return target


def assert_untouched(target: Path, private_tmp: Path | None = None) -> None:
    assert target.read_bytes() == PREVIOUS
    assert sorted(p.name for p in target.parent.iterdir()) == ["ngrok"]
    if private_tmp is not None:
        assert list(private_tmp.iterdir()) == []


def run_version(path: Path) -> str:
    done = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize(("name", "body"), [("ngrok-v3-stable-linux-amd64.tgz", GOOD_TGZ), ("agent.zip", GOOD_ZIP)])
def test_install_from_loopback(server: ArchiveServer, target: Path, private_tmp: Path, name: str, body: bytes) -> None:
    url = server.add(f"/{name}", Route(body))
    installer.install_ngrok(str(target), url=url, progress=False)
    assert run_version(target) == "ngrok version 3.99.0-fake"
    assert stat.S_IMODE(target.stat().st_mode) == BINARY_MODE  # as the npm paths
    assert server.hits(f"/{name}") == 1
    assert list(private_tmp.iterdir()) == []  # the private download folder is gone


def test_install_replaces_previous_binary(server: ArchiveServer, target: Path) -> None:
    with_previous(target)
    installer.install_ngrok(str(target), url=server.add("/a.tgz", Route(GOOD_TGZ)), progress=False)
    assert target.read_bytes() == FAKE_BINARY


def test_platforms_table_is_the_patch_point(
    server: ArchiveServer, target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plat = f"{installer.get_system()}_{installer.get_arch()}"
    monkeypatch.setitem(installer.PLATFORMS, plat, server.add("/cdn.tgz", Route(GOOD_TGZ)))
    installer.install_ngrok(str(target), progress=False)
    assert target.read_bytes() == FAKE_BINARY


def test_download_file_is_the_patch_point(tmp_path: Path, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "local.zip"
    archive.write_bytes(GOOD_ZIP)
    seen: list[str] = []

    def fake_download(url: str, retries: int = 0, **kwargs: object) -> str:
        seen.append(url)
        return str(archive)

    monkeypatch.setattr(installer, "_download_file", fake_download)
    installer.install_ngrok(str(target), url="http://127.0.0.1:9/never-fetched.zip")
    assert seen == ["http://127.0.0.1:9/never-fetched.zip"]
    assert target.read_bytes() == FAKE_BINARY


def test_sha256_pin_matches(server: ArchiveServer, target: Path) -> None:
    url = server.add("/pinned.tgz", Route(GOOD_TGZ))
    installer.install_ngrok(str(target), url=url, sha256=hashlib.sha256(GOOD_TGZ).hexdigest().upper(), progress=False)
    assert target.read_bytes() == FAKE_BINARY


def test_sha256_mismatch_is_security_error(server: ArchiveServer, target: Path, private_tmp: Path) -> None:
    with_previous(target)
    url = server.add("/pinned.tgz", Route(GOOD_TGZ))
    with pytest.raises(PyngrokSecurityError, match="sha256"):
        installer.install_ngrok(str(target), url=url, sha256="0" * 64, retry_count=3, progress=False)
    assert server.hits("/pinned.tgz") == 1  # a wrong checksum is not retried
    assert_untouched(target, private_tmp)


def test_pin_table_is_used(server: ArchiveServer, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = server.add("/tabled.zip", Route(GOOD_ZIP))
    monkeypatch.setitem(installer.CDN_SHA256_PINS, url, "f" * 64)
    with pytest.raises(PyngrokSecurityError):
        installer.install_ngrok(str(target), url=url, progress=False)
    assert not target.exists()


def test_downloaded_sha256_is_logged(server: ArchiveServer, target: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="typed_ngrok.installer")
    installer.install_ngrok(str(target), url=server.add("/log.tgz", Route(GOOD_TGZ)), progress=False)
    assert hashlib.sha256(GOOD_TGZ).hexdigest() in caplog.text


def test_http_500_is_retried_then_fails(server: ArchiveServer, target: Path, private_tmp: Path) -> None:
    with_previous(target)
    url = server.add("/down.tgz", Route(GOOD_TGZ, fail_first=100))
    with pytest.raises(PyngrokNgrokInstallError) as info:
        installer.install_ngrok(str(target), url=url, retry_count=3, backoff=0, progress=False)
    assert server.hits("/down.tgz") == 4
    assert str(info.value).startswith(f"An error occurred while downloading ngrok from {url}: ")
    assert "HTTP 500" in str(info.value)
    assert info.value.__cause__ is not None
    assert_untouched(target, private_tmp)


def test_default_retry_count_is_read_at_call_time(
    server: ArchiveServer, target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(installer, "DEFAULT_RETRY_COUNT", 3)
    monkeypatch.setattr(installer, "DEFAULT_RETRY_BACKOFF", 0)
    url = server.add("/down.tgz", Route(GOOD_TGZ, fail_first=100))
    with pytest.raises(PyngrokNgrokInstallError):
        installer.install_ngrok(str(target), url=url, progress=False)
    assert server.hits("/down.tgz") == 4


def test_transient_500_recovers(server: ArchiveServer, target: Path) -> None:
    url = server.add("/flaky.tgz", Route(GOOD_TGZ, fail_first=2))
    installer.install_ngrok(str(target), url=url, retry_count=2, backoff=0, progress=False)
    assert server.hits("/flaky.tgz") == 3
    assert target.read_bytes() == FAKE_BINARY


@pytest.mark.parametrize("status", [404, 403])
def test_client_errors_are_not_retried(server: ArchiveServer, target: Path, status: int) -> None:
    url = server.add("/gone.tgz", Route(b"nope", status=status))
    with pytest.raises(PyngrokNgrokInstallError, match=f"status code: {status}"):
        installer.install_ngrok(str(target), url=url, retry_count=3, backoff=0, progress=False)
    assert server.hits("/gone.tgz") == 1


def test_stalled_server_times_out_and_is_retried(server: ArchiveServer, target: Path, private_tmp: Path) -> None:
    with_previous(target)
    url = server.add("/stall.tgz", Route(GOOD_TGZ, behaviour="stall"))
    with pytest.raises(PyngrokNgrokInstallError, match="timed out"):
        installer.install_ngrok(str(target), url=url, timeout=1.5, retry_count=1, backoff=0, progress=False)
    assert server.hits("/stall.tgz") == 2
    assert_untouched(target, private_tmp)


def test_trickling_server_hits_the_total_timeout(server: ArchiveServer, target: Path) -> None:
    url = server.add("/trickle.tgz", Route(GOOD_TGZ, behaviour="trickle"))
    with pytest.raises(PyngrokNgrokInstallError, match="longer than"):
        installer.install_ngrok(str(target), url=url, total_timeout=0.3, retry_count=0, progress=False)
    assert not target.exists()


def test_truncated_body_is_retried_then_fails(server: ArchiveServer, target: Path, private_tmp: Path) -> None:
    with_previous(target)
    url = server.add("/short.tgz", Route(GOOD_TGZ, behaviour="truncate"))
    with pytest.raises(PyngrokNgrokInstallError):
        installer.install_ngrok(str(target), url=url, retry_count=1, backoff=0, progress=False)
    assert server.hits("/short.tgz") == 2
    assert_untouched(target, private_tmp)


def test_download_size_cap(server: ArchiveServer, target: Path) -> None:
    url = server.add("/big.tgz", Route(GOOD_TGZ))
    with pytest.raises(PyngrokNgrokInstallError, match="allowed"):
        installer.install_ngrok(str(target), url=url, max_bytes=10, progress=False)


@pytest.mark.parametrize(
    ("name", "body", "why"),
    [
        ("traversal.tgz", tgz_bytes([Member("ngrok"), Member("../../evil")]), r"'\.\.'"),
        ("absolute.zip", zip_bytes([Member("/tmp/ngrok")]), "absolute"),
        ("symlink.tgz", tgz_bytes([Member("ngrok", kind="symlink", linkname="/bin/sh")]), "link"),
        ("symlink.zip", zip_bytes([Member("ngrok", kind="symlink", linkname="/bin/sh")]), "link"),
        ("empty.zip", zip_bytes([Member("README")]), "no ngrok binary"),
    ],
)
def test_hostile_archives_over_http(
    server: ArchiveServer, target: Path, private_tmp: Path, name: str, body: bytes, why: str
) -> None:
    with_previous(target)
    with pytest.raises(PyngrokNgrokInstallError, match=why):
        installer.install_ngrok(str(target), url=server.add(f"/{name}", Route(body)), progress=False)
    assert_untouched(target, private_tmp)
    assert not (target.parent.parent / "evil").exists()


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/ngrok.zip", "httpx://127.0.0.1/a.zip", "https-evil://x/a", "http:/x"]
)
def test_non_http_urls_are_refused(target: Path, url: str) -> None:
    with pytest.raises(PyngrokSecurityError, match="http"):
        installer.install_ngrok(str(target), url=url)


def test_redirect_to_file_url_is_refused(server: ArchiveServer, target: Path) -> None:
    url = server.add("/redir.tgz", Route(behaviour="redirect", location="file:///etc/passwd"))
    with pytest.raises(PyngrokSecurityError):
        installer.install_ngrok(str(target), url=url, retry_count=2, backoff=0, progress=False)
    assert server.hits("/redir.tgz") == 1


def test_redirect_within_http_is_followed(server: ArchiveServer, target: Path) -> None:
    real = server.add("/real.tgz", Route(GOOD_TGZ))
    url = server.add("/moved.tgz", Route(behaviour="redirect", location=real))
    installer.install_ngrok(str(target), url=url, progress=False)
    assert target.read_bytes() == FAKE_BINARY


def test_backoff_doubles_and_is_capped(server: ArchiveServer, tmp_path: Path) -> None:
    url = server.add("/down.tgz", Route(fail_first=100))
    delays: list[float] = []
    with pytest.raises(PyngrokNgrokInstallError, match="5 attempt"):
        _download.download(
            url, str(tmp_path), retries=4, backoff=0.5, max_backoff=3, progress=False, sleep=delays.append
        )
    assert delays == [0.5, 1.0, 2.0, 3]
    assert server.hits("/down.tgz") == 5


def test_progress_callback(server: ArchiveServer, target: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    installer.install_ngrok(
        str(target),
        url=server.add("/p.tgz", Route(GOOD_TGZ)),
        progress=lambda got, total: seen.append((got, total)),
    )
    assert seen and seen[-1] == (len(GOOD_TGZ), len(GOOD_TGZ))
    assert [got for got, _ in seen] == sorted(got for got, _ in seen)


def test_quiet_when_not_a_terminal(server: ArchiveServer, target: Path, capfd: pytest.CaptureFixture[str]) -> None:
    installer.install_ngrok(str(target), url=server.add("/q.tgz", Route(GOOD_TGZ)))
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_progress_on_a_terminal(server: ArchiveServer, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    master, slave = pty.openpty()
    terminal = os.fdopen(slave, "w")
    try:
        monkeypatch.setattr(sys, "stderr", terminal)
        installer.install_ngrok(str(target), url=server.add("/tty.tgz", Route(GOOD_TGZ)))
        monkeypatch.undo()
        terminal.flush()
        shown = os.read(master, 65536).decode()
    finally:
        terminal.close()
        os.close(master)
    assert "Downloading ngrok: 100%" in shown


def test_interrupted_download_keeps_previous_binary(server: ArchiveServer, target: Path, private_tmp: Path) -> None:
    with_previous(target)

    def interrupt(got: int, total: int | None) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        installer.install_ngrok(str(target), url=server.add("/i.tgz", Route(GOOD_TGZ)), progress=interrupt)
    assert_untouched(target, private_tmp)


@needs_agent
def test_v2_agent_from_the_verified_npm_cache(target: Path) -> None:
    with_previous(target)
    installer.install_ngrok(str(target), ngrok_version="2.3.41", cache_dir=str(NPM_CACHE))
    assert run_version(target) == "ngrok version 2.3.41"
    assert stat.S_IMODE(target.stat().st_mode) == BINARY_MODE  # as from the npm registry (npm-less) or ngrok's CDN
    assert sorted(p.name for p in target.parent.iterdir()) == [".ngrok.version.json", "ngrok"]
    assert version_stamp.read(target) == "2.3.41"  # verified here, so its start runs no `ngrok --version`


@needs_agent
def test_v2_agent_from_the_cache_is_hashed_once(target: Path) -> None:
    with count_opens(AGENT_BIN) as opened:
        installer.install_ngrok(str(target), ngrok_version="2", cache_dir=str(NPM_CACHE))
    assert list(opened.values()) == [2]  # its sha256 check (30 MB), then the copy: not checked a second time


def test_v2_agent_unpinned_platform_is_install_error(target: Path) -> None:
    with_previous(target)
    with pytest.raises(PyngrokNgrokInstallError, match=r"no pinned ngrok 2\.3\.41 build") as info:
        installer.install_ngrok(str(target), ngrok_version="2", platform_key="sunos-x64")
    assert info.value.__cause__ is not None
    assert_untouched(target)


def test_v2_agent_without_npm_is_install_error(target: Path, tmp_path: Path) -> None:
    with_previous(target)
    with pytest.raises(PyngrokNgrokInstallError, match="npm"):
        installer.install_ngrok(
            str(target), ngrok_version="v2", cache_dir=str(tmp_path / "empty-cache"), npm=str(tmp_path / "no-npm")
        )
    assert_untouched(target)
