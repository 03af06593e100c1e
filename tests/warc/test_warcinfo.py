"""The warcinfo record's ``software`` field names what really wrote the file."""

from __future__ import annotations

import platform

from archive import __version__
from archive.warc.exchange import WarcInfo, software


def test_software_names_regarkiv_the_fetcher_and_python() -> None:
    python = platform.python_version()
    assert (
        software(("Scrapy", "2.19.0")) == f"regarkiv/{__version__} Scrapy/2.19.0 (Python/{python})"
    )


def test_software_keeps_the_products_in_order() -> None:
    field = software(("Scrapy", "2.19.0"), ("Twisted", "26.10.0"))
    assert field.startswith(f"regarkiv/{__version__} Scrapy/2.19.0 Twisted/26.10.0 (Python/")


def test_software_without_products_is_regarkiv_alone() -> None:
    assert software() == f"regarkiv/{__version__} (Python/{platform.python_version()})"


def test_the_software_field_comes_first_in_warcinfo() -> None:
    info = WarcInfo(
        software=software(("Scrapy", "2.19.0")),
        job_id="j",
        operator="o",
        user_agent="ua",
        robots="obey",
        base_url="http://127.0.0.1",
    )
    assert next(iter(info.fields().items())) == ("software", software(("Scrapy", "2.19.0")))
