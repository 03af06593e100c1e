"""``--recrawl changed``: when a sitemap date moved, and when the dates are not believed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from archive.changed import Plan, Seen, judge, moved, plan, seen_articles, text_changed
from archive.index.store import Index
from archive.policy import Recrawl, RecrawlPolicy
from archive.sitemap import Lastmod
from tests.support.index import T0

replica_site = pytest.importorskip("replica.site")

REVISED = datetime(2026, 7, 3, 14, 0, 55, tzinfo=UTC)
SEEN = Seen(last_seen=T0, revised=REVISED, published=date(2026, 7, 3))


def at(when: datetime) -> Lastmod:
    return Lastmod(when, precise=True)


def day(when: date) -> Lastmod:
    return Lastmod(datetime(when.year, when.month, when.day, tzinfo=UTC), precise=False)


def test_a_precise_lastmod_is_compared_with_the_revised_date() -> None:
    assert not moved(at(REVISED), SEEN)
    assert moved(at(REVISED + timedelta(seconds=1)), SEEN)
    # Later than the capture is not enough when the page's own revised date says otherwise:
    # the replica's (and a mirror's) clocks need not agree with ours.
    assert not moved(at(REVISED - timedelta(days=1)), SEEN)
    undated_page = replace(SEEN, revised=None)
    assert moved(at(T0 + timedelta(minutes=1)), undated_page)
    assert not moved(at(T0), undated_page)


def test_a_lastmod_without_time_counts_as_moved_on_the_day_of_the_capture() -> None:
    assert not moved(day(REVISED.date()), SEEN)  # the day of the edit archived, seen later
    assert moved(day(REVISED.date() + timedelta(days=1)), SEEN)
    same_day = replace(SEEN, last_seen=REVISED + timedelta(hours=1))
    assert moved(day(REVISED.date()), same_day)  # an edit later that day cannot be ruled out


def seen(count: int) -> dict[int, Seen]:
    return {n: replace(SEEN, last_seen=T0 + timedelta(hours=n)) for n in range(count)}


def test_the_plan_sorts_dated_moved_absent_and_samples_the_least_recently_seen() -> None:
    archive = seen(100)
    lastmods = {n: at(REVISED) for n in range(95)} | {n: None for n in range(95, 98)}
    lastmods |= {3: at(REVISED + timedelta(days=2)), 500: at(REVISED)}  # 500 is new
    found = plan(lastmods, archive, sample=5)
    assert isinstance(found, Plan)
    assert found.dated == set(range(95)) and found.moved == {3}
    assert found.absent == [98, 99]  # the sitemap lists 98 of 100: it is complete
    assert found.sample_unmoved == [0, 1, 2, 4, 5] and found.sample_moved == []


def test_an_incomplete_sitemap_says_nothing_of_what_it_lacks() -> None:
    found = plan({n: at(REVISED) for n in range(50)}, seen(100))
    assert isinstance(found, Plan) and found.absent == []


def test_no_sitemap_articles_or_no_dates_fall_back() -> None:
    assert plan({}, seen(3)).used is Recrawl.RECENT  # type: ignore[union-attr]
    undated = plan({0: None, 1: None}, seen(3))
    assert undated.used is Recrawl.RECENT  # type: ignore[union-attr]
    assert "no lastmod" in undated.reason  # type: ignore[union-attr]
    first_crawl = plan({0: None, 1: at(REVISED)}, {})
    assert first_crawl.sample == []  # type: ignore[union-attr]


def test_verdicts_from_the_sample() -> None:
    archive = seen(40)
    honest = plan({n: at(REVISED) for n in range(40)}, archive, sample=4)
    assert judge(honest, dict.fromkeys(honest.sample, False), {}).trusted  # type: ignore[arg-type]
    hidden = judge(honest, {0: False, 1: True}, {})  # type: ignore[arg-type]
    assert not hidden.trusted and "id1 changed although" in hidden.reason
    assert hidden.used is Recrawl.RECENT and hidden.as_dict()["used"] == "recent"
    failed = judge(honest, {}, {})  # type: ignore[arg-type]
    assert not failed.trusted and "could be compared" in failed.reason
    today = plan({n: at(REVISED + timedelta(days=9)) for n in range(40)}, archive, sample=4)
    assert len(today.sample_moved) == 4 and today.sample_unmoved == []  # type: ignore[union-attr]
    lying = judge(today, {0: False, 1: False, 2: True, 3: False}, {})  # type: ignore[arg-type]
    assert not lying.trusted and "3 of 4 sampled are unchanged" in lying.reason
    busy = judge(today, {0: True, 1: True, 2: True, 3: False}, {})  # type: ignore[arg-type]
    assert busy.trusted  # a long gap since the last crawl: most did change


def test_changed_policy_fetches_new_moved_and_recent_undated() -> None:
    today = date(2026, 12, 6)
    archived = {1: date(2020, 1, 1), 2: date(2020, 1, 1), 3: today, 4: date(2020, 1, 1)}
    policy = RecrawlPolicy(
        Recrawl.CHANGED, 30, archived, done_in_job=(), dated={1, 2, 3}, moved={2}
    )
    assert policy.should_fetch(9, None, today)  # new
    assert not policy.should_fetch(1, None, today)  # dated, did not move
    assert policy.should_fetch(2, None, today)  # moved
    assert not policy.should_fetch(3, None, today)  # recent, but the sitemap dates it
    assert not policy.should_fetch(4, None, today)  # undated, old
    assert policy.should_fetch(4, today, today)  # undated, recent: as "recent" would
    fallen_back = replace(policy, mode=Recrawl.RECENT)
    assert fallen_back.should_fetch(3, None, today) and not fallen_back.should_fetch(2, None, today)


@pytest.mark.parametrize("mode", list(Recrawl))
def test_only_all_walks_every_listing_page(mode: Recrawl) -> None:
    policy = RecrawlPolicy(mode, 30, {}, done_in_job=())
    assert policy.stop_paging(20, 20) is (mode is not Recrawl.ALL)
    assert not policy.stop_paging(19, 20)
    assert not replace(policy, may_stop_early=False).stop_paging(20, 20)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    with Index(tmp_path / "index.db") as opened:
        yield opened


def test_text_changed_compares_a_page_with_its_archived_revision(index: Index, record) -> None:
    site = replica_site.Site(articles=60, seed=4)
    article = site.article_ids()[10]
    record(index, site.expected(article), 1)
    index.commit()
    url = site.base_url + site.article_url(article)
    assert text_changed(index, article, site.render(site.article_url(article)).body, url) is False
    site.set_version(3)
    edited = next(iter(site.edited_ids() & {m for m in site.article_ids()}))
    record(index, replace(site.expected(edited), body="an older text"), 2)
    index.commit()
    page = site.render(site.article_url(edited)).body
    assert text_changed(index, edited, page, site.base_url + site.article_url(edited)) is True
    assert text_changed(index, 42, page, url) is None  # not archived
    assert text_changed(index, article, b"<html><body>hi</body></html>", url) is None
    state = seen_articles(index)
    assert state[article].revised is not None and state[article].last_seen is not None
    assert state[article].live and state[article].published is not None
