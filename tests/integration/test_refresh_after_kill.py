"""``NgrokTunnel.refresh_metrics()`` after the agent was killed says the agent is not running (not "Connection
refused"), with the same text for a tunnel from ``ngrok.connect`` and one from ``aio.connect``.

The real 2.3.41 agent through the local edge: connect, kill, refresh.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.ngrok_env import agent_config, http_upstream, needs_agent
from typed_ngrok import aio, ngrok
from typed_ngrok.exception import PyngrokNgrokURLError

pytestmark = [pytest.mark.integration, needs_agent]


def _normalised(error: PyngrokNgrokURLError, path: str, api_url: str) -> str:
    return str(error).replace(path, "<ngrok_path>").replace(api_url, "<api_url>")


async def test_refresh_metrics_after_kill_says_the_agent_is_not_running(tmp_path: Path) -> None:
    sync_cfg = agent_config(tmp_path / "sync")
    aio_cfg = agent_config(tmp_path / "aio")
    with http_upstream() as upstream:
        port = upstream.server_address[1]
        try:
            sync_tunnel = ngrok.connect(port, pyngrok_config=sync_cfg, bind_tls=True)
            sync_tunnel.refresh_metrics()  # the agent answers while it runs
            ngrok.kill(sync_cfg)
            with pytest.raises(PyngrokNgrokURLError) as sync_info:
                sync_tunnel.refresh_metrics()
        finally:
            ngrok.kill(sync_cfg)
        try:
            aio_tunnel = await aio.connect(port, pyngrok_config=aio_cfg, bind_tls=True)
            await aio.kill(aio_cfg)
            with pytest.raises(PyngrokNgrokURLError) as aio_info:
                aio_tunnel.refresh_metrics()
        finally:
            await aio.kill(aio_cfg)
    for error, cfg, tunnel_api in (
        (sync_info.value, sync_cfg, sync_tunnel.api_url),
        (aio_info.value, aio_cfg, aio_tunnel.api_url),
    ):
        assert error.reason == "agent not running"
        assert f'the ngrok agent for "ngrok_path" {cfg.ngrok_path} is not running' in str(error)
        assert tunnel_api is not None and tunnel_api in str(error)
    assert sync_tunnel.api_url is not None and aio_tunnel.api_url is not None
    assert _normalised(sync_info.value, sync_cfg.ngrok_path, sync_tunnel.api_url) == _normalised(
        aio_info.value, aio_cfg.ngrok_path, aio_tunnel.api_url
    )
