"""Publishing a version: everyone whose shifts change is told once, and a draft that
would undo changes made in force since it was made names exactly those changes."""

from __future__ import annotations

import datetime as dt

import pytest

from roster import swaps
from roster.editing import assignment_create, assignment_delete
from roster.errors import Conflict, Stale
from roster.models import Assignment, Notification
from roster.rosters import roster_create, roster_publish
from tests import factories as f
from tests.roster.test_swaps import week


def messages(staff) -> list[str]:
    return list(Notification.objects.filter(recipient=staff.user, text__contains="is published")
                .values_list("text", flat=True))


def test_publishing_a_new_version_tells_each_person_whose_shifts_changed_once(world, django_capture_on_commit_callbacks):
    published, given, theirs = week(world)
    bystander = f.StaffFactory(home_unit=world.icu, user=f.UserFactory(username="bystander"))
    start = published.start_date
    assignment_create(actor=world.admin, roster=published, staff=bystander, shift_type=world.day,
                      day=start + dt.timedelta(days=6))
    Notification.objects.all().delete()
    draft = roster_create(actor=world.manager, unit=world.icu, start_date=start, end_date=published.end_date)
    # The nurse's Wednesday day becomes a night; the colleague's Friday goes; the
    # colleague gains a Saturday; the bystander's Sunday is untouched.
    mine = Assignment.objects.get(roster=draft, staff=world.nurse)
    assignment_delete(actor=world.manager, assignment=mine)
    assignment_create(actor=world.manager, roster=draft, staff=world.nurse, shift_type=world.night, day=given.date)
    assignment_delete(actor=world.manager, assignment=Assignment.objects.get(roster=draft, staff=world.colleague))
    assignment_create(actor=world.manager, roster=draft, staff=world.colleague, shift_type=world.day,
                      day=start + dt.timedelta(days=5))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        roster_publish(actor=world.manager, roster=draft)

    [nurse_text] = messages(world.nurse)
    assert f"{given.date:%a %d %b} moved from D to N" in nurse_text
    [colleague_text] = messages(world.colleague)
    assert f"D on {theirs.date:%a %d %b} removed" in colleague_text
    assert f"D on {start + dt.timedelta(days=5):%a %d %b} added" in colleague_text
    assert messages(bystander) == []
    # Each message's e-mail is queued for after the commit.
    assert len([cb for cb in callbacks if cb.args[0] == "roster.tasks.notification_email"]) == 2
    # Publishing is once per version: nobody is told twice.
    with pytest.raises(Conflict):
        roster_publish(actor=world.manager, roster=draft)
    assert len(messages(world.nurse)) == 1


def test_the_first_version_tells_everyone_on_it_their_shifts(world):
    _, given, _ = week(world)
    [text] = messages(world.nurse)
    assert text.startswith("Your shifts for North ICU") and f"D on {given.date:%a %d %b} added" in text


def test_a_stale_draft_names_exactly_what_publishing_would_undo(world):
    published, given, _ = week(world)
    draft = roster_create(actor=world.manager, unit=world.icu, start_date=published.start_date,
                          end_date=published.end_date)
    swap = swaps.swap_offer(actor=world.nurse.user, assignment=given, recipient=world.colleague)
    swaps.swap_respond(actor=world.colleague.user, swap=swap, accept=True)
    swaps.swap_decide(actor=world.manager, swap=swap, approve=True)
    with pytest.raises(Stale) as refused:
        roster_publish(actor=world.manager, roster=draft)
    message = refused.value.message
    day = f"{given.date:%a %d %b}"
    assert f"{world.colleague} on {day}: works D in the version in force, nothing in this draft" in message
    assert f"{world.nurse} on {day}: works nothing in the version in force, D in this draft" in message
    assert message.count(" on ") == 2  # nothing else is listed


def test_a_draft_that_already_carries_the_change_in_force_publishes_without_a_warning(world):
    published, given, _ = week(world)
    draft = roster_create(actor=world.manager, unit=world.icu, start_date=published.start_date,
                          end_date=published.end_date)
    extra = given.date + dt.timedelta(days=2)
    # A manager adds the same shift to the version in force and to the draft.
    assignment_create(actor=world.manager, roster=published, staff=world.nurse, shift_type=world.day, day=extra)
    assignment_create(actor=world.manager, roster=draft, staff=world.nurse, shift_type=world.day, day=extra)
    roster_publish(actor=world.manager, roster=draft)
    assert Assignment.objects.filter(live=True, staff=world.nurse, date=extra, roster=draft).exists()
