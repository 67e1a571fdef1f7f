"""Issue 14: a binary's version is checked before it starts (``ngrok --version``, cached by path, mtime, size and
inode), and a mismatch with ``ngrok_version`` fails at once with a clear message, in both twins
(``process``/``AgentRunner`` and ``aio``/``AsyncAgentRunner``, see process_twins.py).

The v2-binary-with-a-v3-config case runs the real 2.3.41 agent; the other direction and the cache use small shell
scripts standing in for an ngrok 3 binary (there is none offline)."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import psutil
import pytest

from tests.integration.ngrok_env import AGENT, needs_agent
from tests.integration.process_twins import ProcessTwin, ptwin_fixture
from typed_ngrok import conf
from typed_ngrok._agent_process import binary_version
from typed_ngrok._install import version_stamp
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import ProcessStartError, PyngrokNgrokError

ptwin = ptwin_fixture()


def children() -> set[int]:
    return {child.pid for child in psutil.Process().children(recursive=True)}


def script(path: Path, body: str) -> str:
    """An executable shell script at ``path`` (a stand-in binary); returns its path."""
    path.write_text("#!/bin/sh\n" + body)
    os.chmod(path, 0o755)
    return str(path)


def v3_binary(folder: Path, counter: Path) -> str:
    """Answers ``--version`` like ngrok 3.30.0 and counts how often it was asked; anything else exits 1."""
    return script(
        folder / "ngrok3",
        f'if [ "$1" = "--version" ]; then echo x >> "{counter}"; echo "ngrok version 3.30.0"; exit 0; fi\nexit 1\n',
    )


@needs_agent
async def test_v2_binary_with_a_v3_config_fails_at_once(ptwin: ProcessTwin, tmp_path: Path) -> None:
    link = tmp_path / "ngrok"
    link.symlink_to(AGENT)
    cfg = PyngrokConfig(
        ngrok_path=str(link), config_path=str(tmp_path / "ngrok.yml"), ngrok_version="3", startup_timeout=15
    )
    before = children()
    with pytest.raises(PyngrokNgrokError) as failed:
        await ptwin.get_process(cfg)
    assert not isinstance(failed.value, ProcessStartError)  # refused before anything started
    message = str(failed.value)
    assert f"the ngrok binary at {link} is ngrok 2.3.41" in message
    assert 'ngrok_version="3"' in message and 'config_version="3"' in message
    assert 'Set ngrok_version="2" and config_version="2" (edge="local" selects both)' in message
    assert children() == before
    assert not await ptwin.is_process_running(cfg.ngrok_path)


async def test_v3_binary_in_local_mode_fails_at_once(ptwin: ProcessTwin, tmp_path: Path) -> None:
    binary = v3_binary(tmp_path, tmp_path / "asked")
    cfg = PyngrokConfig(ngrok_path=binary, config_path=str(tmp_path / "ngrok.yml"), edge="local")
    with pytest.raises(PyngrokNgrokError) as failed:
        await ptwin.get_process(cfg)
    message = str(failed.value)
    assert f"the ngrok binary at {binary} is ngrok 3.30.0" in message
    assert 'ngrok_version="2"' in message and 'edge="local"' in message
    assert conf.DEFAULT_NGROK_V2_PATH in message
    assert not await ptwin.is_process_running(binary)


async def test_the_answer_is_cached_until_the_binary_changes(ptwin: ProcessTwin, tmp_path: Path) -> None:
    counter = tmp_path / "asked"
    binary = v3_binary(tmp_path, counter)
    cfg = PyngrokConfig(ngrok_path=binary, config_path=str(tmp_path / "ngrok.yml"), ngrok_version="2")
    for _ in range(2):
        with pytest.raises(PyngrokNgrokError, match=r"is ngrok 3\.30\.0"):
            await ptwin.get_process(cfg)
    assert counter.read_text().count("x") == 1
    with open(binary, "a") as more:  # a replaced binary (other size, mtime) is asked again
        more.write("# upgraded\n")
    with pytest.raises(PyngrokNgrokError, match=r"is ngrok 3\.30\.0"):
        await ptwin.get_process(cfg)
    assert counter.read_text().count("x") == 2


async def test_a_stamped_binary_is_not_asked_until_it_changes(ptwin: ProcessTwin, tmp_path: Path) -> None:
    """A binary typed-ngrok installed and verified carries a version stamp (``_install.version_stamp``): its start
    runs no ``--version``; once the file changes, the stamp no longer counts and the binary is asked."""
    counter = tmp_path / "asked"
    binary = v3_binary(tmp_path, counter)
    version_stamp.write(binary, "3.30.0")
    cfg = PyngrokConfig(ngrok_path=binary, config_path=str(tmp_path / "ngrok.yml"), ngrok_version="2")
    with pytest.raises(PyngrokNgrokError, match=r"is ngrok 3\.30\.0"):
        await ptwin.get_process(cfg)
    assert not counter.exists()  # the stamp answered
    with open(binary, "a") as more:
        more.write("# replaced after it was stamped\n")
    with pytest.raises(PyngrokNgrokError, match=r"is ngrok 3\.30\.0"):
        await ptwin.get_process(cfg)
    assert counter.read_text().count("x") == 1


async def test_a_binary_that_does_not_answer_is_refused(
    ptwin: ProcessTwin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(binary_version, "VERSION_TIMEOUT", 0.5)
    binary = script(tmp_path / "mute", "exec sleep 30\n")
    cfg = PyngrokConfig(ngrok_path=binary, config_path=str(tmp_path / "ngrok.yml"), edge="local")
    before = children()
    with pytest.raises(PyngrokNgrokError, match=r"did not answer '--version' within 0.5 seconds"):
        await ptwin.get_process(cfg)
    assert children() == before  # killed and reaped


async def test_the_answer_counts_when_the_binary_exits_though_its_child_lives_on(
    ptwin: ProcessTwin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(binary_version, "VERSION_TIMEOUT", 20.0)  # a pipe would be held open for 30 s
    pid_file = tmp_path / "child.pid"
    binary = script(
        tmp_path / "forks",
        f'echo "ngrok version 3.30.0"\nsleep 30 &\necho $! > "{pid_file}"\nexit 0\n',
    )
    cfg = PyngrokConfig(ngrok_path=binary, config_path=str(tmp_path / "ngrok.yml"), edge="local")
    try:
        with pytest.raises(PyngrokNgrokError, match=r"is ngrok 3\.30\.0"):
            await ptwin.get_process(cfg)
    finally:
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


@pytest.mark.parametrize(
    ("returncode", "raw", "expected"),
    [
        (0, b"ngrok version 2.3.41\n", "2.3.41"),
        (0, b"ngrok version 3.30.0", "3.30.0"),
        (0, b"ngrok version v3.1.0-rc1\n", "3.1.0"),
        (1, b"ngrok version 2.3.41", None),
        (0, b"fake ngrok agent (silent)", None),
        (0, b"ngrok version 2.3.41\nextra", None),
        (None, b"", None),
    ],
)
def test_parse_version_output(returncode: int | None, raw: bytes, expected: str | None) -> None:
    assert binary_version.parse_version_output(returncode, raw) == expected


@pytest.mark.parametrize(
    ("settings", "version", "refused"),
    [
        ({"ngrok_version": "2"}, "2.3.41", False),
        ({}, "3.30.0", False),
        ({"edge": "local"}, "2.3.41", False),
        ({"edge": "local"}, "3.30.0", True),
        ({}, "2.3.41", True),
        ({}, "4.0.0", True),
    ],
)
def test_mismatch_error(settings: dict[str, str], version: str, refused: bool, tmp_path: Path) -> None:
    cfg = PyngrokConfig(ngrok_path=str(tmp_path / "ngrok"), **settings)  # type: ignore[arg-type]
    error = binary_version.mismatch_error(cfg, version)
    assert (error is not None) is refused
    if error is not None:
        assert f"is ngrok {version}" in str(error)
