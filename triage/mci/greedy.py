"""The principle approach (Shaft 2014): victims in the principle's rank order each take the
remaining option that raises the total least.

The total is that of the victims placed so far (the others do not count yet), under the
policy's welfare function with the hospital capacity terms of every hospital and the
unassigned penalty.  Ties go to the lowest ambulance (or bundle) id, then the lowest
hospital id; "not assigned" loses every tie.  The principle ``none`` takes victims in id
order; equal ranks also fall back to id order.
"""

from __future__ import annotations

from triage.mci.cost import (
    UNASSIGNED_PENALTY,
    Compact,
    Plan,
    capacity_term,
)


def greedy_order(model: Compact) -> list[int]:
    """Item indices in the principle's rank order, ties (and ``none``) in id order."""
    return sorted(range(len(model.item_ids)), key=lambda i: (model.rank[i], model.item_ids[i]))


def greedy_plan(model: Compact) -> Plan:
    """The principle approach on ``model``.  Materialise it with ``order=greedy_order(model)``
    so that each victim gets the lowest free id as it is served."""
    k_null = model.num_options
    n_items = len(model.item_ids)
    order = greedy_order(model)
    plan = [k_null] * n_items
    used = [0] * len(model.class_units)
    counts = [0] * len(model.site_ids)
    sum_acc, max_acc, prod_acc = 0, 0, 1
    unassigned = 0
    swf = model.swf
    for i in order:
        row = model.cost[i]
        rank = model.rank[i]
        base_pen = UNASSIGNED_PENALTY * unassigned + sum(
            capacity_term(n, cap) for n, cap in zip(counts, model.site_capacity, strict=True)
        )
        best: tuple[int, int, int] | None = None
        best_k = k_null
        for k in range(k_null + 1):
            pen = base_pen
            if k < k_null:
                c = model.option_class[k]
                if used[c] >= len(model.class_units[c]):
                    continue
                s = model.option_site[k]
                tie = (model.class_units[c][used[c]], model.site_ids[s] if s >= 0 else -1)
                if s >= 0:
                    cap = model.site_capacity[s]
                    pen += capacity_term(counts[s] + 1, cap) - capacity_term(counts[s], cap)
            else:
                tie = (1 << 62, 1 << 62)
                pen += UNASSIGNED_PENALTY
            single = row[k] + rank
            if swf == "utilitarian":
                welfare = sum_acc + single
            elif swf == "egalitarian":
                welfare = max(max_acc, single)
            else:
                welfare = prod_acc * single
            key = (welfare + pen, *tie)
            if best is None or key < best:
                best = key
                best_k = k
        plan[i] = best_k
        single = row[best_k] + rank
        sum_acc += single
        max_acc = max(max_acc, single)
        prod_acc *= single
        if best_k == k_null:
            unassigned += 1
        else:
            used[model.option_class[best_k]] += 1
            if model.option_site[best_k] >= 0:
                counts[model.option_site[best_k]] += 1
    return plan
