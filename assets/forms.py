"""Forms for the equipment pages: shape only (the write functions check the rules)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q

from roster import access
from roster.models import Site, Staff, Unit

from .models import AssetType, WorkOrder
from .states import TRANSITIONS, Group, State, label


class ItemFilterForm(forms.Form):
    q = forms.CharField(label="Serial or type", required=False, max_length=60)
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, empty_label="All sites")
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, empty_label="All units")
    asset_type = forms.ModelChoiceField(queryset=AssetType.objects.all(), required=False, label="Type",
                                        empty_label="All types")
    group = forms.ChoiceField(choices=[("", "Any state"), *Group.choices], required=False, label="State")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = access.visible_sites(user)  # type: ignore[attr-defined]
        self.fields["unit"].queryset = access.visible_units(user).select_related("site")  # type: ignore[attr-defined]


class CheckOutForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, label="To unit",
                                  empty_label="(the operator's unit)")
    operator = forms.ModelChoiceField(queryset=Staff.objects.none(), required=False, empty_label="(nobody in particular)")
    hazardous = forms.BooleanField(required=False, label="Hazardous environment (decontaminate on return)")
    note = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = access.managed_units(user).select_related("site")  # type: ignore[attr-defined]
        self.fields["operator"].queryset = access.visible_staff(user).filter(active=True).order_by(  # type: ignore[attr-defined]
            "last_name", "first_name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("unit") and not data.get("operator"):
            self.add_error("unit", "Choose a unit or an operator.")
        return data


class TransferForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label="Send to")
    note = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.select_related("site")
        if not access.is_network_wide(user):
            units = units.filter(Q(pk__in=access.managed_units(user)) | Q(site__in=access.managed_sites(user)))
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class CheckInForm(forms.Form):
    hours_used = forms.DecimalField(required=False, min_value=Decimal(0), max_digits=7, decimal_places=1,
                                    label="Hours used")
    note = forms.CharField(required=False, max_length=200)


class TransitionForm(forms.Form):
    state = forms.ChoiceField(choices=State.choices, label="New state")
    reason = forms.CharField(max_length=500)

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [(s, label(s)) for s in TRANSITIONS[source]]  # type: ignore[attr-defined]


class ReadingForm(forms.Form):
    measure = forms.SlugField(max_length=40)
    value = forms.DecimalField(max_digits=10, decimal_places=2)


class FaultForm(forms.Form):
    reason = forms.CharField(max_length=500, label="What is wrong")


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(choices=WorkOrder.Outcome.choices)
    record = forms.CharField(max_length=2000, label="What was done and found", widget=forms.Textarea(attrs={"rows": 2}))


class ScanForm(forms.Form):
    serial = forms.CharField(max_length=60, label="Serial number on the label")
