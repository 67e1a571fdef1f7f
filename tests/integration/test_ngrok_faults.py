"""Error paths with the real 2.3.41 agent: the edge refuses a bind, the agent is killed mid-session, the API hangs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.integration.ngrok_env import agent_config, http_upstream, hung_server, needs_agent
from typed_ngrok import ngrok
from typed_ngrok._agent_api.sync import AgentAPI
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.edge import LocalEdge
from typed_ngrok.exception import PyngrokNgrokHTTPError, PyngrokNgrokURLError

pytestmark = [pytest.mark.integration, needs_agent, pytest.mark.timeout(120)]


@pytest.fixture
def own_edge(tmp_path: Path) -> Iterator[tuple[LocalEdge, PyngrokConfig]]:
    """An edge the test controls, and an agent pointed at it through its own config file."""
    edge = LocalEdge().start()
    cfg = agent_config(tmp_path, edge="ngrok")
    assert cfg.config_path is not None
    Path(cfg.config_path).write_text(yaml.safe_dump(edge.agent_config("2", with_authtoken=True)))
    try:
        yield edge, cfg
    finally:
        ngrok.kill(cfg)
        edge.stop()


def test_edge_refusing_the_bind_gives_502_with_ngrok_code(own_edge: tuple[LocalEdge, PyngrokConfig]) -> None:
    edge, cfg = own_edge
    ngrok.get_ngrok_process(cfg)
    edge.reject_binds("The tunnel is already bound to another tunnel session\r\n\r\nERR_NGROK_310\r\n")
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        ngrok.connect(8000, pyngrok_config=cfg)
    assert info.value.status_code == 502
    assert info.value.error_code == 103
    assert info.value.message == "failed to start tunnel"
    assert info.value.ngrok_error_code == "ERR_NGROK_310"
    assert "already bound" in info.value.details["err"]
    edge.reject_binds(None)
    tunnel = ngrok.connect(8000, pyngrok_config=cfg, bind_tls=True)
    assert tunnel.public_url is not None


def test_agent_killed_mid_session_then_next_call_recovers(tmp_path: Path) -> None:
    cfg = agent_config(tmp_path)
    try:
        with http_upstream() as upstream:
            tunnel = ngrok.connect(upstream.server_address[1], pyngrok_config=cfg, bind_tls=True)
            process = ngrok.get_ngrok_process(cfg)
            process.proc.kill()
            process.proc.wait(30)
            with pytest.raises(PyngrokNgrokURLError) as info:
                tunnel.refresh_metrics()  # still aimed at the dead agent's API
            assert "ngrok client exception, URLError" in str(info.value)
            assert process.exited
            assert ngrok.get_tunnels(cfg) == []  # a fresh agent, started on demand
            again = ngrok.connect(upstream.server_address[1], pyngrok_config=cfg, bind_tls=True)
            assert again.api_url != tunnel.api_url
    finally:
        ngrok.kill(cfg)


def test_hung_agent_api_times_out_within_request_timeout() -> None:
    with hung_server() as port:
        api = AgentAPI(f"http://127.0.0.1:{port}", timeout=1.0)
        started = time.monotonic()
        with pytest.raises(PyngrokNgrokURLError) as info:
            api.list_tunnels()
        assert info.value.reason == "timed out"
        assert time.monotonic() - started < 30  # bounded, not hung (generous for loaded machines)
        with pytest.raises(PyngrokNgrokURLError, match="timed out"):
            ngrok.api_request(f"http://127.0.0.1:{port}/api/tunnels", timeout=1.0)
        api.close()


def test_agent_not_ready_gives_503_code_104(tmp_path: Path) -> None:
    """Before its first session the agent refuses tunnels with 503 (retryable); run it directly to see that."""
    import queue
    import subprocess
    import threading

    from tests.integration.ngrok_env import AGENT
    from typed_ngrok._agent_process.config import free_loopback_addr

    edge = LocalEdge().start()
    # nothing listens at server_addr, so the agent never gets its first session
    config = {
        **edge.agent_config("2", with_authtoken=True),
        "server_addr": free_loopback_addr(),
        "web_addr": free_loopback_addr(),
        "log_format": "logfmt",
    }
    path = tmp_path / "agent.yml"
    path.write_text(yaml.safe_dump(config))
    proc = subprocess.Popen(
        [str(AGENT), "start", "--none", "--config", str(path), "--log", "stdout"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stdout or []:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        api_url = None
        while api_url is None:
            line = lines.get(timeout=30)
            if "starting web service" in line:
                api_url = "http://" + line.split("addr=", 1)[1].split()[0]
        api = AgentAPI(api_url, timeout=10)
        with pytest.raises(PyngrokNgrokHTTPError) as info:
            api.start_tunnel({"name": "early", "addr": "8000", "proto": "http"})
        assert info.value.status_code == 503
        assert info.value.error_code == 104
        assert "not yet ready" in (info.value.message or "")
        api.close()
    finally:
        proc.terminate()
        proc.wait(30)
        reader.join(10)
        if proc.stdout is not None:
            proc.stdout.close()
        edge.stop()
