"""The muxado codec (pure) and the asyncio session over a socket pair: split reads, windows, interleaving, RST, GOAWAY."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator

import pytest

from typed_ngrok.edge._muxado import (
    INITIAL_WINDOW,
    ErrorCode,
    Frame,
    FrameDecoder,
    FrameType,
    MuxadoProtocolError,
    RecvWindow,
    encode_data,
    encode_goaway,
    encode_rst,
    encode_wndinc,
)
from typed_ngrok.edge._rpc import JsonAccumulator, proxy_header
from typed_ngrok.edge._session import MuxSession, Stream, StreamResetError


def test_header_layout_matches_the_wire() -> None:
    assert encode_data(3, b"\x00\x00\x00\x00", syn=True) == bytes.fromhex("00000412 00000003 00000000")
    assert encode_data(3, fin=True) == bytes.fromhex("00000011 00000003")
    assert encode_wndinc(3, 0x1ED) == bytes.fromhex("00000420 00000003 000001ed")
    assert encode_rst(7, ErrorCode.STREAM_CLOSED) == bytes.fromhex("00000400 00000007 00000004")
    assert encode_goaway(0, 0, b"no error") == bytes.fromhex("00001030 00000000 00000000 00000000") + b"no error"


def _wire() -> tuple[bytes, list[Frame]]:
    parts = [
        encode_data(3, b"\x00\x00\x00\x00", syn=True),
        encode_data(5, b"\xff\xff\xff\xff", syn=True),
        encode_data(3, b'{"Version":["2"]}\n'),
        encode_wndinc(2, 4),
        encode_data(5, b"\x01\x02\x03\x04"),
        bytes.fromhex("00000370 00000009") + b"xyz",  # unknown type 7: skipped
        encode_rst(9, ErrorCode.STREAM_CANCELLED),
        encode_data(3, fin=True),
        encode_goaway(5, ErrorCode.NO_ERROR, b"bye"),
    ]
    expected = [
        Frame(FrameType.DATA, 0x2, 3, b"\x00\x00\x00\x00"),
        Frame(FrameType.DATA, 0x2, 5, b"\xff\xff\xff\xff"),
        Frame(FrameType.DATA, 0, 3, b'{"Version":["2"]}\n'),
        Frame(FrameType.WNDINC, 0, 2, increment=4),
        Frame(FrameType.DATA, 0, 5, b"\x01\x02\x03\x04"),
        Frame(FrameType.RST, 0, 9, error_code=ErrorCode.STREAM_CANCELLED),
        Frame(FrameType.DATA, 0x1, 3, b""),
        Frame(FrameType.GOAWAY, 0, 0, error_code=0, last_stream_id=5, debug=b"bye"),
    ]
    return b"".join(parts), expected


def test_decoder_handles_every_split_point() -> None:
    wire, expected = _wire()
    for cut in range(len(wire) + 1):
        decoder = FrameDecoder()
        frames = decoder.feed(wire[:cut]) + decoder.feed(wire[cut:])
        assert frames == expected, cut
        assert decoder.pending == 0


def test_decoder_byte_by_byte_interleaved_streams() -> None:
    wire, expected = _wire()
    decoder = FrameDecoder()
    frames: list[Frame] = []
    for i in range(len(wire)):
        frames += decoder.feed(wire[i : i + 1])
    assert frames == expected
    assert [f.stream_id for f in frames if f.type == FrameType.DATA] == [3, 5, 3, 5, 3]
    assert frames[0].syn and not frames[0].fin and frames[6].fin


@pytest.mark.parametrize(
    "wire",
    [
        bytes.fromhex("00000320 00000003 000001"),  # WNDINC body of 3 bytes
        bytes.fromhex("00000420 00000003 00000000"),  # zero increment
        bytes.fromhex("00000420 00000000 00000004"),  # WNDINC on stream 0
        bytes.fromhex("00000430 00000000 00000000"),  # GOAWAY shorter than 8
        bytes.fromhex("00000400 00000000 00000000"),  # RST on stream 0
    ],
)
def test_malformed_control_frames_are_protocol_errors(wire: bytes) -> None:
    with pytest.raises(MuxadoProtocolError):
        FrameDecoder().feed(wire)


def test_encoders_refuse_invalid_values() -> None:
    with pytest.raises(ValueError):
        encode_wndinc(0, 4)
    with pytest.raises(ValueError):
        encode_wndinc(3, 0)
    with pytest.raises(ValueError):
        encode_data(3, b"x" * (0xFFFFFF + 1))


def test_recv_window_accounting() -> None:
    window = RecvWindow()
    window.receive(INITIAL_WINDOW - 10)
    window.receive(10)
    with pytest.raises(MuxadoProtocolError) as info:
        window.receive(1)
    assert info.value.code == ErrorCode.FLOW_CONTROL_ERROR
    assert window.consume(0) == 0
    assert window.consume(100) == 100
    window.receive(100)
    assert window.consume(INITIAL_WINDOW * 2) == INITIAL_WINDOW  # never credit more than was received
    assert window.available == INITIAL_WINDOW and window.buffered == 0


def test_json_accumulator_waits_for_a_whole_value() -> None:
    acc = JsonAccumulator()
    message = json.dumps({"Id": "", "Proto": "http", "Opts": {"Hostname": "é"}}).encode("utf-8")
    for i in range(len(message) - 1):
        assert acc.feed(message[i : i + 1]) == (False, None)
    assert acc.feed(message[-1:]) == (True, {"Id": "", "Proto": "http", "Opts": {"Hostname": "é"}})


def test_proxy_header_is_length_prefixed_little_endian() -> None:
    header = proxy_header("bind_1", "127.0.0.1:5", "http")
    length = int.from_bytes(header[:8], "little")
    assert length == len(header) - 8
    assert json.loads(header[8:]) == {
        "Id": "bind_1",
        "ClientAddr": "127.0.0.1:5",
        "Proto": "http",
        "EdgeType": "",
        "PassthroughTLS": False,
    }


# -- the asyncio session, driven by a hand-written peer over a socket pair ---------------------------------------


class Peer:
    """The agent side, speaking raw frames."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.decoder = FrameDecoder()
        self.frames: list[Frame] = []

    def send(self, *frames: bytes) -> None:
        self.writer.write(b"".join(frames))

    async def next(self, ftype: int | None = None, stream_id: int | None = None) -> Frame:
        while True:
            while self.frames:
                frame = self.frames.pop(0)
                if (ftype is None or frame.type == ftype) and (stream_id is None or frame.stream_id == stream_id):
                    return frame
            data = await asyncio.wait_for(self.reader.read(65536), 10)
            assert data, "session closed"
            self.frames += self.decoder.feed(data)


@pytest.fixture
async def pair() -> AsyncIterator[tuple[MuxSession, Peer, asyncio.Queue[Stream]]]:
    left, right = socket.socketpair()
    accepted: asyncio.Queue[Stream] = asyncio.Queue()

    async def on_stream(stream: Stream) -> None:
        await accepted.put(stream)

    r1, w1 = await asyncio.open_connection(sock=left)
    r2, w2 = await asyncio.open_connection(sock=right)
    session = MuxSession(r1, w1, on_stream)
    runner = asyncio.ensure_future(session.run())
    yield session, Peer(r2, w2), accepted
    await session.close()
    w2.close()
    with contextlib.suppress(Exception):
        await runner


async def test_send_window_blocks_until_wndinc(pair: tuple[MuxSession, Peer, asyncio.Queue[Stream]]) -> None:
    session, peer, _ = pair
    stream = session.open_stream(3)
    assert stream.id == 2
    payload = bytes(range(256)) * 2048  # 512 KiB: twice the window
    writer = asyncio.ensure_future(stream.write(payload))
    received = b""
    first = await peer.next(FrameType.DATA, 2)
    assert first.syn and first.payload == b"\x00\x00\x00\x03"
    while len(received) < INITIAL_WINDOW - 4:
        received += (await peer.next(FrameType.DATA, 2)).payload
    assert len(received) == INITIAL_WINDOW - 4  # the type bytes used 4 bytes of the window
    await asyncio.sleep(0.05)
    assert not writer.done()  # blocked on the closed window
    peer.send(encode_wndinc(2, INITIAL_WINDOW + 4))  # the rest: 512 KiB - (256 KiB - 4)
    while len(received) < len(payload):
        received += (await peer.next(FrameType.DATA, 2)).payload
    await asyncio.wait_for(writer, 10)
    assert received == payload


async def test_interleaved_streams_are_demultiplexed_and_credited(
    pair: tuple[MuxSession, Peer, asyncio.Queue[Stream]],
) -> None:
    _, peer, accepted = pair
    peer.send(
        encode_data(3, b"\x00\x00\x00\x01", syn=True),
        encode_data(5, b"\x00\x00\x00\x02", syn=True),
        encode_data(3, b"aaa"),
        encode_data(5, b"bbb"),
        encode_data(3, b"AAA"),
        encode_data(5, b"BBB"),
    )
    streams = {s.id: s for s in [await accepted.get(), await accepted.get()]}
    assert sorted(streams) == [3, 5]
    for sid, expected in ((3, b"aaaAAA"), (5, b"bbbBBB")):
        stream = streams[sid]
        assert await stream.readexactly(4) == b"\x00\x00\x00" + bytes([sid // 2])
        data = b""
        while len(data) < 6:
            chunk = await stream.read()
            data += chunk
            stream.consume(len(chunk))
        assert data == expected
    credited = {3: 0, 5: 0}
    while sum(credited.values()) < 20:  # every consumed byte is credited back, per stream
        frame = await peer.next(FrameType.WNDINC)
        credited[frame.stream_id] += frame.increment
    assert credited == {3: 10, 5: 10}


async def test_rst_and_unknown_streams(pair: tuple[MuxSession, Peer, asyncio.Queue[Stream]]) -> None:
    session, peer, accepted = pair
    peer.send(encode_data(3, b"\x00\x00\x00\x03", syn=True))
    stream = await accepted.get()
    peer.send(encode_rst(3, ErrorCode.STREAM_CANCELLED))
    await stream.readexactly(4)
    with pytest.raises(StreamResetError):
        await stream.read()
    with pytest.raises(StreamResetError):
        await stream.write(b"x")
    peer.send(encode_data(99, b"late"))  # data on an unknown stream: answered with RST StreamClosed
    rst = await peer.next(FrameType.RST)
    assert (rst.stream_id, rst.error_code) == (99, ErrorCode.STREAM_CLOSED)
    assert session.stream_count == 0


async def test_flow_control_violation_resets_the_stream(pair: tuple[MuxSession, Peer, asyncio.Queue[Stream]]) -> None:
    _, peer, accepted = pair
    peer.send(encode_data(3, b"\x00" * 4, syn=True))
    await accepted.get()
    peer.send(encode_data(3, b"x" * INITIAL_WINDOW))  # 4 + 256 KiB > window
    rst = await peer.next(FrameType.RST, 3)
    assert rst.error_code == ErrorCode.FLOW_CONTROL_ERROR


async def test_wrong_parity_syn_ends_the_session_with_goaway(
    pair: tuple[MuxSession, Peer, asyncio.Queue[Stream]],
) -> None:
    session, peer, _ = pair
    peer.send(encode_data(4, b"\x00\x00\x00\x00", syn=True))
    goaway = await peer.next(FrameType.GOAWAY)
    assert goaway.error_code == ErrorCode.PROTOCOL_ERROR
    await asyncio.wait_for(session.wait_closed(), 10)


async def test_both_fins_remove_the_stream(pair: tuple[MuxSession, Peer, asyncio.Queue[Stream]]) -> None:
    session, peer, accepted = pair
    peer.send(encode_data(3, b"\x00\x00\x00\x01", syn=True), encode_data(3, fin=True))
    stream = await accepted.get()
    assert await stream.readexactly(4) == b"\x00\x00\x00\x01"
    assert await stream.read() == b""
    assert session.stream_count == 1
    stream.close_write()
    assert session.stream_count == 0
    fin = await peer.next(FrameType.DATA, 3)
    assert fin.fin and fin.payload == b""


async def test_out_of_order_syns_are_accepted(pair: tuple[MuxSession, Peer, asyncio.Queue[Stream]]) -> None:
    # Go muxado sends a stream's SYN with its first write, so concurrently opened streams can arrive out of order
    session, peer, accepted = pair
    peer.send(encode_data(5, b"\x00\x00\x00\x01", syn=True), encode_data(3, b"\x00\x00\x00\x01", syn=True))
    ids = sorted([(await accepted.get()).id, (await accepted.get()).id])
    assert ids == [3, 5] and not session.closed
