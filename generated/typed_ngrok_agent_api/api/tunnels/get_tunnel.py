from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.tunnel import Tunnel
from ...types import Response


def _get_kwargs(
    name: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/tunnels/{name}".format(
            name=quote(str(name), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | Tunnel | None:
    if response.status_code == 200:
        response_200 = Tunnel.from_dict(response.json())

        return response_200

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
    name: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Error | Tunnel]:
    """Get one tunnel by name.

     2.3.41 percent-decodes the name of this route twice (DELETE decodes it once): a name containing "%"
    is reachable here only when encoded twice (so not through the `uri` the agent returns), and a
    segment that is not valid percent-encoding after the first decoding is refused with 400 (error_code
    108).

    Args:
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Tunnel]
    """

    kwargs = _get_kwargs(
        name=name,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient | Client,
) -> Error | Tunnel | None:
    """Get one tunnel by name.

     2.3.41 percent-decodes the name of this route twice (DELETE decodes it once): a name containing "%"
    is reachable here only when encoded twice (so not through the `uri` the agent returns), and a
    segment that is not valid percent-encoding after the first decoding is refused with 400 (error_code
    108).

    Args:
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Tunnel
    """

    return sync_detailed(
        name=name,
        client=client,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Error | Tunnel]:
    """Get one tunnel by name.

     2.3.41 percent-decodes the name of this route twice (DELETE decodes it once): a name containing "%"
    is reachable here only when encoded twice (so not through the `uri` the agent returns), and a
    segment that is not valid percent-encoding after the first decoding is refused with 400 (error_code
    108).

    Args:
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Tunnel]
    """

    kwargs = _get_kwargs(
        name=name,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient | Client,
) -> Error | Tunnel | None:
    """Get one tunnel by name.

     2.3.41 percent-decodes the name of this route twice (DELETE decodes it once): a name containing "%"
    is reachable here only when encoded twice (so not through the `uri` the agent returns), and a
    segment that is not valid percent-encoding after the first decoding is refused with 400 (error_code
    108).

    Args:
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Tunnel
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
        )
    ).parsed
