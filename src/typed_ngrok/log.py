"""Parsed ngrok agent log lines: :class:`NgrokLog`, as in pyngrok (also importable as ``typed_ngrok.process.NgrokLog``).

Differences from pyngrok 9.1.0, all deliberate:

- logfmt, json and plain ``ERROR:`` lines are understood (pyngrok reads logfmt only, through ``shlex``); a plain
  ``ERROR:  text`` line gives ``lvl="ERROR"`` and ``msg == err == "text"``.
- ``dbug`` maps to ``"DEBUG"`` (pyngrok: ``"NOTSET"``).
- Quoted values are unescaped the Go way (``\\n`` becomes a newline), and an unterminated quote keeps the fields
  before it instead of dropping the whole line.
- A key named like one of our attributes (``line``, ``fields`` …) never overwrites it; every key stays in
  :attr:`NgrokLog.fields` and keys other than the named attributes are readable as attributes too (``log.url``).
- :attr:`NgrokLog.timestamp` is ``t`` parsed into an aware datetime and :attr:`NgrokLog.levelno` the
  :mod:`logging` level number.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from typed_ngrok._agent_process.logfmt import parse_line, parse_timestamp
from typed_ngrok._redact import redact
from typed_ngrok.exception import PyngrokError

__all__ = ["NgrokLog"]

_RESERVED = frozenset({"line", "lvl", "fields", "format", "timestamp", "levelno", "t", "msg", "err", "obj", "addr"})
_UNPARSED = object()
_LEVEL_NUMBERS = logging.getLevelNamesMapping()


class NgrokLog:
    """One line of the agent's output (``str``, or ``bytes`` read as UTF-8), parsed. Never raises on a malformed line;
    a ``line`` that is neither raises :class:`~typed_ngrok.exception.PyngrokError`.

    Attributes (pyngrok's): ``line`` (the stripped raw line), ``t`` (the raw timestamp text), ``lvl`` (a
    :mod:`logging` level name, ``"NOTSET"`` when the line has none), ``msg``, ``err``, ``obj``, ``addr``, and any
    other key of the line as an attribute (``None``-free: a missing key raises :class:`AttributeError`, as in
    pyngrok). Added by typed-ngrok: ``fields`` (every key, raw ``lvl`` included, in line order), ``format``
    (``"logfmt"``, ``"json"`` or ``"plain"``), ``timestamp`` and ``levelno``.
    """

    __slots__ = ("__dict__", "_timestamp", "addr", "err", "fields", "format", "line", "lvl", "msg", "obj", "t")

    def __init__(self, line: str) -> None:
        if not isinstance(line, str | bytes):
            raise PyngrokError(f"line must be a string, got {type(line).__name__}")
        parsed = parse_line(line)
        fields = parsed.fields
        self.line: str = parsed.line
        self.fields: dict[str, str] = fields
        self.format: str = parsed.format
        self.lvl: str = parsed.lvl
        self.t: str | None = fields.get("t")
        self.msg: str | None = fields.get("msg")
        self.err: str | None = fields.get("err")
        self.obj: str | None = fields.get("obj")
        self.addr: str | None = fields.get("addr")
        self._timestamp: Any = _UNPARSED

    def __getattr__(self, name: str) -> str:
        # Only called when normal lookup fails: extra keys of the line (pyngrok sets them with setattr).
        if not name.startswith("_") and name not in _RESERVED:
            try:
                fields: dict[str, str] = object.__getattribute__(self, "fields")
                return fields[name]
            except (KeyError, AttributeError):
                pass
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def timestamp(self) -> datetime | None:
        """``t`` as an aware :class:`~datetime.datetime` (None when absent or unreadable)."""
        if self._timestamp is _UNPARSED:
            self._timestamp = parse_timestamp(self.t)
        result: datetime | None = self._timestamp
        return result

    @property
    def levelno(self) -> int:
        """The :mod:`logging` level number of ``lvl`` (``logging.NOTSET``, 0, when the line has no level)."""
        return _LEVEL_NUMBERS.get(self.lvl, logging.NOTSET)

    def _redact(self, secrets: tuple[str, ...], mask: str) -> None:
        """Replace every secret in the line and its values with ``mask``, in every spelling the agent may print it
        (raw, Go-quoted, JSON-escaped, percent-encoded; the launcher calls this before storing)."""

        def scrub(text: str) -> str:
            return redact(text, secrets, mask)

        line = scrub(self.line)
        if line == self.line and "\\" not in line:
            return  # without escapes the values are pieces of the line itself: no secret in them either
        self.line = line
        self.fields = {scrub(key): scrub(value) for key, value in self.fields.items()}
        for attr in ("t", "msg", "err", "obj", "addr"):
            value = getattr(self, attr)
            if value is not None:
                setattr(self, attr, scrub(value))

    def __repr__(self) -> str:
        return f'<NgrokLog: t={self.t} lvl={self.lvl} msg="{self.msg}">'

    def __str__(self) -> str:
        values: dict[str, str] = {key: value for key, value in self.fields.items() if key not in _RESERVED}
        for attr in ("addr", "err", "lvl", "msg", "obj", "t"):
            value = getattr(self, attr)
            if value is not None:
                values[attr] = value
        return " ".join(f'{key}="{values[key]}"' for key in sorted(values))
