"""Render content blocks as the CMS's rich text (XhtmlString): raw UTF-8, no indentation.

Factboxes use the Razor markup of the real hearing pages (site.md §7); figures are an
invented but plausible ``figure``/``figcaption`` with a "Foto:" credit (no real capture
has an image, site.md §7).
"""

from __future__ import annotations

from replica.content import (
    AttachmentLink,
    Block,
    Factbox,
    Figure,
    Heading,
    ListBlock,
    Para,
    Quote,
    Run,
    Script,
    Table,
)  # fmt: skip
from replica.escape import hex_html, rich
from replica.requisites import figure_sources
from replica.templating import NONCE, load


def _run(run: Run) -> str:
    match run.tag:
        case "":
            return rich(run.text)
        case "br":
            return "<br />"
        case "a":
            return f'<a href="{run.href}">{rich(run.text)}</a>'
    return f"<{run.tag}>{rich(run.text)}</{run.tag}>"


def _cell(text: str, tag: str) -> str:
    inner = "<br />".join(rich(line) for line in text.split("\n"))
    return f"<{tag}>\n<p>{inner}</p>\n</{tag}>" if "\n" in text else f"<{tag}>{inner}</{tag}>"


def _attachment(link: AttachmentLink) -> str:
    file_name = link.href.rsplit("/", 1)[1]
    anchor = f'<a title="{rich(file_name)}" href="{link.href}">{rich(link.label)}</a>'
    return anchor + (" (pdf)" if link.suffix else "")


def _table(table: Table) -> str:
    out = ["<table>"]
    if table.caption:
        out.append(f"<caption>{rich(table.caption)}</caption>")
    if table.head:
        out += ["<thead>", "<tr>", *(_cell(c, "th") for c in table.head), "</tr>", "</thead>"]
    out.append("<tbody>")
    for row in table.rows:
        out += ["<tr>", *(_cell(c, "td") for c in row), "</tr>"]
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def _figure(figure: Figure, photo: str) -> str:
    credit = ""
    if figure.credit:
        credit = f'\n<span class="credit">{rich(photo)} {rich(figure.credit)}</span>'
    phone, widths = figure_sources(figure.src)
    return (
        '<figure class="image">\n<picture>\n'
        f'<source media="(max-width: 599px)" srcset="{phone}" sizes="100vw">\n'
        f'<img src="{figure.src}" srcset="{widths}" sizes="(max-width: 1200px) 100vw, 1200px" '
        f'alt="{hex_html(figure.alt)}" />\n</picture>\n'
        f'<figcaption><span class="caption">{rich(figure.caption)}</span>{credit}</figcaption>\n'
        "</figure>"
    )


def render_block(block: Block, photo: str) -> str:
    match block:
        case Para():
            return "<p>" + "".join(_run(r) for r in block.runs) + "</p>"
        case Heading():
            return f"<h{block.level}>{rich(block.text)}</h{block.level}>"
        case ListBlock():
            tag = "ol" if block.ordered else "ul"
            items = [
                f"<li>{_attachment(i) if isinstance(i, AttachmentLink) else rich(i)}</li>"
                for i in block.items
            ]
            return f"<{tag}>\n" + "\n".join(items) + f"\n</{tag}>"
        case Quote():
            return (
                "<blockquote>\n"
                + "\n".join(f"<p>{rich(p)}</p>" for p in block.paras)
                + "\n</blockquote>"
            )
        case Table():
            return _table(block)
        case Figure():
            return _figure(block, photo)
        case Script():
            return f'<script nonce="{NONCE}">\n{block.code}\n</script>'
        case AttachmentLink():
            return f"<p>{_attachment(block)}</p>"
        case Factbox():
            inner = "\n".join(render_block(b, photo) for b in block.blocks)
            fid = f"factbox{block.fid}"
            return load("factbox.html").render(id=fid, title=rich(block.title), content=inner)
    raise TypeError(f"unknown block {block!r}")


def render_body(blocks: tuple[Block, ...], photo: str) -> str:
    return "\n".join(render_block(b, photo) for b in blocks)
