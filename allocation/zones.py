"""Utilization zones, defined once: the bands, their boundaries and what each asks for.

Utilization is census ÷ staffed beds, in per cent. Each band includes its lower bound
and excludes its upper one (50 is optimal, 80 high, 90 stressed), except the last
two: 95 itself is still stressed, only above 95 is saturated — the design's "> 95".
No Django here: the board, the forecasts and the crisis triggers read the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Zone(StrEnum):
    UNDER = "under"
    OPTIMAL = "optimal"
    HIGH = "high"
    STRESSED = "stressed"
    SATURATED = "saturated"


@dataclass(frozen=True)
class Band:
    zone: Zone
    label: str
    lower: float  # per cent, included (excluded for SATURATED: strictly above 95)
    action: str


BANDS: tuple[Band, ...] = (
    Band(Zone.UNDER, "Under-utilized", 0.0,
         "Capacity to spare: offer staff or beds to busier units, or consolidate."),
    Band(Zone.OPTIMAL, "Optimal", 50.0, "No action: keep monitoring."),
    Band(Zone.HIGH, "High", 80.0,
         "Prepare: review discharges, check on-call staff and the next shift's cover."),
    Band(Zone.STRESSED, "Stressed", 90.0,
         "Act: call in on-call or float staff, expedite discharges, warn the site coordinator."),
    Band(Zone.SATURATED, "Saturated", 95.0,
         "Escalate: divert or transfer admissions, request mutual aid, open surge capacity."),
)
BY_ZONE = {band.zone: band for band in BANDS}


def zone_of(utilization: float) -> Zone:
    """The zone of a utilization in per cent (may exceed 100)."""
    if utilization > BY_ZONE[Zone.SATURATED].lower:
        return Zone.SATURATED
    found = Zone.UNDER
    for band in BANDS[:-1]:
        if utilization >= band.lower:
            found = band.zone
    return found


def utilization_of(census: int, staffed_beds: int) -> float | None:
    """Census ÷ staffed beds in per cent; None when no bed is staffed (see ``zone_for``)."""
    if staffed_beds <= 0:
        return None
    return 100.0 * census / staffed_beds


def zone_for(census: int, staffed_beds: int) -> Zone | None:
    """The zone of a unit or site: patients with no staffed bed at all is saturated; no
    patients and no staffed bed (a closed unit) has no zone."""
    utilization = utilization_of(census, staffed_beds)
    if utilization is None:
        return Zone.SATURATED if census > 0 else None
    return zone_of(utilization)
