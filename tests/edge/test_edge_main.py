"""``python -m typed_ngrok.edge`` and ``typed-ngrok edge``: the only authtoken to accept comes from
``TYPED_NGROK_EDGE_AUTHTOKEN`` or ``--authtoken-file``, never from the command line (``--authtoken`` is refused
without echoing the secret)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.fakes import reap
from tests.line_reader import LineReader
from typed_ngrok.edge.__main__ import AUTHTOKEN_ENV

SECRET = "edge-secret-5f3a"
LINE_DEADLINE = 30.0  # seconds for one printed line (the edge's start included)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != AUTHTOKEN_ENV}
    env["HOME"] = str(tmp_path)
    env.update(extra)
    return env


def _printed_config(command: list[str], env: dict[str, str]) -> dict[str, object]:
    """Run the edge until it printed its config, stop it with SIGINT, and return the YAML it printed. Each line is
    awaited with a deadline: an edge that hangs fails the test after it."""
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out = LineReader(proc.stdout)
        lines = [out.line(LINE_DEADLINE)]
        while lines[-1] is not None and not lines[-1].startswith("# ngrok's SDKs: "):
            lines.append(out.line(LINE_DEADLINE))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    finally:
        reap(proc)
    config = yaml.safe_load("\n".join(line for line in lines if line is not None))
    assert isinstance(config, dict), lines
    return config


@pytest.mark.parametrize("entry", [["-m", "typed_ngrok.edge"], ["-m", "typed_ngrok.cli", "edge"]])
def test_authtoken_from_the_environment(tmp_path: Path, entry: list[str]) -> None:
    config = _printed_config([sys.executable, *entry], _env(tmp_path, **{AUTHTOKEN_ENV: SECRET}))
    assert config["authtoken"] == SECRET


def test_authtoken_from_a_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(SECRET + "\n")
    token_file.chmod(0o600)
    command = [sys.executable, "-m", "typed_ngrok.edge", "--authtoken-file", str(token_file)]
    assert _printed_config(command, _env(tmp_path))["authtoken"] == SECRET


@pytest.mark.parametrize("entry", [["-m", "typed_ngrok.edge"], ["-m", "typed_ngrok.cli", "edge"]])
@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--authtoken", SECRET], {}, AUTHTOKEN_ENV),
        (["--authtoken-file", "missing-file"], {AUTHTOKEN_ENV: SECRET}, "use one"),
        (["--authtoken-file", "missing-file"], {}, "cannot read the authtoken file"),
        ([], {AUTHTOKEN_ENV: " "}, "empty"),
    ],
    ids=["argv", "both", "unreadable", "empty"],
)
def test_refused_token_sources(
    tmp_path: Path, entry: list[str], args: list[str], env: dict[str, str], message: str
) -> None:
    """Each is refused before anything listens, in one line that never shows the token."""
    result = subprocess.run(
        [sys.executable, *entry, *args],
        env=_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert SECRET not in result.stderr
