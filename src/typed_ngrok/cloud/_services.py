"""The cloud services, declared once for both clients: one table row per operation (ngrok-api's names).

To add an operation: describe it in ``openapi/cloud-api.yaml``, run ``make generate``, then add one row here
(``Get``, ``List``/``PageOf``, ``Create``, ``Update``, ``Delete`` or ``Action`` with its path and generated models).
Paths take the percent-encoded id at ``{}``.
"""

from __future__ import annotations

from typing import TypeVar

from typed_ngrok_cloud_api.models import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyList,
    ApiKeyUpdate,
    Credential,
    CredentialCreate,
    CredentialList,
    CredentialUpdate,
    Endpoint,
    EndpointCreate,
    EndpointList,
    EndpointUpdate,
    ReservedAddr,
    ReservedAddrCreate,
    ReservedAddrList,
    ReservedAddrUpdate,
    ReservedDomain,
    ReservedDomainCreate,
    ReservedDomainList,
    ReservedDomainUpdate,
    Tunnel,
    TunnelList,
    TunnelSession,
    TunnelSessionList,
)

from typed_ngrok.cloud._core import Listing
from typed_ngrok.cloud._operations import Action, Create, Delete, Get, List, PageOf, Service, Update

__all__ = [
    "ApiKeys",
    "Credentials",
    "Endpoints",
    "ReservedAddrs",
    "ReservedDomains",
    "TunnelSessions",
    "Tunnels",
]

S = TypeVar("S")

_TUNNEL_SESSIONS = Listing("/tunnel_sessions", TunnelSessionList, lambda page: page.tunnel_sessions)
_TUNNELS = Listing("/tunnels", TunnelList, lambda page: page.tunnels, filterable=False)
_ENDPOINTS = Listing("/endpoints", EndpointList, lambda page: page.endpoints)
_RESERVED_DOMAINS = Listing("/reserved_domains", ReservedDomainList, lambda page: page.reserved_domains)
_RESERVED_ADDRS = Listing("/reserved_addrs", ReservedAddrList, lambda page: page.reserved_addrs)
_API_KEYS = Listing("/api_keys", ApiKeyList, lambda page: page.keys)
_CREDENTIALS = Listing("/credentials", CredentialList, lambda page: page.credentials)


class TunnelSessions(Service[S]):
    """Online agent sessions. The actions send ``{}`` as JSON and return None on ngrok's 204."""

    _name = "tunnel_sessions"
    list = List(_TUNNEL_SESSIONS)
    page = PageOf(_TUNNEL_SESSIONS)
    get = Get("/tunnel_sessions/{}", TunnelSession)
    restart = Action("/tunnel_sessions/{}/restart")
    stop = Action("/tunnel_sessions/{}/stop")
    update = Action("/tunnel_sessions/{}/update")


class Tunnels(Service[S]):
    """Online tunnels (read-only; their list takes no filter)."""

    _name = "tunnels"
    list = List(_TUNNELS)
    page = PageOf(_TUNNELS)
    get = Get("/tunnels/{}", Tunnel)


class Endpoints(Service[S]):
    """Endpoints of the account; cloud endpoints are created here."""

    _name = "endpoints"
    create = Create("/endpoints", EndpointCreate, Endpoint)
    list = List(_ENDPOINTS)
    page = PageOf(_ENDPOINTS)
    get = Get("/endpoints/{}", Endpoint)
    update = Update("/endpoints/{}", EndpointUpdate, Endpoint)
    delete = Delete("/endpoints/{}")


class ReservedDomains(Service[S]):
    """Reserved domains."""

    _name = "reserved_domains"
    create = Create("/reserved_domains", ReservedDomainCreate, ReservedDomain)
    list = List(_RESERVED_DOMAINS)
    page = PageOf(_RESERVED_DOMAINS)
    get = Get("/reserved_domains/{}", ReservedDomain)
    update = Update("/reserved_domains/{}", ReservedDomainUpdate, ReservedDomain)
    delete = Delete("/reserved_domains/{}")
    delete_certificate = Delete("/reserved_domains/{}/certificate")
    delete_certificate_management_policy = Delete("/reserved_domains/{}/certificate_management_policy")


class ReservedAddrs(Service[S]):
    """Reserved TCP addresses."""

    _name = "reserved_addrs"
    create = Create("/reserved_addrs", ReservedAddrCreate, ReservedAddr)
    list = List(_RESERVED_ADDRS)
    page = PageOf(_RESERVED_ADDRS)
    get = Get("/reserved_addrs/{}", ReservedAddr)
    update = Update("/reserved_addrs/{}", ReservedAddrUpdate, ReservedAddr)
    delete = Delete("/reserved_addrs/{}")


class ApiKeys(Service[S]):
    """API keys of this API (a key's ``token`` is only in the create answer)."""

    _name = "api_keys"
    create = Create("/api_keys", ApiKeyCreate, ApiKey)
    list = List(_API_KEYS)
    page = PageOf(_API_KEYS)
    get = Get("/api_keys/{}", ApiKey)
    update = Update("/api_keys/{}", ApiKeyUpdate, ApiKey)
    delete = Delete("/api_keys/{}")


class Credentials(Service[S]):
    """Tunnel credentials (agent authtokens; a credential's ``token`` is only in the create answer)."""

    _name = "credentials"
    create = Create("/credentials", CredentialCreate, Credential)
    list = List(_CREDENTIALS)
    page = PageOf(_CREDENTIALS)
    get = Get("/credentials/{}", Credential)
    update = Update("/credentials/{}", CredentialUpdate, Credential)
    delete = Delete("/credentials/{}")
