"""The crawl's ledger of requisites and attachments: what to fetch, and the counts."""

from __future__ import annotations

from archive.extract.requisites import Kind, Reference
from archive.figures import CrawlSummary, merge_figures
from archive.resources import OFF_SITE, ROBOTS, TOO_LARGE, ResourceLedger, render_figures

BASE = "http://127.0.0.1:8080"
CSS = Reference(f"{BASE}/dist-web/css/main.css?v=1", Kind.REQUISITE, "stylesheet")
PDF = Reference(f"{BASE}/contentassets/ab/x.pdf", Kind.ATTACHMENT, "document", "X")


def test_each_url_once_per_crawl_and_off_site_never() -> None:
    ledger = ResourceLedger(BASE, set())
    assert ledger.claim(CSS) and not ledger.claim(CSS)
    assert ledger.claim(PDF)
    off_site = Reference("https://cdn.example.net/f.woff2", Kind.REQUISITE, "css-url")
    other_port = Reference("http://127.0.0.1:9999/a.png", Kind.REQUISITE, "image")
    for _ in range(3):  # named by every page: counted once
        assert not ledger.claim(off_site) and not ledger.claim(other_port)
    assert ledger.figures(Kind.REQUISITE)["skipped"] == {OFF_SITE: 2}


def test_archived_urls_are_not_fetched_again_unless_refetching() -> None:
    archived = {CSS.url}
    ledger = ResourceLedger(BASE, archived)
    assert not ledger.claim(CSS) and not ledger.claim(CSS)
    assert ledger.figures(Kind.REQUISITE)["already_archived"] == 1
    # A new build is a new URL.
    assert ledger.claim(Reference(f"{BASE}/dist-web/css/main.css?v=2", Kind.REQUISITE, "s"))
    assert ResourceLedger(BASE, archived, refetch=True).claim(CSS)


def test_a_resumed_job_never_fetches_again_what_it_fetched_before() -> None:
    # Even under --recrawl all (refetch), and without counting it a second time.
    ledger = ResourceLedger(BASE, {CSS.url}, refetch=True)
    ledger.done_before({CSS.url})
    assert not ledger.claim(CSS)
    assert ledger.claim(PDF)
    assert ledger.figures(Kind.REQUISITE)["already_archived"] == 0


def test_only_the_kinds_asked_for() -> None:
    ledger = ResourceLedger(BASE, set(), kinds=[Kind.ATTACHMENT])
    assert not ledger.claim(CSS) and ledger.claim(PDF)
    assert ledger.figures(Kind.REQUISITE)["already_archived"] == 0


def test_outcomes_fetched_skipped_and_failed_by_reason() -> None:
    ledger = ResourceLedger(BASE, set())
    ledger.fetched(Kind.REQUISITE, 200)
    ledger.fetched(Kind.REQUISITE, 204)
    ledger.fetched(Kind.REQUISITE, 404)
    ledger.failed(Kind.REQUISITE, "timeout")
    ledger.failed(Kind.REQUISITE, ROBOTS)
    ledger.failed(Kind.ATTACHMENT, TOO_LARGE)
    assert ledger.figures(Kind.REQUISITE) == {
        "fetched": 2,
        "already_archived": 0,
        "skipped": {ROBOTS: 1},
        "failed": {"http-404": 1, "timeout": 1},
    }
    assert ledger.figures(Kind.ATTACHMENT)["skipped"] == {TOO_LARGE: 1}
    line = render_figures("requisites", ledger.figures(Kind.REQUISITE))
    assert line == (
        "  requisites       fetched 2, already archived 0, skipped 1 (robots-disallowed 1), "
        "failed 2 (http-404 1, timeout 1)"
    )


def test_a_resumed_job_adds_each_runs_counts_by_reason() -> None:
    def summary(requisites: dict) -> CrawlSummary:
        return CrawlSummary("j", "finished", 1, 1, {}, 0, [], 1.0, requisites=requisites)

    first = {"fetched": 3, "already_archived": 1, "skipped": {OFF_SITE: 1}, "failed": {}}
    second = {"fetched": 2, "already_archived": 4, "skipped": {OFF_SITE: 1, TOO_LARGE: 1}}
    merged = merge_figures(summary(first).as_dict(), summary(second))
    assert merged.requisites == {
        "fetched": 5,
        "already_archived": 5,
        "skipped": {OFF_SITE: 2, TOO_LARGE: 1},
        "failed": {},
    }
    assert "requisites       fetched 5" in merged.render()
    assert "attachments" not in merged.render()  # a crawl that fetched none of them
