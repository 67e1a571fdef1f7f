"""Property-based tests of the public input paths checked before any I/O (issue 9, items 5 and 7): ``connect()``'s
arguments and options (both agent formats, both agent versions), ``PyngrokConfig``'s fields, the ``pyngrok_config``
resolver, ``get_requests``' ``limit``, ``disconnect``'s URL and ``install_default_config``'s data. For arbitrary values
the result is a clean value or a ``PyngrokError`` subclass, nothing else.

Reproducible in CI: ``derandomize=True`` and no example database.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from typed_ngrok import aio, installer, ngrok
from typed_ngrok._tunnels.requests import TunnelOptions, build_connect_request
from typed_ngrok._tunnels.resolve import check_limit, resolve_config
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError

SETTINGS = settings(max_examples=150, derandomize=True, database=None, deadline=None)

SCALARS: st.SearchStrategy[object] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=16),
    st.binary(max_size=6),
)
VALUES: st.SearchStrategy[object] = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)
OPTION_NAMES = sorted(TunnelOptions.__annotations__)
OPTIONS: st.SearchStrategy[dict[str, object]] = st.dictionaries(
    st.one_of(st.sampled_from(OPTION_NAMES), st.text(max_size=8)), VALUES, max_size=4
)
ADDRS: st.SearchStrategy[object] = st.one_of(
    VALUES, st.integers(min_value=-5, max_value=70000), st.from_regex(r"[a-z0-9.:/\[\]-]{0,20}", fullmatch=True)
)


@SETTINGS
@given(
    addr=ADDRS,
    proto=st.one_of(VALUES, st.sampled_from(["http", "tcp", "tls", "htp", "HTTP"])),
    name=st.one_of(st.none(), VALUES, st.text(max_size=10)),
    options=OPTIONS,
    config_version=st.sampled_from(["2", "3"]),
    ngrok_version=st.sampled_from([None, "2", "3"]),
)
def test_connect_arguments_give_a_request_or_a_pyngrok_error(
    addr: Any, proto: Any, name: Any, options: dict[str, object], config_version: str, ngrok_version: Any
) -> None:
    try:
        request = build_connect_request(
            addr, proto, name, options, config_version=config_version, ngrok_version=ngrok_version
        )
    except PyngrokError:
        return
    assert isinstance(request.name, str) and request.name
    assert isinstance(request.body, dict)


_FIELDS: dict[str, st.SearchStrategy[object]] = {
    name: st.one_of(VALUES, st.just(float("inf")), st.text(max_size=6))
    for name in (
        "ngrok_path",
        "config_path",
        "auth_token",
        "region",
        "monitor_thread",
        "log_event_callback",
        "startup_timeout",
        "max_logs",
        "request_timeout",
        "start_new_session",
        "ngrok_version",
        "api_key",
        "config_version",
        "edge",
    )
}


@SETTINGS
@given(fields=st.fixed_dictionaries({}, optional=_FIELDS))
def test_pyngrok_config_is_valid_or_refused(fields: dict[str, Any]) -> None:
    try:
        config = PyngrokConfig(**fields)
    except PyngrokError:
        return
    assert config.validate() is config
    assert "PyngrokConfig" in repr(config)


@SETTINGS
@given(value=st.one_of(VALUES, st.builds(object)))
def test_resolve_config_and_limit(value: object) -> None:
    try:
        resolved = resolve_config(value)  # type: ignore[arg-type]
    except PyngrokError:
        pass
    else:
        assert isinstance(resolved, PyngrokConfig)
    try:
        check_limit(value)
    except PyngrokError:
        pass
    else:
        assert value is None or (type(value) is int and value >= 1)


@SETTINGS
@given(public_url=st.one_of(VALUES, st.text(max_size=12)))
def test_disconnect_refuses_what_is_not_a_url_before_any_io(public_url: object) -> None:
    """A config whose binary does not exist: disconnect must either refuse the argument or return (no agent runs)."""
    with tempfile.TemporaryDirectory() as folder:
        cfg = PyngrokConfig(ngrok_path=str(Path(folder) / "missing-ngrok"), config_path=str(Path(folder) / "c.yml"))
        with contextlib.suppress(PyngrokError):
            ngrok.disconnect(public_url, pyngrok_config=cfg)  # type: ignore[arg-type]


@pytest.mark.parametrize("twin", ["sync", "aio"])
def test_disconnect_twins_refuse_a_non_str_url_alike(twin: str, tmp_path: Path) -> None:
    import asyncio

    cfg = PyngrokConfig(ngrok_path=str(tmp_path / "missing-ngrok"), config_path=str(tmp_path / "c.yml"))
    with pytest.raises(PyngrokError) as info:
        if twin == "sync":
            ngrok.disconnect(42, pyngrok_config=cfg)  # type: ignore[arg-type]
        else:
            asyncio.run(aio.disconnect(42, pyngrok_config=cfg))  # type: ignore[arg-type]
    assert "public_url" in str(info.value)


@SETTINGS
@given(
    data=st.one_of(st.none(), VALUES, st.dictionaries(st.sampled_from(["version", "authtoken", "tunnels"]), VALUES)),
    ngrok_version=st.one_of(st.sampled_from(["2", "3"]), VALUES),
    config_version=st.one_of(st.sampled_from(["2", "3"]), VALUES),
)
def test_install_default_config_writes_or_refuses(data: object, ngrok_version: object, config_version: object) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ngrok.yml"
        try:
            installer.install_default_config(str(path), data, ngrok_version, config_version)  # type: ignore[arg-type]
        except PyngrokError:
            return
        assert path.is_file()
        assert path.stat().st_mode & 0o077 == 0  # private
