"""Crisis levels and the triggers between them, as plain functions (no Django).

Levels (after the field's guidance for hospital surge):

1. **Normal** — business as usual.
2. **Elevated** — demand 20–50 % above forecast; reserves activated.
3. **Surge** — demand 50–100 % above forecast; mutual aid requested.
4. **Major incident** — demand exceeds capacity; triage protocols active.
5. **Catastrophic** — several sites exhausted; regional coordination.

A trigger never changes a level: it proposes one, and a person with the authority for
that step confirms or declines it (``triage/escalation.py``).

Triggers up (the highest level whose condition holds is proposed, so a sudden surge at
a normal site is not walked up one confirmation at a time):

* 1→2: utilization above 85 % in each of the last 2 hours, or demand 20 % or more
  above forecast, or the forecast's median taking utilization above 85 % within 12 h;
* →3: utilization above 95 % now, or demand 50 % or more above forecast (a confirmed
  surge: the excess measured over the last hours, not one busy hour);
* →4: the site's resources exhausted: no staffed bed free (utilization at or above
  100 %);
* →5 (the network): two sites or more exhausted.

Triggers down use hysteresis, so a level does not flap: the indicator that holds a
level must stay below its threshold *minus a margin* for a sustained window (4 hours)
before stepping down one level, and stepping down too needs confirmation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

NORMAL, ELEVATED, SURGE, MAJOR, CATASTROPHIC = 1, 2, 3, 4, 5
LEVELS = {
    NORMAL: "Normal",
    ELEVATED: "Elevated",
    SURGE: "Surge",
    MAJOR: "Major incident",
    CATASTROPHIC: "Catastrophic",
}
MEANING = {
    NORMAL: "Business as usual.",
    ELEVATED: "Demand 20–50 % above forecast: reserves activated.",
    SURGE: "Demand 50–100 % above forecast: mutual aid requested.",
    MAJOR: "Demand exceeds capacity: triage protocols active.",
    CATASTROPHIC: "Several sites exhausted: regional coordination.",
}

# The positions that hold authority over a step, lowest first. A position confirms the
# steps of its own rank and of every rank below it.
SHIFT_SUPERVISOR = "shift_supervisor"
OPERATIONS_MANAGER = "operations_manager"
INCIDENT_COMMANDER = "incident_commander"
EXECUTIVE = "executive"
POSITIONS = {
    SHIFT_SUPERVISOR: "Shift supervisor",
    OPERATIONS_MANAGER: "Operations manager",
    INCIDENT_COMMANDER: "Incident commander or director",
    EXECUTIVE: "Executive or emergency management",
}
RANK = {position: i for i, position in enumerate(POSITIONS)}
# Who may move a site to or from each level.
AUTHORITY = {
    ELEVATED: SHIFT_SUPERVISOR,
    SURGE: OPERATIONS_MANAGER,
    MAJOR: INCIDENT_COMMANDER,
    CATASTROPHIC: EXECUTIVE,
}


def level_name(level: int) -> str:
    return f"{level} {LEVELS[level]}"


def authority_for(from_level: int, to_level: int) -> str:
    """The position that must confirm a move between two levels: the one of the higher."""
    return AUTHORITY[max(from_level, to_level, ELEVATED)]


def next_position(position: str) -> str | None:
    """Who an unanswered proposal is escalated to (None above the executive)."""
    names = list(POSITIONS)
    i = RANK[position] + 1
    return names[i] if i < len(names) else None


def may_confirm(held: Sequence[str], required: str) -> bool:
    """Whether someone holding ``held`` positions (on duty) may confirm a step that
    needs ``required``: the same position or a higher one."""
    return any(RANK[p] >= RANK[required] for p in held if p in RANK)


@dataclass(frozen=True)
class Thresholds:
    elevated_utilization: float = 85.0  # per cent, sustained
    elevated_hours: int = 2
    elevated_demand: float = 0.20  # demand above forecast, as a share
    surge_utilization: float = 95.0
    surge_demand: float = 0.50
    exhausted_utilization: float = 100.0
    exhausted_sites: int = 2
    # Hysteresis: stepping down needs the indicator below threshold − margin for so long.
    down_margin: float = 5.0  # utilization points
    down_demand_margin: float = 0.05
    down_hours: int = 4


DEFAULT = Thresholds()


@dataclass(frozen=True)
class Indicators:
    """What the triggers read for one site (or the network), from live data.

    ``utilization`` holds the hourly utilization in per cent, oldest first, the last
    being the hour now running (None for an hour with no staffed bed and no patient);
    ``demand_excess`` is actual demand over forecast minus one over the last hours
    (0.3 = 30 % above), None without a forecast; ``forecast_peak`` the highest
    utilization the forecast's median reaches in the next 12 hours.
    """

    utilization: tuple[float | None, ...] = ()
    demand_excess: float | None = None
    forecast_peak: float | None = None
    exhausted_sites: tuple[int, ...] = ()  # hourly count of exhausted sites (the network)
    unfilled_critical: int = 0
    staffed_beds_free: int | None = None
    equipment_ready_share: float | None = None
    mutual_aid: str = ""

    @property
    def current(self) -> float | None:
        return self.utilization[-1] if self.utilization else None


@dataclass(frozen=True)
class Trigger:
    """A reason to propose ``to_level``: the indicator that fired, its value and the
    threshold it crossed, in a sentence."""

    to_level: int
    indicator: str
    value: float
    threshold: float
    text: str


def _last(values: Sequence[float | None], hours: int) -> list[float] | None:
    """The last ``hours`` values, or None when the window is not complete."""
    window = list(values[-hours:]) if hours else []
    if len(window) < hours or any(v is None for v in window):
        return None
    return [float(v) for v in window if v is not None]


def _pct(value: float) -> str:
    return f"{value:.0f} %" if math.isfinite(value) else "no staffed bed"


def up_triggers(ind: Indicators, th: Thresholds = DEFAULT) -> list[Trigger]:
    """Every up-trigger that holds now, for a site (levels 2–4)."""
    fired: list[Trigger] = []
    now = ind.current
    window = _last(ind.utilization, th.elevated_hours)
    if window is not None and min(window) > th.elevated_utilization:
        fired.append(Trigger(ELEVATED, "utilization_sustained", min(window), th.elevated_utilization,
                             f"Utilization above {th.elevated_utilization:.0f} % for {th.elevated_hours} hours "
                             f"(lowest {_pct(min(window))})."))
    if ind.forecast_peak is not None and ind.forecast_peak > th.elevated_utilization:
        fired.append(Trigger(ELEVATED, "forecast_utilization", ind.forecast_peak, th.elevated_utilization,
                             f"The forecast takes utilization to {_pct(ind.forecast_peak)} within 12 hours."))
    if ind.demand_excess is not None and ind.demand_excess >= th.elevated_demand:
        level = SURGE if ind.demand_excess >= th.surge_demand else ELEVATED
        threshold = th.surge_demand if level == SURGE else th.elevated_demand
        fired.append(Trigger(level, "demand_over_forecast", ind.demand_excess, threshold,
                             f"Demand {ind.demand_excess:.0%} above forecast."))
    if now is not None and now > th.surge_utilization:
        fired.append(Trigger(SURGE, "utilization", now, th.surge_utilization,
                             f"Utilization {_pct(now)}, above {th.surge_utilization:.0f} %."))
    if now is not None and now >= th.exhausted_utilization:
        fired.append(Trigger(MAJOR, "resources_exhausted", now, th.exhausted_utilization,
                             f"Resources exhausted: utilization {_pct(now)}, no staffed bed free."))
    return fired


def holds(level: int, ind: Indicators, th: Thresholds = DEFAULT) -> bool:
    """Whether the indicators still hold ``level`` (hysteresis: a level is kept until
    its indicator has stayed below threshold − margin for the whole down window)."""
    if level <= NORMAL:
        return True
    if level == CATASTROPHIC:
        counts = ind.exhausted_sites[-th.down_hours:]
        return len(counts) < th.down_hours or max(counts) >= th.exhausted_sites
    window = _last(ind.utilization, th.down_hours)
    if window is None:
        return True  # not enough history to say it is over
    peak = max(window)
    demand = ind.demand_excess
    if level == ELEVATED:
        return (peak >= th.elevated_utilization - th.down_margin
                or (demand is not None and demand >= th.elevated_demand - th.down_demand_margin)
                or (ind.forecast_peak is not None
                    and ind.forecast_peak >= th.elevated_utilization - th.down_margin))
    if level == SURGE:
        return (peak >= th.surge_utilization - th.down_margin
                or (demand is not None and demand >= th.surge_demand - th.down_demand_margin))
    return peak >= th.exhausted_utilization - th.down_margin


def site_trigger(level: int, ind: Indicators, th: Thresholds = DEFAULT) -> Trigger | None:
    """What to propose for a site at ``level`` now: the highest level an up-trigger
    justifies (if above the current one), else one step down when the level no longer
    holds, else nothing."""
    fired = [t for t in up_triggers(ind, th) if t.to_level > level]
    if fired:
        top = max(t.to_level for t in fired)
        return next(t for t in fired if t.to_level == top)
    if level > NORMAL and not holds(level, ind, th):
        window = _last(ind.utilization, th.down_hours) or [0.0]
        return Trigger(level - 1, "below_threshold_sustained", max(window), th.down_hours,
                       f"Level {level_name(level)} no longer holds: utilization at most "
                       f"{_pct(max(window))} over the last {th.down_hours} hours.")
    return None


def network_trigger(level: int, site_levels: Sequence[int], ind: Indicators,
                    th: Thresholds = DEFAULT) -> Trigger | None:
    """The network's level: catastrophic when several sites are exhausted now; otherwise
    it follows the highest confirmed site level (up at once, down with hysteresis on
    the exhaustion count)."""
    now = ind.exhausted_sites[-1] if ind.exhausted_sites else 0
    if now >= th.exhausted_sites and level < CATASTROPHIC:
        return Trigger(CATASTROPHIC, "sites_exhausted", now, th.exhausted_sites,
                       f"{now} sites exhausted at once: regional coordination needed.")
    highest = min(max(site_levels, default=NORMAL), MAJOR)
    if highest > level:
        return Trigger(highest, "site_level", highest, level,
                       f"A site of the network is at level {level_name(highest)}.")
    if level == CATASTROPHIC and holds(CATASTROPHIC, ind, th):
        return None
    if level > highest and level > NORMAL:
        return Trigger(level - 1, "below_threshold_sustained", highest, level,
                       f"No site holds level {level_name(level)} any more (highest {level_name(highest)}).")
    return None
