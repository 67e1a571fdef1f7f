"""typed-ngrok's pytest plugin: public URLs for tests, offline (registered as the ``typed_ngrok`` ``pytest11`` plugin).

Installed with typed-ngrok, pytest loads it on its own; it costs nothing until a test asks for one of its fixtures
(this module imports no httpx, edge or agent code: the fixtures import what they need when they first run).

Fixtures:

- ``ngrok_edge`` (session): typed-ngrok's local edge with a 2.3.41 agent pointed at it, as :class:`NgrokEdge`:
  ``ngrok_edge.pyngrok_config`` (pass it to ``ngrok.connect``/``agent.get_requests`` in the code under test),
  ``ngrok_edge.ca_path`` (the CA file an https client must trust for the tunnels' URLs), ``ngrok_edge.edge``
  (the :class:`~typed_ngrok.edge.LocalEdge`). Stopped at the end of the session.
- ``ngrok_tunnel``: a factory (:class:`TunnelFactory`), ``ngrok_tunnel(port, proto="http", **options)`` opens a
  tunnel on that agent (the arguments of :func:`typed_ngrok.ngrok.connect`) and returns the
  :class:`~typed_ngrok.ngrok.ConnectedTunnel` (``public_url`` is a ``str``); every tunnel is disconnected after the
  test.
- ``ngrok_requests``: :meth:`NgrokEdge.requests` (:class:`RequestsWaiter`): ``ngrok_requests(tunnel, count=1,
  timeout=10)`` waits until the agent has captured ``count`` completed requests on that tunnel and returns them
  oldest first as :class:`~typed_ngrok.agent.CapturedRequest`; :class:`CapturedRequestsTimeout` (an
  ``AssertionError``, so the test fails) when they do not arrive in time.

The agent binary is found as the library finds it for ``edge="local"`` (``$PYNGROK_NGROK_PATH``, else the pinned
2.3.41 agent's own path) and installed there when missing; the ``typed_ngrok_path`` ini option names another
binary (a relative path is relative to the ini file's folder). The agent runs from a symlink in the session's temporary folder with a config file there, so it is this
session's own: the code under test using the default config does not share (or stop) it.

Annotate fixtures with the types of this module, e.g. ``def test_x(ngrok_tunnel: TunnelFactory) -> None``; they
type-check without casts under ``mypy --strict``.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NoReturn, Protocol, Unpack

import pytest

from typed_ngrok.exception import PyngrokError

if TYPE_CHECKING:
    from typed_ngrok.agent import CapturedRequest
    from typed_ngrok.conf import PyngrokConfig
    from typed_ngrok.edge import LocalEdge
    from typed_ngrok.ngrok import ConnectedTunnel, NgrokTunnel, Proto, TunnelOptions

__all__ = [
    "INI_NGROK_PATH",
    "CapturedRequestsTimeout",
    "NgrokEdge",
    "RequestsWaiter",
    "TunnelFactory",
    "ngrok_edge",
    "ngrok_requests",
    "ngrok_tunnel",
    "pytest_addoption",
]

#: The ini option naming the agent binary to use (default: the library's own resolution for ``edge="local"``).
INI_NGROK_PATH = "typed_ngrok_path"
#: Seconds the session's agent has to start (the library's default, 15, is tight on a loaded CI machine).
STARTUP_TIMEOUT = 30

#: Seconds an exchange may read as still being stored (see ``_tunnels.captured.body_still_recording``) before
#: ``ngrok_requests`` counts it anyway: 2.3.41 stores a body within milliseconds, so one still short after this was
#: cut short by the upstream itself and is as complete as it will get.
RECORDING_GRACE = 1.0

_FIXTURE = "ngrok_requests"  # the name argument errors give (the fixture is NgrokEdge.requests)
_POLL_FIRST = 0.01
_POLL_MAX = 0.2


class CapturedRequestsTimeout(PyngrokError, AssertionError):
    """Fewer captured requests than expected arrived before the deadline (a test failure, and a ``PyngrokError``)."""


class TunnelFactory(Protocol):
    """The ``ngrok_tunnel`` fixture: :func:`typed_ngrok.ngrok.connect`'s arguments (``pyngrok_config`` is the
    session agent's), a :class:`~typed_ngrok.ngrok.ConnectedTunnel` back, disconnected after the test."""

    def __call__(
        self,
        addr: str | int,
        proto: Proto | None = None,
        name: str | None = None,
        **options: Unpack[TunnelOptions],
    ) -> ConnectedTunnel: ...


class RequestsWaiter(Protocol):
    """The ``ngrok_requests`` fixture: :meth:`NgrokEdge.requests`."""

    def __call__(self, tunnel: NgrokTunnel | str, count: int = 1, timeout: float = 10) -> list[CapturedRequest]: ...


class NgrokEdge:
    """The session's local edge and agent (the ``ngrok_edge`` fixture).

    Attributes:
        pyngrok_config: the agent's config (``edge="local"``); pass it to typed-ngrok calls in the code under test.
    """

    def __init__(self, pyngrok_config: PyngrokConfig) -> None:
        self.pyngrok_config = pyngrok_config

    def __repr__(self) -> str:
        return f"<NgrokEdge ngrok_path={self.pyngrok_config.ngrok_path!r}>"

    @property
    def ca_path(self) -> str:
        """The CA file an https client must trust for the tunnels' public URLs (the local edge's).

        Raises:
            PyngrokError: the agent could not be (re)started.
        """
        from typed_ngrok import ngrok

        return ngrok.get_ngrok_process(self.pyngrok_config).ca_path

    @property
    def edge(self) -> LocalEdge:
        """The :class:`~typed_ngrok.edge.LocalEdge` the agent is connected to.

        Raises:
            PyngrokError: the agent could not be (re)started.
        """
        from typed_ngrok import ngrok

        edge = ngrok.get_ngrok_process(self.pyngrok_config).edge
        if edge is None:  # edge="local" always starts one; a config changed by hand would not
            raise PyngrokError(f"The agent of {self.pyngrok_config.ngrok_path} runs without the local edge.")
        return edge

    def requests(self, tunnel: NgrokTunnel | str, count: int = 1, timeout: float = 10) -> list[CapturedRequest]:
        """Wait until the agent has captured at least ``count`` completed requests on ``tunnel``; return them all,
        oldest first.

        The agent's captures are read again after short, growing pauses (10 ms up to 200 ms) until there are enough
        or ``timeout`` has passed; a request whose response is still pending is not counted, nor for up to
        :data:`RECORDING_GRACE` seconds one whose body the agent is still storing (2.3.41 stores an answer's head
        first).

        Args:
            tunnel: the tunnel (e.g. from ``ngrok_tunnel``), or its name.
            count: how many completed requests to wait for (an int >= 1).
            timeout: seconds to wait at most (> 0).

        Returns:
            Every completed captured request of the tunnel (at least ``count``), oldest first.

        Raises:
            CapturedRequestsTimeout: fewer than ``count`` arrived within ``timeout``; the message says how many did.
            PyngrokError: a wrong argument (before any I/O), or the agent could not be asked.
        """
        from typed_ngrok import agent
        from typed_ngrok._tunnels.captured import body_still_recording

        name, seconds = _checked_wait(tunnel, count, timeout)
        deadline = time.monotonic() + seconds
        pause = _POLL_FIRST
        recording_since: dict[str, float] = {}
        while True:
            listed = agent.get_requests(name, self.pyngrok_config)
            now = time.monotonic()
            done: list[CapturedRequest] = []
            recording = 0
            for each in listed:
                if each.pending:
                    continue
                if body_still_recording(each.data) and now - recording_since.setdefault(each.id, now) < RECORDING_GRACE:
                    recording += 1
                    continue
                done.append(each)
            if len(done) >= count:
                return done[::-1]  # get_requests gives the newest first
            left = deadline - now
            if left <= 0:
                arrived = ", ".join(_summary(each) for each in done[::-1]) or "none"
                storing = f"; {recording} more still being stored by the agent" if recording else ""
                raise CapturedRequestsTimeout(
                    f"Expected {count} captured request(s) on tunnel {name!r} within {timeout} s; "
                    f"{len(done)} arrived ({arrived}){storing}."
                )
            time.sleep(min(pause, left))
            pause = min(pause * 2, _POLL_MAX)


def _checked_wait(tunnel: object, count: object, timeout: object) -> tuple[str, float]:
    """The tunnel's name and the timeout in seconds of a :meth:`NgrokEdge.requests` call, checked by the library's
    own rules: the tunnel's name as ``get_requests`` checks one, ``count`` as its ``limit`` (but not None), and a
    finite ``timeout`` > 0.

    Raises:
        PyngrokError: a wrong argument (``_errors.argument_error``'s message, naming ``ngrok_requests``).
    """
    from typed_ngrok._errors import argument_error
    from typed_ngrok._shapes import seconds_of
    from typed_ngrok._tunnels.captured import check_tunnel_name
    from typed_ngrok._tunnels.model import NgrokTunnel
    from typed_ngrok._tunnels.resolve import check_limit

    name = tunnel.name if isinstance(tunnel, NgrokTunnel) else tunnel
    if not isinstance(name, str) or not _accepted(check_tunnel_name, name):
        expected = "a tunnel with a name, or a tunnel's name (a non-empty string without control characters)"
        raise argument_error(_FIXTURE, "tunnel", expected, tunnel)
    if count is None or not _accepted(check_limit, count):
        raise argument_error(_FIXTURE, "count", "an int >= 1", count)
    seconds = seconds_of(timeout)
    if not (math.isfinite(seconds) and seconds > 0):
        raise argument_error(_FIXTURE, "timeout", "a finite number of seconds > 0", timeout)
    return name, seconds


def _accepted(check: Callable[[object], object], value: object) -> bool:
    """Whether the library's ``check`` (which raises :class:`PyngrokError` for a wrong value) accepts ``value``."""
    try:
        check(value)
    except PyngrokError:
        return False
    return True


def _summary(captured: CapturedRequest) -> str:
    """``METHOD uri`` of a captured request, for messages."""
    block = captured.request or {}
    return f"{block.get('method', '?')} {block.get('uri', '?')}"


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``typed_ngrok_path`` ini option."""
    parser.addini(
        INI_NGROK_PATH,
        "typed-ngrok plugin: the ngrok 2.3.41 agent binary its fixtures run, relative to the ini file's folder "
        "(default: $PYNGROK_NGROK_PATH, else the path typed-ngrok installs the pinned agent to)",
        default="",
    )


def _ini_path(config: pytest.Config) -> str:
    """The ``typed_ngrok_path`` ini option ("" when unset); a relative path is relative to the ini file's folder
    (else the rootdir), as pytest resolves its own ``paths`` options, never to the current directory."""
    configured = os.path.expanduser(str(config.getini(INI_NGROK_PATH) or "").strip())
    if not configured or os.path.isabs(configured):
        return configured
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    return os.path.join(base, configured)


_GUIDANCE = (
    "typed-ngrok's pytest plugin (ngrok_edge) runs the ngrok 2.3.41 agent from {path}. Install it once with "
    "`python -c \"from typed_ngrok import ngrok, conf; ngrok.install_ngrok(conf.PyngrokConfig(edge='local'))\"` "
    "(it comes from npm: the registry of your npm configuration), or point the plugin at a binary with the "
    "`typed_ngrok_path` ini option or $PYNGROK_NGROK_PATH."
)


def _unavailable(what: str, path: str, error: PyngrokError) -> NoReturn:
    """Fail the fixture with one clear message: what failed, the library's error, and what to do (no traceback
    through typed-ngrok's internals).

    Raises:
        pytest.fail.Exception: always.
    """
    pytest.fail(f"{what}: {type(error).__name__}: {error}\n{_GUIDANCE.format(path=path)}", pytrace=False)


def _session_config(folder: str, ngrok_path: str | None) -> PyngrokConfig:
    """The session agent's config: the library's binary resolution for ``edge="local"`` (installing the agent
    there when missing), run from a symlink in ``folder`` with a config file there.

    Raises:
        pytest.fail.Exception: the binary is missing and could not be installed (the message says what to do).
    """
    from typed_ngrok import ngrok
    from typed_ngrok.conf import PyngrokConfig

    resolved = PyngrokConfig(edge="local", ngrok_path=ngrok_path, config_path=os.path.join(folder, "ngrok.yml"))
    binary = resolved.ngrok_path
    failure: PyngrokError | None = None
    if not os.path.exists(binary):
        try:
            ngrok.install_ngrok(resolved)
        except PyngrokError as error:
            failure = error
    if failure is not None:  # reported outside the except block: one message, not the chain of causes
        _unavailable(f"No ngrok agent at {binary}, and installing it failed", binary, failure)
    link = os.path.join(folder, os.path.basename(binary))
    try:
        os.symlink(os.path.abspath(binary), link)
    except OSError:  # no symlinks here (e.g. Windows without the privilege): run the binary itself
        link = binary
    return PyngrokConfig(
        edge="local", ngrok_path=link, config_path=resolved.config_path, startup_timeout=STARTUP_TIMEOUT
    )


@pytest.fixture(scope="session")
def ngrok_edge(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NgrokEdge]:
    """The session's local edge and 2.3.41 agent (see :class:`NgrokEdge`); stopped at the end of the session."""
    from typed_ngrok import ngrok

    configured = _ini_path(request.config)
    folder = str(tmp_path_factory.mktemp("typed-ngrok"))
    cfg = _session_config(folder, configured or None)
    failure: PyngrokError | None = None
    try:
        ngrok.get_ngrok_process(cfg)
    except PyngrokError as error:
        failure = error
    if failure is not None:
        binary = os.path.realpath(cfg.ngrok_path)
        _unavailable(f"The ngrok agent {binary} did not start", binary, failure)
    try:
        yield NgrokEdge(cfg)
    finally:
        ngrok.kill(cfg)


@pytest.fixture
def ngrok_tunnel(ngrok_edge: NgrokEdge) -> Iterator[TunnelFactory]:
    """A factory: ``ngrok_tunnel(port, proto="http", **options)`` opens a tunnel on the session's agent; each one
    is disconnected after the test."""
    from typed_ngrok import ngrok

    with contextlib.ExitStack() as opened:

        def open_tunnel(
            addr: str | int,
            proto: Proto | None = None,
            name: str | None = None,
            **options: Unpack[TunnelOptions],
        ) -> ConnectedTunnel:
            return opened.enter_context(ngrok.tunnel(addr, proto, name, ngrok_edge.pyngrok_config, **options))

        yield open_tunnel


@pytest.fixture
def ngrok_requests(ngrok_edge: NgrokEdge) -> RequestsWaiter:
    """``ngrok_requests(tunnel, count=1, timeout=10)``: :meth:`NgrokEdge.requests` of the session's agent."""
    return ngrok_edge.requests
