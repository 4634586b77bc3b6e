"""The demo's crisis data: positions held, default playbooks, and yesterday's level 2 with
its report and confirmed step down; building it twice changes nothing."""

from __future__ import annotations

import pytest

from triage.crisis_demo import build_crisis_demo
from triage.crisis_state import positions_held, state_of
from triage.models import CrisisPosition, LevelChange, PlaybookStep, SituationReport

pytestmark = pytest.mark.django_db


def test_the_demo_has_positions_playbooks_and_a_short_history(world):
    assigned = build_crisis_demo()
    assert positions_held(world.coordinator, world.north) == ["incident_commander", "operations_manager"]
    assert positions_held(world.manager, world.north) == ["shift_supervisor"]
    assert positions_held(world.regional, None) == ["executive"]
    assert PlaybookStep.objects.filter(site=world.south).exists()
    changes = list(LevelChange.objects.filter(site=world.north).order_by("at").values_list("from_level", "to_level"))
    assert changes == [(1, 2), (2, 1)]
    assert state_of(world.north).level == 1
    report = SituationReport.objects.get(site=world.north)
    assert report.level == 2 and "norovirus" in report.situation.lower()
    assert build_crisis_demo() == assigned
    assert CrisisPosition.objects.count() == assigned and LevelChange.objects.count() == 2
