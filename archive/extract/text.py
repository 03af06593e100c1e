"""Turn a container element into the blocks of the Article text contract.

One walk over the container's subtree does everything: prunes chrome subtrees, splits
text into blocks (``p``, headings, list items, table rows, anonymous text runs), and sets
figures and attachment-only items aside, with the headings of sections that held nothing
else. See ``archive.model.Article`` for the contract.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import replace

from archive.extract import selectors as s
from archive.extract.plain_urls import join, path_and_query
from archive.extract.selectors import Element
from archive.model import Attachment, Image

BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "center", "dd", "details",
        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "legend", "li", "main",
        "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "ul",
    }
)  # fmt: skip
TEXT_BLOCK_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dt", "dd", "address", "summary", "legend"}
)
LIST_TAGS = frozenset({"ul", "ol", "menu"})
# Inside a list item these become blocks of their own, after the item's text.
DEFERRED_TAGS = LIST_TAGS | {"table"}
ROW_GROUP_TAGS = frozenset({"thead", "tbody", "tfoot"})
HEADING_LEVELS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# A factbox's pre-title sits above its title (an h2), so it ranks above it.
PRE_TITLE_LEVEL = 1

# What a <br> leaves in the collected text until its block is normalised: libxml2 keeps
# text in NUL-terminated strings, so no parsed text holds one.
LINE_BREAK = "\x00"

_CREDIT = re.compile(s.CREDIT_PATTERN)
_CREDIT_PREFIX = re.compile(r"^\(?\s*" + s.CREDIT_PATTERN.removeprefix(r"\(?\s*"))
_PARENTHETICAL = re.compile(r"\([^()]*\)")


def normalize(text: str) -> str:
    """Collapse every whitespace run (nbsp included) to one space and strip.

    Most texts are normal already: no whitespace at either end, no run of two, and none
    but the space, which ``isprintable`` tells (every other character ``str.split`` splits
    at is a separator or control: tests/extract/test_text.py). Those are returned as they
    are, without the words' split and join (~40% of the time).
    """
    if "  " not in text and text.isprintable() and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def normalize_lines(text: str) -> str:
    """``normalize`` each line (lines end at a ``LINE_BREAK``); join the non-empty ones."""
    if LINE_BREAK not in text:  # most blocks
        return normalize(text)
    lines = (" ".join(line.split()) for line in text.split(LINE_BREAK))
    return "\n".join(line for line in lines if line)


def text_of(el: Element) -> str:
    """The normalised text of one element, chrome pruned (titles, labels, links)."""
    return BlockCollector("").text(el)


def classes(el: Element) -> list[str]:
    value = el.get("class")
    return value.split() if value else []


def is_attachment_href(href: str) -> bool:
    path = path_and_query(href)[0].lower()
    return s.ATTACHMENT_PATH in path or path.endswith(s.ATTACHMENT_EXTENSIONS)


class BlockCollector:
    """Collects blocks, images and attachments from the containers it is given."""

    def __init__(
        self,
        base_url: str,
        prune_tags: Collection[str] = s.PRUNE_TAGS,
        skip: Iterable[Element] = (),
    ) -> None:
        self.base_url = base_url
        self.prune_tags = prune_tags
        self.skip = set(skip)
        self.blocks: list[str] = []
        self.images: list[Image] = []
        self.attachments: list[Attachment] = []

    def pruned(self, el: Element) -> bool:
        return self._pruned(el, el.tag, el.get("class"))

    def _pruned(self, el: Element, tag: object, cls: str | None) -> bool:
        """``pruned``, given the element's tag and class (the walk reads each once)."""
        if tag in self.prune_tags or (self.skip and el in self.skip):
            return True
        if cls and not s.PRUNE_CLASSES.isdisjoint(cls.split()):
            return True
        el_id = el.get("id")
        return el_id is not None and el_id in s.PRUNE_IDS

    def text(self, el: Element) -> str:
        """``el``'s text as one line, a ``<br>`` a space (a title, a caption, a link)."""
        parts: list[str] = []
        self._inline(el, parts, None)
        return normalize("".join(parts).replace(LINE_BREAK, " "))

    def lines(self, el: Element) -> str:
        """``el``'s text, a line per ``<br>``-separated line (a table cell)."""
        parts: list[str] = []
        self._inline(el, parts, None)
        return normalize_lines("".join(parts))

    def container(self, el: Element) -> None:
        """Blocks of a div-like element; loose text between its blocks forms blocks too.

        The headings among its children open sections, closed by the next heading of
        their level or above, or by the end of ``el`` (``_close``).
        """
        parts: list[str] = [el.text or ""]
        run: list[Element] = []
        sections: list[tuple[int, int, int]] = []  # (level, block, first attachment)
        factbox = s.FACTBOX_CLASS in classes(el)
        for child in el:
            tag = child.tag
            if isinstance(tag, str) and not self._pruned(child, tag, cls := child.get("class")):
                if tag in BLOCK_TAGS or (cls and _is_image_class(cls)):
                    self._flush(parts, run)
                    parts, run = [], []
                    level = HEADING_LEVELS.get(tag, 0)
                    if factbox and not level and cls and s.FACTBOX_PRE_TITLE_CLASS in cls.split():
                        level = PRE_TITLE_LEVEL
                    if level:
                        self._close(sections, level)
                        before = len(self.blocks)
                        self._block(child, tag, cls)
                        if len(self.blocks) > before:
                            sections.append((level, before, len(self.attachments)))
                    else:
                        self._block(child, tag, cls)
                else:
                    self._inline(child, parts, None)
                    run.append(child)
            if tail := child.tail:  # each access decodes a new string
                parts.append(tail)
        self._flush(parts, run)
        if sections:
            self._close(sections, 0)

    def _close(self, sections: list[tuple[int, int, int]], level: int) -> None:
        """End the open sections of ``level`` and below, innermost first.

        A section's attachments take its heading, unless an inner section's heading is
        theirs already. A heading with nothing after it but attachments leaves the body
        and goes on top of their headings: those of inner sections, which left the body
        too (one that stayed would come after it).
        """
        while sections and sections[-1][0] >= level:
            _, block, first = sections.pop()
            if first == len(self.attachments):
                continue
            heading = normalize(self.blocks[block])  # one line, as titles are
            dropped = block == len(self.blocks) - 1
            if dropped:
                del self.blocks[block]
            for i in range(first, len(self.attachments)):
                under = self.attachments[i].heading
                if under is None or dropped:
                    under = heading if under is None else f"{heading}\n{under}"
                    self.attachments[i] = replace(self.attachments[i], heading=under)

    def block(self, el: Element) -> None:
        self._block(el, el.tag, el.get("class"))

    def _block(self, el: Element, tag: object, cls: str | None) -> None:
        if tag in TEXT_BLOCK_TAGS or (cls and s.FACTBOX_TITLE_CLASS in cls.split()):
            self._text_block(el, "")
        elif tag in LIST_TAGS:
            self._list(el)
        elif tag == "li":
            self._text_block(el, "- ")
        elif tag == "table":
            self._table(el)
        elif tag == "figure" or (cls and _is_image_class(cls)):
            self._figure(el)
        elif tag not in ("hr", "br", "img"):
            self.container(el)

    def _flush(self, parts: list[str], run: list[Element]) -> None:
        joined = "".join(parts)
        if not joined or joined.isspace():  # the indentation between blocks
            return
        text = normalize_lines(joined)
        links = [a for e in run if isinstance(e.tag, str) for a in e.iter("a")]
        if text and not self._attachment(links, text):
            self.blocks.append(text)

    def _text_block(self, el: Element, prefix: str) -> bool:
        """Append el's text as one block; False if it was empty or an attachment."""
        if not len(el):  # most paragraphs: no markup inside
            text = normalize(el.text or "")
            if text:
                self.blocks.append(prefix + text)
            return bool(text)
        parts: list[str] = [] if (head := el.text) is None else [head]
        deferred: list[Element] = []
        for child in el:
            self._inline_child(child, parts, deferred)
        text = normalize_lines("".join(parts))
        # The links of el's children's subtrees are el's descendant links.
        emitted = bool(text) and not self._attachment(list(el.iterdescendants("a")), text)
        if emitted:
            self.blocks.append(prefix + text)
        for child in deferred:
            self.block(child)
        return emitted

    def _inline(self, el: Element, parts: list[str], deferred: list[Element] | None) -> None:
        tag = el.tag
        if tag == "br":
            parts.append(LINE_BREAK)
            return
        # Block children of an inline context still separate words, as when rendered.
        boundary = tag in BLOCK_TAGS
        if boundary:
            parts.append(" ")
        if text := el.text:
            parts.append(text)
        for child in el:
            self._inline_child(child, parts, deferred)
        if boundary:
            parts.append(" ")

    def _inline_child(
        self, child: Element, parts: list[str], deferred: list[Element] | None
    ) -> None:
        tag = child.tag
        if isinstance(tag, str) and not self._pruned(child, tag, cls := child.get("class")):
            if deferred is not None and tag in DEFERRED_TAGS:
                deferred.append(child)
            elif tag == "figure" or (cls and _is_image_class(cls)):
                self._figure(child)
            elif tag != "img":
                self._inline(child, parts, deferred)
        if tail := child.tail:
            parts.append(tail)

    def _list(self, el: Element) -> None:
        ordered = el.tag == "ol"
        start = el.get("start", "1")
        number = int(start) if start.isdigit() else 1
        for child in el:
            if not isinstance(child.tag, str) or self.pruned(child):
                continue
            if child.tag == "li":
                # Attachment-only items leave the list, so the numbering skips them.
                if self._text_block(child, f"{number}. " if ordered else "- "):
                    number += 1
            else:
                self.block(child)

    def _table(self, el: Element) -> None:
        for child in el:
            if not isinstance(child.tag, str) or self.pruned(child):
                continue
            if child.tag == "caption":
                self._text_block(child, "")
            elif child.tag == "tr":
                self._row(child)
            elif child.tag in ROW_GROUP_TAGS:
                for row in child:
                    if row.tag == "tr" and not self.pruned(row):
                        self._row(row)

    def _row(self, tr: Element) -> None:
        cells = [
            self.lines(cell) for cell in tr if cell.tag in ("td", "th") and not self.pruned(cell)
        ]
        if any(cells):
            self.blocks.append(" | ".join(cells))

    def _is_image(self, el: Element) -> bool:
        cls = el.get("class")
        return _is_image_class(cls) if cls else False

    def _figure(self, el: Element) -> None:
        img = next(el.iter("img"), None)
        if img is None:
            # A figure wrapping a table or a quote is content, not an image.
            self.container(el)
            return
        caption_el, credit_el = _caption_and_credit(el)
        credit: str | None = None
        if credit_el is not None:
            credit = _strip_credit_prefix(self.text(credit_el)) or None
            self.skip.add(credit_el)
        caption = self.text(caption_el)
        if credit_el is not None:
            self.skip.discard(credit_el)
        if credit is None:
            caption, credit = split_credit(caption)
        src = img.get("src") or img.get("data-src")
        self.images.append(
            Image(
                caption=caption,
                credit=credit,
                src=join(self.base_url, src) if src else None,
                alt=img.get("alt"),
            )
        )

    def _attachment(self, links: list[Element], text: str) -> bool:
        """Record ``text`` as an attachment if it is one file link (+ "(pdf)"-like note)."""
        if len(links) != 1:
            return False
        link = links[0]
        href = link.get("href")
        if not href or not is_attachment_href(href):
            return False
        title = self.text(link)
        if "\n" in text:
            text = normalize(text)  # one line, as the title is
        rest = text.replace(title, "", 1).strip() if title else text
        if rest and not _PARENTHETICAL.fullmatch(rest):
            return False
        url = join(self.base_url, href.strip())
        title = title or link.get("title") or path_and_query(url)[0].rsplit("/", 1)[-1]
        self.attachments.append(Attachment(title=title, url=url))
        return True


def _is_image_class(cls: str) -> bool:
    return not s.IMAGE_CONTAINER_CLASSES.isdisjoint(cls.split())


def _caption_and_credit(figure: Element) -> tuple[Element, Element | None]:
    """The figure's first caption (figcaption or a caption class; else the figure itself)
    and first credit element, in one pass over its subtree."""
    caption: Element | None = None
    credit: Element | None = None
    for c in figure.iter():
        cls = c.get("class")
        names = cls.split() if cls else ()
        if caption is None and (c.tag == "figcaption" or not s.CAPTION_CLASSES.isdisjoint(names)):
            caption = c
        if credit is None and not s.CREDIT_CLASSES.isdisjoint(names):
            credit = c
        if caption is not None and credit is not None:
            break
    return (figure if caption is None else caption), credit


def split_credit(caption: str) -> tuple[str, str | None]:
    """Split "Text. Foto: Name / Org" into ("Text.", "Name / Org")."""
    matches = list(_CREDIT.finditer(caption))
    if not matches:
        return caption, None
    match = matches[-1]  # the credit closes the caption
    credit = caption[match.end() :].strip()
    if match.group().startswith("(") and credit.endswith(")"):
        credit = credit[:-1].strip()
    return caption[: match.start()].strip(), credit or None


def _strip_credit_prefix(text: str) -> str:
    stripped = _CREDIT_PREFIX.sub("", text, count=1).strip()
    if stripped != text and text.startswith("(") and stripped.endswith(")"):
        stripped = stripped[:-1].strip()
    return stripped
