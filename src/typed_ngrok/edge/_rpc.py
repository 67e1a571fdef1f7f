"""Typed-stream numbers and the JSON messages of the tunnel protocol (pure: no I/O).

Field names follow the Go structs the agent uses (``Id``/``ClientId`` spelled that way, everything else as Go field
names). Unknown fields in requests are ignored.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
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
    return secrets.token_hex(16)


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


@dataclass(frozen=True)
class AuthRequest:
    client_id: str
    authtoken: str = field(repr=False)  # a secret: never in reprs or logs
    version: str
    os: str
    arch: str
    heartbeat_interval_ns: int
    heartbeat_tolerance_ns: int
    versions: tuple[str, ...]
    extra: dict[str, Any] = field(repr=False)

    @classmethod
    def parse(cls, raw: object) -> AuthRequest:
        msg = _dict(raw)
        extra = _dict(msg.get("Extra"))
        versions = msg.get("Version")
        return cls(
            client_id=str(msg.get("ClientId") or ""),
            authtoken=str(extra.get("Authtoken") or ""),
            version=str(extra.get("Version") or ""),
            os=str(extra.get("OS") or ""),
            arch=str(extra.get("Arch") or ""),
            heartbeat_interval_ns=int(extra.get("HeartbeatInterval") or 0),
            heartbeat_tolerance_ns=int(extra.get("HeartbeatTolerance") or 0),
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

    @classmethod
    def parse(cls, raw: object) -> BindRequest:
        msg = _dict(raw)
        return cls(
            id=str(msg.get("Id") or ""),
            proto=str(msg.get("Proto") or ""),
            opts=dict(_dict(msg.get("Opts"))),
            extra=dict(_dict(msg.get("Extra"))),
        )

    @property
    def hostname(self) -> str:
        return str(self.opts.get("Hostname") or "")

    @property
    def subdomain(self) -> str:
        return str(self.opts.get("Subdomain") or "")

    @property
    def auth(self) -> str:
        return str(self.opts.get("Auth") or "")

    @property
    def addr(self) -> str:
        return str(self.opts.get("Addr") or "")


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
