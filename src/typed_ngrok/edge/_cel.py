"""The small CEL subset the local edge's cloud API evaluates in ``filter`` (docs/edge-cloud.md).

ngrok's list filters are CEL expressions over the variable ``obj`` (one answer object). This module parses and
evaluates exactly this subset, on the JSON fields of the answer:

- literals: double- or single-quoted strings (``\\"``, ``\\'``, ``\\\\``, ``\\n``, ``\\t`` escapes), integers and
  decimals, ``true``, ``false``, ``null``;
- field paths: ``obj`` followed by ``.name`` steps (``obj.agent_version``, ``obj.tunnel_session.id``); a field the
  object does not have reads as ``null`` (ngrok omits empty fields, so ``obj.metadata == ""`` would never match);
- comparisons ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` (ordering only between two strings or two numbers);
- ``&&``, ``||`` (CEL precedence: ``&&`` binds tighter) and parentheses.

Anything else (functions, ``in``, ``!``, arithmetic, other variables, indexing) is refused with :class:`CelError`, whose
text says what was not understood; the edge answers it with ngrok's 400 ``ERR_NGROK_250`` and never ignores a filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["CelError", "Expr", "compile_filter", "matches"]

_MAX_LENGTH = 4096
_MAX_DEPTH = 64


class CelError(Exception):
    """A filter outside the supported subset, or one that cannot be evaluated on an object."""


@dataclass(frozen=True)
class _Literal:
    value: object


@dataclass(frozen=True)
class _Path:
    names: tuple[str, ...]  # the steps after ``obj``


@dataclass(frozen=True)
class _Compare:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class _Logic:
    op: str  # "&&" or "||"
    left: Expr
    right: Expr


Expr = _Literal | _Path | _Compare | _Logic

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<op>==|!=|<=|>=|&&|\|\||<|>|\(|\)|\.)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<bad>.)
    )""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
_KEYWORDS = {"true": True, "false": False, "null": None}


def _unquote(text: str) -> str:
    out: list[str] = []
    body = text[1:-1]
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            nxt = body[i + 1]
            if nxt not in _ESCAPES:
                raise CelError(f"unsupported escape \\{nxt} in string literal {text}")
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    end = len(source.rstrip())  # trailing blanks end the filter
    while pos < end:
        match = _TOKEN.match(source, pos)
        if match is None:  # pragma: no cover - the pattern's last branch matches any character
            raise CelError(f"cannot read the filter at offset {pos}")
        kind = match.lastgroup or "bad"
        text = match.group(kind)
        if kind == "bad":
            raise CelError(f"unsupported character {text!r} at offset {match.start(kind)}")
        tokens.append((kind, text))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise CelError("the filter ends too early")
        self.pos += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token != ("op", text):
            raise CelError(f"expected {text!r}, found {token[1]!r}")

    def parse(self) -> Expr:
        expr = self.or_expr()
        token = self.peek()
        if token is not None:
            raise CelError(f"unexpected {token[1]!r} (supported: ==, !=, <, <=, >, >=, &&, ||, parentheses)")
        return expr

    def or_expr(self) -> Expr:
        left = self.and_expr()
        while self.peek() == ("op", "||"):
            self.take()
            left = _Logic("||", left, self.and_expr())
        return left

    def and_expr(self) -> Expr:
        left = self.comparison()
        while self.peek() == ("op", "&&"):
            self.take()
            left = _Logic("&&", left, self.comparison())
        return left

    def comparison(self) -> Expr:
        left = self.operand()
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in _COMPARISONS:
            self.take()
            right = self.operand()
            nxt = self.peek()
            if nxt is not None and nxt[0] == "op" and nxt[1] in _COMPARISONS:
                raise CelError(f"comparisons do not chain: parenthesize before {nxt[1]!r}")
            return _Compare(token[1], left, right)
        return left

    def operand(self) -> Expr:
        kind, text = self.take()
        if kind == "num":
            return _Literal(float(text) if any(c in text for c in ".eE") else int(text))
        if kind == "str":
            return _Literal(_unquote(text))
        if kind == "op" and text == "(":
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise CelError(f"the filter nests deeper than {_MAX_DEPTH} parentheses")
            inner = self.or_expr()
            self.expect(")")
            self.depth -= 1
            return inner
        if kind == "name":
            if text in _KEYWORDS:
                return _Literal(_KEYWORDS[text])
            if text != "obj":
                raise CelError(f"unknown name {text!r}: fields are read as obj.<field>")
            names: list[str] = []
            while self.peek() == ("op", "."):
                self.take()
                step_kind, step = self.take()
                if step_kind != "name":
                    raise CelError(f"expected a field name after '.', found {step!r}")
                names.append(step)
            if self.peek() == ("op", "("):
                raise CelError(f"function calls are not supported ({'.'.join(['obj', *names])}(...))")
            if not names:
                raise CelError("'obj' alone is not a value: compare one of its fields (obj.<field>)")
            return _Path(tuple(names))
        raise CelError(f"unexpected {text!r} (not a value)")


def compile_filter(source: str) -> Expr:
    """Parse ``source``. Raises :class:`CelError` for anything outside the subset."""
    if len(source) > _MAX_LENGTH:
        raise CelError(f"the filter is longer than {_MAX_LENGTH} characters")
    if not source.strip():
        raise CelError("the filter is empty")
    expr = _Parser(_tokens(source)).parse()
    _check_boolean(expr)
    return expr


def _check_boolean(expr: Expr) -> None:
    """The whole filter and each side of ``&&``/``||`` must be a condition (none of the served fields is a bool)."""
    if isinstance(expr, _Logic):
        _check_boolean(expr.left)
        _check_boolean(expr.right)
    elif isinstance(expr, _Path) or (isinstance(expr, _Literal) and not isinstance(expr.value, bool)):
        shown = "obj." + ".".join(expr.names) if isinstance(expr, _Path) else repr(expr.value)
        raise CelError(f"{shown} is not a condition: compare it (==, !=, <, <=, >, >=)")


def _value(expr: Expr, obj: dict[str, Any]) -> object:
    if isinstance(expr, _Literal):
        return expr.value
    if isinstance(expr, _Path):
        current: object = obj
        for name in expr.names:
            current = current.get(name) if isinstance(current, dict) else None
        return current
    return _truth(expr, obj)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _compare(op: str, left: object, right: object) -> bool:
    if op in ("==", "!="):
        same = (left == right) if (_number(left) and _number(right)) or type(left) is type(right) else False
        return same if op == "==" else not same
    if not ((isinstance(left, str) and isinstance(right, str)) or (_number(left) and _number(right))):
        raise CelError(f"no ordering {op!r} between {_kind(left)} and {_kind(right)}")
    a: Any = left
    b: Any = right
    return bool(a < b if op == "<" else a <= b if op == "<=" else a > b if op == ">" else a >= b)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if _number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "list"


def _truth(expr: Expr, obj: dict[str, Any]) -> bool:
    if isinstance(expr, _Logic):
        left = _truth(expr.left, obj)
        if expr.op == "&&":
            return left and _truth(expr.right, obj)
        return left or _truth(expr.right, obj)
    if isinstance(expr, _Compare):
        return _compare(expr.op, _value(expr.left, obj), _value(expr.right, obj))
    value = _value(expr, obj)
    if not isinstance(value, bool):
        raise CelError(f"the filter must be true or false, not a {_kind(value)}")
    return value


def matches(expr: Expr, obj: dict[str, Any]) -> bool:
    """Whether ``obj`` passes. Raises :class:`CelError` when the expression cannot be evaluated on it."""
    return _truth(expr, obj)
