"""A head matched between the runs of heads matched before (archive/extract/head_runs.py)
gets the verdict of the whole head's expression, and skips most of a template's bytes."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("hypothesis", reason="hypothesis (a dev extra) is not installed")

from hypothesis import given, settings
from hypothesis import strategies as st

from archive.extract.head import (
    _ATTRIBUTES,
    _BEFORE_HEAD,
    _BEFORE_HTML,
    _HEAD,
    _ITEM,
    _ITEMS,
    _ONE_ITEM,
    _PROLOGUE,
    read_head,
)
from archive.extract.head_runs import _SHRINKS, KnownHeads, known_heads
from archive.extract.trim import find_cut

REAL = ("hearing-id3167072.html", "hearing-id3168423.html", "hearing-id3168525.html")
# What starts or ends an item, what no item may hold, what the lookaheads read, and text.
SNIPPETS = [
    b"<", b">", b"</", b"<!", b"<!--", b"-->", b"--", b"-", b"<!-- x -->", b"<!--->",
    b"\x00", b"\x01", b"\x0b", b"\x0c", b"\x7f", b"\r", b"\n", b" ", b"x", b"\xff", b"\xc3",
    b"\xef\xbf\xbe", b'"', b"'", b"=", b"/", b"&#150;", b"<meta ", b"<meta",
    b'<meta name="DC.Subject" content="Annet">', b'<meta charset="utf-8">', b"<title>",
    b"</title>", b"<title>T</title>", b"<script>", b"</script>", b"<script>x</script>",
    b'<script type="application/ld+json">', b'<script type="text/javascript">', b"<style>",
    b"</style>", b"<template>", b"</template>", b'<link rel="icon" href="/i.ico">', b"<link",
    b"<base href=/>", b"<body>", b"<META>", b"<html>", b"<head>", b"</head>",
]  # fmt: skip


def head_of(body: bytes) -> bytes:
    cut = find_cut(body)
    assert cut is not None
    return body[: cut.head_close]


def verdict(known: KnownHeads, head: bytes) -> bool:
    prologue = _PROLOGUE.match(head)
    return prologue is not None and known.match(head, prologue.end())


# The expression as it was, with capture groups in its loop (SystemError on some heads).
CAPTURED = re.compile(_BEFORE_HTML + b"<html" + _ATTRIBUTES + b"(" + _BEFORE_HEAD + _ITEM + b"*+)")


def whole(head: bytes) -> bool:
    """The whole expression's verdict, which is also the old one's where that one ran."""
    matched = _HEAD.fullmatch(head)
    if matched is not None:  # and read_head's prologue_end is where the whole one has it
        prologue = _PROLOGUE.match(head)
        assert prologue is not None and prologue.start(1) == matched.start(1)
    try:
        captured = CAPTURED.fullmatch(head)
    except SystemError:
        return matched is not None
    assert (captured is None) == (matched is None)
    return matched is not None


def taught(first: bytes, second: bytes) -> KnownHeads:
    known = KnownHeads(_ONE_ITEM, _ITEMS)
    assert verdict(known, first) and verdict(known, second)
    assert len(known.runs) == 1
    return known


def run_bounds(known: KnownHeads, head: bytes) -> list[int]:
    """Where the runs start and end in ``head`` (each end the "<" after the run)."""
    bounds = []
    for runs in known.runs.values():
        for run, _ in runs:
            at = head.find(run)
            if at >= 0:
                bounds += [at, at + len(run) - 1]
    return bounds


@pytest.fixture(scope="module")
def head_pairs(real_pages_dir: Path) -> list[tuple[bytes, bytes]]:
    """Two heads of one prologue each: replica article pages in nb, nn and en, and the real
    hearing pages where the captured pages are."""
    site_module = pytest.importorskip("replica.site", reason="replica.site not available")
    site = site_module.Site(articles=40, seed=11)
    pairs = []
    for language in ("nb", "nn", "en"):
        first, second = site.article_ids(language)[:2]
        pairs.append(
            (
                head_of(site.render(site.article_url(first)).body),
                head_of(site.render(site.article_url(second)).body),
            )
        )
    if all((real_pages_dir / name).exists() for name in REAL[:2]):
        first, second = (head_of((real_pages_dir / name).read_bytes()) for name in REAL[:2])
        pairs.append((first, second))
    return pairs


# A change: which pair of heads, the snippet, whether near a run's end, bytes replaced.
CHANGES = st.tuples(
    st.integers(min_value=0, max_value=3),
    st.sampled_from(SNIPPETS),
    st.booleans(),
    st.integers(min_value=0, max_value=3),
)


@settings(max_examples=600, deadline=None)
@given(data=st.data(), change=CHANGES)
def test_the_verdict_is_the_whole_expressions(
    head_pairs: list[tuple[bytes, bytes]], data: st.DataObject, change: tuple[int, bytes, bool, int]
) -> None:
    """One change anywhere in a head (``cut`` bytes replaced by a snippet), or within a few
    bytes of where a run starts or ends, read with the runs of two heads of its language."""
    pair, snippet, near_run, cut = change
    first, second = head_pairs[pair % len(head_pairs)]
    known = taught(first, second)
    head = data.draw(st.sampled_from([first, second]))
    if near_run:
        at = data.draw(st.sampled_from(run_bounds(known, head)))
        at = max(0, min(len(head), at + data.draw(st.integers(min_value=-6, max_value=6))))
    else:
        at = data.draw(st.integers(min_value=0, max_value=len(head)))
    changed = head[:at] + snippet + head[at + cut :]
    assert verdict(known, changed) == whole(changed)
    assert verdict(known, changed) == whole(changed)  # taught by it, when it matched


def test_changes_at_every_run_bound(head_pairs: list[tuple[bytes, bytes]]) -> None:
    """Each snippet put at, just before and just after each end of each run, in place of
    the byte there or besides it."""
    for first, second in head_pairs:
        known = taught(first, second)
        bounds = run_bounds(known, second)
        assert len(bounds) >= 10
        for bound in bounds:
            for at in (bound - 1, bound, bound + 1):
                for snippet in SNIPPETS:
                    for cut in (0, 1):
                        changed = second[:at] + snippet + second[at + cut :]
                        assert verdict(known, changed) == whole(changed), (at, snippet, cut)


def test_runs_moved_dropped_or_repeated(head_pairs: list[tuple[bytes, bytes]]) -> None:
    """A head whose runs come in another order, twice, or not at all, or whose whole
    template is inside a script, a comment or a value."""
    for first, second in head_pairs:
        known = taught(first, second)
        runs = [run[:-1] for runs in known.runs.values() for run, _ in runs]
        start = _PROLOGUE.match(second)
        assert start is not None
        prologue, rest = second[: start.end()], second[start.end() :]
        variants = [
            prologue + b"".join(reversed(runs)),
            prologue + runs[0] + runs[0] + rest,
            prologue + rest.replace(runs[1], b""),
            prologue + rest.replace(runs[0], runs[1]),
            prologue + b"<script>" + rest + b"</script>",
            prologue + b"<!--" + rest + b"-->",
            prologue + b'<meta name="x" content="' + rest + b'">',
            prologue + b"<title>" + rest,
            prologue + rest + b"<",
            prologue + rest[:-1],
        ]
        for changed in variants:
            assert verdict(known, changed) == whole(changed)


def test_most_of_a_template_is_skipped(head_pairs: list[tuple[bytes, bytes]]) -> None:
    """The runs two heads of a language share hold most of their bytes, and most of the
    bytes of a third head of that language."""
    site_module = pytest.importorskip("replica.site", reason="replica.site not available")
    site = site_module.Site(articles=40, seed=11)
    for (first, second), language in zip(head_pairs, ("nb", "nn", "en"), strict=False):
        known = taught(first, second)
        runs = [run for runs in known.runs.values() for run, _ in runs]
        assert sum(map(len, runs)) > 0.5 * len(second)
        for article in site.article_ids(language)[2:6]:
            third = head_of(site.render(site.article_url(article)).body)
            assert sum(len(run) for run in runs if run in third) > 0.4 * len(third)
            assert verdict(known, third) and whole(third)


def test_a_meta_by_name_before_one_by_charset() -> None:
    """Read, where the expression with capture groups in its loop raised SystemError."""
    head = b'<html><head><meta name="DC.Type" content="Nyhet"><meta charset="utf-8">'
    found = read_head(head + b"</head><body></body></html>", len(head))
    assert found is not None and dict(found.meta) == {"DC.Type": "Nyhet"}


def test_the_first_head_waits_and_unmatched_heads_teach_nothing() -> None:
    known = KnownHeads(_ONE_ITEM, _ITEMS, kept=2)
    head = b'<!DOCTYPE html><html lang="nb"><head><title>T</title>' + b"<link>" * 30
    assert verdict(known, head + b"<") is False
    assert not known.waiting and not known.runs
    assert verdict(known, head)
    assert list(known.waiting) and not known.runs
    assert verdict(known, head.replace(b"<title>T", b"<title>U"))
    assert not known.waiting and len(known.runs) == 1
    for language in (b"nn", b"en", b"se"):
        for title in (b"A", b"B"):
            other = head.replace(b'"nb"', b'"' + language + b'"').replace(b"T<", title + b"<")
            assert verdict(known, other)
    assert len(known.runs) == 2 and b"nb" not in b"".join(known.runs)


def test_read_head_is_the_same_with_runs(read_real: Callable[[str], bytes]) -> None:
    """The real pages read with the runs of the others give what a first reading gives."""
    bodies = [read_real(name) for name in REAL]
    first = [read_head(body, len(head_of(body))) for body in bodies]
    for _ in range(2):
        for body, before in zip(bodies, first, strict=True):
            assert read_head(body, len(head_of(body))) == before


def test_each_thread_keeps_its_own_heads() -> None:
    mine = known_heads(_ONE_ITEM, _ITEMS)
    seen: list[KnownHeads] = []
    thread = threading.Thread(target=lambda: seen.append(known_heads(_ONE_ITEM, _ITEMS)))
    thread.start()
    thread.join()
    assert seen and seen[0] is not mine and known_heads(_ONE_ITEM, _ITEMS) is mine


def test_runs_of_two_pages_alike_shrink_to_what_all_share() -> None:
    """Runs learnt from a listing's first two pages (alike but for a link) are cut down by
    the first article page to what both kinds share, which later articles hold; the
    verdicts stay the whole expression's; a prologue's runs shrink a few times at most."""
    site_module = pytest.importorskip("replica.site", reason="replica.site not available")
    site = site_module.Site(articles=40, seed=11)
    listings = [site.render(site.listing_path("no", page)).body for page in (1, 2)]
    known = taught(*(body[: body.find(b"</head>")] for body in listings))
    (before,) = known.runs.values()
    articles = [head_of(site.render(site.article_url(a)).body) for a in site.article_ids("nb")]
    assert not all(run in articles[0] for run, _ in before)
    assert verdict(known, articles[0]) and whole(articles[0])
    (after,) = known.runs.values()
    assert sum(len(run) for run, _ in after) < sum(len(run) for run, _ in before)
    for head in articles[1:]:
        assert all(run in head for run, _ in after)
        assert sum(len(run) for run, _ in after) > 0.5 * len(head)
        assert verdict(known, head) and whole(head)
    assert list(known.shrinks.values()) == [_SHRINKS - 1]
    head = articles[1]
    links = [at for at in range(len(head)) if head.startswith(b"<link rel=", at)]
    assert len(links) > _SHRINKS + 2
    for at in links[: _SHRINKS + 2]:  # each changes a link the runs still hold
        odd = head[:at] + b"<link x" + head[at + 5 :]
        assert verdict(known, odd) and whole(odd)
    assert list(known.shrinks.values()) == [0]


class CountingLoop:
    """The item loop, counting the bytes it is given to match."""

    def __init__(self) -> None:
        self.read = 0

    def match(self, head: bytes, pos: int = 0, endpos: int | None = None) -> re.Match[bytes] | None:
        end = len(head) if endpos is None else endpos
        self.read += end - pos
        return _ITEMS.match(head, pos, end)


def test_the_loop_matches_little_more_than_a_page_s_own_bytes(
    head_pairs: list[tuple[bytes, bytes]],
) -> None:
    """Taught by two heads of a language, the loop is given less than half of a third's
    bytes (the rest are runs it holds), where a head read first is given whole."""
    site_module = pytest.importorskip("replica.site", reason="replica.site not available")
    site = site_module.Site(articles=40, seed=11)
    for (first, second), language in zip(head_pairs, ("nb", "nn", "en"), strict=False):
        loop = CountingLoop()
        known = KnownHeads(_ONE_ITEM, loop)  # type: ignore[arg-type]
        assert verdict(known, first) and loop.read > 0.9 * len(first)
        assert verdict(known, second)
        third = head_of(site.render(site.article_url(site.article_ids(language)[3])).body)
        loop.read = 0
        assert verdict(known, third) and loop.read < 0.5 * len(third)
