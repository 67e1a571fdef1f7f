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
    "list_endpoints": (
        "GET",
        "/api/endpoints",
        (),
        (),
        False,
        (200,),
        "EndpointList",
    ),
    "create_endpoint": (
        "POST",
        "/api/endpoints",
        (),
        (),
        True,
        (201,),
        "Endpoint",
    ),
    "get_endpoint": (
        "GET",
        "/api/endpoints/{name}",
        ("name",),
        (),
        False,
        (200,),
        "Endpoint",
    ),
    "upsert_endpoint": (
        "PUT",
        "/api/endpoints/{name}",
        ("name",),
        (),
        True,
        (
            200,
            201,
        ),
        "Endpoint",
    ),
    "delete_endpoint": (
        "DELETE",
        "/api/endpoints/{name}",
        ("name",),
        (),
        False,
        (204,),
        None,
    ),
}

SCHEMAS: Final[dict[str, dict[str, str]]] = {
    "Endpoint": {
        "name": "str",
    },
    "EndpointList": {
        "endpoints": "list[dict[str, Any]]",
    },
}

LISTS: Final[dict[str, tuple[str, str]]] = {
    "EndpointList": ("endpoints", "Endpoint"),
}
