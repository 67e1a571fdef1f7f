"""Endpoint functions for accessing the API, and a public description of this tag's operations (plain data).

Written from the spec by typed-ngrok's template ``openapi/templates/endpoint_init.py.jinja``:

- ``OPERATIONS``: ``{name: (method, path template, path parameters, query parameters, has a JSON body,
  success statuses, success schema or None)}``; path parameters are ``{name}`` placeholders in the template.
- ``SCHEMAS``: ``{schema: {required key: JSON type}}`` for every success schema and every schema listed in one;
  JSON types as the generator spells them (``str``, ``int``, ``dict[str, Any]``, ``list[...]``, ``X | None``).
- ``LISTS``: ``{envelope schema: (list key, item schema)}`` for success schemas that hold a required list of objects.
"""

from typing import Final

OPERATIONS: Final[dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...], bool, tuple[int, ...], str | None]]] = {
    "list_requests": (
        "GET",
        "/api/requests/http",
        (),
        (
            "limit",
            "tunnel_name",
        ),
        False,
        (200,),
        "CapturedRequestList",
    ),
    "replay_request": (
        "POST",
        "/api/requests/http",
        (),
        (),
        True,
        (204,),
        None,
    ),
    "delete_requests": (
        "DELETE",
        "/api/requests/http",
        (),
        (),
        False,
        (204,),
        None,
    ),
    "get_request": (
        "GET",
        "/api/requests/http/{id}",
        ("id",),
        (),
        False,
        (200,),
        "CapturedRequest",
    ),
}

SCHEMAS: Final[dict[str, dict[str, str]]] = {
    "CapturedRequest": {
        "id": "str",
    },
    "CapturedRequestList": {
        "requests": "list[dict[str, Any]]",
    },
}

LISTS: Final[dict[str, tuple[str, str]]] = {
    "CapturedRequestList": ("requests", "CapturedRequest"),
}
