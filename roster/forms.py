"""Forms for the pages. The list filters are plain GET forms: they work without
JavaScript, and htmx submits the same fields to swap only the table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet

from . import access
from .models import AuditEvent, Certification, Staff, Unit
from .selectors import staff_search


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} · {obj.site.name}"


def _unit_field(units: QuerySet[Unit]) -> UnitChoiceField:
    return UnitChoiceField(
        queryset=units.select_related("site").order_by("site__name", "name"),
        required=False,
        empty_label="All units",
    )


class StaffFilterForm(forms.Form):
    q = forms.CharField(
        label="Name",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search by name", "autocomplete": "off"}),
    )
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)
    role = forms.ChoiceField(choices=[("", "All roles"), *Staff.Role.choices], required=False)
    float_pool = forms.ChoiceField(
        label="Float pool",
        choices=[("", "Everyone"), ("yes", "Float pool only"), ("no", "Not in float pool")],
        required=False,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only units the user can see are offered, and only those validate.
        self.fields["unit"] = _unit_field(access.visible_units(user))

    def filter(self, qs: QuerySet[Staff]) -> QuerySet[Staff]:
        data = self.cleaned_data
        if data.get("q"):
            qs = staff_search(qs, data["q"])
        if data.get("unit"):
            qs = qs.filter(home_unit=data["unit"])
        if data.get("role"):
            qs = qs.filter(role=data["role"])
        if data.get("float_pool") == "yes":
            qs = qs.filter(float_pool=True)
        elif data.get("float_pool") == "no":
            qs = qs.filter(float_pool=False)
        return qs


class CertificationFilterForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)
    within = forms.IntegerField(
        label="Expiring within (days)",
        required=False,
        min_value=0,
        max_value=3650,
        help_text="Includes certifications that have already expired.",
        widget=forms.NumberInput(attrs={"placeholder": "e.g. 30", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _unit_field(access.managed_units(user))

    def filter(self, qs: QuerySet[Certification], *, today: dt.date) -> QuerySet[Certification]:
        data = self.cleaned_data
        if data.get("unit"):
            qs = qs.filter(staff__home_unit=data["unit"])
        if data.get("within") is not None:
            # "What lapses within N days" includes what has lapsed already: those are the
            # most urgent rows, and a manager filtering for action must not miss them.
            qs = qs.filter(expires__lte=today + dt.timedelta(days=data["within"]))
        return qs


class AuditFilterForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)
    action = forms.CharField(
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. roster.publish"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _unit_field(access.managed_units(user))

    def filter(self, qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        data = self.cleaned_data
        if data.get("unit"):
            qs = qs.filter(unit=data["unit"])
        if data.get("action"):
            qs = qs.filter(action__icontains=data["action"])
        return qs
