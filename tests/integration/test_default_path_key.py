"""The process registry's key is the ``ngrok_path`` a config had when it started its agent: restoring a patched
default path global afterwards (pyngrok's own tests do so) does not make ``kill(cfg)`` miss the running agent.
Both twins, the real 2.3.41 agent through the local edge."""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest

from tests.integration.ngrok_env import AGENT, needs_agent
from tests.integration.twins import KINDS, AioTwin, Kind, SyncTwin, Twin
from typed_ngrok import conf
from typed_ngrok.conf import PyngrokConfig

pytestmark = [pytest.mark.integration, needs_agent]


def _agents() -> set[int]:
    return {child.pid for child in psutil.Process().children(recursive=True) if "ngrok" in child.name()}


@pytest.mark.parametrize("kind", KINDS)
async def test_kill_finds_the_agent_after_the_default_path_global_is_restored(
    kind: Kind, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYNGROK_NGROK_PATH", raising=False)
    monkeypatch.delenv("TYPED_NGROK_EDGE", raising=False)
    link = tmp_path / "ngrok"
    os.symlink(str(AGENT), link)
    config = tmp_path / "ngrok.yml"
    config.write_text("update_check: false\n")
    before = _agents()
    with monkeypatch.context() as patched:
        patched.setattr(conf, "DEFAULT_NGROK_V2_PATH", str(link))
        cfg = PyngrokConfig(edge="local", config_path=str(config), startup_timeout=40)
        twin: Twin = SyncTwin(cfg) if kind == "sync" else AioTwin(cfg)
        await twin.get_ngrok_process(cfg)
    try:
        started = _agents() - before
        assert len(started) == 1
        await twin.kill(cfg)  # the global is restored: the key must still be the path the agent started under
        (pid,) = started
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    finally:
        with monkeypatch.context() as patched:  # never leave an agent behind, whatever the outcome
            patched.setattr(conf, "DEFAULT_NGROK_V2_PATH", str(link))
            await twin.kill(PyngrokConfig(edge="local"))
