"""Notifications have their own queue, so a long roster generation never holds up a
message; roster generation is capped in time; the workers the suite and the demo start
consume both queues."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app
from roster import tasks
from roster.models import Notification

ROOT = Path(__file__).resolve().parents[2]


def queue_of(task_name: str) -> str:
    return str(app.amqp.router.route({}, task_name)["queue"].name)


def test_notification_tasks_are_routed_to_their_own_queue():
    assert queue_of(tasks.notification_email.name) == "notifications"
    assert queue_of(tasks.announce_open_shifts.name) == "notifications"
    assert queue_of(tasks.generate_roster.name) == "celery"
    assert queue_of(tasks.certification_expiry_scan.name) == "celery"


def test_a_worker_started_without_a_queue_list_consumes_both():
    assert {q.name for q in app.amqp.queues.values()} == {"celery", "notifications"}


def test_roster_generation_is_stopped_soon_after_the_longest_search_allowed():
    assert settings.SOLVER_MAX_SECONDS <= 600
    assert tasks.generate_roster.soft_time_limit == settings.SOLVER_MAX_SECONDS + 120
    assert tasks.generate_roster.time_limit == settings.SOLVER_MAX_SECONDS + 180
    # Other tasks keep their own limits.
    assert tasks.notification_email.time_limit == 60


def test_the_demo_runs_a_worker_for_each_queue():
    demo = (ROOT / "bin" / "demo").read_text()
    assert "-Q notifications" in demo and "-Q celery" in demo


@pytest.mark.celery
def test_the_suites_worker_consumes_both_queues_and_sends_a_notification(
    transactional_db, world, celery_worker_process
):
    replies = app.control.inspect(timeout=5).active_queues() or {}
    consumed = {queue["name"] for queues in replies.values() for queue in queues}
    assert {"celery", "notifications"} <= consumed
    note = Notification.objects.create(recipient=world.nurse.user, text="Through its own queue")
    assert tasks.notification_email.delay(note.pk).get(timeout=60) == "sent"
