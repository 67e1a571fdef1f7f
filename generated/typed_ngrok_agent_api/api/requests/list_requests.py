from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.captured_request_list import CapturedRequestList
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = UNSET,
    tunnel_name: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["tunnel_name"] = tunnel_name

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/requests/http",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CapturedRequestList | Error | None:
    if response.status_code == 200:
        response_200 = CapturedRequestList.from_dict(response.json())

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

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CapturedRequestList | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    tunnel_name: str | Unset = UNSET,
) -> Response[CapturedRequestList | Error]:
    """List captured HTTP requests.

     ngrok's docs say newest first; 2.3.41 lists them in no stable order (sort by `start` when order
    matters).

    Args:
        limit (int | Unset):
        tunnel_name (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CapturedRequestList | Error]
    """

    kwargs = _get_kwargs(
        limit=limit,
        tunnel_name=tunnel_name,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    tunnel_name: str | Unset = UNSET,
) -> CapturedRequestList | Error | None:
    """List captured HTTP requests.

     ngrok's docs say newest first; 2.3.41 lists them in no stable order (sort by `start` when order
    matters).

    Args:
        limit (int | Unset):
        tunnel_name (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CapturedRequestList | Error
    """

    return sync_detailed(
        client=client,
        limit=limit,
        tunnel_name=tunnel_name,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    tunnel_name: str | Unset = UNSET,
) -> Response[CapturedRequestList | Error]:
    """List captured HTTP requests.

     ngrok's docs say newest first; 2.3.41 lists them in no stable order (sort by `start` when order
    matters).

    Args:
        limit (int | Unset):
        tunnel_name (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CapturedRequestList | Error]
    """

    kwargs = _get_kwargs(
        limit=limit,
        tunnel_name=tunnel_name,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    tunnel_name: str | Unset = UNSET,
) -> CapturedRequestList | Error | None:
    """List captured HTTP requests.

     ngrok's docs say newest first; 2.3.41 lists them in no stable order (sort by `start` when order
    matters).

    Args:
        limit (int | Unset):
        tunnel_name (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CapturedRequestList | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            tunnel_name=tunnel_name,
        )
    ).parsed
