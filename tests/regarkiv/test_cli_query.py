from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archive.datadir import DataDir
from archive.index.store import Index
from archive.model import Article, Attachment, Capture, Image
from archive.verify import verify
from regarkiv.cli import cli
from regarkiv.cli.query import COMMANDS

URL = "https://www.regjeringen.no/no/aktuelt/felling-av-ulv/id3169214/"
ARTICLE = Article(
    id=3169214,
    url=URL,
    lang="nb",
    title="Felling av ulv i Innlandet",
    lead="Departementet gir løyve til felling.",
    body="Regjeringen har bestemt at ulven kan felles.\n\nVedtaket gjelder i år.",
    published="2026-07-01",
    type="Pressemelding",
    ministries=["Klima- og miljødepartementet"],
    topics=["Natur"],
    images=[Image(caption="Ulv i snø", credit="NTB")],
    attachments=[Attachment(title="Vedtak", url="https://www.regjeringen.no/contentassets/v.pdf")],
)
OTHER = replace(
    ARTICLE,
    id=42,
    url="https://www.regjeringen.no/no/aktuelt/skatt/id42/",
    title="Lavere skatt for familier",
    lead="",
    body="Regjeringens forslag gir lavere skatter. <script>alert(1)</script>",
    ministries=["Finansdepartementet"],
    type="Nyhet",
    images=[],
    attachments=[],
    topics=[],
)


def seen(index: Index, article: Article, day: int) -> None:
    when = datetime(2026, 7, day, 12, tzinfo=UTC)
    capture = Capture(
        url=article.url,
        fetched_at=when,
        status=200,
        record_type="response",
        record_id=f"<urn:uuid:{article.id}-{day}>",
        warc_file="regarkiv-1.warc.gz",
        offset=100 * day,
        length=90,
        payload_digest=f"sha1:{day}",
    )
    index.record_article(article, index.add_capture(capture, "job1"), when)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    with Index(tmp_path / "index.db") as index:
        index.start_job("job1", {"base_url": "https://www.regjeringen.no"}, pid=None)
        seen(index, ARTICLE, 4)
        seen(index, OTHER, 4)
        seen(index, replace(ARTICLE, title="Lisensfelling av ulv i Innlandet"), 5)
        index.finish_job("job1", "finished", {"articles_fetched": 3}, ended_at=datetime(2026, 7, 5))
    return tmp_path


def run(data_dir: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--data-dir", str(data_dir)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_search_text(data_dir: Path) -> None:
    code, output = run(data_dir, "search", "regjering")
    assert code == 0
    assert output == (
        "1. Lavere skatt for familier\n"
        "   id42 · 2026-07-01 · Nyhet · nb\n"
        "   https://www.regjeringen.no/no/aktuelt/skatt/id42/\n"
        "   **Regjeringens** forslag gir lavere skatter. <script>alert(1)</script>\n"
        "\n"
        "2. Lisensfelling av ulv i Innlandet\n"
        "   id3169214 · 2026-07-01 · Pressemelding · nb\n"
        f"   {URL}\n"
        "   Departementet gir løyve til felling. **Regjeringen** har bestemt at ulven kan"
        " felles. Vedtaket gjelder i år.\n"
        "\n"
    )


def test_search_json_csv_and_filters(data_dir: Path) -> None:
    code, output = run(data_dir, "search", "skatt", "--json")
    assert code == 0
    [hit] = json.loads(output)
    assert {k: hit[k] for k in ("id", "url", "title", "published")} == {
        "id": 42,
        "url": OTHER.url,
        "title": "Lavere skatt for familier",
        "published": "2026-07-01",
    }
    assert (
        hit["snippet"] == "Regjeringens forslag gir lavere **skatter**. <script>alert(1)</script>"
    )
    assert "&lt;script&gt;" in hit["snippet_html"]
    code, output = run(data_dir, "search", "regjering", "--ministry", "klima", "--csv")
    assert (
        output.splitlines()[0] == "id,url,title,published,type,ministries,lang,score,snippet,kind"
    )
    assert [line.split(",")[0] for line in output.splitlines()[1:]] == ["3169214"]
    assert run(data_dir, "search", "ulv", "--from", "2026-07-02")[1] == (
        "No articles match 'ulv'.\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", '"ulv'], 'Error: unbalanced quote (") in search query\n'),
        (["search", "AND"], "Error: AND needs a word on each side\n"),
        (
            ["search", "ulv", "--from", "1. juli"],
            "Error: --from: expected YYYY-MM-DD, got '1. juli'\n",
        ),
        (
            ["search", "ulv", "--limit", "0"],
            "Error: --limit: expected a whole number above 0, got '0'\n",
        ),
        (["show", "id999"], "Error: no article id999 in the index\n"),
        (
            ["show", "https://www.regjeringen.no/no/om/"],
            "Error: no article 'https://www.regjeringen.no/no/om/' in the index\n",
        ),
        (["show", "42", "--revision", "7"], "Error: article id42 has no revision 7\n"),
        (["history", "nope"], "Error: no article 'nope' in the index\n"),
        (["diff", "42"], "Error: article id42 has only one revision: nothing to compare\n"),
        (
            ["changes", "--since", "yesterday"],
            "Error: --since: expected YYYY-MM-DD, got 'yesterday'\n",
        ),
    ],
)
def test_bad_input_is_one_line_exit_1(data_dir: Path, args: list[str], message: str) -> None:
    assert run(data_dir, *args) == (1, message)


def test_missing_index(tmp_path: Path) -> None:
    code, output = run(tmp_path / "nothing", "show", "1")
    assert code == 1
    assert output == (
        f"Error: no index at {tmp_path / 'nothing' / 'index.db'}"
        " (run a crawl first, or set --data-dir)\n"
    )


def test_show(data_dir: Path) -> None:
    code, output = run(data_dir, "show", "id3169214")
    assert code == 0
    assert output == (
        "Lisensfelling av ulv i Innlandet\n"
        "id3169214 · revision 2 of 2 · live\n"
        f"{URL}\n"
        "Published: 2026-07-01 · Type: Pressemelding · Language: nb\n"
        "Ministries: Klima- og miljødepartementet\n"
        "Topics: Natur\n"
        "Captured: 2026-07-05T12:00:00Z · WARC: regarkiv-1.warc.gz @ 500\n"
        "\n"
        "Departementet gir løyve til felling.\n"
        "\n"
        "Regjeringen har bestemt at ulven kan felles.\n"
        "\n"
        "Vedtaket gjelder i år.\n"
        "\n"
        "Images:\n"
        "  - Ulv i snø (Foto: NTB)\n"
        "\n"
        "Attachments:\n"
        "  - Vedtak: https://www.regjeringen.no/contentassets/v.pdf\n"
    )


def test_show_json(data_dir: Path) -> None:
    code, output = run(data_dir, "show", URL, "--revision", "1", "--json")
    assert code == 0
    shown = json.loads(output)
    assert shown["id"] == 3169214 and shown["revision"] == 1 and shown["revisions"] == 2
    assert shown["title"] == "Felling av ulv i Innlandet"
    assert shown["ministries"] == ["Klima- og miljødepartementet"]
    assert (shown["published"], shown["status"], shown["captured_at"]) == (
        "2026-07-01",
        "live",
        "2026-07-04T12:00:00Z",
    )
    assert (shown["warc_file"], shown["warc_offset"]) == ("regarkiv-1.warc.gz", 400)
    for key in ("url", "lang", "lead", "body", "type", "topics"):
        assert key in shown


def test_history(data_dir: Path) -> None:
    code, output = run(data_dir, "history", "3169214")
    lines = output.splitlines()
    assert code == 0 and len(lines) == 3
    assert lines[0] == f"id3169214 · live · {URL}"
    assert lines[1].startswith("   1  2026-07-04T12:00:00Z  ")
    assert lines[2].endswith("  Lisensfelling av ulv i Innlandet")
    listed = json.loads(run(data_dir, "history", "id3169214", "--json")[1])
    assert [(r["revision"], r["title"]) for r in listed] == [
        (1, "Felling av ulv i Innlandet"),
        (2, "Lisensfelling av ulv i Innlandet"),
    ]
    assert all(len(r["content_hash"]) == 64 for r in listed)


def test_diff_formats(data_dir: Path) -> None:
    code, output = run(data_dir, "diff", "id3169214")
    assert code == 0
    assert output == (
        "id3169214: revision 1 (2026-07-04T12:00:00Z) -> revision 2 (2026-07-05T12:00:00Z)\n"
        f"{URL}\n"
        "title changed, 1 word added, 1 removed\n"
        "\n"
        "--- title\n"
        "[-Felling-]{+Lisensfelling+} av ulv i Innlandet\n"
    )
    data = json.loads(run(data_dir, "diff", "id3169214", "--format", "json")[1])
    assert data["fields"]["title"]["changes"][0] == {"op": "delete", "text": "Felling", "word": 0}
    page = run(data_dir, "diff", "id3169214", "--from", "1", "--to", "2", "--format", "html")[1]
    assert page.startswith("<!DOCTYPE html>") and "<ins>Lisensfelling</ins>" in page


def test_changes(data_dir: Path) -> None:
    code, output = run(data_dir, "changes", "--since", "2026-07-05")
    assert code == 0
    assert output == (
        "2026-07-05T12:00:00Z  revised  id3169214  Lisensfelling av ulv i Innlandet\n"
        "    title changed, 1 word added, 1 removed\n"
        f"    {URL}\n"
    )
    assert (
        json.loads(run(data_dir, "changes", "--since", "2026-07-05", "--json")[1])[0]["to_revision"]
        == 2
    )
    feed = ET.fromstring(run(data_dir, "changes", "--since", "2026-07-01", "--atom")[1].encode())
    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == 1
    assert run(data_dir, "changes", "--since", "2026-07-06")[1] == (
        "No articles revised or removed since 2026-07-06.\n"
    )


def test_every_command_has_an_example() -> None:
    for command in COMMANDS:
        assert command.help and "Example:" in command.help.strip().splitlines()[-1], command.name


@pytest.mark.parametrize(
    ("args", "view"),
    [
        (
            ["search", "regjering", "--json"],
            lambda archive: [hit.as_dict() for hit in archive.search("regjering")],
        ),
        (
            ["search", "ulv", "--lang", "nb", "--limit", "1", "--json"],
            lambda archive: [hit.as_dict() for hit in archive.search("ulv", lang="nb", limit=1)],
        ),
        (["show", "id3169214", "--json"], lambda archive: archive.article(3169214).as_dict()),
        (
            ["show", URL, "--revision", "1", "--json"],
            lambda archive: archive.article(URL, 1).as_dict(),
        ),
        (["history", "42", "--json"], lambda archive: archive.history(42).as_list()),
        (
            ["diff", "id3169214", "--format", "json"],
            lambda archive: archive.diff(3169214).as_dict(),
        ),
        (
            ["changes", "--since", "2026-07-01", "--json"],
            lambda archive: [c.as_dict() for c in archive.changes(datetime(2026, 7, 1))],
        ),
        (["jobs", "--json"], lambda archive: [job.as_dict() for job in archive.jobs()]),
        (["jobs", "show", "job", "--json"], lambda archive: archive.job("job1").as_dict()),
        (["verify", "--json"], lambda archive: verify(archive).as_dict()),
    ],
)
def test_the_json_is_the_library_view(data_dir: Path, args: list[str], view: Any) -> None:
    code, output = run(data_dir, *args)
    assert code == (1 if args[0] == "verify" else 0)  # the captures' WARC files are not there
    with DataDir(data_dir) as archive:
        expected = view(archive)
    assert output == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"


def test_unreadable_index_and_missing_archive(tmp_path: Path) -> None:
    (tmp_path / "index.db").write_bytes(b"no database here " * 20)
    assert run(tmp_path, "history", "1") == (
        1,
        f"Error: cannot read {tmp_path / 'index.db'}: file is not a database"
        " (`regarkiv reindex` rebuilds it from the WARC files)\n",
    )
    assert run(tmp_path / "nothing", "jobs") == (
        1,
        f"Error: no index at {tmp_path / 'nothing' / 'index.db'}"
        " (run a crawl first, or set --data-dir)\n",
    )
