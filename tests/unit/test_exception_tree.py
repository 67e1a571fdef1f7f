"""The exception module has one root, and pyngrok's constructor contracts hold."""

from __future__ import annotations

import inspect

import pytest

from typed_ngrok import exception
from typed_ngrok.exception import (
    PyngrokError,
    PyngrokNgrokError,
    PyngrokNgrokHTTPError,
    PyngrokNgrokURLError,
    _find_error_code,
)


def _exception_classes() -> list[type[BaseException]]:
    return [
        obj
        for name, obj in vars(exception).items()
        if inspect.isclass(obj) and issubclass(obj, BaseException) and not name.startswith("_")
    ]


def test_every_exception_derives_from_pyngrok_error() -> None:
    classes = _exception_classes()
    assert len(classes) >= 15
    for cls in classes:
        assert issubclass(cls, PyngrokError), cls


def test_all_lists_every_public_class() -> None:
    assert sorted(exception.__all__) == sorted(cls.__name__ for cls in _exception_classes())


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("failed to auth\r\n\r\nERR_NGROK_105\r\n", "ERR_NGROK_105"),
        ("ERR_NGROK_334 then ERR_NGROK_1", "ERR_NGROK_334"),
        ("no code here", None),
        (None, None),
    ],
)
def test_error_code_is_parsed_from_the_agent_text(text: str | None, code: str | None) -> None:
    assert _find_error_code(text) == code
    assert PyngrokNgrokError("boom", ngrok_error=text).ngrok_error_code == code


def test_ngrok_error_defaults_to_empty_logs() -> None:
    err = PyngrokNgrokError("boom")
    assert err.ngrok_logs == []
    assert err.ngrok_error is None
    assert str(err) == "boom"


def test_http_error_hints_at_old_agents_on_missing_endpoints_route() -> None:
    err = PyngrokNgrokHTTPError("API returned 404", "http://127.0.0.1:4040/api/endpoints", 404, "Not Found", {}, "")
    assert "too old to support /api/endpoints" in str(err)
    other = PyngrokNgrokHTTPError("API returned 404", "http://127.0.0.1:4040/api/tunnels/x", 404, "nf", {}, "")
    assert "too old" not in str(other)


def test_url_error_keeps_reason() -> None:
    err = PyngrokNgrokURLError("ngrok client exception, URLError: timed out", "timed out")
    assert err.reason == "timed out"
    assert isinstance(err, PyngrokNgrokError)
