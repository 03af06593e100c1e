"""Selector paths walked over the tree in Python, where XPath would give the same nodes.

Every template lookup on an article page is a short path of steps by tag and class
(selectors.py). Through libxml2's XPath each cost 2-3.5 µs, and the first on a freshly
parsed tree ~6 µs more (XPath's set-up for a document): ~45 µs a page, a tenth of
extraction. Walked in Python over lxml's children, a lookup costs 1.4-2.5 µs (a
three-step one more than XPath), and an article page's cut is read without any XPath:
~4% of extraction's CPU less (README, Benchmarks).

``walker`` accepts only paths whose walk yields XPath's node-set, in document order:
``//`` (from the document), ``./`` or ``.//`` (from the context), then steps of a tag or
``*`` with any number of ``[has-class("name")]`` predicates, each step after a ``//`` step a
``//`` step too. Child steps keep their nodes at one depth, so none holds another and each
one's results follow the one before's; a ``//`` step skips a node inside the node before
it (its descendants are among that node's). ``has-class`` is parsel's: a class token
between HTML whitespace (space, tab, line feed, form feed, carriage return). Any other
path returns None and is left to XPath (tests/extract/test_paths.py compares the two).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from lxml import etree

Element = etree._Element

_HTML_SPACE = re.compile("[ \t\n\x0c\r]+")
_START = re.compile(r"(\.?)(?=/)")
_STEP = re.compile(r'(//?)([a-z][a-z0-9]*|\*)((?:\[has-class\("[\w-]+"\)\])*)')
_CLASS = re.compile(r'has-class\("([\w-]+)"\)')


Step = tuple[bool, str | None, tuple[str, ...]]  # descendant?, tag (None: any), classes


@dataclass(frozen=True)
class Path:
    """A path ``walker`` accepts: its steps, and whether the first is from the document."""

    steps: tuple[Step, ...]
    absolute: bool

    def first(self, context: Element) -> Element | None:
        """The first node the path selects from ``context``, in document order."""
        if self.absolute:
            return _first(context.getroottree().getroot(), self.steps, 0, True)
        return _first(context, self.steps, 0, False)

    def every(self, context: Element) -> list[Element]:
        """Every node the path selects from ``context``, in document order."""
        found: list[Element] = []
        if self.absolute:
            _every(context.getroottree().getroot(), self.steps, 0, True, found)
        else:
            _every(context, self.steps, 0, False, found)
        return found


def has_classes(element: Element, names: tuple[str, ...]) -> bool:
    """Whether every one of ``names`` is among ``element``'s classes (parsel's ``has-class``)."""
    value = element.get("class")
    if value is None:
        return False
    for name in names:
        if name not in value:
            return False
        if value == name:
            continue
        # Printable: no HTML whitespace but the space (a regex split costs ~4x str.split).
        tokens = value.split(" ") if value.isprintable() else _HTML_SPACE.split(value)
        if name not in tokens:
            return False
    return True


@cache
def walker(expression: str) -> Path | None:
    """The walk giving what the XPath ``expression`` selects, or None for another path."""
    start = _START.match(expression)
    if start is None:
        return None
    steps: list[Step] = []
    position = start.end()
    while position < len(expression):
        step = _STEP.match(expression, position)
        if step is None:
            return None
        descendant = step[1] == "//"
        if steps and steps[-1][0] and not descendant:
            return None  # a child step after a descendant step could break document order
        tag = None if step[2] == "*" else step[2]
        steps.append((descendant, tag, tuple(_CLASS.findall(step[3]))))
        position = step.end()
    absolute = not start[1]
    if not steps or (absolute and not steps[0][0]):
        return None  # "/x" from the document is not a path this module walks
    return Path(tuple(steps), absolute)


def _candidates(node: Element, step: Step, itself: bool) -> Iterable[Element]:
    """The nodes of one step from ``node`` (``itself``: node is one too), tags checked."""
    descendant, tag, _ = step
    if not descendant:
        # Few children: a loop in Python costs less than lxml's filtered iterator; lazily,
        # so that ``_first`` reads them only up to its first match (most are among the first).
        if tag is None:
            return (child for child in node if isinstance(child.tag, str))
        return (child for child in node if child.tag == tag)
    kind = etree.Element if tag is None else tag
    return node.iter(kind) if itself else node.iterdescendants(kind)


def _first(node: Element, steps: tuple[Step, ...], at: int, itself: bool) -> Element | None:
    # The first match of the first candidate that has one comes before any other match:
    # a later candidate's subtree follows that candidate's, or lies inside it.
    names = steps[at][2]
    last = at + 1 == len(steps)
    for candidate in _candidates(node, steps[at], itself):
        if names and not has_classes(candidate, names):
            continue
        if last:
            return candidate
        if (found := _first(candidate, steps, at + 1, False)) is not None:
            return found
    return None


def _every(
    node: Element, steps: tuple[Step, ...], at: int, itself: bool, found: list[Element]
) -> None:
    names = steps[at][2]
    last = at + 1 == len(steps)
    expanded: Element | None = None
    for candidate in _candidates(node, steps[at], itself):
        if names and not has_classes(candidate, names):
            continue
        if last:
            found.append(candidate)
            continue
        inside = expanded is not None and steps[at][0]
        if inside and any(above is expanded for above in candidate.iterancestors()):
            continue  # inside the candidate before: its matches were found already
        expanded = candidate
        _every(candidate, steps, at + 1, False, found)
