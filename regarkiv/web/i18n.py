"""The interface's words in Norwegian (bokmål) and English, and which language a page uses:
``?hl=no|en`` when given, else the article's own language (article and diff pages), else the
browser's ``Accept-Language``, else Norwegian."""

from __future__ import annotations

import re

LANGUAGES = ("no", "en")
DEFAULT = "no"

WORDS: dict[str, dict[str, str]] = {
    "site": {"no": "Regjeringsarkivet", "en": "Government archive"},
    "tagline": {
        "no": "Arkiv over nyheter og pressemeldinger fra regjeringen.no",
        "en": "An archive of news and press releases from regjeringen.no",
    },
    "skip": {"no": "Gå til innholdet", "en": "Skip to content"},
    "nav": {"no": "Hovedmeny", "en": "Main menu"},
    "front": {"no": "Forside", "en": "Front page"},
    "search": {"no": "Søk", "en": "Search"},
    "changes": {"no": "Endringer", "en": "Changes"},
    "data": {"no": "Data (tabeller, SQL, JSON, CSV)", "en": "Data (tables, SQL, JSON, CSV)"},
    "search_label": {"no": "Søk i arkivet", "en": "Search the archive"},
    "search_help": {
        "no": 'Bøyningsformer finnes også; bruk "anførselstegn" for fraser.',
        "en": 'Inflected forms are found too; use "quotes" for phrases.',
    },
    "latest": {"no": "Siste hendelser", "en": "Latest events"},
    "per_day": {"no": "Per dag", "en": "Per day"},
    "day": {"no": "Dag", "en": "Day"},
    "new": {"no": "Nye", "en": "New"},
    "edited": {"no": "Endret", "en": "Edited"},
    "removed": {"no": "Fjernet", "en": "Removed"},
    "revised": {"no": "Endret", "en": "Edited"},
    "attachment": {"no": "Dokument erstattet", "en": "Document replaced"},
    "nothing": {"no": "Ingenting ennå.", "en": "Nothing yet."},
    "results": {"no": "treff", "en": "results"},
    "results_for": {"no": "Treff for", "en": "Results for"},
    "no_results": {"no": "Ingen treff.", "en": "No results."},
    "filters": {"no": "Avgrens", "en": "Filter"},
    "ministry": {"no": "Departement", "en": "Ministry"},
    "type": {"no": "Type", "en": "Type"},
    "language": {"no": "Språk", "en": "Language"},
    "year": {"no": "År", "en": "Year"},
    "from": {"no": "Fra dato", "en": "From date"},
    "to": {"no": "Til dato", "en": "To date"},
    "any": {"no": "Alle", "en": "Any"},
    "apply": {"no": "Bruk", "en": "Apply"},
    "clear": {"no": "Fjern filtre", "en": "Clear filters"},
    "previous": {"no": "Forrige side", "en": "Previous page"},
    "next": {"no": "Neste side", "en": "Next page"},
    "page": {"no": "Side", "en": "Page"},
    "capped": {
        "no": "Tellingene gjelder de nyeste {n} treffene.",
        "en": "The counts cover the newest {n} results.",
    },
    "bad_query": {"no": "Søket kan ikke brukes", "en": "The search cannot be run"},
    "bad_query_help": {
        "no": 'Sjekk at "anførselstegn" og (parenteser) er lukket, og at AND, OR og NOT står'
        " mellom to ord.",
        "en": 'Check that "quotes" and (parentheses) are closed, and that AND, OR and NOT stand'
        " between two words.",
    },
    "published": {"no": "Publisert", "en": "Published"},
    "status": {"no": "Status", "en": "Status"},
    "live": {"no": "Publisert på nettstedet", "en": "On the site"},
    "removed_at": {"no": "Fjernet fra nettstedet", "en": "Removed from the site"},
    "url": {"no": "Adresse", "en": "Address"},
    "first_seen": {"no": "Først sett", "en": "First seen"},
    "last_seen": {"no": "Sist sett", "en": "Last seen"},
    "topics": {"no": "Emner", "en": "Topics"},
    "metadata": {"no": "Opplysninger", "en": "Details"},
    "revision": {"no": "Versjon", "en": "Revision"},
    "revisions": {"no": "Versjoner", "en": "Revisions"},
    "showing_revision": {"no": "Viser versjon {n} av {m}", "en": "Showing revision {n} of {m}"},
    "captured": {"no": "Arkivert", "en": "Captured"},
    "timeline": {"no": "Tidslinje", "en": "Timeline"},
    "captures": {"no": "Arkiveringer", "en": "Captures"},
    "archived_copy": {"no": "Arkivert kopi", "en": "Archived copy"},
    "last_copy": {"no": "Siste arkiverte kopi", "en": "Last archived copy"},
    "revisit": {"no": "uendret (revisit)", "en": "unchanged (revisit)"},
    "compare": {"no": "Sammenlign versjoner", "en": "Compare revisions"},
    "older": {"no": "Eldre versjon", "en": "Older revision"},
    "newer": {"no": "Nyere versjon", "en": "Newer revision"},
    "show_diff": {"no": "Vis forskjeller", "en": "Show differences"},
    "diff_with_previous": {"no": "endringer fra forrige", "en": "changes from the previous"},
    "images": {"no": "Bilder", "en": "Images"},
    "not_archived": {"no": "ikke arkivert", "en": "not archived"},
    "attachments": {"no": "Vedlegg", "en": "Attachments"},
    "diff": {"no": "Forskjeller", "en": "Differences"},
    "side_by_side": {"no": "Side ved side", "en": "Side by side"},
    "inline": {"no": "I teksten", "en": "Inline"},
    "permalink": {"no": "Fast lenke til denne sammenligningen", "en": "Permalink to this diff"},
    "unchanged": {"no": "{n} uendrede avsnitt", "en": "{n} unchanged paragraphs"},
    "no_text_changes": {"no": "Ingen endringer i teksten.", "en": "No text changes."},
    "title": {"no": "Tittel", "en": "Title"},
    "lead": {"no": "Ingress", "en": "Lead"},
    "body": {"no": "Brødtekst", "en": "Body"},
    "added": {"no": "lagt til", "en": "added"},
    "field_changed": {"no": "{field} endret", "en": "{field} changed"},
    "words_changed": {
        "no": "{added} ord lagt til, {removed} fjernet",
        "en": "{added} words added, {removed} removed",
    },
    "deleted": {"no": "fjernet", "en": "removed"},
    "feed": {"no": "Atom-strøm for disse endringene", "en": "Atom feed of these changes"},
    "kind": {"no": "Hva", "en": "What"},
    "since": {"no": "Siden", "en": "Since"},
    "until": {"no": "Til og med", "en": "Until"},
    "not_found": {"no": "Finnes ikke", "en": "Not found"},
    "too_slow": {"no": "Det tok for lang tid", "en": "That took too long"},
    "in_other_language": {"no": "In English", "en": "På norsk"},
    "live_link": {"no": "på regjeringen.no", "en": "on regjeringen.no"},
    "search_in": {"no": "Søk i", "en": "Search in"},
    "in_all": {"no": "Alt", "en": "Everything"},
    "in_articles": {"no": "Artikler", "en": "Articles"},
    "in_documents": {"no": "Vedlagte dokumenter", "en": "Attached documents"},
    "split": {"no": "{a} artikler, {d} dokumenter", "en": "{a} articles, {d} documents"},
    "document": {"no": "Dokument", "en": "Document"},
    "version": {"no": "Versjon", "en": "Version"},
    "listed_in": {"no": "Vedlegg til", "en": "Attached to"},
    "and_more": {"no": "og {n} til", "en": "and {n} more"},
    "doc_text": {"no": "Tekst", "en": "Text"},
    "doc_text_text": {"no": "hentet ut", "en": "extracted"},
    "doc_text_no-text-layer": {"no": "uten tekstlag", "en": "no text layer"},
    "doc_text_encrypted": {"no": "kryptert", "en": "encrypted"},
    "doc_text_damaged": {"no": "skadet fil", "en": "damaged file"},
    "doc_text_too-large": {"no": "for stor", "en": "too large"},
    "doc_text_unsupported": {"no": "format ikke støttet", "en": "unsupported format"},
}


def word(key: str, lang: str) -> str:
    """The word for ``key``; a key without words (a kind of change added later) shows as
    itself rather than failing the page."""
    words = WORDS.get(key)
    return words[lang if lang in LANGUAGES else DEFAULT] if words else key


def diff_summary(changed: list[str], added: int, removed: int, lang: str) -> str:
    """A diff's one line in the page's language (``Diff.summary`` is the CLI's, in English):
    the fields besides the body that changed (``changed``: title, lead), then the words."""
    parts = [word("field_changed", lang).format(field=word(f, lang).lower()) for f in changed]
    if added or removed:
        parts.append(word("words_changed", lang).format(added=added, removed=removed))
    return ", ".join(parts) or word("no_text_changes", lang).rstrip(".").lower()


# A change's summary as the library writes it (archive.index.changes, in English), and the
# same in Norwegian: its parts are few and fixed, and a document's file name is kept as is.
_REPLACED = re.compile(r"attachment (.+) replaced \(version (\d+) -> (\d+), ([^()]*)\): (.*)")
_REMOVED = re.compile(r"removed( \(HTTP \d+\))?(?:; before that: (.*))?")
_DIFF_NO = [
    (re.compile(r"\btitle changed\b"), "tittel endret"),
    (re.compile(r"\blead changed\b"), "ingress endret"),
    (re.compile(r"\b(\d+) words? added\b"), r"\1 ord lagt til"),
    (re.compile(r"\b(\d+) removed\b"), r"\1 fjernet"),
    (re.compile(r"^no text changes$"), "ingen endringer i teksten"),
    (re.compile(r"^new bytes$"), "nye bytes, samme tekst"),
]


def change_summary(summary: str, lang: str) -> str:
    """A ``Change.summary`` in the page's language (unknown wording stays as it is)."""
    if lang != "no":
        return summary
    replaced = _REPLACED.fullmatch(summary)
    if replaced:
        name, older, newer, how, what = replaced.groups()
        return f"vedlegg {name} erstattet (versjon {older} -> {newer}, {how}): {_diff_no(what)}"
    removed = _REMOVED.fullmatch(summary)
    if removed:
        before = f"; før det: {_diff_no(removed[2])}" if removed[2] else ""
        return f"fjernet{removed[1] or ''}{before}"
    return _diff_no(summary)


def _diff_no(text: str) -> str:
    for pattern, words in _DIFF_NO:
        text = pattern.sub(words, text)
    return text


def of_article(article_lang: str | None) -> str | None:
    """The interface language for an article's language (nb, nn, se → no; en → en)."""
    if not article_lang:
        return None
    return "en" if article_lang.lower().startswith("en") else "no"


def choose(asked: str | None, accept_language: str | None, article_lang: str | None = None) -> str:
    """The page's language: the one asked for, the article's, the browser's, the default."""
    if asked in LANGUAGES:
        return asked
    found = of_article(article_lang)
    if found:
        return found
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        lang = "no" if primary in ("no", "nb", "nn") else primary
        if lang in LANGUAGES and quality > 0:
            ranked.append((-quality, position, lang))
    return min(ranked)[2] if ranked else DEFAULT
