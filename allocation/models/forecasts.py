"""Models of allocation's forecasts (imported by allocation.models).

``ForecastModel`` keeps each unit's last daily fit; ``HourForecast`` the latest forecast
of each hour of the next 14 days (arrivals in the hour and the census at its end);
``ForecastWindow`` the totals forecast for the product's horizons as issued, kept so
that they can be compared with what happened once the window has passed. How they are
computed: ``allocation/forecasts.py``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from roster.models import Unit


class ForecastModel(models.Model):
    """A unit's fitted arrivals forecaster and its discharge rates, refitted daily."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="forecast_model")
    fitted_at = models.DateTimeField()
    history_from = models.DateTimeField(help_text="First hour of the history the fit used.")
    history_hours = models.PositiveIntegerField()
    arrivals = models.JSONField(help_text="The fitted arrivals forecaster (FittedForecaster.to_dict).")
    discharge_rate = models.JSONField(
        help_text="Share of the patients present who leave in an hour, per local clock hour (24 values).")
    mean_arrivals = models.FloatField(help_text="Arrivals per hour over the history.")
    seconds = models.FloatField(help_text="Time the fit took.")

    def __str__(self) -> str:
        return f"forecaster of {self.unit_id} fitted {self.fitted_at:%Y-%m-%d %H:%M}"


class HourForecast(models.Model):
    """The latest forecast of one hour of a unit: arrivals during the hour and the census
    at its end (as ``UnitHour``), as mean, variance and quantiles. Rewritten every hour
    until the hour has passed; afterwards it is the forecast made from the hour before."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="hour_forecasts")
    hour = models.DateTimeField(help_text="The start of the hour (UTC).")
    issued_at = models.DateTimeField(help_text="The hour from whose start the forecast was made.")
    arrivals_mean = models.FloatField()
    arrivals_var = models.FloatField()
    arrivals_median = models.FloatField()
    arrivals_q85 = models.FloatField()
    arrivals_q90 = models.FloatField()
    census_mean = models.FloatField()
    census_var = models.FloatField()
    census_median = models.FloatField()
    census_q85 = models.FloatField()
    census_q90 = models.FloatField()

    class Meta:
        ordering = ["unit", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "hour"], name="hour_forecast_unique"),
            models.CheckConstraint(
                condition=Q(arrivals_median__lte=F("arrivals_q85")) & Q(arrivals_q85__lte=F("arrivals_q90"))
                & Q(census_median__lte=F("census_q85")) & Q(census_q85__lte=F("census_q90")),
                name="hour_forecast_quantiles_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.hour:%Y-%m-%d %H:00}: census {self.census_median:.1f}"


class ForecastWindow(models.Model):
    """Arrivals forecast for the ``hours`` hours from ``start``, issued at ``start`` from
    the hours before it; ``actual`` is filled in once the window has passed."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="forecast_windows")
    start = models.DateTimeField()
    hours = models.PositiveIntegerField()
    mean = models.FloatField()
    median = models.FloatField()
    q85 = models.FloatField()
    q90 = models.FloatField()
    actual = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["unit", "start", "hours"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "start", "hours"], name="forecast_window_unique"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="forecast_window_hours_positive"),
        ]
        indexes = [models.Index(fields=["unit", "hours", "start"], name="forecast_window_unit_hours")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.start:%Y-%m-%d %H:00} +{self.hours} h: {self.median:.1f}"
