"""typed-ngrok's pytest plugin (``typed_ngrok.pytest_plugin``, the ``typed_ngrok`` ``pytest11`` entry point), run the
way a user runs it: pytest in a fresh folder (``pytester``, in a subprocess: the plugin's session agent and our own
event loop and warning settings stay apart), on a user's test file with no fixture of its own, against the real
2.3.41 agent through the local edge.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes import make_fake_binary
from tests.integration.ngrok_env import AGENT, needs_agent
from tests.outside_files import REPO

pytest_plugins = ["pytester"]

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

SAMPLE = REPO / "tests" / "typing" / "pytest_user_sample.py"
STRICT = ("-p", "no:cacheprovider")


def _ini(pytester: pytest.Pytester, *lines: str) -> None:
    """The user's pytest configuration: warnings are errors, as in ours (pytest-asyncio, installed here, warns
    when its loop scope is unset)."""
    pytester.makeini(
        "\n".join(["[pytest]", "filterwarnings = error", "asyncio_default_fixture_loop_scope = function", *lines])
    )


@needs_agent
def test_a_users_webhook_test_passes_with_no_fixture_of_its_own(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYNGROK_NGROK_PATH", str(AGENT))  # the library's own lookup of the binary
    _ini(pytester)
    pytester.makepyfile(test_webhook=SAMPLE.read_text())
    result = pytester.runpytest_subprocess(*STRICT, "-s")
    result.assert_outcomes(passed=3)
    assert json.dumps({"tcp": "tcp", "named": "https"}) in result.stdout.str()


@needs_agent
def test_the_ini_option_names_the_binary_and_the_agent_is_the_sessions_own(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYNGROK_NGROK_PATH", str(pytester.path / "no-agent-here"))  # the ini option wins
    _ini(pytester, f"typed_ngrok_path = {AGENT}")
    pytester.makepyfile(
        test_own="""
        import os
        from typed_ngrok import process
        from typed_ngrok.pytest_plugin import NgrokEdge

        def test_session_agent(ngrok_edge: NgrokEdge, tmp_path_factory) -> None:
            cfg = ngrok_edge.pyngrok_config
            assert (cfg.edge, cfg.ngrok_version, cfg.config_version) == ("local", "2", "2")
            assert os.path.realpath(cfg.ngrok_path) == os.path.realpath(os.environ["EXPECTED_AGENT"])
            assert cfg.ngrok_path.startswith(str(tmp_path_factory.getbasetemp()))  # its own registry entry
            assert cfg.config_path.startswith(str(tmp_path_factory.getbasetemp()))  # not the user's ngrok.yml
            assert process.is_process_running(cfg.ngrok_path)
            assert ngrok_edge.edge.running and ngrok_edge.ca_path == ngrok_edge.edge.ca_path
            print("AGENT_PATH", cfg.ngrok_path)
        """
    )
    monkeypatch.setenv("EXPECTED_AGENT", str(AGENT))
    result = pytester.runpytest_subprocess(*STRICT, "-s")
    result.assert_outcomes(passed=1)


@needs_agent
def test_waiting_for_requests_that_never_come_fails_the_test_with_what_arrived(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYNGROK_NGROK_PATH", str(AGENT))
    _ini(pytester)
    pytester.makepyfile(
        test_wait="""
        import pytest
        from typed_ngrok.exception import PyngrokError
        from typed_ngrok.pytest_plugin import CapturedRequestsTimeout

        def test_nothing_arrives(ngrok_tunnel, ngrok_requests) -> None:
            tunnel = ngrok_tunnel(9)
            with pytest.raises(CapturedRequestsTimeout) as info:
                ngrok_requests(tunnel, count=2, timeout=0.3)
            assert isinstance(info.value, PyngrokError) and isinstance(info.value, AssertionError)
            assert str(info.value) == (
                f"Expected 2 captured request(s) on tunnel {tunnel.name!r} within 0.3 s; 0 arrived (none)."
            )

        @pytest.mark.parametrize("bad", [{"count": 0}, {"count": True}, {"timeout": 0}, {"timeout": "1"}])
        def test_bad_arguments(ngrok_tunnel, ngrok_requests, bad) -> None:
            with pytest.raises(PyngrokError, match="must be"):
                ngrok_requests(ngrok_tunnel(9), **bad)
        """
    )
    result = pytester.runpytest_subprocess(*STRICT)
    result.assert_outcomes(passed=5)


def test_a_missing_agent_that_cannot_be_installed_is_an_error_with_guidance(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = pytester.path / "bin" / "ngrok"
    _ini(pytester, f"typed_ngrok_path = {missing}")
    no_tools = tmp_path / "empty-path"
    no_tools.mkdir()
    monkeypatch.setenv("PATH", str(no_tools))  # no npm
    monkeypatch.setenv("HOME", str(tmp_path))  # no .npmrc of the user's
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")  # loopback, nothing listens: nothing leaves
    pytester.makepyfile(
        test_needs_agent="""
        def test_one(ngrok_tunnel) -> None:
            raise AssertionError("never runs")

        def test_two(ngrok_edge) -> None:
            raise AssertionError("never runs")
        """
    )
    result = pytester.runpytest_subprocess(*STRICT)
    result.assert_outcomes(errors=2)
    output = result.stdout.str()
    assert f"No ngrok agent at {missing}, and installing it failed: PyngrokNgrokInstallError: " in output
    assert f"typed-ngrok's pytest plugin (ngrok_edge) runs the ngrok 2.3.41 agent from {missing}" in output
    assert "`typed_ngrok_path` ini option or $PYNGROK_NGROK_PATH" in output
    for trace in ("Traceback", "typed_ngrok/_install", "direct cause", "During handling"):
        assert trace not in output  # one clear message, no trace or chain of causes
    # the session fixture's failure, reported once for each test; counted on the error sections' own lines, which
    # hold whether or not pytest shortens its summary lines (it does not where $CI is set)
    failures = [line for line in output.splitlines() if line.startswith(f"No ngrok agent at {missing}")]
    assert len(failures) == 2, output
    assert not missing.exists()


def test_a_relative_ini_path_is_relative_to_the_ini_file_not_the_current_directory(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _ini(pytester, "typed_ngrok_path = bin/ngrok")
    no_tools = tmp_path / "empty-path"
    no_tools.mkdir()
    monkeypatch.setenv("PATH", str(no_tools))  # no npm: the missing binary is named, nothing is installed
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")  # loopback, nothing listens
    sub = pytester.mkpydir("sub")
    (sub / "test_edge.py").write_text("def test_one(ngrok_edge) -> None:\n    raise AssertionError('never runs')\n")
    monkeypatch.chdir(sub)  # pytest run from a subdirectory finds the ini file above it
    result = pytester.runpytest_subprocess(*STRICT)
    result.assert_outcomes(errors=1)
    assert f"No ngrok agent at {pytester.path / 'bin' / 'ngrok'}, and installing" in result.stdout.str()


def test_an_agent_that_does_not_start_is_an_error_with_its_own_message(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    broken = make_fake_binary(tmp_path, "crit")  # prints 'lvl=crit msg="command failed"' and exits 1
    _ini(pytester, f"typed_ngrok_path = {broken}")
    pytester.makepyfile(
        test_needs_agent="def test_one(ngrok_tunnel) -> None:\n    raise AssertionError('never runs')\n"
    )
    result = pytester.runpytest_subprocess(*STRICT)
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert f"The ngrok agent {os.path.realpath(broken)} did not start: ProcessStartError: " in output
    assert "`typed_ngrok_path` ini option" in output
    assert "Traceback" not in output and "direct cause" not in output and "During handling" not in output


def test_the_plugin_is_free_when_unused(pytester: pytest.Pytester) -> None:
    _ini(pytester)
    pytester.makepyfile(
        test_plain="""
        import sys
        from _pytest.assertion.rewrite import AssertionRewritingHook

        def test_nothing_heavy_loaded_and_pytests_rewriting_left_as_it_is() -> None:
            assert "typed_ngrok.pytest_plugin" in sys.modules  # loaded through its entry point
            loaded = sorted(name for name in sys.modules if name.startswith("typed_ngrok"))
            assert loaded == ["typed_ngrok", "typed_ngrok.exception", "typed_ngrok.pytest_plugin"]
            from typed_ngrok import ngrok

            # pytest marks a pytest11 plugin's package for assertion rewriting; the plugin does not undo it
            assert isinstance(ngrok.__loader__, AssertionRewritingHook)
        """
    )
    result = pytester.runpytest_subprocess(*STRICT)
    result.assert_outcomes(passed=1)


def test_importing_the_plugin_loads_no_httpx_edge_or_agent_code() -> None:
    heavy = ("httpx", "yaml", "cryptography", "typed_ngrok_agent_api", "typed_ngrok.edge", "typed_ngrok.ngrok")
    code = f"import sys, typed_ngrok.pytest_plugin; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == ""


def test_our_suite_has_no_fixture_of_the_plugins_names() -> None:
    names = ("ngrok_edge", "ngrok_tunnel", "ngrok_requests")
    tests = REPO / "tests"
    clashes = [
        f"{path.relative_to(REPO)}: {name}"
        for path in tests.rglob("*.py")
        for name in names
        if f"def {name}(" in path.read_text() and path != Path(__file__)
    ]
    assert clashes == []


_BAD_WAITS = [
    (
        {"tunnel": 5},
        'ngrok_requests() "tunnel" must be a tunnel with a name, or a tunnel\'s name (a non-empty string '
        "without control characters), got 5",
    ),
    ({"tunnel": "a\nb"}, "got 'a\\nb'"),
    ({"tunnel": "  "}, "got '  '"),
    ({"count": 0}, 'ngrok_requests() "count" must be an int >= 1, got 0'),
    ({"count": True}, 'ngrok_requests() "count" must be an int >= 1, got True'),
    ({"count": None}, 'ngrok_requests() "count" must be an int >= 1, got None'),
    ({"count": 1.0}, 'ngrok_requests() "count" must be an int >= 1, got 1.0'),
    ({"timeout": 0}, 'ngrok_requests() "timeout" must be a finite number of seconds > 0, got 0'),
    ({"timeout": "1"}, "got '1'"),
    ({"timeout": float("nan")}, "got nan"),
    ({"timeout": 10**400}, 'ngrok_requests() "timeout" must be a finite number of seconds > 0, got 1000'),
]


@pytest.mark.parametrize(("bad", "message"), _BAD_WAITS)
def test_a_wrong_argument_to_ngrok_requests_is_refused_before_any_io(
    bad: dict[str, object], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The library's own rules (a tunnel name as get_requests checks it, count as its limit) and its argument
    message, before the agent is asked (nothing starts: an agent at a missing path would be installed)."""
    from typed_ngrok import agent
    from typed_ngrok.conf import PyngrokConfig
    from typed_ngrok.exception import PyngrokError
    from typed_ngrok.pytest_plugin import NgrokEdge

    def asked(*_: object, **__: object) -> object:
        raise AssertionError("the agent was asked")

    monkeypatch.setattr(agent, "get_requests", asked)
    edge = NgrokEdge(PyngrokConfig(edge="local", ngrok_path=str(tmp_path / "absent")))
    arguments: dict[str, object] = {"tunnel": "web", "count": 1, "timeout": 10, **bad}
    with pytest.raises(PyngrokError) as refused:
        edge.requests(**arguments)  # type: ignore[arg-type]
    assert message in str(refused.value)
    assert str(refused.value).startswith(f'ngrok_requests() "{next(iter(bad))}" must be ')


def test_a_response_whose_body_is_still_being_stored_is_not_counted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """2.3.41 stores an answer's head before its body (seen under load): the waiter counts the exchange only once
    the body is stored, so a webhook test never reads an empty body. The agent's answers here are the shapes a real
    2.3.41 gave (head only, then whole)."""
    import base64

    from typed_ngrok import agent
    from typed_ngrok.agent import CapturedRequest
    from typed_ngrok.conf import PyngrokConfig
    from typed_ngrok.pytest_plugin import NgrokEdge

    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n"
    stored = [head, head, head + b'{"path": "/hold"}']
    asked: list[int] = []

    def get_requests(name: str, config: PyngrokConfig) -> list[CapturedRequest]:
        wire = stored[min(len(asked), len(stored) - 1)]
        asked.append(1)
        response = {"status": "200 OK", "status_code": 200, "raw": base64.b64encode(wire).decode()}
        return [CapturedRequest({"id": "r1", "tunnel_name": name, "request": {"method": "POST"}, "response": response})]

    monkeypatch.setattr(agent, "get_requests", get_requests)
    edge = NgrokEdge(PyngrokConfig(edge="local", ngrok_path=str(tmp_path / "absent")))
    (done,) = edge.requests("web", timeout=10)
    assert len(asked) == 3
    response = done.parsed_response()
    assert response is not None and response.json() == {"path": "/hold"}


def test_an_answer_the_upstream_cut_short_is_counted_after_the_grace(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A body shorter than its Content-Length forever (the upstream closed early) reads as still being stored: the
    waiter counts it once that has lasted RECORDING_GRACE, rather than timing out with "0 arrived"."""
    import base64

    from typed_ngrok import agent, pytest_plugin
    from typed_ngrok.agent import CapturedRequest
    from typed_ngrok.conf import PyngrokConfig
    from typed_ngrok.pytest_plugin import NgrokEdge

    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"
    asked: list[int] = []

    def get_requests(name: str, config: PyngrokConfig) -> list[CapturedRequest]:
        asked.append(1)
        response = {"status": "200 OK", "status_code": 200, "raw": base64.b64encode(cut).decode()}
        return [CapturedRequest({"id": "r1", "tunnel_name": name, "request": {"method": "GET"}, "response": response})]

    monkeypatch.setattr(agent, "get_requests", get_requests)
    monkeypatch.setattr(pytest_plugin, "RECORDING_GRACE", 0.1)
    edge = NgrokEdge(PyngrokConfig(edge="local", ngrok_path=str(tmp_path / "absent")))
    (done,) = edge.requests("web", timeout=10)
    assert len(asked) > 1  # not counted at first sight
    response = done.parsed_response()
    assert response is not None and response.body == b"abc"


def test_the_timeout_names_exchanges_still_being_stored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import base64

    from typed_ngrok import agent
    from typed_ngrok.agent import CapturedRequest
    from typed_ngrok.conf import PyngrokConfig
    from typed_ngrok.pytest_plugin import CapturedRequestsTimeout, NgrokEdge

    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"

    def get_requests(name: str, config: PyngrokConfig) -> list[CapturedRequest]:
        response = {"status": "200 OK", "status_code": 200, "raw": base64.b64encode(head).decode()}
        return [CapturedRequest({"id": "r1", "tunnel_name": name, "request": {"method": "GET"}, "response": response})]

    monkeypatch.setattr(agent, "get_requests", get_requests)
    edge = NgrokEdge(PyngrokConfig(edge="local", ngrok_path=str(tmp_path / "absent")))
    with pytest.raises(CapturedRequestsTimeout, match=r"0 arrived \(none\); 1 more still being stored by the agent\."):
        edge.requests("web", timeout=0.2)
