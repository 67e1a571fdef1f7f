from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.tunnel_session_list import TunnelSessionList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    before_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    filter_: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["before_id"] = before_id

    params["limit"] = limit

    params["filter"] = filter_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/tunnel_sessions",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | TunnelSessionList | None:
    if response.status_code == 200:
        response_200 = TunnelSessionList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | TunnelSessionList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    before_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    filter_: str | Unset = UNSET,
) -> Response[Error | TunnelSessionList]:
    """List the online tunnel sessions (agents) of the account, newest first.

    Args:
        before_id (str | Unset):
        limit (int | Unset):
        filter_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | TunnelSessionList]
    """

    kwargs = _get_kwargs(
        before_id=before_id,
        limit=limit,
        filter_=filter_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    before_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    filter_: str | Unset = UNSET,
) -> Error | TunnelSessionList | None:
    """List the online tunnel sessions (agents) of the account, newest first.

    Args:
        before_id (str | Unset):
        limit (int | Unset):
        filter_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | TunnelSessionList
    """

    return sync_detailed(
        client=client,
        before_id=before_id,
        limit=limit,
        filter_=filter_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    before_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    filter_: str | Unset = UNSET,
) -> Response[Error | TunnelSessionList]:
    """List the online tunnel sessions (agents) of the account, newest first.

    Args:
        before_id (str | Unset):
        limit (int | Unset):
        filter_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | TunnelSessionList]
    """

    kwargs = _get_kwargs(
        before_id=before_id,
        limit=limit,
        filter_=filter_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    before_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    filter_: str | Unset = UNSET,
) -> Error | TunnelSessionList | None:
    """List the online tunnel sessions (agents) of the account, newest first.

    Args:
        before_id (str | Unset):
        limit (int | Unset):
        filter_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | TunnelSessionList
    """

    return (
        await asyncio_detailed(
            client=client,
            before_id=before_id,
            limit=limit,
            filter_=filter_,
        )
    ).parsed
