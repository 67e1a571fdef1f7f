"""Every operation of the cloud facade, as one table both the fake-server tests and the Prism tests run.

A row calls one operation on a client (sync or async: the lambda's result is awaited when needed) against the seed
data of tests/cloud/fake_ngrok_api.py, and names what must reach the wire and what comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from typed_ngrok.cloud import (
    ApiKey,
    Credential,
    Endpoint,
    ReservedAddr,
    ReservedDomain,
    ReservedDomainCertPolicy,
    Tunnel,
    TunnelSession,
)

CEL = 'obj.region == "us"'


@dataclass(frozen=True)
class Row:
    name: str  # "<service>.<operation>"
    call: Callable[[Any], Any]  # client -> result, coroutine or (async) iterator
    method: str
    path: str  # raw path on the wire
    result: type | None  # the items' type for list/page, None for 204 operations
    iterates: bool = False  # list(): an (async) iterator
    sent: dict[str, Any] | None = None  # the JSON body sent


ROWS: list[Row] = [
    Row(
        "tunnel_sessions.list",
        lambda c: c.tunnel_sessions.list(limit=100, filter=CEL),
        "GET",
        "/tunnel_sessions",
        TunnelSession,
        iterates=True,
    ),
    Row("tunnel_sessions.page", lambda c: c.tunnel_sessions.page(limit=1), "GET", "/tunnel_sessions", TunnelSession),
    Row(
        "tunnel_sessions.get",
        lambda c: c.tunnel_sessions.get("ts_32ELsession"),
        "GET",
        "/tunnel_sessions/ts_32ELsession",
        TunnelSession,
    ),
    Row(
        "tunnel_sessions.restart",
        lambda c: c.tunnel_sessions.restart("ts_32ELsession"),
        "POST",
        "/tunnel_sessions/ts_32ELsession/restart",
        None,
        sent={},
    ),
    Row(
        "tunnel_sessions.stop",
        lambda c: c.tunnel_sessions.stop("ts_32ELsession"),
        "POST",
        "/tunnel_sessions/ts_32ELsession/stop",
        None,
        sent={},
    ),
    Row(
        "tunnel_sessions.update",
        lambda c: c.tunnel_sessions.update("ts_32ELsession"),
        "POST",
        "/tunnel_sessions/ts_32ELsession/update",
        None,
        sent={},
    ),
    Row("tunnels.list", lambda c: c.tunnels.list(), "GET", "/tunnels", Tunnel, iterates=True),
    Row("tunnels.page", lambda c: c.tunnels.page(), "GET", "/tunnels", Tunnel),
    Row("tunnels.get", lambda c: c.tunnels.get("tn_32ELtunnel"), "GET", "/tunnels/tn_32ELtunnel", Tunnel),
    Row(
        "endpoints.create",
        lambda c: c.endpoints.create(url="https://new.example.com", type_="cloud", traffic_policy="{}"),
        "POST",
        "/endpoints",
        Endpoint,
        sent={"url": "https://new.example.com", "type": "cloud", "traffic_policy": "{}"},
    ),
    Row("endpoints.list", lambda c: c.endpoints.list(filter=CEL), "GET", "/endpoints", Endpoint, iterates=True),
    Row("endpoints.page", lambda c: c.endpoints.page(), "GET", "/endpoints", Endpoint),
    Row("endpoints.get", lambda c: c.endpoints.get("ep_32ELendpoint"), "GET", "/endpoints/ep_32ELendpoint", Endpoint),
    Row(
        "endpoints.update",
        lambda c: c.endpoints.update("ep_32ELcloud", description="", pooling_enabled=False),
        "PATCH",
        "/endpoints/ep_32ELcloud",
        Endpoint,
        sent={"description": "", "pooling_enabled": False},
    ),
    Row("endpoints.delete", lambda c: c.endpoints.delete("ep_32ELcloud"), "DELETE", "/endpoints/ep_32ELcloud", None),
    Row(
        "reserved_domains.create",
        lambda c: c.reserved_domains.create(
            domain="new.example.com",
            certificate_management_policy=ReservedDomainCertPolicy(authority="letsencrypt", private_key_type="rsa"),
        ),
        "POST",
        "/reserved_domains",
        ReservedDomain,
        sent={
            "domain": "new.example.com",
            "certificate_management_policy": {"authority": "letsencrypt", "private_key_type": "rsa"},
        },
    ),
    Row(
        "reserved_domains.list",
        lambda c: c.reserved_domains.list(),
        "GET",
        "/reserved_domains",
        ReservedDomain,
        iterates=True,
    ),
    Row("reserved_domains.page", lambda c: c.reserved_domains.page(), "GET", "/reserved_domains", ReservedDomain),
    Row(
        "reserved_domains.get",
        lambda c: c.reserved_domains.get("rd_32ELdomain"),
        "GET",
        "/reserved_domains/rd_32ELdomain",
        ReservedDomain,
    ),
    Row(
        "reserved_domains.update",
        lambda c: c.reserved_domains.update("rd_32ELdomain", metadata="{}"),
        "PATCH",
        "/reserved_domains/rd_32ELdomain",
        ReservedDomain,
        sent={"metadata": "{}"},
    ),
    Row(
        "reserved_domains.delete",
        lambda c: c.reserved_domains.delete("rd_32ELsub"),
        "DELETE",
        "/reserved_domains/rd_32ELsub",
        None,
    ),
    Row(
        "reserved_domains.delete_certificate",
        lambda c: c.reserved_domains.delete_certificate("rd_32ELdomain"),
        "DELETE",
        "/reserved_domains/rd_32ELdomain/certificate",
        None,
    ),
    Row(
        "reserved_domains.delete_certificate_management_policy",
        lambda c: c.reserved_domains.delete_certificate_management_policy("rd_32ELdomain"),
        "DELETE",
        "/reserved_domains/rd_32ELdomain/certificate_management_policy",
        None,
    ),
    Row(
        "reserved_addrs.create",
        lambda c: c.reserved_addrs.create(description="ssh", region="eu"),
        "POST",
        "/reserved_addrs",
        ReservedAddr,
        sent={"description": "ssh", "region": "eu"},
    ),
    Row(
        "reserved_addrs.list", lambda c: c.reserved_addrs.list(), "GET", "/reserved_addrs", ReservedAddr, iterates=True
    ),
    Row("reserved_addrs.page", lambda c: c.reserved_addrs.page(), "GET", "/reserved_addrs", ReservedAddr),
    Row(
        "reserved_addrs.get",
        lambda c: c.reserved_addrs.get("ra_32ELaddr"),
        "GET",
        "/reserved_addrs/ra_32ELaddr",
        ReservedAddr,
    ),
    Row(
        "reserved_addrs.update",
        lambda c: c.reserved_addrs.update("ra_32ELaddr", description="x"),
        "PATCH",
        "/reserved_addrs/ra_32ELaddr",
        ReservedAddr,
        sent={"description": "x"},
    ),
    Row(
        "reserved_addrs.delete",
        lambda c: c.reserved_addrs.delete("ra_32ELaddr"),
        "DELETE",
        "/reserved_addrs/ra_32ELaddr",
        None,
    ),
    Row(
        "api_keys.create",
        lambda c: c.api_keys.create(description="ci"),
        "POST",
        "/api_keys",
        ApiKey,
        sent={"description": "ci"},
    ),
    Row("api_keys.list", lambda c: c.api_keys.list(), "GET", "/api_keys", ApiKey, iterates=True),
    Row("api_keys.page", lambda c: c.api_keys.page(), "GET", "/api_keys", ApiKey),
    Row("api_keys.get", lambda c: c.api_keys.get("ak_32ELkey"), "GET", "/api_keys/ak_32ELkey", ApiKey),
    Row(
        "api_keys.update",
        lambda c: c.api_keys.update("ak_32ELkey", metadata="m"),
        "PATCH",
        "/api_keys/ak_32ELkey",
        ApiKey,
        sent={"metadata": "m"},
    ),
    Row("api_keys.delete", lambda c: c.api_keys.delete("ak_32ELkey"), "DELETE", "/api_keys/ak_32ELkey", None),
    Row(
        "credentials.create",
        lambda c: c.credentials.create(description="laptop", acl=["bind:*.example.com"]),
        "POST",
        "/credentials",
        Credential,
        sent={"description": "laptop", "acl": ["bind:*.example.com"]},
    ),
    Row("credentials.list", lambda c: c.credentials.list(), "GET", "/credentials", Credential, iterates=True),
    Row("credentials.page", lambda c: c.credentials.page(), "GET", "/credentials", Credential),
    Row(
        "credentials.get",
        lambda c: c.credentials.get("cr_32ELcredential"),
        "GET",
        "/credentials/cr_32ELcredential",
        Credential,
    ),
    Row(
        "credentials.update",
        lambda c: c.credentials.update("cr_32ELcredential", acl=[]),
        "PATCH",
        "/credentials/cr_32ELcredential",
        Credential,
        sent={"acl": []},
    ),
    Row(
        "credentials.delete",
        lambda c: c.credentials.delete("cr_32ELcredential"),
        "DELETE",
        "/credentials/cr_32ELcredential",
        None,
    ),
]
