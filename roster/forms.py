"""Forms for the pages. The list filters are plain GET forms: they work without
JavaScript, and htmx submits the same fields to swap only the table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from . import access
from .models import AuditEvent, Certification, Leave, Roster, ShiftType, Site, Staff, Unit
from .rulebook import RULES, WAIVABLE
from .selectors import staff_search
from .timeutil import validate_day


def date_input() -> forms.DateInput:
    """A browser date picker: a date it is given (an initial value) must be ISO
    (2026-03-04) whatever the locale, or the picker shows empty."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def posted_choice(data: Any, name: str, yes: str, no: str) -> bool | None:
    """A two-button decision: True for ``yes``, False for ``no``, None for anything else
    (a garbled or missing answer is never taken as either)."""
    value = data.get(name)
    return True if value == yes else False if value == no else None


class LeaveForm(forms.Form):
    kind = forms.ChoiceField(choices=Leave.Kind.choices)
    start_date = forms.DateField(
        label="First day", validators=[validate_day], widget=date_input()
    )
    end_date = forms.DateField(label="Last day", validators=[validate_day], widget=date_input())
    reason = forms.CharField(required=False, max_length=500, help_text="Only you and your managers see it.")


class RecordLeaveForm(LeaveForm):
    """A manager records leave for someone, approved at once (a call-out, say)."""

    reason = forms.CharField(required=False, max_length=500,
                             help_text="Only the person and their managers see it.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = Leave.Kind.SICK
        self.fields["start_date"].initial = self.fields["end_date"].initial = timezone.localdate


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} · {obj.site.name}"


def _unit_field(units: QuerySet[Unit]) -> UnitChoiceField:
    return UnitChoiceField(
        queryset=units.select_related("site").order_by("site__name", "name"),
        required=False,
        empty_label="All units",
    )


class QueueFilterForm(forms.Form):
    """The request queue narrowed to a unit and the days requests fall on."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, empty_label="All units")
    date_from = forms.DateField(label="From", required=False, validators=[validate_day], widget=date_input())
    date_to = forms.DateField(label="To", required=False, validators=[validate_day], widget=date_input())

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _unit_field(units)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lo, hi = data.get("date_from"), data.get("date_to")
        if lo and hi and hi < lo:
            self.add_error("date_to", "The last day comes on or after the first.")
        return data


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


# --- rosters ------------------------------------------------------------------------

MAX_WEEKS = 8


class GenerateForm(forms.Form):
    """Ask the solver for a new draft: one unit, or (for coordinators) a whole site at
    once, its float pool shared between the units."""

    target = forms.ChoiceField(label="Roster for")
    start_date = forms.DateField(
        label="First day",
        help_text="A Monday.",
        validators=[validate_day],
        widget=date_input(),
    )
    weeks = forms.IntegerField(
        min_value=1, max_value=MAX_WEEKS, initial=4, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    time_limit_seconds = forms.IntegerField(
        label="Time limit (seconds)",
        min_value=1,
        max_value=settings.SOLVER_MAX_SECONDS,
        initial=30,
        help_text="The best roster found by then is kept.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, units: Iterable[Unit], sites: Iterable[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._units = {str(u.pk): u for u in units}
        self._sites = {str(s.pk): s for s in sites}
        choices = [(f"unit:{pk}", f"{u.name} · {u.site.name}") for pk, u in self._units.items()]
        choices += [
            (f"site:{pk}", f"Every unit of {s.name} at once (float pool shared)") for pk, s in self._sites.items()
        ]
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = choices
        if len(choices) == 1:
            self.fields["target"].initial = choices[0][0]

    def clean_start_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["start_date"]
        if day.weekday() != 0:
            raise forms.ValidationError(f"Rosters start on a Monday; {day:%A %d %B %Y} is a {day:%A}.")
        return day

    def clean_target(self) -> str:
        value: str = self.cleaned_data["target"]
        kind, _, pk = value.partition(":")
        if (kind == "unit" and pk in self._units) or (kind == "site" and pk in self._sites):
            return value
        raise forms.ValidationError("Choose a unit or a site you manage.")

    @property
    def site(self) -> Site:
        kind, _, pk = self.cleaned_data["target"].partition(":")
        return self._units[pk].site if kind == "unit" else self._sites[pk]

    @property
    def unit(self) -> Unit | None:
        kind, _, pk = self.cleaned_data["target"].partition(":")
        return self._units[pk] if kind == "unit" else None

    @property
    def end_date(self) -> dt.date:
        start: dt.date = self.cleaned_data["start_date"]
        return start + dt.timedelta(weeks=self.cleaned_data["weeks"], days=-1)


WAIVABLE_RULES = [(code, rule.label) for code, rule in RULES.items() if code in WAIVABLE]


class CellForm(forms.Form):
    """One cell of a draft roster: a shift, or off; with a waiver when a rule refused it."""

    staff = forms.ModelChoiceField(queryset=Staff.objects.none(), widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.HiddenInput)
    shift_type = forms.ModelChoiceField(
        label="Shift", queryset=ShiftType.objects.none(), required=False, empty_label="Off"
    )
    # Every waivable rule the change breaks: one waiver, one reason, names them all.
    waiver_rule = forms.MultipleChoiceField(choices=WAIVABLE_RULES, required=False, widget=forms.MultipleHiddenInput)
    waiver_reason = forms.CharField(
        label="Reason for the waiver",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, roster: Roster, people: QuerySet[Staff], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roster = roster
        self.fields["staff"].queryset = people  # type: ignore[attr-defined]
        self.fields["shift_type"].queryset = ShiftType.objects.filter(site_id=roster.unit.site_id)  # type: ignore[attr-defined]

    def clean_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["date"]
        if not self.roster.start_date <= day <= self.roster.end_date:
            raise forms.ValidationError("This day is outside the roster's period.")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("waiver_rule") and not (data.get("waiver_reason") or "").strip():
            self.add_error("waiver_reason", "A waiver needs a reason.")
        return data
