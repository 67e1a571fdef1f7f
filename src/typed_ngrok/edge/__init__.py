"""The local edge: a loopback stand-in for ngrok's tunnel server, so the real agent opens real tunnels offline.

::

    from typed_ngrok.edge import LocalEdge

    with LocalEdge() as edge:
        config = {**edge.agent_config("2"), "authtoken": edge.authtoken, "web_addr": "127.0.0.1:4041"}
        ...  # start `ngrok start --none --config <file with config>`; tunnels get URLs like http://localhost:PORT

Hooking it into an agent launch takes four steps: create a ``LocalEdge``, ``start()`` it, merge
``edge.agent_config(config_version, with_authtoken=True)`` into the agent's (private) config file, and ``stop()`` it
together with the agent. It binds only to 127.0.0.1 and contacts nothing. See :class:`LocalEdge` for fault injection (rejected Auth/Bind,
stalled heartbeats, delayed replies, dropped sessions) and edge-initiated Stop/Restart/Update.

ngrok's own SDKs (the Rust core behind PyPI ``ngrok`` and npm ``@ngrok/ngrok``) connect too: ``server_addr`` =
:attr:`LocalEdge.server_addr`, ``ca_cert`` = the bytes of :attr:`LocalEdge.agent_ca_path`. Every Bind option is
enforced (basic auth, IP restriction, header rules, TLS termination) or the bind is refused with ``ERR_NGROK_4012``
naming it.
"""

from ._edge import DEFAULT_AUTHTOKEN, LocalEdge
from ._tls import EdgeCertificates
from ._types import EdgeEvent, EdgeFaults, EdgeSession, EdgeTunnel, EventKind

__all__ = [
    "DEFAULT_AUTHTOKEN",
    "EdgeCertificates",
    "EdgeEvent",
    "EdgeFaults",
    "EdgeSession",
    "EdgeTunnel",
    "EventKind",
    "LocalEdge",
]
