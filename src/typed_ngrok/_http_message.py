"""Decode a captured request's base64 ``raw`` wire bytes into start line, headers and body (pure)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from typed_ngrok.exception import PyngrokError

__all__ = ["HttpMessage", "decode_raw", "parse_http_message"]


@dataclass(frozen=True)
class HttpMessage:
    """One HTTP/1.x message as captured on the wire.

    ``start_line`` is ``GET /path HTTP/1.1`` or ``HTTP/1.1 200 OK``; ``method``/``target`` are set for requests,
    ``status_code``/``reason`` for responses. ``headers`` keeps order and duplicates; ``body`` is the raw bytes
    after the header block (a chunked body stays chunked).
    """

    start_line: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    method: str | None = None
    target: str | None = None
    status_code: int | None = None
    reason: str | None = None
    http_version: str | None = None

    def header(self, name: str, default: str | None = None) -> str | None:
        """The first value of header ``name`` (case-insensitive)."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return default


def decode_raw(raw: str) -> bytes:
    """The wire bytes of a ``raw`` field (standard base64, padded).

    Raises:
        PyngrokError: ``raw`` is not valid base64.
    """
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PyngrokError(f"captured request holds invalid base64 in 'raw': {exc}") from exc


def parse_http_message(wire: bytes) -> HttpMessage:
    """Split HTTP/1.x wire bytes into an :class:`HttpMessage` (headers decoded as latin-1).

    Raises:
        PyngrokError: there is no start line.
    """
    head, sep, body = wire.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = wire.partition(b"\n\n")
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    start_line = lines[0].strip() if lines else ""
    if not start_line:
        raise PyngrokError("captured HTTP message has no start line")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line.strip():
            continue
        if line[:1] in (" ", "\t") and headers:  # obsolete line folding
            key, value = headers[-1]
            headers[-1] = (key, f"{value} {line.strip()}")
            continue
        key, _, value = line.partition(":")
        headers.append((key.strip(), value.strip()))
    parts = start_line.split(" ", 2)
    if parts[0].upper().startswith("HTTP/"):
        code = parts[1] if len(parts) > 1 else ""
        return HttpMessage(
            start_line=start_line,
            headers=headers,
            body=body,
            status_code=int(code) if code.isdigit() else None,
            reason=parts[2] if len(parts) > 2 else None,
            http_version=parts[0],
        )
    return HttpMessage(
        start_line=start_line,
        headers=headers,
        body=body,
        method=parts[0],
        target=parts[1] if len(parts) > 1 else None,
        http_version=parts[2] if len(parts) > 2 else None,
    )
