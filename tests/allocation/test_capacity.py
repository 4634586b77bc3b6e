"""The capacity assessment: its current state equals the live figures, the next 24 hours
come in four six-hour blocks with a confidence level, gaps and recommendations name an
owner; the page, its CSV and the API are scoped as live operations are."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from allocation.capacity import HOUR, assess
from allocation.forecasts import ForecastPoint
from allocation.staffing import unit_statuses
from roster.models import RatioRule, Staff, Unit
from tests import factories as f

from .helpers import T, admit, shift

pytestmark = pytest.mark.django_db
DAY_START = T.replace(hour=7)  # the day shift runs 07:00–19:00 (London is on UTC in March)


def steady(median: float, q85: float, q90: float):
    """A forecast source giving every unit the same quantiles every hour."""
    def source(unit_ids, start, hours):
        return {uid: [ForecastPoint(start + h * HOUR, median, q85, q90) for h in range(hours)] for uid in unit_ids}
    return source


def no_forecast(unit_ids, start, hours):
    return {}


@pytest.fixture
def icu(world):
    """The North ICU: 12 beds, one RN per two patients, 5 patients, Nia and Cal on the
    day shift, a third RN off duty."""
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    admit(world.icu, 5)
    shift(world.nurse, world.icu, DAY_START)
    shift(world.colleague, world.icu, DAY_START)
    f.StaffFactory(home_unit=world.icu, role=Staff.Role.RN)
    return Unit.objects.select_related("site").get(pk=world.icu.pk)


def line(assessment, kind, name):
    return next(x for x in assessment.current if x.kind == kind and x.name == name)


def test_the_current_state_is_the_live_staffing_of_the_units(world, icu):
    live = unit_statuses([icu], T)[0]
    a = assess(world.north, [icu], at=T, forecast=no_forecast)
    beds = line(a, "beds", "Staffed beds")
    assert (live.census, live.staffed_beds) == (5, 4)
    assert (beds.in_use, beds.available, beds.reserve) == (5, 0, 12 - 4)  # 8 physical beds without staff
    assert beds.utilization == live.utilization
    rn = line(a, "staff", "Registered nurse")
    assert (rn.in_use, rn.needed) == (live.on_shift_by_role["RN"], live.required["RN"]) == (2, 3)
    assert rn.available == 0 and rn.reserve == 1  # the third RN is off duty
    assert a.census == 5 and a.staffed_beds == 4


def test_the_next_24_hours_come_in_four_six_hour_blocks_with_gaps_at_the_chosen_quantile(world, icu):
    a = assess(world.north, [icu], at=T, forecast=steady(5, 5.5, 5.6))
    assert [b.label for b in a.blocks] == ["12:00–18:00", "18:00–00:00", "00:00–06:00", "06:00–12:00"]
    assert [b.start for b in a.blocks] == [T + 6 * i * HOUR for i in range(4)]
    first, second = a.blocks[0], a.blocks[1]
    assert first.confidence == "high"  # (5.6 − 5) / 5 = 12 % spread
    assert (first.beds_needed, first.staff_needed) == (6, {"RN": 3})  # 5.6 patients at the 90th: 6 beds, 3 RNs
    assert (first.beds_available, first.staff_available) == (4, {"RN": 2})  # Nia and Cal until 19:00
    assert (second.beds_available, second.staff_available) == (0, {"RN": 0})  # nobody rostered from 19:00
    gaps = {(g.block, g.resource): g for g in a.gaps}
    assert (gaps["12:00–18:00", "Staffed beds"].gap, gaps["12:00–18:00", "Registered nurse"].gap) == (2, 1)
    assert gaps["18:00–00:00", "Registered nurse"].gap == 3
    assert "unstaffed beds" in gaps["12:00–18:00", "Staffed beds"].mitigation
    owners = {r.resource: r.owner for r in a.recommendations}
    # 3 RNs short at night with 1 off duty: beyond the unit, so the site coordinator's call.
    assert owners["Registered nurse"] == "Site coordinator"
    assert owners["Staffed beds"] == "Unit manager"
    assert all(r.tradeoff for r in a.recommendations)
    median = assess(world.north, [icu], at=T, forecast=steady(5, 5.5, 5.6), quantile="median")
    assert median.blocks[0].beds_needed == 5


def test_a_wide_forecast_or_none_lowers_the_confidence(world, icu):
    assert assess(world.north, [icu], at=T, forecast=steady(5, 6, 6.4)).blocks[0].confidence == "medium"
    assert assess(world.north, [icu], at=T, forecast=steady(5, 7, 9)).blocks[0].confidence == "low"
    without = assess(world.north, [icu], at=T, forecast=no_forecast).blocks[0]
    assert without.confidence == "low" and without.units_without_forecast == ("North ICU",)
    assert without.census_q90 == 5  # the current census carried forward


def test_equipment_counts_come_from_the_equipment_register(world, icu):
    from assets.models import AssetType
    from tests.assets.factories import item

    vent = AssetType.objects.create(name="Ventilator")
    for state in ("ready", "deployed", "deployed", "repair"):
        item(vent, site=world.north, state=state, last_service_on=T.date())
    a = assess(world.north, [icu], at=T, forecast=no_forecast, user=world.coordinator)
    v = line(a, "equipment", "Ventilator")
    assert (v.available, v.in_use, v.reserve, v.out_of_service) == (1, 2, 0, 1)
    assert v.utilization_pct == 67


def test_a_coordinator_reads_the_page_and_the_csv_of_their_site(world, icu, client):
    client.force_login(world.coordinator)
    page = client.get(reverse("capacity:site", args=[world.north.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    for heading in ("Current state", "Projected demand", "Gap analysis", "Recommendations", "Owner:"):
        assert heading in text
    assert text.count('data-testid="block"') == 4
    download = client.get(reverse("capacity:csv", args=[world.north.pk]))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert ["Gap analysis"] in rows and ["Recommendations"] in rows
    assert any(r[:2] == ["beds", "Staffed beds"] and r[2] == "5" for r in rows)


def test_a_bad_quantile_is_a_message_on_the_page_and_a_400_naming_it_elsewhere(world, icu, client):
    client.force_login(world.coordinator)
    page = client.get(reverse("capacity:site", args=[world.north.pk]), {"quantile": "99"})
    assert page.status_code == 200 and "Quantile: one of" in page.content.decode()
    assert client.get(reverse("capacity:csv", args=[world.north.pk]), {"quantile": "x"}).status_code == 400
    api = world.client_for(world.coordinator).get(f"/api/census/capacity/{world.north.pk}/", {"quantile": "x"})
    assert api.status_code == 400 and "quantile" in api.json()


def test_who_may_assess_a_site(world, icu, client):
    url = reverse("capacity:site", args=[world.north.pk])
    client.force_login(world.nurse.user)
    assert client.get(url).status_code == 403  # staff see no live operations
    client.force_login(world.coordinator)
    assert client.get(reverse("capacity:site", args=[world.south.pk])).status_code == 404  # not their site
    client.force_login(world.manager)
    mine = client.get(url)
    assert mine.status_code == 200 and "Your units: North ICU" in mine.content.decode()
    assert "North Ward 5" not in mine.content.decode()
    client.force_login(world.regional)
    assert client.get(reverse("capacity:site", args=[world.south.pk])).status_code == 200


def test_the_api_returns_the_same_assessment_as_the_page(world, icu):
    api = world.client_for(world.manager)
    body = api.get(f"/api/census/capacity/{world.north.pk}/").json()
    assert body["scope"] == "units" and body["units"] == ["North ICU"]
    assert len(body["blocks"]) == 4 and {"need", "available", "gap", "mitigation"} <= set(body["gaps"][0])
    beds = next(x for x in body["current"] if x["kind"] == "beds")
    assert beds["in_use"] == unit_statuses([icu])[0].census
    assert all(r["owner"] for r in body["recommendations"])
    assert world.client_for(world.nurse.user).get(f"/api/census/capacity/{world.north.pk}/").status_code == 403
    assert world.client_for(world.manager).get(f"/api/census/capacity/{world.south.pk}/").status_code == 404
    assert world.client_for(world.manager).get("/api/census/capacity/999999999/").status_code == 404
