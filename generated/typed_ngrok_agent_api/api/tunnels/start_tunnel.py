from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.tunnel import Tunnel
from ...models.tunnel_definition import TunnelDefinition
from ...types import Response


def _get_kwargs(
    *,
    body: TunnelDefinition,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/tunnels",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | Tunnel | None:
    if response.status_code == 201:
        response_201 = Tunnel.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = Error.from_dict(response.json())

        return response_405

    if response.status_code == 406:
        response_406 = Error.from_dict(response.json())

        return response_406

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if response.status_code == 502:
        response_502 = Error.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | Tunnel]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TunnelDefinition,
) -> Response[Error | Tunnel]:
    """Start a tunnel.

     Returns only the https tunnel of an http tunnel with bind_tls=both (2.3.41's default); its `<name>
    (http)` companion is listed separately. Validation (400, code 102) runs before the session check
    (503, code 104).

    Args:
        body (TunnelDefinition): POST /api/tunnels body. 2.3.41 requires a non-empty name, addr
            and proto (400, code 102, without them); v3 rejects unknown keys and duplicate names.
            Typed values must have their JSON type ("inspect": "false" is rejected). Beyond this
            schema 2.3.41 checks the definition as a whole and answers 400 (code 102) for, e.g., a URL
            addr on a tcp tunnel ("specifies a URL instead of a host address"), an addr whose scheme
            does not fit the proto or that does not parse ("invalid or malformed address"), hostname
            together with subdomain, an invalid remote_addr, unreadable crt/key/client_cas files, and
            any string holding a character outside the Basic Multilingual Plane (it converts the body
            to YAML: "yaml: found invalid Unicode character escape code"). 2.3.41 is also more lenient
            than this schema: it ignores keys it does not know (every v3-only key here, whatever its
            value), reads null as an absent key, and takes a number or boolean where it expects a
            string. Send what this schema describes.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Tunnel]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: TunnelDefinition,
) -> Error | Tunnel | None:
    """Start a tunnel.

     Returns only the https tunnel of an http tunnel with bind_tls=both (2.3.41's default); its `<name>
    (http)` companion is listed separately. Validation (400, code 102) runs before the session check
    (503, code 104).

    Args:
        body (TunnelDefinition): POST /api/tunnels body. 2.3.41 requires a non-empty name, addr
            and proto (400, code 102, without them); v3 rejects unknown keys and duplicate names.
            Typed values must have their JSON type ("inspect": "false" is rejected). Beyond this
            schema 2.3.41 checks the definition as a whole and answers 400 (code 102) for, e.g., a URL
            addr on a tcp tunnel ("specifies a URL instead of a host address"), an addr whose scheme
            does not fit the proto or that does not parse ("invalid or malformed address"), hostname
            together with subdomain, an invalid remote_addr, unreadable crt/key/client_cas files, and
            any string holding a character outside the Basic Multilingual Plane (it converts the body
            to YAML: "yaml: found invalid Unicode character escape code"). 2.3.41 is also more lenient
            than this schema: it ignores keys it does not know (every v3-only key here, whatever its
            value), reads null as an absent key, and takes a number or boolean where it expects a
            string. Send what this schema describes.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Tunnel
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TunnelDefinition,
) -> Response[Error | Tunnel]:
    """Start a tunnel.

     Returns only the https tunnel of an http tunnel with bind_tls=both (2.3.41's default); its `<name>
    (http)` companion is listed separately. Validation (400, code 102) runs before the session check
    (503, code 104).

    Args:
        body (TunnelDefinition): POST /api/tunnels body. 2.3.41 requires a non-empty name, addr
            and proto (400, code 102, without them); v3 rejects unknown keys and duplicate names.
            Typed values must have their JSON type ("inspect": "false" is rejected). Beyond this
            schema 2.3.41 checks the definition as a whole and answers 400 (code 102) for, e.g., a URL
            addr on a tcp tunnel ("specifies a URL instead of a host address"), an addr whose scheme
            does not fit the proto or that does not parse ("invalid or malformed address"), hostname
            together with subdomain, an invalid remote_addr, unreadable crt/key/client_cas files, and
            any string holding a character outside the Basic Multilingual Plane (it converts the body
            to YAML: "yaml: found invalid Unicode character escape code"). 2.3.41 is also more lenient
            than this schema: it ignores keys it does not know (every v3-only key here, whatever its
            value), reads null as an absent key, and takes a number or boolean where it expects a
            string. Send what this schema describes.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Tunnel]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: TunnelDefinition,
) -> Error | Tunnel | None:
    """Start a tunnel.

     Returns only the https tunnel of an http tunnel with bind_tls=both (2.3.41's default); its `<name>
    (http)` companion is listed separately. Validation (400, code 102) runs before the session check
    (503, code 104).

    Args:
        body (TunnelDefinition): POST /api/tunnels body. 2.3.41 requires a non-empty name, addr
            and proto (400, code 102, without them); v3 rejects unknown keys and duplicate names.
            Typed values must have their JSON type ("inspect": "false" is rejected). Beyond this
            schema 2.3.41 checks the definition as a whole and answers 400 (code 102) for, e.g., a URL
            addr on a tcp tunnel ("specifies a URL instead of a host address"), an addr whose scheme
            does not fit the proto or that does not parse ("invalid or malformed address"), hostname
            together with subdomain, an invalid remote_addr, unreadable crt/key/client_cas files, and
            any string holding a character outside the Basic Multilingual Plane (it converts the body
            to YAML: "yaml: found invalid Unicode character escape code"). 2.3.41 is also more lenient
            than this schema: it ignores keys it does not know (every v3-only key here, whatever its
            value), reads null as an absent key, and takes a number or boolean where it expects a
            string. Send what this schema describes.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Tunnel
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
