"""Attached documents from WARC files to the reading commands: the replica's documents
written as WARC records (a document before the article that lists it), rebuilt into an
index, then found by search, listed by history, reported by changes and diffed."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.datadir import DataDir
from archive.index.fts import stem_text, words
from archive.index.store import Index
from archive.ingest import apply, prepare, recount
from archive.ingest_counts import IngestStats
from archive.model import Capture, Exchange
from archive.reindex import rebuild
from regarkiv.cli import cli
from replica import documents
from replica.site import Site

BASE = "https://www.regjeringen.no"
T1 = datetime(2026, 11, 21, 8, tzinfo=UTC)
T2 = T1 + timedelta(days=7)


def served(site: Site, path: str, when: datetime, exchange: Callable[..., Exchange]) -> Exchange:
    """The replica's response to ``path`` as a WARC exchange."""
    response = site.render(path, BASE)
    headers = tuple(
        (name.encode(), value.encode())
        for name, value in response.headers
        if name in ("content-type", "etag", "last-modified")
    ) + ((b"Content-Length", str(len(response.body)).encode()),)
    return exchange(
        BASE + path, response.body, status_line=b"HTTP/1.1 200 OK", headers=headers, fetched_at=when
    )


def kind(href: str) -> str:
    return documents.kind_of(href.split("/")[-2])[0]


def silently_replaced(site: Site) -> tuple[int, str]:
    """An article unchanged from version 1 to 2 whose text PDF is replaced all the same."""
    site.set_version(2)
    edited, live = site.edited_ids(), set(site.article_ids())
    site.set_version(1)
    for article_id in site.ids_with("attachments"):
        if article_id in edited or article_id not in live:
            continue
        for link in site.attachment_links(article_id):
            if kind(link.href) == "pdf" and documents.silent(link.href):
                return article_id, link.href
    raise AssertionError("the replica has no silently replaced PDF")


def one_of_each(site: Site) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for article_id in site.ids_with("attachments"):
        for link in site.attachment_links(article_id):
            found.setdefault(kind(link.href), (article_id, link.href))
    return found


@pytest.fixture(scope="module")
def archive(
    tmp_path_factory: pytest.TempPathFactory,
    exchange: Callable[..., Exchange],
    make_writer: Callable[..., object],
) -> tuple[Path, dict[str, object]]:
    """Two WARC files of the replica (versions 1 and 2), the index rebuilt from them."""
    root = tmp_path_factory.mktemp("documents")
    site = Site(articles=400, seed=1)
    article_id, href = silently_replaced(site)
    each = one_of_each(site)
    assert set(each) == set(documents.KINDS)
    writer = make_writer(root / "warcs")
    for listed_by, path in [(article_id, href), *each.values()]:
        writer.write(served(site, path, T1, exchange))  # the document first
        writer.write(served(site, site.article_url(listed_by), T1, exchange))
    writer.close()
    site.set_version(2)
    later = make_writer(root / "warcs", clock=lambda: T2)
    later.write(served(site, href, T2, exchange))
    later.write(served(site, site.article_url(article_id), T2, exchange))
    later.close()
    rebuild(DataDir(root))
    article_text = " ".join(
        " ".join((a.title, a.lead, a.body))
        for a in (site.expected(i, BASE) for i in {article_id, *(i for i, _ in each.values())})
    )
    facts: dict[str, object] = {
        "article": article_id,
        "url": BASE + href,
        "each": {k: (i, BASE + h) for k, (i, h) in each.items()},
        "article_stems": set(stem_text(article_text, "nb").split()),
        "title": next(
            link.title for link in site.attachment_links(article_id) if link.href == href
        ),
    }
    return root, facts


def only_in(text: str, excluded: set[str]) -> str:
    """A word of ``text`` whose stem no article has."""
    return next(w for w in words(text) if len(w) > 7 and stem_text(w, "nb") not in excluded)


def test_a_word_only_in_an_attachment_is_found_and_the_hit_names_the_document(archive) -> None:
    root, facts = archive
    with DataDir(root) as data:
        row = data.index.conn.execute(
            "SELECT text FROM attachments WHERE url = ? ORDER BY version DESC", (facts["url"],)
        ).fetchone()
        word = only_in(row[0], facts["article_stems"])
        [hit] = [h for h in data.search(word, limit=50) if h.url == facts["url"]]
        assert hit.kind == "attachment" and hit.title == facts["title"]
        assert facts["article"] in [a["id"] for a in hit.articles]
        assert any(matched for _, matched in hit.parts)
        assert all(h.kind == "article" for h in data.search(word, within="articles", limit=50))
        assert data.search(word, within="attachments", limit=50)
        assert not data.search(word, within="attachments", ministry="zzzz")


def test_extraction_outcomes_of_every_kind_are_recorded(archive) -> None:
    root, facts = archive
    expected = {
        "pdf": "text",
        "docx": "text",
        "xlsx": "text",
        "pdf-wrong-type": "text",
        "pdf-scanned": "no-text-layer",
        "pdf-encrypted": "encrypted",
        "pdf-damaged": "damaged",
        "pdf-empty": "damaged",
        "docx-bomb": "too-large",
    }
    with DataDir(root) as data:
        for name, (_, url) in facts["each"].items():
            status, reason, content_type, text = data.index.conn.execute(
                "SELECT status, reason, content_type, text FROM attachments WHERE url = ?", (url,)
            ).fetchone()
            assert status == expected[name], (name, reason)
            assert (reason is None) == (status == "text"), name
            assert bool(text.strip()) == (status == "text"), name
        wrong = facts["each"]["pdf-wrong-type"][1]
        served_as = data.index.conn.execute(
            "SELECT content_type FROM attachments WHERE url = ?", (wrong,)
        ).fetchone()[0]
        assert served_as.startswith("text/html")
        assert (
            "zip bomb"
            in data.index.conn.execute(
                "SELECT reason FROM attachments WHERE url = ?", (facts["each"]["docx-bomb"][1],)
            ).fetchone()[0]
        )


def test_a_replaced_document_is_a_new_version_in_history_changes_and_diff(archive) -> None:
    root, facts = archive
    with DataDir(root) as data:
        history = data.history(facts["article"])
        assert len(history) == 1  # the article itself did not change
        versions = [e for e in history.as_list() if e["kind"] == "attachment"]
        mine = [v for v in versions if v["url"] == facts["url"]]
        assert [v["version"] for v in mine] == [1, 2]
        assert mine[0]["sha256"] != mine[1]["sha256"]
        [change] = [c for c in data.changes(date(2026, 11, 1)) if c.attachment == facts["url"]]
        assert change.kind == "attachment" and change.article_id == facts["article"]
        assert (change.from_revision, change.to_revision) == (1, 2)
        assert "replaced" in change.summary
        # Its versions (1 → 2) are no revisions of the article (which has one): the filters
        # take the ministries of the article's latest revision.
        ministry = data.article(facts["article"]).revision.ministries[0]
        filtered = data.changes(date(2026, 11, 1), ministry=ministry, kind="attachment")
        assert change in filtered and {c.kind for c in filtered} == {"attachment"}
        shown = data.diff(facts["url"])
        assert "Rettet versjon" in shown.to_text() or "Corrected version" in shown.to_text()
        file = facts["url"].rsplit("/", 1)[1]
        assert data.diff(facts["article"], attachment=file).as_dict() == shown.as_dict()


def test_the_commands_print_attachments(archive) -> None:
    root, facts = archive
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, [*args, "--data-dir", str(root)])
        assert result.exit_code == 0, result.output
        return result.output

    history = run("history", str(facts["article"]))
    assert f"v2  {T2:%Y-%m-%dT%H:%M:%SZ}" in history and facts["url"] in history
    assert facts["url"] in run("changes", "--since", "2026-11-01")
    assert "{+" in run("diff", facts["url"])
    listed = json.loads(run("history", str(facts["article"]), "--json"))
    assert {entry["kind"] for entry in listed} == {"revision", "attachment"}
    with DataDir(root) as data:
        text = data.index.conn.execute(
            "SELECT text FROM attachments WHERE url = ?", (facts["url"],)
        ).fetchone()[0]
    word = only_in(text, facts["article_stems"])
    found = json.loads(run("search", word, "--in", "attachments", "--json"))
    assert found and found[0]["kind"] == "attachment" and found[0]["document"]["format"] == "pdf"
    assert "pdf attachment" in run("search", word)
    header = run("search", word, "--csv").splitlines()[0]
    assert header.endswith(",kind")
    bad = runner.invoke(cli, ["diff", str(facts["article"]), "--attachment", "nope.pdf",
                              "--data-dir", str(root)])  # fmt: skip
    assert bad.exit_code == 1 and bad.output.startswith("Error: ") and "nope.pdf" in bad.output


def test_a_document_counts_once_applied_or_recounted_and_the_same_bytes_are_no_new_version(
    tmp_path: Path, make_capture: Callable[..., object]
) -> None:
    site = Site(articles=400, seed=1)
    _, href = one_of_each(site)["pdf-encrypted"]
    body = site.render(href, BASE).body
    first = replace_url(make_capture(1), BASE + href)
    again = replace_url(make_capture(2), BASE + href)
    stats = IngestStats()
    with Index(tmp_path / "index.db") as index:
        prepared = prepare(first, body, None)
        apply(index, prepared, "job1", stats)
        apply(index, prepare(again, body, None), "job1", stats)
        assert stats.as_dict()["attachment_versions"] == 1
        assert stats.as_dict()["attachment_texts"] == {"encrypted": 1}
        assert recount(index, prepared) == {
            "attachment_versions": 1,
            "attachment_text:encrypted": 1,
        }
        versions = index.conn.execute("SELECT count(*) FROM attachments").fetchone()[0]
        assert versions == 1


def replace_url(capture: object, url: str) -> Capture:
    assert isinstance(capture, Capture)
    return dataclasses.replace(capture, url=url, content_type="application/pdf")
