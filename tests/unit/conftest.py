"""Shared set-up for unit tests.

The repository root goes on ``sys.path`` so tests import helper modules by their full name
(``from tests.unit.agent_bodies import ...``), which is also how ``mypy`` (explicit package bases) resolves them.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
