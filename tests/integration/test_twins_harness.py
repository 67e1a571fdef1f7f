"""The twin harness itself (no agent): a scenario whose error differs between the twins fails the comparison."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.twins import Twin, make_agents, normalized, same_failure
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError


async def test_the_same_error_in_both_twins_passes(tmp_path: Path) -> None:
    agents = make_agents(tmp_path)

    async def refuse(twin: Twin) -> object:
        raise PyngrokError(f"bad argument for the agent at {twin.cfg.ngrok_path}, API http://127.0.0.1:{id(twin)}")

    kind, message = await same_failure(agents, refuse)
    assert kind == "PyngrokError"
    assert message == "bad argument for the agent at <folder>/ngrok, API http://<host>"


@pytest.mark.parametrize(
    "differs",
    [
        lambda twin: PyngrokError(
            "exited with code 3 (last output: boom)" if twin.kind == "sync" else "exited with code 3."
        ),
        lambda twin: PyngrokError("same text") if twin.kind == "sync" else PyngrokNgrokError("same text"),
    ],
    ids=["message", "type"],
)
async def test_a_different_message_or_type_fails(tmp_path: Path, differs: Callable[[Twin], Exception]) -> None:
    agents = make_agents(tmp_path)

    async def scenario(twin: Twin) -> object:
        raise differs(twin)

    with pytest.raises(AssertionError, match="the twins disagree"):
        await same_failure(agents, scenario)


async def test_a_scenario_that_does_not_fail_is_reported(tmp_path: Path) -> None:
    agents = make_agents(tmp_path)

    async def fine(twin: Twin) -> object:
        return None

    with pytest.raises(AssertionError, match="raised nothing"):
        await same_failure(agents, fine)


def test_normalized_keeps_what_matters(tmp_path: Path) -> None:
    twin = make_agents(tmp_path).sync
    text = f"tunnel tcp://1.tcp.local:4242 at {twin.cfg.ngrok_path} id 123e4567-e89b-12d3-a456-426614174000 path /x"
    assert normalized(text, twin) == "tunnel tcp://<host> at <folder>/ngrok id <uuid> path /x"
