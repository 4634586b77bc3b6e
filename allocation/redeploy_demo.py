"""Demo data for redeployment: the site-to-site table (travel time and cost between every
two sites, by their order), and a first plan per site so the page has something to show
(once: re-running keeps the plans)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from roster.models import Site

from .models.redeploy import RedeployRun, SiteLink
from .recommendations import replan
from .redeploy import SolveOptions


@dataclass(frozen=True)
class RedeployDemo:
    links: int
    plans: int
    recommendations: int


def build_redeploy_demo() -> RedeployDemo:
    sites = list(Site.objects.order_by("pk"))
    links = 0
    for i, origin in enumerate(sites):
        for j, destination in enumerate(sites):
            if i == j:
                continue
            apart = abs(i - j)
            _, made = SiteLink.objects.get_or_create(
                origin=origin, destination=destination,
                defaults={"minutes": 25 + 20 * apart, "cost": Decimal(15 + 10 * apart)})
            links += made
    plans = recs = 0
    for site in sites:
        if RedeployRun.objects.filter(site=site).exists():
            continue  # re-running the demo keeps its plans
        run = replan(site, trigger="manual", force=True, options=SolveOptions(time_limit_s=5, workers=1))
        if run is not None:
            plans += 1
            recs += run.recommendations.count()
    return RedeployDemo(links, plans, recs)
