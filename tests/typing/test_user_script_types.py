"""Issue 9 item 11: the everyday path type-checks. mypy (strict, the project's config) runs on the natural user
script and on a snippet of mistakes, in ONE run, so the test cannot silently stop checking: if typed-ngrok's types
stopped resolving (everything ``Any``), the mistakes would stop being reported and this test would fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("user_script.py")

MISTAKES = """\
from typed_ngrok import agent, aio, conf, ngrok


async def mistakes() -> None:
    ngrok.connect(8000, proto="htp")  # line 5
    ngrok.connect(8000, bind_tls=123)  # line 6
    ngrok.connect(8000, bind_tsl=True)  # line 7
    await aio.connect(8000, proto="htp")  # line 8
    await aio.connect(8000, bind_tls=123)  # line 9
    ngrok.connect(8000, schemes=["ftp"])  # line 10
    ngrok.connect(3.5)  # line 11
    reveal_type(ngrok.connect(8000).public_url)  # line 12
    reveal_type((await aio.connect(8000)).public_url)  # line 13
    reveal_type(agent.get_requests()[0].id)  # line 14
    reveal_type(ngrok.get_ngrok_process().ca_path)  # line 15
    reveal_type((await aio.get_ngrok_process()).ca_path)  # line 16
    reveal_type(ngrok.get_tunnels()[0].public_url)  # line 17
    reveal_type(ngrok.NgrokTunnel({}, conf.get_default(), None).public_url)  # line 18
"""

EXPECTED = {
    (5, "arg-type"),
    (6, "arg-type"),
    (7, "call-arg"),
    (8, "arg-type"),
    (9, "arg-type"),
    (10, "list-item"),
    (11, "arg-type"),
}
REVEALED = {
    12: "str",
    13: "str",
    14: "str",
    15: "str",
    16: "str",
    17: "str",
    18: "str | None",  # built by hand from any dict, as in pyngrok: may have no public_url
}


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    folder = tmp_path_factory.mktemp("typing")
    mistakes = folder / "mistakes.py"
    mistakes.write_text(MISTAKES)
    stdout, stderr, status = mypy_api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--strict",
            "--cache-dir",
            str(folder / "mypy-cache"),  # a fresh check, independent of any other mypy run
            "--show-error-codes",
            "--no-pretty",
            str(SCRIPT),
            str(mistakes),
        ]
    )
    assert not stderr, stderr
    return stdout, status


def _lines(stdout: str, filename: str) -> list[tuple[int, str, str]]:
    found = []
    for line in stdout.splitlines():
        match = re.match(r"(.+?):(\d+): (error|note): (.*)", line)
        if match and Path(match[1]).name == filename:
            found.append((int(match[2]), match[3], match[4]))
    return found


@pytest.mark.timeout(300)
def test_the_user_script_has_no_type_errors_casts_or_ignores(mypy_output: tuple[str, int]) -> None:
    stdout, _status = mypy_output
    assert _lines(stdout, SCRIPT.name) == [], stdout
    text = SCRIPT.read_text()
    assert "cast(" not in text
    assert "# type:" not in text
    assert "assert " not in text  # no narrowing by assertion either
    assert "checked 2 source files" in stdout, stdout


@pytest.mark.timeout(300)
def test_wrong_options_and_protocols_are_mypy_errors(mypy_output: tuple[str, int]) -> None:
    stdout, status = mypy_output
    errors = {
        (line, re.findall(r"\[([a-z-]+)\]$", text)[0])
        for line, kind, text in _lines(stdout, "mistakes.py")
        if kind == "error"
    }
    assert errors == EXPECTED, stdout
    assert status == 1


@pytest.mark.timeout(300)
def test_successful_results_are_not_optional(mypy_output: tuple[str, int]) -> None:
    stdout, _status = mypy_output
    revealed = {
        line: text.removeprefix('Revealed type is "').removesuffix('"')
        for line, kind, text in _lines(stdout, "mistakes.py")
        if kind == "note" and text.startswith("Revealed type is")
    }
    assert revealed == REVEALED, stdout
