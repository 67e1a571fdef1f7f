"""The one exception tree of typed-ngrok.

Every exception typed-ngrok raises derives from :class:`PyngrokError`, so ``except PyngrokError`` in code ported
from pyngrok still catches everything. pyngrok's classes are real classes here (not aliases) with pyngrok 9.1.0's
constructor signatures; typed-ngrok's own errors subclass them::

    PyngrokError                          every exception typed_ngrok raises derives from this
    ├── PyngrokSecurityError              refused URL scheme, checksum mismatch
    ├── PyngrokNgrokInstallError          download or unpack failed (cause chained)
    ├── PyngrokNgrokError                 binary or agent API (.ngrok_logs .ngrok_error .ngrok_error_code)
    │   ├── ProcessStartError             exited, or not ready before startup_timeout
    │   ├── PyngrokNgrokURLError          agent API unreachable (.reason)
    │   └── PyngrokNgrokHTTPError         agent API >= 400 (.url .status_code .message .headers .body .error_code)
    │       └── TunnelNotFoundError       404 with error_code 100, or 404 on /api/endpoints/{name}
    ├── CloudAPIError                     api.ngrok.com (.status_code .error_code .operation_id .body)
    │   ├── AuthenticationError 401, PermissionDeniedError 403, NotFoundError 404
    │   ├── RateLimitError 429, ServerError >= 500
    │   └── CloudConnectionError          transport failure
    │       └── CloudTimeoutError         no answer within timeout
    └── LocalEdgeError                    the built-in local edge failed to start or was misused
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typed_ngrok.log import NgrokLog

__all__ = [
    "AuthenticationError",
    "CloudAPIError",
    "CloudConnectionError",
    "CloudTimeoutError",
    "LocalEdgeError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProcessStartError",
    "PyngrokError",
    "PyngrokNgrokError",
    "PyngrokNgrokHTTPError",
    "PyngrokNgrokInstallError",
    "PyngrokNgrokURLError",
    "PyngrokSecurityError",
    "RateLimitError",
    "ServerError",
    "TunnelNotFoundError",
]

_ERR_NGROK_CODE = re.compile(r"ERR_NGROK_\d+")


def _find_error_code(text: str | None) -> str | None:
    """The first ``ERR_NGROK_<n>`` code in ``text``, if any."""
    if not text:
        return None
    match = _ERR_NGROK_CODE.search(text)
    return match.group(0) if match else None


class PyngrokError(Exception):
    """Root of every exception typed-ngrok raises."""


class PyngrokSecurityError(PyngrokError):
    """A URL with a refused scheme, or a download whose checksum does not match its pin."""


class PyngrokNgrokInstallError(PyngrokError):
    """Downloading, verifying or unpacking the ngrok binary failed (the cause is chained)."""


class PyngrokNgrokError(PyngrokError):
    """The ngrok binary or its local API failed.

    ``ngrok_logs`` holds the agent's log records at the time, ``ngrok_error`` the agent's own error text and
    ``ngrok_error_code`` the ``ERR_NGROK_<n>`` code found in it (None when there is none).
    """

    def __init__(
        self,
        error: str | BaseException,
        ngrok_logs: list[NgrokLog] | None = None,
        ngrok_error: str | None = None,
    ) -> None:
        super().__init__(error)
        self.ngrok_logs: list[NgrokLog] = list(ngrok_logs) if ngrok_logs else []
        self.ngrok_error = ngrok_error
        self.ngrok_error_code = _find_error_code(ngrok_error)


class ProcessStartError(PyngrokNgrokError):
    """The agent exited during startup, printed a fatal error, or was not ready before ``startup_timeout``."""


class PyngrokNgrokHTTPError(PyngrokNgrokError):
    """The agent's local API answered with a status >= 400.

    ``message`` is the agent's ``msg``, ``error_code`` its integer ``error_code`` (None for router errors such as an
    unknown path), ``headers`` the *response* headers and ``body`` the raw response text.
    """

    def __init__(
        self,
        error: str | BaseException,
        url: str,
        status_code: int,
        message: str | None,
        headers: Mapping[str, str] | Any,
        body: str,
    ) -> None:
        super().__init__(error, ngrok_error=body)
        self.url = url
        self.status_code = status_code
        self.message = message
        self.headers = headers
        self.body = body
        self.error_code: int | None = None
        self.details: dict[str, Any] = {}

    def __str__(self) -> str:
        text = super().__str__()
        if self.status_code == 404 and "/api/endpoints" in self.url:
            text += " (your ngrok binary may be too old to support /api/endpoints; call ngrok.update())"
        return text


class TunnelNotFoundError(PyngrokNgrokHTTPError):
    """The agent knows no tunnel or endpoint by that name (404, agent error_code 100)."""


class PyngrokNgrokURLError(PyngrokNgrokError):
    """The agent's local API could not be reached, or did not answer in time (``reason`` says which)."""

    def __init__(self, error: str | BaseException, reason: str | BaseException) -> None:
        super().__init__(error)
        self.reason = reason


class CloudAPIError(PyngrokError):
    """ngrok's cloud REST API refused a call.

    ``error_code`` is ngrok's string code (``ERR_NGROK_218``), ``operation_id`` the request's ``op_...`` id when the
    API gave one, and ``body`` the raw response text.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_code: str | None = None,
        operation_id: str | None = None,
        body: str = "",
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_code = error_code
        self.operation_id = operation_id
        self.body = body


class AuthenticationError(CloudAPIError):
    """401: the API key is missing or wrong."""


class PermissionDeniedError(CloudAPIError):
    """403: the API key may not do this."""


class NotFoundError(CloudAPIError):
    """404: no such resource."""


class RateLimitError(CloudAPIError):
    """429: the account's rate limit was hit (ERR_NGROK_226); back off and retry."""


class ServerError(CloudAPIError):
    """A 5xx answer from the cloud API."""


class CloudConnectionError(CloudAPIError):
    """The cloud API could not be reached, or the connection failed before an answer (timeouts included)."""


class CloudTimeoutError(CloudConnectionError):
    """The cloud API did not answer within the client's ``timeout`` (not retried: the call may have acted)."""


class LocalEdgeError(PyngrokError):
    """The built-in local edge failed to start, or was misused."""
