"""``make bench``'s edge rows: an SDK that cannot run gets a row saying so and why; the CPU check is reported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import edge_bench
from tests.edge import sdk_harness


def test_a_missing_sdk_has_a_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sdk_harness, "PY_SDK_DIR", tmp_path / "absent-py")
    monkeypatch.setattr(sdk_harness, "JS_SDK_DIR", tmp_path / "absent-js")
    for reason in (sdk_harness.py_sdk_missing(), sdk_harness.js_sdk_missing()):
        assert reason is not None and "make sdks" in reason


def test_skipped_rows_and_the_cpu_check_are_printed() -> None:
    stats = {"rps": 1.0, "p50_ms": 1.0, "p99_ms": 2.0, "edge_cpu_us_per_req": 30.0, "relay_cpu_us_per_req": 20.0}
    results: dict[str, Any] = {
        "tunnel http": {"1 conn": stats, f"{edge_bench.CONCURRENCY} conns": stats},
        "sdk-js http": {"skipped": "node is not installed"},
    }
    results["cpu_check"] = edge_bench._cpu_check(results)
    assert results["cpu_check"]["edge_to_agent"] == 1.5 and results["cpu_check"]["within_target"] is True
    table = edge_bench._table(results)
    assert "sdk-js http" in table and "skipped: node is not installed" in table
    assert "30.0 us vs 20.0 us = 1.5x" in table
    assert "skipped (no 2.3.41 agent http row)" in edge_bench._table({"cpu_check": edge_bench._cpu_check({})})
