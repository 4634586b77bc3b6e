"""/api/census/forecasts/…: forecasts per unit and site and their accuracy, read-only,
scoped as live operations are; bad parameters are 400s naming them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from allocation import forecasts
from allocation.staffing import hour_of
from roster.models import RatioRule, Staff

from .forecast_helpers import HOUR, history

pytestmark = pytest.mark.django_db


@pytest.fixture
def forecast(world):
    now = hour_of(timezone.now())
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    history(world.icu, days=10, rate=0.5, stay_hours=12, end=now)
    history(world.ward, days=10, rate=1.0, stay_hours=20, end=now)
    for k in range(3, 0, -1):
        forecasts.refresh_forecasts(now=now - k * HOUR)
    forecasts.refresh_forecasts(now=now)
    return now


def test_a_manager_reads_their_units_forecast_with_staff_at_the_chosen_quantile(world, forecast):
    client = world.client_for(world.manager)
    body = client.get("/api/census/forecasts/units/", {"hours": 6, "quantile": "0.85"}).json()
    assert [u["unit"] for u in body] == ["North ICU"]
    points = body[0]["points"]
    assert len(points) == 6 and body[0]["quantile"] == 0.85
    expected = forecasts.required_at([world.icu.pk], forecast, 6, 0.85)[world.icu.pk]
    assert [p["staff_required_total"] for p in points] == expected
    assert all(p["staff_required"] == {"RN": p["staff_required_total"]} for p in points)
    assert client.get(f"/api/census/forecasts/units/{world.icu.pk}/").json()["unit_id"] == world.icu.pk
    assert client.get(f"/api/census/forecasts/units/{world.ward.pk}/").status_code == 404
    assert client.get("/api/census/forecasts/units/", {"unit": world.ward.pk}).json() == {
        "unit": ["No unit you read has this id."]}


def test_staff_see_no_forecast_and_bad_parameters_are_named(world, forecast):
    assert world.client_for(world.nurse.user).get("/api/census/forecasts/units/").status_code == 403
    assert world.client_for(world.nurse.user).get("/api/census/forecasts/accuracy/").status_code == 403
    client = world.client_for(world.regional)
    for params, field in (({"quantile": "0.7"}, "quantile"), ({"hours": 0}, "hours"), ({"hours": 337}, "hours"),
                          ({"start": "2026-03-10T12:00"}, "start"), ({"unit": "x"}, "unit")):
        response = client.get("/api/census/forecasts/units/", params)
        assert response.status_code == 400 and field in response.json(), params
    response = client.get("/api/census/forecasts/accuracy/", {"hours": 5})
    assert response.status_code == 400 and "hours" in response.json()


def test_sites_sum_their_units_and_accuracy_lists_the_units_judged(world, forecast):
    client = world.client_for(world.regional)
    sites = {s["site"]: s for s in client.get("/api/census/forecasts/sites/", {"hours": 3}).json()}
    north = sites["North General"]
    assert north["units"] == 2 and len(north["points"]) == 3
    units = client.get("/api/census/forecasts/units/", {"hours": 3}).json()
    medians = sum(u["points"][0]["census_median"] for u in units if u["site_id"] == north["site_id"])
    assert abs(north["points"][0]["census_median"] - medians) < 1.5
    assert sites["South Infirmary"]["points"] == []  # its ED has no history
    accuracy = client.get("/api/census/forecasts/accuracy/", {"hours": 1}).json()
    assert {a["unit"] for a in accuracy} == {"North ICU", "North Ward 5"}
    assert all(a["windows"] == 3 and 0 <= a["coverage_90"] <= 1 for a in accuracy)
    since = (timezone.now() + dt.timedelta(days=1)).isoformat()
    assert client.get("/api/census/forecasts/accuracy/", {"hours": 1, "since": since}).json() == []
