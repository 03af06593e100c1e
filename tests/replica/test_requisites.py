"""The replica's requisites: every file a page names is there, valid, and made from its URL."""

from __future__ import annotations

import http.client
import struct
import tracemalloc
import zlib

import pytest

from archive.extract.requisites import Kind, page_references
from replica import binary
from replica.catalog import deploy
from replica.requisites import (
    BIG_IMAGE,
    BIG_IMAGE_SIDE,
    OFF_SITE_IMAGE,
    TITLE_STYLE,
    has_bad_requisites,
    is_asset,
)
from replica.server import ReplicaServer
from replica.site import Site

BASE = "http://127.0.0.1:8080"


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(articles=30, seed=3, base_url=BASE)


def references(site: Site, target: str) -> list:
    response = site.render(target, BASE)
    assert response.status == 200
    return page_references(response.body, BASE + target)


def png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == binary.PNG_SIGNATURE and body[12:16] == b"IHDR"
    return struct.unpack(">II", body[16:24])


def jpeg_size(body: bytes) -> tuple[int, int]:
    assert body[:2] == b"\xff\xd8" and body.endswith(b"\xff\xd9")
    start = body.index(b"\xff\xc0")
    height, width = struct.unpack(">HH", body[start + 5 : start + 9])
    return width, height


def test_every_same_site_requisite_of_every_page_is_served(site: Site) -> None:
    targets = [site.listing_path("no"), site.listing_path("en")]
    targets += [site.article_url(i) for i in site.article_ids()]
    served: dict[str, str] = {}
    for target in targets:
        for reference in references(site, target):
            if not reference.url.startswith(BASE) or reference.url.endswith(BIG_IMAGE):
                continue
            response = site.render(reference.url.removeprefix(BASE), BASE)
            assert response.status == 200, reference.url
            served[reference.url] = response.header("content-type") or ""
    types = {content_type.split(";")[0] for content_type in served.values()}
    assert {"text/css", "text/javascript", "image/png", "image/jpeg", "image/x-icon"} <= types
    assert "application/pdf" in types  # the attachments


def test_images_come_in_several_widths_for_phones_and_desktops(site: Site) -> None:
    article = site.ids_with("figure")[0]
    found = [r.url for r in references(site, site.article_url(article)) if "/bilder/" in r.url]
    widths = {url.rsplit("=", 1)[1] for url in found if "width=" in url}
    assert widths == {"480", "960", "1920"}
    for url in found:
        body = site.render(url.removeprefix(BASE), BASE).body
        width, height = jpeg_size(body)
        assert width == int(url.rsplit("=", 1)[1]) if "width=" in url else width == 960
        assert height == width * 9 // 16


def test_the_stylesheet_names_a_font_icons_and_imports_in_a_loop(site: Site) -> None:
    build = deploy(site.version, site.seed)
    main = site.render(f"/dist-web/css/main.css?v={build}", BASE).body.decode()
    assert f'@import url("/dist-web/css/print.css?v={build}")' in main
    assert f'url("../fonts/regjeringen-ikoner.ttf?v={build}")' in main
    assert f".article-header h1 {{\n  color: {TITLE_STYLE['color']};" in main
    printed = site.render(f"/dist-web/css/print.css?v={build}", BASE).body.decode()
    assert f'@import url("main.css?v={build}")' in printed  # back to main.css: a loop
    font = site.render("/dist-web/fonts/regjeringen-ikoner.ttf", BASE).body
    count = struct.unpack(">H", font[4:6])[0]
    tags = {font[12 + 16 * i : 16 + 16 * i] for i in range(count)}
    assert {b"cmap", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"name"} <= tags
    assert png_size(site.render("/dist-web/ico/apple-touch-icon-180x180.png", BASE).body) == (
        180,
        180,
    )


def test_a_new_site_version_is_a_new_build_number(site: Site) -> None:
    first = Site(articles=30, seed=3, base_url=BASE)
    later = Site(articles=30, seed=3, base_url=BASE, version=2)
    target = first.listing_path("no")
    css = [r.url for r in references(first, target) if r.role == "stylesheet"]
    css2 = [r.url for r in references(later, target) if r.role == "stylesheet"]
    assert css != css2 and css2 == [f"{BASE}/dist-web/css/main.css?v={deploy(2, 3)}"]
    assert first.render(css[0].removeprefix(BASE), BASE).body != (
        later.render(css2[0].removeprefix(BASE), BASE).body
    )


def test_some_articles_name_a_50_mb_image_and_an_off_site_one(site: Site) -> None:
    bad = [i for i in site.article_ids() if has_bad_requisites(site.meta(i))]
    assert bad and len(bad) < len(site.article_ids()) // 5
    found = [r.url for r in references(site, site.article_url(bad[0]))]
    assert BASE + BIG_IMAGE in found and OFF_SITE_IMAGE in found
    good = site.article_url(next(i for i in site.article_ids() if i not in bad))
    assert not {BASE + BIG_IMAGE, OFF_SITE_IMAGE} & {r.url for r in references(site, good)}
    assert all(r.kind in (Kind.REQUISITE, Kind.ATTACHMENT) for r in references(site, good))


def test_the_big_image_is_streamed_in_bounded_memory() -> None:
    size = binary.big_png_size(BIG_IMAGE_SIDE)
    assert 50 * 10**6 < size < 51 * 10**6
    tracemalloc.start()
    total, idat, largest = 0, b"", 0
    for piece in binary.big_png(BIG_IMAGE_SIDE):
        total += len(piece)
        largest = max(largest, len(piece))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert total == size and largest <= (1 << 20) + 12 and peak < 8 * 10**6
    small = b"".join(binary.big_png(40))  # the same code, small enough to decode whole
    position = 33
    while small[position + 4 : position + 8] == b"IDAT":
        length = struct.unpack(">I", small[position : position + 4])[0]
        idat += small[position + 8 : position + 8 + length]
        position += 12 + length
    assert zlib.decompress(idat) == bytes((40 * 3 + 1) * 40) and png_size(small) == (40, 40)


def test_the_server_sends_the_big_image_length_first_and_faults_strike_assets() -> None:
    with ReplicaServer(Site(articles=10, seed=1)) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("HEAD", BIG_IMAGE)
        head = connection.getresponse()
        head.read()
        assert head.status == 200
        assert int(head.getheader("content-length")) == binary.big_png_size(BIG_IMAGE_SIDE)
        connection.request("GET", BIG_IMAGE)
        response = connection.getresponse()
        assert response.read(8) == binary.PNG_SIGNATURE
        connection.close()  # hang up mid-body: the server stops making it
        server.faults.misbehave(rate=1.0, seed=1, kinds=("503",))
        for target in ("/dist-web/css/main.css?v=1", "/dist-web/ico/favicon.ico"):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("GET", target)
            assert connection.getresponse().status == 503
            connection.close()
    assert is_asset("/contentassets/ab/x.pdf") and not is_asset(BIG_IMAGE)
    assert not is_asset("/no/aktuelt/id1/")
