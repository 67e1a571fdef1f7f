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
from typed_ngrok._surface import agent_format as _agent_format
from typed_ngrok._surface import check_name_free as _check_name_free
from typed_ngrok._surface import check_public_url as _check_public_url
from typed_ngrok._surface import companion_names as _companions
from typed_ngrok._surface import resolve_config as _cfg
from typed_ngrok._surface import user_config as _user_config
from typed_ngrok._tunnel import (
    ConnectedTunnel,
    ConnMetrics,
    HttpMetrics,
    NgrokApiResponse,
    NgrokTunnel,
    TunnelConfig,
    TunnelMetrics,
    Upstream,
)
from typed_ngrok._tunnel_request import Proto, TunnelOptions, UpstreamOptions
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokHTTPError, PyngrokNgrokURLError, TunnelNotFoundError

if TYPE_CHECKING:
    from typed_ngrok._agent_api import AgentAPI
    from typed_ngrok._registry import TunnelRegistry
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
    "update",
]

NgrokTunnel.__module__ = __name__
ConnectedTunnel.__module__ = __name__
NgrokApiResponse.__module__ = __name__


def _agent(pyngrok_config: PyngrokConfig) -> tuple[NgrokProcess, AgentAPI, TunnelRegistry]:
    from typed_ngrok._agent_api import agent_api_for
    from typed_ngrok._registry import registry_for

    process = get_ngrok_process(pyngrok_config)
    api_url = process.api_url
    if not api_url:
        raise PyngrokError(f"the ngrok agent at {pyngrok_config.ngrok_path} has no API URL (is web_addr disabled?)")
    api = agent_api_for(api_url, float(pyngrok_config.request_timeout))
    return process, api, registry_for(pyngrok_config.ngrok_path, api_url)


def install_ngrok(pyngrok_config: PyngrokConfig | None = None) -> None:
    """Install the agent at ``ngrok_path`` and create the default config file, when missing.

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

    Raises:
        PyngrokError: the config file cannot be written.
    """
    from typed_ngrok import process

    cfg = _cfg(pyngrok_config)
    install_ngrok(cfg)
    process.set_auth_token(cfg, token)


def set_api_key(key: str, pyngrok_config: PyngrokConfig | None = None) -> None:
    """Save ``key`` as the API key in the agent's config file (never via the command line).

    Raises:
        PyngrokError: the config file cannot be written.
    """
    from typed_ngrok import process

    cfg = _cfg(pyngrok_config)
    install_ngrok(cfg)
    process.set_api_key(cfg, key)


def get_ngrok_process(pyngrok_config: PyngrokConfig | None = None) -> NgrokProcess:
    """The running agent for ``ngrok_path``, installing and starting it first when needed.

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
    from typed_ngrok._errors import is_missing_route
    from typed_ngrok._reaper import AbandonedTunnel, abandon_timed_out, check_not_abandoned, timed_out
    from typed_ngrok._tunnel_request import ENDPOINTS_PATH, build_connect_request

    cfg = _cfg(pyngrok_config)
    agent_format = _agent_format(cfg)
    request = build_connect_request(
        addr,
        proto,
        name,
        options,
        config_version=agent_format,
        config=_user_config(cfg),
        ngrok_version=cfg.ngrok_version,
    )
    process, api, registry = _agent(cfg)
    _check_name_free(request.name, registry.tunnels())
    check_not_abandoned(registry, request.name)
    body = request.body
    endpoint = request.path == ENDPOINTS_PATH and registry.endpoints_supported is not False
    if request.path == ENDPOINTS_PATH and not endpoint and request.fallback_body is not None:
        body = request.fallback_body
    try:
        if endpoint:
            try:
                data = api.create_endpoint(body)
                registry.endpoints_supported = True
            except PyngrokNgrokHTTPError as exc:
                if request.fallback_body is None or not is_missing_route(exc.status_code, exc.body):
                    raise
                registry.endpoints_supported = False
                body, endpoint = request.fallback_body, False
                data = api.start_tunnel(body)
        else:
            data = api.start_tunnel(body)
    except PyngrokNgrokURLError as exc:
        if not timed_out(exc):
            raise
        abandoned = AbandonedTunnel(request.name, endpoint, tuple(_companions(body, request.name, agent_format)))
        raise abandon_timed_out(exc, api, registry, abandoned) from exc
    tunnel = ConnectedTunnel(data, cfg, process.api_url)  # raises PyngrokError when public_url is missing
    companions = _companions(body, tunnel.name, agent_format)
    twins: list[NgrokTunnel] = []
    for companion in companions:  # list it too, so the registry holds what the agent holds
        with contextlib.suppress(PyngrokError):  # best effort: the tunnel is up, disconnect still knows the name
            twins.append(NgrokTunnel(api.get_tunnel(companion), cfg, process.api_url))
    registry.add(tunnel, companions, twins)
    return tunnel


def connect_all(pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
    """Start every tunnel/endpoint defined in the agent's config file (``pyngrok-default`` excepted), in order.

    Raises:
        The same errors as :func:`connect`.
    """
    from typed_ngrok._tunnel_request import definition_names

    cfg = _cfg(pyngrok_config)
    names = definition_names(_user_config(cfg), _agent_format(cfg))
    return [connect(name=item, pyngrok_config=cfg) for item in names]


def _list(cfg: PyngrokConfig, api: AgentAPI, registry: TunnelRegistry) -> list[dict[str, Any]]:
    from typed_ngrok._errors import is_missing_route

    if _agent_format(cfg) == "3" and registry.endpoints_supported is not False:
        try:
            items = api.list_endpoints()
            registry.endpoints_supported = True
            return items
        except PyngrokNgrokHTTPError as exc:
            if not is_missing_route(exc.status_code, exc.body):
                raise
            registry.endpoints_supported = False
    return api.list_tunnels()


def get_tunnels(pyngrok_config: PyngrokConfig | None = None) -> list[ConnectedTunnel]:
    """Every tunnel (or v3 endpoint) the agent runs, refreshing this agent's registry. Starts the agent if needed.

    Raises:
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
        PyngrokNgrokHTTPError: the agent refused.
        PyngrokError: a listed tunnel has no ``public_url``.
    """
    cfg = _cfg(pyngrok_config)
    process, api, registry = _agent(cfg)
    with registry.listing() as listing:  # started before the request: see _registry on concurrent changes
        tunnels = [ConnectedTunnel(item, cfg, process.api_url) for item in _list(cfg, api, registry)]
        listing.apply(tunnels)
    return tunnels


def disconnect(public_url: str, pyngrok_config: PyngrokConfig | None = None) -> None:
    """Close the tunnel with ``public_url`` (and its v2 ``(http)`` companion). Does nothing when no agent runs or
    the URL is unknown; never starts an agent.

    Raises:
        PyngrokError: ``public_url`` is not a str (before any I/O).
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
        PyngrokNgrokHTTPError: the agent refused (e.g. 500 ``error_code`` 107 while its session is reconnecting).
    """
    from typed_ngrok import process as process_module
    from typed_ngrok._tunnel import tunnel_name_from_uri

    _check_public_url(public_url)
    cfg = _cfg(pyngrok_config)
    if not process_module.is_process_running(cfg.ngrok_path):
        return
    _process, api, registry = _agent(cfg)
    tunnel = registry.get(public_url)
    if tunnel is None:
        get_tunnels(cfg)
        tunnel = registry.get(public_url)
        if tunnel is None:
            return
    uri = tunnel.uri or ""
    name = tunnel_name_from_uri(uri) if uri else (tunnel.name or "")
    companions = registry.companions(public_url)  # before the stop: a listing landing after it may drop them
    try:
        if "/api/endpoints/" in uri:
            api.stop_endpoint(name)
        else:
            api.stop_tunnel(name)
    except TunnelNotFoundError:
        pass  # already gone: the goal is reached
    for companion in companions:
        with contextlib.suppress(TunnelNotFoundError):  # the agent may already have dropped it
            api.stop_tunnel(companion)
    registry.remove(public_url, companions)


def kill(pyngrok_config: PyngrokConfig | None = None) -> None:
    """Stop the agent for ``ngrok_path`` (SIGTERM, then SIGKILL) and forget its tunnels. No-op when none runs."""
    from typed_ngrok import process
    from typed_ngrok._agent_api import close_agent_api
    from typed_ngrok._registry import drop_registry

    cfg = _cfg(pyngrok_config)
    api_url = None
    if process.is_process_running(cfg.ngrok_path):
        api_url = process.get_process(cfg).api_url
    process.kill_process(cfg.ngrok_path)
    drop_registry(cfg.ngrok_path)
    close_agent_api(api_url)


def api(*args: Any, pyngrok_config: PyngrokConfig | None = None) -> NgrokApiResponse:
    """Run ``ngrok api <args>`` (v3 agents) and parse its output. Does not install the agent.

    A v2 agent (``ngrok_version="2"``) has no ``api`` command: refused with a ``PyngrokError`` before running.

    The API key is the config file's, or ``pyngrok_config.api_key`` (passed in a private 0600 config file, never on
    the command line); secrets are masked in the output and in errors.

    Raises:
        PyngrokNgrokError: the command exited with a non-zero code (its output is in the message).
        PyngrokError: the private config file could not be written.
    """
    from typed_ngrok import _cli, process

    cfg = _cfg(pyngrok_config)
    with _cli.api_command(cfg, args) as command:
        output = process.capture_run_process(cfg.ngrok_path, command.args, secrets=command.secrets)
    return NgrokApiResponse.from_body(output)


def get_version(pyngrok_config: PyngrokConfig | None = None) -> tuple[str, str]:
    """``(agent version, typed-ngrok version)``, e.g. ``("2.3.41", "0.1.0")``. Installs the agent if needed.

    Raises:
        PyngrokNgrokError: ``ngrok --version`` failed.
    """
    from typed_ngrok import process

    cfg = _cfg(pyngrok_config)
    install_ngrok(cfg)
    output = process.capture_run_process(cfg.ngrok_path, ["--version"])
    return output.split("version ", 1)[-1].strip(), __version__


def update(pyngrok_config: PyngrokConfig | None = None) -> str:
    """Run ``ngrok update`` and return its output (contacts ngrok's update server).

    Raises:
        PyngrokNgrokError: the command failed (its output, secrets masked, is in the message).
    """
    from typed_ngrok import _cli, process

    cfg = _cfg(pyngrok_config)
    install_ngrok(cfg)
    command = _cli.update_command(cfg)
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

    Raises:
        PyngrokSecurityError: the URL's scheme is not http/https (or a redirect led to another scheme).
        PyngrokError: a bad argument, named in the message, before any I/O (``url`` not a str or with an invalid
            host, ``method`` not an HTTP token, ``timeout`` not a finite number of seconds > 0, ``data`` not
            JSON-serialisable, ``params`` not a dict, ``auth`` not a printable ASCII str).
        PyngrokNgrokHTTPError: status >= 400, with the raw body even when it is not JSON.
        PyngrokNgrokURLError: unreachable, a redirect loop, or no answer within ``timeout`` (reason ``"timed out"``).
        PyngrokNgrokError: a successful answer whose body is not a JSON object or cannot be decoded.
    """
    from typed_ngrok._api_request import send_api_request, shared_client

    return send_api_request(shared_client(), url, method, data, params, timeout, auth)


def run(args: list[str] | None = None, pyngrok_config: PyngrokConfig | None = None) -> None:
    """Install the agent if needed and run it in the foreground with ``args`` (blocking).

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
