"""Importing Scrapy modules without the stack walks some of them make at import time.

Scrapy's ``create_deprecated_class`` (scrapy/utils/deprecate.py) runs ``inspect.stack()``
when a module defines a deprecated alias, only to name the module that called it
(``inspect.getmodule(inspect.stack()[1][0])``). ``inspect.stack()`` reads the source
lines of every frame on the stack and looks up each frame's module among all those
loaded, and the HTTP/1.1 download handler's TLS modules define two such aliases: about
0.09 s of the crawl process's CPU at every start, deep in the CLI's stack (measured with
``-X importtime``: scrapy.core.downloader.tls and .contextfactory, 91 ms of their own).
While ``frames_only`` is in force, ``inspect.stack()`` gives the same frames without
their source lines or file lookups, so the caller's module is found the same way.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


def _frames(context: int = 1) -> list[inspect.FrameInfo]:
    """``inspect.stack()``'s frames, outermost last, without source lines (``context``
    is ignored: no caller of it here reads them)."""
    frames: list[inspect.FrameInfo] = []
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        frames.append(
            inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name, None, None)
        )
        frame = frame.f_back
    return frames


@contextmanager
def frames_only() -> Iterator[None]:
    """``inspect.stack`` without source lookups, for the imports in the ``with`` block."""
    stack = inspect.stack
    inspect.stack = _frames
    try:
        yield
    finally:
        inspect.stack = stack
