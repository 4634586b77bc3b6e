"""The corrector: a coordinator proposes an allocation, the system scores it under the
policy, shows the better allocation if there is one and the difference victim by victim.
The person decides; nothing here changes their proposal.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.mci.cost import compact, evaluate_plan, materialize, plan_of
from triage.mci.exact import exact_plan
from triage.mci.local import local_search
from triage.mci.problem import Allocation, AllocationLike, Policy, Problem


@dataclass(frozen=True)
class Difference:
    """One victim whose assignment differs; costs are single costs with the rank term."""

    id: int
    proposed: object
    recommended: object
    proposed_cost: int
    recommended_cost: int


@dataclass(frozen=True)
class Correction:
    proposed_value: int
    proposed_value_without_rank: int
    better: Allocation | None  # None when the proposal is already at least as good
    better_value: int | None
    better_value_without_rank: int | None
    differences: tuple[Difference, ...]


def correct(
    problem: Problem,
    proposal: AllocationLike,
    policy: Policy,
    *,
    restarts: int = 100,
    seed: int = 0,
    time_limit_s: float = 5.0,
) -> Correction:
    """Score ``proposal`` and look for a strictly better allocation.

    Under sum and max the exact optimum is the reference; under Nash the local search,
    started from the proposal as well as from random allocations, so the answer is never
    worse than the proposal.  The better allocation keeps the proposal's ambulance and
    bundle ids wherever it can, so the differences are the real changes only.
    """
    model = compact(problem, policy)
    mine = plan_of(model, proposal)
    mine_eval = evaluate_plan(model, mine)
    if policy.swf in ("utilitarian", "egalitarian"):
        best = exact_plan(model, time_limit_s=time_limit_s, seed=seed, hint=mine).plan
    else:
        best, _, _ = local_search(
            model, restarts=restarts, seed=seed, time_limit_s=time_limit_s, start=mine
        )
    best_eval = evaluate_plan(model, best)
    if best_eval.value >= mine_eval.value:
        return Correction(mine_eval.value, mine_eval.value_without_rank, None, None, None, ())
    better = materialize(model, best, prefer=proposal)
    diffs = []
    for ident in model.item_ids:
        old, new = proposal.get(ident), better.get(ident)
        if old != new:
            diffs.append(
                Difference(
                    ident, old, new, mine_eval.single_costs[ident], best_eval.single_costs[ident]
                )
            )
    return Correction(
        mine_eval.value,
        mine_eval.value_without_rank,
        better,
        best_eval.value,
        best_eval.value_without_rank,
        tuple(diffs),
    )
