"""Agent local API response bodies as the real agent sends them (docs/agent-api.md).

Bodies marked (obs) were observed on ngrok 2.3.41; (docs) come from ngrok's v3 documentation. Each constant is a
fresh-enough plain JSON value: tests must not mutate them (use ``copy.deepcopy`` when they need to).
Base64 ``raw`` fields are rebuilt from the observed request/response (the doc abridges them) and decode to the same
wire bytes the headers describe.
"""

from __future__ import annotations

import base64
from typing import Any, Final

JSON = dict[str, Any]

# --- GET /api (obs) -------------------------------------------------------------------------------------------------
API_ROOT: Final[JSON] = {"tunnels_uri": "/api/tunnels", "http_requests_uri": "/api/requests/http"}

# --- Tunnels (obs) --------------------------------------------------------------------------------------------------
TUNNEL_WEB: Final[JSON] = {
    "name": "web",
    "uri": "/api/tunnels/web",
    "public_url": "https://abcd1234.ngrok.io",
    "proto": "https",
    "config": {"addr": "http://localhost:49210", "inspect": True},
    "metrics": {
        "conns": {
            "count": 1,
            "gauge": 0,
            "rate1": 0.0135,
            "rate5": 0.0032,
            "rate15": 0.0011,
            "p50": 2454120,
            "p90": 2454120,
            "p95": 2454120,
            "p99": 2454120,
        },
        "http": {
            "count": 1,
            "rate1": 0.0135,
            "rate5": 0.0032,
            "rate15": 0.0011,
            "p50": 771173,
            "p90": 771173,
            "p95": 771173,
            "p99": 771173,
        },
    },
}

# The bind_tls=both companion the agent creates itself; its uri is percent-encoded (obs).
TUNNEL_WEB_HTTP: Final[JSON] = {
    "name": "web (http)",
    "uri": "/api/tunnels/web%20%28http%29",
    "public_url": "http://abcd1234.ngrok.io",
    "proto": "http",
    "config": {"addr": "http://localhost:49210", "inspect": True},
    "metrics": {
        "conns": {"count": 0, "gauge": 0, "rate1": 0, "rate5": 0, "rate15": 0, "p50": 0, "p90": 0, "p95": 0, "p99": 0},
        "http": {"count": 0, "rate1": 0, "rate5": 0, "rate15": 0, "p50": 0, "p90": 0, "p95": 0, "p99": 0},
    },
}

TUNNEL_TCP: Final[JSON] = {
    "name": "ssh",
    "uri": "/api/tunnels/ssh",
    "public_url": "tcp://0.tcp.ngrok.io:12345",
    "proto": "tcp",
    "config": {"addr": "localhost:22", "inspect": False},
    "metrics": TUNNEL_WEB_HTTP["metrics"],
}

TUNNEL_LIST: Final[JSON] = {"tunnels": [TUNNEL_WEB, TUNNEL_WEB_HTTP, TUNNEL_TCP], "uri": "/api/tunnels"}
TUNNEL_LIST_EMPTY: Final[JSON] = {"tunnels": [], "uri": "/api/tunnels"}

# --- Captured requests (obs, 2.3.41) --------------------------------------------------------------------------------
REQUEST_WIRE: Final[bytes] = (
    b"POST /api/items HTTP/1.1\r\nHost: abcd1234.ngrok.io\r\nUser-Agent: curl/8.0\r\nContent-Length: 17\r\n"
    b"Accept: */*\r\nContent-Type: application/json\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n"
    b'{"name": "apple"}'
)
RESPONSE_WIRE: Final[bytes] = (
    b"HTTP/1.0 200 OK\r\nServer: BaseHTTP/0.6 Python/3.11.7\r\nDate: Sun, 22 Nov 2026 11:41:54 GMT\r\n"
    b"Content-Type: application/json\r\nContent-Length: 40\r\n\r\n"
    b'{"id": 1, "name": "apple", "ok": true}\r\n'
)

CAPTURED_REQUEST: Final[JSON] = {
    "uri": "/api/requests/http/airt_3MSd4w1uwigdjo6mUtZbNVe8YPE",
    "id": "airt_3MSd4w1uwigdjo6mUtZbNVe8YPE",
    "tunnel_name": "web (http)",
    "remote_addr": "203.0.113.7",
    "start": "2026-11-22T11:41:54Z",
    "duration": 3539279,
    "request": {
        "method": "POST",
        "proto": "HTTP/1.1",
        "headers": {
            "Accept": ["*/*"],
            "Content-Length": ["17"],
            "Content-Type": ["application/json"],
            "Host": ["abcd1234.ngrok.io"],
            "User-Agent": ["curl/8.0"],
            "X-Forwarded-For": ["203.0.113.7"],
        },
        "uri": "/api/items",
        "raw": base64.b64encode(REQUEST_WIRE).decode("ascii"),
    },
    "response": {
        "status": "200 OK",
        "status_code": 200,
        "proto": "HTTP/1.0",
        "headers": {
            "Content-Length": ["40"],
            "Content-Type": ["application/json"],
            "Date": ["Sun, 22 Nov 2026 11:41:54 GMT"],
            "Server": ["BaseHTTP/0.6 Python/3.11.7"],
        },
        "raw": base64.b64encode(RESPONSE_WIRE).decode("ascii"),
    },
}

# A replayed entry (obs: remote_addr "replayed") whose response is still pending (docs: response may be null).
CAPTURED_REQUEST_PENDING: Final[JSON] = {
    "uri": "/api/requests/http/548fb5c700000002",
    "id": "548fb5c700000002",
    "tunnel_name": "web",
    "remote_addr": "replayed",
    "start": "2026-11-22T03:41:54-08:00",
    "duration": 0,
    "request": CAPTURED_REQUEST["request"],
    "response": None,
}

CAPTURED_REQUEST_LIST: Final[JSON] = {
    "uri": "/api/requests/http",
    "requests": [CAPTURED_REQUEST_PENDING, CAPTURED_REQUEST],
}
CAPTURED_REQUEST_LIST_EMPTY: Final[JSON] = {"uri": "/api/requests/http", "requests": []}

# --- v3 only (docs) -------------------------------------------------------------------------------------------------
AGENT_STATUS_V3: Final[JSON] = {
    "status": "online",
    "agent_version": "3.9.0",
    "session": {"legs": [{"region": "au", "latency": "87ms"}]},
    "uri": "/api/status",
}

ENDPOINT_V3: Final[JSON] = {
    "name": "web",
    "uri": "/api/endpoints/web",
    "url": "https://x.ngrok.app",
    "upstream": {"url": "http://localhost:8080", "protocol": "http1"},
    "inspect": True,
    "traffic_policy": "on_http_request:\n- actions:\n  - type: deny\n",
    "pooling_enabled": False,
}
ENDPOINT_V3_DETAIL: Final[JSON] = {**ENDPOINT_V3, "metrics": TUNNEL_WEB["metrics"]}
ENDPOINT_LIST_V3: Final[JSON] = {"endpoints": [ENDPOINT_V3]}

# --- Errors, shape A: handler errors with an integer error_code (obs) ---------------------------------------------
ERR_100_TUNNEL_NOT_FOUND: Final[JSON] = {
    "error_code": 100,
    "status_code": 404,
    "msg": "tunnel not found",
    "details": {"name": "nosuch"},
}
ERR_102_INVALID_CONFIG: Final[JSON] = {
    "error_code": 102,
    "status_code": 400,
    "msg": "invalid tunnel configuration",
    "details": {"err": "Tunnel 'n' must specify 'addr' to tunnel to"},
}
# More verbatim 102 `err` texts (obs), for callers that map them.
ERR_102_TEXTS: Final[tuple[str, ...]] = (
    "Invalid protocol name ''",
    "Invalid protocol name 'bogus'",
    "Tunnel declaration must contain a 'name'",
    "Tunnel 'n' must specify 'addr' to tunnel to",
    "HTTP tunnel 'n' specifies invalid 'bind_tls': foo",
    "TCP tunnel 'n' specifies invalid 'remote_addr': garbage",
    "Tunnel 'n' must not specify both hostname and subdomain.",
    "open /nonexistent: no such file or directory",
    "TLS tunnel 'n' specified client CA roots but no crt and key for TLS termination",
    "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `false` into bool",
)
ERR_103_FAILED_TO_START: Final[JSON] = {
    "error_code": 103,
    "status_code": 502,
    "msg": "failed to start tunnel",
    "details": {
        "err": "The tunnel https://taken.ngrok.io is already bound to another tunnel session\r\n\r\nERR_NGROK_310\r\n"
    },
}
ERR_104_NOT_READY: Final[JSON] = {
    "error_code": 104,
    "status_code": 503,
    "msg": "ngrok is not yet ready to start tunnels",
    "details": {"err": "a successful ngrok tunnel session has not yet been established"},
}
ERR_106_REQUEST_NOT_FOUND: Final[JSON] = {
    "error_code": 106,
    "status_code": 404,
    "msg": "request entry not found",
    "details": {"id": "airt_nosuch"},
}
ERR_107_INTERNAL: Final[JSON] = {
    "error_code": 107,
    "status_code": 500,
    "msg": "internal error",
    "details": {"err": "session closed"},
}

# --- Errors, shape B: router/codec errors without error_code (obs) ------------------------------------------------
ERR_404_NO_ROUTE: Final[JSON] = {"status_code": 404, "msg": "Not Found", "details": {"path": "/api/status"}}
ERR_405_METHOD: Final[JSON] = {
    "status_code": 405,
    "msg": "Method Not Allowed",
    "details": {"allowed": "POST, GET", "method": "DELETE"},
}
ERR_406_ACCEPT: Final[JSON] = {
    "status_code": 406,
    "msg": "unsupported request Accept header",
    "details": {"accept-header": "text/plain", "supported": ["application/json", "text/xml", "application/xml"]},
}
ERR_415_CONTENT_TYPE: Final[JSON] = {
    "status_code": 415,
    "msg": "unsupported request Content-Type",
    "details": {
        "available": ["text/xml", "application/xml", "application/json"],
        "content-type": "application/x-www-form-urlencoded",
    },
}
ERR_400_DESERIALIZE: Final[JSON] = {
    "status_code": 400,
    "msg": "failed to deserialize request parameter",
    "details": {"err": "invalid character 'b' looking for beginning of object key string"},
}
ERR_400_EMPTY_BODY: Final[JSON] = {
    "status_code": 400,
    "msg": "failed to deserialize request parameter",
    "details": {"err": "EOF"},
}
ERR_400_BAD_QUERY: Final[JSON] = {
    "status_code": 400,
    "msg": "failed to deserialize request parameter",
    "details": {"err": 'param: error parsing key "limit" as int: strconv.ParseInt: parsing "abc": invalid syntax'},
}

# Every error body above, by HTTP status: the tests answer each declared error status with each of these.
ERRORS_BY_STATUS: Final[dict[int, tuple[JSON, ...]]] = {
    400: (ERR_102_INVALID_CONFIG, ERR_400_DESERIALIZE, ERR_400_EMPTY_BODY, ERR_400_BAD_QUERY),
    404: (ERR_100_TUNNEL_NOT_FOUND, ERR_106_REQUEST_NOT_FOUND, ERR_404_NO_ROUTE),
    405: (ERR_405_METHOD,),
    406: (ERR_406_ACCEPT,),
    415: (ERR_415_CONTENT_TYPE,),
    500: (ERR_107_INTERNAL,),
    502: (ERR_103_FAILED_TO_START,),
    503: (ERR_104_NOT_READY,),
}
