"""``ngrok.api``/``ngrok.update`` and their ``aio`` twins, run against a fake binary (tests/fakes, modes ``cli`` and
``cli-fail``).

The real 2.3.41 agent has no ``api`` command and its ``update`` contacts ngrok's servers, so the binary is a
stand-in that reports the argv and config files it was given. What is checked: the argv, that the API key travels
only in a private 0600 file that is gone afterwards, that secrets the command echoes are masked in results and in
errors, and that a failure is a ``PyngrokNgrokError`` carrying the command's output.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import make_fake_binary
from typed_ngrok import aio, ngrok
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokError
from typed_ngrok.ngrok import NgrokApiResponse

API_KEY = "api-key-2bY7cQ-secret"
AUTHTOKEN = "authtoken-9xZ1-secret"
Api = Callable[..., Awaitable[NgrokApiResponse]]


async def _sync_api(*args: Any, pyngrok_config: PyngrokConfig) -> NgrokApiResponse:
    return ngrok.api(*args, pyngrok_config=pyngrok_config)


async def _sync_update(pyngrok_config: PyngrokConfig) -> str:
    return ngrok.update(pyngrok_config)


APIS = pytest.mark.parametrize("call_api", [_sync_api, aio.api], ids=["sync", "aio"])
UPDATES = pytest.mark.parametrize("call_update", [_sync_update, aio.update], ids=["sync", "aio"])


def _config(tmp_path: Path, mode: str, **kwargs: Any) -> PyngrokConfig:
    config_path = tmp_path / "ngrok.yml"
    config_path.write_text("version: '3'\nagent:\n  update_check: false\n")
    binary = make_fake_binary(tmp_path, mode)
    return PyngrokConfig(ngrok_path=binary, config_path=str(config_path), **kwargs)


def _leftovers(prefix: str) -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob(f"{prefix}*")}


@APIS
async def test_api_key_goes_in_a_private_file_never_on_the_command_line(tmp_path: Path, call_api: Api) -> None:
    cfg = _config(tmp_path, "cli", api_key=API_KEY, auth_token=AUTHTOKEN)
    before = _leftovers("typed-ngrok-api-")
    response = await call_api("reserved-domains", "create", "--domain", "x.example", pyngrok_config=cfg)
    assert response.status.strip() == "HTTP/2.0 200 OK"
    assert response.data is not None
    argv, configs = response.data["argv"], response.data["configs"]
    assert argv[:2] == ["--config", cfg.config_path]
    assert argv[2] == "--config" and argv[4:] == ["api", "reserved-domains", "create", "--domain", "x.example"]
    assert all(API_KEY not in part and AUTHTOKEN not in part for part in argv)
    overlay = configs[1]
    assert overlay["mode"] == "0o600"
    assert "api_key: '********'" in overlay["text"] or "api_key: ********" in overlay["text"]  # echoed, then masked
    assert "agent:" in overlay["text"]  # v3 layout for a v3 config
    assert API_KEY not in json.dumps(response.data) and API_KEY not in response.status
    assert not Path(overlay["path"]).exists() and _leftovers("typed-ngrok-api-") == before


@APIS
async def test_api_without_a_key_passes_only_the_users_config(tmp_path: Path, call_api: Api) -> None:
    cfg = _config(tmp_path, "cli")
    response = await call_api("endpoints", "list", pyngrok_config=cfg)
    assert response.data is not None
    assert response.data["argv"] == ["--config", cfg.config_path, "api", "endpoints", "list"]


@APIS
async def test_api_v2_layout_for_a_v2_config(tmp_path: Path, call_api: Api) -> None:
    cfg = _config(tmp_path, "cli", api_key=API_KEY, config_version="2")
    response = await call_api("endpoints", "list", pyngrok_config=cfg)
    assert response.data is not None
    text = response.data["configs"][1]["text"]
    assert "version: '2'" in text and "agent:" not in text and "api_key:" in text


@APIS
async def test_api_failure_is_a_typed_error_with_masked_output(tmp_path: Path, call_api: Api) -> None:
    cfg = _config(tmp_path, "cli-fail", api_key=API_KEY)
    before = _leftovers("typed-ngrok-api-")
    with pytest.raises(PyngrokNgrokError, match="exited with code 1: ERROR:  the command failed") as info:
        await call_api("endpoints", "list", pyngrok_config=cfg)
    assert API_KEY not in str(info.value) and API_KEY not in (info.value.ngrok_error or "")
    assert "********" in str(info.value)
    assert _leftovers("typed-ngrok-api-") == before


@UPDATES
async def test_update_runs_the_update_command_and_returns_its_output(
    tmp_path: Path, call_update: Callable[[PyngrokConfig], Awaitable[str]]
) -> None:
    cfg = _config(tmp_path, "cli", auth_token=AUTHTOKEN)
    output = await call_update(cfg)
    status, _, report = output.partition("\n")
    assert status == "HTTP/2.0 200 OK"
    assert json.loads(report)["argv"] == ["update", "--log", "stdout"]  # no config, no secret on the command line


@UPDATES
async def test_update_failure_is_a_typed_error(
    tmp_path: Path, call_update: Callable[[PyngrokConfig], Awaitable[str]]
) -> None:
    cfg = _config(tmp_path, "cli-fail")
    with pytest.raises(PyngrokNgrokError, match="exited with code 1") as info:
        await call_update(cfg)
    assert info.value.ngrok_error is not None and '"argv": ["update", "--log", "stdout"]' in info.value.ngrok_error


async def _sync_version(pyngrok_config: PyngrokConfig) -> str:
    return ngrok.get_version(pyngrok_config)[0]


async def _aio_version(pyngrok_config: PyngrokConfig) -> str:
    return (await aio.get_version(pyngrok_config))[0]


async def _sync_api_output(pyngrok_config: PyngrokConfig) -> str:
    return json.dumps(ngrok.api("endpoints", "list", pyngrok_config=pyngrok_config).data)


async def _aio_api_output(pyngrok_config: PyngrokConfig) -> str:
    return json.dumps((await aio.api("endpoints", "list", pyngrok_config=pyngrok_config)).data)


@pytest.mark.parametrize(
    "command",
    [_sync_api_output, _aio_api_output, _sync_update, aio.update, _sync_version, _aio_version],
    ids=["api-sync", "api-aio", "update-sync", "update-aio", "version-sync", "version-aio"],
)
async def test_one_shot_commands_do_not_inherit_secret_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: Callable[[PyngrokConfig], Awaitable[str]]
) -> None:
    """``NGROK_AUTHTOKEN``/``NGROK_API_KEY`` stay out of the child's environment (the agent start strips them too);
    the API key read from the environment reaches ``ngrok api`` only through the private 0600 overlay."""
    monkeypatch.setenv("NGROK_AUTHTOKEN", AUTHTOKEN)
    monkeypatch.setenv("NGROK_API_KEY", API_KEY)
    monkeypatch.setenv("NGROK_HARMLESS", "1")
    cfg = _config(tmp_path, "cli")
    assert cfg.api_key == API_KEY  # pyngrok reads it from the environment
    output = await command(cfg)
    report = json.loads(output[output.index("{") :])
    assert report["env"] == ["NGROK_HARMLESS"]
    if command in (_sync_api_output, _aio_api_output):
        assert "api_key" in report["configs"][1]["text"] and report["configs"][1]["mode"] == "0o600"


async def test_failure_texts_are_identical_sync_and_aio(tmp_path: Path) -> None:
    """``command_failed_error`` and ``run_error`` are built once: both twins give the same class and text."""
    cfg = _config(tmp_path, "cli-fail", api_key=API_KEY)
    with pytest.raises(PyngrokNgrokError) as sync_info:
        ngrok.update(cfg)
    with pytest.raises(PyngrokNgrokError) as aio_info:
        await aio.update(cfg)
    assert type(sync_info.value) is type(aio_info.value)
    assert str(sync_info.value) == str(aio_info.value)
    assert API_KEY not in str(sync_info.value)
    broken = tmp_path / "not-executable"
    broken.write_text("#!/no/such/interpreter\n")
    broken.chmod(0o755)
    broken_cfg = PyngrokConfig(ngrok_path=str(broken), config_path=cfg.config_path)
    with pytest.raises(PyngrokNgrokError) as sync_run:
        ngrok.update(broken_cfg)
    with pytest.raises(PyngrokNgrokError) as aio_run:
        await aio.update(broken_cfg)
    assert str(sync_run.value) == str(aio_run.value)
    assert str(sync_run.value).startswith(f"The ngrok process could not be run from {broken}:")
