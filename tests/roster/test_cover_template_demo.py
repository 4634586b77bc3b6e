"""The demo's units come with their usual week: next month, beyond the demo's four weeks
of census, still has cover on every day and night, weekends included."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.utils import timezone

from roster.cover_templates import cover_gaps, template_apply
from roster.models import CoverageRequirement, CoverTemplate, ShiftType, Unit
from roster.pages.cover import next_month


def test_every_demo_unit_covers_every_day_and_shift_of_next_month(db):
    call_command("seed_demo", stdout=io.StringIO())
    first, last = next_month(timezone.localdate())
    units = list(Unit.objects.select_related("site"))
    assert units and all(CoverTemplate.objects.filter(unit=u).exists() for u in units)
    for unit in units:
        template_apply(actor=None, unit=unit, start_date=first, end_date=last, check_access=False)
        gaps = cover_gaps(unit, first, last)
        assert not gaps, gaps.text()
        shifts = set(ShiftType.objects.filter(site=unit.site).values_list("code", flat=True))
        rows = CoverageRequirement.objects.filter(unit=unit, date__range=(first, last), minimum__gt=0)
        assert set(rows.values_list("shift_type__code", flat=True)) == shifts, unit
        assert rows.filter(date__week_day__in=[1, 7]).exists()  # Sundays and Saturdays
    # The usual week says where its numbers came from.
    line = CoverTemplate.objects.filter(role="RN").first()
    assert line is not None and "patients at 1 RN" in line.derivation
