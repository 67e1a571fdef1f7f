"""Safe unpacking and atomic install of real zip/tgz archives (files on disk, no network)."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from tests.integration.installer_helpers import FAKE_BINARY, Member, tgz_bytes, write, zip_bytes
from typed_ngrok import installer
from typed_ngrok._install import download as _download
from typed_ngrok.exception import PyngrokNgrokInstallError

BUILDERS = {"tgz": tgz_bytes, "zip": zip_bytes}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".ngrok-"))


@pytest.fixture(params=["tgz", "zip"])
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def build(tmp_path: Path, fmt: str, members: list[Member], name: str = "agent") -> Path:
    return write(tmp_path / f"{name}.{fmt}", BUILDERS[fmt](members))


@pytest.mark.parametrize("member", ["ngrok", "./ngrok", "ngrok.exe"])
def test_installs_only_the_binary(tmp_path: Path, fmt: str, member: str) -> None:
    archive = build(tmp_path, fmt, [Member("README.txt", b"hi"), Member(member), Member("docs/", kind="dir")])
    target = tmp_path / "bin" / "ngrok"
    installer._install_ngrok_archive(str(target), str(archive))
    assert target.read_bytes() == FAKE_BINARY
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    assert sorted(p.name for p in target.parent.iterdir()) == ["ngrok"]  # nothing else unpacked, no temp files


@pytest.mark.parametrize(
    ("members", "why"),
    [
        ([Member("ngrok"), Member("../evil")], "'..' path component"),
        ([Member("a/../../ngrok")], "'..' path component"),
        ([Member("/etc/ngrok")], "absolute path"),
        ([Member("C:/ngrok")], "absolute path"),
        ([Member("ngrok", kind="symlink", linkname="/bin/sh")], "link"),
        ([Member("ngrok"), Member("other", kind="symlink", linkname="../../x")], "link"),
    ],
)
def test_hostile_members_are_refused(tmp_path: Path, fmt: str, members: list[Member], why: str) -> None:
    archive = build(tmp_path, fmt, members)
    target = tmp_path / "bin" / "ngrok"
    with pytest.raises(PyngrokNgrokInstallError, match=why):
        installer._install_ngrok_archive(str(target), str(archive))
    assert not target.exists()
    assert leftovers(target.parent) == []
    assert not (tmp_path / "evil").exists()


@pytest.mark.parametrize(
    ("members", "why"),
    [
        ([Member("ngrok", kind="hardlink", linkname="/bin/sh")], "link"),
        ([Member("ngrok"), Member("dev", kind="chr")], "device"),
        ([Member("ngrok", kind="fifo")], "device"),
    ],
)
def test_tar_links_and_devices_are_refused(tmp_path: Path, members: list[Member], why: str) -> None:
    archive = build(tmp_path, "tgz", members)
    with pytest.raises(PyngrokNgrokInstallError, match=why):
        installer._install_ngrok_archive(str(tmp_path / "ngrok"), str(archive))
    assert not (tmp_path / "ngrok").exists()


def test_oversized_member_is_refused(tmp_path: Path, fmt: str) -> None:
    archive = build(tmp_path, fmt, [Member("ngrok", b"x" * 5000)])
    with (tmp_path / "out").open("wb") as out, pytest.raises(PyngrokNgrokInstallError, match="larger than 1024"):
        _download.extract_binary(str(archive), out, max_member=1024)


def test_zip_member_lying_about_its_size_is_capped(tmp_path: Path) -> None:
    """A zip bomb-style entry whose header understates its size is stopped while copying."""
    archive = build(tmp_path, "zip", [Member("ngrok", b"y" * 50_000)])
    data = bytearray(archive.read_bytes())
    # Patch the declared uncompressed size (local header offset 22, central directory entry offset 24) to 100.
    data[22:26] = (100).to_bytes(4, "little")
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    with (tmp_path / "out").open("wb") as out, pytest.raises(PyngrokNgrokInstallError):
        _download.extract_binary(str(archive), out, max_member=1024)


@pytest.mark.parametrize(
    ("members", "match"),
    [
        ([Member("README")], "no ngrok binary"),
        ([Member("bin/ngrok")], "no ngrok binary"),  # only a top-level binary counts
        ([Member("ngrok"), Member("./ngrok")], "second copy"),
        ([Member("ngrok", b"")], "empty"),
    ],
)
def test_archive_without_exactly_one_binary(tmp_path: Path, fmt: str, members: list[Member], match: str) -> None:
    archive = build(tmp_path, fmt, members)
    with pytest.raises(PyngrokNgrokInstallError, match=match):
        installer._install_ngrok_archive(str(tmp_path / "ngrok"), str(archive))


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_truncated_archive_is_refused(tmp_path: Path, fmt: str, keep: float) -> None:
    data = BUILDERS[fmt]([Member("ngrok", os.urandom(20_000))])
    archive = write(tmp_path / f"cut.{fmt}", data[: int(len(data) * keep)])
    with pytest.raises(PyngrokNgrokInstallError) as info:
        installer._install_ngrok_archive(str(tmp_path / "ngrok"), str(archive))
    assert info.value.__cause__ is not None
    assert not (tmp_path / "ngrok").exists()


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    archive = write(tmp_path / "agent.rar", b"Rar!\x1a\x07\x00garbage")
    with pytest.raises(PyngrokNgrokInstallError, match="Unsupported archive format"):
        installer._install_ngrok_archive(str(tmp_path / "ngrok"), str(archive))


def test_format_is_detected_by_content_not_name(tmp_path: Path) -> None:
    archive = write(tmp_path / "agent.zip", tgz_bytes([Member("ngrok")]))
    target = tmp_path / "ngrok"
    installer._install_ngrok_archive(str(target), str(archive))
    assert target.read_bytes() == FAKE_BINARY


def test_plain_gzip_is_not_a_tar(tmp_path: Path) -> None:
    archive = write(tmp_path / "agent.tgz", gzip.compress(b"just some text"))
    with pytest.raises(PyngrokNgrokInstallError, match="cannot unpack"):
        installer._install_ngrok_archive(str(tmp_path / "ngrok"), str(archive))


def test_failed_install_keeps_the_previous_binary(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "ngrok"
    target.write_bytes(b"previous good binary")
    target.chmod(0o700)
    archive = build(tmp_path, fmt, [Member("ngrok"), Member("../escape")])
    with pytest.raises(PyngrokNgrokInstallError):
        installer._install_ngrok_archive(str(target), str(archive))
    assert target.read_bytes() == b"previous good binary"
    assert leftovers(tmp_path) == []


def test_interrupted_install_keeps_the_previous_binary(tmp_path: Path) -> None:
    target = tmp_path / "ngrok"
    target.write_bytes(b"previous good binary")
    with pytest.raises(KeyboardInterrupt), _download.atomic_install(str(target)) as out:
        out.write(b"half a bin")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"previous good binary"
    assert leftovers(tmp_path) == []


def test_atomic_install_into_unwritable_place(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with (
        pytest.raises(PyngrokNgrokInstallError, match="cannot write"),
        _download.atomic_install(str(blocker / "ngrok")),
    ):
        pass


def test_tar_member_count_is_checked_before_reading_the_binary(tmp_path: Path) -> None:
    """A hostile member AFTER the binary still rejects the archive (everything is checked first)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        good = tarfile.TarInfo("ngrok")
        good.size = len(FAKE_BINARY)
        tar.addfile(good, io.BytesIO(FAKE_BINARY))
        bad = tarfile.TarInfo("/tmp/owned")
        bad.size = 1
        tar.addfile(bad, io.BytesIO(b"x"))
    archive = write(tmp_path / "late.tgz", buf.getvalue())
    with pytest.raises(PyngrokNgrokInstallError, match="absolute path"):
        installer._install_ngrok_archive(str(tmp_path / "ngrok"), str(archive))


def test_a_folder_that_cannot_be_made_is_named_with_its_cause(tmp_path: Path) -> None:
    """The folder and the file phases of the one atomic write (``typed_ngrok._atomic``) keep their own messages."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PyngrokNgrokInstallError) as info, _download.atomic_install(str(blocker / "ngrok")):
        pass
    assert str(info.value).startswith(f"cannot write into {blocker}: ")
    assert isinstance(info.value.__cause__, FileExistsError | NotADirectoryError)
    (tmp_path / "dir").mkdir()
    with pytest.raises(PyngrokNgrokInstallError) as info, _download.atomic_install(str(tmp_path / "dir")):
        pass  # the rename onto a folder fails: the file phase
    assert str(info.value).startswith(f"cannot install {tmp_path / 'dir'}: ")
    assert leftovers(tmp_path) == []
