"""Safe text for screens and terminal tables: what people typed, never what it could do.

Names and notes are shown literally. Control characters (escape sequences included) are
replaced by visible symbols so nothing a user typed can steer the terminal.
"""

from __future__ import annotations


def _visible(ch: str, keep_newlines: bool) -> str:
    code = ord(ch)
    if ch == "\n":
        return "\n" if keep_newlines else " ⏎ "
    if ch == "\t":
        return "    " if keep_newlines else " "
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures" block: ␛, ␀, …
    if code == 0x7F:
        return "␡"
    if 0x80 <= code < 0xA0 or ch in "\u2028\u2029":
        return "�"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        # Bidi embeddings, overrides and isolates could reorder the rest of the terminal
        # line ("Trojan Source"); right-to-left letters themselves are shown as typed.
        return "�"
    return ch


def safe_text(text: str | None, *, keep_newlines: bool = False, limit: int | None = None) -> str:
    """`text` with every control character made visible; optionally cut to `limit` chars."""
    if not text:
        return ""
    shown = "".join(ch if ch.isprintable() else _visible(ch, keep_newlines) for ch in text)
    if limit is not None and len(shown) > limit:
        return shown[: max(0, limit - 1)] + "…"
    return shown
