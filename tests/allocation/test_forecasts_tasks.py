"""The forecast tasks on a real Celery worker, and their place in beat's schedule."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from allocation.models.forecasts import ForecastModel, HourForecast
from allocation.staffing import hour_of
from allocation.tasks import fit_forecasts, refresh_forecasts
from config.celery import app

from .forecast_helpers import history

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_beat_fits_daily_and_refreshes_hourly():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule[fit_forecasts.name] == 24 * 60 * 60
    assert schedule[refresh_forecasts.name] == 60 * 60
    assert {fit_forecasts.name, refresh_forecasts.name} <= set(app.tasks)


def test_the_worker_fits_and_forecasts_each_unit_with_history(world, celery_worker_process):
    now = hour_of(timezone.now())
    history(world.ward, days=10, rate=1.0, stay_hours=8, end=now)
    assert fit_forecasts.delay().get(timeout=120) == 1
    model = ForecastModel.objects.get(unit=world.ward)
    assert model.history_hours >= 10 * 24 and len(model.discharge_rate) == 24
    hours = set(HourForecast.objects.filter(unit=world.ward).values_list("hour", flat=True))
    assert len(hours) == 336 and min(hours) >= now
    # Run again (beat's next hour, or a duplicate): the same hours, rewritten.
    assert refresh_forecasts.delay().get(timeout=120) == 1
    assert HourForecast.objects.filter(unit=world.ward, hour__gte=hour_of(timezone.now())).count() == 336
