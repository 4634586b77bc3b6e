"""The redeployment solver on small problems whose answers are worked out by hand.

No database: the solver is a plain package.  Every plan is also checked row by row by
the independent verifier (``allocation.redeploy.verify``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from allocation.redeploy import (
    Problem,
    ProblemError,
    Result,
    SolveOptions,
    network,
    problem_from_dict,
    problem_to_dict,
    proportional_plan,
    result_to_dict,
    solve,
    violations,
)
from allocation.redeploy import model as redeploy_model

ROOT = Path(__file__).resolve().parents[2]


def cell(facility: str, demand: Sequence[float], *, resource: str = "RN", cost: float = 1,
         penalty: float = 10, fixed: Sequence[float] | None = None,
         joins: Sequence[float] | None = None, cap: float | None = None) -> dict[str, Any]:
    epochs = len(demand)
    return {"facility": facility, "resource": resource, "demand": list(demand),
            "buffer": [0] * epochs, "fixed": list(fixed or [0] * epochs),
            "joins": list(joins or [0] * epochs), "cost": cost, "fixed_cost": cost,
            "penalty": penalty, "shortfall_cap": cap}


def problem(cells: list[dict[str, Any]], *, pool: float = 0, switching: float = 0,
            band: float | None = None, transfers: list[dict[str, Any]] | None = None,
            initial: list[dict[str, Any]] | None = None,
            in_transit: list[dict[str, Any]] | None = None,
            facilities: tuple[str, ...] = ("A", "B")) -> dict[str, Any]:
    return {"epochs": len(cells[0]["demand"]), "epoch_minutes": 60, "discount": 1.0,
            "equity_band": band, "facilities": list(facilities),
            "resources": [{"id": "RN", "integer": True, "critical": True,
                           "switching_cost": switching, "pool": [pool]}],
            "cells": cells, "transfers": transfers or [], "initial": initial or [],
            "in_transit": in_transit or []}


def solved(data: dict[str, Any], **options: Any) -> Result:
    p = problem_from_dict(data)
    result = solve(p, SolveOptions(time_limit_s=20, **options))
    assert violations(p, result) == [] or result.relaxed
    return result


def price(result: Result, epoch: int, resource: str = "RN") -> float:
    return next(s.value for s in result.shadow_prices
                if s.resource == resource and s.epoch == epoch)


def test_shortfall_is_placed_where_it_costs_least() -> None:
    # Three nurses for four places: the one short goes where a missing nurse costs 10,
    # not where it costs 30.
    result = solved(problem([cell("A", [2], penalty=10), cell("B", [2], penalty=30)], pool=3))
    assert result.status == "optimal"
    assert result.plan("A", "RN").x == (1,) and result.plan("A", "RN").u == (1,)
    assert result.plan("B", "RN").x == (2,) and result.plan("B", "RN").u == (0,)
    assert result.objective == pytest.approx(3 * 1 + 10)


def test_a_shadow_price_is_the_penalty_saved_minus_the_unit_cost() -> None:
    # One more nurse in the pool would cover A's shortfall (saving 10) at a cost of 1.
    result = solved(problem([cell("A", [2], penalty=10), cell("B", [2], penalty=30)], pool=3))
    assert price(result, 0) == pytest.approx(10 - 1)
    bottleneck = result.bottleneck()
    assert bottleneck is not None and bottleneck.resource == "RN"


def test_a_unit_joining_early_is_worth_every_epoch_it_then_covers() -> None:
    # With a known starting state the price is the location row's: a nurse joining A
    # in epoch 0 stays and saves 9 in each of the two epochs; joining in epoch 1, once.
    data = problem([cell("A", [3, 3], penalty=10)], facilities=("A",),
                   initial=[{"facility": "A", "resource": "RN", "units": 1}])
    result = solved(data)
    assert result.plan("A", "RN").u == (2, 2)
    assert price(result, 0) == pytest.approx(18)
    assert price(result, 1) == pytest.approx(9)


def test_shadow_prices_are_not_discounted() -> None:
    data = problem([cell("A", [3, 3], penalty=10)], facilities=("A",),
                   initial=[{"facility": "A", "resource": "RN", "units": 1}])
    data["discount"] = 0.5
    result = solved(data)
    # In epoch 1 one more nurse saves 9 in that epoch's own money, whatever β is.
    assert price(result, 1) == pytest.approx(9)
    assert result.objective == pytest.approx((1 + 20) + 0.5 * (1 + 20))


def test_the_equity_band_forces_an_even_share() -> None:
    # Four nurses for eight places.  Unfettered, all four go to A (a shortfall there costs
    # 20, at B 10); with a band of 0 both sites must be short by the same fraction.
    cells = [cell("A", [4], penalty=20), cell("B", [4], penalty=10)]
    free = solved(problem(cells, pool=4))
    assert free.plan("A", "RN").x == (4,) and free.plan("B", "RN").x == (0,)
    assert free.objective == pytest.approx(4 + 4 * 10)

    even = solved(problem(cells, pool=4, band=0))
    assert even.status == "optimal"
    assert even.plan("A", "RN").x == (2,) and even.plan("B", "RN").x == (2,)
    assert even.plan("A", "RN").u == even.plan("B", "RN").u == (2,)
    assert even.objective == pytest.approx(4 + 2 * 20 + 2 * 10)
    # Widening the band by dγ lets 2·dγ nurses move from B to A, saving 10 each:
    # the band costs 20 per unit of γ.
    assert even.equity_price == pytest.approx(20)


def test_whole_people_under_a_tight_band_are_planned_by_the_mip_not_the_lp() -> None:
    # The LP would send one and a half nurses to each site.  In whole nurses, 2 + 1
    # breaks the band unless a site's shortfall is inflated, so one nurse stays idle.
    result = solved(problem([cell("A", [3], penalty=20), cell("B", [3], penalty=10)],
                            pool=3, band=0))
    assert result.status == "optimal" and result.gap == 0
    assert result.plan("A", "RN").x == (1,) and result.plan("B", "RN").x == (1,)
    assert result.objective == pytest.approx(2 + 2 * 20 + 2 * 10)
    assert "SCIP" in result.solver


def test_units_in_transit_are_counted_nowhere_until_they_arrive() -> None:
    # Two nurses at A are needed at B; the trip takes two epochs.
    data = problem(
        [cell("A", [0, 0, 0]), cell("B", [2, 2, 2])],
        transfers=[{"from": "A", "to": "B", "resource": "RN", "cost": 1, "epochs": 2}],
        initial=[{"facility": "A", "resource": "RN", "units": 2}],
    )
    result = solved(data)
    assert [(m.source, m.target, m.depart, m.arrive, m.units) for m in result.moves] == [
        ("A", "B", 0, 2, 2)]
    a, b = result.plan("A", "RN"), result.plan("B", "RN")
    for t in (0, 1):
        # On the road: neither working nor idle anywhere.
        assert a.x[t] + a.q[t] + b.x[t] + b.q[t] == 0
    assert b.x == (0, 0, 2) and b.u == (2, 2, 0)
    assert result.objective == pytest.approx(2 * 1 + 2 * 10 + 2 * 10 + 2 * 1)


def test_units_already_on_the_road_arrive_when_the_state_says() -> None:
    data = problem(
        [cell("A", [0, 0, 0]), cell("B", [1, 1, 1])],
        initial=[{"facility": "A", "resource": "RN", "units": 0}],
        in_transit=[{"from": "A", "to": "B", "resource": "RN", "units": 1, "arrives": 1}],
    )
    result = solved(data)
    assert result.plan("B", "RN").x == (0, 1, 1)
    assert result.plan("B", "RN").u == (1, 0, 0)


def test_a_switching_cost_stops_flip_flop() -> None:
    demand = [2, 1, 2, 1]
    initial = [{"facility": "A", "resource": "RN", "units": 2}]
    flip = solved(problem([cell("A", demand)], facilities=("A",), initial=initial))
    assert flip.plan("A", "RN").x == (2, 1, 2, 1)

    steady = solved(problem([cell("A", demand)], facilities=("A",), initial=initial,
                            switching=5))
    # Keeping both at work costs 1 more in two epochs; each change would cost 5.
    assert steady.plan("A", "RN").x == (2, 2, 2, 2)
    assert steady.plan("A", "RN").w == (0, 0, 0, 0)
    assert steady.objective == pytest.approx(8)


def test_switching_in_the_first_epoch_counts_only_when_the_working_count_is_known() -> None:
    demand = [1, 1]
    known = [{"facility": "A", "resource": "RN", "units": 2, "working": 2}]
    result = solved(problem([cell("A", demand)], facilities=("A",), initial=known,
                            switching=0.5))
    # Going from 2 working to 1 costs 0.5 once, less than paying for an idle nurse twice.
    assert result.plan("A", "RN").x == (1, 1)
    assert result.plan("A", "RN").w == (1, 0)
    assert result.objective == pytest.approx(2 + 0.5)


def test_an_infeasible_cap_is_relaxed_and_named() -> None:
    # Five needed, nobody to send, and at most two may be missing.
    result = solved(problem([cell("A", [5], cap=2)], facilities=("A",)))
    assert result.status == "optimal"
    assert [(r.kind, r.facility, r.resource, r.epoch) for r in result.relaxed] == [
        ("shortfall_cap", "A", "RN", 0)]
    assert result.relaxed[0].amount == pytest.approx(3)
    assert result.plan("A", "RN").u == (5,)
    assert result.penalty > 1000 * result.objective
    assert "infeasible" in result.message and result.alerts


def test_units_leaving_that_are_not_there_are_relaxed_and_named() -> None:
    data = problem([cell("A", [0, 0], joins=[0, -1])], facilities=("A",),
                   initial=[{"facility": "A", "resource": "RN", "units": 0}])
    result = solved(data)
    assert [(r.kind, r.facility, r.epoch, r.amount) for r in result.relaxed] == [
        ("location", "A", 1, 1)]


def test_a_cap_that_can_hold_decides_where_the_units_go() -> None:
    cells = [cell("A", [4], penalty=10, cap=0), cell("B", [4], penalty=10)]
    result = solved(problem(cells, pool=4))
    assert result.relaxed == ()
    assert result.plan("A", "RN").u == (0,)


def test_a_solver_failure_falls_back_to_the_proportional_rule_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no solver today")

    monkeypatch.setattr(redeploy_model, "_build", broken)
    data = problem([cell("A", [3, 3], penalty=10), cell("B", [1, 1], penalty=10)], pool=4)
    p = problem_from_dict(data)
    result = solve(p)
    assert result.status == "fallback"
    assert "proportional" in result.message and "no solver today" in result.message
    # The pool is shared 3 : 1, as the sites' needs are.
    assert result.plan("A", "RN").x == (3, 3) and result.plan("B", "RN").x == (1, 1)
    assert violations(p, result) == []


def two_critical_types(band: float) -> dict[str, Any]:
    data = problem([cell("A", [4], penalty=20), cell("B", [4], penalty=10),
                    cell("A", [1], resource="RT"), cell("B", [1], resource="RT")],
                   pool=4, band=band)
    data["resources"].append({"id": "RT", "integer": True, "critical": True,
                              "switching_cost": 0, "pool": [2]})
    return data


def test_the_band_binds_across_critical_types_at_each_facility() -> None:
    result = solved(two_critical_types(band=0))
    # A: (u_RN + u_RT) / 5 = B: (u_RN + u_RT) / 5, and RT is covered at both.
    assert result.plan("A", "RN").x == (2,) and result.plan("B", "RN").x == (2,)
    assert result.equity_price is not None and result.equity_price > 0


def test_a_band_that_cannot_be_imposed_in_time_leaves_the_plan_without_it_and_names_the_epochs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = redeploy_model._solve_one

    def out_of_time(p: Problem, options: SolveOptions, deadline: float) -> Result:
        if p.equity_band is not None and len(p.resources) > 1:
            return proportional_plan(p, started=time.monotonic(), reason="out of time")
        return real(p, options, deadline)

    monkeypatch.setattr(redeploy_model, "_solve_one", out_of_time)
    result = solve(problem_from_dict(two_critical_types(band=0.2)))
    assert result.status == "fallback" and "equity band" in result.message
    assert result.plan("A", "RN").x == (4,)
    assert [(r.kind, r.epoch) for r in result.relaxed] == [("equity_band", 0)]
    assert result.relaxed[0].amount == pytest.approx(4 / 5 - 0.2)


def test_a_generated_network_is_solved_to_optimality_within_every_row() -> None:
    p = network(sites=5, resource_types=4, epochs=6, seed=3)
    result = solve(p, SolveOptions(time_limit_s=30))
    assert result.status == "optimal"
    assert violations(p, result) == []
    assert len(result.shadow_prices) == 4 * 6
    assert result.equity_price is not None and result.equity_price >= 0


def test_a_network_that_starts_from_a_known_state_is_solved_within_every_row() -> None:
    p = network(sites=4, resource_types=3, epochs=5, seed=4, first_plan=False)
    result = solve(p, SolveOptions(time_limit_s=30))
    assert result.status in ("optimal", "feasible")
    assert violations(p, result) == []


@pytest.mark.parametrize("band", [None, 0.3, 0.1])
def test_solving_resource_types_apart_finds_the_optimum_of_solving_them_together(
        band: float | None) -> None:
    p = network(sites=3, resource_types=3, epochs=4, seed=5, equity_band=band)
    options = SolveOptions(time_limit_s=30)
    apart = solve(p, options)
    together = redeploy_model._solve_one(p, options, time.monotonic() + 30)
    assert apart.status == together.status == "optimal"
    assert apart.objective == pytest.approx(together.objective, rel=1e-6)
    assert violations(p, apart) == []


def test_the_file_format_round_trips() -> None:
    p = network(sites=3, resource_types=2, epochs=4, seed=2, first_plan=False)
    assert problem_from_dict(json.loads(json.dumps(problem_to_dict(p)))) == p


def test_a_malformed_file_names_the_field() -> None:
    data = problem([cell("A", [1, 1])], facilities=("A",))
    data["cells"][0]["demand"] = [1]
    with pytest.raises(ProblemError) as info:
        problem_from_dict(data)
    assert info.value.field == "cells[0].demand"


def test_the_output_lists_every_cell_epoch_and_price() -> None:
    data = problem([cell("A", [2], penalty=10), cell("B", [2], penalty=30)], pool=3)
    p = problem_from_dict(data)
    out = result_to_dict(p, solve(p))
    assert out["status"] == "optimal"
    assert out["cells"][0] == {"facility": "A", "resource": "RN", "x": [1], "y": [0],
                               "u": [1], "q": [0], "w": [0]}
    assert out["shadow_prices"] == [{"resource": "RN", "epoch": 0, "value": 9.0,
                                     "facility": None}]
    json.dumps(out, allow_nan=False)


def test_the_command_line_solves_a_problem_file_and_prints_json(tmp_path: Path) -> None:
    data = problem(
        [cell("A", [2, 2]), cell("B", [0, 0])],
        transfers=[{"from": "B", "to": "A", "resource": "RN", "cost": 1, "epochs": 1}],
        initial=[{"facility": "B", "resource": "RN", "units": 2}],
    )
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data))
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "redeploy_benchmark.py"), "--problem", str(path),
         "--json", "--seconds", "20"],
        capture_output=True, text=True, check=True, timeout=120,
    )
    out = json.loads(run.stdout)
    for key in ("status", "objective", "cells", "z", "shadow_prices", "equity_price",
                "relaxed", "seconds"):
        assert key in out
    assert out["status"] == "optimal"
    assert out["z"] == [{"from": "B", "to": "A", "resource": "RN", "epoch": 0, "arrives": 1,
                         "units": 2}]
    a = next(c for c in out["cells"] if c["facility"] == "A")
    assert a["x"] == [0, 2] and a["u"] == [2, 0]
    assert out["objective"] == pytest.approx(2 * 1 + 2 * 10 + 2 * 1)
    assert [s["epoch"] for s in out["shadow_prices"]] == [0, 1]


def test_the_command_line_names_a_bad_field_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"epochs": 0, "facilities": ["A"], "resources": []}))
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "redeploy_benchmark.py"), "--problem", str(path),
         "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 2
    assert json.loads(run.stdout)["error"]["field"] == "epochs"
    assert "Traceback" not in run.stderr
