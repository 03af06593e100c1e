"""The read-only commands: ``search``, ``show``, ``history``, ``diff`` and ``changes``.

Each opens the index read-only and makes one library call. Library exceptions become a
one-line ``Error: ...`` and exit 1 here, never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from archive.index.changes import changes as find_changes
from archive.index.changes import to_atom
from archive.index.diff import diff as diff_revisions
from archive.index.schema import Revision
from archive.index.search import SearchQueryError, SearchResult
from archive.index.search import search as run_search
from archive.index.store import ArticleNotFound, Index, IndexNotFound, RevisionNotFound

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="REGARKIV_DATA",
    default="regarkiv-data",
    show_default=True,
    help="Archive directory; the index is DATA/index.db. Env: REGARKIV_DATA.",
)
CONTEXT = {"help_option_names": ["-h", "--help"]}


class _Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            # A ClickException, not fail(): a bad date is one line and exit 1.
            name = param.opts[0] if param else "date"
            raise click.ClickException(f"{name}: expected YYYY-MM-DD, got {value!r}") from None


class _Count(click.ParamType):
    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: Any) -> int:
        if isinstance(value, int) and value > 0:
            return value
        if isinstance(value, str) and value.isdigit() and int(value) > 0:
            return int(value)
        name = param.opts[0] if param else "number"
        raise click.ClickException(f"{name}: expected a whole number above 0, got {value!r}")


DATE, COUNT = _Date(), _Count()


@contextmanager
def _index(data_dir: Path) -> Iterator[Index]:
    try:
        with Index.open_readonly(data_dir / "index.db") as index:
            yield index
    except IndexNotFound as error:
        raise click.ClickException(f"{error} (run a crawl first, or set --data-dir)") from None
    except (ArticleNotFound, RevisionNotFound, SearchQueryError) as error:
        raise click.ClickException(str(error)) from None
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"cannot read {data_dir / 'index.db'}: {error}") from None


def _tty() -> bool:
    # Colours and bold only for a person at a terminal; piped output keeps plain markers.
    return sys.stdout.isatty()


def _echo_json(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _snippet(result: SearchResult, styled: bool) -> str:
    if not styled:
        return result.snippet
    return "".join(click.style(t, bold=True) if hit else t for t, hit in result.parts)


@click.command(context_settings=CONTEXT)
@click.argument("query")
@click.option("--ministry", help="Any of the article's ministries contains this text.")
@click.option("--type", "type_", help="Type label, e.g. Pressemelding (any case).")
@click.option("--lang", help="Language: nb, nn or en.")
@click.option("--from", "date_from", type=DATE, help="Published on or after this date.")
@click.option("--to", "date_to", type=DATE, help="Published on or before this date.")
@click.option("--limit", type=COUNT, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@data_dir_option
def search(
    query: str,
    ministry: str | None,
    type_: str | None,
    lang: str | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
    as_json: bool,
    as_csv: bool,
    data_dir: Path,
) -> None:
    """Search the latest revision of every article.

    A word finds its inflected forms (regjering finds regjeringen); use "quotes" for a
    phrase, AND/OR/NOT, a trailing * for a prefix, title:word for one field. Matches
    are marked **like this** in the snippet.

    Example: regarkiv search '"statsministeren sier" skatt' --ministry finans --from 2026-01-01
    """
    with _index(data_dir) as index:
        results = run_search(
            index,
            query,
            ministry=ministry,
            type=type_,
            lang=lang,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
        )
    if as_json:
        _echo_json([result.to_dict() for result in results])
    elif as_csv:
        buffer = io.StringIO()
        fields = ["id", "url", "title", "published", "type", "ministries", "lang", "score"]
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([*fields, "snippet"])
        for result in results:
            row = result.to_dict()
            row["ministries"] = "; ".join(result.ministries)
            writer.writerow([*(row[name] for name in fields), result.snippet])
        click.echo(buffer.getvalue(), nl=False)
    elif not results:
        click.echo(f"No articles match {query!r}.")
    else:
        styled = _tty()
        for number, result in enumerate(results, 1):
            facts = [f"id{result.id}", result.published or "undated", result.type, result.lang]
            if result.status != "live":
                facts.append(result.status)
            click.echo(f"{number}. {result.title}")
            click.echo("   " + " · ".join(str(fact) for fact in facts if fact))
            click.echo(f"   {result.url}")
            click.echo(f"   {_snippet(result, styled)}")
            click.echo()


def _revision_dict(index: Index, revision: Revision) -> dict[str, Any]:
    state = index.get_article(revision.article_id)
    return {
        "id": revision.article_id,
        "url": revision.url,
        "lang": revision.lang,
        "title": revision.title,
        "lead": revision.lead,
        "body": revision.body,
        "published": revision.published,
        "type": revision.type,
        "ministries": revision.ministries,
        "topics": revision.topics,
        "images": revision.images,
        "attachments": revision.attachments,
        "status": state.status,
        "removed_at": state.removed_at,
        "first_seen": state.first_seen,
        "last_seen": state.last_seen,
        "revision": revision.revision,
        "revisions": state.latest_revision,
        "captured_at": revision.captured_at,
        "content_hash": revision.content_hash,
        "warc_file": revision.warc_file,
        "warc_offset": revision.warc_offset,
    }


@click.command(context_settings=CONTEXT)
@click.argument("article")
@click.option("--revision", type=COUNT, help="Revision number (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@data_dir_option
def show(article: str, revision: int | None, as_json: bool, data_dir: Path) -> None:
    """Show an article (ARTICLE: 3169214, id3169214 or its URL) as archived.

    Example: regarkiv show id3169214 --revision 1
    """
    with _index(data_dir) as index:
        shown = _revision_dict(index, index.get_revision(index.resolve(article), revision))
    if as_json:
        _echo_json(shown)
        return
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
    click.echo("\n".join(lines))


@click.command(context_settings=CONTEXT)
@click.argument("article")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@data_dir_option
def history(article: str, as_json: bool, data_dir: Path) -> None:
    """List an article's revisions, oldest first.

    Example: regarkiv history https://www.regjeringen.no/no/aktuelt/x/id3169214/
    """
    with _index(data_dir) as index:
        article_id = index.resolve(article)
        revisions = index.history(article_id)
        state = index.get_article(article_id)
    if as_json:
        _echo_json(
            [
                {
                    "revision": r.revision,
                    "captured_at": r.captured_at,
                    "title": r.title,
                    "content_hash": r.content_hash,
                    "warc_file": r.warc_file,
                    "warc_offset": r.warc_offset,
                }
                for r in revisions
            ]
        )
        return
    click.echo(f"id{article_id} · {state.status} · {state.url}")
    for r in revisions:
        click.echo(f"{r.revision:>4}  {r.captured_at}  {r.content_hash[:12]}  {r.title}")


@click.command(context_settings=CONTEXT)
@click.argument("article")
@click.option("--from", "from_", type=COUNT, help="Older revision (default: the one before --to).")
@click.option("--to", type=COUNT, help="Newer revision (default: the latest).")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["text", "html", "json"]),
    default="text",
    show_default=True,
)
@data_dir_option
def diff(article: str, from_: int | None, to: int | None, format_: str, data_dir: Path) -> None:
    """Word diff of an article's title, lead and body between two revisions.

    Text marks [-deleted-] and {+inserted+} words (colours on a terminal); html is one
    side-by-side page; json lists the changed spans per field.

    Example: regarkiv diff id3169214 --from 1 --to 3 --format html > diff.html
    """
    with _index(data_dir) as index:
        article_id = index.resolve(article)
        newer = index.get_revision(article_id, to)
        if from_ is None and newer.revision == 1:
            only = index.get_article(article_id).latest_revision == 1
            raise click.ClickException(
                f"article id{article_id} has only one revision: nothing to compare"
                if only
                else "revision 1 is the first: give --from too"
            )
        older = index.get_revision(article_id, from_ if from_ is not None else newer.revision - 1)
    result = diff_revisions(older, newer)
    if format_ == "json":
        _echo_json(result.to_dict())
    elif format_ == "html":
        click.echo(result.to_html(), nl=False)
    else:
        click.echo(result.to_text(color=_tty()), nl=False)


@click.command(context_settings=CONTEXT)
@click.option("--since", type=DATE, help="From this date on (default: 7 days ago).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option("--atom", "as_atom", is_flag=True, help="Print an Atom 1.0 feed.")
@data_dir_option
def changes(since: date | None, as_json: bool, as_atom: bool, data_dir: Path) -> None:
    """Articles revised or removed since a date, newest first.

    Example: regarkiv changes --since 2026-07-01 --atom > changes.xml
    """
    start = since or (datetime.now(UTC) - timedelta(days=7)).date()
    with _index(data_dir) as index:
        found = find_changes(index, start)
    if as_json:
        _echo_json([change.to_dict() for change in found])
    elif as_atom:
        click.echo(to_atom(found), nl=False)
    elif not found:
        click.echo(f"No articles revised or removed since {start.isoformat()}.")
    else:
        for change in found:
            click.echo(f"{change.when}  {change.kind:<7}  id{change.article_id}  {change.title}")
            click.echo(f"    {change.summary}")
            click.echo(f"    {change.url}")


COMMANDS = (search, show, history, diff, changes)
__all__ = ["COMMANDS", "changes", "diff", "history", "search", "show"]
