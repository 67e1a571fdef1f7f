"""installer config files: formats v2/v3, deep merge, validation, 0600 atomic writes, mtime-aware cache."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from typed_ngrok import installer
from typed_ngrok._agent_process import config_file as _config_file
from typed_ngrok.exception import PyngrokError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".ngrok-")]


def test_install_default_config_v3_creates_file_0600(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "ngrok.yml"
    installer.install_default_config(str(path))
    assert load(path) == {"version": "3"}
    assert mode(path) == 0o600
    assert leftovers(path.parent) == []


def test_install_default_config_writes_requested_v2_format(tmp_path: Path) -> None:
    """pyngrok difference 21 (docs/pyngrok-differences.md): config_version="2" gives a v2 file, not version '3'."""
    path = tmp_path / "ngrok.yml"
    installer.install_default_config(str(path), {"authtoken": "t", "web_addr": "127.0.0.1:0"}, config_version="2")
    assert load(path) == {"version": "2", "authtoken": "t", "web_addr": "127.0.0.1:0"}


def test_v2_agent_always_gets_v2_format(tmp_path: Path) -> None:
    path = tmp_path / "ngrok.yml"
    installer.install_default_config(str(path), {"agent": {"authtoken": "t"}}, ngrok_version="2", config_version="3")
    assert load(path) == {"version": "2", "authtoken": "t"}


def test_v3_moves_agent_settings_under_agent(tmp_path: Path) -> None:
    path = tmp_path / "ngrok.yml"
    path.write_text("authtoken: old\nregion: eu\ntunnels:\n  web: {proto: http, addr: 80}\n")
    installer.install_default_config(str(path), {"log_level": "debug"}, config_version="3")
    assert load(path) == {
        "version": "3",
        "agent": {"authtoken": "old", "region": "eu", "log_level": "debug"},
        "tunnels": {"web": {"proto": "http", "addr": 80}},
    }


def test_deep_merge_over_uncached_file(tmp_path: Path) -> None:
    path = tmp_path / "ngrok.yml"
    installer.install_default_config(
        str(path), {"agent": {"authtoken": "a", "metadata": "m"}, "endpoints": [{"name": "x"}]}
    )
    installer.get_ngrok_config(str(path))  # fills the cache
    path.write_text(path.read_text() + "tunnels:\n  t1: {proto: tcp, addr: 22}\n")
    installer.install_default_config(str(path), {"agent": {"authtoken": "b"}, "endpoints": [{"name": "y"}]})
    assert load(path) == {
        "version": "3",
        "agent": {"authtoken": "b", "metadata": "m"},
        "endpoints": [{"name": "y"}],  # lists are replaced
        "tunnels": {"t1": {"proto": "tcp", "addr": 22}},
    }


def test_install_default_config_does_not_mutate_data(tmp_path: Path) -> None:
    data: dict[str, Any] = {"agent": {"authtoken": "a"}}
    installer.install_default_config(str(tmp_path / "ngrok.yml"), data)
    assert data == {"agent": {"authtoken": "a"}}


@pytest.mark.parametrize(
    ("data", "config_version", "match"),
    [
        ({"agent": {"web_addr": False}}, "3", "web_addr"),
        ({"agent": {"log_format": "json"}}, "3", "log_format"),
        ({"agent": {"log_level": "warn"}}, "3", "log_level"),
        ({"web_addr": False}, "2", "web_addr"),
        ({"log_level": "crit"}, "2", "log_level"),
    ],
)
def test_invalid_config_is_refused_and_file_untouched(
    tmp_path: Path, data: dict[str, Any], config_version: str, match: str
) -> None:
    path = tmp_path / "ngrok.yml"
    installer.install_default_config(str(path), config_version=config_version)
    before = path.read_bytes()
    with pytest.raises(PyngrokError, match=match):
        installer.install_default_config(str(path), data, config_version=config_version)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        ({"version": "3", "agent": {"log_level": "info", "web_addr": "127.0.0.1:4041"}}, True),
        ({"version": "3", "agent": {"log_level": "debug"}}, True),
        ({"version": "3", "web_addr": False}, True),  # v3 checks only the agent block, as pyngrok
        ({"version": "3", "agent": {"web_addr": False}}, False),
        ({"version": 3, "agent": {"log_format": "json"}}, False),
        ({"web_addr": False}, False),
        ({"log_format": "logfmt"}, True),
        ({"version": "3", "agent": "nonsense"}, False),
    ],
)
def test_validate_config(data: dict[str, Any], ok: bool) -> None:
    if ok:
        installer.validate_config(data)
    else:
        with pytest.raises(PyngrokError):
            installer.validate_config(data)


def test_get_ngrok_config_empty_file_gives_default(tmp_path: Path) -> None:
    path = tmp_path / "ngrok.yml"
    path.write_text("")
    assert installer.get_ngrok_config(str(path), config_version="2") == {"version": "2"}
    assert installer.get_default_config("3", "3") == {"version": "3"}


def test_get_ngrok_config_rereads_after_external_edit(tmp_path: Path) -> None:
    """pyngrok difference 22 (docs/pyngrok-differences.md): the cache notices a changed mtime/size."""
    path = tmp_path / "ngrok.yml"
    path.write_text("version: '3'\nagent: {authtoken: one}\n")
    assert installer.get_ngrok_config(str(path))["agent"]["authtoken"] == "one"
    path.write_text("version: '3'\nagent: {authtoken: two, region: eu}\n")
    assert installer.get_ngrok_config(str(path))["agent"] == {"authtoken": "two", "region": "eu"}


def test_get_ngrok_config_cache_hit_returns_independent_copies(tmp_path: Path) -> None:
    path = tmp_path / "ngrok.yml"
    path.write_text("version: '3'\nagent: {authtoken: one}\n")
    first = installer.get_ngrok_config(str(path))
    first["agent"]["authtoken"] = "mutated"
    assert installer.get_ngrok_config(str(path))["agent"]["authtoken"] == "one"


def test_cache_is_used_while_file_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ngrok.yml"
    path.write_text("version: '3'\n")
    installer.get_ngrok_config(str(path))
    calls: list[str] = []
    real = _config_file._parse

    def counting(p: str, text: str) -> dict[str, Any] | None:
        calls.append(p)
        return real(p, text)

    monkeypatch.setattr(_config_file, "_parse", counting)
    installer.get_ngrok_config(str(path))
    assert calls == []
    installer.get_ngrok_config(str(path), use_cache=False)
    assert calls == [str(path)]


def test_missing_config_is_pyngrok_error(tmp_path: Path) -> None:
    with pytest.raises(PyngrokError, match="does not exist") as info:
        installer.get_ngrok_config(str(tmp_path / "nope.yml"))
    assert isinstance(info.value.__cause__, FileNotFoundError)


@pytest.mark.parametrize("text", ["agent: [\n  authtoken: sekrit-token-123", "- just\n- a list\n", "authtoken: \x00"])
def test_bad_yaml_is_pyngrok_error_without_file_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "ngrok.yml"
    path.write_text(text)
    with pytest.raises(PyngrokError) as info:
        installer.get_ngrok_config(str(path))
    assert "sekrit" not in str(info.value)
    assert str(path) in str(info.value)


def test_unwritable_folder_is_pyngrok_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PyngrokError, match="cannot write"):
        installer.install_default_config(str(blocker / "ngrok.yml"))


def test_unserialisable_data_is_pyngrok_error(tmp_path: Path) -> None:
    with pytest.raises(PyngrokError, match="serialise"):
        installer.install_default_config(str(tmp_path / "ngrok.yml"), {"agent": {"metadata": object()}})
    assert leftovers(tmp_path) == []


def test_failed_write_keeps_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ngrok.yml"
    installer.install_default_config(str(path), {"agent": {"authtoken": "keep"}})
    before = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(PyngrokError, match="No space left"):
        installer.install_default_config(str(path), {"agent": {"authtoken": "new"}})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_existing_file_mode_becomes_0600(tmp_path: Path) -> None:
    path = tmp_path / "ngrok.yml"
    path.write_text("version: '3'\n")
    path.chmod(0o644)
    installer.install_default_config(str(path), {"agent": {"authtoken": "t"}})
    assert mode(path) == 0o600


@pytest.mark.parametrize(
    ("initial", "config_version", "expected"),
    [
        (None, "3", {"version": "3", "agent": {"authtoken": "T"}}),
        (None, "2", {"version": "2", "authtoken": "T"}),
        ("web_addr: 127.0.0.1:4041\n", "3", {"web_addr": "127.0.0.1:4041", "authtoken": "T"}),  # the file decides
        ("version: 3\nagent: {region: eu}\n", "2", {"version": 3, "agent": {"region": "eu", "authtoken": "T"}}),
        ("", "3", {"version": "3", "agent": {"authtoken": "T"}}),
    ],
)
def test_set_authtoken_in_either_format(
    tmp_path: Path, initial: str | None, config_version: str, expected: dict[str, Any]
) -> None:
    path = tmp_path / "ngrok.yml"
    if initial is not None:
        path.write_text(initial)
    _config_file.set_authtoken(str(path), "T", config_version)
    assert load(path) == expected
    assert mode(path) == 0o600


def test_set_api_key(tmp_path: Path) -> None:
    path = tmp_path / "ngrok.yml"
    _config_file.set_authtoken(str(path), "T")
    _config_file.set_api_key(str(path), "K")
    assert load(path) == {"version": "3", "agent": {"authtoken": "T", "api_key": "K"}}


@pytest.mark.parametrize("bad", ["", "  ", "a\nb"])
def test_set_authtoken_refuses_bad_token_without_echo(tmp_path: Path, bad: str) -> None:
    with pytest.raises(PyngrokError) as info:
        _config_file.set_authtoken(str(tmp_path / "ngrok.yml"), bad)
    assert bad.strip() == "" or bad not in str(info.value)


def test_set_authtoken_refuses_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "ngrok.yml"
    path.write_text("agent: [\n")
    with pytest.raises(PyngrokError):
        _config_file.set_authtoken(str(path), "T")
    assert path.read_text() == "agent: [\n"


def test_write_private_config(tmp_path: Path) -> None:
    path = tmp_path / "private" / "overlay.yml"
    assert _config_file.write_private_config(str(path), {"authtoken": "T", "server_addr": "127.0.0.1:1"}) == str(path)
    assert load(path) == {"authtoken": "T", "server_addr": "127.0.0.1:1"}
    assert mode(path) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_convert_format_round_trip() -> None:
    v2 = {"version": "2", "authtoken": "t", "tunnels": {"a": {"proto": "http", "addr": 1}}}
    v3 = _config_file.convert_format(v2, "3")
    assert v3 == {"version": "3", "agent": {"authtoken": "t"}, "tunnels": {"a": {"proto": "http", "addr": 1}}}
    assert _config_file.convert_format(v3, "2") == v2
    with pytest.raises(PyngrokError):
        _config_file.convert_format({}, "4")


def test_deep_merge_is_pure() -> None:
    base: dict[str, Any] = {"a": {"b": 1, "c": [1]}, "d": 1}
    overlay: dict[str, Any] = {"a": {"c": [2], "e": {"f": 1}}, "d": {"x": 1}}
    merged = _config_file.deep_merge(base, overlay)
    assert merged == {"a": {"b": 1, "c": [2], "e": {"f": 1}}, "d": {"x": 1}}
    merged["a"]["e"]["f"] = 2
    assert overlay["a"]["e"]["f"] == 1
    assert base == {"a": {"b": 1, "c": [1]}, "d": 1}


def test_an_unmakeable_config_folder_names_the_config_and_the_cause(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PyngrokError) as info:
        installer.install_default_config(str(blocker / "ngrok.yml"))
    assert str(info.value).startswith(f"cannot write the ngrok config {blocker / 'ngrok.yml'}: ")
    assert isinstance(info.value.__cause__, FileExistsError | NotADirectoryError)
