"""A tiny placeholder template: ``{{name}}`` slots in files under ``replica/templates``.

Jinja2 is not a runtime dependency of regarkiv, and these templates need no logic:
loops and conditions live in the page modules, the templates only hold the markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_SLOT = re.compile(r"\{\{(\w+)\}\}")

# Per-response values (the CSP nonce, the search timing comment) are rendered as
# these markers, so a page can be cached once and only the markers replaced.
NONCE = "\x00nonce\x00"
TIMING = "\x00timing\x00"


@dataclass(frozen=True)
class Template:
    """Literal text split at its slots: ``parts[0] slot[0] parts[1] ... parts[-1]``."""

    name: str
    parts: tuple[str, ...]
    slots: tuple[str, ...]

    @classmethod
    def parse(cls, name: str, text: str) -> Template:
        pieces = _SLOT.split(text)
        return cls(name, tuple(pieces[0::2]), tuple(pieces[1::2]))

    def render(self, **values: object) -> str:
        out = [self.parts[0]]
        for slot, literal in zip(self.slots, self.parts[1:], strict=True):
            try:
                out.append(str(values[slot]))
            except KeyError:
                raise KeyError(f"template {self.name}: no value for {{{{{slot}}}}}") from None
            out.append(literal)
        return "".join(out)


@cache
def load(name: str) -> Template:
    text = resources.files("replica").joinpath("templates", name).read_text(encoding="utf-8")
    return Template.parse(name, text)


@dataclass(frozen=True)
class Frozen:
    """A rendered page with its per-response markers cut out, ready to fill cheaply."""

    parts: tuple[bytes, ...]
    markers: tuple[bytes, ...]

    @classmethod
    def of(cls, html: str) -> Frozen:
        pieces = re.split("(\x00\\w+\x00)", html)
        return cls(
            tuple(p.encode() for p in pieces[0::2]),
            tuple(m.encode() for m in pieces[1::2]),
        )

    def fill(self, values: dict[bytes, bytes]) -> bytes:
        out = [self.parts[0]]
        for marker, literal in zip(self.markers, self.parts[1:], strict=True):
            out.append(values[marker])
            out.append(literal)
        return b"".join(out)
