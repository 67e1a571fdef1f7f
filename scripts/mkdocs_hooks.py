"""MkDocs hooks for the documentation site (``mkdocs.yml`` ``hooks:``).

The docstrings are Google style with reStructuredText inline markup (``:class:`X```, ``.. code-block::``), which
``help()`` and IDEs show as written; Markdown has no such roles, so the rendered HTML drops the role prefix and keeps
the name as code (``:class:`~a.b.X``` becomes ``X``), and removes the reST directive lines whose indented block
Markdown already renders as code.
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:class|func|meth|attr|mod|exc|data|obj|const):<code>(~?)([^<]*)</code>")
DIRECTIVE = re.compile(r"<p>(?:\.\. code-block::[^<]*|::)</p>\s*")


def _shorten(match: re.Match[str]) -> str:
    """The code span for one role: the last dotted part when the role's target started with ``~``."""
    tilde, target = match.group(1), match.group(2)
    return f"<code>{target.rsplit('.', 1)[-1] if tilde else target}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    """Rewrite reST roles and directive lines left in the HTML of a page.

    Args:
        html: the page's HTML, as Markdown and mkdocstrings rendered it.
        **kwargs: the other arguments MkDocs passes (page, config, files), unused.

    Returns:
        The HTML with roles shown as plain code and directive lines removed.
    """
    return DIRECTIVE.sub("", ROLE.sub(_shorten, html))
