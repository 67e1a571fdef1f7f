"""Response bodies of the ngrok cloud API, shaped like the examples in docs/cloud-api.md (§2, §3).

Ids and tokens are fakes. Timestamps use the API's RFC 3339 `Z` form. Used by tests/unit/test_cloud_api_client.py.
"""

from __future__ import annotations

import json
from typing import Any

BASE = "https://api.ngrok.com"


def ref(kind: str, rid: str) -> dict[str, str]:
    return {"id": rid, "uri": f"{BASE}/{kind}/{rid}"}


# --------------------------------------------------------------------------- bodies (docs/cloud-api.md §2, §3)
TUNNEL_SESSION: dict[str, Any] = {
    "agent_version": "3.1000.0-development",
    "credential": ref("credentials", "cr_32ELcredential"),
    "id": "ts_32ELsession",
    "ip": "10.110.2.2",
    "os": "linux",
    "region": "us",
    "started_at": "2025-09-04T10:11:27Z",
    "transport": "ngrok/2",
    "uri": f"{BASE}/tunnel_sessions/ts_32ELsession",
}
TUNNEL: dict[str, Any] = {
    "id": "tn_32ELtunnel",
    "public_url": "https://abc123.ngrok.app",
    "started_at": "2025-09-04T10:11:28Z",
    "proto": "https",
    "region": "us",
    "tunnel_session": ref("tunnel_sessions", "ts_32ELsession"),
    "endpoint": ref("endpoints", "ep_32ELendpoint"),
    "forwards_to": "http://localhost:80",
}
LABELED_TUNNEL: dict[str, Any] = {  # labeled tunnels have no public_url and no proto
    "id": "tn_32ELlabeled",
    "started_at": "2025-09-04T10:11:29.123456789Z",
    "region": "eu",
    "tunnel_session": ref("tunnel_sessions", "ts_32ELsession"),
    "labels": {"edge": "edghts_2Abc"},
    "backends": [ref("backends/tunnel_group", "bkdtg_2Abc")],
    "forwards_to": "http://localhost:8080",
}
ENDPOINT: dict[str, Any] = {
    "id": "ep_32ELendpoint",
    "region": "us",
    "created_at": "2025-09-04T10:11:28Z",
    "updated_at": "2025-09-04T10:11:28Z",
    "public_url": "https://abc123.ngrok.app",
    "proto": "https",
    "scheme": "https",
    "hostport": "abc123.ngrok.app:443",
    "host": "abc123.ngrok.app",
    "port": 443,
    "type": "ephemeral",
    "tunnel": ref("tunnels", "tn_32ELtunnel"),
    "url": "https://abc123.ngrok.app",
    "principal": {"id": "usr_2Abc", "uri": ""},
    "upstream_url": "http://localhost:80",
    "upstream_protocol": "http1",
    "tunnel_session": ref("tunnel_sessions", "ts_32ELsession"),
    "bindings": ["public"],
    "pooling_enabled": False,
    "uri": f"{BASE}/endpoints/ep_32ELendpoint",
}
TRAFFIC_POLICY = json.dumps(
    {"on_http_request": [{"actions": [{"type": "custom-response", "config": {"status_code": 200}}]}]}
)
CLOUD_ENDPOINT: dict[str, Any] = {
    "id": "ep_32ELcloud",
    "region": "global",
    "created_at": "2025-09-04T11:00:00Z",
    "updated_at": "2025-09-04T11:05:00Z",
    "proto": "https",
    "scheme": "https",
    "hostport": "cloud.example.com:443",
    "host": "cloud.example.com",
    "port": 443,
    "type": "cloud",
    "metadata": '{"team":"web"}',
    "description": "front door",
    "domain": ref("reserved_domains", "rd_32ELdomain"),
    "url": "https://cloud.example.com",
    "principal": {"id": "usr_2Abc", "uri": ""},
    "traffic_policy": TRAFFIC_POLICY,
    "bindings": ["public"],
    "uri": f"{BASE}/endpoints/ep_32ELcloud",
    "name": "front-door",
    "pooling_enabled": True,
}
RESERVED_DOMAIN: dict[str, Any] = {
    "id": "rd_32ELdomain",
    "uri": f"{BASE}/reserved_domains/rd_32ELdomain",
    "created_at": "2025-09-01T08:00:00Z",
    "description": "docs",
    "metadata": "",
    "domain": "app.example.com",
    "region": "",
    "cname_target": "3c4d5e.8f9a0b.ngrok-cname.com",
    "certificate": None,
    "certificate_management_policy": {"authority": "letsencrypt", "private_key_type": "ecdsa"},
    "certificate_management_status": {
        "renews_at": None,
        "provisioning_job": {
            "error_code": None,
            "msg": "Managed certificate provisioning in progress.",
            "started_at": "2025-09-01T08:00:01Z",
            "retries_at": None,
        },
    },
    "acme_challenge_cname_target": None,
    "resolves_to": [{"value": "global"}],
    # seen live, described nowhere: must survive in additional_properties
    "is_dev": False,
    "error_redirect_url": None,
    "http_endpoint_configuration": None,
    "https_endpoint_configuration": None,
}
NGROK_SUBDOMAIN: dict[str, Any] = {
    "id": "rd_32ELsub",
    "uri": f"{BASE}/reserved_domains/rd_32ELsub",
    "created_at": "2025-09-02T08:00:00Z",
    "domain": "myapp.ngrok.app",
    "cname_target": None,
    "certificate": None,
    "certificate_management_policy": None,
    "certificate_management_status": None,
}
RESERVED_ADDR: dict[str, Any] = {
    "id": "ra_32ELaddr",
    "uri": f"{BASE}/reserved_addrs/ra_32ELaddr",
    "created_at": "2025-09-03T09:00:00Z",
    "description": "ssh",
    "metadata": "",
    "addr": "1.tcp.ngrok.io:20000",
    "region": "us",
}
API_KEY_CREATED: dict[str, Any] = {
    "id": "ak_32ELkey",
    "uri": f"{BASE}/api_keys/ak_32ELkey",
    "description": "ci",
    "metadata": "",
    "created_at": "2025-09-03T10:00:00Z",
    "token": "fake-new-api-key-token",
    "owner_id": "usr_2Abc",
}
API_KEY: dict[str, Any] = {**API_KEY_CREATED, "token": None}
CREDENTIAL_CREATED: dict[str, Any] = {
    "id": "cr_32ELcredential",
    "uri": f"{BASE}/credentials/cr_32ELcredential",
    "created_at": "2025-09-03T11:00:00Z",
    "description": "laptop",
    "metadata": "",
    "token": "fake-new-authtoken",
    "acl": ["bind:*.example.com"],
    "owner_id": "usr_2Abc",
}
CREDENTIAL: dict[str, Any] = {**CREDENTIAL_CREATED, "token": None}


def page(key: str, items: list[dict[str, Any]], path: str, next_page_uri: str | None) -> dict[str, Any]:
    return {key: items, "uri": f"{BASE}{path}", "next_page_uri": next_page_uri}


def error_body(status: int) -> dict[str, Any]:
    codes = {
        400: 218,
        401: 201,
        403: 204,
        404: 404,
        429: 226,
        500: 500,
    }  # 218 and 226 as documented; others illustrative
    return {
        "error_code": f"ERR_NGROK_{codes.get(status, 0)}",
        "status_code": status,
        "msg": f"failure {status}",
        "details": {"operation_id": "op_2RfSBcv0nsy71XCHWOegjx1OoKh"},
    }
