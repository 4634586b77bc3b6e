"""Lower bounds on the fairness spreads, from counting alone.

The linear relaxation of a spread term (max − min of a per-person measure) is zero:
fractional rosters share nights, weekends and hours out exactly evenly.  Whole shifts
cannot: a 0.6 FTE nurse's nights per FTE move in steps of 1.67, a full-timer's in
steps of 1, and the team must still work every night the coverage minimums ask for.
These functions find the smallest spread those integer steps allow, ignoring every
other rule; the model adds it as a cut, so the proved bound (and the gap a manager
sees) reflects what no roster can avoid.

Every bound here is a *relaxation*: each person's possible values are a superset of
what the full model allows, so the bound never exceeds the true minimum.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence


def count_spread_floor(options: Sequence[Sequence[tuple[int, int]]], need: int,
                       slack: int, unit: int) -> int:
    """The least ``ceil((max v − min v − slack) / unit)`` (at least 0) over choices of one
    ``(value, count)`` option per person whose counts sum to at least ``need``.

    ``options[s]`` lists person ``s``'s possible (scaled value, count) pairs, the value
    increasing with the count.  Returns 0 when no choice reaches ``need`` (the
    minimums cannot all be met: the spread is then not what limits the cost).
    """
    people = [sorted(o) for o in options if o]
    if len(people) < 2:
        return 0
    values = [[v for v, _ in o] for o in people]
    counts = [[c for _, c in o] for o in people]
    if sum(c[-1] for c in counts) < need:
        return 0
    lows = sorted({v for vs in values for v in vs})
    top = max(vs[-1] for vs in values) - min(vs[0] for vs in values)
    t = 0
    while slack + unit * t < top:
        width = slack + unit * t
        if _window_fits(values, counts, lows, width, need):
            return t
        t += 1
    return t


def _window_fits(values: list[list[int]], counts: list[list[int]], lows: list[int],
                 width: int, need: int) -> bool:
    """Is there a window [low, low + width] holding an option of every person, whose
    largest counts inside it reach ``need``?"""
    for low in lows:
        total = 0
        for vs, cs in zip(values, counts, strict=True):
            i = bisect.bisect_left(vs, low)
            if i == len(vs) or vs[i] > low + width:
                break
            total += cs[bisect.bisect_right(vs, low + width) - 1]
        else:
            if total >= need:
                return True
    return False


def hours_spread_floor(ranges: Sequence[tuple[int, int, int, int]]) -> int:
    """The least ``ceil(max d / 60) − floor(min d / 60)`` over per-person differences
    ``d = worked − contracted`` minutes.

    ``ranges[s]`` is ``(lowest, highest, step, contracted)``: the minutes person ``s``
    may work are multiples of ``step`` (the greatest common divisor of their shift
    lengths) between ``lowest`` and ``highest``.
    """
    diffs: list[list[int]] = []
    for lowest, highest, step, contracted in ranges:
        step = max(1, step)
        first = math.ceil(max(0, lowest) / step) * step
        if first > highest:
            return 0  # no roster keeps this contract: nothing to bound
        diffs.append([m - contracted for m in range(first, highest + 1, step)])
    if len(diffs) < 2:
        return 0
    best: int | None = None
    for low in sorted({d for ds in diffs for d in ds}):
        highest_next = low
        for ds in diffs:
            i = bisect.bisect_left(ds, low)
            if i == len(ds):
                break
            highest_next = max(highest_next, ds[i])
        else:
            spread = -(-highest_next // 60) - low // 60
            best = spread if best is None else min(best, spread)
    return best or 0
