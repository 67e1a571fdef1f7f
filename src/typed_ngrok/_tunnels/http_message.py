"""Decode a captured request's base64 ``raw`` wire bytes into start line, headers and body (pure).

:attr:`HttpMessage.body` is the body exactly as it was on the wire; :attr:`HttpMessage.decoded_body` undoes its
framing and compression (``Transfer-Encoding: chunked``, ``gzip``/``deflate`` transfer and content codings), and
:meth:`HttpMessage.text`/:meth:`HttpMessage.json` read that. Anything that cannot be read raises a
:class:`~typed_ngrok.exception.PyngrokNgrokError` (the agent's API handed out a message it cannot be), never
``ValueError``, ``zlib.error`` or ``UnicodeDecodeError``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

from typed_ngrok.exception import PyngrokError, PyngrokNgrokError

__all__ = ["MAX_DECODED_BODY", "HttpMessage", "chunked_body_complete", "decode_raw", "parse_http_message"]

#: :attr:`HttpMessage.decoded_body` refuses to inflate a body beyond this many bytes (a compression bomb guard).
MAX_DECODED_BODY: Final = 64 * 1024 * 1024

_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_CHARSET = re.compile(r";\s*charset\s*=\s*\"?([^\s\";]+)", re.IGNORECASE)


@dataclass(frozen=True)
class HttpMessage:
    """One HTTP/1.x message as captured on the wire.

    ``start_line`` is ``GET /path HTTP/1.1`` or ``HTTP/1.1 200 OK``; ``method``/``target`` are set for requests,
    ``status_code``/``reason`` for responses (``status_code`` is None unless the status is three ASCII digits).
    ``headers`` keeps order and duplicates; ``body`` is the raw bytes after the header block (a chunked body stays
    chunked, a compressed one compressed); :attr:`decoded_body`, :meth:`text` and :meth:`json` decode it.
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
        """The first value of header ``name`` (case-insensitive).

        Args:
            name: the header's name (any case).
            default: what to return when it is absent.

        Raises:
            PyngrokError: ``name`` is not a string.
        """
        if not isinstance(name, str):
            raise PyngrokError(f"name must be a string, got {type(name).__name__}")
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return default

    def _codings(self, name: str) -> list[str]:
        """The comma-separated tokens of every ``name`` header, lower-cased, in order (parameters dropped)."""
        wanted = name.lower()
        tokens: list[str] = []
        for key, value in self.headers:
            if key.lower() == wanted:
                tokens += [part.split(";", 1)[0].strip().lower() for part in value.split(",")]
        return [token for token in tokens if token]

    @cached_property
    def decoded_body(self) -> bytes:
        """:attr:`body` with its ``Transfer-Encoding`` (``chunked``, ``gzip``, ``deflate``) and ``Content-Encoding``
        (``gzip``/``x-gzip``, ``deflate``, ``identity``) undone, ready for ``json.loads``; ``body`` itself is kept
        as captured.

        Raises:
            PyngrokNgrokError: the chunked framing is malformed or truncated, the compressed data is corrupt or
                truncated, a coding is not one of those above (e.g. ``br``), or the body inflates beyond
                :data:`MAX_DECODED_BODY` bytes.
        """
        return _decode_body(self.body, self._codings("transfer-encoding"), self._codings("content-encoding"))

    def text(self, encoding: str | None = None) -> str:
        """:attr:`decoded_body` as text: in ``encoding``, else the ``Content-Type`` charset, else UTF-8 (strict).

        Args:
            encoding: the text encoding; None: the ``Content-Type`` charset, else UTF-8.

        Raises:
            PyngrokError: ``encoding`` is neither None nor a string.
            PyngrokNgrokError: the body cannot be decoded (see :attr:`decoded_body`), the charset is unknown, or the
                bytes are not valid in it.
        """
        if encoding is not None and not isinstance(encoding, str):
            raise PyngrokError(f"encoding must be None or a string, got {type(encoding).__name__}")
        body = self.decoded_body
        if encoding is None:
            match = _CHARSET.search(self.header("content-type") or "")
            encoding = match.group(1) if match else "utf-8"
        try:
            return body.decode(encoding)
        except LookupError as exc:
            raise PyngrokNgrokError(f"captured HTTP message: unknown text encoding {encoding!r}") from exc
        except ValueError as exc:  # UnicodeDecodeError and the codecs' own errors
            raise PyngrokNgrokError(f"captured HTTP message: the body is not valid {encoding}: {exc}") from exc

    def json(self) -> Any:
        """:attr:`decoded_body` parsed as JSON (UTF-8, -16 or -32, as ``json.loads`` detects).

        Raises:
            PyngrokNgrokError: the body cannot be decoded (see :attr:`decoded_body`) or is not JSON.
        """
        body = self.decoded_body
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise PyngrokNgrokError(f"captured HTTP message: the body is not JSON: {exc}") from exc


def decode_raw(raw: str) -> bytes:
    """The wire bytes of a ``raw`` field (standard base64, padded).

    Raises:
        PyngrokNgrokError: ``raw`` is not a string of valid base64.
    """
    if not isinstance(raw, str | bytes):
        raise PyngrokNgrokError(f"captured request holds {type(raw).__name__} in 'raw', not a base64 string")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PyngrokNgrokError(f"captured request holds invalid base64 in 'raw': {exc}") from exc


def parse_http_message(wire: bytes) -> HttpMessage:
    """Split HTTP/1.x wire bytes into an :class:`HttpMessage` (headers decoded as latin-1).

    Raises:
        PyngrokError: ``wire`` is not bytes.
        PyngrokNgrokError: there is no start line.
    """
    if not isinstance(wire, bytes | bytearray | memoryview):
        raise PyngrokError(f"wire must be bytes, got {type(wire).__name__}")
    head, sep, body = bytes(wire).partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = bytes(wire).partition(b"\n\n")
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    start_line = lines[0].strip() if lines else ""
    if not start_line:
        raise PyngrokNgrokError("captured HTTP message has no start line")
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
            # three ASCII digits (str.isdigit() also accepts e.g. "\xb9", which int() refuses)
            status_code=int(code) if len(code) == 3 and code.isascii() and code.isdigit() else None,
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


# ---- body decoding ------------------------------------------------------------------------------------------------
class _TooLarge(PyngrokNgrokError):
    """The decoded body would exceed :data:`MAX_DECODED_BODY`."""


class _Truncated(PyngrokNgrokError):
    """The chunked body stops before its last chunk (cut short, or still being stored by the agent)."""


def _malformed(text: str) -> PyngrokNgrokError:
    return PyngrokNgrokError(f"captured HTTP message: {text}")


def _truncated(text: str) -> _Truncated:
    return _Truncated(f"captured HTTP message: the chunked body is truncated ({text})")


def _decode_body(body: bytes, transfer: list[str], content: list[str]) -> bytes:
    """Undo the transfer codings (last applied first; ``chunked`` is last), then the content codings."""
    if not body:
        return b""
    data = body
    if transfer and transfer[-1] == "chunked":
        data = _dechunk(data)
        transfer = transfer[:-1]
    for coding in reversed(transfer):
        data = _decompress(data, coding, "Transfer-Encoding")
    for coding in reversed(content):
        data = _decompress(data, coding, "Content-Encoding")
    return data


def _line_end(data: bytes, pos: int) -> tuple[int, int]:
    """The end of the line starting at ``pos`` and the start of the next (CRLF, or a bare LF as Go accepts)."""
    end = data.find(b"\n", pos)
    if end < 0:
        raise _truncated("a chunk-size line has no end")
    return (end - 1 if end > pos and data[end - 1] == 0x0D else end), end + 1


def _dechunk(data: bytes) -> bytes:
    """The payload of a ``Transfer-Encoding: chunked`` body (chunk extensions and trailers dropped)."""
    out = bytearray()
    pos = 0
    while True:
        end, after = _line_end(data, pos)
        line = data[pos:end]
        pos = after
        size_text = line.split(b";", 1)[0].strip(b" \t")
        if not _CHUNK_SIZE.fullmatch(size_text):
            raise _malformed(f"the chunked body has a bad chunk size {bytes(size_text[:20])!r}")
        size = int(size_text, 16)
        if size == 0:
            return bytes(out)  # trailer fields, if any, are not part of the payload
        if len(out) + size > MAX_DECODED_BODY:
            raise _TooLarge(f"captured HTTP message: the chunked body is larger than {MAX_DECODED_BODY} bytes")
        chunk_end = pos + size
        if chunk_end > len(data):
            raise _truncated("a chunk is shorter than its size")
        out += data[pos:chunk_end]
        if data[chunk_end : chunk_end + 2] == b"\r\n":
            pos = chunk_end + 2
        elif data[chunk_end : chunk_end + 1] == b"\n":
            pos = chunk_end + 1
        elif data[chunk_end : chunk_end + 2] in (b"", b"\r"):
            raise _truncated("a chunk's line end is missing")
        else:
            raise _malformed("the chunked body is malformed (no line end after a chunk)")


def chunked_body_complete(data: bytes) -> bool:
    """Whether ``data`` holds a chunked body up to its last (zero-size) chunk; False when it stops before it (a body
    still being stored). A malformed or oversized body counts as complete: decoding it reports the fault."""
    try:
        _dechunk(data)
    except _Truncated:
        return False
    except PyngrokNgrokError:
        return True
    return True


def _decompress(data: bytes, coding: str, header: str) -> bytes:
    if coding == "identity" or not data:  # e.g. a gzip coding on an empty chunked payload
        return data
    if coding in ("gzip", "x-gzip"):
        return _inflate(data, 16 + zlib.MAX_WBITS, coding, members=True)
    if coding == "deflate":  # RFC 9110: zlib-wrapped; some senders send raw deflate (no zlib header)
        if len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0:  # a zlib header
            try:
                return _inflate(data, zlib.MAX_WBITS, coding, members=False)
            except _TooLarge:
                raise
            except PyngrokNgrokError:
                pass  # raw deflate that happens to start like a zlib header
        return _inflate(data, -zlib.MAX_WBITS, coding, members=False)
    raise _malformed(f"cannot decode {header} {coding!r} (chunked, gzip, x-gzip, deflate and identity are understood)")


def _inflate(data: bytes, wbits: int, coding: str, *, members: bool) -> bytes:
    """Decompress ``data`` (every gzip member when ``members``), at most :data:`MAX_DECODED_BODY` bytes."""
    out = bytearray()
    while True:
        inflater = zlib.decompressobj(wbits)
        try:
            out += inflater.decompress(data, MAX_DECODED_BODY + 1 - len(out))
        except zlib.error as exc:
            raise _malformed(f"the {coding} body is corrupt: {exc}") from exc
        if len(out) > MAX_DECODED_BODY or inflater.unconsumed_tail:
            raise _TooLarge(f"captured HTTP message: the {coding} body inflates to more than {MAX_DECODED_BODY} bytes")
        if not inflater.eof:
            raise _malformed(f"the {coding} body is truncated")
        data = inflater.unused_data
        if not members or not data.strip(b"\x00"):  # trailing zero padding after the last member is ignored
            return bytes(out)
