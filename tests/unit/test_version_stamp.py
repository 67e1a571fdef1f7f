"""Version stamps beside verified agent binaries (``typed_ngrok._install.version_stamp``): trusted only while the file
keeps the identity it had when stamped; reading and writing never raise."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from typed_ngrok._agent_process import binary_version, config_file, state
from typed_ngrok._drive import Call, run_sync
from typed_ngrok._identity import path_identity
from typed_ngrok._install import version_stamp


def binary(folder: Path, content: bytes = b"#!/bin/sh\nexit 0\n") -> Path:
    path = folder / "ngrok"
    path.write_bytes(content)
    path.chmod(0o755)
    return path


def test_a_stamp_reads_back_while_the_file_is_unchanged(tmp_path: Path) -> None:
    path = binary(tmp_path)
    assert version_stamp.read(path) is None
    version_stamp.write(path, "2.3.41")
    assert version_stamp.stamp_path(path) == tmp_path / ".ngrok.version.json"
    assert version_stamp.read(path) == "2.3.41"


def test_a_changed_or_replaced_file_loses_its_stamp(tmp_path: Path) -> None:
    path = binary(tmp_path)
    version_stamp.write(path, "2.3.41")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # touched: same size, other mtime
    assert version_stamp.read(path) is None
    version_stamp.write(path, "2.3.41")
    replacement = tmp_path / "new"
    replacement.write_bytes(path.read_bytes())
    os.utime(replacement, ns=(stat.st_atime_ns, path.stat().st_mtime_ns))
    os.replace(replacement, path)  # same size and mtime, another inode
    assert version_stamp.read(path) is None


def test_a_symlink_shares_its_targets_stamp(tmp_path: Path) -> None:
    path = binary(tmp_path)
    version_stamp.write(path, "2.3.41")
    (tmp_path / "links").mkdir()
    link = tmp_path / "links" / "agent"
    link.symlink_to(path)
    assert version_stamp.read(link) == "2.3.41"


def test_unreadable_stamps_and_missing_files_are_no_stamp(tmp_path: Path) -> None:
    path = binary(tmp_path)
    stamp = version_stamp.stamp_path(path)
    for text in ["", "not json", "[", "[1]", '{"format": 1, "version": 7, "identity": []}', '{"format": 2}']:
        stamp.write_text(text)
        assert version_stamp.read(path) is None, text
    stamp.write_bytes(b"\xff\xfe")
    assert version_stamp.read(path) is None
    assert version_stamp.read(tmp_path / "missing") is None
    version_stamp.write(tmp_path / "missing", "2.3.41")  # nothing to stamp: no error, nothing written
    assert not version_stamp.stamp_path(tmp_path / "missing").exists()


def test_an_unwritable_folder_is_no_error(tmp_path: Path) -> None:
    path = binary(tmp_path)
    version_stamp.stamp_path(path).mkdir()  # a directory where the stamp would go: the replace fails
    version_stamp.write(path, "2.3.41")
    assert version_stamp.read(path) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ngrok.version.json", "ngrok"]  # no staging file left


def test_the_probe_runs_no_command_for_a_stamped_binary(tmp_path: Path) -> None:
    path = binary(tmp_path)
    version_stamp.write(path, "2.3.41")
    flow = binary_version.probe_flow(str(path))
    try:
        request = next(flow)
    except StopIteration as done:
        assert done.value == "2.3.41"
    else:
        raise AssertionError(f"the probe asked the binary: {request}")
    finally:
        state.binary_versions.pop(str(path), None)


def test_the_probe_asks_a_binary_whose_stamp_is_stale(tmp_path: Path) -> None:
    path = binary(tmp_path)
    version_stamp.write(path, "2.3.41")
    path.write_bytes(b"#!/bin/sh\necho other\n")
    flow = binary_version.probe_flow(str(path))
    try:
        assert next(flow) == Call("run_version", (str(path), binary_version.VERSION_TIMEOUT))
    finally:
        flow.close()
        state.binary_versions.pop(str(path), None)


def test_the_probe_stats_a_stamped_binary_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = binary(tmp_path)
    version_stamp.write(path, "2.3.41")
    stats: list[str] = []
    real_stat = os.stat

    def counting_stat(target: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if isinstance(target, str | os.PathLike) and os.fspath(target) == str(path):
            stats.append(os.fspath(target))
        return real_stat(target, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counting_stat)
    try:
        assert run_sync(binary_version.probe_flow(str(path)), object()) == "2.3.41"
    finally:
        state.binary_versions.pop(str(path), None)
    assert len(stats) == 1  # its identity, handed to the stamp check (not stat'ed again there)


def test_one_identity_everywhere(tmp_path: Path) -> None:
    """The stamp, the binary-version cache and the config-file cache key a file by the same identity."""
    path = binary(tmp_path)
    st = path.stat()
    identity = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)
    assert path_identity(path) == identity
    version_stamp.write(path, "2.3.41")
    assert json.loads(version_stamp.stamp_path(path).read_text())["identity"] == list(identity)
    try:
        run_sync(binary_version.probe_flow(str(path)), object())
        assert state.binary_versions[str(path)][0] == identity
    finally:
        state.binary_versions.pop(str(path), None)
    config = tmp_path / "ngrok.yml"
    config.write_text("version: '2'\n")
    try:
        config_file.read_config(str(config))
        assert state.config_cache[str(config)][0] == path_identity(config)
    finally:
        state.config_cache.pop(str(config), None)
