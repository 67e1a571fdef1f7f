"""Bind allocation: pick (or re-open) the public listener and URL for a Bind request.

Rules:
- A re-bind (non-empty ``Id`` the edge knows) gets its old bind back: same listener, same URL.
- A ``Hostname``/``Addr`` naming a port (the URL this edge, or a previous edge on this port, handed out) re-uses that
  port: the listener already there, or a new one on that port after an edge restart. That also puts the agent's
  ``http`` companion bind of an ``https`` tunnel on the same port (the listener tells TLS from HTTP).
- A fresh Bind (no ``Id``, no port named) from the new session of an agent the edge told to Restart gets the URL
  that agent's old session had for the same request: the first of the old session's binds, in bind order, that is
  still reserved (in its grace period) and was asked for with the same ``Proto``, ``Opts``, ``Extra`` and
  forwarding fields; binds asked for with identical values come back in bind order. The server hands a session a
  reservation only when exactly one restart is pending for its agent's values (``EdgeServer._claim``; see
  ``docs/edge-protocol.md`` §5).
- ``Subdomain`` ``s`` means host ``s.localhost``; a bare ``Hostname`` (or ``Domain``, what the SDKs' ``domain()``
  sends) is used as the host. Such hosts are unique:
  asking for one that another live bind holds is refused like ngrok does (``ERR_NGROK_310``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ._rpc import BindRequest, new_bind_id
from ._tunnels import Bind, PublicListener

if TYPE_CHECKING:
    from ._server import EdgeServer, SessionState

__all__ = ["allocate", "request_key"]

_KIND = {"http": "web", "https": "web", "tcp": "tcp", "tls": "tls"}


def _split_port(value: str) -> tuple[str, int | None]:
    host, sep, port = value.rpartition(":")
    if sep and port.isdigit() and 0 < int(port) < 65536:
        return host, int(port)
    return value, None


def request_key(req: BindRequest) -> str:
    """What a Bind asked for, without its ``Id``: a restarted agent asks for its tunnels with the same values."""
    asked = {
        "Proto": req.proto,
        "Opts": req.opts,
        "Extra": req.extra,
        "ForwardsTo": req.forwards_to,
        "ForwardsProto": req.forwards_proto,
        "Other": req.other,
    }
    return json.dumps(asked, sort_keys=True, default=str)


def _take_reserved(server: EdgeServer, state: SessionState, key: str) -> Bind | None:
    """The first bind reserved for ``state`` (its agent's run before a Restart) asked for with ``key``; taken."""
    for bind_id in state.reserved:
        bind = server.binds.get(bind_id)
        if bind is not None and bind.session is None and bind.requested == key:
            state.reserved.remove(bind_id)
            return bind
    return None


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

    asked = request_key(req)
    named_port = port
    if not req.id and port is None and state.reserved:
        reserved = _take_reserved(server, state, asked)
        if reserved is not None:  # the restarted agent's tunnel: its old listener and URL
            port, host = reserved.port, reserved.host

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
        hostname=wanted_host if (req.hostname or req.domain) and named_port is None else "",
        requested=asked,
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
