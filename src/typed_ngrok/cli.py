"""The ``typed-ngrok`` command line (``python -m typed_ngrok.cli``).

Commands: ``http``/``tcp``/``tls`` open a tunnel and keep it until Ctrl-C (SIGINT) or SIGTERM, printing the public
URL, the CA to trust for the local edge's https/tls URLs and, for http, one line per captured request; ``edge`` runs
the standalone local edge; ``requests`` lists, and ``replay`` replays, the captured requests of a running agent;
``version`` prints typed-ngrok's version and the installed agent's. Any other first argument is passed to the agent
binary, whose exit code is returned. ``--version`` is typed-ngrok's own (the agent's: ``typed-ngrok version``).

Failures are one line on stderr (``typed-ngrok: error: ...``) and a non-zero exit: 1 for a failed operation, 2 for
a wrong command line (argparse's code), 130 when interrupted before a tunnel was up. Secrets never travel on the
command line: the authtoken is read from ``NGROK_AUTHTOKEN`` (or the agent's config file), ``--auth``'s credentials
from ``TYPED_NGROK_AUTH``.

How captured requests are seen: by polling the agent API's request list (``GET /api/requests/http``), every
:data:`POLL_INTERVAL` seconds, printing each request once (by id) when its response has arrived. The agent's log is no
alternative: 2.3.41 logs one ``join connections`` line per *connection* (several requests share a kept-alive one)
and never the method, path, status or duration.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from typed_ngrok import __version__
from typed_ngrok.exception import PyngrokError, PyngrokNgrokInstallError

if TYPE_CHECKING:
    from typed_ngrok._agent_api.sync import AgentAPI
    from typed_ngrok.agent import CapturedRequest
    from typed_ngrok.conf import PyngrokConfig

__all__ = ["COMMANDS", "POLL_INTERVAL", "build_parser", "format_request", "main"]

PROG = "typed-ngrok"
#: The first arguments typed-ngrok handles itself; anything else goes to the agent binary.
COMMANDS = ("http", "tcp", "tls", "edge", "requests", "replay", "version")
_OWN_FLAGS = ("-h", "--help", "--version")
#: Seconds between two reads of the agent's captured requests while a tunnel is open.
POLL_INTERVAL = 0.5
#: The environment variable ``--auth`` reads its ``user:pass`` from (never the command line).
AUTH_ENV_VAR = "TYPED_NGROK_AUTH"
DEFAULT_API_URL = "http://127.0.0.1:4040"


class CommandLineError(PyngrokError):
    """A command line that cannot be honoured (reported like argparse's errors, exit code 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse, with each usage error as one line (``typed-ngrok: error: ...``) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        hint = f"see '{self.prog} --help'"
        sys.stderr.write(f"{PROG}: error: {message} ({hint})\n")
        sys.exit(2)


def _parent(*, region: bool) -> _Parser:
    """Options shared by the commands that start or run an agent."""
    parent = _Parser(add_help=False)
    parent.add_argument(
        "--local",
        action="store_true",
        help="use typed-ngrok's offline local edge (also: TYPED_NGROK_EDGE=local); no internet needed",
    )
    parent.add_argument("--ngrok-path", help="the agent binary (default: $PYNGROK_NGROK_PATH or typed-ngrok's)")
    parent.add_argument("--config", dest="config_path", help="the agent's config file (default: the agent's own)")
    if region:
        parent.add_argument("--region", help="ngrok region (us, eu, ap, ...)")
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The ``typed-ngrok`` argument parser (every command; the pass-through is decided before it, in :func:`main`)."""
    parser = _Parser(
        prog=PROG,
        description=(
            "typed-ngrok: ngrok tunnels from the command line, offline with --local. Any other command is passed "
            "to the ngrok agent binary (e.g. 'typed-ngrok credits')."
        ),
        epilog="The authtoken is read from NGROK_AUTHTOKEN or the agent's config file, never from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    agent_options = _parent(region=True)
    for proto, what in (("http", "an HTTP(S)"), ("tcp", "a TCP"), ("tls", "a TLS")):
        sub = commands.add_parser(
            proto,
            parents=[agent_options],
            help=f"open {what} tunnel and keep it until Ctrl-C",
            description=f"Open {what} tunnel to ADDR, print its public URL"
            + (" and a line per request" if proto == "http" else "")
            + "; Ctrl-C (or SIGTERM) closes it and stops the agent.",
        )
        sub.add_argument("addr", help="a port (8000), host:port, or (http) a URL")
        sub.add_argument("--name", help="the tunnel's name (or a tunnel defined in the agent's config file)")
        if proto == "http":
            sub.add_argument(
                "--auth",
                action="store_true",
                help=f"require HTTP basic auth; the user:pass is read from ${AUTH_ENV_VAR}",
            )
            sub.add_argument(
                "--bind-tls", choices=["true", "false", "both"], help="v2 agents: https only, http only, or both"
            )
            sub.add_argument(
                "--scheme",
                dest="schemes",
                action="append",
                choices=["http", "https"],
                help="v3 agents: a scheme to serve (repeat for both)",
            )
            sub.add_argument("--host-header", help="rewrite, preserve, or a value for the Host header")
        if proto in ("http", "tls"):
            sub.add_argument("--subdomain", help="the subdomain to ask for")
            sub.add_argument("--hostname", help="the hostname to ask for (a reserved domain)")
        if proto == "tcp":
            sub.add_argument("--remote-addr", help="a reserved TCP address (host:port)")
        sub.set_defaults(handler=_run_tunnel, proto=proto)

    from typed_ngrok.edge import __main__ as edge_main

    edge = commands.add_parser(
        "edge",
        help="run the standalone local edge",
        description="Run typed-ngrok's local edge until Ctrl-C; print the agent config that points an agent at it.",
    )
    edge_main.add_arguments(edge)
    edge.set_defaults(handler=_run_edge)

    listing = commands.add_parser(
        "requests",
        help="list a running agent's captured requests",
        description="List the captured requests of the agent at --api-url, newest first (tab-separated: id, "
        "start, tunnel, method, path, status, duration).",
    )
    listing.add_argument("--api-url", default=DEFAULT_API_URL, help=f"the agent's API (default {DEFAULT_API_URL})")
    listing.add_argument("--tunnel", help="only this tunnel's requests (exact name)")
    listing.add_argument("--limit", type=int, help="at most this many (the newest)")
    listing.set_defaults(handler=_run_requests)

    replay = commands.add_parser(
        "replay",
        help="replay a captured request",
        description="Replay captured request ID to its upstream (or to another tunnel's, by name or public URL).",
    )
    replay.add_argument("id", help="the captured request's id (see 'typed-ngrok requests')")
    replay.add_argument("--api-url", default=DEFAULT_API_URL, help=f"the agent's API (default {DEFAULT_API_URL})")
    target = replay.add_mutually_exclusive_group()
    target.add_argument("--tunnel", help="replay through this tunnel (by name)")
    target.add_argument("--tunnel-url", help="replay through the tunnel with this public URL")
    replay.set_defaults(handler=_run_replay)

    version = commands.add_parser(
        "version",
        parents=[_parent(region=False)],
        help="print typed-ngrok's version and the installed agent's",
        description="Print typed-ngrok's version, and the agent's when it is installed (nothing is installed).",
    )
    version.set_defaults(handler=_run_version)
    return parser


# ---- helpers -------------------------------------------------------------------------------------------------
def _printable(text: str) -> str:
    """``text`` with control characters escaped (a captured path comes from anyone who reaches the URL)."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _duration(nanoseconds: int | None) -> str:
    return "-" if nanoseconds is None else f"{nanoseconds / 1e6:.2f}ms"


def _request_fields(request: CapturedRequest) -> tuple[str, str, str, str]:
    """``(method, path, status, duration)`` of a captured request, control characters escaped."""
    sent = request.request or {}
    answer = request.response
    status = "(no response)" if answer is None else str(answer.get("status") or answer.get("status_code") or "?")
    fields = (str(sent.get("method", "?")), str(sent.get("uri", "?")), status, _duration(request.duration))
    method, path, status, duration = (_printable(field) for field in fields)
    return method, path, status, duration


def format_request(request: CapturedRequest) -> str:
    """One line for a captured request: ``METHOD PATH STATUS DURATION`` (``GET /x 200 OK 0.94ms``)."""
    return " ".join(_request_fields(request))


def _one_line(text: str) -> str:
    return " | ".join(line.strip() for line in text.splitlines() if line.strip()) or "failed"


def _say(text: str, out: TextIO | None = None) -> None:
    print(text, file=out or sys.stdout, flush=True)


def _fail(message: str) -> None:
    print(f"{PROG}: error: {_one_line(message)}", file=sys.stderr, flush=True)


def _config(args: argparse.Namespace, **extra: Any) -> PyngrokConfig:
    """The agent config the command line describes; the local edge (``--local`` or ``TYPED_NGROK_EDGE=local``)
    selects the pinned 2.3.41 agent and its config format, as the library does."""
    from typed_ngrok.conf import EdgeKind, PyngrokConfig

    edge: EdgeKind | None = "local" if args.local else None
    return PyngrokConfig(ngrok_path=args.ngrok_path, config_path=args.config_path, edge=edge, **extra)


def _offline_hint(
    cfg: PyngrokConfig, exc: PyngrokNgrokInstallError, switch: str = "--local"
) -> PyngrokNgrokInstallError:
    """An install failure of ngrok's v3 agent, with the way to work offline; in local mode, unchanged."""
    if cfg.edge == "local":
        return exc
    hint = f"offline? {switch} uses typed-ngrok's local edge and the pinned 2.3.41 agent"
    return PyngrokNgrokInstallError(f"{_one_line(str(exc))} ({hint})")


def _tunnel_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if getattr(args, "auth", False):
        credentials = os.environ.get(AUTH_ENV_VAR, "")
        if not credentials:
            raise CommandLineError(f"--auth needs the user:pass in ${AUTH_ENV_VAR} (never on the command line)")
        options["auth"] = credentials
    if getattr(args, "bind_tls", None) is not None:
        options["bind_tls"] = {"true": True, "false": False}.get(args.bind_tls, args.bind_tls)
    for key in ("schemes", "host_header", "subdomain", "hostname", "remote_addr"):
        value = getattr(args, key, None)
        if value is not None:
            options[key] = value
    return options


def _agent_api(api_url: str, timeout: float = 4.0) -> AgentAPI:
    from typed_ngrok._agent_api.sync import agent_api_for

    return agent_api_for(api_url, timeout)


def _list_requests(api: AgentAPI, tunnel: str | None = None, limit: int | None = None) -> list[CapturedRequest]:
    from typed_ngrok._drive import run_sync
    from typed_ngrok._tunnels import flows

    return run_sync(flows.get_requests(tunnel, limit), api)


# ---- tunnels -------------------------------------------------------------------------------------------------
class _Stop:
    """SIGINT/SIGTERM handler: sets :attr:`event`. While the tunnel is not up yet (:attr:`starting`), the first
    signal also abandons the agent's start for ``ngrok_path`` (the process layer's ``abandon_start``: an agent
    already spawned is terminated now; a start still in an install, the edge's start or the version check spawns
    none), so the start fails at once and cleans up after itself; a second signal abandons again and raises
    KeyboardInterrupt (the user insists: exit 130 at once; the spawn defers signals until its child is registered,
    so none is lost). The command resumes the path's starts when it ends (``resume_starts``).

    The first signal never raises: an exception thrown into the start at an arbitrary point could leave its cleanup
    half done.
    """

    def __init__(self, ngrok_path: str) -> None:
        from typed_ngrok._agent_process.runner import abandon_start  # imported now, not inside the handler

        self.event = threading.Event()
        self.up = threading.Event()  # the start ended (tunnel up, or failed)
        self.ngrok_path = ngrok_path
        self._abandon_start = abandon_start

    @property
    def starting(self) -> bool:
        return not self.up.is_set()

    def abandon(self) -> None:
        """Abandon the start (again): from the handler, and once more when the command closes."""
        self._abandon_start(self.ngrok_path)

    def resume(self) -> None:
        """Later starts of ``ngrok_path`` in this interpreter run normally again (the command is over)."""
        from typed_ngrok._agent_process.runner import resume_starts

        resume_starts(self.ngrok_path)

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if not self.starting:
            self.event.set()
        elif not self.event.is_set():
            self.event.set()
            os.write(2, f"{PROG}: stopping the agent's start (again to quit at once)\n".encode())
            self.abandon()
        else:
            self.abandon()
            raise KeyboardInterrupt


def follow_requests(
    list_requests: Callable[[], list[CapturedRequest]],
    stop: threading.Event,
    alive: Callable[[], bool],
    out: Callable[[str], None],
    interval: float = POLL_INTERVAL,
) -> None:
    """Print each captured request once, oldest first, as soon as its response has arrived, until ``stop`` is set.

    A request still waiting for its response is printed by a later poll. Only the ids still listed are remembered
    (the agent drops old entries; a dropped id never comes back).

    Raises:
        PyngrokNgrokError: the agent stopped, or answered with something malformed.
    """
    from typed_ngrok.exception import PyngrokNgrokError, PyngrokNgrokURLError

    printed: set[str] = set()
    while not stop.is_set():
        try:
            listed = list_requests()
        except PyngrokNgrokURLError:
            if not alive():
                raise PyngrokNgrokError("the ngrok agent stopped unexpectedly") from None
            listed = []  # a slow answer: the next poll reads again
        else:
            for request in reversed(listed):
                if request.id not in printed and not request.pending:
                    out(format_request(request))
                    printed.add(request.id)
            printed &= {request.id for request in listed}
        if stop.wait(interval):
            return
        if not alive():
            raise PyngrokNgrokError("the ngrok agent stopped unexpectedly")


def _run_tunnel(args: argparse.Namespace) -> int:
    from typed_ngrok import ngrok
    from typed_ngrok._tunnels.flows import require_api_url

    cfg = _config(args, region=args.region, start_new_session=True)  # a terminal's Ctrl-C reaches us, not the agent
    options = _tunnel_options(args)
    stop = _Stop(cfg.ngrok_path)
    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    public_url: str | None = None
    try:
        try:
            tunnel = ngrok.connect(args.addr, args.proto, args.name, cfg, **options)
        except PyngrokNgrokInstallError as exc:
            raise _offline_hint(cfg, exc) from exc
        except PyngrokError:
            if stop.event.is_set():
                return 130  # the start was abandoned (its failure is the one we caused)
            raise
        finally:
            stop.up.set()
        public_url = tunnel.public_url
        if stop.event.is_set():
            return 130  # interrupted while starting; the start won the race: close what it opened
        agent = ngrok.get_ngrok_process(cfg)
        _say(f"{public_url} -> {tunnel.config.get('addr', args.addr)}")
        if cfg.edge == "local" and args.proto != "tcp":
            _say(f"https clients must trust the local edge's CA: {agent.ca_path}")
        _say(f"agent API: {agent.api_url} (typed-ngrok requests --api-url {agent.api_url})")
        _say(f"{PROG}: serving until Ctrl-C", sys.stderr)
        if args.proto == "http":
            api = _agent_api(require_api_url(agent.api_url, cfg.ngrok_path), float(cfg.request_timeout))
            follow_requests(lambda: _list_requests(api), stop.event, lambda: not agent.exited, _say)
        else:
            stop.event.wait()
        return 0
    finally:
        try:
            if stop.event.is_set() and public_url is None:
                stop.abandon()  # whatever the abandoned start spawned meanwhile is stopped too
            _close(cfg, public_url)
        finally:
            try:
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
            finally:  # after the close and once our handler is gone: a later cli.main() here may start it again
                stop.resume()


def _close(cfg: PyngrokConfig, public_url: str | None) -> None:
    """Disconnect the tunnel, then stop the agent (and the local edge started with it), even if disconnecting
    failed; the first failure is raised after both were tried."""
    from typed_ngrok import ngrok, process

    failure: PyngrokError | None = None
    if public_url is not None and process.is_process_running(cfg.ngrok_path):
        try:
            ngrok.disconnect(public_url, cfg)
        except PyngrokError as exc:
            failure = exc
    ngrok.kill(cfg)
    if failure is not None:
        raise failure


# ---- other commands ------------------------------------------------------------------------------------------
def _run_edge(args: argparse.Namespace) -> int:
    from typed_ngrok.edge import __main__ as edge_main

    edge_main.serve(args)
    return 0


def _run_requests(args: argparse.Namespace) -> int:
    for request in _list_requests(_agent_api(args.api_url), args.tunnel, args.limit):
        head = (request.id, request.start or "-", request.tunnel_name or "-")
        _say("\t".join((*(_printable(field) for field in head), *_request_fields(request))))
    return 0


def _run_replay(args: argparse.Namespace) -> int:
    from typed_ngrok._drive import run_sync
    from typed_ngrok._tunnels import flows

    api = _agent_api(args.api_url)
    name = args.tunnel
    if args.tunnel_url is not None:
        names = [t.get("name") for t in api.list_tunnels() if t.get("public_url") == args.tunnel_url]
        if not names or not isinstance(names[0], str):
            raise PyngrokError(f"the agent at {args.api_url} has no tunnel with the public URL {args.tunnel_url}")
        name = names[0]
    run_sync(flows.replay_request(args.id, name), api)
    _say(f"replayed {_printable(args.id)}" + (f" through {_printable(name)}" if name else ""))
    return 0


def _run_version(args: argparse.Namespace) -> int:
    from typed_ngrok._agent_process.sync import probe_version

    cfg = _config(args)
    _say(f"{PROG} {__version__}")
    if os.path.exists(cfg.ngrok_path):
        _say(f"ngrok agent {probe_version(cfg.ngrok_path) or 'unknown'} ({cfg.ngrok_path})")
    else:
        _say(f"ngrok agent: not installed at {cfg.ngrok_path} (installed on first use)")
    return 0


def _pass_through(argv: list[str]) -> int:
    """Run the agent binary with ``argv`` in the foreground (installed first when missing, as pyngrok's command
    does); its exit code is ours."""
    from typed_ngrok import ngrok, process
    from typed_ngrok.conf import PyngrokConfig

    cfg = PyngrokConfig()  # $PYNGROK_NGROK_PATH, $TYPED_NGROK_EDGE
    try:
        ngrok.install_ngrok(cfg)
    except PyngrokNgrokInstallError as exc:
        raise _offline_hint(cfg, exc, "TYPED_NGROK_EDGE=local") from exc
    return process._run_foreground(cfg.ngrok_path, argv)


#: Options of both typed-ngrok's commands and the agent's command line (``ngrok --config x.yml start --all``).
_AGENT_GLOBAL_FLAGS = ("--config", "--region")


@functools.cache
def _command_options() -> frozenset[str]:
    """The option strings of typed-ngrok's own commands (``--local``, ``--ngrok-path``, ...), help excluded (built
    once per process: the parser is the same every time)."""
    commands = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return frozenset(
        option
        for action in commands
        for sub in action.choices.values()
        for sub_action in sub._actions
        for option in sub_action.option_strings
        if option not in ("-h", "--help")
    )


def _refuse_options_before_the_command(args: list[str]) -> None:
    """An option of typed-ngrok's commands before the command (``typed-ngrok --local http 8000``) would go to the
    agent as a pass-through: refused, naming the order that works. An option the agent shares (``--config``,
    ``--region``) is refused only when one of typed-ngrok's commands follows it.

    Raises:
        CommandLineError: ``args`` starts with such an option.
    """
    if not args or not args[0].startswith("-") or args[0] in _OWN_FLAGS:
        return
    first = args[0].split("=", 1)[0]
    if first not in _command_options():
        return
    at = next((i for i, arg in enumerate(args) if arg in COMMANDS), None)
    if at is None and first in _AGENT_GLOBAL_FLAGS:
        return  # the agent's own global option: passed through
    example = " ".join([PROG, *args[at:], *args[:at]]) if at is not None else f"{PROG} http 8000 {args[0]}"
    raise CommandLineError(
        f"{args[0]} is an option of typed-ngrok's commands: put options after the command: {example}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``typed-ngrok`` with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        _refuse_options_before_the_command(args)
        if args and args[0] not in COMMANDS and args[0] not in _OWN_FLAGS:
            return _pass_through(args)
        parser = build_parser()
        parsed, extra = parser.parse_known_args(args)
        if extra:  # named by the command they were given to (argparse names the top level)
            _Parser(prog=f"{PROG} {parsed.command}").error(f"unrecognized arguments: {' '.join(extra)}")
        if parsed.command is None:
            parser.print_help()
            return 2
        code: int = parsed.handler(parsed)
        return code
    except KeyboardInterrupt:
        return 130
    except CommandLineError as exc:
        _fail(str(exc))
        return 2
    except (PyngrokError, OSError) as exc:
        _fail(str(exc) or type(exc).__name__)
        return 1
    except Exception as exc:  # a bug: still one line, never a traceback
        _fail(f"unexpected {type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
