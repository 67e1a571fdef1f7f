"""User code type-checks as users write it, in ONE mypy run (strict, the project's config) over three natural
samples and three snippets of mistakes, so no test can silently stop checking: if typed-ngrok's types stopped
resolving (everything ``Any``), the mistakes would stop being reported and the tests would fail.

- ``user_script.py`` (issue 9): the everyday ``ngrok``/``aio``/``agent`` path;
- ``cloud_script.py`` (issue 11): the cloud loop;
- ``pytest_user_sample.py`` (issue 14): the pytest plugin's fixtures and the tunnel context managers (the same file
  ``tests/integration/test_pytest_plugin.py`` runs for real).

One run instead of one per sample: each cold strict run costs about 5 s of CPU, most of it checking typed-ngrok itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("user_script.py")
CLOUD_SCRIPT = Path(__file__).with_name("cloud_script.py")
PLUGIN_SAMPLE = Path(__file__).with_name("pytest_user_sample.py")
SAMPLES = (SCRIPT, CLOUD_SCRIPT, PLUGIN_SAMPLE)

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

CLOUD_MISTAKES = """\
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
CLOUD_EXPECTED = {(5, "arg-type"), (6, "call-arg"), (7, "call-arg"), (8, "attr-defined")}
CLOUD_REVEALED = {10: "list[str]", 11: "datetime.datetime", 12: "None"}

#: each line ending in ``# error: <code>`` must be exactly that mypy error, ``# reveal: <type>`` reveal that type.
PLUGIN_MISTAKES = """\
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
SNIPPETS = {"mistakes.py": MISTAKES, "cloud_mistakes.py": CLOUD_MISTAKES, "plugin_mistakes.py": PLUGIN_MISTAKES}


def _marked(marker: str) -> dict[int, str]:
    return {
        number: line.split(f"# {marker}: ")[1]
        for number, line in enumerate(PLUGIN_MISTAKES.splitlines(), start=1)
        if f"# {marker}: " in line
    }


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    folder = tmp_path_factory.mktemp("typing")
    snippets = []
    for name, text in SNIPPETS.items():
        (folder / name).write_text(text)
        snippets.append(str(folder / name))
    stdout, stderr, status = mypy_api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--strict",
            "--cache-dir",
            str(folder / "mypy-cache"),  # a fresh check, independent of any other mypy run
            "--show-error-codes",
            "--no-pretty",
            *(str(sample) for sample in SAMPLES),
            *snippets,
        ]
    )
    assert not stderr, stderr
    assert f"checked {len(SAMPLES) + len(SNIPPETS)} source files" in stdout, stdout
    return stdout, status


def _lines(stdout: str, filename: str, kind: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for line in stdout.splitlines():
        match = re.match(r"(.+?):(\d+): (error|note): (.*)", line)
        if match and Path(match[1]).name == filename and match[3] == kind:
            found[int(match[2])] = match[4]
    return found


def _errors(stdout: str, filename: str) -> set[tuple[int, str]]:
    return {
        (number, re.findall(r"\[([a-z-]+)\]$", text)[0]) for number, text in _lines(stdout, filename, "error").items()
    }


def _revealed(stdout: str, filename: str) -> dict[int, str]:
    return {
        number: text.removeprefix('Revealed type is "').removesuffix('"')
        for number, text in _lines(stdout, filename, "note").items()
        if text.startswith("Revealed type is")
    }


@pytest.mark.timeout(300)
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.stem)
def test_the_samples_have_no_type_errors_casts_or_ignores(mypy_output: tuple[str, int], sample: Path) -> None:
    stdout, status = mypy_output
    assert _lines(stdout, sample.name, "error") == {}, stdout
    text = sample.read_text()
    assert "cast(" not in text
    assert "# type:" not in text
    if sample != PLUGIN_SAMPLE:  # a pytest file asserts by nature
        assert "assert " not in text  # no narrowing by assertion either
    assert status == 1  # the snippets' mistakes


@pytest.mark.timeout(300)
def test_wrong_options_and_protocols_are_mypy_errors(mypy_output: tuple[str, int]) -> None:
    assert _errors(mypy_output[0], "mistakes.py") == EXPECTED, mypy_output[0]


@pytest.mark.timeout(300)
def test_successful_results_are_not_optional(mypy_output: tuple[str, int]) -> None:
    assert _revealed(mypy_output[0], "mistakes.py") == REVEALED, mypy_output[0]


@pytest.mark.timeout(300)
def test_cloud_mistakes_are_reported_and_results_are_typed(mypy_output: tuple[str, int]) -> None:
    assert _errors(mypy_output[0], "cloud_mistakes.py") == CLOUD_EXPECTED, mypy_output[0]
    assert _revealed(mypy_output[0], "cloud_mistakes.py") == CLOUD_REVEALED, mypy_output[0]


@pytest.mark.timeout(300)
def test_wrong_fixture_and_context_manager_calls_are_mypy_errors(mypy_output: tuple[str, int]) -> None:
    assert dict(_errors(mypy_output[0], "plugin_mistakes.py")) == _marked("error"), mypy_output[0]


@pytest.mark.timeout(300)
def test_fixture_results_are_precisely_typed(mypy_output: tuple[str, int]) -> None:
    assert _revealed(mypy_output[0], "plugin_mistakes.py") == _marked("reveal"), mypy_output[0]
