"""A typed client for ngrok's cloud REST API (https://api.ngrok.com).

.. code-block:: python

    from typed_ngrok.cloud import CloudClient

    with CloudClient() as cloud:  # api_key=None reads NGROK_API_KEY
        for s in cloud.tunnel_sessions.list(filter='obj.region == "us"'):  # follows next_page_uri
            cloud.tunnel_sessions.restart(s.id)

:class:`AsyncCloudClient` has the same services and names (``await``, ``async for``). Results are the typed models
named here; every failure raises from :class:`~typed_ngrok.exception.CloudAPIError`.

Layout: ``_core`` holds every decision without I/O, ``_operations``/``_services`` describe each operation once,
``_client`` holds the two thin I/O shells. Importing this module loads none of them: the clients, httpx and the
models load on first use of a name (PEP 562), so ``import typed_ngrok.cloud`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from typed_ngrok.exception import (
    AuthenticationError,
    CloudAPIError,
    CloudConnectionError,
    CloudTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)

if TYPE_CHECKING:
    from typed_ngrok_cloud_api.models import (
        ApiKey,
        Credential,
        Endpoint,
        Ref,
        ReservedAddr,
        ReservedDomain,
        ReservedDomainCertJob,
        ReservedDomainCertPolicy,
        ReservedDomainCertStatus,
        ReservedDomainResolvesTo,
        Tunnel,
        TunnelLabels,
        TunnelSession,
    )
    from typed_ngrok_cloud_api.types import UNSET, Unset

    from typed_ngrok.cloud._client import AsyncCloudClient, CloudClient
    from typed_ngrok.cloud._core import Page

__all__ = [
    "UNSET",
    "ApiKey",
    "AsyncCloudClient",
    "AuthenticationError",
    "CloudAPIError",
    "CloudClient",
    "CloudConnectionError",
    "CloudTimeoutError",
    "Credential",
    "Endpoint",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "Ref",
    "ReservedAddr",
    "ReservedDomain",
    "ReservedDomainCertJob",
    "ReservedDomainCertPolicy",
    "ReservedDomainCertStatus",
    "ReservedDomainResolvesTo",
    "ServerError",
    "Tunnel",
    "TunnelLabels",
    "TunnelSession",
    "Unset",
]

_LAZY: dict[str, str] = {
    "CloudClient": "typed_ngrok.cloud._client",
    "AsyncCloudClient": "typed_ngrok.cloud._client",
    "Page": "typed_ngrok.cloud._core",
    "UNSET": "typed_ngrok_cloud_api.types",
    "Unset": "typed_ngrok_cloud_api.types",
    **dict.fromkeys(
        [
            "ApiKey",
            "Credential",
            "Endpoint",
            "Ref",
            "ReservedAddr",
            "ReservedDomain",
            "ReservedDomainCertJob",
            "ReservedDomainCertPolicy",
            "ReservedDomainCertStatus",
            "ReservedDomainResolvesTo",
            "Tunnel",
            "TunnelLabels",
            "TunnelSession",
        ],
        "typed_ngrok_cloud_api.models",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
