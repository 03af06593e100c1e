"""text.normalize's shortcut for text that is normal already."""

from __future__ import annotations

import sys

import pytest

from archive.extract.text import LINE_BREAK, normalize, normalize_lines


def reference(text: str) -> str:
    return " ".join(text.split())


def test_no_printable_character_but_the_space_is_whitespace() -> None:
    # The shortcut's premise: str.split() splits at no printable character but " ".
    printable_spaces = [
        hex(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() and chr(c).isprintable()
    ]
    assert printable_spaces == ["0x20"]


WHITESPACE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]


@pytest.mark.parametrize("space", WHITESPACE)
def test_each_whitespace_character_anywhere(space: str) -> None:
    for text in (f"a{space}b", f"{space}a b", f"a b{space}", f"a {space}b", space, f"ø{space}"):
        assert normalize(text) == reference(text)
        assert normalize_lines(text) == reference(text)


@pytest.mark.parametrize(
    "text",
    ["", "Ferdig.", "Støre la fram planen.", "a  b", " a", "a ", "a\u00a0b", "a\nb", "€ 5 %"],
)
def test_normal_and_not(text: str) -> None:
    assert normalize(text) == reference(text)


def test_lines_still_split_at_line_breaks() -> None:
    assert normalize_lines(f"a  b{LINE_BREAK} {LINE_BREAK}c") == "a b\nc"
