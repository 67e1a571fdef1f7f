"""A minimal hand-written agent (TLS + muxado frames) for edge behaviours no real client triggers on demand: an agent
that resets a proxy stream before answering gets its public client a 502 and its session probed."""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any

import httpx

from typed_ngrok.edge import LocalEdge
from typed_ngrok.edge._muxado import ErrorCode, Frame, FrameDecoder, FrameType, encode_data, encode_rst


class RawAgent:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.decoder = FrameDecoder()
        self.pending: list[Frame] = []

    @classmethod
    async def connect(cls, edge: LocalEdge) -> RawAgent:
        ctx = ssl.create_default_context(cafile=edge.agent_ca_path)
        reader, writer = await asyncio.open_connection("127.0.0.1", edge.port, ssl=ctx, server_hostname="127.0.0.1")
        return cls(reader, writer)

    async def frame(self) -> Frame:
        while not self.pending:
            data = await self.reader.read(65536)
            assert data, "the edge closed the session"
            self.pending += self.decoder.feed(data)
        return self.pending.pop(0)

    async def rpc(self, sid: int, stream_type: int, body: dict[str, Any]) -> Any:
        payload = json.dumps(body).encode() + b"\n"
        self.writer.write(encode_data(sid, stream_type.to_bytes(4, "big"), syn=True) + encode_data(sid, payload))
        reply = b""
        while True:
            frame = await self.frame()
            if frame.type == FrameType.DATA and frame.stream_id == sid:
                reply += frame.payload
                if frame.fin:
                    return json.loads(reply)


async def test_a_proxy_stream_reset_before_any_answer_gets_502() -> None:
    async with LocalEdge() as edge:
        agent = await RawAgent.connect(edge)
        try:
            auth = await agent.rpc(3, 0, {"version": ["2"], "extra": {"authtoken": "raw", "clienttype": "raw-agent"}})
            assert auth["Error"] == ""
            bind = await agent.rpc(5, 1, {"id": "", "proto": "http", "opts": {}, "extra": {}})
            assert bind["Error"] == "" and bind["URL"].startswith("http://localhost:")
            mark = edge.mark()
            request = asyncio.ensure_future(asyncio.to_thread(httpx.get, bind["URL"] + "/x", timeout=30))
            while True:  # the edge opens a proxy stream: refuse it
                frame = await agent.frame()
                proxy = frame.type == FrameType.DATA and frame.syn and frame.stream_id % 2 == 0
                if proxy and frame.payload == (3).to_bytes(4, "big"):
                    agent.writer.write(encode_rst(frame.stream_id, ErrorCode.STREAM_REFUSED))
                    break
            response = await request
            assert response.status_code == 502
            event = await edge.await_event("proxy_unanswered", since=mark)
            assert event.detail["reset"] is True
            assert [s.client_type for s in edge.sessions] == ["raw-agent"]
        finally:
            agent.writer.close()
