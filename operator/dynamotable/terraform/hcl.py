"""A small writer of `terraform fmt`-canonical HCL: string literals, map keys, identifiers, aligned bodies.

Alignment follows hclwrite's formatter (what `terraform fmt` runs): consecutive lines of the form
`name = <single-line value>` form a chain, and every `=` in a chain sits one column after the widest name.
Any other line (a comment, a blank line, a block header or `}`, an assignment that opens a multi-line
value) ends the chain. Widths are counted in grapheme clusters, as hclwrite does.
"""

from __future__ import annotations

import re
import unicodedata

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
# Bare words that HCL reads as something other than a literal key in an object constructor.
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if", "else", "endif", "endfor"})
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f\u2028\u2029]|[$%]\{')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "${": "$${", "%{": "%%{"}


def _escape(match: re.Match[str]) -> str:
    text = match.group()
    return _ESCAPES.get(text) or f"\\u{ord(text):04x}"


def quote(text: str) -> str:
    """An HCL quoted string whose value is exactly `text` (no interpolation: `${` and `%{` are escaped)."""
    if _NEEDS_ESCAPE.search(text) is None:
        return f'"{text}"'
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def key(text: str) -> str:
    """An object key: a bare identifier when HCL reads it back as the same string, else quoted."""
    if _IDENTIFIER.match(text) and text not in _KEYWORDS:
        return text
    return quote(text)


def identifier(text: str) -> str:
    """A Terraform block label / identifier made from any name: other characters become `_`."""
    out = re.sub(r"[^A-Za-z0-9_]", "_", text)
    if not out or not (out[0].isalpha() or out[0] == "_"):
        out = "table_" + out
    return out


def boolean(value: bool) -> str:
    return "true" if value else "false"


def string_list(values: list[str]) -> str:
    return "[" + ", ".join(quote(v) for v in values) + "]"


# ------------------------------------------------------------------------------------------ widths

_L, _V, _T, _LV, _LVT = range(1, 6)


def _hangul(cp: int) -> int:
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return _L
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return _V
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return _T
    if 0xAC00 <= cp <= 0xD7A3:
        return _LV if (cp - 0xAC00) % 28 == 0 else _LVT
    return 0


_HANGUL_JOINS = {(_L, _L), (_L, _V), (_L, _LV), (_L, _LVT), (_LV, _V), (_LV, _T), (_V, _V), (_V, _T)}
_HANGUL_JOINS |= {(_LVT, _T), (_T, _T)}


def width(text: str) -> int:
    """Columns `terraform fmt` gives `text`: grapheme clusters (combining marks, ZWJ and conjoining
    Hangul jamo join the previous character; Unicode's rarer rules such as Prepend are not modelled)."""
    if text.isascii():
        return len(text)
    count = 0
    prev_hangul = 0
    prev_zwj = False
    for ch in text:
        cp = ord(ch)
        hangul = _hangul(cp)
        joins = count > 0 and (
            unicodedata.category(ch) in ("Mn", "Me", "Mc")
            or cp in (0x200C, 0x200D)
            or 0x1F3FB <= cp <= 0x1F3FF
            or (prev_zwj and unicodedata.category(ch) == "So")
            or (prev_hangul, hangul) in _HANGUL_JOINS
        )
        if not joins:
            count += 1
        prev_hangul = hangul
        prev_zwj = cp == 0x200D
    return count


# ------------------------------------------------------------------------------------------ writer


class Writer:
    """Line-oriented HCL builder. `attr` lines are buffered so each chain is aligned when it ends."""

    __slots__ = ("_indent", "_lines", "_pending")

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._pending: list[tuple[str, str]] = []
        self._indent = ""

    def attr(self, name: str, expr: str) -> None:
        """`name = expr` where expr is a single-line HCL expression."""
        self._pending.append((name, expr))

    def _flush(self) -> None:
        pending = self._pending
        if not pending:
            return
        indent = self._indent
        if len(pending) == 1:
            name, expr = pending[0]
            self._lines.append(f"{indent}{name} = {expr}")
        else:
            widths = [width(name) for name, _ in pending]
            column = max(widths) + 1
            self._lines.extend(
                f"{indent}{name}{' ' * (column - w)}= {expr}" for (name, expr), w in zip(pending, widths, strict=True)
            )
        pending.clear()

    def line(self, text: str) -> None:
        """A line that is not an aligned assignment (it ends the current chain)."""
        self._flush()
        self._lines.append(self._indent + text)

    def comment(self, text: str) -> None:
        self.line("# " + text)

    def blank(self) -> None:
        self._flush()
        self._lines.append("")

    def open(self, header: str) -> None:
        """`header {` and indent: a block (`name "label" {`) or a multi-line value (`tags = {`)."""
        self.line(header + " {")
        self._indent += "  "

    def open_list(self, name: str) -> None:
        self.line(name + " = [")
        self._indent += "  "

    def item(self, expr: str) -> None:
        """One element of a multi-line list opened with `open_list`."""
        self.line(expr + ",")

    def close(self, closer: str = "}") -> None:
        self._flush()
        self._indent = self._indent[:-2]
        self._lines.append(self._indent + closer)

    def text(self) -> str:
        self._flush()
        return "\n".join(self._lines) + "\n"
