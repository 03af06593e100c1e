"""archive.model.find_header: the one header lookup every stage uses."""

from __future__ import annotations

from archive.model import find_header


def test_a_wire_header_is_found_in_any_case_and_decoded_as_latin_1() -> None:
    headers = ((b"Content-Length", b"12"), (b"CONTENT-TYPE", b"text/html; charset=\xe6"))
    assert find_header(headers, "content-type") == "text/html; charset=æ"
    assert find_header(headers, "Content-Length") == "12"


def test_the_first_of_repeated_headers_wins_and_a_missing_one_is_none() -> None:
    headers = ((b"Set-Cookie", b"a=1"), (b"set-cookie", b"b=2"))
    assert find_header(headers, "Set-Cookie") == "a=1"
    assert find_header(headers, "Set-Cooki") is None
    assert find_header(headers, "Set-Cookies") is None
    assert find_header((), "Set-Cookie") is None


def test_text_headers_are_found_too_and_mixed_pairs_are_passed_over() -> None:
    assert find_header((("WARC-Type", "response"),), "warc-type") == "response"
    mixed = ((b"Location", "/a"), ("Location", b"/b"), (b"location", b"/c"))
    assert find_header(mixed, "Location") == "/c"  # type: ignore[arg-type]
