"""Stored forecasts: fitted on a unit's history, refreshed hourly, read per unit and per
site, turned into staff at a quantile and judged against actuals as they arrive."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from allocation import forecasts
from allocation.models.forecasts import ForecastModel, ForecastWindow, HourForecast
from roster.errors import DomainError
from roster.models import RatioRule, Staff

from .forecast_helpers import HOUR, NOW, history

pytestmark = pytest.mark.django_db


def test_a_fitted_unit_has_fourteen_days_of_hourly_forecasts_near_its_known_rate(world):
    history(world.ward, days=28, rate=2.0, stay_hours=10)
    assert forecasts.refresh_forecasts(now=NOW + dt.timedelta(minutes=5)) == 1  # the ward only: others have no history
    assert ForecastModel.objects.filter(unit=world.ward).exists()
    arrivals = forecasts.arrivals_forecast([world.ward.pk, world.icu.pk], NOW, 14 * 24)
    assert list(arrivals) == [world.ward.pk]
    points = arrivals[world.ward.pk]
    assert len(points) == 336 and points[0].hour == NOW and points[-1].hour == NOW + 335 * HOUR
    assert all(p.median <= p.q85 <= p.q90 for p in points)
    assert 1.7 < np.mean([p.median for p in points]) < 2.3
    # Census: about rate × stay = 20 patients, and tomorrow's as likely as today's.
    census = forecasts.census_forecast([world.ward.pk], NOW, 48)[world.ward.pk]
    assert 16 < census[-1].median < 24
    assert census[-1].q90 - census[-1].median > census[0].q90 - census[0].median
    # A window of the read inside: 4 hours from 14:00.
    assert [p.hour for p in forecasts.census_forecast([world.ward.pk], NOW + 2 * HOUR, 4)[world.ward.pk]] == [
        NOW + k * HOUR for k in range(2, 6)]


def test_staff_required_at_a_quantile_apply_the_ratio_rule_to_the_census_quantile(world):
    RatioRule.objects.create(unit=world.ward, role=Staff.Role.RN, patients_per_staff=4)
    history(world.ward, days=21, rate=2.0, stay_hours=10)
    forecasts.refresh_forecasts(now=NOW)
    census = forecasts.census_forecast([world.ward.pk], NOW, 12)[world.ward.pk]
    at_90 = forecasts.required_at([world.ward.pk], NOW, 12, 0.9)[world.ward.pk]
    at_50 = forecasts.required_at([world.ward.pk], NOW, 12, 0.5)[world.ward.pk]
    assert at_90 == [-(-forecasts.whole_count(p.q90) // 4) for p in census]
    assert at_50 == [-(-forecasts.whole_count(p.median) // 4) for p in census]
    assert sum(at_90) > sum(at_50)
    with pytest.raises(DomainError) as error:
        forecasts.required_at([world.ward.pk], NOW, 12, 0.7)
    assert error.value.field == "quantile"


def test_windows_meet_their_actuals_and_accuracy_is_computed_from_them(world):
    history(world.ed, days=21, rate=4.0, stay_hours=3)
    for k in range(6):  # six hourly refreshes, no new arrivals
        forecasts.refresh_forecasts([world.ed.pk], now=NOW + k * HOUR)
    assert ForecastWindow.objects.filter(unit=world.ed, hours=1).count() == 6
    # Hours 12:00–16:59 have passed by the last refresh (17:00): nobody arrived in them.
    done = ForecastWindow.objects.filter(unit=world.ed, actual__isnull=False)
    assert sorted(done.filter(hours=1).values_list("actual", flat=True)) == [0.0] * 5
    assert done.filter(hours=4).count() == 2
    figures = forecasts.accuracy_of([world.ed.pk, world.icu.pk], NOW, hours=1)
    assert list(figures) == [world.ed.pk]
    ed = figures[world.ed.pk]
    assert ed["windows"] == 5 and ed["mape"] is None  # no window had arrivals
    assert ed["coverage_90"] == 1.0 and ed["bias"] > 3  # forecasts ran high: nobody came
    assert ed["mae"] == pytest.approx(np.mean(list(done.filter(hours=1).values_list("median", flat=True))))
    # The hours already forecast were rewritten, not duplicated.
    assert HourForecast.objects.filter(unit=world.ed).count() == 336 + 5
