"""Equipment pages. Thin: scoping from ``assets.permissions``, writes through the write
functions, refusals shown as messages naming what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from roster import access

from . import custody, lifecycle, maintenance, selectors
from .errors import DomainError
from .forms import (
    CheckInForm,
    CheckOutForm,
    CompleteForm,
    FaultForm,
    ItemFilterForm,
    ReadingForm,
    ScanForm,
    TransferForm,
    TransitionForm,
)
from .models import Item
from .permissions import can_act, visible_items, visible_work_orders
from .states import GROUPS, Group

ITEM_PAGE_SIZE = 50


def _partial(request: HttpRequest, template_name: str, partial: str) -> str:
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return f"{template_name}#{partial}"
    return template_name


@require_safe
@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    form = ItemFilterForm(request.GET or None, user=request.user)
    filters: dict[str, Any] = {}
    status = 200
    if form.is_bound:
        if form.is_valid():
            d = form.cleaned_data
            filters = {"site": d["site"].pk if d["site"] else None, "unit": d["unit"].pk if d["unit"] else None,
                       "asset_type": d["asset_type"].pk if d["asset_type"] else None,
                       "group": d["group"] or None, "q": d["q"]}
        else:
            status = 400
    items = selectors.item_list(request.user, **filters)
    page = Paginator(items, ITEM_PAGE_SIZE).get_page(request.GET.get("page"))
    board = selectors.availability(request.user, today=timezone.localdate())
    return render(request, _partial(request, "assets/item_list.html", "item-table"), {
        "form": form, "page": page, "board": board, "today": timezone.localdate(),
        "incoming": selectors.incoming(request.user),
    }, status=status)


def _item_context(request: HttpRequest, item: Item) -> dict[str, Any]:
    acting = can_act(request.user, item)
    ctx: dict[str, Any] = {
        "item": item, "can_act": acting, "timeline": selectors.timeline(item),
        "due_on": item.service_due_on(), "today": timezone.localdate(),
        "work_orders": item.work_orders.filter(status="open"),
        "limits": item.asset_type.limits.all(),
        "scan_url": request.build_absolute_uri(reverse("assets:scan-label", args=[item.serial])),
    }
    if acting:
        ctx.update(
            check_out_form=CheckOutForm(user=request.user) if item.state in GROUPS[Group.AVAILABLE] else None,
            check_in_form=CheckInForm() if item.state in GROUPS[Group.IN_USE] else None,
            transition_form=TransitionForm(source=item.state) if item.group != Group.RETIRED else None,
            reading_form=ReadingForm() if item.group != Group.RETIRED and ctx["limits"] else None,
            fault_form=FaultForm() if item.group in (Group.AVAILABLE, Group.IN_USE) else None,
            transfer_form=TransferForm(user=request.user) if item.state in ("ready", "standby") else None,
        )
    return ctx


@require_safe
@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(visible_items(request.user).select_related(
        "asset_type__certification_type", "site", "unit", "operator", "last_seen_by", "recall", "destination"),
        pk=pk)
    return render(request, "assets/item_detail.html", _item_context(request, item))


def _act(request: HttpRequest, pk: int, form_class: Callable[..., Any], write: Callable[[Item, dict[str, Any]], str],
         **form_kwargs: Any) -> HttpResponse:
    item = get_object_or_404(visible_items(request.user), pk=pk)
    if "source" in form_kwargs:
        form_kwargs["source"] = item.state
    form = form_class(request.POST, **form_kwargs)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {error}".lstrip(": "))
        return redirect("assets:item-detail", pk=item.pk)
    try:
        done = write(item, form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("assets:item-detail", pk=item.pk)


@require_POST
@login_required
def item_check_out(request: HttpRequest, pk: int) -> HttpResponse:
    def write(item: Item, d: dict[str, Any]) -> str:
        item = custody.item_check_out(actor=request.user, item=item, unit=d["unit"], operator=d["operator"],
                                      hazardous=d["hazardous"], note=d["note"])
        return f"{item} is checked out to {item.unit or item.site}."
    return _act(request, pk, CheckOutForm, write, user=request.user)


@require_POST
@login_required
def item_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    def write(item: Item, d: dict[str, Any]) -> str:
        item = custody.item_check_in(actor=request.user, item=item, hours_used=d["hours_used"], note=d["note"])
        return f"{item} is checked in: {item.get_state_display()}."
    return _act(request, pk, CheckInForm, write)


@require_POST
@login_required
def item_transition(request: HttpRequest, pk: int) -> HttpResponse:
    def write(item: Item, d: dict[str, Any]) -> str:
        item = lifecycle.item_transition(actor=request.user, item=item, target=d["state"], reason=d["reason"])
        return f"{item} is now {item.get_state_display()}."
    return _act(request, pk, TransitionForm, write, source="")


@require_POST
@login_required
def item_reading(request: HttpRequest, pk: int) -> HttpResponse:
    def write(item: Item, d: dict[str, Any]) -> str:
        reading = maintenance.reading_record(actor=request.user, item=item, measure=d["measure"], value=d["value"])
        return "Reading recorded." if reading.in_range else "Reading out of range: the item is sent to inspection."
    return _act(request, pk, ReadingForm, write)


@require_POST
@login_required
def item_fault(request: HttpRequest, pk: int) -> HttpResponse:
    def write(item: Item, d: dict[str, Any]) -> str:
        maintenance.fault_report(actor=request.user, item=item, reason=d["reason"])
        return "Fault reported: the item is in repair with a work order."
    return _act(request, pk, FaultForm, write)


@require_POST
@login_required
def item_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    def write(item: Item, d: dict[str, Any]) -> str:
        item = custody.item_transfer_dispatch(actor=request.user, item=item, unit=d["unit"], note=d["note"])
        return f"{item} is on its way to {d['unit']}."
    return _act(request, pk, TransferForm, write, user=request.user)


@require_POST
@login_required
def item_arrive(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving end records an arrival (the item is not theirs to see until then)."""
    item = get_object_or_404(visible_items(request.user) | selectors.incoming(request.user), pk=pk)
    try:
        item = custody.item_transfer_arrive(actor=request.user, item=item)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("assets:item-list")
    messages.success(request, f"{item} arrived at {item.unit}.")
    return redirect("assets:item-detail", pk=item.pk)


def _require_manager(request: HttpRequest) -> None:
    if access.level_of(request.user) in (None, access.Level.STAFF):
        raise PermissionDenied("Unit managers and coordinators only.")


@require_safe
@login_required
def maintenance_queue(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    orders = list(selectors.maintenance_queue(request.user)[:200])
    now = timezone.now()
    return render(request, "assets/maintenance.html", {
        "orders": orders, "now": now, "form": CompleteForm(),
        "overdue": sum(1 for o in orders if o.due_at < now),
        "reliability": selectors.reliability(),
    })


@require_POST
@login_required
def work_order_complete(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(visible_work_orders(request.user), pk=pk)
    form = CompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an outcome and record what was done and found.")
    else:
        try:
            maintenance.work_order_complete(actor=request.user, work_order=order, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Work order {order.pk} done.")
    return redirect("assets:maintenance")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def scan(request: HttpRequest) -> HttpResponse:
    """Type the serial from a label; the item is marked seen now, by you."""
    form = ScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = custody.item_scan(actor=request.user, serial=form.cleaned_data["serial"])
        except DomainError as exc:
            form.add_error("serial", exc.message)
        else:
            messages.success(request, f"{item} seen now, by you.")
            return redirect("assets:item-detail", pk=item.pk)
    return render(request, "assets/scan.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def scan_label(request: HttpRequest, serial: str) -> HttpResponse:
    """The page a label's QR code opens on a phone: one button records the sighting (a
    GET changes nothing, so a link preview cannot mark an item seen)."""
    item = visible_items(request.user).select_related("asset_type", "site", "unit").filter(serial__iexact=serial).first()
    if item is None:
        return render(request, "assets/scan.html", {"form": ScanForm(initial={"serial": serial}),
                                                    "missing": serial}, status=404)
    if request.method == "POST":
        try:
            custody.item_scan(actor=request.user, serial=item.serial)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{item} seen now, by you.")
        return redirect("assets:item-detail", pk=item.pk)
    return render(request, "assets/scan_label.html", {"item": item})
