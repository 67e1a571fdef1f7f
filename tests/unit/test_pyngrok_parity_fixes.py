"""Issue 9 item 8: pyngrok parity, checked against pyngrok 9.1.0 itself (a dev dependency) where it applies.

- ``auth=["user:pass"]`` on a v2 agent is sent as the one string 2.3.41 takes (more than one is refused).
- ``NgrokTunnel({"name": "x"}, config_version "3")`` gets pyngrok's ``uri`` ``/api/endpoints/x``.
- ``install_default_config(path, {"version": "2"}, ngrok_version="3")`` keeps ``version: '2'``, as pyngrok does.
- ``upstream=`` with ``ngrok_version="2", config_version="3"`` says the agent is v2 (not "set config_version=3").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from typed_ngrok import installer
from typed_ngrok._tunnels.requests import build_connect_request, translate_v2_options
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError
from typed_ngrok.ngrok import NgrokTunnel

pyngrok = pytest.importorskip("pyngrok", reason="pyngrok 9.1.0 is the compatibility reference")


# -- auth as a list on a v2 agent --


@pytest.mark.parametrize("auth", [["user:pass"], ("user:pass",), "user:pass"])
def test_v2_auth_list_becomes_the_one_string(auth: Any) -> None:
    req = build_connect_request(8000, None, "t", {"auth": auth}, config_version="2", ngrok_version="2")
    assert req.body["auth"] == "user:pass"
    assert translate_v2_options({"auth": auth}) == {"auth": "user:pass"}


def test_v2_auth_list_of_two_refused_without_echoing() -> None:
    with pytest.raises(PyngrokError, match='Option "auth" has 2 credentials, but a v2 agent supports only one') as info:
        build_connect_request(8000, None, "t", {"auth": ["a:s3cret1", "b:s3cret2"]}, config_version="2")
    assert "s3cret" not in str(info.value)


def test_v3_auth_list_stays_a_list_of_basic_auth() -> None:
    req = build_connect_request(8000, None, "t", {"auth": ["a:b", "c:d"]}, config_version="3")
    assert req.body["basic_auth"] == ["a:b", "c:d"]
    assert "auth" not in req.body


# -- NgrokTunnel.uri without one in data --


@pytest.mark.parametrize(
    "data", [{"name": "x"}, {"name": "x", "public_url": "https://a"}, {"name": "x", "config": {"addr": "80"}}]
)
@pytest.mark.parametrize("config_version", ["2", "3"])
def test_uri_fallback_matches_pyngrok(data: dict[str, Any], config_version: str) -> None:
    from pyngrok.conf import PyngrokConfig as TheirConfig
    from pyngrok.ngrok import NgrokTunnel as TheirTunnel

    theirs = TheirTunnel(dict(data), TheirConfig(config_version=config_version), None)
    ours = NgrokTunnel(dict(data), PyngrokConfig(config_version=config_version), None)
    assert ours.uri == theirs.uri == ("/api/endpoints/x" if config_version == "3" else "/api/tunnels/x")


def test_uri_fallback_for_a_v2_agent_is_the_tunnels_api() -> None:
    # pyngrok has no v2 agents; a v2 agent has no /api/endpoints whatever config_version says
    tunnel = NgrokTunnel({"name": "web (http)"}, PyngrokConfig(ngrok_version="2", config_version="3"), None)
    assert tunnel.uri == "/api/tunnels/web%20%28http%29"


# -- install_default_config keeps data's version --


@pytest.mark.parametrize(
    ("data", "config_version"),
    [
        ({"version": "2"}, "3"),
        ({"version": "2", "web_addr": "127.0.0.1:4041"}, "3"),
        ({"version": "3"}, "2"),
        ({"web_addr": "127.0.0.1:4041"}, "2"),
        (None, "3"),
    ],
)
def test_install_default_config_version_matches_pyngrok(
    tmp_path: Path, data: dict[str, Any] | None, config_version: str
) -> None:
    from pyngrok import installer as theirs

    their_path, our_path = tmp_path / "theirs" / "ngrok.yml", tmp_path / "ours" / "ngrok.yml"
    theirs.install_default_config(str(their_path), data, ngrok_version="3", config_version=config_version)
    installer.install_default_config(str(our_path), data, ngrok_version="3", config_version=config_version)
    their_file = yaml.safe_load(their_path.read_text())
    our_file = yaml.safe_load(our_path.read_text())
    assert our_file["version"] == their_file["version"]
    assert our_file["version"] == str((data or {}).get("version", config_version))


def test_install_default_config_refuses_a_bad_data_version(tmp_path: Path) -> None:
    with pytest.raises(PyngrokError, match=r'"version" in install_default_config\(\) data must be one of'):
        installer.install_default_config(str(tmp_path / "ngrok.yml"), {"version": "9"})
    assert not (tmp_path / "ngrok.yml").exists()


def test_a_v2_agent_still_gets_the_v2_format(tmp_path: Path) -> None:
    path = tmp_path / "ngrok.yml"
    installer.install_default_config(str(path), {"version": "3"}, ngrok_version="2")
    assert yaml.safe_load(path.read_text())["version"] == "2"


# -- v3-only options: the message names the real reason --


@pytest.mark.parametrize("option", ["upstream", "bindings"])
def test_v3_only_option_on_a_v2_agent_says_the_agent_is_v2(option: str) -> None:
    value: Any = {"url": "8000"} if option == "upstream" else ["public"]
    with pytest.raises(PyngrokError) as info:
        build_connect_request(8000, None, None, {option: value}, config_version="2", ngrok_version="2")
    message = str(info.value)
    assert f"['{option}'] need a v3 agent" in message
    assert 'runs a v2 agent (ngrok_version="2")' in message
    assert 'Set PyngrokConfig.config_version="3"' not in message


def test_v3_only_option_with_config_version_2_keeps_pyngroks_message() -> None:
    with pytest.raises(PyngrokError, match=r'require config_version="3"\. Set PyngrokConfig\.config_version="3"'):
        build_connect_request(8000, None, None, {"upstream": {"url": "8000"}}, config_version="2", ngrok_version="3")
