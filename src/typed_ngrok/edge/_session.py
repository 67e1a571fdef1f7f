"""An asyncio muxado session (server side: we open even stream ids) over one TLS connection.

Outgoing frames are queued and flushed once per event-loop turn, so many small frames (WNDINCs, headers) share one
TLS record. Each stream has a 256 KiB window in both directions: ``Stream.write`` blocks while the peer's window is
closed, and the peer is credited (WNDINC) only when the application calls ``Stream.consume`` for bytes it really used.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import socket
from collections.abc import Awaitable, Callable

from ._muxado import (
    INITIAL_WINDOW,
    ErrorCode,
    Frame,
    FrameDecoder,
    FrameType,
    MuxadoProtocolError,
    RecvWindow,
    data_header,
    encode_data,
    encode_goaway,
    encode_rst,
    encode_wndinc,
)

__all__ = ["MuxSession", "Stream", "StreamResetError"]

_READ_SIZE = 256 * 1024
_MAX_CHUNK = 64 * 1024


class StreamResetError(ConnectionError):
    """The stream was reset (by the peer, or because its session went away)."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message or f"stream reset (code {code})")
        self.code = code


class Stream:
    """One muxado stream. Reads return what arrived (``b""`` at the peer's FIN); writes honour the peer's window."""

    def __init__(self, session: MuxSession, stream_id: int) -> None:
        self.session = session
        self.id = stream_id
        self._chunks: collections.deque[bytes] = collections.deque()
        self._window = RecvWindow()
        self._send_window = INITIAL_WINDOW
        self._recv_fin = False
        self._sent_fin = False
        self._reset_code: int | None = None
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._answered = asyncio.Event()  # any frame from the peer on this stream (WNDINC, DATA, RST)
        self.reset_by_peer = False

    # -- called by the session -------------------------------------------------------------------------------
    def _on_data(self, payload: bytes, fin: bool) -> None:
        self._answered.set()
        if payload:
            self._window.receive(len(payload))
            self._chunks.append(payload)
        if fin:
            self._recv_fin = True
        self._readable.set()

    def _on_wndinc(self, increment: int) -> None:
        self._answered.set()
        self._send_window += increment
        self._writable.set()

    def _on_reset(self, code: int, *, by_peer: bool = False) -> None:
        self._answered.set()
        if self._reset_code is None:
            self.reset_by_peer = by_peer
            self._reset_code = code
        self._readable.set()
        self._writable.set()

    # -- public ----------------------------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._reset_code is not None or (self._recv_fin and self._sent_fin)

    @property
    def reset_code(self) -> int | None:
        return self._reset_code

    async def answered(self, timeout: float) -> bool:
        """Whether the peer sent anything on this stream (a live muxado peer credits the stream type it read at
        once) within ``timeout`` seconds. False means its session stopped serving streams."""
        if not self._answered.is_set():
            try:
                await asyncio.wait_for(self._answered.wait(), timeout)
            except TimeoutError:
                return False
        return True

    async def read(self) -> bytes:
        """The next chunk of data (not yet credited: call :meth:`consume`), or ``b""`` after the peer's FIN.

        Raises :class:`StreamResetError` when the stream was reset before any remaining data was read.
        """
        while not self._chunks:
            if self._recv_fin:
                return b""
            if self._reset_code is not None:
                raise StreamResetError(self._reset_code)
            self._readable.clear()
            await self._readable.wait()
        return self._chunks.popleft()

    async def readexactly(self, n: int) -> bytes:
        """Exactly ``n`` bytes, credited to the peer. Raises ``asyncio.IncompleteReadError`` at an early FIN."""
        parts: list[bytes] = []
        got = 0
        while got < n:
            chunk = await self.read()
            if not chunk:
                raise asyncio.IncompleteReadError(b"".join(parts), n)
            if got + len(chunk) > n:
                self._chunks.appendleft(chunk[n - got :])
                chunk = chunk[: n - got]
            parts.append(chunk)
            got += len(chunk)
            self.consume(len(chunk))
        return b"".join(parts)

    def unread(self, data: bytes) -> None:
        """Put bytes back at the front (they stay counted as received, not consumed)."""
        if data:
            self._chunks.appendleft(data)
            self._readable.set()

    def consume(self, n: int) -> None:
        """Credit ``n`` consumed bytes back to the peer (WNDINC)."""
        increment = self._window.consume(n)
        if increment and self._reset_code is None and not self._recv_fin:
            self.session._send(encode_wndinc(self.id, increment))

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        """Send ``data``, waiting for window credit. Raises :class:`StreamResetError` once the stream is reset."""
        view = memoryview(data)
        while view:
            while self._send_window <= 0 and self._reset_code is None:
                self._writable.clear()
                await self._writable.wait()
            if self._reset_code is not None:
                raise StreamResetError(self._reset_code)
            if self._sent_fin:
                raise StreamResetError(ErrorCode.STREAM_CLOSED, "write after close")
            n = min(len(view), self._send_window, _MAX_CHUNK)
            self._send_window -= n
            self.session._send(data_header(self.id, n), bytes(view[:n]))
            view = view[n:]
        await self.session.drain()

    def write_nowait(self, data: bytes, *, syn: bool = False) -> None:
        """Send a small frame now without window checks (the stream type, a short header: all within 256 KiB)."""
        self._send_window -= len(data)
        self.session._send(encode_data(self.id, data, syn=syn))

    def close_write(self) -> None:
        """Half-close our direction (DATA FIN). Idempotent."""
        if self._sent_fin or self._reset_code is not None:
            return
        self._sent_fin = True
        self.session._send(encode_data(self.id, fin=True))
        self.session._maybe_forget(self)

    def reset(self, code: int = ErrorCode.STREAM_CANCELLED) -> None:
        """Abort both directions (RST). Idempotent."""
        if self._reset_code is not None:
            return
        self._on_reset(code)
        self.session._send(encode_rst(self.id, code))
        self.session._maybe_forget(self)


StreamHandler = Callable[["Stream"], Awaitable[None]]


class MuxSession:
    """The server side of one muxado session. ``run()`` reads frames until the connection ends."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        on_stream: StreamHandler,
        *,
        trace: Callable[[str, Frame | None, bytes], None] | None = None,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._on_stream = on_stream
        self._streams: dict[int, Stream] = {}
        self._next_id = 2
        self._last_remote_id = 0
        self._out: list[bytes] = []
        self._flush_handle: asyncio.Handle | None = None
        self._loop = asyncio.get_running_loop()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = asyncio.Event()
        self.goaway_received: Frame | None = None
        self.close_reason = ""
        self.bytes_in = 0
        self.bytes_out = 0
        # Clients that leave Nagle on (ngrok's Rust SDKs) hold a response behind their unacknowledged WNDINC until our
        # delayed ACK fires (~40 ms a request); acknowledging at once after every read avoids that stall (Linux).
        sock = writer.get_extra_info("socket")
        self._quickack = sock if sock is not None and hasattr(socket, "TCP_QUICKACK") else None

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def stream_count(self) -> int:
        return len(self._streams)

    async def wait_closed(self) -> None:
        await self._closed.wait()

    # -- output ----------------------------------------------------------------------------------------------
    def _send(self, *parts: bytes) -> None:
        if self._closed.is_set():
            return
        self._out.extend(parts)
        if self._flush_handle is None:
            self._flush_handle = self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_handle = None
        if not self._out or self._writer.is_closing():
            self._out.clear()
            return
        data = b"".join(self._out)
        self._out.clear()
        self.bytes_out += len(data)
        self._writer.write(data)

    async def drain(self) -> None:
        if self._writer.transport.get_write_buffer_size() > 4 * INITIAL_WINDOW:
            with contextlib.suppress(ConnectionError):
                await self._writer.drain()

    # -- streams ---------------------------------------------------------------------------------------------
    def open_stream(self, stream_type: int) -> Stream:
        """Open an edge-initiated (even id) stream and send its 4-byte type alone in the SYN frame."""
        if self._closed.is_set():
            raise StreamResetError(ErrorCode.SESSION_CLOSED, "session closed")
        stream = Stream(self, self._next_id)
        self._next_id += 2
        self._streams[stream.id] = stream
        stream.write_nowait(stream_type.to_bytes(4, "big"), syn=True)
        return stream

    def _maybe_forget(self, stream: Stream) -> None:
        if stream.closed:
            self._streams.pop(stream.id, None)

    def spawn(self, coro: Awaitable[None]) -> asyncio.Task[None]:
        """Run a coroutine owned by this session (cancelled when it closes)."""
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- input -----------------------------------------------------------------------------------------------
    async def run(self) -> None:
        """Read and dispatch frames until EOF, an error, or :meth:`close`."""
        decoder = FrameDecoder()
        try:
            while True:
                data = await self._reader.read(_READ_SIZE)
                if not data:
                    self.close_reason = self.close_reason or "peer closed the connection"
                    break
                self.bytes_in += len(data)
                if self._quickack is not None:
                    try:
                        self._quickack.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                    except OSError:
                        self._quickack = None
                for frame in decoder.feed(data):
                    self._dispatch(frame)
        except MuxadoProtocolError as exc:
            self.close_reason = f"protocol error: {exc}"
            self._send(encode_goaway(self._last_remote_id, exc.code, str(exc).encode()))
        except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
            self.close_reason = self.close_reason or f"connection lost: {exc!r}"
        finally:
            await self.close()

    def _dispatch(self, frame: Frame) -> None:
        ftype = frame.type
        sid = frame.stream_id
        if ftype == FrameType.DATA:
            stream = self._streams.get(sid)
            if frame.syn:
                # Go muxado allocates ids in order but sends a stream's SYN with its first write, so concurrent
                # opens can put SYNs on the wire out of order (seen with 20 parallel binds): only parity and
                # duplicates are errors, not a lower id than the last one.
                if stream is not None or sid % 2 == 0:
                    raise MuxadoProtocolError(f"bad SYN for stream {sid}")
                self._last_remote_id = max(self._last_remote_id, sid)
                stream = Stream(self, sid)
                self._streams[sid] = stream
                self.spawn(self._on_stream(stream))
            elif stream is None or stream._recv_fin:
                if frame.payload or not frame.fin:
                    self._send(encode_rst(sid, ErrorCode.STREAM_CLOSED))
                return
            try:
                stream._on_data(frame.payload, frame.fin)
            except MuxadoProtocolError as exc:
                stream.reset(exc.code)
                return
            if frame.fin:
                self._maybe_forget(stream)
        elif ftype == FrameType.WNDINC:
            stream = self._streams.get(sid)
            if stream is not None:
                stream._on_wndinc(frame.increment)
        elif ftype == FrameType.RST:
            stream = self._streams.pop(sid, None)
            if stream is not None:
                stream._on_reset(frame.error_code, by_peer=True)
        elif ftype == FrameType.GOAWAY:
            self.goaway_received = frame
            self.close_reason = f"peer sent GOAWAY code={frame.error_code} {frame.debug.decode(errors='replace')!r}"

    async def close(self, code: int = ErrorCode.NO_ERROR, debug: str = "") -> None:
        """Send GOAWAY (when ``debug`` is given or the session is healthy), close the connection, reset streams."""
        if self._closed.is_set():
            return
        if debug:
            self.close_reason = self.close_reason or debug
            self._send(encode_goaway(self._last_remote_id, code, debug.encode()))
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush()
        self._closed.set()
        for stream in list(self._streams.values()):
            stream._on_reset(ErrorCode.SESSION_CLOSED)
        self._streams.clear()
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        with contextlib.suppress(Exception):
            self._writer.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(self._writer.wait_closed(), 2.0)

    def abort(self) -> None:
        """Drop the TCP connection at once, without GOAWAY (a crashed edge, from the agent's point of view)."""
        transport = self._writer.transport
        transport.abort()
