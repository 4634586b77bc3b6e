"""'A trade for': the colleagues' shifts a nurse could take in return for hers — only those
the rules let her work, colleagues of her role only — searchable by name, day or shift."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from roster import swaps
from roster.editing import assignment_create
from roster.errors import RuleViolation
from roster.models import Assignment
from roster.rosters import roster_publish
from tests import factories as f
from tests.roster.test_marketplace import upcoming_monday


def trading_week(world):
    """Nia works a night on Monday and a day on Wednesday (the one she offers). Colleagues'
    shifts: Cal's Tuesday day (no rest after her Monday night), his Friday day and his
    Saturday night (both fine), and a doctor's Thursday day (another role)."""
    start = upcoming_monday()
    roster = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    doctor = f.StaffFactory(home_unit=world.icu, role="MD", first_name="Dana", last_name="Doctor")

    def put(staff, shift, offset):
        return assignment_create(actor=world.admin, roster=roster, staff=staff, shift_type=shift,
                                 day=start + dt.timedelta(days=offset))

    put(world.nurse, world.night, 0)
    given = put(world.nurse, world.day, 2)
    shifts = {
        "tue": put(world.colleague, world.day, 1),
        "fri": put(world.colleague, world.day, 4),
        "sat": put(world.colleague, world.night, 5),
        "doctor": put(doctor, world.day, 3),
    }
    roster_publish(actor=world.admin, roster=roster)
    given = Assignment.objects.get(live=True, staff=world.nurse, date=given.date)
    found = {name: Assignment.objects.get(live=True, staff=a.staff, date=a.date) for name, a in shifts.items()}
    return given, found


def until():
    return upcoming_monday() + dt.timedelta(days=30)


def test_only_shifts_she_could_legally_take_are_listed(world):
    given, shifts = trading_week(world)
    listed = swaps.trade_options(world.nurse, given, until=until())
    assert [a.pk for a in listed] == [shifts["fri"].pk, shifts["sat"].pk]
    # The one answer: the offer itself refuses the unlisted Tuesday for the same rule.
    try:
        swaps.swap_offer(actor=world.nurse.user, assignment=given, counter_assignment=shifts["tue"])
    except RuleViolation as exc:
        assert any(b.rule == "min_rest" for b in exc.breaches)
    else:
        raise AssertionError("a trade the list leaves out was offered")


def test_the_search_keeps_shifts_matching_every_word(world):
    given, shifts = trading_week(world)
    sat = shifts["sat"].date.strftime("%a").lower()
    assert [a.pk for a in swaps.trade_options(world.nurse, given, until=until(), search=f"cal {sat}")] == [
        shifts["sat"].pk
    ]
    assert [a.pk for a in swaps.trade_options(world.nurse, given, until=until(), search="Night")] == [
        shifts["sat"].pk
    ]
    assert swaps.trade_options(world.nurse, given, until=until(), search="dana") == []


def test_the_page_lists_them_and_redraws_the_list_for_a_search(client, world):
    given, shifts = trading_week(world)
    client.force_login(world.nurse.user)
    page = client.get(reverse("swaps"), {"assignment": given.pk}).content.decode()
    choices = page[page.index('id="trade-choices"'):]
    choices = choices[:choices.index("</div>")]
    assert f'value="{shifts["fri"].pk}"' in choices and f'value="{shifts["sat"].pk}"' in choices
    assert f'value="{shifts["tue"].pk}"' not in choices and "Dana Doctor" not in choices
    assert "2 shifts you could take" in choices

    part = client.get(reverse("swap-trades"), {"assignment": given.pk, "q": "zzz" * 50},
                      HTTP_HX_REQUEST="true")
    assert part.status_code == 200
    html = part.content.decode()
    assert 'id="trade-choices"' in html and "<select" not in html
    assert "No colleague" in html
    part = client.get(reverse("swap-trades"), {"assignment": "nonsense", "q": "night"})
    assert part.status_code == 200 and f'value="{shifts["sat"].pk}"' in part.content.decode()


def test_someone_without_a_roster_gets_no_trade_list(client, world):
    client.force_login(world.manager)
    assert client.get(reverse("swap-trades")).status_code == 403
