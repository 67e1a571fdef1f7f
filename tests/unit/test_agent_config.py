"""argv and the private overlay config the launcher starts the agent with (_agent_config; no processes)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from typed_ngrok import conf
from typed_ngrok._agent_process import config as agent_config
from typed_ngrok._agent_process.config import (
    agent_format,
    base_config_path,
    build_argv,
    build_overlay,
    check_base_config,
    secrets_of,
)
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError

EDGE_V2 = {"server_addr": "127.0.0.1:5000", "root_cas": "/tmp/ca.pem", "update_check": False, "console_ui": False}
EDGE_V3 = {"version": "3", "agent": {"connect_url": "127.0.0.1:5000", "connect_cas": "/tmp/ca.pem"}}


def cfg(**kwargs: object) -> PyngrokConfig:
    return PyngrokConfig(ngrok_path="/bin/ngrok", **kwargs)  # type: ignore[arg-type]


def test_argv_has_no_secrets_and_one_config_flag_per_file() -> None:
    argv = build_argv("/bin/ngrok", ["/a.yml", "/b.yml"], "eu")
    assert argv == [
        "/bin/ngrok",
        "start",
        "--none",
        "--log",
        "stdout",
        "--log-format",
        "logfmt",
        "--config",
        "/a.yml",
        "--config",
        "/b.yml",
        "--region",
        "eu",
    ]
    assert build_argv("/bin/ngrok", [], None) == [
        "/bin/ngrok",
        "start",
        "--none",
        "--log",
        "stdout",
        "--log-format",
        "logfmt",
    ]


@pytest.mark.parametrize(
    ("ngrok_version", "config_version", "expected"),
    [("3", "3", "3"), ("3", "2", "2"), ("2", "2", "2"), ("2", "3", "2")],
)
def test_agent_format(ngrok_version: str, config_version: str, expected: str) -> None:
    assert agent_format(cfg(ngrok_version=ngrok_version, config_version=config_version)) == expected


def test_overlay_v2_is_top_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NGROK_AUTHTOKEN", raising=False)
    monkeypatch.delenv("NGROK_API_KEY", raising=False)
    assert build_overlay(cfg(config_version="2"), {}) == {}
    overlay = build_overlay(cfg(config_version="2", auth_token="tok", api_key="key"), {})
    assert overlay == {"version": "2", "authtoken": "tok"}  # no api_key for the v2 format


def test_overlay_v3_goes_under_agent() -> None:
    overlay = build_overlay(cfg(auth_token="tok", api_key="key"), {})
    assert overlay == {"version": "3", "agent": {"authtoken": "tok", "api_key": "key"}}


def test_local_edge_overlay_uses_the_edges_token_and_a_free_web_addr() -> None:
    overlay = build_overlay(cfg(config_version="2", auth_token="real-token"), {}, EDGE_V2, "edge-token")
    assert overlay["authtoken"] == "edge-token"  # the real token never goes to the stand-in edge
    assert overlay["server_addr"] == "127.0.0.1:5000" and overlay["root_cas"] == "/tmp/ca.pem"
    assert str(overlay["web_addr"]).startswith("127.0.0.1:")
    kept = build_overlay(cfg(config_version="2"), {"web_addr": "127.0.0.1:4999"}, EDGE_V2, "edge-token")
    assert "web_addr" not in kept  # the user's choice stands
    v3 = build_overlay(cfg(), {"version": "3", "agent": {"web_addr": "127.0.0.1:4999"}}, EDGE_V3, "edge-token")
    assert v3 == {
        "version": "3",
        "agent": {"connect_url": "127.0.0.1:5000", "connect_cas": "/tmp/ca.pem", "authtoken": "edge-token"},
    }


def test_base_config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert base_config_path(cfg(config_path=str(tmp_path / "missing.yml"))) == str(tmp_path / "missing.yml")
    monkeypatch.setattr(conf, "DEFAULT_NGROK_CONFIG_PATH", str(tmp_path / "default.yml"))
    assert base_config_path(cfg()) is None
    (tmp_path / "default.yml").write_text("version: '3'\n")
    assert base_config_path(cfg()) == str(tmp_path / "default.yml")


@pytest.mark.parametrize(
    "text",
    ["web_addr: false\n", "log_level: warn\n", "version: '3'\nagent:\n  web_addr: false\n"],
)
def test_base_config_settings_we_cannot_work_with(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.yml"
    path.write_text(text)
    with pytest.raises(PyngrokError):
        check_base_config(str(path))


def test_base_config_the_agent_reports_itself(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("a: [unclosed\n")
    assert check_base_config(str(path)) == {}  # left for the agent: its own ERROR line is the better message
    assert check_base_config(None) == {}
    assert check_base_config(str(tmp_path / "missing.yml")) == {}


def test_secrets_longest_first() -> None:
    assert secrets_of(cfg(auth_token="abc", api_key="abcdef"), "xy", None) == ("abcdef", "abc", "xy")


def test_the_web_addr_is_a_free_port_below_the_ephemeral_range() -> None:
    """Binding port 0 gives an ephemeral port, which an outgoing connection may take before the agent binds it
    ("bind: address already in use" was seen with many agents starting at once): the port comes from below."""
    candidates = agent_config._ports_outside_ephemeral()  # below the range where the system leaves room (tested next)
    assert candidates.start == agent_config.WEB_PORTS.start and candidates.stop <= 32768
    for _ in range(50):
        host, port = agent_config.free_loopback_addr().rsplit(":", 1)
        assert host == "127.0.0.1" and int(port) in candidates
        with socket.socket() as sock:
            sock.bind((host, int(port)))  # free when given


def test_the_ephemeral_range_is_read_from_the_system(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ranges = tmp_path / "ip_local_port_range"
    monkeypatch.setattr(agent_config, "_EPHEMERAL_RANGE", str(ranges))
    ranges.write_text("20000\t60999\n")
    assert agent_config._ports_outside_ephemeral() == range(15000, 20000)
    ranges.write_text("1024\t65535\n")  # no room below: the usual range, free ports are still tried
    assert agent_config._ports_outside_ephemeral() == agent_config.WEB_PORTS
    ranges.write_text("garbage")
    assert agent_config._ports_outside_ephemeral() == agent_config.WEB_PORTS
    ranges.unlink()
    assert agent_config._ports_outside_ephemeral() == agent_config.WEB_PORTS


def test_when_no_tried_port_is_free_the_system_picks_one(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        busy = held.getsockname()[1]
        monkeypatch.setattr(agent_config, "_ports_outside_ephemeral", lambda: range(busy, busy + 1))
        host, port = agent_config.free_loopback_addr().rsplit(":", 1)
        assert int(port) != busy
        with socket.socket() as sock:
            sock.bind((host, int(port)))
