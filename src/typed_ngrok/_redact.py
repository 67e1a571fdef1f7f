"""Secret redaction: every way a secret can be written in the agent's output, in logs and in error texts.

The agent does not only print a secret as it is. Its logfmt lines Go-quote values (log15 escapes ``\\``, ``"``,
``\\n``, ``\\r``, ``\\t``; ``strconv.Quote`` also writes other control and non-printable characters as ``\\xNN``,
``\\uNNNN``, ``\\UNNNNNNNN``), its json lines JSON-escape them (``\\uNNNN``, ``\\/``, Go's ``\\u003c`` for ``<``
…), and URLs carry them percent-encoded (``%22``, ``+`` for a space). :func:`redact` replaces any spelling of a
secret in which each character is written in any of those ways (mixed spellings too, upper- or lower-case hex), so
what reaches a log record, ``NgrokLog``, callback or exception contains none of them.

Used by ``_agent_config.mask_secrets`` (command output, error texts) and ``NgrokLog._redact`` (agent lines). No
I/O, no third-party imports.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Final

__all__ = ["MASK", "char_spellings", "redact", "secret_pattern"]

#: What a secret is replaced with.
MASK: Final = "********"

_SHORT_ESCAPES: Final = {"\a": "a", "\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t", "\v": "v"}


def _hex_cases(text: str) -> set[str]:
    return {text, text.upper(), text.lower()} if any(c in "abcdefABCDEF" for c in text) else {text}


def _cased(prefix: str, digits: str) -> set[str]:
    return {prefix + d for d in _hex_cases(digits)}


def char_spellings(char: str) -> set[str]:
    """Every way one character of a secret may appear in text: itself, backslash-escaped (Go and JSON, once and
    doubly escaped), ``\\x``/``\\NNN``/``\\u``/``\\U`` escapes, UTF-16 surrogate pairs, and percent-encoded UTF-8 bytes."""
    code = ord(char)
    forms = {char}
    if char in "\"\\/'":
        forms |= {"\\" + char, "\\\\\\" + char}  # escaped once (Go, JSON), and once more (JSON of a Go-quoted text)
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        forms |= {"\\" + short, "\\\\" + short}
    if code < 0x100:
        forms |= _cased("\\x", f"{code:02x}") | {f"\\{code:03o}"}
    if code < 0x10000:
        forms |= _cased("\\u", f"{code:04x}")
        forms |= _cased("\\\\u", f"{code:04x}")
    else:
        forms |= _cased("\\U", f"{code:08x}")
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        for h in _cased("\\u", f"{high:04x}"):
            forms |= {h + low_form for low_form in _cased("\\u", f"{low:04x}")}
    if char == " ":
        forms.add("+")
    try:
        encoded = char.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: it can only appear as itself or escaped
        return forms
    percent = {""}
    byte_escapes = {""}  # Go writes the bytes of a string that is not valid UTF-8 as \xNN; octal \NNN is read too
    for byte in encoded:
        percent = {done + form for done in percent for form in _cased("%", f"{byte:02x}")}
        byte_escapes = {
            done + form for done in byte_escapes for form in _cased("\\x", f"{byte:02x}") | {f"\\{byte:03o}"}
        }
    return forms | percent | byte_escapes


@functools.lru_cache(maxsize=64)
def secret_pattern(secret: str) -> re.Pattern[str]:
    """A regex matching ``secret`` written with any mix of the spellings of :func:`char_spellings`."""
    parts = []
    for char in secret:
        forms = sorted(char_spellings(char), key=len, reverse=True)  # longest first: \\\" before \"
        parts.append("(?:" + "|".join(re.escape(form) for form in forms) + ")")
    return re.compile("".join(parts))


def redact(text: str, secrets: Iterable[str], mask: str = MASK) -> str:
    """``text`` with every spelling of every non-empty secret replaced by ``mask`` (longest secrets first)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, mask)
        # Every spelling but the raw one has a backslash or a percent sign (or "+" for a space): without them the
        # raw replacement above was all there was to do (the common case, and much faster than the pattern).
        if "\\" in text or "%" in text or (" " in secret and "+" in text):
            text = secret_pattern(secret).sub(lambda _match: mask, text)
    return text
