"""Cross-check openapi/cloud-api.yaml against ngrok's own OpenAPI description (ngrok/ngrok-openapi `ngrok.yaml`).

For every operation of our spec: the path and method exist in ngrok's file with the same success status; each of our
parameters exists there (same name and location); and each property name of our request body and success response
exists in ngrok's corresponding schema, recursively through $refs, nullable unions and arrays.

Every difference is listed in DIFFERENCES with its reason, and the list is exact: a difference that is not listed
fails, and so does a listed one that no longer occurs. Deliberate global departures, not listed per operation:
- ngrok's `ngrok-version` header parameter is not declared by us (the client sends it as a default header; a required
  header would become a required argument of every generated function).
- ngrok's file declares no error responses; ours declare the `Error` body. The test asserts ngrok's file still
  declares only the success status, so an error schema appearing there would be noticed and compared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.outside_files import NGROK_OPENAPI, OPENAPI_HOW, require_file

REPO = Path(__file__).resolve().parents[2]
OURS = REPO / "openapi" / "cloud-api.yaml"
THEIRS = NGROK_OPENAPI
METHODS = ("get", "put", "post", "delete", "patch")
IGNORED_THEIR_PARAMETERS = {"ngrok-version"}

FILTER = (
    "the API takes a CEL `filter` on this list (docs api/api-filtering.mdx, ngrok-api 0.19.0); ngrok's file lacks it"
)
DEPRECATED_ARRAY = "the API and ngrok's clients send repeated `{name}=`; ngrok's file names this array `{name}s`"
RESOLVES_TO = "`resolves_to` is in ngrok's docs and live responses but missing from ngrok's file (docs/cloud-api.md §4)"

DIFFERENCES: dict[str, str] = {
    "GET /tunnel_sessions parameter filter": FILTER,
    "GET /endpoints parameter filter": FILTER,
    "GET /reserved_domains parameter filter": FILTER,
    "GET /reserved_addrs parameter filter": FILTER,
    "GET /api_keys parameter filter": FILTER,
    "GET /credentials parameter filter": FILTER,
    "GET /endpoints parameter id": DEPRECATED_ARRAY.format(name="id"),
    "GET /endpoints parameter url": DEPRECATED_ARRAY.format(name="url"),
    "POST /reserved_domains request.resolves_to": RESOLVES_TO,
    "POST /reserved_domains response.resolves_to": RESOLVES_TO,
    "GET /reserved_domains response.reserved_domains[].resolves_to": RESOLVES_TO,
    "GET /reserved_domains/{id} response.resolves_to": RESOLVES_TO,
    "PATCH /reserved_domains/{id} request.resolves_to": RESOLVES_TO,
    "PATCH /reserved_domains/{id} response.resolves_to": RESOLVES_TO,
}


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    assert isinstance(data, dict)
    return data


def our_operations() -> list[str]:
    spec = load(OURS)
    return [f"{m.upper()} {path}" for path, item in spec["paths"].items() for m in METHODS if m in item]


@pytest.fixture(scope="module")
def specs() -> tuple[dict[str, Any], dict[str, Any]]:
    require_file(THEIRS, "ngrok's OpenAPI file", OPENAPI_HOW)
    return load(OURS), load(THEIRS)


def deref(spec: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (`#/components/...`) until a non-reference node."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def non_null(spec: dict[str, Any], schema: Any) -> dict[str, Any]:
    """The schema without its nullability: the non-null member of a oneOf/anyOf with {type: null}."""
    schema = deref(spec, schema)
    assert isinstance(schema, dict)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            members = [deref(spec, s) for s in schema[key] if deref(spec, s).get("type") != "null"]
            assert len(members) == 1, f"unsupported union: {schema}"
            return non_null(spec, members[0])
    return schema


def is_array(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind)


def compare(ours: dict[str, Any], theirs: dict[str, Any], our_schema: Any, their_schema: Any, where: str) -> set[str]:
    """Property names of `our_schema` missing from `their_schema`, as `where.name` paths (recursive)."""
    mine, their = non_null(ours, our_schema), non_null(theirs, their_schema)
    if is_array(mine):
        assert is_array(their), f"{where}: an array here, not in ngrok's file"
        return compare(ours, theirs, mine["items"], their["items"], f"{where}[]")
    missing: set[str] = set()
    their_props = their.get("properties", {})
    for name, prop in mine.get("properties", {}).items():
        if name not in their_props:
            missing.add(f"{where}.{name}")
        else:
            missing |= compare(ours, theirs, prop, their_props[name], f"{where}.{name}")
    return missing


def json_schema(spec: dict[str, Any], holder: Any) -> Any:
    """The application/json schema of a request body or response (None when it has no content)."""
    content = deref(spec, holder).get("content")
    return None if content is None else content["application/json"]["schema"]


def success(responses: dict[Any, Any]) -> tuple[str, Any]:
    codes = [str(code) for code in responses if str(code).startswith("2")]
    assert len(codes) == 1, f"expected one success status, got {codes}"
    (code,) = codes
    return code, responses[code] if code in responses else responses[int(code)]


def differences(ours: dict[str, Any], theirs: dict[str, Any], key: str) -> set[str]:
    method, path = key.split(" ", 1)
    assert path in theirs["paths"], f"{key}: path missing from ngrok's file"
    assert method.lower() in theirs["paths"][path], f"{key}: method missing from ngrok's file"
    mine, their = ours["paths"][path][method.lower()], theirs["paths"][path][method.lower()]
    found: set[str] = set()

    their_params = {(p["name"], p["in"]) for p in (deref(theirs, p) for p in their.get("parameters", []))}
    for param in (deref(ours, p) for p in mine.get("parameters", [])):
        assert param["name"] not in IGNORED_THEIR_PARAMETERS
        if (param["name"], param["in"]) not in their_params:
            found.add(f"{key} parameter {param['name']}")

    if "requestBody" in mine:
        assert "requestBody" in their, f"{key}: ngrok's file has no request body"
        found |= compare(
            ours,
            theirs,
            json_schema(ours, mine["requestBody"]),
            json_schema(theirs, their["requestBody"]),
            f"{key} request",
        )
    else:
        assert "requestBody" not in their, f"{key}: ngrok's file has a request body we do not declare"

    our_code, our_ok = success(mine["responses"])
    their_code, their_ok = success(their["responses"])
    assert our_code == their_code, f"{key}: success status {our_code}, ngrok's file says {their_code}"
    assert len(their["responses"]) == 1, f"{key}: ngrok's file now declares more statuses; compare them here"
    our_body, their_body = json_schema(ours, our_ok), json_schema(theirs, their_ok)
    assert (our_body is None) == (their_body is None), f"{key}: response body presence differs"
    if our_body is not None:
        found |= compare(ours, theirs, our_body, their_body, f"{key} response")
    return found


@pytest.mark.parametrize("key", our_operations())
def test_operation_matches_ngrok_openapi(specs: tuple[dict[str, Any], dict[str, Any]], key: str) -> None:
    ours, theirs = specs
    expected = {d for d in DIFFERENCES if d.startswith(f"{key} ")}
    found = differences(ours, theirs, key)
    unlisted, stale = sorted(found - expected), sorted(expected - found)
    assert unlisted == [], "differences from ngrok's file: fix the spec, or list them with a reason in DIFFERENCES"
    assert stale == [], "listed differences that no longer occur: remove them from DIFFERENCES"


def test_every_listed_difference_names_one_of_our_operations() -> None:
    keys = our_operations()
    orphans = [d for d in DIFFERENCES if not any(d.startswith(f"{key} ") for key in keys)]
    assert orphans == []


def test_every_operation_is_covered() -> None:
    """The parametrisation above reads our spec; make sure it found the 34 operations of the resources we cover."""
    keys = our_operations()
    assert len(keys) == len(set(keys)) == 34
    tags = {t for path, item in load(OURS)["paths"].items() for m in METHODS if m in item for t in item[m]["tags"]}
    assert tags == {
        "tunnel_sessions",
        "tunnels",
        "endpoints",
        "reserved_domains",
        "reserved_addrs",
        "api_keys",
        "credentials",
    }
