"""A cut's scan resumed from a region scanned before (archive/extract/prefixes.py) finds
exactly what a scan of the whole region finds, and resumes past the menu on the site's pages."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytest.importorskip("hypothesis", reason="hypothesis (a dev extra) is not installed")

import random
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.extract.prefixes import KnownRegions, known_regions
from archive.extract.trim import find_cut

SITE = "https://www.regjeringen.no"
# What changes the tokenizing of what follows, what is read anywhere, and plain text.
SNIPPETS = [
    b"<div>", b"</div>", b"<!--", b"-->", b"<!-- x -->", b"<script>", b"</script>",
    b"<script><!--", b"<style>", b"<textarea>", b"<title>", b"<main>", b"</main>", b"<MAIN>",
    b"<plaintext>", b"<!", b"<?", b"</", b"<", b">", b'"', b"'", b'<a title="', b"<a title='",
    b'<meta name="DC.Subject" content="Annet">', b"<svg><title>Ikon</title></svg>", b"x",
    b'<script type="application/ld+json">{}</script>', b"\xff", b"\x0c", b"</a>", b"<a ",
]  # fmt: skip


def whole(body: bytes) -> object:
    """The cut as a scan of the whole region finds it (no region known)."""
    return find_cut(body, known=KnownRegions(kept=0))


def checkpoints(known: KnownRegions) -> list[int]:
    return [checkpoint.at for checkpoint in known.regions[0]] if known.regions else []


def body_end(body: bytes) -> int:
    cut = find_cut(body, known=KnownRegions(kept=0))
    assert cut is not None
    return cut.body_end


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(),
    page=st.integers(min_value=0, max_value=3),
    snippet=st.sampled_from(SNIPPETS),
    near_checkpoint=st.booleans(),
)
def test_a_resumed_scan_finds_what_a_whole_scan_finds(
    sample_pages: list[tuple[bytes, str]],
    data: st.DataObject,
    page: int,
    snippet: bytes,
    near_checkpoint: bool,
) -> None:
    """One change in the region before <main>, anywhere or within a few bytes of one of
    the checkpoints of the page it was taken from; each page then taught, the other read."""
    body, _ = sample_pages[page % len(sample_pages)]
    taught = KnownRegions()
    assert find_cut(body, known=taught) == whole(body)
    start = body_end(body)
    if near_checkpoint:
        at = start + data.draw(st.sampled_from(checkpoints(taught)))
        at += data.draw(st.integers(min_value=-8, max_value=8))
    else:
        at = data.draw(st.integers(min_value=start, max_value=body.find(b"</main>")))
    changed = body[:at] + snippet + body[at:]
    assert find_cut(changed, known=taught) == whole(changed)
    learnt = KnownRegions()
    find_cut(changed, known=learnt)
    assert find_cut(body, known=learnt) == whole(body)


def test_the_cut_is_the_same_whatever_the_case_of_the_page(
    sample_pages: list[tuple[bytes, str]],
) -> None:
    """HTML reads tag names ASCII case-insensitively, and so does the cut: a page with
    every ASCII letter's case swapped has the same cut, scanned whole or resumed from the
    page as it was (which it then shares no region with) or from itself."""
    for body, url in sample_pages:
        taught = KnownRegions()
        expected = find_cut(body, known=taught)
        assert expected is not None, url
        swapped = body.swapcase()
        assert whole(swapped) == expected, url
        assert find_cut(swapped, known=taught) == expected, url
        # And resumed from itself: the scan's look-back reads its upper-case tags.
        assert find_cut(swapped, known=taught) == expected, url


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(page=st.integers(min_value=0, max_value=3), seed=st.integers(), share=st.floats(0, 1))
def test_tag_names_in_any_case_give_the_same_cut(
    sample_pages: list[tuple[bytes, str]], page: int, seed: int, share: float
) -> None:
    """Some of the page's tag names upper-cased (the head's, <body>, <main>, the menu's):
    the cut of the page as it was, whether scanned whole or resumed."""
    body, _ = sample_pages[page % len(sample_pages)]
    taught = KnownRegions()
    expected = find_cut(body, known=taught)
    rng = random.Random(seed)
    changed = re.sub(
        rb"</?[a-z]+", lambda tag: tag[0].upper() if rng.random() < share else tag[0], body
    )
    assert whole(changed) == expected
    assert find_cut(changed, known=taught) == expected


def test_a_change_keeps_the_scan_before_it(sample_pages: list[tuple[bytes, str]]) -> None:
    """A page changed late in its region resumes at the checkpoint before the change; one
    changed before the first checkpoint is scanned whole (and kept)."""
    body, _ = sample_pages[0]
    known = KnownRegions()
    find_cut(body, known=known)
    start = body_end(body)
    marks = checkpoints(known)
    assert len(marks) > 10
    late = start + marks[-1] + 5
    changed = body[:late] + b"<!-- x -->" + body[late:]
    resume = known.resume(changed, start)
    assert resume is not None and resume.search_from == start + marks[-1]
    assert find_cut(changed, known=known) == whole(changed)
    early = body[: start + 3] + b"x" + body[start + 3 :]
    assert known.resume(early, start) is None
    assert find_cut(early, known=known) == whole(early)
    assert len(known.regions) == 2


def test_checkpoints_lie_after_a_gt_in_text_the_scan_searched(
    sample_pages: list[tuple[bytes, str]],
) -> None:
    """Each checkpoint follows a ">" (or is where the scan resumed), with no markup the
    scan stops at between the scan's position and it; the chunks add up to the region."""
    for body, url in sample_pages:
        known = KnownRegions()
        cut = find_cut(body, known=known)
        assert cut is not None, url
        lower = body.lower()
        start = cut.body_end
        assert (
            b"".join(c.chunk for c in known.regions[0])
            == body[start : start + checkpoints(known)[-1]]
        )
        for checkpoint in known.regions[0]:
            at, text_start = start + checkpoint.at, start + checkpoint.text_start
            assert at == text_start or lower[at - 1 : at] == b">"
            assert at <= cut.main_start
            searched = lower[text_start:at]
            for markup in (b"<!", b"<main", b"<script", b"<style", b"<title", b"</main"):
                assert markup not in searched, (url, at, markup)


def page(region: bytes) -> bytes:
    return (
        b'<!DOCTYPE html>\n<html lang="nb"><head><title>T</title></head>\n'
        b'<body class="page-nyhet">\n' + region + b'<main id="mainContent"><div class="article">'
        b"x</div></main>\n<footer></footer>\n</body></html>"
    )


@pytest.mark.parametrize(
    "filler",
    [
        b"<p>" + b"3 > 2, " * 1500 + b"</p>",  # checkpoints after a ">" in text
        b'<li><a href="/no/x/">Tema</a></li>\n' * 300,  # after end tags
        b'<li class="item"><img src="/i.png" alt="Bilde">\n' * 300,  # after start tags
        b'<LI><A HREF="/no/x/">Tema</A></LI>\n' * 300,  # and in upper case: lowered to read
    ],
)
def test_markup_just_after_a_checkpoint(filler: bytes) -> None:
    """Markup that starts where a checkpoint is: found as the whole scan finds it (where
    the ">" before it is text, the whole scan's look-back reaches the tag before it)."""
    body = page(filler)
    taught = KnownRegions()
    find_cut(body, known=taught)
    start = body_end(body)
    assert len(checkpoints(taught)) > 5
    for at in checkpoints(taught):
        for markup in (b"<!-- x -->", b"<script></script>", b"<?x>", b"<main>"):
            changed = body[: start + at] + markup + body[start + at :]
            assert find_cut(changed, known=taught) == whole(changed), (at, markup)


def test_quotes_before_a_checkpoint_count() -> None:
    """A quote left alone in text before a checkpoint (the cut is refused) is counted when a
    later page resumes there and closes it (the cut serves)."""
    filler = b'<li><a href="/no/x/">Tema</a></li>\n' * 300
    taught = KnownRegions()
    assert find_cut(page(b"<p>Kongens ' tale</p>" + filler), known=taught) is None
    changed = page(b"<p>Kongens ' tale</p>" + filler + b"<p>'</p>")
    assert known_regions is not None and taught.resume(changed, 0) is None
    cut = whole(changed)
    assert cut is not None and find_cut(changed, known=taught) == cut


def test_pages_of_a_language_resume_past_the_menu() -> None:
    """The replica's pages: one region learnt a language, each page resumed past most of its
    region (its menu; the breadcrumb and what follows are the page's own)."""
    site_module = pytest.importorskip("replica.site", reason="replica.site not available")
    site = site_module.Site(articles=60, seed=7)
    known = KnownRegions()
    shares = []
    for article in site.article_ids():
        url = site.article_url(article)
        body = site.render(url).body
        start = body_end(body)
        resume = known.resume(body, start)
        cut = find_cut(body, known=known)
        assert cut == whole(body), url
        if resume is not None:
            shares.append((resume.search_from - start) / (cut.main_start - start))
    assert len(known.regions) <= 3  # nb, nn, en
    assert len(shares) >= len(site.article_ids()) - 3
    assert min(shares) > 0.8


def test_real_pages_resume_past_the_menu(real_pages_dir: Path, read_real) -> None:
    first = read_real("hearing-id3167072.html")
    second = read_real("hearing-id3168423.html")
    known = KnownRegions()
    assert find_cut(first, known=known) == whole(first)
    start = body_end(second)
    resume = known.resume(second, start)
    cut = whole(second)
    assert resume is not None and cut is not None
    assert resume.search_from - start > 0.85 * (cut.main_start - start)
    assert find_cut(second, known=known) == cut


def test_each_thread_keeps_its_own_regions() -> None:
    mine = known_regions()
    assert known_regions() is mine
    theirs: list[KnownRegions] = []
    thread = threading.Thread(target=lambda: theirs.append(known_regions()))
    thread.start()
    thread.join()
    assert theirs and theirs[0] is not mine
