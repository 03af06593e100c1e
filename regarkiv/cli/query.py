"""The read-only commands: ``search``, ``show``, ``history``, ``diff`` and ``changes``.

Each is one call to a ``DataDir`` reading method, printed through ``output.emit``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archive.datadir import DataDir
from archive.index.printable import printable
from archive.index.search import LANGS, WITHIN, SearchResult
from regarkiv.cli import output
from regarkiv.cli.options import (
    CONTEXT,
    COUNT,
    DATE,
    color_option,
    data_dir_option,
    json_option,
)

if TYPE_CHECKING:
    from archive.index.changes import Change
    from archive.index.views import History

SEARCH_COLUMNS = (
    "id",
    "url",
    "title",
    "published",
    "type",
    "ministries",
    "lang",
    "score",
    "snippet",
    "kind",
)


@click.command(context_settings=CONTEXT)
@click.argument("query")
@click.option("--ministry", help="Any of the article's ministries contains this text.")
@click.option("--type", "type_", help="Type label, e.g. Pressemelding (any case).")
@click.option("--lang", help=f"Language: {', '.join(LANGS)}.")
@click.option("--from", "date_from", type=DATE, help="Published on or after this date.")
@click.option("--to", "date_to", type=DATE, help="Published on or before this date.")
@click.option("--limit", type=COUNT, default=20, show_default=True)
@click.option(
    "--in",
    "within",
    type=click.Choice(WITHIN),
    default="all",
    show_default=True,
    help="Search articles, attached documents (PDF, DOCX ...), or both.",
)
@json_option("Print a JSON list.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@color_option
@data_dir_option
def search(
    query: str,
    ministry: str | None,
    type_: str | None,
    lang: str | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
    within: str,
    as_json: bool,
    as_csv: bool,
    color: str,
    data_dir: Path,
) -> None:
    """Search the latest revision of every article and of every attached document.

    A document's hit names it (its link text and URL) and the articles that list it;
    filters apply to those articles.

    A word finds its inflected forms (regjering finds regjeringen); use "quotes" for a
    phrase, AND/OR/NOT, a trailing * for a prefix, title:word for one field; at most 32
    words or phrases, 8 levels of parentheses, 1,000 characters. Matches are marked
    **like this** in the snippet (bold on a terminal; see --color and NO_COLOR).

    Example: regarkiv search '"statsministeren sier" skatt' --ministry finans --from 2026-01-01
    """
    if as_json and as_csv:
        raise click.ClickException("--json and --csv cannot be used together: choose one")
    styled = output.styled(color)
    with DataDir(data_dir) as archive:
        results = archive.search(
            query,
            ministry=ministry,
            type=type_,
            lang=lang,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
            within=within,
        )
    output.emit(
        [result.as_dict() for result in results],
        as_json=as_json,
        as_csv=as_csv,
        columns=SEARCH_COLUMNS,
        text=lambda: _search_text(query, results, styled),
        color=styled,
    )


def _search_text(query: str, results: list[SearchResult], styled: bool) -> str:
    if not results:
        return output.lines(f"No articles match {query!r}.")
    text = ""
    for number, result in enumerate(results, 1):
        facts = [f"id{result.id}", result.published or "undated", result.type, result.lang]
        if result.document is not None:
            document = result.document
            listed = ", ".join(f"id{a['id']}" for a in result.articles) or "no article"
            facts = [
                f"{document['format']} attachment, version {document['version']}",
                f"text: {document['text']}",
                f"listed by {listed}",
            ]
        if result.status != "live":
            facts.append(result.status)
        snippet = printable(result.snippet)
        if styled:
            snippet = "".join(
                output.bold(printable(t)) if hit else printable(t) for t, hit in result.parts
            )
        text += output.lines(
            printable(f"{number}. {result.title}"),
            printable("   " + " · ".join(str(fact) for fact in facts if fact)),
            printable(f"   {result.url}"),
            f"   {snippet}",
            "",
        )
    return text


@click.command(context_settings=CONTEXT)
@click.argument("article")
@click.option("--revision", type=COUNT, help="Revision number (default: the latest).")
@json_option("Print a JSON object.")
@data_dir_option
def show(article: str, revision: int | None, as_json: bool, data_dir: Path) -> None:
    """Show an article (ARTICLE: 3169214, id3169214 or its URL) as archived.

    Example: regarkiv show id3169214 --revision 1
    """
    with DataDir(data_dir) as archive:
        shown = archive.article(article, revision).as_dict()
    output.emit(shown, as_json=as_json, text=lambda: _show_text(output.safe(shown)))


def _show_text(shown: dict[str, Any]) -> str:
    status = shown["status"] + (f" {shown['removed_at']}" if shown["removed_at"] else "")
    lines = [
        shown["title"],
        f"id{shown['id']} · revision {shown['revision']} of {shown['revisions']} · {status}",
        shown["url"],
        f"Published: {shown['published'] or '-'} · Type: {shown['type'] or '-'}"
        f" · Language: {shown['lang'] or '-'}",
        f"Ministries: {', '.join(shown['ministries']) or '-'}",
        f"Topics: {', '.join(shown['topics']) or '-'}",
        f"Captured: {shown['captured_at']} · WARC: {shown['warc_file']} @ {shown['warc_offset']}",
    ]
    lines += ["", text] if (text := shown["lead"]) else []
    lines += ["", text] if (text := shown["body"]) else []
    if shown["images"]:
        lines += ["", "Images:"] + [
            f"  - {image['caption']}" + (f" (Foto: {image['credit']})" if image["credit"] else "")
            for image in shown["images"]
        ]
    if shown["attachments"]:
        lines += ["", "Attachments:"] + [
            f"  - {item['title']}: {item['url']}" for item in shown["attachments"]
        ]
    return output.lines("\n".join(lines))


@click.command(context_settings=CONTEXT)
@click.argument("article")
@json_option("Print a JSON list.")
@data_dir_option
def history(article: str, as_json: bool, data_dir: Path) -> None:
    """List an article's revisions, oldest first.

    Example: regarkiv history https://www.regjeringen.no/no/aktuelt/x/id3169214/
    """
    with DataDir(data_dir) as archive:
        revisions = archive.history(article)
    output.emit(revisions.as_list(), as_json=as_json, text=lambda: _history_text(revisions))


def _history_text(revisions: History) -> str:
    state = revisions.article
    lines = []
    for entry in revisions.as_list():
        if entry["kind"] == "revision":
            line = f"{entry['revision']:>4}  {entry['captured_at']}  {entry['content_hash'][:12]}"
            lines.append(printable(f"{line}  {entry['title']}"))
        else:
            line = f"  v{entry['version']}  {entry['captured_at']}  {entry['sha256'][:12]}"
            facts = f"attachment, text: {entry['text']}"
            lines.append(printable(f"{line}  {entry['title']} ({facts}) {entry['url']}"))
    return output.lines(printable(f"id{state.id} · {state.status} · {state.url}"), *lines)


@click.command(context_settings=CONTEXT)
@click.argument("article")
@click.option("--from", "from_", type=COUNT, help="Older revision (default: the one before --to).")
@click.option("--to", type=COUNT, help="Newer revision (default: the latest).")
@click.option(
    "--attachment",
    metavar="URL-OR-FILE",
    help="Diff this attached document's text between versions (--from/--to are versions).",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(["text", "html", "json"]),
    default="text",
    show_default=True,
)
@color_option
@data_dir_option
def diff(
    article: str,
    from_: int | None,
    to: int | None,
    attachment: str | None,
    format_: str,
    color: str,
    data_dir: Path,
) -> None:
    """Word diff of an article's title, lead and body between two revisions, or of an
    attached document's text between two versions (ARTICLE is the document's URL, or
    --attachment names one the article lists).

    Text marks [-deleted-] and {+inserted+} words (colours on a terminal); html is one
    side-by-side page; json lists the changed spans per field.

    Example: regarkiv diff id3169214 --from 1 --to 3 --format html > diff.html
    """
    with DataDir(data_dir) as archive:
        result = archive.diff(article, from_, to, attachment)
    if format_ == "html":
        output.emit(text=result.to_html())
    else:
        styled = output.styled(color)
        output.emit(
            result.as_dict(),
            as_json=format_ == "json",
            text=lambda: result.to_text(color=styled),
            color=styled,
        )


@click.command(context_settings=CONTEXT)
@click.option("--since", type=DATE, default=None, help="From this date on (default: 7 days ago).")
@json_option("Print a JSON list.")
@click.option("--atom", "as_atom", is_flag=True, help="Print an Atom 1.0 feed.")
@data_dir_option
def changes(since: date | None, as_json: bool, as_atom: bool, data_dir: Path) -> None:
    """Articles revised or removed since a date, newest first.

    Example: regarkiv changes --since 2026-07-01 --atom > changes.xml
    """
    # Only this command compares revisions and writes Atom: a cold `search` skips both.
    from archive.index.changes import default_since, to_atom

    since = since or default_since()
    with DataDir(data_dir) as archive:
        found = archive.changes(since)
    output.emit(
        [change.as_dict() for change in found],
        as_json=as_json,
        text=lambda: to_atom(found) if as_atom else _changes_text(since, found),
    )


def _changes_text(since: date, found: list[Change]) -> str:
    if not found:
        return output.lines(f"No articles revised or removed since {since.isoformat()}.")
    return "".join(
        output.lines(
            printable(f"{change.when}  {change.kind:<7}  id{change.article_id}  {change.title}"),
            printable(f"    {change.summary}"),
            printable(f"    {change.attachment or change.url}"),
        )
        for change in found
    )


COMMANDS = (search, show, history, diff, changes)
