"""Docstring sections an aio function shares with its sync twin (``typed_ngrok._docs``): at run time (``help()``)
and in the documentation build (the griffe extension ``scripts/griffe_twin_docs.py``) alike."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import griffe

from typed_ngrok import _docs, aio, ngrok

ROOT = Path(__file__).resolve().parents[2]


def _sections(doc: str) -> str:
    text = inspect.cleandoc(doc)
    return text[text.index("Args:") :]


def test_with_sections_of_keeps_the_own_summary_and_takes_the_sections() -> None:
    own = "The twin.\n\n    More words."
    source = "Source summary.\n\n    Args:\n        x: a thing.\n\n    Raises:\n        E: when.\n    "
    assert (
        _docs.with_sections_of(own, source)
        == "The twin.\n\nMore words.\n\nArgs:\n    x: a thing.\n\nRaises:\n    E: when.\n"
    )
    assert _docs.with_sections_of(own, "No sections at all.") == "The twin.\n\nMore words.\n"


SHARED = {"typed_ngrok.aio.connect": "typed_ngrok.ngrok.connect", "typed_ngrok.aio.tunnel": "typed_ngrok.ngrok.tunnel"}


def test_each_shared_function_shows_its_own_summary_and_its_twins_sections_at_run_time() -> None:
    assert _docs.SHARED_SECTIONS == SHARED
    for name in ("connect", "tunnel"):
        doc = getattr(aio, name).__doc__ or ""
        assert doc.startswith(f"The async twin of :func:`typed_ngrok.ngrok.{name}`"), name
        assert _sections(doc) == _sections(getattr(ngrok, name).__doc__ or ""), name
        assert "Raises:" in doc, name
    assert "Other Parameters:" in (aio.connect.__doc__ or "")


def test_the_documentation_build_shows_the_same_docstring() -> None:
    spec = importlib.util.spec_from_file_location("griffe_twin_docs", ROOT / "scripts" / "griffe_twin_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    extensions = griffe.load_extensions(module.TwinDocs())
    package = griffe.load("typed_ngrok", search_paths=[str(ROOT / "src")], extensions=extensions)
    for name in ("connect", "tunnel"):
        docstring = package[f"aio.{name}"].docstring
        assert docstring is not None
        assert inspect.cleandoc(docstring.value) + "\n" == getattr(aio, name).__doc__, name
