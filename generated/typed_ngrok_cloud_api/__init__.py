"""A client library for accessing ngrok cloud API (typed_ngrok subset)"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
