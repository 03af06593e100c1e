"""The pages' words: a change's summary (written in English by archive.index.changes) in
Norwegian, every part of it; English pages keep it as it is."""

from __future__ import annotations

import pytest

from regarkiv.web.i18n import change_summary


@pytest.mark.parametrize(
    ("summary", "norwegian"),
    [
        ("title changed, 13 words added, 2 removed", "tittel endret, 13 ord lagt til, 2 fjernet"),
        ("lead changed, 1 word added, 0 removed", "ingress endret, 1 ord lagt til, 0 fjernet"),
        ("no text changes", "ingen endringer i teksten"),
        ("removed (HTTP 404)", "fjernet (HTTP 404)"),
        ("removed", "fjernet"),
        (
            "removed (HTTP 410); before that: 3 words added, 3 removed",
            "fjernet (HTTP 410); før det: 3 ord lagt til, 3 fjernet",
        ),
        (
            "attachment title changed replaced (version 1 -> 2, text): 9 words added, 1 removed",
            "vedlegg title changed erstattet (versjon 1 -> 2, text): 9 ord lagt til, 1 fjernet",
        ),  # the file name is kept, whatever it says
        (
            "attachment a.pdf replaced (version 2 -> 4, no-text-layer): new bytes",
            "vedlegg a.pdf erstattet (versjon 2 -> 4, no-text-layer): nye bytes, samme tekst",
        ),
        ("something new", "something new"),
    ],
)
def test_a_change_summary_in_norwegian(summary: str, norwegian: str) -> None:
    assert change_summary(summary, "no") == norwegian
    assert change_summary(summary, "en") == summary
