from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.endpoint_list import EndpointList
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    before_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    filter_: str | Unset = UNSET,
    id: list[str] | Unset = UNSET,
    url_query: list[str] | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["before_id"] = before_id

    params["limit"] = limit

    params["filter"] = filter_

    json_id: list[str] | Unset = UNSET
    if not isinstance(id, Unset):
        json_id = id

    params["id"] = json_id

    json_url_query: list[str] | Unset = UNSET
    if not isinstance(url_query, Unset):
        json_url_query = url_query

    params["url"] = json_url_query

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/endpoints",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> EndpointList | Error | None:
    if response.status_code == 200:
        response_200 = EndpointList.from_dict(response.json())

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
) -> Response[EndpointList | Error]:
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
    id: list[str] | Unset = UNSET,
    url_query: list[str] | Unset = UNSET,
) -> Response[EndpointList | Error]:
    """List the active endpoints of the account (agent, edge and cloud), newest first.

    Args:
        before_id (str | Unset):
        limit (int | Unset):
        filter_ (str | Unset):
        id (list[str] | Unset):
        url_query (list[str] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointList | Error]
    """

    kwargs = _get_kwargs(
        before_id=before_id,
        limit=limit,
        filter_=filter_,
        id=id,
        url_query=url_query,
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
    id: list[str] | Unset = UNSET,
    url_query: list[str] | Unset = UNSET,
) -> EndpointList | Error | None:
    """List the active endpoints of the account (agent, edge and cloud), newest first.

    Args:
        before_id (str | Unset):
        limit (int | Unset):
        filter_ (str | Unset):
        id (list[str] | Unset):
        url_query (list[str] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointList | Error
    """

    return sync_detailed(
        client=client,
        before_id=before_id,
        limit=limit,
        filter_=filter_,
        id=id,
        url_query=url_query,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    before_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    filter_: str | Unset = UNSET,
    id: list[str] | Unset = UNSET,
    url_query: list[str] | Unset = UNSET,
) -> Response[EndpointList | Error]:
    """List the active endpoints of the account (agent, edge and cloud), newest first.

    Args:
        before_id (str | Unset):
        limit (int | Unset):
        filter_ (str | Unset):
        id (list[str] | Unset):
        url_query (list[str] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointList | Error]
    """

    kwargs = _get_kwargs(
        before_id=before_id,
        limit=limit,
        filter_=filter_,
        id=id,
        url_query=url_query,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    before_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    filter_: str | Unset = UNSET,
    id: list[str] | Unset = UNSET,
    url_query: list[str] | Unset = UNSET,
) -> EndpointList | Error | None:
    """List the active endpoints of the account (agent, edge and cloud), newest first.

    Args:
        before_id (str | Unset):
        limit (int | Unset):
        filter_ (str | Unset):
        id (list[str] | Unset):
        url_query (list[str] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointList | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            before_id=before_id,
            limit=limit,
            filter_=filter_,
            id=id,
            url_query=url_query,
        )
    ).parsed
