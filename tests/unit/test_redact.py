"""Secret redaction (``_redact.redact``, behind ``_agent_config.mask_secrets`` and ``NgrokLog._redact``): no spelling
of a secret the agent may print survives.

The encoders below are written here, independently of the code under test: raw, log15-quoted (the 2.3.41 agent's
logfmt), Go ``strconv.Quote`` and ``QuoteToASCII``, JSON (Python's both ways, Go's HTML-safe one), percent-encoded
(``quote``/``quote_plus``, upper- and lower-case hex).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote, quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from typed_ngrok._agent_process.config import REDACTED, mask_secrets
from typed_ngrok._redact import redact
from typed_ngrok.log import NgrokLog

_GO_SHORT = {"\a": "a", "\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t", "\v": "v"}


def log15(value: str) -> str:
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char in "\n\r\t":
            out.append("\\" + _GO_SHORT[char])
        else:
            out.append(char)
    return "".join(out)


def go_quote(value: str, ascii_only: bool = False) -> str:
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char.isprintable() and not (ascii_only and code > 0x7E):
            out.append(char)
        elif char in _GO_SHORT:
            out.append("\\" + _GO_SHORT[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def go_json(value: str) -> str:
    text = json.dumps(value, ensure_ascii=False)[1:-1]
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028")):
        text = text.replace(char, escape)
    return text


ENCODERS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "log15": log15,
    "go-quote": go_quote,
    "go-quote-ascii": lambda s: go_quote(s, ascii_only=True),
    "json": lambda s: json.dumps(s)[1:-1],
    "json-utf8": lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
    "go-json": go_json,
    "json-of-log15": lambda s: json.dumps(log15(s), ensure_ascii=False)[1:-1],
    "url": lambda s: quote(s, safe=""),
    "url-lower": lambda s: "".join(part.lower() if part.startswith("%") else part for part in quote(s, safe="")),
    "url-plus": lambda s: quote_plus(s, safe=""),
    "url-path": lambda s: quote(s, safe="/:@$&+=;,"),
}

# A secret is any text without the mask's own character and without lone surrogates (those cannot be UTF-8 encoded,
# so no agent can print them).
secrets = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="*"), min_size=1, max_size=12)


def encodings(secret: str) -> set[str]:
    return {encode(secret) for encode in ENCODERS.values()}


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(secret=secrets, pieces=st.lists(st.tuples(st.text(max_size=6), st.sampled_from(sorted(ENCODERS))), max_size=4))
def test_no_encoding_of_the_secret_survives(secret: str, pieces: list[tuple[str, str]]) -> None:
    text = "".join(filler + ENCODERS[name](secret) for filler, name in pieces) + "end"
    redacted = mask_secrets(text, (secret,))
    for form in encodings(secret):
        assert form not in redacted, (form, redacted)


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(secret=secrets, data=st.data())
def test_text_without_the_secret_is_unchanged(secret: str, data: st.DataObject) -> None:
    alphabet = st.characters(exclude_characters=set(secret) | set("\\%+"))
    other = data.draw(st.text(alphabet=alphabet, max_size=30))
    assert mask_secrets(other, (secret,)) == other


def test_the_issues_token_in_every_spelling() -> None:
    token = 'tok"en\\with\tquote'
    line = (
        f't=1 lvl=dbug msg=auth token="{log15(token)}" quoted="{log15(chr(34) + go_quote(token) + chr(34))}" '
        f"url=https://e.example/?t={quote(token, safe='')}"
    )
    masked = mask_secrets(line, (token,))
    assert masked.count(REDACTED) == 3
    for form in encodings(token):
        assert form not in masked
    log = NgrokLog(line)
    assert log.fields["token"] == token
    log._redact((token,), REDACTED)
    assert log.fields["token"] == REDACTED
    assert all(token not in value for value in log.fields.values())
    assert all(form not in log.line and form not in str(log) for form in encodings(token))


def test_longest_secret_first_and_empty_secrets_ignored() -> None:
    assert redact("a-secret-long and a-secret", ["a-secret", "a-secret-long", ""]) == "******** and ********"
    assert redact("nothing here", []) == "nothing here"


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(middle=secrets, json_line=st.booleans())
def test_agent_line_fields_never_hold_the_secret(middle: str, json_line: bool) -> None:
    """``NgrokLog._redact`` on a line that carries the secret Go-quoted (logfmt) or JSON-escaped: neither the line
    nor any parsed value keeps it."""
    secret = f"tok{middle}en"  # framed, so that it is not also a piece of the line's other text ("DEBUG", "auth")
    if json_line:
        line = json.dumps({"lvl": "dbug", "msg": "auth", "token": secret, "note": f"token {secret}!"})
    else:
        line = f't=1 lvl=dbug msg=auth token="{go_quote(secret)}" note="{log15("token " + secret + "!")}"'
    log = NgrokLog(line)
    log._redact((secret,), REDACTED)
    assert log.fields["token"] == REDACTED
    assert all(secret not in value and secret not in key for key, value in log.fields.items())
    assert all(form not in log.line for form in encodings(secret))
    assert secret not in str(log) and secret not in (log.msg or "")
