"""crawler/lean_import.py: inspect.stack without source lookups, only inside its block."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from crawler.lean_import import frames_only


def test_the_stack_has_the_same_frames_without_source_lines() -> None:
    full = inspect.stack()
    with frames_only():
        lean = inspect.stack()
    # Called one line apart in the same function: the same frames, outward.
    assert [info.frame for info in lean[1:]] == [info.frame for info in full[1:]]
    assert (
        lean[0].function
        == full[0].function
        == ("test_the_stack_has_the_same_frames_without_source_lines")
    )
    assert all(info.code_context is None for info in lean)
    assert inspect.getmodule(lean[0].frame) is inspect.getmodule(full[0].frame)


def test_inspect_stack_is_restored_even_after_an_error() -> None:
    stack = inspect.stack
    with pytest.raises(ValueError), frames_only():
        assert inspect.stack is not stack
        raise ValueError("in the block")
    assert inspect.stack is stack


def test_the_deprecated_aliases_keep_their_module() -> None:
    # A fresh interpreter, so that crawler.wire is the first to import Scrapy's TLS modules.
    script = (
        "import warnings; warnings.simplefilter('error')\n"
        "import crawler.wire\n"
        "from scrapy.core.downloader import contextfactory, tls\n"
        "print(tls.ScrapyClientTLSOptions.__module__)\n"
        "print(contextfactory.ScrapyClientContextFactory.__module__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out == ["scrapy.core.downloader.tls", "scrapy.core.downloader.contextfactory"]
