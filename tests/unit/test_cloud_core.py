"""The cloud client's I/O-free core (typed_ngrok.cloud._core): the retry decision and backoff schedule, Retry-After,
id encoding, pagination origin checks and list parameters, decided once for both shells."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest
from typed_ngrok_cloud_api.models import TunnelSessionList

from typed_ngrok._drive import run_sync
from typed_ngrok.cloud._core import (
    BACKOFF_MAX,
    CloudCore,
    Listing,
    Page,
    quote_id,
    retry_after_seconds,
)
from typed_ngrok.exception import CloudAPIError, PyngrokError


def core(max_retries: int = 3) -> CloudCore:
    return CloudCore(
        api_key="k-123", base_url="https://api.ngrok.com", timeout=10, max_retries=max_retries, function="CloudClient"
    )


GET = core().build("t.list", "GET", "/tunnel_sessions")
POST = core().build("t.restart", "POST", "/tunnel_sessions/{}/restart", ("ts_1",), body={})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7.0), ("0.5", 0.5), ("-3", 0.0), ("soon", None), ("", None), ("inf", None), ("nan", None)],
)
def test_retry_after_seconds(value: str, expected: float | None) -> None:
    assert retry_after_seconds({"Retry-After": value}) == expected


def test_retry_after_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    seconds = retry_after_seconds({"retry-after": when})
    assert seconds is not None and 25 <= seconds <= 31
    assert retry_after_seconds({}) is None


def test_backoff_schedule_for_gets() -> None:
    c = core(max_retries=10)
    delays = [c.retry_delay(GET, attempt, status=503, headers={}) for attempt in range(6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, BACKOFF_MAX, BACKOFF_MAX]


def test_retry_decisions() -> None:
    c = core(max_retries=2)
    assert c.retry_delay(GET, 0, status=429, headers={"Retry-After": "3"}) == 3.0
    assert c.retry_delay(GET, 0, status=429, headers={"Retry-After": "3600"}) is None  # not waited for
    assert c.retry_delay(GET, 2, status=429, headers={}) is None  # budget spent
    assert c.retry_delay(GET, 0, status=404, headers={}) is None
    assert c.retry_delay(GET, 0, status=400, headers={}) is None
    assert c.retry_delay(POST, 0, status=503, headers={}) is None  # actions and writes: never
    request = httpx.Request("GET", "https://api.ngrok.com/x")
    assert c.retry_delay(GET, 0, error=httpx.ConnectError("refused", request=request)) == 0.5
    assert c.retry_delay(GET, 0, error=httpx.RemoteProtocolError("closed", request=request)) == 0.5
    assert c.retry_delay(GET, 0, error=httpx.ReadTimeout("slow", request=request)) is None  # timeout + 1 s bound
    assert c.retry_delay(POST, 0, error=httpx.ConnectError("refused", request=request)) is None
    assert core(max_retries=0).retry_delay(GET, 0, status=500, headers={}) is None


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("ts_1", "ts_1"),
        ("ts_1/../../api_keys", "ts_1%2F..%2F..%2Fapi_keys"),
        (".", "%2E"),
        ("..", "%2E%2E"),
        ("a b", "a%20b"),
        ("é", "%C3%A9"),
        ("?#", "%3F%23"),
    ],
)
def test_quote_id(raw: str, encoded: str) -> None:
    assert quote_id(raw) == encoded


def test_headers() -> None:
    headers = core().headers()
    assert headers["Authorization"] == "Bearer k-123" and headers["Ngrok-Version"] == "2"
    assert headers["User-Agent"].startswith("typed-ngrok/")
    assert "k-123" not in repr(core())


def test_actions_carry_an_empty_json_object() -> None:
    assert (POST.method, POST.url, POST.content) == (
        "POST",
        "https://api.ngrok.com/tunnel_sessions/ts_1/restart",
        b"{}",
    )
    assert dict(POST.headers) == {"Content-Type": "application/json"}


def test_next_page_stays_on_the_base_origin() -> None:
    c = core()
    assert c.next_page("t.list", "https://api.ngrok.com/tunnel_sessions?before_id=ts_1").method == "GET"
    for elsewhere in ("https://evil.example/tunnel_sessions", "http://api.ngrok.com/x", "https://api.ngrok.com:8443/x"):
        with pytest.raises(CloudAPIError):
            c.next_page("t.list", elsewhere)


def test_follow_stops_on_last_page_and_refuses_loops() -> None:
    c = core()
    seen: set[str] = set()
    assert c.follow(GET, Page([], "u", None), seen) is None
    nxt = "https://api.ngrok.com/tunnel_sessions?before_id=ts_9"
    assert c.follow(GET, Page([], "u", nxt), seen) is not None
    with pytest.raises(CloudAPIError, match="twice"):
        c.follow(GET, Page([], "u", nxt), seen)


def test_list_params() -> None:
    listing = Listing("/tunnel_sessions", TunnelSessionList, lambda p: p.tunnel_sessions)
    c = core()
    assert c.list_params("t.list", listing, "ts_1", 100, "") == (
        ("before_id", "ts_1"),
        ("limit", "100"),
        ("filter", ""),
    )
    assert c.list_params("t.list", listing, None, None, None) == ()
    for bad in ({"limit": 101}, {"limit": 0}, {"limit": 1.0}, {"before_id": ""}, {"filter": 3}):
        args = {"before_id": None, "limit": None, "filter": None, **bad}
        with pytest.raises(PyngrokError):
            c.list_params("t.list", listing, args["before_id"], args["limit"], args["filter"])


class _ScriptedIO:
    """The I/O of ``send_flow`` from a script: each ``send`` gives the next answer (or raises it); ``closed`` turns
    True once ``close_after_sleeps`` sleeps have happened."""

    def __init__(self, answers: list[httpx.Response | Exception], close_after_sleeps: int | None = None) -> None:
        self.answers = answers
        self.close_after_sleeps = close_after_sleeps
        self.calls: list[str] = []
        self.slept: list[float] = []

    def closed(self) -> bool:
        self.calls.append("closed")
        return self.close_after_sleeps is not None and len(self.slept) >= self.close_after_sleeps

    def send(self, request: object) -> httpx.Response:
        self.calls.append("send")
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def sleep(self, seconds: float) -> None:
        self.calls.append("sleep")
        self.slept.append(seconds)


def test_send_flow_retries_what_retry_delay_allows_then_returns_the_answer() -> None:
    io = _ScriptedIO([httpx.Response(503), httpx.ConnectError("refused"), httpx.Response(200)])
    answer = run_sync(core().send_flow(GET), io)
    assert answer.status_code == 200
    assert io.calls == ["closed", "send", "sleep", "closed", "send", "sleep", "closed", "send"]
    assert len(io.slept) == 2


def test_send_flow_maps_a_transport_failure_it_does_not_retry() -> None:
    io = _ScriptedIO([httpx.ReadTimeout("slow")])
    with pytest.raises(CloudAPIError) as caught:
        run_sync(core().send_flow(GET), io)
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert io.calls == ["closed", "send"]  # timeouts are never retried


def test_a_client_closed_while_a_retry_waits_fails_with_the_closed_error() -> None:
    """Closing the client during a retry's wait: the next attempt is the core's "closed" error, never httpx's bare
    RuntimeError for a closed client."""
    io = _ScriptedIO([httpx.Response(429, headers={"Retry-After": "0"})], close_after_sleeps=1)
    with pytest.raises(CloudAPIError, match="this client is closed"):
        run_sync(core().send_flow(GET), io)
    assert io.calls == ["closed", "send", "sleep", "closed"]
