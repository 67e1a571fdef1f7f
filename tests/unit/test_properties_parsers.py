"""Property-based tests of every parser and public input path of captured requests, tunnels, agent status, log lines,
config files and agent list answers: for arbitrary bytes and JSON-like values the result is a clean value or a
``PyngrokError`` subclass, nothing else (issue 9, items 3, 4, 5 and 9).

Reproducible in CI: ``derandomize=True`` and no example database; ``max_examples`` keeps the file to a few seconds.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import tempfile
import zlib
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from unittest import mock

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from typed_ngrok import agent, aio
from typed_ngrok._agent_api import requests as ops
from typed_ngrok._agent_api.aio import AsyncAgentAPI
from typed_ngrok._agent_api.sync import AgentAPI
from typed_ngrok._agent_process.config_file import convert_format, file_version, read_config, validate_config
from typed_ngrok._agent_process.logfmt import parse_line, parse_timestamp
from typed_ngrok._tunnels import captured as _captured
from typed_ngrok._tunnels.http_message import HttpMessage, decode_raw, parse_http_message
from typed_ngrok._tunnels.model import NgrokApiResponse, NgrokTunnel
from typed_ngrok._tunnels.resolve import check_limit
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError
from typed_ngrok.log import NgrokLog

T = TypeVar("T")

FEW = settings(max_examples=40, derandomize=True, database=None, deadline=None)
SOME = settings(max_examples=100, derandomize=True, database=None, deadline=None)
MANY = settings(max_examples=200, derandomize=True, database=None, deadline=None)

# ---- strategies ----------------------------------------------------------------------------------------------------
SCALARS: st.SearchStrategy[object] = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12), st.binary(max_size=8)
)
JSON_LIKE: st.SearchStrategy[object] = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
ANYTHING: st.SearchStrategy[object] = st.one_of(JSON_LIKE, st.builds(object), st.just(float("nan")))

_CODINGS = [b"chunked", b"gzip", b"x-gzip", b"deflate", b"gzip, chunked", b"deflate, chunked", b"br", b"identity"]
_TYPES = [b"text/plain; charset=latin-1", b"application/json", b"text/plain; charset=bogus", b"text/x; charset=rot13"]


def _chunked(payload: bytes, size: int) -> bytes:
    pieces = [payload[i : i + size] for i in range(0, len(payload), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """Arbitrary bytes, or a payload gzip/deflate-compressed and/or chunked, possibly truncated or with a byte flipped."""
    payload = draw(st.binary(max_size=48))
    if draw(st.booleans()):
        return payload
    coding = draw(st.sampled_from(["gzip", "zlib", "raw", "none"]))
    if coding == "gzip":
        payload = gzip.compress(payload, mtime=0)
    elif coding == "zlib":
        payload = zlib.compress(payload)
    elif coding == "raw":
        deflater = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        payload = deflater.compress(payload) + deflater.flush()
    if draw(st.booleans()):
        payload = _chunked(payload, draw(st.integers(1, 9)))
    damage = draw(st.sampled_from(["none", "cut", "flip"]))
    if damage == "cut" and payload:
        payload = payload[: draw(st.integers(0, len(payload) - 1))]
    elif damage == "flip" and payload:
        at = draw(st.integers(0, len(payload) - 1))
        payload = payload[:at] + bytes([payload[at] ^ 0xFF]) + payload[at + 1 :]
    return payload


@st.composite
def wire_messages(draw: st.DrawFn) -> bytes:
    """HTTP/1.x-like wire bytes: a start line (good, odd or random), coding/type headers and a body."""
    start = draw(
        st.sampled_from(
            [b"GET / HTTP/1.1", b"HTTP/1.1 200 OK", b"HTTP/1.1 \xb9 OK", b"HTTP/1.1 \xd9\xa3\xd9\xa3 x", b""]
        )
        | st.binary(max_size=16)
    )
    names = st.sampled_from([b"Transfer-Encoding", b"Content-Encoding", b"Content-Type", b" folded", b"X"])
    values = st.sampled_from(_CODINGS + _TYPES) | st.binary(max_size=10)
    headers = draw(st.lists(st.tuples(names, values), max_size=4))
    separator = draw(st.sampled_from([b"\r\n", b"\n"]))
    head = start + separator + b"".join(name + b": " + value + separator for name, value in headers)
    return head + separator + draw(bodies())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


RAW: st.SearchStrategy[object] = st.one_of(wire_messages().map(_b64), st.text(max_size=12), JSON_LIKE)
HEADERS: st.SearchStrategy[object] = st.one_of(
    st.dictionaries(st.text(max_size=6), st.lists(st.text(max_size=6), max_size=2), max_size=3), JSON_LIKE
)
REQUEST_BLOCK: st.SearchStrategy[object] = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "method": st.text(max_size=6) | JSON_LIKE,
            "proto": JSON_LIKE,
            "uri": JSON_LIKE,
            "raw": RAW,
            "headers": HEADERS,
        },
    ),
    JSON_LIKE,
)
RESPONSE_BLOCK: st.SearchStrategy[object] = st.one_of(
    st.just({"status": "", "status_code": 0, "proto": "", "headers": None, "raw": None}),  # 2.3.41's pending shape
    st.fixed_dictionaries(
        {},
        optional={
            "status": JSON_LIKE,
            "status_code": st.integers(0, 599) | JSON_LIKE,
            "proto": JSON_LIKE,
            "raw": RAW,
            "headers": HEADERS,
        },
    ),
    JSON_LIKE,
)
CAPTURED: st.SearchStrategy[object] = st.one_of(
    st.fixed_dictionaries(
        {"id": st.text(max_size=8) | JSON_LIKE},
        optional={
            "uri": JSON_LIKE,
            "tunnel_name": JSON_LIKE,
            "remote_addr": JSON_LIKE,
            "start": st.sampled_from(
                [
                    "2026-11-22T11:41:54Z",
                    "2026-11-22T11:41:54-08:00",
                    "0001-01-01T00:00:00+05:00",
                    "2026-02-30T00:00:00Z",
                    "x",
                ]
            )
            | JSON_LIKE,
            "duration": st.integers() | JSON_LIKE,
            "request": REQUEST_BLOCK,
            "response": RESPONSE_BLOCK,
        },
    ),
    JSON_LIKE,
)
TUNNEL: st.SearchStrategy[object] = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "ID": JSON_LIKE,
            "id": JSON_LIKE,
            "name": st.text(max_size=8) | JSON_LIKE,
            "public_url": st.sampled_from(["https://a.ngrok.io", "http://[x", "tcp://1.2.3.4:5", ""]) | JSON_LIKE,
            "url": JSON_LIKE,
            "proto": JSON_LIKE,
            "uri": JSON_LIKE,
            "config": st.fixed_dictionaries({}, optional={"addr": JSON_LIKE, "inspect": JSON_LIKE}) | JSON_LIKE,
            "upstream": st.fixed_dictionaries({}, optional={"url": JSON_LIKE}) | JSON_LIKE,
            "metrics": JSON_LIKE,
        },
    ),
    JSON_LIKE,
)


def outcome(call: Callable[[], T]) -> T | None:
    """``call()``'s value, or None when it raised a PyngrokError; any other exception fails the test."""
    try:
        return call()
    except PyngrokError:
        return None


def _read_message(message: HttpMessage, name: object = "Content-Type", encoding: object = "no-such-codec") -> None:
    outcome(lambda: message.decoded_body)
    outcome(message.text)
    outcome(message.json)
    outcome(lambda: message.text(encoding))  # type: ignore[arg-type]
    outcome(lambda: message.header(name))  # type: ignore[arg-type]
    assert message.status_code is None or 100 <= message.status_code <= 999


def _read_captured(captured: agent.CapturedRequest) -> None:
    assert isinstance(captured.id, str)
    request = outcome(lambda: captured.request)  # the blocks are checked on first access
    assert request is None or isinstance(request, dict)
    if outcome(lambda: captured.response) is None and outcome(lambda: captured.pending) is None:
        return  # a malformed response block: every reader of it raises the same PyngrokNgrokError
    assert captured.pending is (captured.response is None)
    outcome(captured.raw_request)
    raw = outcome(captured.raw_response)
    assert raw is None or isinstance(raw, bytes)
    for message in (outcome(captured.parsed_request), outcome(captured.parsed_response)):
        if message is not None:
            _read_message(message)
    repr(captured)


# ---- HTTP messages -------------------------------------------------------------------------------------------------
@MANY
@given(
    wire=st.one_of(wire_messages(), st.binary(max_size=96)),
    name=st.sampled_from(["Content-Type", "x"]) | SCALARS,
    encoding=st.sampled_from(["latin-1", "utf-16", "rot13", "base64", "idna", "no-such-codec"]) | SCALARS,
)
def test_parse_http_message_gives_a_message_or_a_pyngrok_error(wire: bytes, name: object, encoding: object) -> None:
    message = outcome(lambda: parse_http_message(wire))
    if message is not None:
        _read_message(message, name, encoding)


@SOME
@given(value=ANYTHING)
def test_parse_http_message_and_decode_raw_refuse_other_types_cleanly(value: object) -> None:
    outcome(lambda: parse_http_message(value))  # type: ignore[arg-type]
    decoded = outcome(lambda: decode_raw(value))  # type: ignore[arg-type]
    assert decoded is None or isinstance(decoded, bytes)


@SOME
@given(text=st.text(max_size=40) | st.binary(max_size=40).map(_b64))
def test_decode_raw_gives_bytes_or_a_pyngrok_error(text: str) -> None:
    assert outcome(lambda: decode_raw(text)) is None or isinstance(decode_raw(text), bytes)


@SOME
@given(payload=st.binary(max_size=200), size=st.integers(1, 50), gzipped=st.booleans())
def test_decoded_body_undoes_chunking_and_compression(payload: bytes, size: int, gzipped: bool) -> None:
    body = gzip.compress(payload, mtime=0) if gzipped else payload
    head = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" + (b"Content-Encoding: gzip\r\n" if gzipped else b"")
    message = parse_http_message(head + b"\r\n" + _chunked(body, size))
    assert message.decoded_body == payload
    assert message.body == _chunked(body, size)  # the raw body is kept as captured


# ---- captured requests, agent status, tunnels ----------------------------------------------------------------------
@MANY
@given(data=CAPTURED)
def test_captured_request_from_any_shape(data: object) -> None:
    captured = outcome(lambda: agent.CapturedRequest(data))  # type: ignore[arg-type]
    if captured is not None:
        _read_captured(captured)


@SOME
@given(data=ANYTHING)
def test_agent_status_from_any_shape(data: object) -> None:
    status = outcome(lambda: agent.NgrokAgent(data))  # type: ignore[arg-type]
    if status is not None:
        assert status.uri is None or isinstance(status.uri, str)
        assert status.session is None or isinstance(status.session, dict)
        repr(status)


@SOME
@given(data=TUNNEL, config_version=st.sampled_from(["2", "3"]), api_url=st.none() | st.just("http://x") | SCALARS)
def test_tunnel_from_any_shape(data: object, config_version: str, api_url: object) -> None:
    cfg = PyngrokConfig(config_version=config_version)
    tunnel = outcome(lambda: NgrokTunnel(data, cfg, api_url))  # type: ignore[arg-type]
    if tunnel is not None:
        for text in (tunnel.id, tunnel.name, tunnel.public_url, tunnel.proto, tunnel.uri):
            assert text is None or isinstance(text, str)
        assert isinstance(tunnel.config, dict) and isinstance(tunnel.upstream, dict)
        assert isinstance(tunnel.metrics, dict)
        repr(tunnel)
        str(tunnel)


@SOME
@given(body=st.one_of(st.text(max_size=40), JSON_LIKE.map(lambda v: "status: " + json.dumps(v, default=str)), ANYTHING))
def test_api_response_from_any_body(body: object) -> None:
    response = outcome(lambda: NgrokApiResponse.from_body(body))  # type: ignore[arg-type]
    if response is not None:
        assert response.data is None or isinstance(response.data, dict)


def test_api_response_from_json_nested_too_deep() -> None:
    response = NgrokApiResponse.from_body('x {"a":' + "[" * 100_000 + "]" * 100_000 + "}")
    assert response.data is None


# ---- log lines ----------------------------------------------------------------------------------------------------
@MANY
@given(line=st.one_of(st.text(max_size=60), st.binary(max_size=60)))
def test_log_lines_always_parse(line: str | bytes) -> None:
    parsed = parse_line(line)
    assert isinstance(parsed.fields, dict)
    log = NgrokLog(line)  # type: ignore[arg-type]
    assert log.timestamp is None or log.timestamp.tzinfo is not None
    str(log)
    repr(log)


@SOME
@given(value=ANYTHING, text=st.text(max_size=40))
def test_log_line_of_another_type_and_timestamps(value: object, text: str) -> None:
    outcome(lambda: NgrokLog(value))  # type: ignore[arg-type]
    stamp = parse_timestamp(text)
    assert stamp is None or stamp.tzinfo is not None


# ---- config files ------------------------------------------------------------------------------------------------
_YAML_BITS = [
    "a: ",
    "b:\n  - ",
    "{",
    "}",
    "[",
    "]",
    "&x ",
    "*x",
    "!!binary ",
    "!!set ",
    "? ",
    "version: ",
    "'3'",
    "agent: ",
    "2001-02-30",
    "2001-02-03",
    "0x1F",
    "1e999",
    "~",
    ": ",
    "\n",
    "  ",
    "- ",
    "<<: ",
    '"\\x"',
    "tunnels: ",
    "web_addr: false",
    "log_level: ",
    "\t",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
]


@SOME
@given(
    text=st.one_of(
        st.lists(st.sampled_from(_YAML_BITS) | st.text(max_size=4), max_size=12).map("".join),
        st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
    ),
    raw=st.booleans(),
)
def test_read_config_gives_a_mapping_or_a_pyngrok_error(text: str, raw: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ngrok.yml"
        if raw:
            path.write_bytes(text.encode("latin-1", "replace"))
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        data = outcome(lambda: read_config(str(path), use_cache=False))
    if data is not None:
        assert isinstance(data, dict)
        outcome(lambda: validate_config(data))
        assert file_version(data) in ("2", "3")
        for version in ("2", "3"):
            converted = outcome(partial(convert_format, data, version))
            assert converted is None or converted["version"] == version


@SOME
@given(
    data=st.dictionaries(st.sampled_from(["version", "agent", "web_addr", "log_format", "log_level", "x"]), JSON_LIKE)
)
def test_config_checks_on_any_values(data: dict[str, Any]) -> None:
    outcome(lambda: validate_config(data))
    assert file_version(data) in ("2", "3")
    for version in ("2", "3", "4"):
        outcome(partial(convert_format, data, version))


# ---- agent list answers and single answers, sync and aio ----------------------------------------------------------
ENVELOPE: st.SearchStrategy[object] = st.one_of(
    st.fixed_dictionaries({"requests": st.lists(CAPTURED, max_size=3)}),
    st.fixed_dictionaries({"tunnels": st.lists(TUNNEL, max_size=3)}),
    JSON_LIKE,
)


@SOME
@given(data=ENVELOPE, key=st.sampled_from(["requests", "tunnels", "endpoints"]))
def test_list_answers_give_objects_or_a_pyngrok_error(data: object, key: str) -> None:
    request = {"requests": ops.list_requests, "tunnels": ops.list_tunnels, "endpoints": ops.list_endpoints}[key]()
    content = json.dumps(data, default=str).encode()
    items = outcome(lambda: ops.read_answer(request, "http://x/api", 200, content))
    if items is not None:
        assert all(isinstance(item, dict) for item in items)


def _answer_body(value: object, raw: bytes | None) -> bytes:
    return raw if raw is not None else json.dumps(value, default=str).encode()


ANSWERS = {
    "status": st.sampled_from([200, 201, 204, 302, 400, 404, 500]),
    "value": ENVELOPE | CAPTURED | TUNNEL,
    "raw": st.none() | st.binary(max_size=24) | st.just(b"[" * 5000 + b"]" * 5000),
}


def _public_objects(method: str, result: object) -> None:
    """What the public functions build from an AgentAPI result: every step clean or a PyngrokError."""
    if method == "list_requests":
        assert isinstance(result, list)
        requests = outcome(lambda: _captured.newest_first([agent.CapturedRequest(i) for i in result], None, 2))
        for captured in requests or []:
            _read_captured(captured)
    elif method == "get_request":
        single = outcome(lambda: agent.CapturedRequest(result))  # type: ignore[arg-type]
        if single is not None:
            _read_captured(single)
    elif method in ("list_tunnels", "get_tunnel"):
        for item in result if isinstance(result, list) else [result]:
            outcome(partial(NgrokTunnel, item, PyngrokConfig(), "http://x"))  # type: ignore[arg-type]
    else:
        outcome(lambda: agent.NgrokAgent(result))  # type: ignore[arg-type]


_METHODS = st.sampled_from(["list_requests", "get_request", "list_tunnels", "get_tunnel", "get_status"])


def _call_args(method: str) -> tuple[str, ...]:
    return ("airt_1",) if method == "get_request" else ("web",) if method == "get_tunnel" else ()


@FEW
@given(method=_METHODS, **ANSWERS)
def test_agent_api_answers_any_body_with_a_result_or_a_pyngrok_error(
    method: str, status: int, value: object, raw: bytes | None
) -> None:
    body = _answer_body(value, raw)
    api = AgentAPI(
        "http://127.0.0.1:4040", transport=httpx.MockTransport(lambda request: httpx.Response(status, content=body))
    )
    try:
        result = outcome(lambda: getattr(api, method)(*_call_args(method)))
    finally:
        api.close()
    if result is not None:
        _public_objects(method, result)


@FEW
@given(method=_METHODS, **ANSWERS)
def test_async_agent_api_answers_any_body_with_a_result_or_a_pyngrok_error(
    method: str, status: int, value: object, raw: bytes | None
) -> None:
    body = _answer_body(value, raw)

    async def call() -> object:
        api = AsyncAgentAPI(
            "http://127.0.0.1:4040", transport=httpx.MockTransport(lambda request: httpx.Response(status, content=body))
        )
        try:
            return await getattr(api, method)(*_call_args(method))
        except PyngrokError:
            return None
        finally:
            await api.close()

    result = asyncio.run(call())
    if result is not None:
        _public_objects(method, result)


# ---- public input paths: ids, names and limits are checked before any I/O, sync and aio ---------------------------
class _ReachedIO(PyngrokError):
    """Raised by the patched agent lookup: the call got past its argument checks."""


def _no_io(*args: object) -> NoReturn:
    raise _ReachedIO("I/O")


async def _ano_io(*args: object) -> NoReturn:
    raise _ReachedIO("I/O")


def _valid(check: Callable[[], object]) -> bool:
    try:
        check()
    except PyngrokError:
        return False
    return True


def _expect(call: Callable[[], object], valid: bool) -> None:
    try:
        call()
    except _ReachedIO:
        assert valid, "a refused argument reached the agent"
        return
    except PyngrokError:
        assert not valid, "an accepted argument was refused"
        return
    raise AssertionError("the patched agent lookup was not reached")


def _aexpect(call: Callable[[], Awaitable[object]], valid: bool) -> None:
    async def run() -> object:
        return await call()

    _expect(lambda: asyncio.run(run()), valid)


IDS: st.SearchStrategy[object] = st.one_of(
    st.sampled_from(["", " ", ".", "..", "a/b", "airt_1", "a\x00", "%2e", "web (http)"]), st.text(max_size=6), SCALARS
)


@SOME
@given(request_id=IDS, tunnel_name=IDS, limit=st.one_of(st.integers(-2, 3), SCALARS))
def test_ids_names_and_limits_are_checked_before_any_io(request_id: object, tunnel_name: object, limit: object) -> None:
    id_ok = _valid(lambda: _captured.check_request_id(request_id))
    name_ok = _valid(lambda: _captured.check_tunnel_name(tunnel_name))
    limit_ok = _valid(lambda: check_limit(limit))
    cfg = PyngrokConfig()
    with mock.patch("typed_ngrok.ngrok._agent", _no_io), mock.patch("typed_ngrok.aio._agent", _ano_io):
        _expect(lambda: agent.get_request(request_id, cfg), id_ok)  # type: ignore[arg-type]
        _expect(lambda: agent.replay_request(request_id, tunnel_name, cfg), id_ok and name_ok)  # type: ignore[arg-type]
        _expect(lambda: agent.get_requests(tunnel_name, cfg, limit=limit), name_ok and limit_ok)  # type: ignore[arg-type]
        _aexpect(lambda: aio.get_request(request_id, cfg), id_ok)  # type: ignore[arg-type]
        _aexpect(lambda: aio.replay_request(request_id, tunnel_name, cfg), id_ok and name_ok)  # type: ignore[arg-type]
        _aexpect(lambda: aio.get_requests(tunnel_name, cfg, limit=limit), name_ok and limit_ok)  # type: ignore[arg-type]


def test_request_id_rules_name_the_argument() -> None:
    for bad in ("", " ", ".", "..", "a/b", "a\nb", None, 5):
        try:
            _captured.check_request_id(bad)
        except PyngrokError as exc:
            assert "request_id" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")
    assert _captured.check_request_id("airt_3MSd4w1uwigdjo6mUtZbNVe8YPE") == "airt_3MSd4w1uwigdjo6mUtZbNVe8YPE"
