"""``typed-ngrok``'s argument parsing, option translation, request lines and error shape (no agent: the commands that
need one run in tests/integration/test_cli.py)."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable
from typing import Any

import pytest

from typed_ngrok import __version__, cli
from typed_ngrok.agent import CapturedRequest
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError, PyngrokNgrokURLError

SECRET = "alice:s3cret-pass"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TYPED_NGROK_EDGE", "TYPED_NGROK_AUTH", "NGROK_AUTHTOKEN"):
        monkeypatch.delenv(name, raising=False)


def _parse(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(list(argv))


def _stderr_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    return err.rstrip("\n")


def test_http_options_translate_to_connect_options() -> None:
    args = _parse(
        "http", "8000", "--name", "web", "--bind-tls", "both", "--host-header", "rewrite", "--subdomain", "a",
        "--region", "eu", "--local",
    )  # fmt: skip
    assert (args.command, args.proto, args.addr, args.name, args.region, args.local) == (
        "http", "http", "8000", "web", "eu", True,
    )  # fmt: skip
    assert cli._tunnel_options(args) == {"bind_tls": "both", "host_header": "rewrite", "subdomain": "a"}
    assert cli._tunnel_options(_parse("http", "80", "--bind-tls", "true")) == {"bind_tls": True}
    assert cli._tunnel_options(_parse("http", "80", "--bind-tls", "false")) == {"bind_tls": False}
    assert cli._tunnel_options(_parse("http", "80", "--scheme", "http", "--scheme", "https")) == {
        "schemes": ["http", "https"]
    }
    assert cli._tunnel_options(_parse("tcp", "22", "--remote-addr", "1.tcp.example:20000")) == {
        "remote_addr": "1.tcp.example:20000"
    }
    assert cli._tunnel_options(_parse("tls", "localhost:443", "--hostname", "x.example")) == {"hostname": "x.example"}


def test_addr_is_passed_as_written() -> None:
    """``connect`` validates it (one place): a URL, host:port or port reach it untouched."""
    assert _parse("http", "https://localhost:8443").addr == "https://localhost:8443"
    assert _parse("tcp", "10.0.0.2:22").addr == "10.0.0.2:22"


@pytest.mark.parametrize(
    "argv",
    [["tcp", "22", "--bind-tls", "true"], ["tcp", "22", "--auth"], ["http", "80", "--remote-addr", "x:1"]],
    ids=["bind-tls-on-tcp", "auth-on-tcp", "remote-addr-on-http"],
)
def test_options_of_another_protocol_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    line = _stderr_line(capsys)
    assert line.startswith("typed-ngrok: error: unrecognized arguments: ") and line.endswith(
        f"(see 'typed-ngrok {argv[0]} --help')"
    )


def test_auth_reads_its_credentials_from_the_environment_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["http", "8000", "--auth"]) == 2
    assert _stderr_line(capsys) == (
        "typed-ngrok: error: --auth needs the user:pass in $TYPED_NGROK_AUTH (never on the command line)"
    )
    monkeypatch.setenv("TYPED_NGROK_AUTH", SECRET)
    assert cli._tunnel_options(_parse("http", "8000", "--auth")) == {"auth": SECRET}
    with pytest.raises(SystemExit) as info:
        cli.main(["http", "8000", "--auth", "someone:else"])  # --auth takes no value from argv
    assert info.value.code == 2
    assert _stderr_line(capsys).endswith("(see 'typed-ngrok http --help')")


def test_dash_dash_version_is_typed_ngroks(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"typed-ngrok {__version__}\n"


def test_help_at_every_level(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], *([command, "--help"] for command in cli.COMMANDS)):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith(f"usage: typed-ngrok{'' if len(argv) == 1 else ' ' + argv[0]}"), out


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_anything_else_passes_through(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def pass_through(argv: list[str]) -> int:
        seen.append(argv)
        return 7

    monkeypatch.setattr(cli, "_pass_through", pass_through)
    assert cli.main(["credits"]) == 7
    assert cli.main(["--log", "stdout", "http", "80"]) == 7  # an agent flag first: the agent's command line
    assert seen == [["credits"], ["--log", "stdout", "http", "80"]]


@pytest.mark.parametrize(
    ("argv", "example"),
    [
        (["--local", "http", "8000"], "typed-ngrok http 8000 --local"),
        (["--ngrok-path", "/x/ngrok", "tcp", "22"], "typed-ngrok tcp 22 --ngrok-path /x/ngrok"),
        (["--config=c.yml", "http", "80"], "typed-ngrok http 80 --config=c.yml"),
        (["--region", "eu", "tls", "443"], "typed-ngrok tls 443 --region eu"),
        (["--local"], "typed-ngrok http 8000 --local"),
    ],
)
def test_own_options_before_the_command_are_refused_naming_the_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], example: str
) -> None:
    monkeypatch.setattr(cli, "_pass_through", _raising_pass_through)
    assert cli.main(argv) == 2
    assert _stderr_line(capsys) == (
        f"typed-ngrok: error: {argv[0]} is an option of typed-ngrok's commands: put options after the command: "
        f"{example}"
    )


def _raising_pass_through(argv: list[str]) -> int:
    raise AssertionError(f"passed through to the agent: {argv}")


def test_the_agents_own_global_options_still_pass_through(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def pass_through(argv: list[str]) -> int:
        seen.append(argv)
        return 0

    monkeypatch.setattr(cli, "_pass_through", pass_through)
    assert cli.main(["--config", "c.yml", "start", "--all"]) == 0
    assert seen == [["--config", "c.yml", "start", "--all"]]


def test_usage_errors_are_one_line_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, message in (
        (["requests", "--limit", "x"], "argument --limit: invalid int value: 'x'"),
        (["http"], "the following arguments are required: addr"),
        (["replay", "id", "--tunnel", "a", "--tunnel-url", "b"], "argument --tunnel-url: not allowed with argument"),
    ):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2
        assert _stderr_line(capsys).startswith(f"typed-ngrok: error: {message}")


def _raising(exc: BaseException) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        raise exc

    return handler


@pytest.mark.parametrize(
    ("exc", "code", "line"),
    [
        (PyngrokNgrokError("The ngrok process errored.\n Its output:\nline 1\n\nline 2"), 1,
         "typed-ngrok: error: The ngrok process errored. | Its output: | line 1 | line 2"),
        (OSError(28, "No space left on device"), 1, "typed-ngrok: error: [Errno 28] No space left on device"),
        (ValueError("boom"), 1, "typed-ngrok: error: unexpected ValueError: boom"),
    ],
    ids=["pyngrok-error", "os-error", "bug"],
)  # fmt: skip
def test_failures_are_one_line_never_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], exc: Exception, code: int, line: str
) -> None:
    monkeypatch.setattr(cli, "_run_requests", _raising(exc))
    assert cli.main(["requests"]) == code
    assert _stderr_line(capsys) == line


def test_interrupt_is_quiet_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "_run_requests", _raising(KeyboardInterrupt()))
    assert cli.main(["requests"]) == 130
    assert capsys.readouterr().err == ""


def test_an_invalid_edge_variable_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TYPED_NGROK_EDGE", "moon")
    assert cli.main(["version"]) == 1
    assert "TYPED_NGROK_EDGE must be one of" in _stderr_line(capsys)


def _captured(request_id: str, uri: str = "/x", *, status: str | None = "200 OK", duration: int = 1_500_000) -> Any:
    response: dict[str, Any] = (
        {"status": status, "status_code": int(status.split()[0])} if status else {"status_code": 0, "raw": None}
    )
    return CapturedRequest(
        {"id": request_id, "duration": duration, "request": {"method": "GET", "uri": uri}, "response": response}
    )


def test_request_line_escapes_control_characters_and_shows_pending() -> None:
    assert cli.format_request(_captured("a", "/p?q=1")) == "GET /p?q=1 200 OK 1.50ms"
    assert cli.format_request(_captured("a", "/\x1b[31mred\n")) == "GET /\\x1b[31mred\\n 200 OK 1.50ms"
    assert cli.format_request(_captured("a", status=None)) == "GET /x (no response) 1.50ms"


def _follow(polls: list[Any], *, alive: Callable[[], bool] = lambda: True) -> list[str]:
    """Run follow_requests over ``polls`` (each a listing, newest first, or an exception), stopping after the last."""
    stop = threading.Event()
    remaining = list(polls)
    lines: list[str] = []

    def list_requests() -> list[CapturedRequest]:
        poll = remaining.pop(0)
        if not remaining:
            stop.set()
        if isinstance(poll, Exception):
            raise poll
        return list(poll)

    cli.follow_requests(list_requests, stop, alive, lines.append, interval=0)
    return lines


def test_follow_prints_each_request_once_oldest_first_when_answered() -> None:
    a_pending, a, b, c = _captured("a", "/a", status=None), _captured("a", "/a"), _captured("b", "/b"), _captured("c")
    lines = _follow([[a_pending], [b, a], [c, b, a], [c]])
    assert lines == ["GET /a 200 OK 1.50ms", "GET /b 200 OK 1.50ms", "GET /x 200 OK 1.50ms"]


def test_follow_rides_out_a_slow_answer_but_not_a_dead_agent() -> None:
    slow = PyngrokNgrokURLError("timed out", "timed out")
    assert _follow([slow, [_captured("a")]]) == ["GET /x 200 OK 1.50ms"]
    with pytest.raises(PyngrokNgrokError, match="the ngrok agent stopped unexpectedly"):
        _follow([slow, []], alive=lambda: False)


def test_command_line_error_is_a_pyngrok_error() -> None:
    assert issubclass(cli.CommandLineError, PyngrokError)


def test_the_local_edge_comes_from_local_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--local`` and ``TYPED_NGROK_EDGE=local`` select the same config: the local edge, the pinned 2.3.41 agent
    and its config format (the library decides; the CLI does not repeat it)."""
    local = cli._config(_parse("http", "80", "--local"))
    assert (local.edge, local.ngrok_version, local.config_version) == ("local", "2", "2")
    assert cli._config(_parse("http", "80")).edge == "ngrok"
    monkeypatch.setenv("TYPED_NGROK_EDGE", "local")
    from_env = cli._config(_parse("http", "80"))
    assert (from_env.edge, from_env.ngrok_version, from_env.config_version, from_env.ngrok_path) == (
        "local", "2", "2", local.ngrok_path,
    )  # fmt: skip
