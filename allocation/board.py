"""What other capabilities put on the coordinators' status board.

The board (its page and its figures) reads live staffing itself; alerts, transfers and
per-site badges come from the capabilities that own them (equipment, backfill,
redeployment and mutual aid, crisis escalation), each registering a *source* here when
its app is ready. A source is called once per board refresh for all the sites shown,
so it must cost a fixed number of queries whatever the number of sites.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True)
class Alert:
    severity: str  # one of SEVERITIES
    at: dt.datetime
    text: str
    site_id: int | None = None
    unit_id: int | None = None
    url: str = ""


@dataclass(frozen=True)
class TransferItem:
    kind: str  # "staff", "equipment" or "mutual aid"
    what: str
    origin: str
    destination: str
    status: str
    departs: dt.datetime | None = None
    arrives: dt.datetime | None = None
    site_ids: tuple[int, ...] = ()  # the sites at either end
    url: str = ""


@dataclass(frozen=True)
class Badge:
    text: str
    tone: str = "info"  # "ok", "info", "warning" or "critical"
    url: str = ""


AlertSource = Callable[[Sequence[int], dt.datetime], Iterable[Alert]]
TransferSource = Callable[[Sequence[int], dt.datetime], Iterable[TransferItem]]
BadgeSource = Callable[[Sequence[int], dt.datetime], Mapping[int, Badge]]

_alerts: dict[str, AlertSource] = {}
_transfers: dict[str, TransferSource] = {}
_badges: dict[str, BadgeSource] = {}


def register_alert_source(name: str, source: AlertSource) -> None:
    """``source(site_ids, now)`` yields the alerts of those sites (registering the same
    name again replaces it, so an app reloaded does not count twice)."""
    _alerts[name] = source


def register_transfer_source(name: str, source: TransferSource) -> None:
    """``source(site_ids, now)`` yields the transfers under way to or from those sites."""
    _transfers[name] = source


def register_badge_source(name: str, source: BadgeSource) -> None:
    """``source(site_ids, now)`` maps a site's id to the badge shown on its card under
    ``name`` (a crisis level, equipment available…)."""
    _badges[name] = source


def alerts(site_ids: Sequence[int], now: dt.datetime) -> list[Alert]:
    found = [alert for source in _alerts.values() for alert in source(site_ids, now)]
    rank = {severity: i for i, severity in enumerate(SEVERITIES)}
    return sorted(found, key=lambda a: (-rank.get(a.severity, 0), -a.at.timestamp()))


def transfers(site_ids: Sequence[int], now: dt.datetime) -> list[TransferItem]:
    found = [item for source in _transfers.values() for item in source(site_ids, now)]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda t: t.arrives or far)


def badges(site_ids: Sequence[int], now: dt.datetime) -> dict[int, dict[str, Badge]]:
    """Per site: badge name → badge."""
    found: dict[int, dict[str, Badge]] = {}
    for name, source in _badges.items():
        for site_id, badge in source(site_ids, now).items():
            found.setdefault(site_id, {})[name] = badge
    return found
