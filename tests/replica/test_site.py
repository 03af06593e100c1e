"""The replica's content model and pages: structure, ground truth, versions, determinism."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

import pytest
from lxml import etree
from parsel import Selector
from protego import Protego

from archive.model import Article, Attachment, Image
from replica.site import Site

BASE = "http://127.0.0.1:8123"
_WS = re.compile(r"\s+")


# A reference extractor written from the contract in archive/model.py. It proves that
# the replica's HTML and Site.expected() agree; it is not the production extractor.

BR = "\x00"  # marks a <br> in text_of(); no parsed text holds a NUL


def norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def lines(text: str) -> str:
    return "\n".join(line for line in map(norm, text.split(BR)) if line)


def text_of(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag == "br":
            parts.append(BR)
        elif child.tag != "script":
            parts.append(text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def only_attachment(element: etree._Element) -> bool:
    links = element.findall("a")
    if len(links) != 1 or "/contentassets/" not in links[0].get("href", ""):
        return False
    return norm(text_of(element).replace(text_of(links[0]), "", 1)) in ("", "(pdf)")


Read = tuple[list[str], list[Attachment]]  # body blocks, attachments


def headed(section: Read, heading: str) -> Read:
    """A heading and its section; a heading over attachments only is not a block, but
    heads them, above the headings that left the body before it."""
    texts, found = section
    if not found:
        return [heading, *texts], found
    if texts:
        return [heading, *texts], [a if a.heading else replace(a, heading=heading) for a in found]
    return [], [replace(a, heading="\n".join(filter(None, (heading, a.heading)))) for a in found]


def sections(children: list[etree._Element], url: str) -> Read:
    """Split at the highest headings; what comes before the first is read the same way."""
    levels = [int(c.tag[1]) for c in children if c.tag in ("h2", "h3", "h4")]
    if not levels:
        return blocks(children, url)
    tag = f"h{min(levels)}"
    starts = [i for i, c in enumerate(children) if c.tag == tag]
    texts, found = sections(children[: starts[0]], url)
    for start, end in zip(starts, [*starts[1:], len(children)], strict=True):
        section = sections(children[start + 1 : end], url)
        more_texts, more_found = headed(section, lines(text_of(children[start])))
        texts, found = texts + more_texts, found + more_found
    return texts, found


def blocks(children: list[etree._Element], url: str) -> Read:
    out: list[str] = []
    found: list[Attachment] = []

    def attach(element: etree._Element) -> None:
        a = element.find("a")
        found.append(Attachment(norm(text_of(a)), urljoin(url, a.get("href"))))

    for child in children:
        classes = (child.get("class") or "").split()
        if child.tag == "p" and only_attachment(child):
            attach(child)
        elif child.tag == "p" and (text := lines(text_of(child))):
            out.append(text)
        elif child.tag in ("ul", "ol"):
            items = [li for li in child.findall("li") if not only_attachment(li)]
            for n, li in enumerate(items, 1):
                out.append((f"{n}. " if child.tag == "ol" else "- ") + lines(text_of(li)))
            for li in child.findall("li"):
                if only_attachment(li):
                    attach(li)
        elif child.tag == "blockquote":
            out.extend(lines(text_of(p)) for p in child.iter("p"))
        elif child.tag == "table":
            caption = child.find("caption")
            if caption is not None:
                out.append(lines(text_of(caption)))
            for row in child.iter("tr"):
                out.append(" | ".join(lines(text_of(c)) for c in row if c.tag in ("td", "th")))
        elif child.tag == "div" and "factbox" in classes:
            title = norm(text_of(child.xpath(".//span[@class='factbox-title-text']")[0]))
            content = list(child.xpath(".//div[@class='factbox-content']")[0])
            texts, attachments = headed(sections(content, url), title)
            out += texts
            found += attachments
    return out, found


def extract(html: str) -> Article:
    sel = Selector(html)
    url = sel.css('meta[property="og:url"]::attr(content)').get()
    body, ingress = sel.css(".article-body")[0].root, sel.css(".article-ingress")[0].root
    lead = [norm(text_of(p)) for p in ingress.findall("p")] or [norm(text_of(ingress))]
    date = norm(sel.css(".article-info span.date::text").get()).split(" ", 1)[1]
    day = datetime.strptime(date, "%d/%m/%Y" if "/" in date else "%d.%m.%Y")
    images = []
    for figure in body.iter("figure"):
        img, credit = figure.find(".//img"), figure.xpath(".//span[@class='credit']")
        caption = norm(text_of(figure.xpath(".//span[@class='caption']")[0]))
        credit_text = norm(text_of(credit[0]).split(":", 1)[1]) if credit else None
        images.append(Image(caption, credit_text, urljoin(url, img.get("src")), img.get("alt")))
    body_blocks, attachments = sections(list(body), url)
    return Article(
        id=int(re.search(r"id(\d+)/$", url)[1]),
        url=url,
        lang=sel.xpath("/html/@lang").get(),
        title=norm(" ".join(sel.css(".article-header h1 ::text").getall())),
        lead="\n\n".join(lead),
        body="\n\n".join(body_blocks),
        published=day.strftime("%Y-%m-%d"),
        type=norm(sel.css(".article-info span.type::text").get()).rstrip("|").strip(),
        ministries=[norm(t) for t in sel.css(".article-info span.owner a::text").getall()],
        topics=[norm(t) for t in sel.css(".content-intro-topics .topiclist a::text").getall()],
        images=images,
        attachments=attachments,
        last_modified=sel.css('meta[name="last-modified"]::attr(content)').get(),
        revised=sel.css('meta[name="revised"]::attr(content)').get(),
    )


def page(site: Site, target: str) -> str:
    response = site.render(target, BASE)
    assert response.status == 200, target
    return response.body.decode()


def without_nonces(html: str) -> str:
    html = re.sub(r'(nonce="|csp-nonce" content=")[^"]*"', r'\1"', html)
    return re.sub(r"execution time : \d+ ms", "execution time : ms", html)


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(articles=300, seed=1)


def classes(sel: Selector, scope: str) -> set[str]:
    values = sel.css(f"{scope} [class]::attr(class)").getall()
    values += sel.css(f"{scope}::attr(class)").getall()
    return {c for value in values for c in value.split()}


ARTICLE_SELECTORS = (
    "html[lang]",
    'meta[name="DC.Title"]',
    'meta[name="DC.Creator"]',
    'meta[name="DC.Subject"]',
    'meta[name="DC.Date"]',
    'meta[name="DC.Type"]',
    'meta[name="DC.Identifier.URL"]',
    'meta[name="DC.Language"]',
    'meta[name="authorshortname"]',
    'meta[name="ownerid"]',
    'meta[name="last-modified"]',
    'meta[name="revised"]',
    'meta[name="csp-nonce"]',
    'meta[property="og:url"]',
    'meta[property="og:site_name"]',
    'meta[name="twitter:title"]',
    'link[rel="alternate"][hreflang]',
    "template#page-translations",
    'script[type="application/ld+json"]',
    "#cb_wrapper-std #cookieApiData",
    "#cookiebannerInfo",
    "a#top-of-page",
    "a.skipLink",
    "noscript p.enable-js",
    "header.pageHeader nav.hygieneMenu #languageSelector",
    "header.pageHeader div.logo a",
    "form#topNavigationSearchForm input#quickSearch",
    "nav.megaMenu #megamenupanel_0 ul.columnize a",
    "nav.megaMenu #megamenupanel_3 a.dep-minister",
    "nav.megaMenu #megamenupanel_4",
    "div.breadcrumbsWrapper nav.breadcrumbs li.breadcrumb-item",
    "ul.sharePrint li.sharing ul.socialmedia_linklist a",
    "ul.sharePrint li.print button",
    "main#mainContent div.mainContentArea > div.content-row.article"
    " > div.content-col-2.article-content > header.article-header > h1",
    "div.article-info > p > span.type",
    "div.article-info > p > span.date",
    "div.article-info > p > span.owner > a",
    "div.article-ingress",
    "div.article-body div.factbox h2.factbox-title button.factbox-toggler span.factbox-title-text",
    "div.article-body div.factbox div.factbox-content",
    "aside.content-col-1.article-sidebar div.content-owner-dep a",
    "div.content-intro-topics ul.topiclist a",
    "div.department-contact p.contact-info",
    "main#mainContent div.mainContentArea > div.to-top-of-page > a.btn-to-top-of-page",
    "div.page-survey-container div.page-survey[data-page-survey]",
    "footer.page-footer ul.link-list a[rel=nofollow]",
    "script[nonce]",
)


def test_article_has_the_real_hearing_pages_structure(site: Site, real_pages: Path) -> None:
    real = Selector((real_pages / "hearing-id3167072.html").read_text("utf-8"))
    chosen = next(
        i
        for i in site.article_ids("nb")
        if {"factbox"} <= site.features(i) and site.meta(i).topics
        and "department-contact" in page(site, site.article_url(i))
    )  # fmt: skip
    replica = Selector(page(site, site.article_url(chosen)))
    for selector in ARTICLE_SELECTORS:
        assert real.css(selector), f"not in the real page: {selector}"
        assert replica.css(selector), f"missing in the replica: {selector}"
    for scope in ("header.pageHeader", "footer.page-footer", "div.page-survey-container"):
        assert classes(real, scope) <= classes(replica, scope), scope
    hearing_only = {"horing-meta", "horing-ref", "horing-cta", "btn-cta", "page-horing"}
    related = {"article-related", "link-list-item__meta"}  # only when an article has related
    assert classes(real, "body") - hearing_only - related <= classes(replica, "body")
    metas = "//meta/@name | //meta/@property"
    assert set(real.xpath(metas).getall()) == set(replica.xpath(metas).getall())


def test_listing_has_the_real_listing_structure(site: Site, real_pages: Path) -> None:
    real = Selector((real_pages / "hearings-listing-id1763-page-001.html").read_text("utf-8"))
    replica = Selector(page(site, site.listing_path("no")))
    selectors = (
        "body.page-search",
        "div.content-row.header-row div.content-header h1",
        "div.ingress p",
        "#searchPageNavigationSearchForm select option[value]",
        ".results .statusLine p.count",
        ".results .statusLine p.sort a.sdate.selected",
        "ul.listing#searchResultsListing > li.listItem > h2.title > a",
        "li.listItem div.info span.date",
        "li.listItem div.info span.type",
        "li.listItem div.info span.department",
        "li.listItem p.excerpts",
        "ul.pagination li.firstlink.disabled a",
        "ul.pagination li.prev.disabled a",
        "ul.pagination li.next a",
        "ul.pagination li.lastlink a",
        'link[rel="next"]',
        'meta[name="keywords"]',
    )
    for selector in selectors:
        assert real.css(selector), f"not in the real page: {selector}"
        assert replica.css(selector), f"missing in the replica: {selector}"
    assert not replica.css(".to-top-of-page") and not replica.css(".article-body")
    assert re.search(r"<!--<p>Search server execution time : \d+ ms</p>-->", replica.get())


def test_escaping_follows_the_real_conventions(site: Site) -> None:
    chosen = next(i for i in site.article_ids("nb") if "ø" in site.content(i).title)
    html = page(site, site.article_url(chosen))
    dc_title = re.search(r'<meta name="DC.Title" content="([^"]*)">', html)[1]
    og_title = re.search(r'<meta property="og:title" content="([^"]*)">', html)[1]
    assert "&#248;" in dc_title and "ø" not in dc_title
    assert "&#xF8;" in og_title and "&#xF8;" in re.search(r"<title>(.*)</title>", html)[1]
    jsonld = re.search(r'<script type="application/ld\+json">(.*)</script>', html)[1]
    assert "\\u00F8" in jsonld
    nonce = Selector(html).css('meta[name="csp-nonce"]::attr(content)').get()
    assert len(nonce) == 24 and nonce.endswith("==")
    assert all(n == nonce for n in Selector(html).css("script[nonce]::attr(nonce)").getall())


def test_nonce_and_timing_change_on_every_render(site: Site) -> None:
    first, second = page(site, site.listing_path()), page(site, site.listing_path())
    nonce = re.compile(r'csp-nonce" content="([^"]+)"')
    assert nonce.search(first)[1] != nonce.search(second)[1]
    assert without_nonces(first) == without_nonces(second)
    assert "&#x2B;" in "".join(
        nonce.search(page(site, site.article_url(site.article_ids()[0])))[1] for _ in range(40)
    ), "a '+' in the base64 nonce is written as &#x2B;"


def test_ground_truth_matches_the_pages(site: Site) -> None:
    for article_id in site.article_ids():
        assert extract(page(site, site.article_url(article_id))) == site.expected(article_id, BASE)


def test_ground_truth_covers_every_feature(site: Site) -> None:
    features = {f for i in site.article_ids() for f in site.features(i)}
    assert {"figure", "table", "factbox", "attachments", "multi-ministry", "script"} <= features
    assert {"tricky-top", "tricky-js", "tricky-escaped", "lead-p"} <= features
    langs = {site.lang_of(i) for i in site.article_ids()}
    assert langs == {"nb", "nn", "en"}
    figure = site.expected(site.ids_with("figure")[0], BASE)
    assert figure.images and figure.images[0].src.startswith(BASE + "/globalassets/")
    attachment = site.expected(site.ids_with("attachments")[0], BASE).attachments[0]
    assert re.fullmatch(re.escape(BASE) + r"/contentassets/[0-9a-f]{32}/[^/]+\.pdf", attachment.url)
    several = site.expected(site.ids_with("multi-ministry")[0], BASE)
    assert len(several.ministries) >= 2
    labels = {site.expected(i).type for i in site.article_ids()}
    assert labels == {"Pressemelding", "Nyhet", "Nyheit", "Press release", "News story"}


def test_ground_truth_has_line_breaks_and_headings_over_attachments(site: Site) -> None:
    """Pages list lines with <br /> and put attachments under a heading, as the real site does;
    a heading over nothing but attachments leaves the body, one over more text stays."""
    lined, headings_left, headings_kept = set(), set(), set()
    for article_id in site.article_ids():
        expected = site.expected(article_id, BASE)
        blocks = expected.body.split("\n\n")
        if any("\n" in block for block in blocks):
            lined.add(article_id)
        for attachment in expected.attachments:
            assert attachment.heading, attachment
            kept = attachment.heading in blocks
            (headings_kept if kept else headings_left).add(article_id)
    assert len(lined) >= 20 and len(headings_left) >= 10 and len(headings_kept) >= 1
    html = page(site, site.article_url(min(lined)))
    assert "<br />" in html


def test_tricky_text_stays_in_the_body_and_is_escaped(site: Site) -> None:
    top = site.expected(site.ids_with("tricky-top")[0])
    assert "Til toppen av lis" in top.body
    js = site.expected(site.ids_with("tricky-js")[0])
    assert "Javascript" in js.body
    escaped_id = site.ids_with("tricky-escaped")[0]
    escaped = site.expected(escaped_id)
    assert "<script>alert(1)</script>" in escaped.body and " & " in escaped.body
    html = page(site, site.article_url(escaped_id))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "alert(1)" not in "".join(Selector(html).css(".article-body script::text").getall())


def test_vocabulary_has_inflections_and_special_letters(site: Site) -> None:
    text = " ".join(
        f"{a.title} {a.lead} {a.body}"
        for a in (site.expected(i) for i in site.article_ids("no")[:60])
    ).lower()
    words = set(re.findall(r"\w+", text))
    wanted = {"regjeringen", "regjeringens", "skatter", "skatten", "får", "også", "første"}
    assert wanted | {"økonomi", "regjeringa"} <= words


def test_listing_pages(site: Site) -> None:
    ids = site.article_ids("no")
    sel = Selector(page(site, site.listing_path("no")))
    items = sel.css("#searchResultsListing > li.listItem")
    assert len(items) == 20
    assert [a.strip() for a in items.css("h2.title a::attr(href)").getall()] == [
        site.article_url(i) for i in ids[:20]
    ]
    pages = -(-len(ids) // 20)
    assert sel.css("p.count::text").get().strip() == f"Viser 1-20 av {len(ids)} treff."
    assert sel.css('link[rel="next"]::attr(href)').get() == BASE + site.listing_path("no", 2)
    assert sel.css("ul.pagination li.prev a::attr(href)").get() == "?page=0"
    assert sel.css("ul.pagination li.lastlink a::attr(href)").get() == f"?page={pages}"
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", sel.css("span.date::text").get())
    last = Selector(page(site, site.listing_path("no", pages)))
    assert not last.css('link[rel="next"]') and last.css("li.next.disabled")
    assert len(last.css("li.listItem")) == len(ids) - 20 * (pages - 1)
    beyond = Selector(page(site, site.listing_path("no", pages + 1)))
    assert not beyond.css("li.listItem") and not beyond.css('link[rel="next"]')
    assert not beyond.css("ul.pagination li.next") and beyond.css("ul.pagination li.prev")
    zero = without_nonces(page(site, site.listing_path("no") + "?page=0"))
    assert zero == without_nonces(page(site, site.listing_path("no")))
    english = Selector(page(site, site.listing_path("en", 2)))
    assert english.css("p.count::text").get().strip().startswith("Showing 21-40 of ")
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", english.css("span.date::text").get())
    assert english.xpath("/html/@lang").get() == "en"


def test_robots_allows_pages_and_disallows_listing_filters(site: Site, real_pages: Path) -> None:
    robots = site.render("/robots.txt", BASE)
    rules = robots.body.decode()
    real_rules = (real_pages / "robots.txt").read_text()
    assert rules.splitlines()[2:] == real_rules.splitlines()[2:]
    assert f"Sitemap: {BASE}/globalassets/sitemap/sitemap.xml" in rules
    parser = Protego.parse(rules)
    sel = Selector(page(site, site.listing_path("no")))
    filters = sel.css("#searchPageNavigationSearchForm option::attr(value)").getall()
    sorts = sel.css("p.sort a::attr(href)").getall()
    assert len(filters) > 30
    for href in filters + sorts:
        assert not parser.can_fetch(urljoin(BASE, href), "*"), href
    listing = BASE + site.listing_path("no")
    for href in sel.css("ul.pagination a::attr(href)").getall():
        assert parser.can_fetch(urljoin(listing, href), "*"), href
    assert parser.can_fetch(BASE + site.article_url(site.article_ids()[0]), "*")
    assert parser.can_fetch(BASE + site.rss_path(), "*")


def test_redirects_and_query_variants(site: Site) -> None:
    article_id = site.article_ids("nb")[3]
    canonical = site.article_url(article_id)
    for target in (
        f"/id{article_id}/",
        f"/id{article_id}",
        f"/no/aktuelt/old-slug/id{article_id}/",
    ):
        response = site.render(target, BASE)
        assert (response.status, response.header("location")) == (301, BASE + canonical)
    legacy = site.render("/nb" + canonical[3:], BASE)
    assert (legacy.status, legacy.header("location")) == (301, BASE + canonical)
    tracked = canonical + "?utm_source=regjeringen.no&utm_medium=rss&utm_campaign=nyheter"
    assert without_nonces(page(site, tracked)) == without_nonces(page(site, canonical))
    assert site.render("/no/aktuelt/nyheter/id999/", BASE).status == 404
    assert site.render("/", BASE).header("location") == BASE + "/no/id4/"


def test_rss_feeds(site: Site) -> None:
    for lang in ("no", "en"):
        response = site.render(site.rss_path(lang), BASE)
        items = ET.fromstring(response.body).findall("./channel/item")
        assert len(items) == min(100, len(site.article_ids(lang)))
        links = [item.findtext("link") for item in items]
        assert all("?utm_source=" in link and "&utm_medium=" in link for link in links)
        assert [link.split("?")[0] for link in links] == [
            BASE + site.article_url(i) for i in site.article_ids(lang)[: len(links)]
        ]
    empty = site.render("/no/rss/Rss/2581966/?documentType=dokumenter/horinger", BASE)
    assert ET.fromstring(empty.body).findall("./channel/item") == []


def test_attachments_and_images_are_byte_stable(site: Site) -> None:
    url = site.expected(site.ids_with("attachments")[0], BASE).attachments[0].url
    first, second = site.render(url[len(BASE) :], BASE), site.render(url[len(BASE) :], BASE)
    assert first.status == 200 and first.header("content-type") == "application/pdf"
    assert first.body == second.body and first.body.startswith(b"%PDF-1.4")
    image = site.expected(site.ids_with("figure")[0], BASE).images[0].src
    assert site.render(image[len(BASE) :], BASE).body[:2] == b"\xff\xd8"


def test_versions_edit_remove_add_and_change_chrome() -> None:
    site = Site(articles=200, seed=4)
    before = {i: site.expected(i) for i in site.article_ids()}
    before_pages = {i: page(site, site.article_url(i)) for i in site.article_ids()}
    site.set_version(2)
    edited, removed, new = site.edited_ids(), site.removed_ids(), site.new_ids()
    assert edited and removed and new and not edited & removed
    assert set(site.article_ids()) == (set(before) - removed) | new
    for article_id in edited:
        now = site.expected(article_id)
        assert now.title != before[article_id].title and now.body != before[article_id].body
        assert now.last_modified != before[article_id].last_modified
        assert now.published == before[article_id].published
    for article_id in removed:
        response = site.render(site.article_url(article_id), BASE)
        assert response.status == 404 and "pageHeader" in response.body.decode()
        assert site.render(f"/id{article_id}/", BASE).status == 404
        with pytest.raises(KeyError):
            site.expected(article_id)
    newest = site.article_ids()[: len(new)]
    assert set(newest) == new and min(newest) > max(before)
    assert min(site.expected(i).published for i in new) >= max(a.published for a in before.values())
    unchanged = next(i for i in site.article_ids() if i in before and i not in edited)
    assert site.expected(unchanged) == before[unchanged]
    html = page(site, site.article_url(unchanged))
    assert without_nonces(html) != without_nonces(before_pages[unchanged])
    assert "?v=202606173_211653" in before_pages[unchanged] and "?v=202606173_211653" not in html
    site.set_version(3)
    assert site.edited_ids(since=2) and site.edited_ids(since=2) != edited
    site.set_version(1)
    assert {i: site.expected(i) for i in site.article_ids()} == before


def test_determinism_from_the_seed() -> None:
    one, two, other = Site(80, seed=9), Site(80, seed=9), Site(80, seed=10)
    assert one.article_ids() == two.article_ids() != other.article_ids()
    for site in (one, two):
        site.set_version(3)
    assert one.edited_ids() == two.edited_ids() and one.removed_ids() == two.removed_ids()
    for article_id in one.article_ids()[:20]:
        assert one.expected(article_id) == two.expected(article_id)
        first = page(one, one.article_url(article_id))
        assert without_nonces(first) == without_nonces(page(two, two.article_url(article_id)))


def test_twenty_thousand_articles_build_and_serve_quickly() -> None:
    started = time.perf_counter()
    site = Site(articles=20_000, seed=2)
    assert time.perf_counter() - started < 3
    assert len(site.article_ids()) == 20_000 and len(set(site.article_ids())) == 20_000
    started = time.perf_counter()
    last = -(-len(site.article_ids("no")) // 20)
    for target in (site.listing_path("no"), site.listing_path("no", last), site.listing_path("en")):
        assert site.render(target, BASE).status == 200
    article_id = site.article_ids()[-1]
    assert extract(page(site, site.article_url(article_id))) == site.expected(article_id, BASE)
    assert time.perf_counter() - started < 3
    site.set_version(2)
    assert len(site.new_ids()) == 400
