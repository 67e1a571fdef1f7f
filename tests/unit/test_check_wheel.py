"""scripts/check_wheel.py, which ``make demo`` runs on the wheel it builds: it accepts a complete wheel and names
what is missing from an incomplete one (the real wheel is checked on every ``make demo`` run, in CI too)."""

from __future__ import annotations

import importlib.util
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import cast

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_wheel.py"
COMPLETE = [
    "typed_ngrok/__init__.py",
    "typed_ngrok/py.typed",
    "typed_ngrok_agent_api/__init__.py",
    "typed_ngrok_agent_api/py.typed",
    "typed_ngrok_cloud_api/__init__.py",
    "typed_ngrok_cloud_api/py.typed",
    "typed_ngrok-0.1.0.dist-info/METADATA",
    "typed_ngrok-0.1.0.dist-info/licenses/LICENSE",
]


def problems_of(names: list[str], tmp_path: Path) -> list[str]:
    spec = importlib.util.spec_from_file_location("check_wheel", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    wheel = tmp_path / "typed_ngrok-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in names:
            archive.writestr(name, "")
    return cast(Callable[[str], list[str]], module.problems)(str(wheel))


def test_a_complete_wheel_passes(tmp_path: Path) -> None:
    assert problems_of(COMPLETE, tmp_path) == []


def test_missing_py_typed_and_license_are_named(tmp_path: Path) -> None:
    names = [
        n
        for n in COMPLETE
        if n not in ("typed_ngrok_cloud_api/py.typed", "typed_ngrok-0.1.0.dist-info/licenses/LICENSE")
    ]
    assert problems_of(names, tmp_path) == [
        "typed_ngrok_cloud_api/py.typed is missing",
        "dist-info/licenses/LICENSE is missing",
    ]


def test_tests_and_stray_packages_are_refused(tmp_path: Path) -> None:
    found = problems_of([*COMPLETE, "tests/unit/test_x.py"], tmp_path)
    assert any("top-level packages" in line for line in found)
    found = problems_of([*COMPLETE, "typed_ngrok/tests/test_x.py"], tmp_path)
    assert found == ["unexpected file typed_ngrok/tests/test_x.py"]
