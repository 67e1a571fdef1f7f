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

Importing this package loads none of its machinery (asyncio servers, h11, cryptography): each name loads on first use
(PEP 562), so ``python -m typed_ngrok.edge``'s options and ``typed-ngrok``'s parser stay cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_LAZY: dict[str, str] = {
    "DEFAULT_AUTHTOKEN": "._edge",
    "LocalEdge": "._edge",
    "EdgeCertificates": "._tls",
    **dict.fromkeys(["EdgeEvent", "EdgeFaults", "EdgeSession", "EdgeTunnel", "EventKind"], "._types"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
