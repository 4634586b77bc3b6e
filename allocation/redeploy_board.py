"""What redeployment and mutual aid put on the status board (``allocation.board``):
moves approved and on their way (or just arrived), loans between sites under way, and
alerts for moves waiting for a decision and for loan requests the lender has not
acknowledged. A fixed number of queries per refresh, whatever the number of sites."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db.models import Q

from . import board
from .models.redeploy import MutualAidRequest, Recommendation

# An arrived move stays on the board this long, so both ends see it landed.
ARRIVED_SHOWN = dt.timedelta(hours=2)


def transfers(site_ids: Sequence[int], now: dt.datetime) -> Iterable[board.TransferItem]:
    ends = Q(origin_site__in=site_ids) | Q(destination_site__in=site_ids)
    moves = Recommendation.objects.filter(ends).filter(
        Q(status=Recommendation.Status.APPROVED)
        | Q(status=Recommendation.Status.ARRIVED, arrived_at__gte=now - ARRIVED_SHOWN),
    ).select_related("origin_unit", "destination_unit", "origin_site", "destination_site", "staff", "item")
    for rec in moves:
        what = str(rec.staff) if rec.staff_id else (str(rec.item) if rec.item_id else rec.resource_label)
        arrived = rec.status == Recommendation.Status.ARRIVED
        yield board.TransferItem(
            kind=rec.kind, what=f"{what} ({rec.resource_label})", origin=rec.origin_label,
            destination=rec.destination_label,
            status="arrived" if arrived else "in transit",
            departs=rec.departs_at, arrives=rec.arrived_at if arrived else rec.arrives_at,
            site_ids=(rec.origin_site_id, rec.destination_site_id), url=f"/redeployment/#rec-{rec.pk}")
    loans = MutualAidRequest.objects.filter(Q(site__in=site_ids) | Q(lender__in=site_ids),
                                            status=MutualAidRequest.Status.DEPLOYED).select_related("site", "lender")
    for loan in loans:
        ends_at = loan.deployed_at + dt.timedelta(hours=loan.hours) if loan.deployed_at else None
        yield board.TransferItem(
            kind="mutual aid", what=f"{loan.quantity} {loan.resource}", origin=loan.lender.name,
            destination=loan.site.name, status="deployed", departs=loan.deployed_at, arrives=ends_at,
            site_ids=(loan.lender_id, loan.site_id), url=f"/mutual-aid/{loan.pk}/")


def alerts(site_ids: Sequence[int], now: dt.datetime) -> Iterable[board.Alert]:
    waiting = MutualAidRequest.objects.filter(Q(site__in=site_ids) | Q(lender__in=site_ids),
                                              status=MutualAidRequest.Status.REQUESTED).select_related("site",
                                                                                                      "lender")
    for loan in waiting:
        late = loan.ack_due_at is not None and now > loan.ack_due_at
        text = (f"Mutual aid: {loan.lender} has not acknowledged {loan.site}'s request for {loan.quantity} "
                f"{loan.resource}" + (" — overdue, escalated" if late else ""))
        for site_id in (loan.site_id, loan.lender_id):
            if site_id in site_ids:
                yield board.Alert("critical" if late else "warning", loan.requested_at or now, text, site_id=site_id,
                                  url=f"/mutual-aid/{loan.pk}/")
    pending = Recommendation.objects.filter(destination_site__in=site_ids,
                                            status=Recommendation.Status.PROPOSED).select_related(
        "destination_site", "destination_unit")
    counts: dict[int, tuple[int, dt.datetime]] = {}
    for rec in pending:
        n, at = counts.get(rec.destination_site_id, (0, rec.created_at))
        counts[rec.destination_site_id] = (n + 1, max(at, rec.created_at))
    for site_id, (n, at) in counts.items():
        yield board.Alert("info", at, f"{n} redeployment move{'s' if n != 1 else ''} waiting for a decision",
                          site_id=site_id, url="/redeployment/")


def register() -> None:
    board.register_transfer_source("redeployment", transfers)
    board.register_alert_source("redeployment", alerts)
