"""One reading of ``ngrok_version`` ("is this a v2 agent?") and of ``config_version`` (the format and API flavour):
``conf.is_v2_agent`` and ``conf.agent_format``. Every place that used its own copy (tunnel URIs, option checks, the
``api`` command's refusal, the default binary) agrees with them for each spelling, including values assigned after
construction (not validated)."""

from __future__ import annotations

import pytest

from typed_ngrok import conf
from typed_ngrok._agent_process.commands import api_command
from typed_ngrok._tunnels.model import NgrokTunnel
from typed_ngrok._tunnels.requests import check_connect_arguments, is_v3
from typed_ngrok.conf import PyngrokConfig, agent_format, config_format, is_v2_agent, is_v2_version
from typed_ngrok.exception import PyngrokError

V2_SPELLINGS: list[object] = ["2", "v2", 2, " 2", "2.3.41"]
V3_SPELLINGS: list[object] = ["3", "v3", 3]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TYPED_NGROK_EDGE", "PYNGROK_NGROK_PATH"):
        monkeypatch.delenv(name, raising=False)


def assigned(*, ngrok_version: object = "3", config_version: object = "3") -> PyngrokConfig:
    """A default config whose versions were assigned after construction (as pyngrok users do), unvalidated."""
    cfg = PyngrokConfig()
    cfg.ngrok_version = ngrok_version  # type: ignore[assignment]
    cfg.config_version = config_version  # type: ignore[assignment]
    return cfg


def tunnel_collection(cfg: PyngrokConfig) -> str:
    uri = NgrokTunnel({"name": "web", "public_url": "https://web.example"}, cfg, None).uri
    assert uri is not None
    return uri.split("/")[2]


def refuses_api(cfg: PyngrokConfig) -> bool:
    try:
        with api_command(cfg, ["endpoints", "list"]):
            return False
    except PyngrokError as exc:
        assert "needs a v3 agent" in str(exc)
        return True


def refuses_v3_agent_options(ngrok_version: object) -> bool:
    try:
        check_connect_arguments(
            None, "http", None, {"traffic_policy": "{}"}, config_version="3", ngrok_version=ngrok_version
        )
    except PyngrokError as exc:
        assert "runs a v2 agent" in str(exc)
        return True
    return False


@pytest.mark.parametrize("spelling", V2_SPELLINGS)
def test_every_v2_agent_spelling_is_a_v2_agent_everywhere(spelling: object) -> None:
    cfg = assigned(ngrok_version=spelling, config_version="3")
    assert is_v2_version(spelling) and is_v2_agent(cfg)
    assert agent_format(cfg) == "2"
    assert tunnel_collection(cfg) == "tunnels"
    assert refuses_api(cfg)
    assert refuses_v3_agent_options(spelling)
    assert cfg.ngrok_path == conf.DEFAULT_NGROK_V2_PATH


@pytest.mark.parametrize("spelling", V3_SPELLINGS)
def test_every_v3_agent_spelling_is_a_v3_agent_everywhere(spelling: object) -> None:
    cfg = assigned(ngrok_version=spelling, config_version="3")
    assert not is_v2_version(spelling) and not is_v2_agent(cfg)
    assert agent_format(cfg) == "3"
    assert tunnel_collection(cfg) == "endpoints"
    assert not refuses_api(cfg)
    assert not refuses_v3_agent_options(spelling)
    assert cfg.ngrok_path == conf.DEFAULT_NGROK_PATH


@pytest.mark.parametrize("spelling", V2_SPELLINGS)
def test_every_v2_config_spelling_selects_the_v2_format_everywhere(spelling: object) -> None:
    cfg = assigned(ngrok_version="3", config_version=spelling)
    assert not is_v2_agent(cfg)
    assert config_format(spelling) == agent_format(cfg) == "2"
    assert not is_v3(spelling)
    assert tunnel_collection(cfg) == "tunnels"


@pytest.mark.parametrize("spelling", V3_SPELLINGS)
def test_every_v3_config_spelling_selects_the_v3_format_everywhere(spelling: object) -> None:
    cfg = assigned(ngrok_version="3", config_version=spelling)
    assert config_format(spelling) == agent_format(cfg) == "3"
    assert is_v3(spelling)
    assert tunnel_collection(cfg) == "endpoints"


def test_a_v2_agent_uses_the_v2_format_whatever_its_config_version() -> None:
    cfg = assigned(ngrok_version="v2", config_version="v3")
    assert agent_format(cfg) == "2" and tunnel_collection(cfg) == "tunnels"


@pytest.mark.parametrize("value", ["4", "20", "2.3.40", True, None, 2.0])
def test_values_validation_refuses_are_not_v2_and_never_raise(value: object) -> None:
    assert not is_v2_version(value)
    assert config_format(value) == "3"
    with pytest.raises(PyngrokError, match="ngrok_version"):
        conf.normalize_ngrok_version(value)
