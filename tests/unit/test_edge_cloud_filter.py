"""The local edge cloud API's decisions without sockets: the CEL filter subset, pagination, header and body checks
(docs/edge-cloud.md)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from typed_ngrok.edge._cel import CelError, compile_filter, matches
from typed_ngrok.edge._cloud_api import (
    MAX_LIMIT,
    Answer,
    Cursors,
    SortKey,
    check_action_body,
    check_headers,
    list_page,
)

SESSION: dict[str, Any] = {
    "id": "ts_1",
    "agent_version": "2.3.41",
    "os": "linux",
    "metadata": "fleet-1",
    "credential": {"id": "cr_1", "uri": "http://x/credentials/cr_1"},
    "tunnel_session": {"id": "ts_9"},
    "port": 8443,
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('obj.agent_version == "2.3.41"', True),
        ("obj.agent_version == '2.3.41'", True),
        ('obj.agent_version != "2.3.41"', False),
        ('obj.metadata >= "fleet-" && obj.metadata < "fleet-9"', True),
        ('obj.os == "darwin" || obj.id == "ts_1"', True),
        ('obj.os == "darwin" || obj.id == "ts_1" && obj.metadata == "x"', False),  # && binds tighter
        ('(obj.os == "darwin" || obj.id == "ts_1") && obj.metadata == "fleet-1"', True),
        ('obj.credential.id == "cr_1" && obj.tunnel_session.id == "ts_9"', True),
        ("obj.port > 8000 && obj.port <= 8443 && obj.port >= 8443.0 && obj.port < 9e3", True),
        ("obj.missing == null", True),
        ('obj.missing.deeper == "x"', False),
        ('obj.metadata == "fleet-1" == true', None),  # comparisons do not chain
        ("(obj.port == 8443) == true", True),
        ("true", True),
        ('obj.port == "8443"', False),  # no cross-type equality
        ('obj.metadata == "a\\"b"', False),
    ],
)
def test_filter_subset(source: str, expected: bool | None) -> None:
    if expected is None:
        with pytest.raises(CelError, match="do not chain"):
            compile_filter(source)
        return
    assert matches(compile_filter(source), SESSION) is expected


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ('obj.type in ["agent", "cloud"]', "unsupported character '['"),
        ("obj.type in obj.kinds", "unexpected 'in'"),
        ("size(obj.id) > 0", "unknown name 'size'"),
        ('obj.id.startsWith("ts_")', "function calls are not supported"),
        ('!(obj.id == "x")', "unsupported character '!'"),
        ("obj.port + 1 > 2", "unsupported character '+'"),
        ('obj["id"] == "x"', "unsupported character '['"),
        ("other.id == 1", "unknown name 'other'"),
        ("obj == 1", "'obj' alone"),
        ("obj.port", "is not a condition"),
        ('obj.port == 1 && "x"', "is not a condition"),
        ("obj.id ==", "ends too early"),
        ('(obj.id == "x"', "ends too early"),
        ('obj.id == "x")', "unexpected ')'"),
        ("", "empty"),
        ("   ", "empty"),
        ('obj.id == "x\\q"', "unsupported escape"),
        ("(" * 100 + "true" + ")" * 100, "nests deeper"),
        ("true || " * 2000 + "true", "longer than"),
    ],
)
def test_filter_refusals(source: str, reason: str) -> None:
    with pytest.raises(CelError, match=re.escape(reason)):
        compile_filter(source)


def test_ordering_across_types_cannot_be_evaluated() -> None:
    expr = compile_filter("obj.agent_version > 2")
    with pytest.raises(CelError, match="no ordering '>' between string and number"):
        matches(expr, SESSION)
    assert matches(compile_filter("obj.port > 2"), SESSION) is True


BASE = "http://127.0.0.1:9"


def _items(n: int) -> list[tuple[SortKey, dict[str, Any]]]:
    """``n`` sessions with their sort keys, newest first (``ts_n`` started at time n)."""
    return [((float(i), f"ts_{i}"), {"id": f"ts_{i}", "metadata": f"m{i % 2}"}) for i in range(n, 0, -1)]


def _body(answer: Answer) -> dict[str, Any]:
    assert answer.status == 200, answer.body
    assert isinstance(answer.body, dict)
    return answer.body


def test_pages_follow_before_id_until_null() -> None:
    items = _items(5)
    seen: list[str] = []
    query = "limit=2"
    pages = 0
    while True:
        body = _body(list_page(BASE, "tunnel_sessions", items, query, Cursors()))
        pages += 1
        assert body["uri"] == f"{BASE}/tunnel_sessions"
        seen += [item["id"] for item in body["tunnel_sessions"]]
        if body["next_page_uri"] is None:
            break
        parts = urlsplit(body["next_page_uri"])
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE}/tunnel_sessions"
        query = parts.query
    assert seen == [item["id"] for _, item in items] and pages == 3


def test_default_and_maximum_limit() -> None:
    items = _items(MAX_LIMIT + 1)
    body = _body(list_page(BASE, "tunnels", items, "", Cursors()))
    assert len(body["tunnels"]) == MAX_LIMIT and body["next_page_uri"] is not None
    assert parse_qs(urlsplit(body["next_page_uri"]).query) == {"before_id": ["ts_2"], "limit": [str(MAX_LIMIT)]}
    exact = _body(list_page(BASE, "tunnels", items[:MAX_LIMIT], f"limit={MAX_LIMIT}", Cursors()))
    assert exact["next_page_uri"] is None


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("limit=101", "ERR_NGROK_233"),
        ("limit=0", "ERR_NGROK_233"),
        ("limit=-5", "ERR_NGROK_233"),
        ("limit=" + "9" * 50, "ERR_NGROK_233"),
        ("limit=ten", "ERR_NGROK_244"),
        ("limit=1.5", "ERR_NGROK_244"),
        ("filter=obj.id%20in%20x", "ERR_NGROK_250"),
        ("ids=ep_1", "ERR_NGROK_400"),
        ("urls=https%3A%2F%2Fx", "ERR_NGROK_400"),
        ("id=ep_1", "ERR_NGROK_400"),
        ("url=https%3A%2F%2Fx", "ERR_NGROK_400"),
        ("filter=true&filter=false", "ERR_NGROK_400"),
        ("limit=1&limit=2", "ERR_NGROK_400"),
        ("before_id=ts_1&before_id=ts_2", "ERR_NGROK_400"),
        ("id=", "ERR_NGROK_400"),
    ],
)
def test_list_refusals(query: str, code: str) -> None:
    answer = list_page(BASE, "endpoints", _items(3), query, Cursors())
    assert answer.status == 400 and isinstance(answer.body, dict) and answer.body["error_code"] == code
    assert json.loads(answer.encoded())["details"]["operation_id"].startswith("op_")


def test_filter_is_kept_in_next_page_uri() -> None:
    source = 'obj.metadata == "m1"'
    query = "limit=1&filter=" + source.replace(" ", "%20")
    body = _body(list_page(BASE, "tunnel_sessions", _items(6), query, Cursors()))
    assert [item["id"] for item in body["tunnel_sessions"]] == ["ts_5"]
    assert parse_qs(urlsplit(body["next_page_uri"]).query) == {
        "before_id": ["ts_5"],
        "limit": ["1"],
        "filter": [source],
    }


def test_unknown_before_id_is_an_empty_last_page() -> None:
    body = _body(list_page(BASE, "tunnel_sessions", _items(3), "before_id=ts_nope", Cursors()))
    assert body["tunnel_sessions"] == [] and body["next_page_uri"] is None


def test_unsupported_parameters_are_named() -> None:
    """A parameter the lists do not take is refused by name (never ignored), and so is one given twice."""
    answer = list_page(BASE, "endpoints", _items(3), "limit=1&url=https%3A%2F%2Fx", Cursors())
    assert answer.status == 400 and isinstance(answer.body, dict) and "'url'" in answer.body["msg"]
    twice = list_page(BASE, "endpoints", _items(3), "filter=true&filter=false", Cursors())
    assert isinstance(twice.body, dict) and "'filter'" in twice.body["msg"] and "once" in twice.body["msg"]


def test_a_page_after_a_cursor_that_went_away() -> None:
    """The next page starts after the cursor's place even when its item is gone (stopped session): nothing older is
    lost, nothing is repeated."""
    cursors = Cursors()
    items = _items(5)
    first = _body(list_page(BASE, "tunnel_sessions", items, "limit=2", cursors))
    assert [item["id"] for item in first["tunnel_sessions"]] == ["ts_5", "ts_4"]
    remaining = [pair for pair in items if pair[1]["id"] != "ts_4"]  # the cursor's session stopped
    query = urlsplit(first["next_page_uri"]).query
    second = _body(list_page(BASE, "tunnel_sessions", remaining, query, cursors))
    assert [item["id"] for item in second["tunnel_sessions"]] == ["ts_3", "ts_2"]
    assert second["next_page_uri"] is not None
    newer = [((9.0, "ts_9"), {"id": "ts_9", "metadata": "m1"}), *remaining]  # a newer session is not on later pages
    third = _body(list_page(BASE, "tunnel_sessions", newer, urlsplit(second["next_page_uri"]).query, cursors))
    assert [item["id"] for item in third["tunnel_sessions"]] == ["ts_1"] and third["next_page_uri"] is None


def test_cursors_keep_the_newest_ids_only() -> None:
    cursors = Cursors(capacity=2)
    for n in range(3):
        cursors.remember(f"ts_{n}", (float(n), f"ts_{n}"))
    assert cursors.get("ts_0") is None and cursors.get("ts_2") == (2.0, "ts_2")


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "ERR_NGROK_200"),
        ({"authorization": "   "}, "ERR_NGROK_200"),
        ({"authorization": "Token k"}, "ERR_NGROK_201"),
        ({"authorization": "Bearer"}, "ERR_NGROK_201"),
        ({"authorization": "Bearer other"}, "ERR_NGROK_203"),
        ({"authorization": "Bearer k"}, "ERR_NGROK_218"),
        ({"authorization": "bearer k", "ngrok-version": "3"}, "ERR_NGROK_217"),
        ({"authorization": "Bearer k", "ngrok-version": "2"}, None),
    ],
)
def test_headers(headers: dict[str, str], code: str | None) -> None:
    refused = check_headers(headers, "k")
    if code is None:
        assert refused is None
        return
    assert refused is not None and isinstance(refused.body, dict) and refused.body["error_code"] == code
    assert "other" not in json.dumps(refused.body)  # a wrong key is never echoed


@pytest.mark.parametrize(
    ("ctype", "body", "ok"),
    [
        ("application/json", b"{}", True),
        ("application/json; charset=utf-8", b'{"id": "ts_1"}', True),
        ("application/json", b"", False),
        ("application/json", b"null", False),
        ("application/json", b"\xff", False),
        ("application/json", b"[" * 65000, False),
        ("", b"{}", False),
        ("text/plain", b"{}", False),
    ],
)
def test_action_bodies(ctype: str, body: bytes, ok: bool) -> None:
    headers = {"content-type": ctype} if ctype else {}
    refused = check_action_body(headers, body)
    assert (refused is None) is ok
    if refused is not None:
        assert isinstance(refused.body, dict) and refused.body["error_code"] == "ERR_NGROK_213"
