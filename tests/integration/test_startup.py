"""Start-up preparation shared by both launchers: what it leaves behind on success and on failure."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from typed_ngrok._agent_process import startup as _startup
from typed_ngrok._agent_process.startup import SECRET_ENV, child_env, prepare_start
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.edge import LocalEdge


def _config(tmp_path: Path, **overrides: object) -> PyngrokConfig:
    settings: dict[str, object] = {
        "ngrok_path": str(tmp_path / "ngrok"),
        "config_path": str(tmp_path / "ngrok.yml"),
        "ngrok_version": "2",
        "config_version": "2",
        "auth_token": "secret-token-123",
        "edge": "local",
    }
    settings.update(overrides)
    return PyngrokConfig(**settings)  # type: ignore[arg-type]


def test_local_edge_plan_points_the_agent_at_a_running_edge(tmp_path: Path) -> None:
    plan = prepare_start(_config(tmp_path))
    try:
        assert plan.edge is not None and plan.edge.running
        assert plan.private_dir is not None
        assert "secret-token-123" not in " ".join(plan.argv)
        overlay = Path(plan.private_dir) / "overlay.yml"
        assert stat.S_IMODE(overlay.stat().st_mode) == 0o600
        data = yaml.safe_load(overlay.read_text())
        assert data["server_addr"] == plan.edge.server_addr
        assert data["authtoken"] == plan.edge.authtoken  # the user's real token never goes to the local edge
        assert "--region" not in plan.argv
        assert plan.argv[plan.argv.index("--config", plan.argv.index("--config") + 1) + 1] == str(overlay)
    finally:
        if plan.edge is not None:
            plan.edge.stop()


def test_a_failed_overlay_write_stops_the_edge_and_removes_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[LocalEdge] = []
    real_start = LocalEdge.start

    def recording_start(self: LocalEdge) -> LocalEdge:
        started.append(self)
        return real_start(self)

    def failing_write(path: str, data: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(LocalEdge, "start", recording_start)
    monkeypatch.setattr(_startup, "write_private_config", failing_write)
    # a temp folder of this test's own: other workers' tests make typed-ngrok- folders in the shared one meanwhile
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    made: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args: Any, **kwargs: Any) -> str:
        made.append(real_mkdtemp(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    with pytest.raises(OSError, match="No space left"):
        prepare_start(_config(tmp_path))
    assert len(started) == 1 and not started[0].running
    # the overlay's private folder is gone (the edge keeps its CA folder until it is collected, by design)
    overlay = [Path(f) for f in made if Path(f).name.startswith("typed-ngrok-") and "-edge-" not in f]
    assert len(overlay) == 1 and overlay[0].parent == private_tmp  # the overlay's folder was made, and made here
    new = set(os.listdir(private_tmp))
    leftovers = {f for f in new if f.startswith("typed-ngrok-") and not f.startswith("typed-ngrok-edge-")}
    assert leftovers == set()


def test_the_agent_inherits_no_secret_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRET_ENV:
        monkeypatch.setenv(name, "do-not-pass")
    monkeypatch.setenv("SOMETHING_ELSE", "kept")
    env = child_env()
    assert not set(SECRET_ENV) & set(env)
    assert env["SOMETHING_ELSE"] == "kept"
