"""One docstring style throughout: Google style (``Args:``, ``Returns:``, ``Raises:`` sections), no Sphinx field
lists (``:param x:``, ``:raises E:``) and no NumPy underlined sections."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("src", "tests", "bench", "examples", "scripts")
SPHINX_FIELD = re.compile(r"^\s*:(param|type|raises|raise|returns?|rtype|yields?|ytype)\b[^:]*:", re.MULTILINE)
NUMPY_SECTION = re.compile(r"^\s*(Parameters|Returns|Raises|Yields|Attributes)\s*\n\s*-{3,}\s*$", re.MULTILINE)


def docstrings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            text = ast.get_docstring(node, clean=False)
            if text:
                found.append((getattr(node, "lineno", 1), text))
    return found


def test_docstrings_use_google_sections_only() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "__pycache__" not in path.parts
        for line, text in docstrings(path)
        if SPHINX_FIELD.search(text) or NUMPY_SECTION.search(text)
    ]
    assert wrong == [], f"use Google-style Args:/Returns:/Raises: sections in these docstrings: {wrong}"


def test_the_check_sees_both_other_styles() -> None:
    assert SPHINX_FIELD.search('"""Do it.\n\n    :raises PyngrokError: when not.\n    """')
    assert NUMPY_SECTION.search("Do it.\n\nRaises\n------\nPyngrokError\n")
    assert not SPHINX_FIELD.search("Do it.\n\nRaises:\n    PyngrokError: when not; see :func:`x`.\n")


#: The modules the documentation site's API reference is generated from (mkdocs.yml).
PUBLIC_MODULES = ("ngrok", "aio", "agent", "process", "conf", "installer", "log", "exception", "edge", "cloud")
ENTRY = re.compile(r"^(\*{0,2}\w+)(?: \([^)]*\))?:")


def section_names(doc: str, title: str) -> list[str]:
    """The names a Google-style section (``Args:``, ``Other Parameters:``) of ``doc`` documents, in order."""
    lines = inspect.cleandoc(doc).splitlines()
    if f"{title}:" not in lines:
        return []
    names: list[str] = []
    for line in lines[lines.index(f"{title}:") + 1 :]:
        if line and not line.startswith(" "):
            break  # the next section
        entry = ENTRY.match(line[4:]) if line.startswith("    ") and not line.startswith("     ") else None
        if entry:
            names.append(entry.group(1))
    return names


def public_functions() -> list[tuple[str, Callable[..., Any]]]:
    """Every function in the ``__all__`` of the public modules, as ``("module.name", function)``."""
    found: list[tuple[str, Callable[..., Any]]] = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(f"typed_ngrok.{module_name}")
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isfunction(value):
                found.append((f"{module_name}.{name}", value))
    return found


def _parameters(function: Callable[..., Any], skip_first: bool = False) -> list[str]:
    """The parameter names of ``function`` as an ``Args:`` section spells them (``*args``, ``**options``)."""
    prefix = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}
    names = [prefix.get(p.kind.name, "") + p.name for p in inspect.signature(function).parameters.values()]
    return names[1:] if skip_first else names


def test_public_functions_list_every_parameter_under_args() -> None:
    missing = []
    for qualified, function in public_functions():
        documented = section_names(function.__doc__ or "", "Args")
        if documented != _parameters(function):
            missing.append(f"{qualified}: Args {documented}, signature {_parameters(function)}")
    assert missing == [], "document each parameter, in signature order, under Args:\n" + "\n".join(missing)


#: Classes users construct and call: the class docstring documents the constructor, each public method its own.
USER_CLASSES = ("conf.PyngrokConfig", "cloud.CloudClient", "cloud.AsyncCloudClient", "edge.LocalEdge")


@pytest.mark.parametrize("qualified", USER_CLASSES)
def test_user_classes_list_every_parameter_under_args(qualified: str) -> None:
    module_name, class_name = qualified.split(".")
    cls = getattr(importlib.import_module(f"typed_ngrok.{module_name}"), class_name)
    missing = []
    if section_names(cls.__doc__ or "", "Args") != _parameters(cls.__init__, skip_first=True):
        missing.append(f"{class_name}: Args {section_names(cls.__doc__ or '', 'Args')}")
    for name, method in vars(cls).items():
        if inspect.isfunction(method) and not name.startswith("_"):
            expected = _parameters(method, skip_first=True)
            if expected and section_names(method.__doc__ or "", "Args") != expected:
                missing.append(f"{class_name}.{name}: {expected}")
    assert missing == [], "document each parameter, in signature order, under Args:\n" + "\n".join(missing)


@pytest.mark.parametrize("module_name", ["ngrok", "aio"])
def test_connect_documents_every_tunnel_option(module_name: str) -> None:
    from typed_ngrok._tunnels.requests import TunnelOptions

    connect = importlib.import_module(f"typed_ngrok.{module_name}").connect
    assert section_names(connect.__doc__ or "", "Other Parameters") == list(TunnelOptions.__annotations__)


def test_section_names_reads_entries_not_continuations() -> None:
    doc = """Do it.

    Args:
        addr: a port,
            or url: not an entry.
        **options (str): more.

    Raises:
        PyngrokError: not an argument.
    """
    assert section_names(doc, "Args") == ["addr", "**options"]
    assert section_names(doc, "Other Parameters") == []
