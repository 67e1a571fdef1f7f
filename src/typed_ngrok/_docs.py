"""Docstring sections shared between twins, written once.

An ``aio`` function whose arguments, options and errors are exactly its sync twin's keeps only its own summary; the
sections (``Args:``, ``Other Parameters:``, ``Raises:``, ...) are the sync twin's, appended when ``aio`` loads (so
``help()`` and IDEs show them) and by the documentation build's griffe extension
(``scripts/griffe_twin_docs.py``, which reads the same table, since griffe does not run the module).
"""

from __future__ import annotations

import inspect
import re
import sys
from typing import Any, Final

__all__ = ["SHARED_SECTIONS", "share_sections", "with_sections_of"]

#: ``{function: the function whose docstring sections it shares}``, by dotted path.
SHARED_SECTIONS: Final = {
    "typed_ngrok.aio.connect": "typed_ngrok.ngrok.connect",
    "typed_ngrok.aio.tunnel": "typed_ngrok.ngrok.tunnel",
}

_FIRST_SECTION: Final = re.compile(r"^[A-Z][A-Za-z ]*:$", re.MULTILINE)


def with_sections_of(own: str, source: str) -> str:
    """``own`` (a summary, no sections) followed by ``source``'s sections, both cleaned of their indentation."""
    text = inspect.cleandoc(source)
    match = _FIRST_SECTION.search(text)
    sections = text[match.start() :] if match else ""
    return f"{inspect.cleandoc(own)}\n\n{sections}".rstrip() + "\n"


def share_sections(module_name: str, namespace: dict[str, Any]) -> None:
    """Give the functions of ``module_name`` (its ``globals()``) listed in :data:`SHARED_SECTIONS` their twins'
    sections; the twins' modules are already imported."""
    for name, source in SHARED_SECTIONS.items():
        module, _, function = name.rpartition(".")
        if module == module_name:
            origin_module, _, origin = source.rpartition(".")
            own = namespace[function]
            own.__doc__ = with_sections_of(own.__doc__ or "", getattr(sys.modules[origin_module], origin).__doc__ or "")
