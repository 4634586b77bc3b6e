"""Query parameters of the incidents API: a value a filter cannot use is a 400 naming
the parameter, never a database overflow."""

from __future__ import annotations

from typing import Any

from django import forms
from django_filters import rest_framework as filters

from ..models import Ambulance, Incident, ReceivingHospital, Victim

# The largest id a 64-bit database key holds.
MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):  # type: ignore[misc]
    """An id: a whole number from 1 to what a database key holds."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class IncidentFilter(filters.FilterSet):  # type: ignore[misc]
    site = IdFilter(field_name="site_id")

    class Meta:
        model = Incident
        fields = ["site", "status"]


class VictimFilter(filters.FilterSet):  # type: ignore[misc]
    incident = IdFilter(field_name="incident_id")
    priority = filters.TypedChoiceFilter(choices=[(p, f"P{p}") for p in range(1, 6)], coerce=int)

    class Meta:
        model = Victim
        fields = ["incident", "priority", "colour", "status"]


class AmbulanceFilter(filters.FilterSet):  # type: ignore[misc]
    incident = IdFilter(field_name="incident_id")
    crew = filters.TypedChoiceFilter(choices=Ambulance.Crew.choices, coerce=int)

    class Meta:
        model = Ambulance
        fields = ["incident", "status", "crew"]


class HospitalFilter(filters.FilterSet):  # type: ignore[misc]
    incident = IdFilter(field_name="incident_id")

    class Meta:
        model = ReceivingHospital
        fields = ["incident"]
