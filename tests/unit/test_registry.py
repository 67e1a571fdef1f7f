"""The per-agent tunnel registry under interleaved listings, and the abandoned-tunnel bookkeeping (no I/O)."""

from __future__ import annotations

import asyncio

import pytest

from typed_ngrok._drive import run_async, run_sync
from typed_ngrok._tunnels.model import NgrokTunnel
from typed_ngrok._tunnels.reaper import _outcome, _reap, check_not_abandoned, reap_schedule
from typed_ngrok._tunnels.registry import AbandonedTunnel, TunnelRegistry, drop_registry, registry_for
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokHTTPError, PyngrokNgrokURLError, TunnelNotFoundError

BASE = "http://127.0.0.1:4040"
CFG = PyngrokConfig(config_version="2")


def _tunnel(name: str, url: str) -> NgrokTunnel:
    return NgrokTunnel({"name": name, "public_url": url}, CFG, BASE)


def _urls(registry: TunnelRegistry) -> set[str | None]:
    return {t.public_url for t in registry.tunnels()}


def test_a_listing_older_than_a_remove_does_not_readd() -> None:
    registry = TunnelRegistry(BASE)
    web, twin = _tunnel("web", "https://a"), _tunnel("web (http)", "http://a")
    registry.add(web, ["web (http)"], [twin])
    with registry.listing() as listing:
        answer = [web, twin]  # what the agent said before the disconnect below
        registry.remove("https://a", ["web (http)"])
        listing.apply(answer)
    assert _urls(registry) == set()


def test_a_listing_older_than_an_add_does_not_drop_it_or_its_companions() -> None:
    registry = TunnelRegistry(BASE)
    with registry.listing() as listing:
        registry.add(_tunnel("web", "https://a"), ["web (http)"], [_tunnel("web (http)", "http://a")])
        listing.apply([])
    assert _urls(registry) == {"https://a", "http://a"}
    assert registry.companions("https://a") == ["web (http)"]


def test_a_listing_newer_than_the_local_changes_wins() -> None:
    registry = TunnelRegistry(BASE)
    registry.add(_tunnel("gone", "https://gone"))
    with registry.listing() as listing:
        listing.apply([_tunnel("web", "https://a"), _tunnel("web (http)", "http://a")])
    assert _urls(registry) == {"https://a", "http://a"}
    assert registry.companions("https://a") == ["web (http)"]


def test_overlapping_listings_and_failed_ones_leave_no_bookkeeping() -> None:
    registry = TunnelRegistry(BASE)
    with registry.listing() as first:
        with pytest.raises(RuntimeError), registry.listing():
            registry.add(_tunnel("web", "https://a"))
            raise RuntimeError("the agent did not answer")
        first.apply([])
    assert _urls(registry) == {"https://a"}
    assert registry._listings == [] and registry._touched == {}
    registry.add(_tunnel("other", "https://b"))  # nothing in flight: nothing recorded
    assert registry._touched == {}


def test_remove_uses_companions_read_before_the_stop() -> None:
    registry = TunnelRegistry(BASE)
    with registry.listing() as listing:  # a listing after the https tunnel was stopped
        listing.apply([_tunnel("web (http)", "http://a")])
    assert registry.companions("https://a") == []
    registry.remove("https://a", ["web (http)"])
    assert _urls(registry) == set()


def test_abandoned_names_are_refused_until_settled() -> None:
    registry = TunnelRegistry(BASE)
    registry.abandon(AbandonedTunnel("web", endpoint=False, companions=("web (http)",)))
    with pytest.raises(PyngrokError, match="tunnel name 'web': an earlier connect"):
        check_not_abandoned(registry, "web")
    check_not_abandoned(registry, "other")
    registry.settle("web")
    check_not_abandoned(registry, "web")


def test_dropping_a_registry_stops_its_background_work() -> None:
    registry = registry_for("/reg/ngrok", BASE)
    replaced = registry_for("/reg/ngrok", "http://127.0.0.1:4041")  # the agent restarted on another port
    assert registry.closed.is_set() and not replaced.closed.is_set()
    drop_registry("/reg/ngrok")
    assert replaced.closed.is_set()


def test_reap_schedule_backs_off_and_is_bounded() -> None:
    delays = list(reap_schedule(10.0))
    assert delays[:5] == [0.05, 0.1, 0.2, 0.4, 0.8]
    assert max(delays) == 1.0
    assert 10.0 <= sum(delays) < 11.0


def test_reap_outcomes() -> None:
    assert _outcome(None) == "done"
    assert _outcome(TunnelNotFoundError("gone", "http://x", 404, "not found", {}, "")) == "retry"
    assert _outcome(PyngrokNgrokURLError("timed out", "timed out")) == "retry"
    assert _outcome(PyngrokNgrokURLError("refused", "Connection refused")) == "gone"
    assert _outcome(PyngrokNgrokHTTPError("busy", "http://x", 500, "busy", {}, "")) == "retry"


class _ReapIO:
    """A stand-in agent for the reaper flow: each name answers 404 (not created yet) ``late[name]`` times first."""

    def __init__(self, late: dict[str, int], closed_after: int | None = None) -> None:
        self.late = dict(late)
        self.calls: list[str] = []
        self.pauses = 0
        self.closed_after = closed_after

    def pause(self, delay: float) -> bool:
        self.pauses += 1
        return self.closed_after is not None and self.pauses > self.closed_after

    def stop_tunnel(self, name: str) -> None:
        self.calls.append(name)
        if self.late.get(name, 0) > 0:
            self.late[name] -= 1
            raise TunnelNotFoundError(f"no {name}", "http://x", 404, "not found", {}, "")


class _AsyncReapIO:
    def __init__(self, io: _ReapIO) -> None:
        self.io = io

    async def pause(self, delay: float) -> bool:
        return self.io.pause(delay)

    async def stop_tunnel(self, name: str) -> None:
        self.io.stop_tunnel(name)


def _drive_reap(kind: str, io: _ReapIO, tunnel: AbandonedTunnel) -> TunnelRegistry:
    registry = TunnelRegistry(BASE)
    registry.abandon(tunnel)
    flow = _reap(registry, tunnel)
    if kind == "sync":
        run_sync(flow, io)
    else:
        asyncio.run(run_async(flow, _AsyncReapIO(io)))
    return registry


@pytest.mark.parametrize("kind", ["sync", "aio"])
def test_reaper_waits_for_a_companion_that_appears_after_its_tunnel(kind: str) -> None:
    # 2.3.41 may list "web" before "web (http)": removing "web" then giving up on a 404 companion left it public
    tunnel = AbandonedTunnel("web", endpoint=False, companions=("web (http)",))
    io = _ReapIO({"web": 2, "web (http)": 1})
    registry = _drive_reap(kind, io, tunnel)
    assert io.calls == ["web", "web", "web", "web (http)", "web (http)"]
    assert not registry.is_abandoned("web")


@pytest.mark.parametrize("kind", ["sync", "aio"])
def test_reaper_stops_when_the_agent_is_killed(kind: str) -> None:
    tunnel = AbandonedTunnel("web", endpoint=False, companions=("web (http)",))
    io = _ReapIO({"web": 100}, closed_after=3)
    registry = _drive_reap(kind, io, tunnel)
    assert io.calls == ["web", "web", "web"]
    assert not registry.is_abandoned("web")
