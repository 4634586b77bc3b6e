"""Forms for the incident pages: the request's shape; the write functions check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from roster.models import Access, Site

from .models import PRINCIPLE_CHOICES, Ambulance, Incident, ReceivingHospital
from .permissions import sites_for_new_incident


class IncidentForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none())
    kind = forms.ChoiceField(choices=Incident.Kind.choices, label="Type")
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    commander = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False,
                                       label="Incident commander", help_text="You, unless you name someone else.")
    algorithm = forms.ChoiceField(choices=Incident.Algorithm.choices, initial=Incident.Algorithm.START,
                                  label="Triage")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = sites_for_new_incident(user)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        site_field.queryset = sites
        if sites.count() == 1:
            site_field.initial = sites.first()
        commander = self.fields["commander"]
        assert isinstance(commander, forms.ModelChoiceField)
        levels = [Access.Level.SITE_COORDINATOR, Access.Level.REGIONAL_COORDINATOR, Access.Level.ADMINISTRATOR]
        commander.queryset = get_user_model().objects.filter(
            Q(access__level__in=levels) | Q(is_superuser=True)).order_by("username").distinct()


class PolicyForm(forms.Form):
    objective = forms.ChoiceField(choices=Incident.Objective.choices)
    swf = forms.ChoiceField(choices=Incident.Swf.choices, label="Social-welfare function")
    principle = forms.ChoiceField(choices=PRINCIPLE_CHOICES, label="Principle of allocation")
    sensing_minutes = forms.IntegerField(min_value=1, max_value=60, label="Sensing interval (minutes)")
    buffer_minutes = forms.IntegerField(min_value=0, max_value=60, label="Buffer before locking (minutes)")


class AmbulanceForm(forms.Form):
    call_sign = forms.CharField(max_length=20)
    crew = forms.TypedChoiceField(choices=Ambulance.Crew.choices, coerce=int, initial=Ambulance.Crew.BASIC)


class HospitalForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.all(), required=False,
                                  help_text="A hospital of the network, or name another below.")
    name = forms.CharField(max_length=120, required=False)
    resources = forms.TypedChoiceField(choices=ReceivingHospital.Level.choices, coerce=int,
                                       initial=ReceivingHospital.Level.GENERAL, label="Level of care")
    capacity = forms.IntegerField(min_value=0, max_value=10_000, required=False,
                                  help_text="New victims it can take; a network site's is read live.")
    distance = forms.TypedChoiceField(choices=ReceivingHospital.Distance.choices, coerce=int,
                                      initial=ReceivingHospital.Distance.MEDIUM)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("site") and not (data.get("name") or "").strip():
            self.add_error("name", "Choose a site or give the hospital's name.")
        if data.get("capacity") is None:
            if data.get("site"):
                data["capacity"] = 0  # not used: the site's capacity is live
            elif "capacity" not in self.errors:
                self.add_error("capacity", "Give the capacity of a hospital outside the network.")
        return data


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(min_value=0, max_value=10_000)


class CrisisStandardsForm(forms.Form):
    declared = forms.BooleanField(required=False)
    reason = forms.CharField(max_length=2000)
