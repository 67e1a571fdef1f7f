"""ngrok-api 0.19.0 (ngrok's official client, a pinned dev dependency) against the same fake server as
typed_ngrok.cloud: the failures the README's "Coming from ngrok-api" table reports, measured, next to our result.

Each test asserts what ngrok-api does (so the table stays true for the pinned version) and what we do instead.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cloud.fake_ngrok_api import API_KEY, OPERATION_ID, FakeNgrokAPI, Scripted, error_json
from typed_ngrok.cloud import CloudAPIError, CloudClient, CloudTimeoutError, NotFoundError, ServerError

ngrok: Any = pytest.importorskip("ngrok", reason="ngrok-api 0.19.0 is a dev dependency: pip install -e '.[dev]'")
if not hasattr(ngrok, "Client"):
    pytest.skip("the installed `ngrok` module is not ngrok-api", allow_module_level=True)


@pytest.fixture
def clients(fake: FakeNgrokAPI) -> Iterator[tuple[Any, CloudClient]]:
    with CloudClient(api_key=API_KEY, base_url=fake.url, max_retries=0) as ours:
        yield ngrok.Client(API_KEY, base_url=fake.url), ours


def test_actions_send_no_body_and_are_refused(fake: FakeNgrokAPI, clients: tuple[Any, CloudClient]) -> None:
    theirs, ours = clients
    with pytest.raises(ngrok.Error):  # the API refuses a POST without a JSON body
        theirs.tunnel_sessions.restart("ts_32ELsession")
    assert fake.requests[-1].body == b"" and "content-type" not in fake.requests[-1].headers
    assert ours.tunnel_sessions.restart("ts_32ELsession") is None
    assert fake.requests[-1].body == b"{}" and fake.requests[-1].headers["content-type"] == "application/json"


def test_a_204_success_is_a_runtime_error(fake: FakeNgrokAPI, clients: tuple[Any, CloudClient]) -> None:
    theirs, ours = clients
    fake.script(Scripted(204))  # even when the API accepts the action
    with pytest.raises(RuntimeError, match="unexpected 204"):
        theirs.tunnel_sessions.stop("ts_32ELsession")
    assert ours.tunnel_sessions.stop("ts_32ELsession") is None


def test_a_json_500_loses_its_fields(fake: FakeNgrokAPI, clients: tuple[Any, CloudClient]) -> None:
    theirs, ours = clients
    fake.script(error_json(500, "ERR_NGROK_500", "boom"), error_json(500, "ERR_NGROK_500", "boom"))
    with pytest.raises(RuntimeError) as caught:
        theirs.tunnel_sessions.get("ts_32ELsession")
    assert not hasattr(caught.value, "error_code")
    with pytest.raises(ServerError) as ours_caught:
        ours.tunnel_sessions.get("ts_32ELsession")
    assert (ours_caught.value.error_code, ours_caught.value.operation_id) == ("ERR_NGROK_500", OPERATION_ID)


def test_a_400_without_details_is_a_key_error(fake: FakeNgrokAPI, clients: tuple[Any, CloudClient]) -> None:
    theirs, ours = clients
    answer = error_json(400, "ERR_NGROK_213", "bad", details=False)
    fake.script(answer, answer)
    with pytest.raises(KeyError):
        theirs.api_keys.get("ak_32ELkey")
    with pytest.raises(CloudAPIError) as caught:
        ours.api_keys.get("ak_32ELkey")
    assert caught.value.error_code == "ERR_NGROK_213"


def test_ids_are_not_percent_encoded(fake: FakeNgrokAPI, clients: tuple[Any, CloudClient]) -> None:
    theirs, ours = clients
    theirs.tunnel_sessions.get("ts_1/../../api_keys")  # answered by /api_keys: the key list, parsed as a session
    assert fake.requests[-1].raw_path == "/api_keys"
    with pytest.raises(NotFoundError):
        ours.tunnel_sessions.get("ts_1/../../api_keys")
    assert fake.requests[-1].raw_path == "/tunnel_sessions/ts_1%2F..%2F..%2Fapi_keys"


def test_no_timeout(silent_server: str) -> None:
    theirs = ngrok.Client(API_KEY, base_url=silent_server)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            theirs.tunnel_sessions.get("ts_1")
        except BaseException as exc:  # ended by the fixture closing the connection
            outcome.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    with CloudClient(api_key=API_KEY, base_url=silent_server, timeout=1.0) as ours, pytest.raises(CloudTimeoutError):
        ours.tunnel_sessions.get("ts_1")  # 1 s
    assert thread.is_alive() and not outcome  # still waiting after our timeout: ngrok-api has none


def test_no_retries(fake: FakeNgrokAPI) -> None:
    fake.script(Scripted(429, json.dumps({"error_code": "ERR_NGROK_226"}).encode(), headers={"Retry-After": "0"}))
    with pytest.raises(KeyError):  # a 429 body without status_code/msg/details: even the error fails
        ngrok.Client(API_KEY, base_url=fake.url).tunnels.get("tn_32ELtunnel")
    fake.script(Scripted(429, json.dumps({"error_code": "ERR_NGROK_226"}).encode(), headers={"Retry-After": "0"}))
    with CloudClient(api_key=API_KEY, base_url=fake.url, max_retries=1) as ours:
        assert ours.tunnels.get("tn_32ELtunnel").id == "tn_32ELtunnel"


def test_user_agent_and_error_code_type(fake: FakeNgrokAPI, clients: tuple[Any, CloudClient]) -> None:
    theirs, ours = clients
    theirs.tunnels.get("tn_32ELtunnel")
    assert fake.requests[-1].headers["user-agent"].startswith("ngrok-api-python/0.0.0/")
    ours.tunnels.get("tn_32ELtunnel")
    assert fake.requests[-1].headers["user-agent"].startswith("typed-ngrok/")


def test_html_errors_and_unreadable_answers(fake: FakeNgrokAPI, clients: tuple[Any, CloudClient]) -> None:
    theirs, ours = clients
    html = Scripted(502, b"<html><body>bad gateway</body></html>", "text/html")
    fake.script(html, html)
    with pytest.raises(RuntimeError):
        theirs.tunnels.get("tn_32ELtunnel")
    with pytest.raises(ServerError) as caught:
        ours.tunnels.get("tn_32ELtunnel")
    assert caught.value.body == html.body.decode()
    garbage = Scripted(200, b"{not json")
    fake.script(garbage, garbage)
    with pytest.raises(ValueError):  # requests' JSONDecodeError
        theirs.tunnels.get("tn_32ELtunnel")
    with pytest.raises(CloudAPIError, match="unreadable body"):
        ours.tunnels.get("tn_32ELtunnel")
