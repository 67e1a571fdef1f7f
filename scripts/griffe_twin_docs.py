"""griffe extension for the documentation site (``mkdocs.yml``): the docstring sections an ``aio`` function shares
with its sync twin (``typed_ngrok._docs.SHARED_SECTIONS``), which ``aio`` appends at import time. griffe reads the
source without running it, so the site would show only the twin's summary without this."""

from __future__ import annotations

from typing import Any

import griffe

from typed_ngrok._docs import SHARED_SECTIONS, with_sections_of


class TwinDocs(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Give each function of the table its twin's sections, once the package is loaded.

        Args:
            pkg: the loaded package (``typed_ngrok``; other packages are left alone).
            **kwargs: the other arguments griffe passes, unused.
        """
        for name, source in SHARED_SECTIONS.items():
            if not name.startswith(f"{pkg.path}."):
                continue
            target, origin = pkg[name.removeprefix(f"{pkg.path}.")], pkg[source.removeprefix(f"{pkg.path}.")]
            if target.docstring is None or origin.docstring is None:
                continue
            target.docstring = griffe.Docstring(
                with_sections_of(target.docstring.value, origin.docstring.value),
                lineno=target.docstring.lineno,
                endlineno=target.docstring.endlineno,
                parent=target,
                parser=target.docstring.parser,
                parser_options=target.docstring.parser_options,
            )
