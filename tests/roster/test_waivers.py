"""Waivers when one change breaks two fatigue limits at once (a day shift straight after
a night that also takes the week past its hours): one waiver names both, or, when a rule
nobody may waive is among them, the page says why none is offered; and after a waiver the
person's fatigue badge says "over limit, waived"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from roster import rules
from roster.assignments import waiver_record
from roster.editing import assignment_create
from roster.errors import DomainError, RuleViolation
from roster.models import Assignment, AuditEvent, FatigueRules, Leave, Waiver
from tests import factories as f

MON = dt.date(2026, 3, 2)
THU = MON + dt.timedelta(days=3)
BOTH = {rules.MIN_REST, rules.MAX_HOURS_7_DAYS}


@pytest.fixture
def roster(world):
    """Day, day, night for Nia, under a 40-hour week: a day shift on Thursday at 07:00
    leaves no rest after the night and makes 48 hours in seven days."""
    FatigueRules.objects.create(site=world.north, unit=world.icu, max_minutes_7_days=40 * 60)
    roster = f.RosterFactory(unit=world.icu, start_date=MON, end_date=MON + dt.timedelta(days=6))
    for offset, shift in ((0, world.day), (1, world.day), (2, world.night)):
        assignment_create(actor=world.manager, roster=roster, staff=world.nurse, shift_type=shift,
                          day=MON + dt.timedelta(days=offset))
    return roster


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def post_thursday_day(client, roster, world, **extra):
    data = {"staff": world.nurse.pk, "date": THU.isoformat(), "shift_type": world.day.pk, **extra}
    return client.post(reverse("roster-assign", args=[roster.pk]), data, HTTP_HX_REQUEST="true")


def test_one_waiver_naming_both_broken_rules_lets_the_shift_through(world, roster):
    with pytest.raises(RuleViolation) as exc:
        assignment_create(actor=world.manager, roster=roster, staff=world.nurse, shift_type=world.day, day=THU)
    assert {b.rule for b in exc.value.breaches} == BOTH

    rest_only = waiver_record(actor=world.manager, staff=world.nurse, day=THU, rules=[rules.MIN_REST],
                              reason="agency cancelled")
    with pytest.raises(RuleViolation) as exc:
        assignment_create(actor=world.manager, roster=roster, staff=world.nurse, shift_type=world.day, day=THU,
                          waiver=rest_only)
    assert {b.rule for b in exc.value.breaches} == {rules.MAX_HOURS_7_DAYS}

    both = waiver_record(actor=world.manager, staff=world.nurse, day=THU, rules=sorted(BOTH),
                         reason="agency cancelled; cleared with the director")
    a = assignment_create(actor=world.manager, roster=roster, staff=world.nurse, shift_type=world.day, day=THU,
                          waiver=both)
    assert a.waiver == both and set(both.covers) == BOTH


def test_a_waiver_naming_a_rule_nobody_may_waive_is_not_written(world):
    with pytest.raises(DomainError) as exc:
        waiver_record(actor=world.manager, staff=world.nurse, day=THU, rules=[rules.MIN_REST, rules.LEAVE],
                      reason="short staffed")
    assert exc.value.field == "rule" and "cannot be waived" in exc.value.message
    assert not Waiver.objects.exists()


def test_the_page_offers_one_waiver_for_both_rules_and_the_badge_then_says_waived(client, world, roster):
    client.force_login(_user("manager"))
    refused = post_thursday_day(client, roster, world)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'data-testid="waiver-form"' in page
    offered = set(re.findall(r'name="waiver_rule" value="([a-z_0-9]+)"', page))
    assert offered == BOTH
    assert "Minimum rest between shifts" in page and "and" in page

    response = post_thursday_day(client, roster, world, waiver_rule=sorted(offered),
                                 waiver_reason="Agency nurse cancelled; cleared with the director")
    assert response.status_code == 200, response.content.decode()[:2000]
    a = Assignment.objects.get(roster=roster, staff=world.nurse, date=THU)
    assert a.waiver is not None and set(a.waiver.covers) == BOTH
    event = AuditEvent.objects.get(action="waiver.create")
    assert set(event.after["rules"]) == BOTH

    grid = client.get(reverse("roster-detail", args=[roster.pk])).content.decode()
    row = grid[grid.index(f'data-staff="{world.nurse.pk}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-level="waived"' in row
    assert "over limit, waived" in row
    assert "48 h in the last 7 days" in row  # the figure stays in the badge's title


def test_the_page_says_why_no_waiver_is_offered_when_leave_is_broken_too(client, world, roster):
    Leave.objects.create(staff=world.nurse, start_date=THU, end_date=THU, status=Leave.Status.APPROVED)
    client.force_login(_user("manager"))
    response = post_thursday_day(client, roster, world)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="waiver-form"' not in page
    assert 'data-testid="no-waiver"' in page
    assert "No waiver can allow this change" in page and "cannot be waived" in page

    forced = post_thursday_day(client, roster, world, waiver_rule=[*sorted(BOTH), "leave"],
                               waiver_reason="short staffed")
    assert forced.status_code == 400
    assert not Waiver.objects.exists()
    assert not Assignment.objects.filter(roster=roster, date=THU).exists()


def test_the_api_records_one_waiver_for_both_rules_and_the_assignment_with_it(world, roster):
    api = world.client_for(world.manager)
    refused = api.post("/api/assignments/", {"roster": roster.pk, "staff": world.nurse.pk,
                                             "shift_type": world.day.pk, "date": THU.isoformat()}, format="json")
    assert refused.status_code == 409  # a rule refuses it
    bad = api.post("/api/waivers/", {"staff": world.nurse.pk, "date": THU.isoformat(), "rule": rules.MIN_REST,
                                     "rules": ["leave"], "reason": "x"}, format="json")
    assert bad.status_code == 400 and "rules" in bad.json()
    waiver = api.post("/api/waivers/", {"staff": world.nurse.pk, "date": THU.isoformat(), "rule": rules.MIN_REST,
                                        "rules": [rules.MAX_HOURS_7_DAYS], "reason": "cleared with the director"},
                      format="json")
    assert waiver.status_code == 201, waiver.content
    assert set(waiver.json()["rules"]) == BOTH
    made = api.post("/api/assignments/", {"roster": roster.pk, "staff": world.nurse.pk, "shift_type": world.day.pk,
                                          "date": THU.isoformat(), "waiver": waiver.json()["id"]}, format="json")
    assert made.status_code == 201, made.content
