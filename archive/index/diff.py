"""Word-level diffs between two revisions of an article: text, HTML and JSON.

Words are compared without their surrounding whitespace (so re-flowed text is not a
change, as for the content hash), but each word keeps the whitespace before it, so the
rendered diff keeps the paragraphs of the newer text. The text and HTML renderings show
control characters of the article text as visible escapes (``archive.index.printable``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from archive.index.printable import printable
from archive.index.schema import Revision
from archive.index.store import Index

FIELDS = ("title", "lead", "body")
_TOKEN = re.compile(r"\s*\S+|\s+$")  # a word with the whitespace before it
_RED, _GREEN, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[0m"


class NothingToCompare(LookupError):
    """An article's revision has no older one to compare it with."""


@dataclass(frozen=True)
class Span:
    op: str  # "equal", "delete" or "insert"
    text: str  # the words with the whitespace before each, as in their revision
    word: int  # index of its first word: in the old text for deletes, the new otherwise

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class FieldDiff:
    field: str
    spans: tuple[Span, ...]

    @property
    def changed(self) -> bool:
        return any(span.op != "equal" for span in self.spans)

    @property
    def words_added(self) -> int:
        return sum(span.words for span in self.spans if span.op == "insert")

    @property
    def words_removed(self) -> int:
        return sum(span.words for span in self.spans if span.op == "delete")


@dataclass(frozen=True)
class Diff:
    old: Revision
    new: Revision
    fields: tuple[FieldDiff, ...]

    @property
    def words_added(self) -> int:
        return sum(f.words_added for f in self.fields)

    @property
    def words_removed(self) -> int:
        return sum(f.words_removed for f in self.fields)

    @property
    def summary(self) -> str:
        """One line, e.g. ``title changed, 12 words added, 3 removed``."""
        parts = [f"{f.field} changed" for f in self.fields if f.changed and f.field != "body"]
        if self.words_added or self.words_removed:
            parts.append(f"{_words(self.words_added)} added, {self.words_removed} removed")
        return ", ".join(parts) or "no text changes"

    def to_text(self, color: bool = False) -> str:
        """``[-deleted-]{+inserted+}`` markers, or red/green ANSI colours when ``color``;
        control characters of the article text are shown escaped (``printable``)."""
        lines = [
            f"id{self.new.article_id}: revision {self.old.revision} ({self.old.captured_at})"
            f" -> revision {self.new.revision} ({self.new.captured_at})",
            printable(self.new.url),
            self.summary,
        ]
        for field in self.fields:
            if not field.changed:
                continue
            lines += ["", f"--- {field.field}"]
            out = []
            previous = "equal"
            for span in field.spans:
                space, words = _split_space(printable(span.text))
                if span.op == "insert" and previous == "delete":
                    space = ""  # a replacement reads as one unit, as in git's word diff
                previous = span.op
                if span.op == "equal":
                    out.append(space + words)
                elif color:
                    out.append(space + (_RED if span.op == "delete" else _GREEN) + words + _RESET)
                elif span.op == "delete":
                    out.append(f"{space}[-{words}-]")
                else:
                    out.append(f"{space}{{+{words}+}}")
            lines.append("".join(out).strip("\n"))
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        """Changed spans per field: ``{"op": "delete"|"insert", "text", "word"}``."""
        return {
            "article_id": self.new.article_id,
            "url": self.new.url,
            "from": _revision_info(self.old),
            "to": _revision_info(self.new),
            "summary": self.summary,
            "words_added": self.words_added,
            "words_removed": self.words_removed,
            "fields": {
                field.field: {
                    "changed": field.changed,
                    "changes": [
                        {"op": span.op, "text": span.text.strip(), "word": span.word}
                        for span in field.spans
                        if span.op != "equal"
                    ],
                }
                for field in self.fields
            },
        }

    def to_html(self) -> str:
        """One self-contained side-by-side page; every piece of article text is escaped."""
        e = _html_escape
        rows = []
        for field in self.fields:
            old = "".join(_html_span(span, "delete", "del") for span in field.spans)
            new = "".join(_html_span(span, "insert", "ins") for span in field.spans)
            state = "changed" if field.changed else "unchanged"
            rows.append(
                f'<tr><th colspan="2">{e(field.field)} <small>({state})</small></th></tr>\n'
                f'<tr><td class="old">{old}</td><td class="new">{new}</td></tr>'
            )
        title = f"id{self.new.article_id}: revision {self.old.revision} → {self.new.revision}"
        return _PAGE.format(
            title=e(title),
            heading=e(self.new.title),
            url=e(self.new.url, quote=True),
            url_text=e(self.new.url),
            summary=e(self.summary),
            old=e(f"Revision {self.old.revision}, captured {self.old.captured_at}"),
            new=e(f"Revision {self.new.revision}, captured {self.new.captured_at}"),
            rows="\n".join(rows),
        )


def diff(rev_a: Revision, rev_b: Revision) -> Diff:
    """Word diff of the title, lead and body from ``rev_a`` (older) to ``rev_b``."""
    return Diff(
        old=rev_a,
        new=rev_b,
        fields=tuple(
            FieldDiff(name, _diff_text(getattr(rev_a, name), getattr(rev_b, name)))
            for name in FIELDS
        ),
    )


def diff_article(
    index: Index, article_id: int, older: int | None = None, newer: int | None = None
) -> Diff:
    """Diff two revisions of an article: ``newer`` defaults to the latest and ``older`` to
    the one before ``newer``. ``NothingToCompare`` when that leaves nothing older."""
    new = index.get_revision(article_id, newer)
    if older is None and new.revision == 1:
        if index.get_article(article_id).latest_revision == 1:
            raise NothingToCompare(
                f"article id{article_id} has only one revision: nothing to compare"
            )
        raise NothingToCompare("revision 1 is the first: give --from too")
    old = index.get_revision(article_id, older if older is not None else new.revision - 1)
    return diff(old, new)


def word_spans(old: str, new: str) -> tuple[Span, ...]:
    """The word diff of two texts, as ``Span``s (what each field's diff is made of)."""
    return _diff_text(old, new)


def _diff_text(old: str, new: str) -> tuple[Span, ...]:
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    # Imported here, not at the top: ~3 ms of start-up (python -X importtime) for every
    # command, since the CLI imports this module for its error; only a diff needs it.
    import difflib

    # autojunk off: on long texts it would treat frequent words ("og") as junk and
    # produce needlessly large changes.
    matcher = difflib.SequenceMatcher(
        None, [t.strip() for t in a], [t.strip() for t in b], autojunk=False
    )
    spans: list[Span] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            spans.append(Span("equal", "".join(b[j1:j2]), j1))
            continue
        if i2 > i1:
            spans.append(Span("delete", "".join(a[i1:i2]), i1))
        if j2 > j1:
            spans.append(Span("insert", "".join(b[j1:j2]), j1))
    return tuple(span for span in spans if span.text.strip() or span.op == "equal")


def _split_space(text: str) -> tuple[str, str]:
    words = text.lstrip()
    return text[: len(text) - len(words)], words


def _html_escape(text: str, quote: bool = True) -> str:
    """HTML-escaped, with control characters shown as escapes (``printable``): a page
    printed to a terminal must not drive it either."""
    return html.escape(printable(text), quote=quote)


def _html_span(span: Span, shown_op: str, tag: str) -> str:
    if span.op == "equal":
        return _html_escape(span.text)
    if span.op != shown_op:
        return ""
    space, words = _split_space(span.text)
    return f"{_html_escape(space)}<{tag}>{_html_escape(words)}</{tag}>"


def _revision_info(revision: Revision) -> dict[str, Any]:
    return {
        "revision": revision.revision,
        "captured_at": revision.captured_at,
        "content_hash": revision.content_hash,
    }


def _words(n: int) -> str:
    return f"{n} word{'s' if n != 1 else ''}"


_PAGE = """<!DOCTYPE html>
<html lang="no">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; }}
th {{ text-align: left; background: #eee; padding: .4em; }}
td {{ vertical-align: top; padding: .6em; white-space: pre-wrap; border: 1px solid #ddd; }}
del {{ background: #fdd; color: #900; }}
ins {{ background: #dfd; color: #060; text-decoration: none; }}
</style>
</head>
<body>
<h1>{heading}</h1>
<p><a href="{url}">{url_text}</a></p>
<p>{summary}</p>
<table>
<tr><th>{old}</th><th>{new}</th></tr>
{rows}
</table>
</body>
</html>
"""
