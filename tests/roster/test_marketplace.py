"""Open shifts: offered only to those who may work them; the first valid claim wins,
enforced by the database even when fifty people press the button at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from roster import marketplace
from roster.editing import assignment_create
from roster.errors import Conflict, NotAllowed, RuleViolation
from roster.models import Assignment, AuditEvent, Leave, OpenShift, Roster, Staff
from roster.rosters import roster_create, roster_publish
from tests import factories as f


def upcoming_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


def published(world) -> Roster:
    start = upcoming_monday()
    roster = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    return roster_publish(actor=world.admin, roster=roster)


def post(world, roster, day: int = 2, shift=None, **kw) -> OpenShift:
    return marketplace.open_shift_post(actor=world.manager, roster=roster,
                                       day=roster.start_date + dt.timedelta(days=day),
                                       shift_type=shift or world.day, **kw)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_nurse_claims_an_open_shift_and_it_is_in_force(world):
    roster = published(world)
    shift = post(world, roster)
    assert marketplace.eligible_open_shifts(world.nurse) == [shift]
    assignment = marketplace.open_shift_claim(actor=world.nurse.user, open_shift=shift)
    assert assignment.live and assignment.staff == world.nurse and assignment.roster == roster
    shift.refresh_from_db()
    assert shift.status == OpenShift.Status.CLAIMED and shift.claimed_by == world.nurse
    assert AuditEvent.objects.filter(action="open_shift.claim").exists()
    assert marketplace.eligible_open_shifts(world.colleague) == []


def test_the_second_claim_is_told_it_is_taken(world):
    shift = post(world, published(world))
    marketplace.open_shift_claim(actor=world.nurse.user, open_shift=shift)
    with pytest.raises(Conflict, match="already taken"):
        marketplace.open_shift_claim(actor=world.colleague.user, open_shift=shift)
    assert Assignment.objects.filter(date=shift.date, shift_type=shift.shift_type).count() == 1


def test_it_is_offered_only_to_those_no_rule_stops(world):
    roster = published(world)
    shift = post(world, roster, day=3)
    # The colleague is on approved leave that day; the nurse worked the night before.
    Leave.objects.create(staff=world.colleague, start_date=shift.date, end_date=shift.date,
                         status=Leave.Status.APPROVED)
    assignment_create(actor=world.admin, roster=roster, staff=world.nurse,
                               shift_type=world.night, day=shift.date - dt.timedelta(days=1))
    assert marketplace.eligible_open_shifts(world.colleague) == []
    assert marketplace.eligible_open_shifts(world.nurse) == []
    with pytest.raises(RuleViolation) as refused:
        marketplace.open_shift_claim(actor=world.nurse.user, open_shift=shift)
    assert "min_rest" in {b.rule for b in refused.value.breaches}
    shift.refresh_from_db()
    assert shift.status == OpenShift.Status.OPEN  # nothing half-done


def test_it_needs_what_the_shift_asks_for(world):
    acls = f.CertificationTypeFactory(name="ACLS")
    shift = post(world, published(world), certification_type=acls)
    assert marketplace.eligible_open_shifts(world.nurse) == []
    f.CertificationFactory(staff=world.nurse, type=acls, issued=dt.date(2025, 1, 1),
                           expires=shift.date + dt.timedelta(days=365))
    assert marketplace.eligible_open_shifts(world.nurse) == [shift]


def test_staff_of_another_unit_cannot_claim_it(world):
    shift = post(world, published(world))
    assert marketplace.eligible_open_shifts(world.outsider) == []
    with pytest.raises(NotAllowed):
        marketplace.open_shift_claim(actor=world.outsider.user, open_shift=shift)


def test_the_float_pool_may_claim_across_its_site(world):
    floater = f.StaffFactory(home_unit=world.ward, float_pool=True)
    shift = post(world, published(world))
    assert marketplace.eligible_open_shifts(floater) == [shift]


def test_only_the_units_managers_post_and_only_on_a_published_roster(world):
    draft = f.RosterFactory(unit=world.icu, start_date=upcoming_monday(),
                            end_date=upcoming_monday() + dt.timedelta(days=6))
    from roster.errors import DomainError

    with pytest.raises(DomainError, match="published"):
        post(world, draft)
    roster = roster_publish(actor=world.admin, roster=draft)
    with pytest.raises(NotAllowed):
        marketplace.open_shift_post(actor=world.nurse.user, roster=roster, day=roster.start_date,
                                    shift_type=world.day)


# --- the API ---------------------------------------------------------------------------


def test_the_api_lists_eligible_shifts_and_claims_one(world):
    shift = post(world, published(world))
    nurse = api(world.nurse.user)
    listed = nurse.get("/api/open-shifts/?eligible=true").json()
    assert [row["id"] for row in listed["results"]] == [shift.pk]
    response = nurse.post(f"/api/open-shifts/{shift.pk}/claim/")
    assert response.status_code == 200, response.json()
    assert response.json()["open_shift"]["status"] == "claimed"
    assert response.json()["open_shift"]["claimed_by_me"] is True
    again = api(world.colleague.user).post(f"/api/open-shifts/{shift.pk}/claim/")
    assert again.status_code == 409
    assert "already taken" in str(again.json())


def test_the_api_hides_other_units_shifts_and_refuses_staff_posting(world):
    roster = published(world)
    shift = post(world, roster)
    outsider = api(world.outsider.user)
    assert outsider.get(f"/api/open-shifts/{shift.pk}/").status_code == 404
    assert outsider.post(f"/api/open-shifts/{shift.pk}/claim/").status_code == 404
    refused = api(world.nurse.user).post("/api/open-shifts/", {
        "roster": roster.pk, "date": roster.start_date.isoformat(), "shift_type": world.day.pk})
    assert refused.status_code == 403
    assert OpenShift.objects.count() == 1


def test_the_api_names_the_bad_field_when_posting(world):
    roster = published(world)
    manager = api(world.manager)
    response = manager.post("/api/open-shifts/", {
        "roster": roster.pk, "date": (roster.end_date + dt.timedelta(days=3)).isoformat(),
        "shift_type": world.day.pk})
    assert response.status_code == 400 and "date" in response.json()
    response = manager.post("/api/open-shifts/", {"roster": roster.pk, "date": "soon",
                                                   "shift_type": world.day.pk})
    assert response.status_code == 400 and "date" in response.json()
    created = manager.post("/api/open-shifts/", {
        "roster": roster.pk, "date": roster.start_date.isoformat(), "shift_type": world.day.pk})
    assert created.status_code == 201 and created.json()["status"] == "open"


# --- fifty at once -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_claims_give_exactly_one_assignment(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    shift = post(world, published(world))
    people = [f.StaffFactory(home_unit=world.icu) for _ in range(50)]
    users = [p.user for p in people]
    start = threading.Barrier(len(users))
    outcomes: list[str] = []
    lock = threading.Lock()

    def claim(user) -> None:
        from django.db import connection as thread_connection

        try:
            start.wait()
            marketplace.open_shift_claim(actor=user, open_shift=shift)
            result = "won"
        except Conflict:
            result = "taken"
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            result = f"error: {exc!r}"
        finally:
            thread_connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=claim, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(outcomes)) == ["taken", "won"], outcomes
    assert outcomes.count("won") == 1
    assert Assignment.objects.filter(date=shift.date, shift_type=shift.shift_type,
                                     staff__in=people).count() == 1
    shift.refresh_from_db()
    winner = Staff.objects.get(pk=shift.claimed_by_id)
    assert Assignment.objects.get(date=shift.date, staff__in=people).staff == winner


def test_publishing_offers_what_the_roster_leaves_uncovered(world):
    from roster.models import CoverageRequirement

    start = upcoming_monday()
    roster = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    CoverageRequirement.objects.create(unit=world.icu, date=start + dt.timedelta(days=1),
                                       shift_type=world.day, role="RN", minimum=2, preferred=2, maximum=3)
    assignment_create(actor=world.admin, roster=roster, staff=world.nurse, shift_type=world.day,
                               day=start + dt.timedelta(days=1))
    roster_publish(actor=world.manager, roster=roster)
    [shift] = OpenShift.objects.filter(roster=roster)
    assert (shift.date, shift.shift_type, shift.role) == (start + dt.timedelta(days=1), world.day, "RN")
    assert shift.status == OpenShift.Status.OPEN
    assert marketplace.eligible_open_shifts(world.colleague) == [shift]
    assert marketplace.eligible_open_shifts(world.nurse) == []  # already on that shift
    # A second version that still leaves the gap does not offer it twice.
    again = roster_create(actor=world.manager, unit=world.icu, start_date=start,
                                   end_date=roster.end_date)
    roster_publish(actor=world.manager, roster=again)
    [shift] = OpenShift.objects.filter(status=OpenShift.Status.OPEN)
    assert shift.roster == again  # the offer follows the version in force
    assignment = marketplace.open_shift_claim(actor=world.colleague.user, open_shift=shift)
    assert assignment.live and assignment.roster == again


def short_week(world, minimum=2):
    """A published week whose Tuesday day shift needs ``minimum`` RNs and has the nurse."""
    from roster.models import CoverageRequirement

    start = upcoming_monday()
    roster = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    tue = start + dt.timedelta(days=1)
    CoverageRequirement.objects.create(unit=world.icu, date=tue, shift_type=world.day, role="RN",
                                       minimum=minimum, preferred=minimum, maximum=minimum + 1)
    assignment_create(actor=world.admin, roster=roster, staff=world.nurse, shift_type=world.day, day=tue)
    return roster_publish(actor=world.manager, roster=roster), tue


def test_a_new_version_that_covers_the_place_withdraws_its_offer(world):
    roster, tue = short_week(world)
    [offer] = OpenShift.objects.filter(status=OpenShift.Status.OPEN)
    covered = roster_create(actor=world.manager, unit=world.icu, start_date=roster.start_date,
                                     end_date=roster.end_date)
    assignment_create(actor=world.manager, roster=covered, staff=world.colleague, shift_type=world.day,
                               day=tue)
    roster_publish(actor=world.manager, roster=covered)
    offer.refresh_from_db()
    assert offer.status == OpenShift.Status.WITHDRAWN
    assert marketplace.eligible_open_shifts(world.outsider) == []
    assert AuditEvent.objects.filter(action="open_shift.withdraw", object_id=str(offer.pk),
                                     rationale="the minimum it was posted for is met").exists()


def test_putting_someone_on_the_shift_in_force_by_hand_withdraws_the_offer(world):
    roster, tue = short_week(world)
    [offer] = OpenShift.objects.filter(status=OpenShift.Status.OPEN)
    assignment_create(actor=world.manager, roster=roster, staff=world.colleague, shift_type=world.day,
                               day=tue)
    offer.refresh_from_db()
    assert offer.status == OpenShift.Status.WITHDRAWN


def test_a_claim_on_a_place_filled_some_other_way_is_refused_and_the_offer_withdrawn(world):
    roster, tue = short_week(world)
    [offer] = OpenShift.objects.filter(status=OpenShift.Status.OPEN)
    # Filled by a path that does not look at offers (a raw write, as an import would).
    extra = f.StaffFactory(home_unit=world.icu)
    Assignment.objects.create(roster=roster, staff=extra, shift_type=world.day, date=tue, live=True,
                              starts_at=timezone.now() + dt.timedelta(days=30),
                              ends_at=timezone.now() + dt.timedelta(days=30, hours=12))
    with pytest.raises(Conflict, match="filled meanwhile"):
        marketplace.open_shift_claim(actor=world.colleague.user, open_shift=offer)
    offer.refresh_from_db()
    assert offer.status == OpenShift.Status.WITHDRAWN
    assert not Assignment.objects.filter(staff=world.colleague).exists()


def test_of_two_offers_for_a_minimum_the_claim_that_meets_it_withdraws_the_other(world):
    roster, tue = short_week(world, minimum=2)
    [offer] = OpenShift.objects.filter(status=OpenShift.Status.OPEN)
    # The manager also offered the place by hand (no minimum behind it): left alone.
    by_hand = post(world, roster, day=1)
    # Another automatic offer for the same minimum, as a second publication might leave.
    twin = OpenShift.objects.create(roster=roster, date=tue, shift_type=world.day, role="RN",
                                    coverage_requirement=offer.coverage_requirement)
    assert OpenShift.objects.filter(status=OpenShift.Status.OPEN).count() == 3
    marketplace.open_shift_claim(actor=world.colleague.user, open_shift=offer)
    twin.refresh_from_db()
    by_hand.refresh_from_db()
    assert twin.status == OpenShift.Status.WITHDRAWN
    assert by_hand.status == OpenShift.Status.OPEN


def test_the_people_who_could_take_an_open_shift_are_told_once(world, django_capture_on_commit_callbacks):
    from roster import tasks
    from roster.models import Notification

    roster = published(world)
    day = roster.start_date + dt.timedelta(days=2)
    # The nurse already works that day; a float nurse of the site and an ED nurse of
    # another site are candidates or not by place.
    assignment_create(actor=world.admin, roster=roster, staff=world.nurse, shift_type=world.day, day=day)
    floater = f.StaffFactory(home_unit=world.ward, float_pool=True, user=f.UserFactory(username="floater"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        shift = post(world, roster, day=2, shift=world.night)
    queued = [cb.keywords["args"] for cb in callbacks if cb.args[0] == tasks.announce_open_shifts.name]
    assert queued == [[[shift.pk]]]  # a worker does the telling, after the commit

    assert marketplace.announce([shift.pk]) == 2
    told = {n.recipient.username: n.text for n in Notification.objects.select_related("recipient")}
    assert set(told) == {"colleague", "floater"}  # not the nurse (rest), not the ED nurse
    assert told["colleague"].startswith("An open shift you could take: N on ")
    assert marketplace.announce([shift.pk]) == 0  # a retry tells nobody twice
    assert Notification.objects.count() == 2
    shift.refresh_from_db()
    assert shift.announced_at is not None and floater.pk


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_announces_an_open_shift_posted_on_a_page(world, celery_worker_process):
    import time

    from roster.models import Notification

    roster = published(world)
    post(world, roster, day=3)  # committed at once here: the task is queued on commit
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Notification.objects.filter(recipient=world.nurse.user).exists():
        time.sleep(0.2)
    assert Notification.objects.filter(recipient=world.nurse.user, text__contains="open shift you could take").exists()


def test_a_short_slot_on_the_roster_in_force_says_whether_it_is_on_offer(client, world):
    from django.urls import reverse

    roster, tue = short_week(world)  # two RNs needed, the nurse alone: one place offered on publishing
    client.force_login(world.manager)
    slot = {"slot": f"{tue.isoformat()}:{world.day.pk}"}
    panel = client.get(reverse("roster-detail", args=[roster.pk]), slot, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="slot-offers"' in panel and "not yet taken" in panel
    [offer] = OpenShift.objects.filter(status=OpenShift.Status.OPEN)
    marketplace.open_shift_withdraw(actor=world.manager, open_shift=offer)
    panel = client.get(reverse("roster-detail", args=[roster.pk]), slot, HTTP_HX_REQUEST="true").content.decode()
    assert "None offered." in panel and reverse("open-shift-list") in panel


def test_a_minimum_raised_after_publication_is_offered_and_lowered_again_withdrawn(world):
    from roster.models import CoverageRequirement

    roster, tue = short_week(world, minimum=1)  # the nurse alone meets it: nothing offered
    assert not OpenShift.objects.exists()
    req = CoverageRequirement.objects.get()
    client = api(world.manager)
    raised = client.patch(f"/api/coverage/{req.pk}/", {"minimum": 3, "preferred": 3, "maximum": 4}, format="json")
    assert raised.status_code == 200, raised.json()
    offers = OpenShift.objects.filter(status=OpenShift.Status.OPEN)
    assert [(o.date, o.role) for o in offers] == [(tue, "RN"), (tue, "RN")]
    assert offers[0].note.startswith("Short after the minimum was raised")
    lowered = client.patch(f"/api/coverage/{req.pk}/", {"minimum": 2, "preferred": 2}, format="json")
    assert lowered.status_code == 200, lowered.json()
    assert OpenShift.objects.filter(status=OpenShift.Status.OPEN).count() == 1
    # A new minimum on another day of the roster in force is offered too.
    wed = tue + dt.timedelta(days=1)
    made = client.post("/api/coverage/", {"unit": world.icu.pk, "date": wed.isoformat(), "shift_type": world.night.pk,
                                          "role": "RN", "minimum": 1, "preferred": 1, "maximum": 2}, format="json")
    assert made.status_code == 201, made.json()
    assert OpenShift.objects.filter(status=OpenShift.Status.OPEN, date=wed, shift_type=world.night).count() == 1
    assert roster.pk == OpenShift.objects.get(date=wed).roster_id


def test_a_minimum_added_in_the_admin_is_offered_too(client, world):
    from django.urls import reverse

    roster, tue = short_week(world, minimum=1)
    client.force_login(world.admin)
    response = client.post(reverse("admin:roster_coveragerequirement_add"), {
        "unit": world.icu.pk, "date": tue.isoformat(), "shift_type": world.day.pk, "role": "",
        "skill": "", "certification_type": f.CertificationTypeFactory(code="acls").pk,
        "minimum": 1, "preferred": 1, "maximum": 2, "priority": 1})
    assert response.status_code == 302, response.context["adminform"].form.errors
    [offer] = OpenShift.objects.filter(status=OpenShift.Status.OPEN)
    assert offer.certification_type.code == "acls" and offer.roster == roster


def test_the_offer_message_retires_once_its_shift_is_taken(world):
    from roster.models import Notification

    roster = published(world)
    floater = f.StaffFactory(home_unit=world.ward, float_pool=True, user=f.UserFactory(username="floater2"))
    shift = post(world, roster, day=2, shift=world.night)
    assert marketplace.announce([shift.pk]) >= 2
    offer_to_floater = Notification.objects.get(recipient=floater.user, text__contains="open shift")
    assert offer_to_floater.read_at is None
    marketplace.open_shift_claim(actor=world.colleague.user, open_shift=shift)
    offer_to_floater.refresh_from_db()
    assert offer_to_floater.read_at is not None  # no longer an offer anyone can take
