"""The pytest plugin's fixtures and the tunnel context managers type-check as users write them: mypy (strict, the
project's config) runs on the sample user test file (tests/typing/pytest_user_sample.py, which
tests/integration/test_pytest_plugin.py also runs for real) and on a snippet of mistakes, in ONE run, so the test
cannot silently stop checking: if the fixture types stopped resolving (everything ``Any``), the mistakes would stop
being reported and this test would fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).with_name("pytest_user_sample.py")

#: each line ending in ``# error: <code>`` must be exactly that mypy error, ``# reveal: <type>`` reveal that type.
MISTAKES = """\
from typed_ngrok import aio, ngrok
from typed_ngrok.pytest_plugin import NgrokEdge, RequestsWaiter, TunnelFactory


async def mistakes(ngrok_edge: NgrokEdge, ngrok_tunnel: TunnelFactory, ngrok_requests: RequestsWaiter) -> None:
    ngrok_tunnel(8000, proto="htp")  # error: arg-type
    ngrok_tunnel(8000, bind_tsl=True)  # error: call-arg
    ngrok_tunnel(3.5)  # error: arg-type
    ngrok_requests(ngrok_tunnel(8000), count="1")  # error: arg-type
    ngrok_edge.pyngrok_config = "local"  # error: assignment
    with ngrok.tunnel(8000, proto="htp"):  # error: arg-type
        pass
    async with aio.tunnel(8000, bind_tls=123):  # error: arg-type
        pass
    with aio.tunnel(8000):  # error: attr-defined
        pass
    reveal_type(ngrok_tunnel(8000).public_url)  # reveal: str
    reveal_type(ngrok_requests(ngrok_tunnel(8000))[0])  # reveal: typed_ngrok.agent.CapturedRequest
    reveal_type(ngrok_edge.ca_path)  # reveal: str
    reveal_type(ngrok_edge.pyngrok_config)  # reveal: typed_ngrok.conf.PyngrokConfig
    with ngrok.tunnel(8000) as opened:
        reveal_type(opened.public_url)  # reveal: str
    async with aio.tunnel(8000, "tcp") as aopened:
        reveal_type(aopened)  # reveal: typed_ngrok._tunnels.model.ConnectedTunnel
"""


def _expected(marker: str) -> dict[int, str]:
    return {
        number: line.split(f"# {marker}: ")[1]
        for number, line in enumerate(MISTAKES.splitlines(), start=1)
        if f"# {marker}: " in line
    }


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    folder = tmp_path_factory.mktemp("plugin-typing")
    mistakes = folder / "plugin_mistakes.py"
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
            str(SAMPLE),
            str(mistakes),
        ]
    )
    assert not stderr, stderr
    return stdout, status


def _lines(stdout: str, filename: str, kind: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for line in stdout.splitlines():
        match = re.match(r"(.+?):(\d+): (error|note): (.*)", line)
        if match and Path(match[1]).name == filename and match[3] == kind:
            found[int(match[2])] = match[4]
    return found


@pytest.mark.timeout(300)
def test_the_sample_user_test_file_has_no_type_errors_casts_or_ignores(mypy_output: tuple[str, int]) -> None:
    stdout, _status = mypy_output
    assert _lines(stdout, SAMPLE.name, "error") == {}, stdout
    text = SAMPLE.read_text()
    assert "cast(" not in text
    assert "# type:" not in text
    assert "checked 2 source files" in stdout, stdout


@pytest.mark.timeout(300)
def test_wrong_fixture_and_context_manager_calls_are_mypy_errors(mypy_output: tuple[str, int]) -> None:
    stdout, status = mypy_output
    errors = {
        number: re.findall(r"\[([a-z-]+)\]$", text)[0]
        for number, text in _lines(stdout, "plugin_mistakes.py", "error").items()
    }
    assert errors == _expected("error"), stdout
    assert status == 1


@pytest.mark.timeout(300)
def test_fixture_results_are_precisely_typed(mypy_output: tuple[str, int]) -> None:
    stdout, _status = mypy_output
    revealed = {
        number: text.removeprefix('Revealed type is "').removesuffix('"')
        for number, text in _lines(stdout, "plugin_mistakes.py", "note").items()
        if text.startswith("Revealed type is")
    }
    assert revealed == _expected("reveal"), stdout
