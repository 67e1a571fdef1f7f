"""Issue 11: the cloud loop type-checks under mypy --strict with 0 errors and no casts, and the facade's types are
real (a snippet of mistakes is reported in the same run, so the test cannot pass by everything becoming Any)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("cloud_script.py")

MISTAKES = """\
from typed_ngrok.cloud import AsyncCloudClient, CloudClient


async def mistakes(cloud: CloudClient, acloud: AsyncCloudClient) -> None:
    cloud.tunnel_sessions.list(limit="100")  # line 5
    cloud.api_keys.create(colour="red")  # line 6
    cloud.tunnel_sessions.restart()  # line 7
    for s in acloud.tunnel_sessions.list():  # line 8
        pass
    reveal_type([s.id for s in cloud.tunnel_sessions.list()])  # line 10
    reveal_type((await acloud.credentials.get("cr_1")).created_at)  # line 11
    reveal_type(cloud.tunnel_sessions.restart("ts_1"))  # line 12
"""
EXPECTED = {(5, "arg-type"), (6, "call-arg"), (7, "call-arg"), (8, "attr-defined")}
REVEALED = {10: "list[str]", 11: "datetime.datetime", 12: "None"}


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("cloud-typing")
    mistakes = folder / "cloud_mistakes.py"
    mistakes.write_text(MISTAKES)
    stdout, stderr, _status = mypy_api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--strict",
            "--cache-dir",
            str(folder / "mypy-cache"),
            "--show-error-codes",
            "--no-pretty",
            str(SCRIPT),
            str(mistakes),
        ]
    )
    assert not stderr, stderr
    return stdout


def _lines(stdout: str, filename: str) -> list[tuple[int, str, str]]:
    found = []
    for line in stdout.splitlines():
        match = re.match(r"(.+?):(\d+): (error|note): (.*)", line)
        if match and Path(match[1]).name == filename:
            found.append((int(match[2]), match[3], match[4]))
    return found


@pytest.mark.timeout(300)
def test_the_issue_loop_has_no_type_errors_casts_or_ignores(mypy_output: str) -> None:
    assert _lines(mypy_output, SCRIPT.name) == [], mypy_output
    text = SCRIPT.read_text()
    assert "cast(" not in text and "# type:" not in text and "assert " not in text
    assert "checked 2 source files" in mypy_output, mypy_output


@pytest.mark.timeout(300)
def test_mistakes_are_reported_and_results_are_typed(mypy_output: str) -> None:
    lines = _lines(mypy_output, "cloud_mistakes.py")
    errors = {(n, re.findall(r"\[([a-z-]+)\]$", t)[0]) for n, kind, t in lines if kind == "error"}
    assert errors == EXPECTED, mypy_output
    revealed = {
        n: t.removeprefix('Revealed type is "').removesuffix('"')
        for n, kind, t in lines
        if kind == "note" and t.startswith("Revealed type is")
    }
    assert revealed == REVEALED, mypy_output
