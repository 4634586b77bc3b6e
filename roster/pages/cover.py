"""The cover editor of a unit: its weekly template (set by hand, or derived from the ratio
rules and a census estimate), applying it to a period, and one date's override. For the
unit's managers and their site's coordinators. Thin: ``roster.cover_templates``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .. import access, cover_templates
from ..errors import DomainError, NotAllowed
from ..forms import date_input
from ..models import (
    COVER_MAX,
    PATIENTS_MAX,
    WEEKDAY_NAMES,
    CertificationType,
    ShiftType,
    Skill,
    Staff,
    Unit,
)
from ..timeutil import validate_day

WEEKDAY_CHOICES = [(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)]
ALL_WEEK = [str(i) for i in range(7)]


def _number(label: str, top: int, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=top,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **kwargs)


class _UnitForm(forms.Form):
    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        if "shift_type" in self.fields:
            field = self.fields["shift_type"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = ShiftType.objects.filter(site=unit.site_id).order_by("start_time")
        if "need" in self.fields:
            need = self.fields["need"]
            assert isinstance(need, forms.ChoiceField)
            need.choices = (
                [(f"role:{v}", label) for v, label in Staff.Role.choices]
                + [(f"skill:{s.pk}", f"Skill: {s.name}") for s in Skill.objects.order_by("name")]
                + [(f"cert:{c.pk}", f"Certification: {c.name}") for c in CertificationType.objects.order_by("name")]
            )

    def clean_need(self) -> cover_templates.Need:
        kind, _, value = self.cleaned_data["need"].partition(":")
        if kind == "role":
            return cover_templates.Need(role=value)
        if kind == "skill":
            return cover_templates.Need(skill=Skill.objects.get(pk=int(value)))
        return cover_templates.Need(certification_type=CertificationType.objects.get(pk=int(value)))

    def _check_levels(self, cleaned: dict[str, Any]) -> None:
        low, mid, high = cleaned.get("minimum"), cleaned.get("preferred"), cleaned.get("maximum")
        if low is not None and mid is not None and mid < low:
            self.add_error("preferred", "The preferred number cannot be below the minimum.")
        if mid is not None and high is not None and high < mid:
            self.add_error("maximum", "The maximum cannot be below the preferred number.")


class LineForm(_UnitForm):
    """Set one need on a shift type, on some days of the week."""

    weekdays = forms.MultipleChoiceField(label="Days", choices=WEEKDAY_CHOICES, initial=ALL_WEEK,
                                         widget=forms.CheckboxSelectMultiple)
    shift_type = forms.ModelChoiceField(queryset=ShiftType.objects.none(), label="Shift")
    need = forms.ChoiceField(label="Needs")
    minimum = _number("Minimum", COVER_MAX)
    preferred = _number("Preferred", COVER_MAX)
    maximum = _number("Maximum", COVER_MAX)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._check_levels(cleaned)
        return cleaned


class DeriveForm(_UnitForm):
    """What the ratio rules ask for with a census estimate, on some days of the week."""

    weekdays = forms.MultipleChoiceField(label="Days", choices=WEEKDAY_CHOICES, initial=ALL_WEEK,
                                         widget=forms.CheckboxSelectMultiple)
    shift_type = forms.ModelChoiceField(queryset=ShiftType.objects.none(), label="Shift")
    patients = _number("Patients expected", PATIENTS_MAX, help_text="Your census estimate for this shift.")


class ApplyForm(forms.Form):
    start_date = forms.DateField(label="From", validators=[validate_day], widget=date_input())
    end_date = forms.DateField(label="To", validators=[validate_day], widget=date_input())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The period must end on or after its start.")
        return cleaned


class OverrideForm(_UnitForm):
    """One date differs from the usual week."""

    date = forms.DateField(label="Date", validators=[validate_day], widget=date_input())
    shift_type = forms.ModelChoiceField(queryset=ShiftType.objects.none(), label="Shift")
    need = forms.ChoiceField(label="Needs")
    minimum = _number("Minimum", COVER_MAX)
    preferred = _number("Preferred", COVER_MAX)
    maximum = _number("Maximum", COVER_MAX)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._check_levels(cleaned)
        return cleaned


class ClearForm(_UnitForm):
    shift_type = forms.ModelChoiceField(queryset=ShiftType.objects.none())
    need = forms.ChoiceField()


def next_month(today: dt.date) -> tuple[dt.date, dt.date]:
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last


FORMS: dict[str, type[forms.Form]] = {
    "set": LineForm, "derive": DeriveForm, "preview": DeriveForm, "apply": ApplyForm,
    "override": OverrideForm, "clear": ClearForm,
}


def _unit(request: HttpRequest, pk: int) -> Unit:
    unit = get_object_or_404(access.visible_units(request.user).select_related("site"), pk=pk)
    if not access.can_manage_unit(request.user, unit.pk):
        raise PermissionDenied("Only the unit's managers and its site's coordinators set its cover.")
    return unit


def _act(request: HttpRequest, unit: Unit, action: str, form: forms.Form) -> str:
    """Carry out a valid form; the message to show. DomainError passes through."""
    data = form.cleaned_data
    user = request.user
    if action == "set":
        lines = cover_templates.template_set(
            actor=user, unit=unit, weekdays=[int(d) for d in data["weekdays"]], shift_type=data["shift_type"],
            need=data["need"], minimum=data["minimum"], preferred=data["preferred"], maximum=data["maximum"],
        )
        return f"{data['need'].label} on {data['shift_type'].code} set for {len(lines)} day{'s' if len(lines) != 1 else ''} of the week."
    if action == "derive":
        derived = cover_templates.template_derive(
            actor=user, unit=unit, weekdays=[int(d) for d in data["weekdays"]], shift_type=data["shift_type"],
            patients=data["patients"],
        )
        return "Set from the ratio rules: " + "; ".join(d.derivation for d in derived) + "."
    if action == "apply":
        result = cover_templates.template_apply(actor=user, unit=unit, start_date=data["start_date"],
                                                end_date=data["end_date"])
        text = (f"Weekly cover applied to {result.start_date:%a %-d %b} – {result.end_date:%a %-d %b %Y}: "
                f"{result.created} added, {result.updated} changed, {result.removed} removed, "
                f"{result.unchanged} already so")
        if result.overrides_kept:
            text += f"; {result.overrides_kept} date{'s' if result.overrides_kept != 1 else ''} set on their own kept"
        return text + "."
    if action == "override":
        row = cover_templates.cover_override(
            actor=user, unit=unit, date=data["date"], shift_type=data["shift_type"], need=data["need"],
            minimum=data["minimum"], preferred=data["preferred"], maximum=data["maximum"],
        )
        return (f"{row.date:%a %-d %b} {data['shift_type'].code}: {data['need'].label} set to "
                f"{row.minimum}/{row.preferred}/{row.maximum} for that date only.")
    gone = cover_templates.template_clear_row(actor=user, unit=unit, shift_type=data["shift_type"],
                                              need=data["need"])
    return f"{data['need'].label} on {data['shift_type'].code} removed from {gone} day{'s' if gone != 1 else ''} of the week."


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def cover_editor(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    today = timezone.localdate()
    first, last = next_month(today)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    bound: forms.Form | None = None
    preview: list[cover_templates.DerivedLine] = []
    status = 200
    if request.method == "POST":
        form_class = FORMS.get(action)
        if form_class is None:
            messages.error(request, "Unknown action: nothing was changed.")
            return redirect("cover-editor", pk=unit.pk)
        bound = form_class(request.POST, unit=unit) if issubclass(form_class, _UnitForm) else form_class(request.POST)
        if bound.is_valid():
            try:
                if action == "preview":
                    preview = cover_templates.derive_lines(unit, bound.cleaned_data["shift_type"],
                                                           bound.cleaned_data["patients"])
                else:
                    messages.success(request, _act(request, unit, action, bound))
                    return redirect("cover-editor", pk=unit.pk)
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                bound.add_error(exc.field if exc.field in bound.fields else None, exc.message)
                status = 400
        else:
            status = 400

    def form(name: str, cls: type[forms.Form], **initial: Any) -> forms.Form:
        if bound is not None and action == name:
            return bound
        return cls(unit=unit, initial=initial) if issubclass(cls, _UnitForm) else cls(initial=initial)

    derive_form = bound if bound is not None and action in ("derive", "preview") else DeriveForm(unit=unit)
    gaps = cover_templates.cover_gaps(unit, first, last)
    context = {
        "unit": unit,
        "weekdays": WEEKDAY_NAMES,
        "table": cover_templates.template_table(unit),
        "line_form": form("set", LineForm),
        "derive_form": derive_form,
        "preview": preview,
        "apply_form": form("apply", ApplyForm, start_date=first, end_date=last),
        "override_form": form("override", OverrideForm, date=first),
        "overrides": cover_templates.overrides_in(unit, today, last),
        "month": (first, last),
        "gaps": gaps,
        "action": action,
    }
    return render(request, "roster/cover_editor.html", context, status=status)


urlpatterns: list[URLPattern | URLResolver] = [
    path("rosters/units/<int:pk>/cover/", cover_editor, name="cover-editor"),
]
