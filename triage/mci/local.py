"""First-improvement hill climbing with random restarts (Shaft 2014's method).

From a random allocation, the scan visits victims in id order; for victim ``i`` it tries
first every change of its own assignment (each (crew, hospital) option with a free
ambulance, crews in ascending order and hospitals by id, then "not assigned"), then every swap of its assignment with a
later victim ``j > i``.  The first neighbour that strictly lowers the total is taken and
the scan starts again from the first victim; a full scan without improvement ends the
climb.  ``restarts`` climbs are run from independent random starts (seeded) and the best
end point is kept (the first of equals).

Ambulances with the same crew are interchangeable in the cost model, so "change to another
ambulance of the same crew" never strictly improves and is not scanned; the search works on
(crew, hospital) options and concrete ids are chosen at the end (:func:`materialize`).

Deltas are exact integers: the utilitarian total moves by the cost difference, the
egalitarian one is recomputed from the three largest distinct costs (enough for any move
that changes at most two victims), and the Nash product is divided and multiplied exactly
(once it dwarfs the penalties, comparing the few factors a move changes decides it, which
is what "compare in logarithms" amounts to, without rounding).

A random start pairs a random subset of victims with randomly shuffled ambulances
(as many as there are, one per victim) and a random hospital each; the others start
unassigned.
"""

from __future__ import annotations

import random
import time
from collections import Counter

from triage.mci.cost import UNASSIGNED_PENALTY, Compact, Plan, plan_total


def _top3(values: list[int]) -> list[tuple[int, int]]:
    counts = Counter(values)
    return sorted(counts.items(), reverse=True)[:3]


def _max_without(top: list[tuple[int, int]], a: int, b: int | None) -> int:
    for value, count in top:
        left = count - (value == a) - (b is not None and value == b)
        if left > 0:
            return value
    return 0


def _random_plan(model: Compact, rng: random.Random) -> Plan:
    k_null = model.num_options
    n = len(model.item_ids)
    plan = [k_null] * n
    if k_null == 0:  # no ambulance/hospital pair (or no bundle) at all
        return plan
    slots = [c for c, units in enumerate(model.class_units) for _ in units]
    rng.shuffle(slots)
    items = list(range(n))
    rng.shuffle(items)
    n_sites = max(1, len(model.site_ids))
    for i, c in zip(items, slots, strict=False):
        site = rng.randrange(n_sites) if model.site_ids else -1
        plan[i] = model.option_of(c, site)
    return plan


def climb(model: Compact, plan: Plan) -> tuple[Plan, int]:
    """Hill-climb from ``plan`` to a local optimum; returns it and its total."""
    k_null = model.num_options
    n = len(plan)
    opt = list(plan)
    cost = [[c + model.rank[i] for c in row] for i, row in enumerate(model.cost)]
    cur = [cost[i][opt[i]] for i in range(n)]
    ocls = [*list(model.option_class), -1]
    osite = [*list(model.option_site), -1]
    cap_cls = [len(u) for u in model.class_units]
    used = [0] * len(cap_cls)
    cap_site = list(model.site_capacity)
    cnt = [0] * len(cap_site)
    for k in opt:
        if k != k_null:
            used[ocls[k]] += 1
            if osite[k] >= 0:
                cnt[osite[k]] += 1
    swf = model.swf
    total = plan_total(model, opt)
    pen = total - (
        sum(cur)
        if swf == "utilitarian"
        else max(cur, default=0)
        if swf == "egalitarian"
        else _prod(cur)
    )
    prod = _prod(cur) if swf == "nash" else 0
    # Once the product is far larger than any penalty change, a move improves the Nash
    # total exactly when it lowers the product (or keeps it and lowers the penalties):
    # P·(a/b − 1) + Δpen < 0 with small integers a ≠ b means |P·(a − b)/b| ≥ P/b > 64 >
    # |Δpen| (at most 22).  That test needs only the small factors a and b; the exact big
    # integer is computed for accepted moves only.
    biggest = max((max(row) for row in cost), default=1)
    limit = 64 * biggest * biggest
    big = prod > limit
    top = _top3(cur) if swf == "egalitarian" else []
    options = range(k_null + 1)

    improved = True
    while improved:
        improved = False
        for i in range(n):
            oi = opt[i]
            ci = cur[i]
            row = cost[i]
            # changes of i's own assignment
            for k in options:
                if k == oi:
                    continue
                ck = ocls[k]
                if ck >= 0 and ck != ocls[oi] and used[ck] >= cap_cls[ck]:
                    continue
                d_pen = 0
                if oi == k_null:
                    d_pen -= UNASSIGNED_PENALTY
                elif k == k_null:
                    d_pen += UNASSIGNED_PENALTY
                so, sk = osite[oi], osite[k]
                if so != sk:
                    if so >= 0:
                        d_pen += -10 if cnt[so] > cap_site[so] else 1
                    if sk >= 0:
                        d_pen += 10 if cnt[sk] >= cap_site[sk] else -1
                new_c = row[k]
                if swf == "utilitarian":
                    new_total = total + new_c - ci + d_pen
                elif swf == "egalitarian":
                    new_total = max(_max_without(top, ci, None), new_c) + pen + d_pen
                else:
                    if big and (new_c > ci or (new_c == ci and d_pen >= 0)):
                        continue
                    new_total = prod // ci * new_c + pen + d_pen
                if new_total < total:
                    if ocls[oi] >= 0:
                        used[ocls[oi]] -= 1
                    if ck >= 0:
                        used[ck] += 1
                    if so >= 0:
                        cnt[so] -= 1
                    if sk >= 0:
                        cnt[sk] += 1
                    opt[i] = k
                    cur[i] = new_c
                    pen += d_pen
                    total = new_total
                    if swf == "nash":
                        prod = prod // ci * new_c
                        big = prod > limit
                    elif swf == "egalitarian":
                        top = _top3(cur)
                    improved = True
                    break
            if improved:
                break
            # swaps with later victims
            for j in range(i + 1, n):
                oj = opt[j]
                if oj == oi:
                    continue
                cj = cur[j]
                ni = row[oj]
                nj = cost[j][oi]
                if swf == "utilitarian":
                    new_total = total + ni + nj - ci - cj
                elif swf == "egalitarian":
                    new_total = max(_max_without(top, ci, cj), ni, nj) + pen
                else:
                    if big and ni * nj >= ci * cj:
                        continue
                    new_total = prod // (ci * cj) * (ni * nj) + pen
                if new_total < total:
                    opt[i], opt[j] = oj, oi
                    cur[i], cur[j] = ni, nj
                    total = new_total
                    if swf == "nash":
                        prod = prod // (ci * cj) * (ni * nj)
                        big = prod > limit
                    elif swf == "egalitarian":
                        top = _top3(cur)
                    improved = True
                    break
            if improved:
                break
    return opt, total


def _prod(values: list[int]) -> int:
    out = 1
    for v in values:
        out *= v
    return out


def local_search(
    model: Compact,
    *,
    restarts: int = 100,
    seed: int = 0,
    time_limit_s: float | None = None,
    start: Plan | None = None,
) -> tuple[Plan, int, int]:
    """Best local optimum over ``restarts`` random starts (plus ``start`` if given, climbed
    first).  Returns (plan, total, climbs run); stops early, keeping the best so far, once
    ``time_limit_s`` has passed."""
    rng = random.Random(seed)
    started = time.perf_counter()
    best: Plan | None = None
    best_total = 0
    runs = 0
    if start is not None:
        best, best_total = climb(model, list(start))
        runs += 1
    for _ in range(max(0, restarts)):
        if (
            time_limit_s is not None
            and best is not None
            and (time.perf_counter() - started > time_limit_s)
        ):
            break
        plan, total = climb(model, _random_plan(model, rng))
        runs += 1
        if best is None or total < best_total:
            best, best_total = plan, total
    if best is None:
        best, best_total = climb(model, _random_plan(model, rng))
        runs += 1
    return best, best_total, runs
