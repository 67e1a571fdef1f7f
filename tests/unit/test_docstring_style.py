"""One docstring style throughout: Google style (``Args:``, ``Returns:``, ``Raises:`` sections), no Sphinx field
lists (``:param x:``, ``:raises E:``) and no NumPy underlined sections."""

from __future__ import annotations

import ast
import re
from pathlib import Path

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
