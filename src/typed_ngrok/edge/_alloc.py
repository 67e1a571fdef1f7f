"""Bind allocation: pick (or re-open) the public listener and URL for a Bind request.

Rules:
- A re-bind (non-empty ``Id`` the edge knows) gets its old bind back: same listener, same URL.
- A ``Hostname``/``Addr`` naming a port (the URL this edge, or a previous edge on this port, handed out) re-uses that
  port: the listener already there, or a new one on that port after an edge restart. That also puts the agent's
  ``http`` companion bind of an ``https`` tunnel on the same port (the listener tells TLS from HTTP).
- ``Subdomain`` ``s`` means host ``s.localhost``; a bare ``Hostname`` (or ``Domain``, what the SDKs' ``domain()``
  sends) is used as the host. Such hosts are unique:
  asking for one that another live bind holds is refused like ngrok does (``ERR_NGROK_310``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._rpc import BindRequest, new_bind_id
from ._tunnels import Bind, PublicListener

if TYPE_CHECKING:
    from ._server import EdgeServer, SessionState

__all__ = ["allocate"]

_KIND = {"http": "web", "https": "web", "tcp": "tcp", "tls": "tls"}


def _split_port(value: str) -> tuple[str, int | None]:
    host, sep, port = value.rpartition(":")
    if sep and port.isdigit() and 0 < int(port) < 65536:
        return host, int(port)
    return value, None


def allocate(server: EdgeServer, state: SessionState, req: BindRequest) -> tuple[Bind | None, str]:
    """The bind to hand back, or ``(None, error text)``."""
    kind = _KIND.get(req.proto)
    if kind is None:
        return None, f"the local edge does not serve protocol {req.proto!r}\r\n\r\nERR_NGROK_300\r\n"
    if req.id and req.id in server.binds:
        bind = server.binds[req.id]
        if bind.proto == req.proto:
            if bind.listener.port not in server.listeners:  # closed meanwhile: listen again on the same port
                try:
                    relisten = _listener(server, kind, bind.port)
                except OSError as exc:
                    return None, f"cannot listen on 127.0.0.1:{bind.port}: {exc.strerror}\r\n\r\nERR_NGROK_302\r\n"
                bind.listener = relisten
                relisten.binds[bind.scheme_key] = bind
            return bind, ""

    if kind == "tcp":
        wanted_host, port = _split_port(req.addr)
        host = "127.0.0.1"
    else:
        wanted_host, port = _split_port(req.hostname or req.domain)  # Domain (SDKs' domain()) is a Hostname
        if req.subdomain and not wanted_host:
            wanted_host = f"{req.subdomain}.localhost"
        host = (wanted_host or "localhost").lower()

    listener: PublicListener | None = None
    if port is not None:
        listener = server.listeners.get(port)
        if listener is not None and listener.kind != kind:
            return None, f"127.0.0.1:{port} already serves {listener.kind} tunnels\r\n\r\nERR_NGROK_302\r\n"
    elif host != "localhost" and kind != "tcp":
        for existing in server.listeners.values():
            if existing.kind == kind and any(b.host == host for b in existing.binds.values()):
                listener = existing
                break

    key = (req.proto, host)
    if listener is not None:
        current = listener.binds.get(key) if kind == "web" else next(iter(listener.binds.values()), None)
        if current is not None and current.id != req.id:
            if current.session is not None and not current.session.mux.closed:
                url = current.url
                return None, (f"The tunnel {url} is already bound to another tunnel session\r\n\r\nERR_NGROK_310\r\n")
            # a bind whose session is gone (in its grace period): the new bind takes its place
            server.binds.pop(current.id, None)
            if current.grace is not None:
                current.grace.cancel()
            del listener.binds[current.scheme_key]

    if listener is None:
        try:
            listener = _listener(server, kind, port or 0)
        except OSError as exc:
            where = f"127.0.0.1:{port}" if port else "a free port on 127.0.0.1"
            return None, f"cannot listen on {where}: {exc.strerror}\r\n\r\nERR_NGROK_302\r\n"

    opts = dict(req.opts)
    if kind == "tcp":
        url = f"tcp://127.0.0.1:{listener.port}"
        opts["Addr"] = f"127.0.0.1:{listener.port}"
    else:
        url = f"{req.proto}://{host}:{listener.port}"
        opts["Hostname"] = f"{host}:{listener.port}"
    bind = Bind(
        id=req.id or new_bind_id(),
        proto=req.proto,
        host=host,
        port=listener.port,
        url=url,
        opts=opts,
        listener=listener,
        subdomain=req.subdomain,
        hostname=wanted_host if (req.hostname or req.domain) and port is None else "",
    )
    listener.binds[bind.scheme_key] = bind
    server.binds[bind.id] = bind
    return bind, ""


def _listener(server: EdgeServer, kind: str, port: int) -> PublicListener:
    listener = PublicListener.open(
        kind, server.host, port, server.public_ssl, server.events, answer_timeout=server.answer_timeout
    )
    server.listeners[listener.port] = listener
    return listener
