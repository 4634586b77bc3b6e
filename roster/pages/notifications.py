"""The inbox: one's own notifications, marked read one by one or all at once, and the
unread badge in the navigation that htmx refreshes. Thin: ``roster.notifications``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from .. import notifications
from ..errors import NotAllowed
from ..models import Notification

PAGE_SIZE = 30


@require_safe
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "roster/inbox/list.html", {"page": page})


@require_safe
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The badge alone, for htmx to swap in every half minute."""
    return render(request, "roster/inbox/badge.html", {"unread": notifications.unread_count(request.user)})


@require_POST
@login_required
def read(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    try:
        notifications.notification_read(actor=request.user, notification=note)
    except NotAllowed as exc:  # pragma: no cover - the lookup above already scopes it
        raise PermissionDenied(exc.message) from exc
    if note.link and url_has_allowed_host_and_scheme(note.link, allowed_hosts={request.get_host()}):
        return redirect(note.link)
    return redirect("inbox")


@require_POST
@login_required
def read_all(request: HttpRequest) -> HttpResponse:
    notifications.notifications_read_all(actor=request.user)
    return redirect("inbox")


urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/badge/", unread_badge, name="inbox-badge"),
    path("inbox/<int:pk>/read/", read, name="inbox-read"),
    path("inbox/read-all/", read_all, name="inbox-read-all"),
]
