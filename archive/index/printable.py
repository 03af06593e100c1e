"""Article text made safe to print: to a terminal, into CSV and into XML.

An archived page may hold any character, and the index keeps its text exactly as the
page had it. Printed raw, an escape sequence in a title (``ESC ] 0 ; … BEL``) retitles
the reader's terminal, ``ESC [ 2 J`` clears it, ``CR`` hides text behind other text;
in an Atom feed, a NUL, form feed or U+FFFE makes the whole feed ill-formed and feed
readers drop it. So every reading command's output passes article text through
``printable``, which shows each such character as a visible escape (``\\x1b``): the
reader sees that something was there, and the archive itself stays untouched.

What is escaped: every C0 control but tab and newline, DEL, every C1 control (U+0080 to
U+009F: U+009B starts an escape sequence on some terminals), lone surrogates (which
cannot be encoded at all) and the non-characters U+FFFE and U+FFFF. Everything left is
a character XML 1.0 allows.
"""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Our own colours and bold (SGR sequences), which output.emit lets through.
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with each control character, lone surrogate and non-character shown as
    its escape (``\\x1b``, ``\\ud800``); tabs and newlines stay."""
    return _UNPRINTABLE.sub(_escape, text)


def printable_keeping_colours(text: str) -> str:
    """``printable``, except for SGR sequences (colours, bold): for whole pages of output
    whose article text was made printable already, and whose colours are the program's."""
    kept = _SGR.split(text)
    colours = _SGR.findall(text)
    parts = [printable(kept[0])]
    for colour, after in zip(colours, kept[1:], strict=True):
        parts += [colour, printable(after)]
    return "".join(parts)


def json_printable(text: str) -> str:
    """JSON text with the characters ``printable`` escapes written as ``\\u`` escapes.

    ``json.dumps(..., ensure_ascii=False)`` escapes C0 controls but writes DEL, C1
    controls, lone surrogates and non-characters raw; those only occur inside strings,
    where ``\\u009b`` is the same character: the JSON means exactly what it did.
    """
    return _UNPRINTABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
