"""The text of an RTF document: control words dropped, escapes decoded, bounded.

RTF is text: groups in braces, control words (``\\par``), hex escapes (``\\'e6``, in the
document's ANSI code page, cp1252 for Norwegian) and Unicode escapes (``\\u248?``, the
``?`` a fallback to skip). Destinations that are no part of the text (font and colour
tables, styles, pictures, document info, anything starting ``{\\*``) are skipped.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]"
)
_SKIP = frozenset((
    "fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "header", "footer",
    "headerl", "headerr", "footerl", "footerr", "footnote", "listtable", "listoverridetable",
    "rsidtbl", "generator", "themedata", "colorschememapping", "latentstyles", "datastore",
    "xmlnstbl",
))  # fmt: skip
_BREAKS = {"par": "\n", "line": "\n", "sect": "\n", "page": "\n", "row": "\n", "tab": "\t"}
_CELL = {"cell": " | "}


def rtf_text(source: str, limit: int) -> str:
    """Plain text of ``source`` (RTF read as Latin-1), at most ``limit`` characters."""
    out: list[str] = []
    size = 0
    depth = 0
    skip_from: int | None = None  # the depth of the group being skipped
    pending_skip = 0  # characters to skip after a \\uN escape
    for match in _TOKEN.finditer(source):
        word, number, hex_code, symbol, brace, text = match.groups()
        if brace == "{":
            depth += 1
            continue
        if brace == "}":
            if skip_from is not None and depth <= skip_from:
                skip_from = None
            depth -= 1
            continue
        if skip_from is not None:
            continue
        piece = ""
        if word is not None:
            if word in _SKIP:
                skip_from = depth
            elif word == "u" and number is not None:
                piece, pending_skip = chr(int(number) % 65536), 1
            else:
                piece = _BREAKS.get(word, _CELL.get(word, ""))
        elif symbol == "*":
            skip_from = depth
        elif symbol is not None:
            piece = symbol if symbol in "\\{}" else ("\u00a0" if symbol == "~" else "")
        elif hex_code is not None:
            if pending_skip:
                pending_skip -= 1
                continue
            piece = bytes([int(hex_code, 16)]).decode("cp1252", "replace")
        elif text is not None:
            if pending_skip:
                text, pending_skip = text[1:], 0
            piece = text
        if piece:
            out.append(piece)
            size += len(piece)
            if size >= limit:
                break
    lines = ("".join(out))[:limit].split("\n")
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())
