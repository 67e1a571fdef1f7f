"""Typed-stream numbers and the JSON messages of the tunnel protocol (pure: no I/O).

Field names follow the Go structs the agent uses (``Id``/``ClientId`` spelled that way, everything else as Go field
names). Unknown fields in requests are ignored.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from dataclasses import field as field_
from typing import Any

__all__ = [
    "AUTH",
    "BIND",
    "HEARTBEAT",
    "PROXY",
    "RESTART",
    "SRV_INFO",
    "STOP",
    "UNBIND",
    "UPDATE",
    "AuthRequest",
    "BindRequest",
    "JsonAccumulator",
    "auth_response",
    "bind_response",
    "dumps",
    "field",
    "field_dict",
    "field_str",
    "new_bind_id",
    "new_client_id",
    "proxy_header",
]

AUTH = 0
BIND = 1
UNBIND = 2
PROXY = 3
RESTART = 4
STOP = 5
UPDATE = 6
START_TUNNEL_WITH_LABEL = 7
SRV_INFO = 8
HEARTBEAT = 0xFFFFFFFF

EDGE_VERSION = "typed-ngrok-edge"
MAX_RPC_BYTES = 1 << 20


def dumps(value: object) -> bytes:
    """JSON + newline, as Go's json.Encoder writes it."""
    return json.dumps(value, separators=(",", ":")).encode() + b"\n"


def new_client_id() -> str:
    """A new session's ClientId, in the ``ts_`` form ngrok's cloud API shows tunnel session ids in (the edge's cloud
    API shows this very id)."""
    return "ts_" + secrets.token_hex(16)


def new_bind_id() -> str:
    return "bind_" + secrets.token_hex(12)


class JsonAccumulator:
    """Collects stream bytes until one complete JSON value has arrived (the agent does not FIN after a request)."""

    def __init__(self, limit: int = MAX_RPC_BYTES) -> None:
        self._buf = bytearray()
        self._limit = limit
        self._decoder = json.JSONDecoder()

    def feed(self, data: bytes) -> tuple[bool, Any]:
        """Returns ``(True, value)`` once a whole value is parsed, else ``(False, None)``.

        Raises ``ValueError`` past the size limit.
        """
        self._buf += data
        if len(self._buf) > self._limit:
            raise ValueError(f"RPC message larger than {self._limit} bytes")
        try:
            text = self._buf.decode("utf-8").lstrip()
            value, _ = self._decoder.raw_decode(text)
        except ValueError:  # incomplete so far (a truncated value or a split UTF-8 sequence)
            return False, None
        return True, value

    def finish(self) -> Any:
        """Parse whatever arrived (at FIN). Raises ``ValueError``."""
        text = self._buf.decode("utf-8").strip()
        if not text:
            raise ValueError("empty RPC message")
        return json.loads(text)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def field(obj: object, name: str, default: Any = None) -> Any:
    """The value of Go struct field ``name`` in a decoded JSON object, matched the way Go's ``encoding/json`` does.

    Go matches object keys to field names case-insensitively (the 2.3.41 agent sends ``Authtoken``, the Rust SDKs
    ``AuthToken``), and when several keys fold to the same field the last one wins. Every RPC request field the edge
    reads goes through here. ``default`` when absent (or when ``obj`` is not an object). Map-valued fields keep their
    keys as sent: only the lookup of the field itself folds.
    """
    if not isinstance(obj, dict):
        return default
    found = default
    folded = name.casefold()
    for key, value in obj.items():
        if isinstance(key, str) and key.casefold() == folded:
            found = value
    return found


def field_str(obj: object, name: str) -> str:
    """A string field (absent or ``null``: ``""``; any other JSON value as its text)."""
    value = field(obj, name)
    return "" if value is None else str(value)


def field_dict(obj: object, name: str) -> dict[str, Any]:
    """An object-valued field (absent or not an object: ``{}``)."""
    return _dict(field(obj, name))


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(value)


@dataclass(frozen=True)
class AuthRequest:
    client_id: str
    authtoken: str = field_(repr=False)  # a secret: never in reprs or logs
    version: str
    os: str
    arch: str
    heartbeat_interval_ns: int
    heartbeat_tolerance_ns: int
    versions: tuple[str, ...]
    extra: dict[str, Any] = field_(repr=False)

    @property
    def metadata(self) -> str:
        return field_str(self.extra, "Metadata")

    @property
    def client_type(self) -> str:
        """``ngrok-python``, ``ngrok-nodejs``, …; ``""`` from agents that do not say (2.3.41)."""
        return field_str(self.extra, "ClientType")

    @property
    def user_agent(self) -> str:
        return field_str(self.extra, "UserAgent")

    def unsupported(self, name: str) -> str:
        """Why the agent cannot do a remote command, from its Extra field ``name`` (``RestartUnsupportedError``, ...);
        ``""`` when it can (no such field, or no name)."""
        value = field(self.extra, name) if name else None
        return value if isinstance(value, str) else ""

    @classmethod
    def parse(cls, raw: object) -> AuthRequest:
        extra = field_dict(raw, "Extra")
        versions = field(raw, "Version")
        return cls(
            client_id=field_str(raw, "ClientId"),
            authtoken=field_str(extra, "Authtoken"),
            version=field_str(extra, "Version"),
            os=field_str(extra, "OS"),
            arch=field_str(extra, "Arch"),
            heartbeat_interval_ns=_int(field(extra, "HeartbeatInterval")),
            heartbeat_tolerance_ns=_int(field(extra, "HeartbeatTolerance")),
            versions=tuple(str(v) for v in versions) if isinstance(versions, list) else (),
            extra=extra,
        )


def auth_response(client_id: str, error: str = "") -> dict[str, Any]:
    return {
        "Version": "2",
        "ClientId": client_id,
        "Error": error,
        "Extra": {
            "Version": EDGE_VERSION,
            "Region": "local",
            "Cookie": "",
            "AccountName": "local-edge",
            "SessionDuration": 0,
            "PlanName": "local",
            "Banner": "",
        },
    }


@dataclass(frozen=True)
class BindRequest:
    id: str
    proto: str
    opts: dict[str, Any]
    extra: dict[str, Any]
    forwards_to: str = ""
    forwards_proto: str = ""  # the upstream's application protocol (``http2`` from ``app_protocol``)
    other: dict[str, Any] = field_(default_factory=dict)  # any other top-level field, as sent

    @classmethod
    def parse(cls, raw: object) -> BindRequest:
        known = {"id", "proto", "opts", "extra", "forwardsto", "forwardsproto"}
        return cls(
            id=field_str(raw, "Id"),
            proto=field_str(raw, "Proto"),
            opts=dict(field_dict(raw, "Opts")),
            extra=dict(field_dict(raw, "Extra")),
            forwards_to=field_str(raw, "ForwardsTo"),
            forwards_proto=field_str(raw, "ForwardsProto"),
            other={str(k): v for k, v in _dict(raw).items() if str(k).casefold() not in known},
        )

    @property
    def hostname(self) -> str:
        return field_str(self.opts, "Hostname")

    @property
    def domain(self) -> str:
        return field_str(self.opts, "Domain")

    @property
    def subdomain(self) -> str:
        return field_str(self.opts, "Subdomain")

    @property
    def auth(self) -> str:
        return field_str(self.opts, "Auth")

    @property
    def addr(self) -> str:
        return field_str(self.opts, "Addr")

    @property
    def metadata(self) -> str:
        return field_str(self.extra, "Metadata")


def bind_response(
    bind_id: str, url: str, proto: str, opts: dict[str, Any], error: str = "", token: str = ""
) -> dict[str, Any]:
    return {"Id": bind_id, "URL": url, "Proto": proto, "Opts": opts, "Error": error, "Extra": {"Token": token}}


def proxy_header(bind_id: str, client_addr: str, proto: str) -> bytes:
    """The Proxy stream prelude: int64 little-endian length, then exactly that many bytes of header JSON."""
    body = json.dumps(
        {"Id": bind_id, "ClientAddr": client_addr, "Proto": proto, "EdgeType": "", "PassthroughTLS": False},
        separators=(",", ":"),
    ).encode()
    return len(body).to_bytes(8, "little") + body
