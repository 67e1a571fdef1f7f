"""The public surface is explicit: every public module has a sorted ``__all__`` that names exactly what it defines."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import typed_ngrok

PUBLIC_MODULES = ["ngrok", "conf", "process", "agent", "installer", "exception", "log", "aio", "edge", "cloud"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_module_all_resolves(name: str) -> None:
    module = importlib.import_module(f"typed_ngrok.{name}")
    exported = list(module.__all__)  # its order is ruff's (RUF022)
    assert len(set(exported)) == len(exported)
    for attr in exported:
        assert hasattr(module, attr), f"typed_ngrok.{name}.__all__ names missing {attr!r}"


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_public_definition_is_exported(name: str) -> None:
    module = importlib.import_module(f"typed_ngrok.{name}")
    defined = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and getattr(value, "__module__", "") == module.__name__
    }
    assert defined <= set(module.__all__), (
        f"typed_ngrok.{name} defines but does not export {defined - set(module.__all__)}"
    )


def test_package_root_exports_only_the_version() -> None:
    assert typed_ngrok.__all__ == ["__version__"]
    assert typed_ngrok.__version__.count(".") == 2


@pytest.mark.parametrize(
    "package", ["src/typed_ngrok", "generated/typed_ngrok_agent_api", "generated/typed_ngrok_cloud_api"]
)
def test_every_package_ships_py_typed(package: str) -> None:
    assert (ROOT / package / "py.typed").is_file()
