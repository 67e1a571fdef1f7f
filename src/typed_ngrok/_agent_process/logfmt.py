"""One ngrok agent log line -> its fields (no I/O, never raises on input).

The agent prints three kinds of lines:

- **logfmt** (log15): ``t=2026-11-22T11:37:49+0000 lvl=info msg="starting web service" obj=web addr=127.0.0.1:4040``.
  Values with spaces, ``=`` or quotes are double-quoted Go strings (``\\"``, ``\\\\``, ``\\n``, ``\\r``, ``\\t``; the
  rest of Go's escapes are understood too).
- **json**: ``{"addr":"127.0.0.1:49184","lvl":"info","msg":"starting web service","obj":"web","t":"…Z"}``.
- **plain** text: the ``ERROR:  …`` lines printed for configuration errors, and the raw multi-line message the agent
  prints after a fatal error.

:func:`parse_line` turns any of them into a :class:`ParsedLine`. It uses compiled regular expressions (no ``shlex``)
and tolerates anything: an unterminated quote, a truncated json object or binary noise still yields a record.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Final, NamedTuple

__all__ = [
    "FORMAT_JSON",
    "FORMAT_LOGFMT",
    "FORMAT_PLAIN",
    "ParsedLine",
    "level_name",
    "parse_line",
    "parse_timestamp",
    "unquote_go",
]

FORMAT_LOGFMT: Final = "logfmt"
FORMAT_JSON: Final = "json"
FORMAT_PLAIN: Final = "plain"

# key=value, where value is a complete Go-quoted string (unrolled loop: fast on long values) or a run of non-space
# characters. A value that opens a quote it never closes takes the rest of the line (the record is malformed; we keep
# what we can).
_PAIR = re.compile(r'([^\s="]+)=(?:"([^"\\]*(?:\\.[^"\\]*)*)"|"(.*)|(\S*))', re.DOTALL)
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)", re.DOTALL)
_BYTE_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|[0-7]{3})")
_PLAIN_LEVEL = re.compile(r"(ERROR|WARN(?:ING)?|CRIT(?:ICAL)?|INFO|DEBUG):\s?(.*)", re.DOTALL)
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?\s*(?:(Z|z)|([+-])(\d\d):?(\d\d))?$"
)

_SIMPLE_ESCAPES: Final = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "\\": "\\",
    '"': '"',
    "'": "'",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}

# ngrok (log15) names first, then the logging names they map to, then pyngrok's extra alias ERR.
_LEVELS: Final = {
    "DBUG": "DEBUG",
    "INFO": "INFO",
    "WARN": "WARNING",
    "EROR": "ERROR",
    "ERR": "ERROR",
    "CRIT": "CRITICAL",
}
_LOGGING_LEVELS: Final = logging.getLevelNamesMapping()


class ParsedLine(NamedTuple):
    """What one agent line says.

    ``fields`` holds every key in the order the line gave them (values are ``str``; json scalars other than strings are
    rendered as json text), ``lvl`` the :mod:`logging` level name (``"NOTSET"`` when the line has none or an unknown
    one) and ``format`` which of :data:`FORMAT_LOGFMT`, :data:`FORMAT_JSON` or :data:`FORMAT_PLAIN` the line was.
    """

    line: str
    fields: dict[str, str]
    lvl: str
    format: str


def level_name(raw: str | None) -> str:
    """The :mod:`logging` level name for an agent ``lvl`` value (``eror`` -> ``ERROR``), ``"NOTSET"`` if unknown."""
    if not raw:
        return "NOTSET"
    upper = raw.upper()
    name = _LEVELS.get(upper, upper)
    return name if name in _LOGGING_LEVELS else "NOTSET"


def _unescape_one(match: re.Match[str]) -> str:
    code = match.group(1)
    simple = _SIMPLE_ESCAPES.get(code)
    if simple is not None:
        return simple
    head = code[0]
    if head in "uU" and len(code) > 1:
        value = int(code[1:], 16)
        return chr(value) if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else "\ufffd"
    return "\\" + code  # not a Go escape: keep it as written


def unquote_go(body: str) -> str:
    """Undo Go's string escapes in the text between the quotes of a quoted value."""
    if "\\" not in body:
        return body
    if not _BYTE_ESCAPE.search(body):
        return _ESCAPE.sub(_unescape_one, body)
    # \xNN and \NNN are raw bytes in Go, so a run of them may be one UTF-8 character: rebuild the bytes.
    out = bytearray()
    pos = 0
    for match in _ESCAPE.finditer(body):
        out += body[pos : match.start()].encode("utf-8", "surrogatepass")
        code = match.group(1)
        if (code[0] == "x" and len(code) == 3) or (len(code) == 3 and code.isdigit()):
            out.append(int(code[1:], 16) if code[0] == "x" else int(code, 8) & 0xFF)
        else:
            out += _unescape_one(match).encode("utf-8", "surrogatepass")
        pos = match.end()
    out += body[pos:].encode("utf-8", "surrogatepass")
    return out.decode("utf-8", "replace")


def _parse_logfmt(line: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for match in _PAIR.finditer(line):
        key, quoted, unterminated, bare = match.groups()
        if quoted is not None:
            fields[key] = unquote_go(quoted)
        elif unterminated is not None:
            fields[key] = unquote_go(unterminated)
        else:
            fields[key] = bare
    return fields


def _json_text(value: object) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):  # pragma: no cover - json.loads output is always serialisable
        return str(value)


def _parse_json(line: str) -> dict[str, str] | None:
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    return {str(key): _json_text(value) for key, value in data.items()}


def parse_line(raw: str | bytes) -> ParsedLine:
    """Parse one agent output line. Never raises for any input (bytes are decoded as UTF-8 with replacement)."""
    if isinstance(raw, bytes | bytearray):
        raw = bytes(raw).decode("utf-8", "replace")
    line = raw.strip()
    if line.startswith("{"):
        data = _parse_json(line)
        if data is not None:
            return ParsedLine(line, data, level_name(data.get("lvl")), FORMAT_JSON)
    plain = _PLAIN_LEVEL.match(line)
    if plain is not None:
        text = plain.group(2).strip()
        lvl = level_name(plain.group(1))
        fields = {"msg": text, "err": text} if lvl in ("ERROR", "CRITICAL") else {"msg": text}
        return ParsedLine(line, fields, lvl, FORMAT_PLAIN)
    if "=" in line:
        fields = _parse_logfmt(line)
        if fields:
            return ParsedLine(line, fields, level_name(fields.get("lvl")), FORMAT_LOGFMT)
    return ParsedLine(line, {}, "NOTSET", FORMAT_PLAIN)


def parse_timestamp(text: str | None) -> datetime | None:
    """The agent's ``t`` as an aware :class:`~datetime.datetime`, or None when it is absent or unreadable.

    Handles logfmt's ``2006-01-02T15:04:05-0700`` and json's RFC 3339 with nanoseconds (truncated to microseconds).
    A time without a zone is taken as UTC.
    """
    if not text:
        return None
    match = _TIMESTAMP.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, frac, zulu, sign, off_h, off_m = match.groups()
    if zulu or not sign:
        tz = UTC
    else:
        minutes = int(off_h) * 60 + int(off_m)
        if minutes >= 24 * 60:
            return None
        offset = timedelta(minutes=minutes)
        tz = timezone(-offset if sign == "-" else offset)
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz)
    except ValueError:
        return None
