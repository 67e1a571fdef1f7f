"""Files from outside the repository are found one way (tests/outside_files.py) and a missing one is a clear skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import outside_files
from typed_ngrok._install.npm_agent import npm_agent_path

TESTS = Path(__file__).resolve().parents[1]


def test_the_agent_is_where_make_agent_bin_puts_it() -> None:
    assert npm_agent_path(outside_files.REPO / ".cache") == outside_files.AGENT_BIN
    assert "make agent-bin" in outside_files.AGENT_MISSING


def test_a_missing_file_skips_saying_where_and_how(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here.yaml"
    with pytest.raises(pytest.skip.Exception) as info:
        outside_files.require_file(missing, "a reference file", "run `make something`")
    assert str(missing) in str(info.value)
    assert "run `make something`" in str(info.value)
    assert outside_files.require_file(tmp_path, "a folder", "n/a") == tmp_path


def test_no_test_module_has_its_own_agent_lookup() -> None:
    spelled = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if path.name not in {"outside_files.py", "test_outside_files.py"}
        and any(own in path.read_text(encoding="utf-8") for own in ("ngrok-2.3.41-", "npm_agent_path("))
    ]
    assert spelled == [], f"use tests.outside_files.AGENT_BIN / needs_agent instead of a path of your own: {spelled}"
