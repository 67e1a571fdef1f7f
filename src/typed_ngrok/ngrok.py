"""pyngrok-compatible tunnels API: ``connect``, ``disconnect``, ``get_tunnels``, ``kill``, ``api_request``, ...

Same names, signatures and defaults as ``pyngrok.ngrok`` 9.1.0; porting is ``from typed_ngrok import ngrok``.
Differences on purpose (see the README's "coming from pyngrok" table):

- The tunnel registry is per agent and thread-safe; ``get_tunnels``/``kill`` only touch their own agent's.
- Options are translated for the agent's version. v3 agents get pyngrok's upgrade (``bind_tls`` → ``schemes``,
  ``auth`` → ``basic_auth``); v2 agents (``ngrok_version="2"`` or ``config_version="2"``), which silently ignore the
  v3 spellings, get them translated back (``schemes`` → ``bind_tls``, one ``basic_auth`` credential → ``auth``).
  Both spellings of one option at once, or a value the v2 agent cannot express, is a ``PyngrokError``.
- An http tunnel is **https-only by default** on every agent: a v2 http tunnel with neither ``bind_tls`` nor
  ``schemes`` (in the call or its config-file definition) is sent ``bind_tls: true``, so it gives the one https
  tunnel pyngrok 9.1.0 gives on v3 agents. ``bind_tls="both"`` (or ``schemes=["http", "https"]``, or a definition
  saying so) makes the v2 agent add a ``<name> (http)`` companion: ``connect`` returns the **https** tunnel (what
  the agent returns), the companion is tracked, and ``disconnect`` of the https tunnel also removes it.
- v3 ``upstream.url`` keeps ``host:port`` (pyngrok turns it into ``localhost:host:port``); v3 agents older than
  3.30 (no ``/api/endpoints``) fall back to ``/api/tunnels``.
- ``api_request`` sends a ``{}`` body, returns ``{}`` for an empty body and never leaks ``JSONDecodeError``.
- ``api()`` never puts the API key on the command line, and refuses a v2 agent (``ngrok_version="2"``: no ``api``
  command) before running anything.
- Arguments are checked before any I/O, with a ``PyngrokError`` naming the argument: ``addr`` (a port 1..65535, an
  int or a str, ``host:port`` or a URL; not a float or a list), ``proto`` (``"http"``, ``"tcp"``, ``"tls"``), the
  option types of :class:`TunnelOptions` (``auth`` must be ``"user:pass"``, ``subdomain`` DNS labels, ...),
  ``pyngrok_config`` (a ``PyngrokConfig`` or None), ``disconnect``'s ``public_url`` (a str). For a v2 agent, options
  it would silently ignore (``domain``, ``oauth``, ...) are refused.
- ``connect(name=...)`` with a name this agent already runs a tunnel under (one that ``connect``/``get_tunnels``
  recorded) raises a ``PyngrokError``: 2.3.41 would silently replace the first tunnel's entry and leave its bind
  public; v3 agents >= 3.29 refuse it themselves.
- ``connect``/``get_tunnels`` return :class:`ConnectedTunnel` (an ``NgrokTunnel`` whose ``public_url`` is a
  ``str``); ``NgrokTunnel(data, ...)`` built by hand keeps pyngrok's ``public_url: str | None``.

Every agent call goes through the generated client over one kept-alive connection per agent. Importing this
module is cheap: httpx, the generated client and YAML load on first use.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING, Any, Unpack

from typed_ngrok import __version__, conf
from typed_ngrok._tunnels.model import (
    ConnectedTunnel,
    ConnMetrics,
    HttpMetrics,
    NgrokApiResponse,
    NgrokTunnel,
    TunnelConfig,
    TunnelMetrics,
    Upstream,
)
from typed_ngrok._tunnels.resolve import agent_format as _agent_format
from typed_ngrok._tunnels.resolve import check_public_url as _check_public_url
from typed_ngrok._tunnels.resolve import resolve_config as _cfg
from typed_ngrok.conf import PyngrokConfig

if TYPE_CHECKING:
    from collections.abc import Iterator

    from typed_ngrok._agent_api.sync import AgentAPI
    from typed_ngrok._tunnels.flows import Agent
    from typed_ngrok._tunnels.requests import Proto, TunnelOptions, UpstreamOptions
    from typed_ngrok.process import NgrokProcess

__all__ = [
    "ConnMetrics",
    "ConnectedTunnel",
    "HttpMetrics",
    "NgrokApiResponse",
    "NgrokTunnel",
    "Proto",
    "TunnelConfig",
    "TunnelMetrics",
    "TunnelOptions",
    "Upstream",
    "UpstreamOptions",
    "api",
    "api_request",
    "connect",
    "connect_all",
    "disconnect",
    "get_ngrok_process",
    "get_tunnels",
    "get_version",
    "install_ngrok",
    "kill",
    "main",
    "run",
    "set_api_key",
    "set_auth_token",
    "tunnel",
    "update",
]

NgrokTunnel.__module__ = __name__
ConnectedTunnel.__module__ = __name__
NgrokApiResponse.__module__ = __name__


_OPTION_TYPES = ("Proto", "TunnelOptions", "UpstreamOptions")


def __getattr__(name: str) -> Any:
    """The option types, loaded on first use (they cost ~10 ms to import and are only needed to annotate code)."""
    if name in _OPTION_TYPES:
        from typed_ngrok._tunnels import requests

        return getattr(requests, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _agent(pyngrok_config: PyngrokConfig) -> Agent[AgentAPI]:
    from typed_ngrok._agent_api.sync import agent_api_for
    from typed_ngrok._tunnels.flows import Agent, require_api_url
    from typed_ngrok._tunnels.registry import registry_for

    api_url = require_api_url(get_ngrok_process(pyngrok_config).api_url, pyngrok_config.ngrok_path)
    api = agent_api_for(api_url, float(pyngrok_config.request_timeout))
    return Agent(pyngrok_config, api_url, api, registry_for(pyngrok_config.ngrok_path, api_url))


def install_ngrok(pyngrok_config: PyngrokConfig | None = None) -> None:
    """Install the agent at ``ngrok_path`` and create the default config file, when missing.

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokInstallError: the download, verification or unpacking failed.
    """
    from typed_ngrok import installer

    cfg = _cfg(pyngrok_config)
    if not os.path.exists(cfg.ngrok_path):
        installer.install_ngrok(cfg.ngrok_path, ngrok_version=cfg.ngrok_version)
    config_path = conf.get_config_path(cfg)
    if not os.path.exists(config_path):
        installer.install_default_config(
            config_path, ngrok_version=cfg.ngrok_version, config_version=_agent_format(cfg)
        )


def set_auth_token(token: str, pyngrok_config: PyngrokConfig | None = None) -> None:
    """Save ``token`` as the authtoken in the agent's config file (never via the command line).

    Args:
        token: the ngrok authtoken; never put on a command line and masked in logs and errors.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokError: the config file cannot be written.
    """
    from typed_ngrok import process

    cfg = _cfg(pyngrok_config)
    install_ngrok(cfg)
    process.set_auth_token(cfg, token)


def set_api_key(key: str, pyngrok_config: PyngrokConfig | None = None) -> None:
    """Save ``key`` as the API key in the agent's config file (never via the command line).

    Args:
        key: the ngrok API key; never put on a command line and masked in logs and errors.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokError: the config file cannot be written.
    """
    from typed_ngrok import process

    cfg = _cfg(pyngrok_config)
    install_ngrok(cfg)
    process.set_api_key(cfg, key)


def get_ngrok_process(pyngrok_config: PyngrokConfig | None = None) -> NgrokProcess:
    """The running agent for ``ngrok_path``, installing and starting it first when needed.

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        ProcessStartError: the agent exited, printed a fatal error, or was not ready within ``startup_timeout``.
        PyngrokNgrokInstallError: installing it failed.
    """
    from typed_ngrok import process

    cfg = _cfg(pyngrok_config)
    if not process.is_process_running(cfg.ngrok_path):
        install_ngrok(cfg)
    return process.get_process(cfg)


def connect(
    addr: str | int | None = None,
    proto: Proto | None = None,
    name: str | None = None,
    pyngrok_config: PyngrokConfig | None = None,
    **options: Unpack[TunnelOptions],
) -> ConnectedTunnel:
    """Open a tunnel to ``addr`` (default ``"80"``) with ``proto`` (default ``"http"``) and return it.

    ``name`` may name a definition in the agent's config file (it is started as ``<name>-api``, as in pyngrok);
    ``options`` go to the agent as tunnel/endpoint options, translated for its version (``bind_tls``/``auth`` and
    ``schemes``/``basic_auth``, see the module docstring). Starts the agent when it is not running. An http tunnel
    is https-only unless ``bind_tls``/``schemes`` (or its definition) say otherwise; with ``bind_tls="both"`` on a
    v2 agent the **https** tunnel is returned and its ``<name> (http)`` companion is tracked and removed with it.
    The result's ``public_url`` is a ``str`` (:class:`ConnectedTunnel`).

    ``name`` must be free on this agent: a name that a tunnel opened by ``connect`` (or listed by ``get_tunnels``)
    still uses is refused, since 2.3.41 would silently replace that tunnel's entry and leave its bind public (v3
    agents >= 3.29 refuse duplicates themselves). Disconnect the first tunnel, or choose another name.

    Args:
        addr: where the tunnel forwards: a port (``8000`` or ``"8000"``), ``"host:port"``, or a URL
            (``"http://localhost:8000"``); None means ``"80"``, or the ``addr`` of the definition ``name`` names.
        proto: ``"http"``, ``"tcp"`` or ``"tls"``; None takes the definition's, else ``"http"``. An http tunnel gives
            https public URLs (see ``bind_tls``).
        name: the tunnel's name, or a tunnel definition in the agent's config file to start; None generates
            ``<proto>-<port>-<uuid>``.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.
        **options: tunnel/endpoint options (:class:`TunnelOptions`), each listed under Other Parameters; they
            override the definition's. v2-agent keys work on every agent; v3-only keys are refused for a v2 agent.

    Other Parameters:
        inspect (bool): whether the agent captures this tunnel's http requests (default true).
        metadata (str): an opaque string stored with the tunnel, shown in ngrok's dashboard and API.
        bind_tls (bool | str): http tunnels: ``True`` https only (the default here), ``False`` http only, ``"both"``
            both (on a v2 agent a ``<name> (http)`` companion, tracked and removed with the https tunnel). Translated to
            ``schemes`` for v3 agents.
        auth (str | Sequence[str]): http basic auth, ``"user:pass"`` (v2 agents take one credential). Translated to
            ``basic_auth`` for v3 agents.
        schemes (Sequence[str]): v3 spelling of ``bind_tls``: ``["https"]``, ``["http"]`` or both; translated back for
            v2 agents.
        basic_auth (str | Sequence[str]): v3 spelling of ``auth``: ``"user:pass"`` credentials.
        host_header (str): http: rewrite the ``Host`` header sent upstream (``"rewrite"`` or a host name).
        subdomain (str): http: the subdomain of the public URL (DNS labels).
        hostname (str): http: a full host name for the public URL (a reserved domain on ngrok's cloud).
        crt (str): tls: the certificate file the agent terminates TLS with.
        key (str): tls: its private key file.
        client_cas (str): tls: CA file for mutual TLS: clients must present a certificate it signed.
        remote_addr (str): tcp: the ``host:port`` of a reserved TCP address.
        ip_policy (str): the id of an IP policy (ngrok's cloud) that filters clients.
        domain (str): v3: the domain of the public URL (replaces ``hostname``/``subdomain``).
        proxy_proto (str | int): v3: send a PROXY protocol header upstream, version ``"1"`` or ``"2"``.
        compression (bool): v3 http: gzip-compress responses.
        circuit_breaker (float): v3 http: the 5xx ratio above which the edge rejects requests.
        ip_restriction (Mapping[str, Sequence[str]]): v3: ``{"allow_cidrs": [...], "deny_cidrs": [...]}``.
        mutual_tls_cas (str | Sequence[str]): v3 http: CA files for mutual TLS at the edge.
        oauth (Mapping[str, Any]): v3 http: OAuth at the edge (``{"provider": "google", ...}``).
        oidc (Mapping[str, Any]): v3 http: OpenID Connect at the edge (``{"issuer_url": ..., "client_id": ...}``).
        request_header (Mapping[str, Sequence[str]]): v3 http: ``{"add": [...], "remove": [...]}`` on requests.
        response_header (Mapping[str, Sequence[str]]): v3 http: the same on responses.
        user_agent_filter (Mapping[str, Sequence[str]]): v3 http: ``{"allow": [...], "deny": [...]}`` regexes.
        verify_webhook (Mapping[str, str]): v3 http: ``{"provider": ..., "secret": ...}``: only signed webhooks pass.
        websocket_tcp_converter (bool): v3 http: convert websocket connections to TCP upstream.
        terminate_at (str): v3 tls: where TLS ends: ``"edge"``, ``"agent"`` or ``"upstream"``.
        traffic_policy (str | Mapping[str, Any]): v3: a traffic policy document (YAML/JSON text or a mapping).
        labels (Sequence[str]): v3: the labels (``"key=value"``) of a labeled tunnel, routed by ngrok's cloud edges.
        url (str): v3 endpoints (``config_version="3"``): the endpoint's public URL.
        upstream (UpstreamOptions): v3 endpoints: ``{"url": ..., "protocol": "http1"|"http2", "proxy_protocol": ...}``;
            built from ``addr`` when absent.
        bindings (Sequence[str]): v3 endpoints: ``"public"``, ``"internal"`` or ``"kubernetes"``.
        pooling_enabled (bool): v3 endpoints: share the URL with other agents' endpoints (load balancing).
        description (str): v3 endpoints: a human-readable description.
        agent_tls_termination (Mapping[str, Any]): v3 endpoints: TLS termination at the agent (certificate and key).

    Raises:
        PyngrokError: a wrong argument, before any I/O and naming it: ``addr`` not a port 1..65535 / ``host:port``
            / URL (e.g. a float or a list), ``proto`` not http/tcp/tls, an option of the wrong type, ``auth`` or
            ``basic_auth`` not ``"user:pass"``, ``subdomain`` not DNS labels, ``pyngrok_config`` not a
            ``PyngrokConfig``; v3-only options with ``config_version="2"``, or options a v2 agent
            (``ngrok_version="2"``) would ignore; both spellings of one option (``bind_tls`` and ``schemes``,
            ``auth`` and ``basic_auth``); ``schemes`` other than http/https or more than one credential for a v2
            agent; ``name`` already used by a tunnel on this agent; or the agent returned no ``public_url``.
        PyngrokNgrokHTTPError: the agent refused: bad option values it checks (400, ``error_code`` 102), the edge
            refused the bind (502, 103), no session yet (503, 104). ``error_code``, ``message`` and ``details`` are
            the agent's.
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
        ProcessStartError: starting the agent failed.
    """
    from typed_ngrok._drive import run_sync
    from typed_ngrok._tunnels import flows

    cfg = _cfg(pyngrok_config)
    request = flows.connect_request(cfg, addr, proto, name, options)
    agent = _agent(cfg)
    return run_sync(flows.connect(agent, request), agent.api)


def connect_all(pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
    """Start every tunnel/endpoint defined in the agent's config file (``pyngrok-default`` excepted), in order.

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        The same errors as :func:`connect`.
    """
    from typed_ngrok._tunnels.flows import connect_all_names

    cfg = _cfg(pyngrok_config)
    return [connect(name=item, pyngrok_config=cfg) for item in connect_all_names(cfg)]


def get_tunnels(pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
    """Every tunnel (or v3 endpoint) the agent runs, refreshing this agent's registry. Starts the agent if needed.

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
        PyngrokNgrokHTTPError: the agent refused.
        PyngrokError: a listed tunnel has no ``public_url``.
    """
    from typed_ngrok._drive import run_sync
    from typed_ngrok._tunnels import flows

    agent = _agent(_cfg(pyngrok_config))
    return run_sync(flows.get_tunnels(agent), agent.api)


def disconnect(public_url: str, pyngrok_config: PyngrokConfig | None = None) -> None:
    """Close the tunnel with ``public_url`` (and its v2 ``(http)`` companion). Does nothing when no agent runs or
    the URL is unknown; never starts an agent.

    Args:
        public_url: the ``public_url`` of a tunnel ``connect`` or ``get_tunnels`` returned.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokError: ``public_url`` is not a str (before any I/O).
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
        PyngrokNgrokHTTPError: the agent refused (e.g. 500 ``error_code`` 107 while its session is reconnecting).
    """
    from typed_ngrok import process
    from typed_ngrok._drive import run_sync
    from typed_ngrok._tunnels import flows

    _check_public_url(public_url)
    cfg = _cfg(pyngrok_config)
    if not process.is_process_running(cfg.ngrok_path):
        return
    agent = _agent(cfg)
    run_sync(flows.disconnect(agent, public_url), agent.api)


@contextlib.contextmanager
def tunnel(
    addr: str | int | None = None,
    proto: Proto | None = None,
    name: str | None = None,
    pyngrok_config: PyngrokConfig | None = None,
    **options: Unpack[TunnelOptions],
) -> Iterator[ConnectedTunnel]:
    """A context manager: :func:`connect` on entering, :func:`disconnect` on leaving (also when the body raises).

    ``with ngrok.tunnel(8000) as opened: ...`` gives the :class:`ConnectedTunnel` (``opened.public_url`` is a
    ``str``). The arguments are :func:`connect`'s, checked the same way before any I/O. The body may disconnect the
    tunnel itself (leaving is then a no-op); the agent keeps running after the block (stop it with :func:`kill`).

    Args:
        addr: the local port, ``host:port`` or URL to forward to (default ``"80"``).
        proto: ``"http"`` (default), ``"tcp"`` or ``"tls"``.
        name: the tunnel's name, or the name of a definition in the agent's config file.
        pyngrok_config: the agent to use (default: ``conf.get_default()``).
        **options: tunnel options (:class:`TunnelOptions`), as for :func:`connect`.

    Raises:
        PyngrokError: on entering, every error of :func:`connect` (then nothing is open). On leaving after a body
            that succeeded, every error of :func:`disconnect`. When the body raised, its exception is what
            propagates; a failed disconnect is added to it as a note instead of hiding it.
    """
    from typed_ngrok._drive import run_sync
    from typed_ngrok._tunnels import scope

    cfg = _cfg(pyngrok_config)
    this = sys.modules[__name__]  # the flows call this module's connect/disconnect
    opened = run_sync(scope.open_tunnel(addr, proto, name, cfg, options), this)
    try:
        yield opened
    except BaseException as error:
        run_sync(scope.close_tunnel(opened, cfg, error), this)
        raise
    run_sync(scope.close_tunnel(opened, cfg, None), this)


def kill(pyngrok_config: PyngrokConfig | None = None) -> None:
    """Stop the agent for ``ngrok_path`` (SIGTERM, then SIGKILL) and forget its tunnels. No-op when none runs.

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.
    """
    from typed_ngrok import process
    from typed_ngrok._tunnels.registry import forget_agent

    cfg = _cfg(pyngrok_config)
    api_url = None
    if process.is_process_running(cfg.ngrok_path):
        api_url = process.get_process(cfg).api_url
    process.kill_process(cfg.ngrok_path)
    forget_agent(cfg.ngrok_path, api_url)


def api(*args: Any, pyngrok_config: PyngrokConfig | None = None) -> NgrokApiResponse:
    """Run ``ngrok api <args>`` (v3 agents) and parse its output. Does not install the agent.

    A v2 agent (``ngrok_version="2"``) has no ``api`` command: refused with a ``PyngrokError`` before running.

    The API key is the config file's, or ``pyngrok_config.api_key`` (passed in a private 0600 config file, never on
    the command line); secrets are masked in the output and in errors.

    Args:
        *args: the arguments after ``ngrok api``, e.g. ``api("endpoints", "list")``.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokError: the command exited with a non-zero code (its output is in the message).
        PyngrokError: the private config file could not be written.
    """
    from typed_ngrok import process
    from typed_ngrok._agent_process import commands

    cfg = _cfg(pyngrok_config)
    with commands.api_command(cfg, args) as command:
        output = process.capture_run_process(cfg.ngrok_path, command.args, secrets=command.secrets)
    return NgrokApiResponse.from_body(output)


def get_version(pyngrok_config: PyngrokConfig | None = None) -> tuple[str, str]:
    """``(agent version, typed-ngrok version)``, e.g. ``("2.3.41", "0.1.0")``. Installs the agent if needed.

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokError: ``ngrok --version`` failed.
    """
    from typed_ngrok import process
    from typed_ngrok._agent_process import commands

    cfg = _cfg(pyngrok_config)
    install_ngrok(cfg)
    output = process.capture_run_process(cfg.ngrok_path, list(commands.VERSION_ARGS))
    return commands.parse_version(output), __version__


def update(pyngrok_config: PyngrokConfig | None = None) -> str:
    """Run ``ngrok update`` and return its output (contacts ngrok's update server).

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokError: the command failed (its output, secrets masked, is in the message).
    """
    from typed_ngrok import process
    from typed_ngrok._agent_process import commands

    cfg = _cfg(pyngrok_config)
    install_ngrok(cfg)
    command = commands.update_command(cfg)
    return process.capture_run_process(cfg.ngrok_path, command.args, secrets=command.secrets)


def api_request(
    url: str,
    method: str = "GET",
    data: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    timeout: float = 4,
    auth: str | None = None,
) -> dict[str, Any]:
    """Send a JSON request to ``url`` (an agent's API, or ``api.ngrok.com`` with ``auth``) and decode the answer.

    The body is sent whenever ``data`` is not None (so ``{}`` is sent); an empty answer (204) gives ``{}``.

    Args:
        url: an ``http``/``https`` URL: the agent's API, or ``https://api.ngrok.com/...`` with ``auth``.
        method: the HTTP method, default ``"GET"``.
        data: a JSON-serialisable dict sent as the body whenever it is not None (``{}`` too).
        params: query parameters.
        timeout: seconds to wait for the answer (a finite number > 0).
        auth: an ngrok API key, sent as ``Authorization: Bearer <auth>`` with ``Ngrok-Version: 2``; never shown.

    Raises:
        PyngrokSecurityError: the URL's scheme is not http/https (or a redirect led to another scheme).
        PyngrokError: a bad argument, named in the message, before any I/O (``url`` not a str or with an invalid
            host, ``method`` not an HTTP token, ``timeout`` not a finite number of seconds > 0, ``data`` not
            JSON-serialisable, ``params`` not a dict, ``auth`` not a printable ASCII str).
        PyngrokNgrokHTTPError: status >= 400, with the raw body even when it is not JSON.
        PyngrokNgrokURLError: unreachable, a redirect loop, or no answer within ``timeout`` (reason ``"timed out"``).
        PyngrokNgrokError: a successful answer whose body is not a JSON object or cannot be decoded.
    """
    from typed_ngrok._agent_api.api_request import send_api_request, shared_client

    return send_api_request(shared_client(), url, method, data, params, timeout, auth)


def run(args: list[str] | None = None, pyngrok_config: PyngrokConfig | None = None) -> None:
    """Install the agent if needed and run it in the foreground with ``args`` (blocking).

    Args:
        args: the agent's command-line arguments; None or empty runs it with none (it prints its help).
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokError: the binary is missing or an agent already runs for ``ngrok_path``.
    """
    from typed_ngrok import process

    cfg = _cfg(pyngrok_config)
    install_ngrok(cfg)
    process.run_process(cfg.ngrok_path, list(args) if args else [])


def main() -> None:
    """Console entry point: ``typed-ngrok <ngrok args>``; ``version``/``v`` and ``help`` print our version too."""
    args = sys.argv[1:]
    run(args)
    if not args or args[0] in ("help", "-h", "--help"):
        print(f"\nPYNGROK VERSION:\n   {__version__}")
    elif args[0] in ("v", "version", "--version"):
        print(f"pyngrok version {__version__}")
