"""My shifts: the list, the month calendar and the calendar feed. Thin: the logic is in
``roster.my_shifts`` and ``roster.calendar_feed``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from .. import absence, access, calendar_feed, my_shifts, selectors
from .. import requests as staff_requests
from ..errors import DomainError, NotAllowed
from ..forms import LeaveForm, QueueFilterForm, date_input, posted_choice
from ..models import Leave, Preference, ShiftType, Staff
from ..requests import leave_decide, leave_request, preference_create, preference_decide
from ..timeutil import EARLIEST_DAY, LATEST_DAY, validate_day


def _me(request: HttpRequest) -> Staff:
    me = access.staff_of(request.user)
    if me is None:
        raise PermissionDenied("This login is not a staff member's: there are no shifts to show.")
    return me


def _month(value: str | None, today: dt.date) -> dt.date:
    if not value:
        return today.replace(day=1)
    try:
        first = dt.date.fromisoformat(f"{value}-01")
    except ValueError as exc:
        raise Http404("Months look like 2026-03.") from exc
    if not EARLIEST_DAY <= first <= LATEST_DAY:
        raise Http404(f"Months run from {EARLIEST_DAY:%Y-%m} to {LATEST_DAY:%Y-%m}.")
    return first


@require_safe
@login_required
def shifts(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    today = timezone.localdate()
    upcoming, past = my_shifts.shift_list(me, today=today)
    feed = calendar_feed.feed_of(me)
    feed_url = request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))
    # The same address for calendar programs that subscribe on a click.
    webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    return render(request, "roster/self/shifts.html",
                  {"upcoming": upcoming, "past": past, "feed_url": feed_url, "webcal_url": webcal_url,
                   "me": me})


@require_safe
@login_required
def month(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    today = timezone.localdate()
    first = _month(request.GET.get("month"), today)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    weeks = my_shifts.month(me, year=first.year, month_number=first.month, today=today)
    return render(request, "roster/self/month.html", {
        "weeks": weeks, "first": first, "previous": previous, "following": following,
    })


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed: no login, the address itself is the secret."""
    staff = calendar_feed.staff_by_token(token)
    if staff is None:
        raise Http404("No such calendar.")
    response = HttpResponse(calendar_feed.ics(staff), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


@require_POST
@login_required
def feed_reset(request: HttpRequest) -> HttpResponse:
    calendar_feed.feed_reset(actor=request.user, staff=_me(request))
    messages.success(request, "Your calendar has a new address; the old one no longer works.")
    return redirect("my-shifts")


urlpatterns: list[URLPattern | URLResolver] = [
    path("me/shifts/", shifts, name="my-shifts"),
    path("me/calendar/", month, name="my-calendar"),
    path("me/calendar/reset/", feed_reset, name="calendar-feed-reset"),
    path("calendar/<str:token>.ics", feed, name="calendar-feed"),
]


# --- leave and preferences: filed by staff, decided by their unit's managers -------------

class PreferenceForm(forms.Form):
    date = forms.DateField(validators=[validate_day], widget=date_input())
    kind = forms.ChoiceField(choices=Preference.Kind.choices)
    shift_type = forms.ModelChoiceField(queryset=ShiftType.objects.none(), required=False,
                                        empty_label="The whole day", label="Shift")
    weight = forms.IntegerField(min_value=1, max_value=10, initial=3, help_text="1 (slight) to 10 (strong).")

    def __init__(self, *args: Any, staff: Staff, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shift_type"].queryset = ShiftType.objects.filter(  # type: ignore[attr-defined]
            site_id=staff.home_unit.site_id)


def _requests_context(me: Staff, leave_form: LeaveForm | None = None,
                      preference_form: PreferenceForm | None = None) -> dict[str, Any]:
    return {
        "leave_form": leave_form or LeaveForm(),
        "preference_form": preference_form or PreferenceForm(staff=me),
        "leave": Leave.objects.filter(staff=me).order_by("-start_date")[:50],
        "preferences": Preference.objects.filter(staff=me, date__gte=timezone.localdate())
        .select_related("shift_type").order_by("date")[:50],
    }


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    leave_form: LeaveForm | None = None
    preference_form: PreferenceForm | None = None
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "leave":
                leave_form = LeaveForm(request.POST)
                if leave_form.is_valid():
                    d = leave_form.cleaned_data
                    leave_request(actor=request.user, staff=me, kind=d["kind"], start_date=d["start_date"],
                                           end_date=d["end_date"], reason=d["reason"])
                    messages.success(request, "Leave requested: your manager will decide.")
                    return redirect("my-requests")
            elif what == "preference":
                preference_form = PreferenceForm(request.POST, staff=me)
                if preference_form.is_valid():
                    d = preference_form.cleaned_data
                    preference_create(actor=request.user, staff=me, day=d["date"], kind=d["kind"],
                                               weight=d["weight"], shift_type=d["shift_type"])
                    messages.success(request, "Preference filed.")
                    return redirect("my-requests")
            else:
                messages.error(request, "Choose leave or a preference.")
        except DomainError as exc:
            form = leave_form if what == "leave" else preference_form
            if form is not None:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    context = _requests_context(me, leave_form, preference_form)
    failed = any(f is not None and f.errors for f in (leave_form, preference_form))
    return render(request, "roster/self/requests.html", context, status=400 if failed else 200)


def _on_my_own(request: HttpRequest, model: type[Leave] | type[Preference], pk: int,
               act: Callable[[Any], object], done: Callable[[Any], str]) -> HttpResponse:
    """Act on one of my own requests (another person's is a 404), and say what happened."""
    row = get_object_or_404(model, pk=pk, staff=_me(request))
    try:
        act(row)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done(row))
    return redirect("my-requests")


@require_POST
@login_required
def leave_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_my_own(
        request, Leave, pk, lambda leave: staff_requests.leave_cancel(actor=request.user, leave=leave),
        lambda leave: f"Your {leave.get_kind_display().lower()} from {leave.start_date:%a %d %b} "
                      "is cancelled; your manager is told.")


@require_POST
@login_required
def preference_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_my_own(
        request, Preference, pk, lambda pref: staff_requests.preference_withdraw(actor=request.user, preference=pref),
        lambda pref: f"Your preference for {pref.date:%a %d %b} is withdrawn.")


@require_safe
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Pending leave and preferences of the units the user manages, narrowed to a unit
    and dates; each leave request with the person's annual leave left that year."""
    units = access.managed_units(request.user)
    if not units.exists():
        raise PermissionDenied("The queue is for managers.")
    form = QueueFilterForm(request.GET or None, units=units)
    valid = form.is_valid() if form.is_bound else True
    chosen = form.cleaned_data if form.is_bound and valid else {}
    leave = (Leave.objects.filter(staff__home_unit__in=units, status=Leave.Status.REQUESTED)
             .select_related("staff__home_unit", "staff__contract").order_by("start_date", "pk"))
    preferences = (Preference.objects.filter(staff__home_unit__in=units, status=Preference.Status.REQUESTED,
                                             date__gte=timezone.localdate())
                   .select_related("staff__home_unit", "shift_type").order_by("date", "pk"))
    if chosen.get("unit"):
        leave = leave.filter(staff__home_unit=chosen["unit"])
        preferences = preferences.filter(staff__home_unit=chosen["unit"])
    if chosen.get("date_from"):
        leave = leave.filter(end_date__gte=chosen["date_from"])
        preferences = preferences.filter(date__gte=chosen["date_from"])
    if chosen.get("date_to"):
        leave = leave.filter(start_date__lte=chosen["date_to"])
        preferences = preferences.filter(date__lte=chosen["date_to"])
    # A coordinator of a whole network may have thousands waiting: a page of each at once.
    leave_page = Paginator(leave, QUEUE_PAGE_SIZE).get_page(request.GET.get("leave_page"))
    # What approving each would take off the rosters, shown before the decision.
    clashes = absence.clashes_of(list(leave_page))
    balances = selectors.leave_balances(list(leave_page))
    return render(request, "roster/self/queue.html", {
        "form": form,
        "leave": leave_page,
        "leave_rows": [(row, clashes[row.pk], balances[row.pk]) for row in leave_page],
        "preferences": Paginator(preferences, QUEUE_PAGE_SIZE).get_page(request.GET.get("preference_page")),
    }, status=200 if valid else 400)


QUEUE_PAGE_SIZE = 50


@require_POST
@login_required
def decide(request: HttpRequest, what: str, pk: int) -> HttpResponse:
    if what not in ("leave", "preference"):
        raise Http404("Only leave and preferences are decided here.")
    approve = posted_choice(request.POST, "decision", "approve", "decline")
    if approve is None:
        messages.error(request, "Choose Approve or Decline.")
        return redirect("request-queue")
    note = request.POST.get("note", "")[:500]
    done = ""
    try:
        if what == "leave":
            leave = get_object_or_404(Leave.objects.filter(access.own_or_managed(request.user)), pk=pk)
            leave, released = leave_decide(actor=request.user, leave=leave, approve=approve, note=note)
            who, done = leave.staff, released.summary()
        else:
            pref = get_object_or_404(Preference.objects.filter(access.own_or_managed(request.user)), pk=pk)
            preference_decide(actor=request.user, preference=pref, approve=approve, note=note)
            who = pref.staff
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{'Approved' if approve else 'Declined'}: {who}." + (f" {done}" if done else ""))
    return redirect("request-queue")


@require_POST
@login_required
def decide_many(request: HttpRequest, what: str) -> HttpResponse:
    """One decision for every request ticked in the queue, each in its own transaction:
    one that cannot be decided (already decided, your own) is named and the rest go on."""
    if what not in ("leave", "preference"):
        raise Http404("Only leave and preferences are decided here.")
    approve = posted_choice(request.POST, "decision", "approve", "decline")
    picked = [int(pk) for pk in request.POST.getlist("pick") if pk.isdigit()][:QUEUE_PAGE_SIZE]
    if approve is None or not picked:
        messages.error(request, "Tick the requests, then choose Approve or Decline.")
        return redirect("request-queue")
    note = request.POST.get("note", "")[:500]
    model = Leave if what == "leave" else Preference
    done, refused = 0, []
    for row in model.objects.filter(access.own_or_managed(request.user), pk__in=picked).select_related("staff"):
        try:
            if isinstance(row, Leave):
                leave_decide(actor=request.user, leave=row, approve=approve, note=note)
            else:
                preference_decide(actor=request.user, preference=row, approve=approve, note=note)
            done += 1
        except DomainError as exc:
            refused.append(f"{row.staff}: {exc.message}")
    if done:
        messages.success(request, f"{'Approved' if approve else 'Declined'}: {done} request{'s' if done != 1 else ''}.")
    for reason in refused[:5]:
        messages.error(request, reason)
    return redirect("request-queue")


urlpatterns += [
    path("me/requests/", my_requests, name="my-requests"),
    path("requests/<str:what>/decide/", decide_many, name="request-decide-many"),
    path("me/requests/leave/<int:pk>/cancel/", leave_cancel, name="leave-cancel"),
    path("me/requests/preferences/<int:pk>/withdraw/", preference_withdraw, name="preference-withdraw"),
    path("requests/", queue, name="request-queue"),
    path("requests/<str:what>/<int:pk>/decide/", decide, name="request-decide"),
]
