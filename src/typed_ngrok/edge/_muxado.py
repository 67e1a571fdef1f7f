"""The muxado frame codec (pure: no I/O, no asyncio).

Wire format (big-endian): a 3-byte body length, one byte of ``type << 4 | flags`` and a 4-byte stream id (top bit
reserved), then the body. Types: RST (body = error code), DATA (SYN/FIN flags), WNDINC (body = increment), GOAWAY
(last stream id, error code, debug text). Unknown types are skipped.

Also here: the per-stream window bookkeeping shared by the session (``RecvWindow``) so that it can be unit-tested.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "HEADER_SIZE",
    "INITIAL_WINDOW",
    "MAX_FRAME_BODY",
    "ErrorCode",
    "Flag",
    "Frame",
    "FrameDecoder",
    "FrameType",
    "MuxadoProtocolError",
    "RecvWindow",
    "data_header",
    "encode_data",
    "encode_goaway",
    "encode_rst",
    "encode_wndinc",
]

HEADER_SIZE = 8
INITIAL_WINDOW = 0x40000  # 256 KiB per stream, each direction
MAX_FRAME_BODY = 0xFFFFFF
_STREAM_MASK = 0x7FFFFFFF
_HEADER = struct.Struct(">IBI")  # we pack (length << 8 | typeflags) as 4 bytes, then the id; see data_header
_U32 = struct.Struct(">I")
_U32x2 = struct.Struct(">II")


class FrameType(IntEnum):
    RST = 0
    DATA = 1
    WNDINC = 2
    GOAWAY = 3


class Flag:
    FIN = 0x1
    SYN = 0x2


class ErrorCode(IntEnum):
    NO_ERROR = 0
    PROTOCOL_ERROR = 1
    INTERNAL_ERROR = 2
    FLOW_CONTROL_ERROR = 3
    STREAM_CLOSED = 4
    STREAM_REFUSED = 5
    STREAM_CANCELLED = 6
    STREAM_RESET = 7
    FRAME_SIZE_ERROR = 8
    ACCEPT_QUEUE_FULL = 9
    ENHANCE_YOUR_CALM = 10
    REMOTE_GONE_AWAY = 11
    STREAMS_EXHAUSTED = 12
    WRITE_TIMEOUT = 13
    SESSION_CLOSED = 14
    PEER_EOF = 15
    UNKNOWN = 0xFF


class MuxadoProtocolError(Exception):
    """The peer broke the framing rules; the session must go away with ``code``."""

    def __init__(self, message: str, code: ErrorCode = ErrorCode.PROTOCOL_ERROR) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame. ``payload`` is the DATA body (empty for other types)."""

    type: int
    flags: int
    stream_id: int
    payload: bytes = b""
    increment: int = 0  # WNDINC
    error_code: int = 0  # RST, GOAWAY
    last_stream_id: int = 0  # GOAWAY
    debug: bytes = b""  # GOAWAY

    @property
    def fin(self) -> bool:
        return bool(self.flags & Flag.FIN)

    @property
    def syn(self) -> bool:
        return bool(self.flags & Flag.SYN)


def _header(length: int, ftype: int, flags: int, stream_id: int) -> bytes:
    if not 0 <= length <= MAX_FRAME_BODY:
        raise ValueError(f"frame body of {length} bytes does not fit in 24 bits")
    return _U32x2.pack((length << 8) | (ftype << 4) | flags, stream_id & _STREAM_MASK)


def data_header(stream_id: int, length: int, *, syn: bool = False, fin: bool = False) -> bytes:
    """The 8-byte header of a DATA frame whose body (``length`` bytes) is written separately (no copy)."""
    flags = (Flag.SYN if syn else 0) | (Flag.FIN if fin else 0)
    return _header(length, FrameType.DATA, flags, stream_id)


def encode_data(stream_id: int, payload: bytes = b"", *, syn: bool = False, fin: bool = False) -> bytes:
    return data_header(stream_id, len(payload), syn=syn, fin=fin) + payload


def encode_wndinc(stream_id: int, increment: int) -> bytes:
    if stream_id == 0 or not 0 < increment <= _STREAM_MASK:
        raise ValueError("WNDINC needs a stream id and an increment in 1..2**31-1")
    return _header(4, FrameType.WNDINC, 0, stream_id) + _U32.pack(increment)


def encode_rst(stream_id: int, code: int) -> bytes:
    return _header(4, FrameType.RST, 0, stream_id) + _U32.pack(code)


def encode_goaway(last_stream_id: int, code: int, debug: bytes = b"") -> bytes:
    return _header(8 + len(debug), FrameType.GOAWAY, 0, 0) + _U32x2.pack(last_stream_id & _STREAM_MASK, code) + debug


class FrameDecoder:
    """Incremental decoder: ``feed()`` any chunking of the byte stream, get back the complete frames.

    Frames may be split across feeds at any byte. Bodies of unknown frame types are skipped. Malformed control
    frames raise :class:`MuxadoProtocolError` (the session must then send GOAWAY and close).
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        """Bytes held back, waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        buf = self._buf
        buf += data
        frames: list[Frame] = []
        pos = 0
        end = len(buf)
        view = memoryview(buf)
        try:
            while end - pos >= HEADER_SIZE:
                word, sid = _U32x2.unpack_from(buf, pos)
                length = word >> 8
                if end - pos - HEADER_SIZE < length:
                    break
                body_start = pos + HEADER_SIZE
                pos = body_start + length
                ftype = (word >> 4) & 0xF
                flags = word & 0xF
                sid &= _STREAM_MASK
                if ftype == FrameType.DATA:
                    frames.append(Frame(ftype, flags, sid, bytes(view[body_start:pos])))
                elif ftype == FrameType.WNDINC:
                    if length != 4:
                        raise MuxadoProtocolError(f"WNDINC body of {length} bytes", ErrorCode.FRAME_SIZE_ERROR)
                    (inc,) = _U32.unpack_from(buf, body_start)
                    inc &= _STREAM_MASK
                    if sid == 0 or inc == 0:
                        raise MuxadoProtocolError("WNDINC on stream 0 or with a zero increment")
                    frames.append(Frame(ftype, 0, sid, increment=inc))
                elif ftype == FrameType.RST:
                    if length != 4:
                        raise MuxadoProtocolError(f"RST body of {length} bytes", ErrorCode.FRAME_SIZE_ERROR)
                    if sid == 0:
                        raise MuxadoProtocolError("RST on stream 0")
                    (code,) = _U32.unpack_from(buf, body_start)
                    frames.append(Frame(ftype, 0, sid, error_code=code))
                elif ftype == FrameType.GOAWAY:
                    if length < 8:
                        raise MuxadoProtocolError(f"GOAWAY body of {length} bytes", ErrorCode.FRAME_SIZE_ERROR)
                    if sid != 0:
                        raise MuxadoProtocolError("GOAWAY on a stream")
                    last, code = _U32x2.unpack_from(buf, body_start)
                    debug = bytes(view[body_start + 8 : pos])
                    frames.append(Frame(ftype, 0, 0, error_code=code, last_stream_id=last & _STREAM_MASK, debug=debug))
                # any other type: skipped
        finally:
            view.release()
        if pos:
            del buf[:pos]
        return frames


class RecvWindow:
    """Receive-side flow control of one stream: what the peer may still send, and what we owe it back.

    ``receive(n)`` checks an incoming DATA body against the window; ``consume(n)`` records bytes the application
    really used and returns the WNDINC increment to send now (0 when nothing is owed).
    """

    def __init__(self, size: int = INITIAL_WINDOW) -> None:
        self.size = size
        self.available = size  # what the peer may still send before we credit it
        self.buffered = 0  # received, not yet consumed

    def receive(self, n: int) -> None:
        if n > self.available:
            raise MuxadoProtocolError(
                f"peer sent {n} bytes with a window of {self.available}", ErrorCode.FLOW_CONTROL_ERROR
            )
        self.available -= n
        self.buffered += n

    def consume(self, n: int) -> int:
        if n <= 0:
            return 0
        n = min(n, self.buffered)
        self.buffered -= n
        self.available += n
        return n
