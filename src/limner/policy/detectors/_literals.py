"""Literal strings every match of a regex must contain: a cheap `in` test before a costly search."""

from __future__ import annotations

import re

# No stubs for these: whether mypy needs the ignore depends on which other modules it checks alongside.
from re import _constants, _parser  # type: ignore[attr-defined, unused-ignore]
from typing import Any

# One alternative set: every match holds at least one of these strings.
Needles = tuple[str, ...]


def required_literals(pattern: re.Pattern[str]) -> Needles:
    """The best needle set of `pattern`, or () when it has none (then the caller always searches).

    Case-insensitive patterns get (): their literals do not match with `in`.
    """
    if pattern.flags & re.IGNORECASE:
        return ()
    return _best(_needle_sets(_parser.parse(pattern.pattern, pattern.flags)))


def _best(options: list[Needles]) -> Needles:
    """The set whose shortest needle is longest (the rarest to find by chance)."""
    return max(options, key=lambda needles: min(len(n) for n in needles), default=())


def _needle_sets(items: Any) -> list[Needles]:
    """Needle sets that hold for every match of the parsed sequence `items`."""
    found: list[Needles] = []
    run = ""
    for op, arg in items:
        if op is _constants.LITERAL:
            run += chr(arg)
            continue
        if run:
            found.append((run,))
            run = ""
        found += _needle_sets_of(op, arg)
    if run:
        found.append((run,))
    return found


def _needle_sets_of(op: Any, arg: Any) -> list[Needles]:
    if op is _constants.SUBPATTERN:  # (group, add_flags, del_flags, items)
        return [] if arg[1] or arg[2] else _needle_sets(arg[3])
    if op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT):  # (min, max, items)
        low, _, items = arg
        if low >= 1 and len(items) == 1 and items[0][0] is _constants.LITERAL:
            return [(chr(items[0][1]) * low,)]  # "A{20,}" holds "AAAA…" (20 times)
        return _needle_sets(items) if low >= 1 else []
    if op is _constants.BRANCH:  # (None, [items, ...]): each alternative must hold a needle
        alternatives = [_best(_needle_sets(items)) for items in arg[1]]
        if all(alternatives):
            return [tuple(needle for needles in alternatives for needle in needles)]
    return []
