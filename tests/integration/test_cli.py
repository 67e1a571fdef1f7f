"""The ``typed-ngrok`` command line, run as a subprocess (``python -m typed_ngrok.cli``) with the real 2.3.41 agent and
the local edge: a tunnel's URL, a real request logged as a line, Ctrl-C/SIGTERM stopping the agent, ``requests``,
``replay``, ``version``, the pass-through to the agent, and every failure as one line on stderr.

Output is read line by line with a deadline (a reader thread feeds a queue); nothing sleeps.
"""

from __future__ import annotations

import json
import os
import queue
import re
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import psutil
import pytest

from tests.fakes import never_ready_binary, reap
from tests.integration.ngrok_env import AGENT, agent_config, echo_through, http_upstream, needs_agent, tcp_echo
from tests.line_reader import LineReader
from typed_ngrok import __version__

pytestmark = [pytest.mark.integration, needs_agent, pytest.mark.timeout(120)]

DEADLINE = 40.0  # seconds for one awaited line (the agent's start included)
SECRET_VARS = ("NGROK_AUTHTOKEN", "NGROK_API_KEY", "TYPED_NGROK_EDGE", "PYNGROK_NGROK_PATH", "TYPED_NGROK_AUTH")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Our environment without ngrok settings, with a private HOME (default config paths land in tmp_path)."""
    env = {key: value for key, value in os.environ.items() if key not in SECRET_VARS}
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "home" / ".config"), **extra)
    return env


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typed_ngrok.cli", *args],
        env=_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _one_line_failure(result: subprocess.CompletedProcess[str], code: int, pattern: str) -> None:
    """The failure shape every command promises: exit ``code``, one ``typed-ngrok: error: ...`` line, no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("typed-ngrok: error: "), lines[0]
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in result.stderr + result.stdout


class Cli:
    """A running ``typed-ngrok`` whose stdout lines are awaited one at a time, each with a deadline."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self._out = LineReader(proc.stdout)
        self.lines = self._out.queue
        self.stderr: list[str] = []
        self.stderr_lines: queue.Queue[str] = queue.Queue()
        self._err = threading.Thread(target=self._collect, args=(proc.stderr,), daemon=True)
        self._err.start()

    def _collect(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.stderr.append(line.rstrip("\n"))
            self.stderr_lines.put(line.rstrip("\n"))

    def line(self) -> str:
        line = self._out.line(DEADLINE)
        if line is None:
            self._err.join(10)
            pytest.fail(f"typed-ngrok ended (code {self.proc.poll()}): {self.stderr}")
        return line

    def agent_pid(self) -> int:
        """The agent: the CLI's one ngrok child."""
        children = [c for c in psutil.Process(self.proc.pid).children(recursive=True) if "ngrok" in c.name()]
        assert len(children) == 1, children
        return children[0].pid

    def stop(self, signum: int) -> int:
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=30)
        self._err.join(10)
        return code


@contextmanager
def cli(tmp_path: Path, *args: str, **env: str) -> Iterator[Cli]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "typed_ngrok.cli", *args],
        env=_env(tmp_path, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield Cli(proc)
    finally:
        reap(proc)


def _agent_args(tmp_path: Path) -> list[str]:
    cfg = agent_config(tmp_path / "agent")
    assert cfg.config_path is not None
    return ["--local", "--ngrok-path", cfg.ngrok_path, "--config", cfg.config_path]


def _gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3} .+) (?P<ms>\d+\.\d\d)ms$")


def test_http_local_logs_real_requests_lists_replays_and_stops_on_sigint(tmp_path: Path) -> None:
    with (
        http_upstream() as upstream,
        cli(tmp_path, "http", str(upstream.server_address[1]), "--name", "web", *_agent_args(tmp_path)) as run,
    ):
        port = upstream.server_address[1]
        url, arrow, target = run.line().split(" ")
        assert url.startswith("https://") and arrow == "->" and target == f"http://localhost:{port}"
        ca = run.line().removeprefix("https clients must trust the local edge's CA: ")
        assert Path(ca).is_file()
        api_url = re.fullmatch(r"agent API: (\S+) \(typed-ngrok requests --api-url \1\)", run.line())
        assert api_url is not None
        agent_pid = run.agent_pid()

        with httpx.Client(verify=ssl.create_default_context(cafile=ca), trust_env=False, timeout=20) as client:
            assert client.get(f"{url}/hello?x=1").text == "GET /hello?x=1 0"
            logged = REQUEST_LINE.fullmatch(run.line())
            assert logged is not None and logged["method"] == "GET" and logged["path"] == "/hello?x=1"
            assert logged["status"] == "200 OK"
            assert client.post(f"{url}/hook", content=b"{}").status_code == 200
            assert run.line().startswith("POST /hook 200 OK ")

        listing = _run(tmp_path, "requests", "--api-url", api_url[1])
        assert listing.returncode == 0 and listing.stderr == ""
        rows = [row.split("\t") for row in listing.stdout.splitlines()]
        assert [(row[3], row[4]) for row in rows] == [("POST", "/hook"), ("GET", "/hello?x=1")] or [
            (row[3], row[4]) for row in rows
        ] == [("GET", "/hello?x=1"), ("POST", "/hook")]  # 2.3.41's start is to the second (see get_requests)
        assert all(row[0].startswith("airt_") and row[5] == "200 OK" for row in rows)
        limited = _run(tmp_path, "requests", "--api-url", api_url[1], "--limit", "1")
        assert limited.returncode == 0 and len(limited.stdout.splitlines()) == 1
        named = _run(tmp_path, "requests", "--api-url", api_url[1], "--tunnel", "web")
        assert named.returncode == 0 and sorted(named.stdout.splitlines()) == sorted(listing.stdout.splitlines())
        assert {row[2] for row in rows} == {"web"}
        other = _run(tmp_path, "requests", "--api-url", api_url[1], "--tunnel", "we")  # exact names, not prefixes
        assert other.returncode == 0 and other.stdout == ""
        unknown = _run(tmp_path, "replay", "airt_unknown", "--api-url", api_url[1])
        _one_line_failure(unknown, 1, r"404")

        get_id = next(row[0] for row in rows if row[3] == "GET")
        replayed = _run(tmp_path, "replay", get_id, "--api-url", api_url[1], "--tunnel-url", url)
        assert replayed.returncode == 0, replayed.stderr
        assert replayed.stdout.startswith(f"replayed {get_id} through ")
        assert run.line().startswith("GET /hello?x=1 200 OK ")  # the replay is captured, and logged, too
        assert len(upstream.hits) == 3  # type: ignore[attr-defined]

        assert run.stop(signal.SIGINT) == 0
        assert _gone(agent_pid)
        assert "Traceback" not in "\n".join(run.stderr)
    unreachable = _run(tmp_path, "requests", "--api-url", api_url[1])  # the agent's API went with it
    _one_line_failure(unreachable, 1, r"Connection refused")


def test_tcp_local_echoes_and_stops_on_sigterm(tmp_path: Path) -> None:
    with tcp_echo() as port, cli(tmp_path, "tcp", str(port), *_agent_args(tmp_path)) as run:
        url, arrow, target = run.line().split(" ")
        assert url.startswith("tcp://") and arrow == "->" and target.endswith(f":{port}")
        assert run.line().startswith("agent API: http://127.0.0.1:")  # no CA line: tcp is not TLS
        agent_pid = run.agent_pid()
        host, _, public_port = url.removeprefix("tcp://").rpartition(":")
        assert echo_through(host, int(public_port), b"ping through the cli") == b"ping through the cli"
        assert run.stop(signal.SIGTERM) == 0
        assert _gone(agent_pid)


def test_version_names_typed_ngrok_and_the_agent(tmp_path: Path) -> None:
    result = _run(tmp_path, "version", "--ngrok-path", str(AGENT))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"typed-ngrok {__version__}", f"ngrok agent 2.3.41 ({AGENT})"]
    missing = tmp_path / "nowhere" / "ngrok"
    absent = _run(tmp_path, "version", "--ngrok-path", str(missing))
    assert absent.returncode == 0 and not missing.exists()  # nothing is installed
    assert absent.stdout.splitlines()[1] == f"ngrok agent: not installed at {missing} (installed on first use)"


@pytest.mark.parametrize("script", ["exec sleep 300", 'echo "not an agent"'], ids=["hangs", "no-version-line"])
def test_version_of_a_binary_that_does_not_tell_is_unknown(tmp_path: Path, script: str) -> None:
    """``version`` uses the start's own probe (its 5 s cap): a binary that hangs on ``--version`` is "unknown", the
    command does not wait for it."""
    binary = tmp_path / "ngrok"
    binary.write_text(f"#!/bin/sh\n{script}\n")
    binary.chmod(0o755)
    result = subprocess.run(
        [sys.executable, "-m", "typed_ngrok.cli", "version", "--ngrok-path", str(binary)],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=30,  # the probe's cap is 5 s; without it the command would wait for the binary (300 s)
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"typed-ngrok {__version__}", f"ngrok agent unknown ({binary})"]


def test_dash_dash_version_is_typed_ngroks_own(tmp_path: Path) -> None:
    """``--version`` is ours (the agent's is ``typed-ngrok version``, or ``typed-ngrok -- version`` never needed):
    it does not run or install the agent."""
    result = _run(tmp_path, "--version", PYNGROK_NGROK_PATH=str(tmp_path / "nowhere"))
    assert result.returncode == 0 and result.stdout == f"typed-ngrok {__version__}\n"


def test_other_commands_pass_through_to_the_agent_with_its_exit_code(tmp_path: Path) -> None:
    credits = _run(tmp_path, "credits", PYNGROK_NGROK_PATH=str(AGENT))
    assert credits.returncode == 0 and "ngrok" in credits.stdout.lower()
    own = subprocess.run([str(AGENT), "bogus-command"], capture_output=True, text=True, check=False)
    assert own.returncode != 0
    bogus = _run(tmp_path, "bogus-command", PYNGROK_NGROK_PATH=str(AGENT))
    assert bogus.returncode == own.returncode
    assert "Unrecognized command: bogus-command" in bogus.stdout + bogus.stderr


@pytest.mark.parametrize(
    ("args", "code", "pattern"),
    [
        (["http", "99999"], 1, r'"addr" port must be between 1 and 65535, got 99999'),
        (["http", "8000", "--bogus"], 2, r"unrecognized arguments: --bogus"),
        (["tcp"], 2, r"the following arguments are required: addr"),
        (["requests", "--limit", "many"], 2, r"argument --limit: invalid int value: 'many'"),
        (["http", "8000", "--auth"], 2, r"--auth needs the user:pass in \$TYPED_NGROK_AUTH"),
    ],
    ids=["bad-port", "unknown-option", "missing-addr", "bad-limit", "auth-without-env"],
)
def test_command_line_mistakes_are_one_line(tmp_path: Path, args: list[str], code: int, pattern: str) -> None:
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    result = _run(tmp_path, *args, *(_agent_args(tmp_path) if args[0] == "http" and "--bogus" not in args else []))
    _one_line_failure(result, code, pattern)
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before


def test_an_agent_that_cannot_run_is_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "ngrok"
    broken.write_text("not a binary\n")  # exists (nothing is installed over it) but cannot be executed
    config = tmp_path / "ngrok.yml"
    result = _run(tmp_path, "http", "8000", "--local", "--ngrok-path", str(broken), "--config", str(config))
    _one_line_failure(result, 1, re.escape(str(broken)))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "switch"), [(["http", "8000"], "--local"), (["credits"], "TYPED_NGROK_EDGE=local")], ids=["http", "pass"]
)
def test_offline_without_local_is_one_line(tmp_path: Path, args: list[str], switch: str) -> None:
    """Without ``--local`` the v3 agent would be downloaded from ngrok's CDN: offline (every proxy a closed loopback
    port, so nothing leaves the machine) that is one clear line naming the offline switch, not a traceback."""
    dead = f"http://127.0.0.1:{_closed_port()}"
    result = _run(
        tmp_path,
        *args,
        PYNGROK_NGROK_PATH=str(tmp_path / "v3" / "ngrok"),
        HTTPS_PROXY=dead,
        HTTP_PROXY=dead,
        ALL_PROXY=dead,
        NO_PROXY="",
        https_proxy=dead,
        http_proxy=dead,
        all_proxy=dead,
        no_proxy="",
    )
    _one_line_failure(result, 1, rf"downloading ngrok .* \(offline\? {switch} uses typed-ngrok's local edge")
    assert not (tmp_path / "v3" / "ngrok").exists()


def test_an_invalid_typed_ngrok_edge_is_one_line(tmp_path: Path) -> None:
    result = _run(tmp_path, "http", "8000", TYPED_NGROK_EDGE="moon")
    _one_line_failure(result, 1, r"TYPED_NGROK_EDGE must be one of \['ngrok', 'local'\], got 'moon'")


def test_tls_local_prints_the_url_and_the_ca(tmp_path: Path) -> None:
    with cli(tmp_path, "tls", "8443", *_agent_args(tmp_path)) as run:
        url, arrow, target = run.line().split(" ")
        assert url.startswith("tls://") and arrow == "->" and target.endswith(":8443"), (url, target)
        assert Path(run.line().removeprefix("https clients must trust the local edge's CA: ")).is_file()
        assert run.line().startswith("agent API: http://127.0.0.1:")
        agent_pid = run.agent_pid()
        assert run.stop(signal.SIGINT) == 0
        assert _gone(agent_pid)


def test_edge_serves_until_sigint(tmp_path: Path) -> None:
    with cli(tmp_path, "edge") as run:
        assert run.line().startswith("# typed-ngrok local edge on 127.0.0.1:")
        lines = [run.line()]
        while not lines[-1].startswith("# ngrok's SDKs: server_addr "):
            lines.append(run.line())
        server_addr = next(line for line in lines if line.startswith("server_addr: ")).split(": ", 1)[1]
        host, _, port = server_addr.strip("'\"").rpartition(":")
        socket.create_connection((host, int(port)), timeout=10).close()
        assert run.stop(signal.SIGINT) == 0
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((host, int(port)), timeout=10)


def test_interrupt_while_the_agent_starts_stops_it_and_exits_130(tmp_path: Path) -> None:
    """Ctrl-C before the tunnel is up abandons the start: the agent (here a stand-in that never becomes ready and
    tells the test its pid through a FIFO once spawned) is stopped, and the exit code is 130."""
    fifo = tmp_path / "started"
    os.mkfifo(fifo)
    binary = never_ready_binary(tmp_path, tell_pid_to=fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with cli(
            tmp_path, "http", "8000", "--local", "--ngrok-path", str(binary), "--config", str(tmp_path / "c.yml")
        ) as run:
            readable, _, _ = select.select([reader], [], [], DEADLINE)
            assert readable, "the stand-in agent was not started"
            agent_pid = int(os.read(reader, 64).decode().strip())
            assert run.stop(signal.SIGINT) == 130
            assert _gone(agent_pid)
            assert "Traceback" not in "\n".join(run.stderr)
    finally:
        os.close(reader)


def test_auth_credentials_come_from_the_environment_and_are_never_printed(tmp_path: Path) -> None:
    secret = "alice:pw-7Hq2-secret"
    with (
        http_upstream() as upstream,
        cli(
            tmp_path, "http", str(upstream.server_address[1]), "--auth", *_agent_args(tmp_path), TYPED_NGROK_AUTH=secret
        ) as run,
    ):
        url = run.line().split(" ")[0]
        ca = run.line().removeprefix("https clients must trust the local edge's CA: ")
        shown = [run.line()]
        agent = psutil.Process(run.agent_pid())
        assert secret not in " ".join(agent.cmdline())
        assert "TYPED_NGROK_AUTH" not in agent.environ()  # the agent does not need it (the edge gets it in config)
        with httpx.Client(verify=ssl.create_default_context(cafile=ca), trust_env=False, timeout=20) as client:
            assert client.get(f"{url}/private").status_code == 401  # refused at the edge: never reaches the agent
            user, _, password = secret.partition(":")
            assert client.get(f"{url}/private", auth=(user, password)).status_code == 200
            shown.append(run.line())
            assert shown[-1].startswith("GET /private 200 OK ")
        assert run.stop(signal.SIGINT) == 0
        shown += [line for line in iter(run.lines.get, None)]  # the rest, to the end of the output
        printed = "\n".join(shown + run.stderr)
        assert "pw-7Hq2" not in printed and "alice" not in printed


def test_the_installed_console_script_is_this_cli(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("typed-ngrok")
    if not script.exists():
        pytest.skip(f"no installed console script next to {sys.executable} (pip install -e .)")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout) == (0, f"typed-ngrok {__version__}\n")


SPAWN_LOG_HOOK = """import json, os, sys

def _record(event, args):
    if event == "subprocess.Popen":
        with open(os.environ["TYPED_NGROK_TEST_SPAWN_LOG"], "a") as log:
            log.write(json.dumps([str(part) for part in args[1]]) + "\\n")

sys.addaudithook(_record)
"""


def _spawn_log(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A log of every ``subprocess.Popen`` the CLI makes, one JSON argv a line, written by an audit hook in the CLI's
    own interpreter (a ``sitecustomize`` on its ``PYTHONPATH``) before the child is forked: unlike anything the child
    does, it cannot be lost to the child being killed at once. Returns the log and the env for :func:`cli`."""
    hook_dir = tmp_path / "spawn-hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(SPAWN_LOG_HOOK)
    log = tmp_path / "spawned.jsonl"
    log.touch()
    path = os.pathsep.join([str(hook_dir), *([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])])
    return log, {"PYTHONPATH": path, "TYPED_NGROK_TEST_SPAWN_LOG": str(log)}


def test_interrupt_before_the_agent_is_spawned_spawns_none(tmp_path: Path) -> None:
    """Ctrl-C while the start has not spawned the agent yet (here: while the binary's version is checked, held by
    the test) ends the start there: no agent is spawned, exit code 130. The CLI's own Popen log is the proof (the
    stand-in telling its pid is not: an agent terminated at once may die before it writes it)."""
    spawn_log, hook_env = _spawn_log(tmp_path)
    asked, release = tmp_path / "asked", tmp_path / "release"
    os.mkfifo(asked)
    os.mkfifo(release)
    binary = tmp_path / "ngrok"
    binary.write_text(
        f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo version > {asked}; read x < {release}; '
        'echo "ngrok version 2.3.41"; exit 0; fi\n'
        f"echo $$ > {asked}\nexec sleep 300\n"
    )
    binary.chmod(0o755)
    reader = os.open(asked, os.O_RDWR | os.O_NONBLOCK)  # RDWR: no EOF between two writers
    config = str(tmp_path / "c.yml")
    try:
        with cli(
            tmp_path, "http", "8000", "--local", "--ngrok-path", str(binary), "--config", config, **hook_env
        ) as run:
            assert select.select([reader], [], [], DEADLINE)[0], "the version check did not start"
            assert os.read(reader, 64) == b"version\n"
            run.proc.send_signal(signal.SIGINT)
            assert (
                run.stderr_lines.get(timeout=DEADLINE)
                == "typed-ngrok: stopping the agent's start (again to quit at once)"
            )
            with open(release, "w") as go:  # the version check answers; the abandoned start ends there
                go.write("go\n")
            assert run.proc.wait(timeout=DEADLINE) == 130
            assert not select.select([reader], [], [], 0)[0], "an agent was spawned"
        spawned = [json.loads(line) for line in spawn_log.read_text().splitlines()]
        assert spawned == [[str(binary), "--version"]]  # the version check (the hook works), and no agent
    finally:
        os.close(reader)


def test_auth_credentials_never_reach_the_agents_environment(tmp_path: Path) -> None:
    """Neither the binary's version check nor the agent inherits ``TYPED_NGROK_AUTH`` (a stand-in binary writes
    its environment to a file on each run, then the start fails)."""
    binary = tmp_path / "ngrok"
    binary.write_text(
        '#!/bin/sh\nif [ "$1" = "--version" ]; then env > "$0.version-env"; echo "ngrok version 2.3.41"; exit 0; fi\n'
        'env > "$0.agent-env"\nexit 3\n'
    )
    binary.chmod(0o755)
    secret = "alice:pw-9Zk4-secret"
    result = _run(
        tmp_path, "http", "8000", "--auth", "--local", "--ngrok-path", str(binary), "--config",
        str(tmp_path / "c.yml"), TYPED_NGROK_AUTH=secret, TYPED_NGROK_PROBE="seen",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    for dump in ("version-env", "agent-env"):
        env = (tmp_path / f"ngrok.{dump}").read_text()
        assert "TYPED_NGROK_PROBE=seen" in env  # the dump is the child's environment
        assert "TYPED_NGROK_AUTH" not in env and "pw-9Zk4" not in env, dump
