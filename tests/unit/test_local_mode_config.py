"""Issue 14: ``edge="local"`` alone selects the pinned 2.3.41 agent (v2 agent, v2 config, its own binary path);
contradictory explicit settings are refused at once; pyngrok's defaults stay for ``edge="ngrok"``."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import pytest

from typed_ngrok import conf
from typed_ngrok._tunnels.resolve import agent_format, resolve_config
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TYPED_NGROK_EDGE", "PYNGROK_NGROK_PATH"):
        monkeypatch.delenv(name, raising=False)


def test_local_edge_alone_selects_the_v2_agent_and_config() -> None:
    cfg = PyngrokConfig(edge="local")
    assert (cfg.ngrok_version, cfg.config_version) == ("2", "2")
    assert agent_format(cfg) == "2"
    assert cfg.ngrok_path == conf.DEFAULT_NGROK_V2_PATH
    assert "ngrok_version='2'" in repr(cfg) and "config_version='2'" in repr(cfg)


def test_environment_alone_selects_local_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TYPED_NGROK_EDGE", "local")
    cfg = PyngrokConfig()
    assert (cfg.edge, cfg.ngrok_version, cfg.config_version) == ("local", "2", "2")
    assert cfg.ngrok_path == conf.DEFAULT_NGROK_V2_PATH


def test_default_config_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conf, "_default_pyngrok_config", None)
    monkeypatch.setenv("TYPED_NGROK_EDGE", "local")
    cfg = resolve_config(None)
    assert cfg is conf.get_default()
    assert (cfg.edge, cfg.ngrok_version, cfg.config_version) == ("local", "2", "2")


def test_v2_path_is_version_specific_and_not_the_v3_path() -> None:
    assert conf.DEFAULT_NGROK_V2_PATH != conf.DEFAULT_NGROK_PATH
    assert os.path.dirname(os.path.dirname(conf.DEFAULT_NGROK_V2_PATH)) == conf.DEFAULT_NGROK_DIR
    assert os.path.basename(os.path.dirname(conf.DEFAULT_NGROK_V2_PATH)) == "ngrok-2.3.41"
    assert PyngrokConfig(ngrok_version="2").ngrok_path == conf.DEFAULT_NGROK_V2_PATH


def test_user_paths_win(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mine = str(tmp_path / "my-ngrok")
    assert PyngrokConfig(edge="local", ngrok_path=mine).ngrok_path == mine
    monkeypatch.setenv("PYNGROK_NGROK_PATH", mine)
    assert PyngrokConfig(edge="local").ngrok_path == mine


def test_pyngrok_defaults_stay_for_the_ngrok_edge() -> None:
    cfg = PyngrokConfig()
    assert (cfg.edge, cfg.ngrok_version, cfg.config_version) == ("ngrok", "3", "3")
    assert cfg.ngrok_path == conf.DEFAULT_NGROK_PATH
    # v2 with the cloud keeps pyngrok's config_version default (the v2 agent reads the v2 format anyway)
    v2 = PyngrokConfig(ngrok_version="2")
    assert (v2.ngrok_version, v2.config_version, agent_format(v2)) == ("2", "3", "2")


def test_signature_defaults_are_still_pyngrok_s() -> None:
    params = inspect.signature(PyngrokConfig).parameters
    assert params["ngrok_version"].default == "3"
    assert params["config_version"].default == "3"


@pytest.mark.parametrize("value", ["2", "v2", "2.3.41", 2])
def test_explicit_v2_settings_are_accepted(value: object) -> None:
    cfg = PyngrokConfig(edge="local", ngrok_version=value, config_version="2")  # type: ignore[arg-type]
    assert (cfg.ngrok_version, cfg.config_version) == ("2", "2")


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"ngrok_version": "3"}, 'ngrok_version="3"'),
        ({"config_version": "3"}, 'config_version="3"'),
        ({"ngrok_version": "2", "config_version": "3"}, 'config_version="3"'),
        ({"ngrok_version": "v3", "config_version": "3"}, 'ngrok_version="3" and config_version="3"'),
    ],
)
def test_contradictions_are_refused_at_construction(settings: dict[str, str], named: str) -> None:
    with pytest.raises(PyngrokError) as failed:
        PyngrokConfig(edge="local", **settings)  # type: ignore[arg-type]
    message = str(failed.value)
    assert 'edge="local"' in message and named in message
    assert 'edge="ngrok"' in message and "unset" in message


def test_contradiction_with_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TYPED_NGROK_EDGE", "local")
    with pytest.raises(PyngrokError, match=r'TYPED_NGROK_EDGE=local.*ngrok_version="3"'):
        PyngrokConfig(ngrok_version="3")


def test_attributes_set_later_are_resolved_and_checked_again() -> None:
    cfg = PyngrokConfig()
    cfg.edge = "local"
    assert (cfg.ngrok_version, cfg.config_version, cfg.ngrok_path) == ("2", "2", conf.DEFAULT_NGROK_V2_PATH)
    assert cfg.validate() is cfg
    cfg.config_version = "3"
    with pytest.raises(PyngrokError, match='config_version="3"'):
        cfg.validate()
    cfg.config_version = "2"
    cfg.ngrok_version = None  # type: ignore[assignment]
    with pytest.raises(PyngrokError, match="ngrok_version"):
        cfg.validate()


def test_the_default_path_is_read_at_construction_not_on_each_use(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """pyngrok reads the default binary when the config is built: restoring a patched global later (as pyngrok's
    own tests do) does not move ``ngrok_path``, the process registry's key; nor does validate()."""
    for name, edge in (("DEFAULT_NGROK_PATH", "ngrok"), ("DEFAULT_NGROK_V2_PATH", "local")):
        with monkeypatch.context() as patched:
            patched.setattr(conf, name, str(tmp_path / name))
            cfg = PyngrokConfig(edge=edge)  # type: ignore[arg-type]
        assert cfg.ngrok_path == str(tmp_path / name)  # the global is restored
        assert cfg.validate().ngrok_path == str(tmp_path / name)
        assert f"ngrok_path={str(tmp_path / name)!r}" in repr(cfg)


def test_the_default_path_follows_edge_and_version_when_they_are_assigned(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cfg = PyngrokConfig()
    assert cfg.ngrok_path == conf.DEFAULT_NGROK_PATH
    cfg.edge = "local"
    assert cfg.ngrok_path == conf.DEFAULT_NGROK_V2_PATH
    cfg.edge = "ngrok"
    cfg.ngrok_version = "2"
    assert cfg.ngrok_path == conf.DEFAULT_NGROK_V2_PATH
    cfg.ngrok_version = "3"
    assert cfg.ngrok_path == conf.DEFAULT_NGROK_PATH
    mine = str(tmp_path / "mine")
    given = PyngrokConfig(ngrok_path=mine)
    given.edge = "local"
    assert given.validate().ngrok_path == mine  # a given path is never replaced
