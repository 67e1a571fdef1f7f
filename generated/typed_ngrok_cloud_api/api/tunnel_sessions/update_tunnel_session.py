from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.tunnel_session_action import TunnelSessionAction
from ...types import Response


def _get_kwargs(
    id: str,
    *,
    body: TunnelSessionAction,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/tunnel_sessions/{id}/update".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Error | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    body: TunnelSessionAction,
) -> Response[Any | Error]:
    """Tell the agent to update itself to the latest version of its major version; restart it (>= 10 s
    later) to run the new code. Fails when no update is available, update checks are disabled, an update
    is in progress, or an update is done but the agent has not restarted yet.

    Args:
        id (str):
        body (TunnelSessionAction): The (empty) body of the tunnel-session actions; serialises to
            `{}`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Error]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    body: TunnelSessionAction,
) -> Any | Error | None:
    """Tell the agent to update itself to the latest version of its major version; restart it (>= 10 s
    later) to run the new code. Fails when no update is available, update checks are disabled, an update
    is in progress, or an update is done but the agent has not restarted yet.

    Args:
        id (str):
        body (TunnelSessionAction): The (empty) body of the tunnel-session actions; serialises to
            `{}`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Error
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    body: TunnelSessionAction,
) -> Response[Any | Error]:
    """Tell the agent to update itself to the latest version of its major version; restart it (>= 10 s
    later) to run the new code. Fails when no update is available, update checks are disabled, an update
    is in progress, or an update is done but the agent has not restarted yet.

    Args:
        id (str):
        body (TunnelSessionAction): The (empty) body of the tunnel-session actions; serialises to
            `{}`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Error]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    body: TunnelSessionAction,
) -> Any | Error | None:
    """Tell the agent to update itself to the latest version of its major version; restart it (>= 10 s
    later) to run the new code. Fails when no update is available, update checks are disabled, an update
    is in progress, or an update is done but the agent has not restarted yet.

    Args:
        id (str):
        body (TunnelSessionAction): The (empty) body of the tunnel-session actions; serialises to
            `{}`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Error
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
        )
    ).parsed
