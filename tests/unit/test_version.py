"""One version source: ``__version__`` in ``typed_ngrok/__init__.py``; pyproject reads it (hatch dynamic version)."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import typed_ngrok

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_takes_the_version_from_the_package() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"], "pyproject.toml must not repeat the version"
    assert "version" in pyproject["project"]["dynamic"]
    source = ROOT / pyproject["tool"]["hatch"]["version"]["path"]
    assert source.resolve() == Path(typed_ngrok.__file__).resolve()


def test_installed_metadata_matches_dunder_version() -> None:
    installed = importlib.metadata.version("typed-ngrok")
    assert installed == typed_ngrok.__version__, (
        f"installed metadata says {installed}, typed_ngrok.__version__ is {typed_ngrok.__version__}: "
        "run 'make install' after changing the version"
    )
