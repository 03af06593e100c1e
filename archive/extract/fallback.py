"""Generic extraction for article pages whose template containers have moved or vanished.

The real site changes its markup without notice. Rather than failing, take the title from
the head metadata, and the body from the smallest element of ``main`` that still holds most
of the paragraph text once chrome is pruned. Articles extracted this way are flagged
``extracted_by="fallback"`` so the crawl can count them and warn.
"""

from __future__ import annotations

from collections.abc import Mapping

from archive.extract import selectors as s
from archive.extract.selectors import Element, first
from archive.extract.text import BlockCollector, normalize

# Text-bearing elements whose length votes for their ancestors.
SCORED_TAGS = ("p", "li", "pre", "dd", "td", "blockquote")
# Share of all scored (non-link) text the chosen region must hold: high enough to keep a
# body split over sibling sections together, low enough to leave leftover chrome out.
REGION_SHARE = 0.75


def generic_content(
    main: Element,
    meta: Mapping[str, str],
    page_title: str,
    collector: BlockCollector,
    heading: Element | None,
    lead_el: Element | None,
    info: Element | None,
    body: Element | None,
) -> tuple[str, str]:
    """Fill ``collector`` with the body blocks of ``main``; return (title, lead).

    ``heading``, ``lead_el``, ``info`` and ``body`` are the template parts that were found.
    """
    collector.prune_tags = s.FALLBACK_PRUNE_TAGS
    if heading is None:
        heading = first(main, s.FALLBACK_TITLE)
    heading_text = collector.text(heading) if heading is not None else ""
    if heading_text and first(main, s.ARTICLE_TITLE) is heading:
        title = heading_text  # the article header survived the redesign
    else:
        title = meta_title(meta, page_title, heading_text)
    if lead_el is None:
        lead_el = first(main, s.FALLBACK_LEAD)
    described = next((normalize(meta[key]) for key in s.META_LEAD if meta.get(key)), "")
    if lead_el is None and described:
        lead_el = described_element(main, described, collector)
    lead = ""
    if lead_el is not None:
        collector.container(lead_el)
        lead = "\n\n".join(collector.blocks)
        collector.blocks = []
    collector.skip.update(el for el in (heading, lead_el, info) if el is not None)
    collector.container(body if body is not None else densest_region(main, collector))
    if lead_el is None:
        lead = lift_lead(collector.blocks, described) or described
    return title, lead


def described_element(main: Element, described: str, collector: BlockCollector) -> Element | None:
    """The innermost element whose whole text is the page description (the ingress)."""
    found = None
    for el in main.iter(*s.FALLBACK_LEAD_TAGS):
        if collector.pruned(el) or normalize("".join(el.itertext())) != described:
            continue
        if found is None or any(a is found for a in el.iterancestors()):
            found = el
    return found


def lift_lead(blocks: list[str], described: str) -> str | None:
    """Move the paragraphs that make up the description (the lead) out of ``blocks``.

    The CMS writes the ingress into DC.Description with its paragraphs joined by a space;
    when no element holds exactly the ingress, its paragraphs are among the first blocks.
    """
    for start in range(min(3, len(blocks))):
        joined = ""
        for end in range(start, min(start + 4, len(blocks))):
            joined = f"{joined} {normalize(blocks[end])}".lstrip()  # a <br> is a space there
            if joined == described:
                lead = "\n\n".join(blocks[start : end + 1])
                del blocks[start : end + 1]
                return lead
            if len(joined) >= len(described):
                break
    return None


def densest_region(main: Element, collector: BlockCollector) -> Element:
    """The deepest element holding at least REGION_SHARE of main's unpruned, unlinked text."""
    pruned: dict[Element, bool] = {}
    scores: dict[Element, int] = {}
    depth: dict[Element, int] = {}
    total = 0
    for el in main.iter(*SCORED_TAGS):
        chain: list[Element] = []
        node: Element | None = el
        while node is not None and node is not main:
            if node not in pruned:
                pruned[node] = collector.pruned(node)
            if pruned[node]:
                break
            chain.append(node)
            node = node.getparent()
        if node is not main:
            continue
        # Menus, related links and footers are mostly anchor text; body text is not.
        length = len(normalize("".join(el.itertext())))
        length -= sum(len(normalize("".join(a.itertext()))) for a in el.iter("a"))
        if length <= 0:
            continue
        total += length
        for level, ancestor in enumerate(reversed(chain[1:])):
            scores[ancestor] = scores.get(ancestor, 0) + length
            depth[ancestor] = level
    if not total:
        return main
    threshold = REGION_SHARE * total
    candidates = [el for el, score in scores.items() if score >= threshold]
    return max(candidates, key=depth.__getitem__, default=main)


def meta_title(meta: Mapping[str, str], page_title: str, heading: str = "") -> str:
    """DC.Title, og:title, the meta title, a heading, then <title> minus the site name."""
    for key in s.META_TITLE:
        if value := normalize(meta.get(key) or ""):
            return value
    if heading:
        return heading
    for suffix in s.TITLE_SUFFIXES:
        page_title = page_title.removesuffix(suffix)
    return page_title
