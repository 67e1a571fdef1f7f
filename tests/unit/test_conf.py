"""typed_ngrok.conf: pyngrok-compatible defaults, environment, late binding, validation, no secrets in repr."""

from __future__ import annotations

import importlib.util
import inspect
import os
import platform
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from typed_ngrok import conf
from typed_ngrok._install import platform as _platform
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError

ENV_VARS = ("PYNGROK_NGROK_PATH", "NGROK_AUTHTOKEN", "NGROK_API_KEY", "TYPED_NGROK_EDGE")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    saved = conf._default_pyngrok_config
    yield
    conf._default_pyngrok_config = saved


def shape(fn: Callable[..., object]) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def test_signature_is_pyngrok_plus_edge_last() -> None:
    pyngrok_conf = pytest.importorskip("pyngrok.conf")
    ours = shape(PyngrokConfig)
    assert ours[:-1] == shape(pyngrok_conf.PyngrokConfig)
    assert ours[-1] == ("edge", inspect.Parameter.POSITIONAL_OR_KEYWORD, None)
    for name in ("get_default", "set_default", "get_config_path"):
        assert shape(getattr(conf, name)) == shape(getattr(pyngrok_conf, name)), name


def test_defaults() -> None:
    cfg = PyngrokConfig()
    assert cfg.ngrok_path == conf.DEFAULT_NGROK_PATH
    assert cfg.config_path is None
    assert (cfg.auth_token, cfg.region, cfg.api_key, cfg.log_event_callback) == (None, None, None, None)
    assert cfg.monitor_thread is True
    assert cfg.start_new_session is False
    assert (cfg.startup_timeout, cfg.max_logs, cfg.request_timeout) == (15, 100, 4)
    assert (cfg.ngrok_version, cfg.config_version, cfg.edge) == ("3", "3", "ngrok")


def test_default_paths_follow_ngrok_dir() -> None:
    assert conf.DEFAULT_CONFIG_PATH is None
    assert os.path.join(conf.DEFAULT_NGROK_DIR, "ngrok.yml") == conf.DEFAULT_NGROK_CONFIG_PATH
    assert os.path.dirname(conf.DEFAULT_NGROK_PATH) == conf.DEFAULT_NGROK_DIR
    assert os.path.basename(conf.DEFAULT_NGROK_PATH) in ("ngrok", "ngrok.exe")


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYNGROK_NGROK_PATH", "/opt/ngrok/bin/ngrok")
    monkeypatch.setenv("NGROK_AUTHTOKEN", "env-token")
    monkeypatch.setenv("NGROK_API_KEY", "env-key")
    monkeypatch.setenv("TYPED_NGROK_EDGE", "local")
    cfg = PyngrokConfig()
    assert (cfg.ngrok_path, cfg.auth_token, cfg.api_key, cfg.edge) == (
        "/opt/ngrok/bin/ngrok",
        "env-token",
        "env-key",
        "local",
    )
    explicit = PyngrokConfig(ngrok_path="/x/ngrok", auth_token="arg", api_key="k", edge="ngrok")
    assert (explicit.ngrok_path, explicit.auth_token, explicit.api_key, explicit.edge) == (
        "/x/ngrok",
        "arg",
        "k",
        "ngrok",
    )


def test_empty_secret_falls_back_to_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NGROK_AUTHTOKEN", "env-token")
    assert PyngrokConfig(auth_token="").auth_token == "env-token"


def test_late_binding_of_module_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(conf, "DEFAULT_NGROK_PATH", str(tmp_path / "ngrok"))
    monkeypatch.setattr(conf, "DEFAULT_CONFIG_PATH", str(tmp_path / "ngrok.yml"))
    monkeypatch.setattr(conf, "DEFAULT_NGROK_CONFIG_PATH", str(tmp_path / "default.yml"))
    cfg = PyngrokConfig()
    assert cfg.ngrok_path == str(tmp_path / "ngrok")
    assert cfg.config_path == str(tmp_path / "ngrok.yml")
    cfg.config_path = None
    assert conf.get_config_path(cfg) == str(tmp_path / "default.yml")


@pytest.mark.parametrize(
    ("given", "expected"), [("3", "3"), ("v3", "3"), (3, "3"), ("2", "2"), ("v2", "2"), ("2.3.41", "2")]
)
def test_ngrok_version_normalised(given: Any, expected: str) -> None:
    assert PyngrokConfig(ngrok_version=given).ngrok_version == expected


def test_config_version_int_accepted() -> None:
    assert PyngrokConfig(config_version=2).config_version == "2"  # type: ignore[arg-type]


def test_pathlike_accepted(tmp_path: Path) -> None:
    cfg = PyngrokConfig(ngrok_path=tmp_path / "ngrok", config_path=tmp_path / "c.yml")  # type: ignore[arg-type]
    assert (cfg.ngrok_path, cfg.config_path) == (str(tmp_path / "ngrok"), str(tmp_path / "c.yml"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"startup_timeout": -1}, "startup_timeout"),
        ({"startup_timeout": 0}, "startup_timeout"),
        ({"startup_timeout": "15"}, "startup_timeout"),
        ({"startup_timeout": float("nan")}, "startup_timeout"),
        ({"max_logs": 0}, "max_logs"),
        ({"max_logs": 1.5}, "max_logs"),
        ({"max_logs": True}, "max_logs"),
        ({"request_timeout": 0}, "request_timeout"),
        ({"request_timeout": float("inf")}, "request_timeout"),
        ({"config_version": "4"}, "config_version"),
        ({"config_version": None}, "config_version"),
        ({"ngrok_version": "4"}, "ngrok_version"),
        ({"ngrok_version": "3.1"}, "ngrok_version"),
        ({"ngrok_version": None}, "ngrok_version"),
        ({"edge": "cloud"}, "edge"),
        ({"monitor_thread": "yes"}, "monitor_thread"),
        ({"start_new_session": 1}, "start_new_session"),
        ({"log_event_callback": 42}, "log_event_callback"),
        ({"region": "--config=/etc/passwd"}, "region"),
        ({"region": ""}, "region"),
        ({"ngrok_path": ""}, "ngrok_path"),
        ({"config_path": 12}, "config_path"),
        ({"auth_token": "tok\nen"}, "auth_token"),
        ({"api_key": 5}, "api_key"),
    ],
)
def test_bad_value_is_pyngrok_error_naming_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(PyngrokError, match=field):
        PyngrokConfig(**kwargs)


def test_bad_secret_is_not_echoed() -> None:
    with pytest.raises(PyngrokError) as info:
        PyngrokConfig(auth_token="s3cret-token\n")
    assert "s3cret" not in str(info.value)


def test_bad_edge_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TYPED_NGROK_EDGE", "nowhere")
    with pytest.raises(PyngrokError, match="TYPED_NGROK_EDGE"):
        PyngrokConfig()
    monkeypatch.setenv("TYPED_NGROK_EDGE", " LOCAL ")
    assert PyngrokConfig().edge == "local"


def test_validate_rechecks_mutated_attributes() -> None:
    cfg = PyngrokConfig()
    cfg.max_logs = 0
    with pytest.raises(PyngrokError, match="max_logs"):
        cfg.validate()
    cfg.max_logs = 5
    cfg.ngrok_version = "v2"
    cfg.edge = "local"
    assert cfg.validate() is cfg
    assert cfg.ngrok_version == "2"


def test_mutable_plain_object() -> None:
    cfg = PyngrokConfig()
    cfg.ngrok_path = "/usr/local/bin/ngrok"
    cfg.extra = 1  # type: ignore[attr-defined]
    assert cfg.ngrok_path == "/usr/local/bin/ngrok"


def test_repr_redacts_secrets() -> None:
    cfg = PyngrokConfig(auth_token="tok-SECRET-1", api_key="key-SECRET-2", region="eu")
    text = repr(cfg)
    assert "SECRET" not in text
    assert "region='eu'" in text
    assert "auth_token=<redacted>" in text


def test_get_and_set_default() -> None:
    conf._default_pyngrok_config = None
    first = conf.get_default()
    assert conf.get_default() is first
    mine = PyngrokConfig(region="eu")
    conf.set_default(mine)
    assert conf.get_default() is mine
    with pytest.raises(PyngrokError):
        conf.set_default("not a config")  # type: ignore[arg-type]


def test_get_config_path_prefers_config_path(tmp_path: Path) -> None:
    assert conf.get_config_path(PyngrokConfig(config_path=str(tmp_path / "a.yml"))) == str(tmp_path / "a.yml")
    assert conf.get_config_path(PyngrokConfig()) == conf.DEFAULT_NGROK_CONFIG_PATH


def test_unsupported_os_does_not_break_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyngrok raises at import on an unknown OS (docs/pyngrok-differences.md item 23); ours computes defaults."""
    monkeypatch.setattr(platform, "system", lambda: "Plan9")
    assert _platform.detect_system() is None
    # Execute conf's source as a fresh, unregistered module: sys.modules and its classes stay untouched.
    spec = importlib.util.spec_from_file_location("_conf_on_plan9", conf.__file__)
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    assert fresh.DEFAULT_NGROK_PATH.endswith(os.sep + "ngrok")
    assert fresh.PyngrokConfig().ngrok_path == fresh.DEFAULT_NGROK_PATH


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        ("Darwin", ("Library", "Application Support", "ngrok")),
        ("Windows", ("AppData", "Local", "ngrok")),
    ],
)
def test_default_ngrok_dir_per_system(system: str, expected: tuple[str, ...]) -> None:
    path = _platform.default_ngrok_dir(_platform.detect_system(system))
    assert path == os.path.join(os.path.expanduser("~"), *expected)


def test_default_ngrok_dir_honours_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert _platform.default_ngrok_dir("linux") == str(tmp_path / "ngrok")
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert _platform.default_ngrok_dir("linux") == os.path.join(os.path.expanduser("~"), ".config", "ngrok")
