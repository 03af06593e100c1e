"""Assemble a full HTML page: head, header chrome, the page's main content, footer."""

from __future__ import annotations

from functools import cache

from replica import lexicon
from replica.catalog import deploy
from replica.chrome import CONSENT_VERSION, Page, breadcrumbs, languages, megamenu
from replica.escape import dec_html, hex_html, json_dumps, url_lower
from replica.lexicon import section
from replica.templating import NONCE, load

_FOOTER = (
    ("footer_strategy", "strategi-og-organisering-av-regjeringenn/id641504"),
    ("footer_content", "innholdsstrategi/id2076583"),
    ("footer_privacy", "personvernerklaring/id650340"),
    ("footer_cookies", None),
    (
        "footer_a11y",
        "https://uustatus.no/nb/erklaringer/publisert/fdbebf8e-1686-46e8-9e44-dcbda310f12f",
    ),
    ("footer_images", "bruk-av-bilder-og-videomateriale/id2715005"),
    ("footer_stats", "statistikk/besokstatistikk-for-20242/id3086638"),
    ("footer_alerts", "nyhetsvarsel/id2580650"),
    ("RSS", "hjelp/rss/id476715"),
)
_TRANSLATION_KEYS = ("close", "zoom_image", "full_table", "zoom_graph", "print", "share")


def _metas(page: Page) -> str:
    lines = [f'<meta name="title" content="{dec_html(page.title)}">']
    lines.append(f'<meta name="description" content="{dec_html(page.description)}">')
    lines += [f'<meta name="{n}" content="{dec_html(v)}">' for n, v in page.metas]
    return "\n\n".join(lines)


def _jsonld(page: Page, base_url: str, s: dict[str, str]) -> str:
    group = section(page.lang)
    crumbs = [(s["home"], f"/{group}/id4/"), *page.crumbs, (page.title, page.path)]
    return json_dumps(
        {
            "@context": "https://schema.org",
            "@type": "WebPage",
            "@id": f"{base_url}/id{page.page_id}/#webpage",
            "isPartOf": f"{base_url}/#website",
            "name": page.title,
            "description": page.description,
            "url": base_url + page.path,
            "inLanguage": page.lang,
            "breadcrumb": {
                "@type": "BreadcrumbList",
                "itemListElement": [
                    {"@type": "ListItem", "position": i, "name": name, "item": base_url + href}
                    for i, (name, href) in enumerate(crumbs, 1)
                ],
            },
        }
    )


def _footer_links(page: Page, s: dict[str, str]) -> str:
    group = section(page.lang)
    items = []
    for key, target in _FOOTER:
        label = s.get(key, key)
        if target is None:
            link = f'<a href="{page.path}?cedit=true" rel="nofollow">{hex_html(label)}</a>'
        elif target.startswith("https://"):
            link = f'<a href="{target}">{hex_html(label)}</a>'
        else:
            link = f'<a href="/{group}/om-nettstedet/{target}/">{hex_html(label)}</a>'
        items.append(f"\n        <li>\n{link}        </li>")
    return "".join(items)


def _mail(person: str, abbr: str) -> str:
    first, *_, last = person.lower().split()
    return f"{first}.{last}@{abbr}.dep.no"


def _owner_column(page: Page, s: dict[str, str]) -> str:
    owner = page.owner
    if owner is None:
        return load("dio_column.html").render(
            section=section(page.lang),
            phone_label=s["phone_label"],
            contact=s["contact_title"],
            staff=s["staff_of"] + " departementene",
        )
    name = owner.name(page.lang)
    pages = f"{name}s {s['pages_of']}" if page.lang != "en" else f"{name} {s['pages_of']}"
    return load("owner_column.html").render(
        responsible_for=s["responsible_for"],
        abbr_upper=owner.abbr.upper(),
        abbr=owner.abbr,
        path=owner.path(page.lang),
        pages=pages,
        editor_label=s["editor"],
        editor=owner.editor,
        editor_mail=_mail(owner.editor, owner.abbr),
        webeditor_label=s["webeditor"],
        webeditor=owner.webeditor,
        webeditor_mail=_mail(owner.webeditor, owner.abbr),
        phone_label=s["phone_label"],
        email_label=s["email_label"],
        email=owner.email,
        staff_of=s["staff_of"],
        orgnr_label=s["orgnr"],
        orgnr=owner.orgnr,
    )


def render_page(page: Page, main: str, base_url: str, version: int, seed: int) -> str:
    """The real site's page frame (head, header, footer) around ``main``.

    Long because it fills one template's many slots from one page; each slot is one line.
    """
    s = lexicon.strings(page.lang)
    group = section(page.lang)
    buster = deploy(version, seed)
    url = base_url + page.path
    links = "".join(
        f'            <link rel="{rel}" href="{href}">\n' for rel, href in page.link_rel
    )
    hreflang = "\n".join(
        f'<link rel="alternate" hreflang="{lang}" href="{base_url}{path}">'
        for lang, path in page.hreflang
    )
    translations = json_dumps(
        {f"lang{k.title().replace('_', '')}": s[k] for k in _TRANSLATION_KEYS}
    )
    head = load("head.html").render(
        lang=page.lang,
        consent=CONSENT_VERSION,
        title=hex_html(page.title),
        deploy=buster,
        link_rel=links,
        metas=_metas(page),
        nonce=NONCE,
        site_name=s["site_name"],
        og_title=hex_html(page.title),
        og_description=hex_html(page.description),
        og_url=url,
        section=group,
        hreflang=hreflang,
        translations=translations,
        jsonld=_jsonld(page, base_url, s),
        body_class=page.body_class,
    )
    skip_results = ""
    if page.skip_results:
        skip_results = (
            '        <a href="#searchResultsListing" class="skipLink" tabindex="1">\n'
            f"            {s['skip_results']}\n        </a>\n"
        )
    subject = url_lower(s["share_subject"] + page.title)
    top = load("top.html").render(
        site_name=s["site_name"],
        api_lang=group,
        consent=CONSENT_VERSION,
        skip_link=s["skip_link"],
        skip_results=skip_results,
        enable_js=s["enable_js"],
        tools_label=s["tools_label"],
        fontsize=s["fontsize"],
        fontsize_help=s["fontsize_help"],
        lang_attr=s["lang_attr"],
        lang_flag=s["lang_flag"],
        lang_current=s["lang_current"],
        languages=languages(page, s),
        section=group,
        menu=s["menu"],
        search=s["search"],
        search_path=f"/{group}/{'search' if group == 'en' else 'sok'}/id86008/",
        search_placeholder=hex_html(s["search_placeholder"]),
        suggest_legend=s["suggest_legend"],
        megamenu=megamenu(group, version, seed),
        breadcrumbs=breadcrumbs(page, s),
        share=s["share"],
        share_url=url_lower(url),
        share_subject=subject,
        close=s["close"],
        print=s["print"],
    )
    survey_options = json_options(page.lang)
    to_top = load("to_top.html").render(label=s["to_top"]) if page.to_top else ""
    bottom = load("bottom.html").render(
        to_top=to_top,
        survey_id=139 + 7 * (version - 1),
        survey_title=s["survey_title"],
        survey_question=s["survey_question"],
        survey_options=survey_options,
        survey_comment=s["survey_comment"],
        survey_illegal=hex_html(s["survey_illegal"]),
        survey_send=s["survey_send"],
        survey_thanks=hex_html(s["survey_thanks"]),
        survey_failed=hex_html(s["survey_failed"]),
        site_name=s["site_name"],
        footer_about=s["footer_about"],
        footer_links=_footer_links(page, s),
        owner_column=_owner_column(page, s),
        deploy=buster,
        nonce=NONCE,
        zoom_image=s["zoom_image"],
        full_table=s["full_table"],
        zoom_graph=s["zoom_graph"],
    )
    return head + top + main + bottom


@cache
def json_options(lang: str) -> str:
    s = lexicon.strings(lang)
    answers = (
        (s["survey_yes"], s["survey_yes_feedback"]),
        (s["survey_no"], s["survey_no_feedback"]),
    )
    return (
        "["
        + ",".join(
            f'{{"response": "{r}", "feedback": "{hex_html(f).replace("&quot;", "")}"}}'
            for r, f in answers
        )
        + "]"
    )
