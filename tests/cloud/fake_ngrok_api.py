"""A realistic fake of ngrok's cloud REST API on loopback, for the cloud client's tests and benchmark.

It behaves as docs/cloud-api.md describes api.ngrok.com: ``Authorization: Bearer`` and
``Ngrok-Version: 2`` are required (401 / 400 ERR_NGROK_218 otherwise); bodies must be JSON with
``Content-Type: application/json`` (400 ERR_NGROK_213 otherwise); create 201, get/list/update 200, delete and the
tunnel-session actions 204 without a body; lists are newest first with ``limit``/``before_id`` and an envelope whose
``next_page_uri`` is a full URL or null (or absent, with ``next_page="absent"``); errors carry the JSON ``Error``
body with an ``operation_id``. The seed objects are the documented examples of ``tests/unit/cloud_bodies.py``
(null-valued fields dropped: ngrok's OpenAPI file, which Prism checks answers against, declares none nullable).

Faults are scripted: :meth:`FakeNgrokAPI.script` queues raw answers (any status, body and content type) served
before the normal ones. Every request is recorded (raw path, query, headers, body).
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.unit import cloud_bodies as bodies

API_KEY = "fake-cloud-api-key-0123456789"  # not a real secret
OPERATION_ID = "op_2RfSBcv0nsy71XCHWOegjx1OoKh"

#: collection path → (id prefix, items key of the list envelope)
COLLECTIONS: dict[str, tuple[str, str]] = {
    "tunnel_sessions": ("ts", "tunnel_sessions"),
    "tunnels": ("tn", "tunnels"),
    "endpoints": ("ep", "endpoints"),
    "reserved_domains": ("rd", "reserved_domains"),
    "reserved_addrs": ("ra", "reserved_addrs"),
    "api_keys": ("ak", "keys"),
    "credentials": ("cr", "credentials"),
}
ACTIONS = {"restart", "stop", "update"}
SUB_DELETES = {"certificate", "certificate_management_policy"}


def _no_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value


SEEDS: dict[str, list[dict[str, Any]]] = {
    "tunnel_sessions": [bodies.TUNNEL_SESSION],
    "tunnels": [bodies.TUNNEL, bodies.LABELED_TUNNEL],
    "endpoints": [bodies.ENDPOINT, bodies.CLOUD_ENDPOINT],
    "reserved_domains": [bodies.RESERVED_DOMAIN, bodies.NGROK_SUBDOMAIN],
    "reserved_addrs": [bodies.RESERVED_ADDR],
    "api_keys": [bodies.API_KEY],
    "credentials": [bodies.CREDENTIAL],
}


@dataclass(frozen=True)
class Recorded:
    method: str
    raw_path: str  # as sent on the wire, percent-encoding kept
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class Scripted:
    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def error_json(status: int, code: str, msg: str, *, details: bool = True) -> Scripted:
    body: dict[str, Any] = {"error_code": code, "status_code": status, "msg": msg}
    if details:
        body["details"] = {"operation_id": OPERATION_ID}
    return Scripted(status, json.dumps(body).encode())


class FakeNgrokAPI:
    """The fake API server; ``url`` is where it listens, ``public_base`` what its URIs say (a proxy in front)."""

    def __init__(self, *, api_key: str = API_KEY, next_page: str = "null") -> None:
        self.api_key = api_key
        self.next_page = next_page  # "null" or "absent" on the last page
        self.requests: list[Recorded] = []
        self._script: list[Scripted] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1000)
        self.store: dict[str, dict[str, dict[str, Any]]] = {}
        self.reset()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # one write per answer, sent at once (else Nagle + delayed ACK add 40 ms to each keep-alive request)
            wbufsize = 1 << 16
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = fake._answer(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(answer.status)
                if answer.content_type is not None and answer.body:
                    self.send_header("Content-Type", answer.content_type)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                if answer.status != 204:
                    self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if answer.status != 204:
                    self.wfile.write(answer.body)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.public_base = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-ngrok-api", daemon=True
        )

    # ----------------------------------------------------------------------- control
    def start(self) -> FakeNgrokAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def reset(self) -> None:
        """Back to the seed objects, no scripted answers, no recorded requests."""
        with self._lock:
            self.store = {name: {i["id"]: _no_nulls(copy.deepcopy(i)) for i in items} for name, items in SEEDS.items()}
            self._script.clear()
            self.requests.clear()

    def script(self, *answers: Scripted) -> None:
        """Serve these answers (in order) to the next requests, before any normal handling."""
        with self._lock:
            self._script.extend(answers)

    def add(self, collection: str, count: int) -> list[str]:
        """``count`` more objects in ``collection`` (copies of its first seed), newest last; their ids."""
        prefix, _ = COLLECTIONS[collection]
        template = next(iter(self.store[collection].values()))
        ids = []
        for _ in range(count):
            rid = f"{prefix}_{next(self._ids)}"
            self.store[collection][rid] = {
                **copy.deepcopy(template),
                "id": rid,
                "uri": f"{bodies.BASE}/{collection}/{rid}",
            }
            ids.append(rid)
        return ids

    # ----------------------------------------------------------------------- the API
    def _public(self, value: Any) -> Any:
        text = json.dumps(value).replace(bodies.BASE, self.public_base)
        return json.loads(text)

    def _ok(self, status: int, value: Any) -> Scripted:
        return Scripted(status, json.dumps(self._public(value)).encode())

    def _answer(self, method: str, raw: str, headers: dict[str, str], body: bytes) -> Scripted:
        parts = urlsplit(raw)
        query = parse_qs(parts.query, keep_blank_values=True)
        with self._lock:
            self.requests.append(Recorded(method, parts.path, query, headers, body))
            if self._script:
                return self._script.pop(0)
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return error_json(401, "ERR_NGROK_201", "The API key you specified is not valid.")
        if headers.get("ngrok-version") != "2":
            return error_json(400, "ERR_NGROK_218", "Your request has not specified an API version.")
        data: Any = None
        if method in {"POST", "PATCH", "PUT"}:
            if not headers.get("content-type", "").startswith("application/json"):
                return error_json(400, "ERR_NGROK_213", "The request body must be application/json.")
            try:
                data = json.loads(body)
            except ValueError:
                return error_json(400, "ERR_NGROK_213", "The 'application/json' request body could not be parsed.")
            if not isinstance(data, dict):
                return error_json(400, "ERR_NGROK_213", "The request body must be a JSON object.")
        segments = [unquote(s) for s in parts.path.split("/")[1:]]
        if not segments or segments[0] not in COLLECTIONS or len(segments) > 3:
            return error_json(404, "ERR_NGROK_404", "Not found.")
        collection, store = segments[0], self.store[segments[0]]
        if len(segments) == 1:
            if method == "GET":
                return self._list(collection, query)
            if method == "POST" and collection not in {"tunnel_sessions", "tunnels"}:
                return self._create(collection, data)
            return error_json(405, "ERR_NGROK_405", "Method not allowed.")
        rid = segments[1]
        if rid not in store:
            return error_json(404, "ERR_NGROK_404", f"Resource {rid!r} not found.")
        if len(segments) == 3:
            action = segments[2]
            if collection == "tunnel_sessions" and method == "POST" and action in ACTIONS:
                return Scripted(204)
            if collection == "reserved_domains" and method == "DELETE" and action in SUB_DELETES:
                return Scripted(204)
            return error_json(404, "ERR_NGROK_404", "Not found.")
        if method == "GET":
            return self._ok(200, store[rid])
        if method == "PATCH" and collection not in {"tunnel_sessions", "tunnels"}:
            store[rid].update({k: v for k, v in data.items() if v is not None})
            return self._ok(200, store[rid])
        if method == "DELETE" and collection not in {"tunnel_sessions", "tunnels"}:
            del store[rid]
            return Scripted(204)
        return error_json(405, "ERR_NGROK_405", "Method not allowed.")

    def _list(self, collection: str, query: dict[str, list[str]]) -> Scripted:
        _, key = COLLECTIONS[collection]
        try:
            limit = int(query.get("limit", ["100"])[0])
        except ValueError:
            return error_json(400, "ERR_NGROK_400", "limit must be an integer.")
        items = list(reversed(self.store[collection].values()))  # newest first
        before = query.get("before_id", [None])[0]
        if before is not None:
            ids = [item["id"] for item in items]
            items = items[ids.index(before) + 1 :] if before in ids else []
        chunk, more = items[:limit], len(items) > limit
        envelope: dict[str, Any] = {key: chunk, "uri": f"{bodies.BASE}/{collection}"}
        if more:
            envelope["next_page_uri"] = f"{bodies.BASE}/{collection}?before_id={chunk[-1]['id']}&limit={limit}"
        elif self.next_page == "null":
            envelope["next_page_uri"] = None
        return self._ok(200, envelope)

    def _create(self, collection: str, data: dict[str, Any]) -> Scripted:
        prefix, _ = COLLECTIONS[collection]
        rid = f"{prefix}_{next(self._ids)}"
        created: dict[str, Any] = {
            **{k: v for k, v in data.items() if v is not None},
            "id": rid,
            "uri": f"{bodies.BASE}/{collection}/{rid}",
            "created_at": "2025-09-05T12:00:00Z",
        }
        if collection == "reserved_addrs":
            created["addr"] = "2.tcp.ngrok.io:21000"
        self.store[collection][rid] = {k: v for k, v in created.items()}
        if collection in {"api_keys", "credentials"}:
            created["token"] = f"fake-token-{rid}"  # only in the create answer
        return self._ok(201, created)


@contextmanager
def running(**kwargs: Any) -> Iterator[FakeNgrokAPI]:
    fake = FakeNgrokAPI(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()
