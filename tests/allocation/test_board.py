"""The multi-site status board and its site and unit pages: who sees what, a fixed number
of queries however many sites, zone changes as alerts, equipment counted as the board
counts it (past service is unavailable) and transfers in transit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allocation import board
from allocation.board_equipment import equipment_by_site, movable_available
from allocation.board_view import board_for
from allocation.staffing import unit_hours_record
from assets.custody import item_transfer_dispatch
from assets.states import State
from roster.models import Unit
from tests import factories as f
from tests.assets import factories as af

from .helpers import T, admit

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
BOARD = reverse("allocation:board")


def sites_on(response) -> set[str]:
    return {card.name for card in response.context["board"].sites}


def login(client, user):
    client.force_login(user)
    return client


# --- permissions -----------------------------------------------------------------------

def test_staff_see_none_of_it_and_have_no_operations_in_their_navigation(client, world):
    login(client, world.nurse.user)
    assert client.get(BOARD).status_code == 403
    assert client.get(reverse("allocation:site", args=[world.north.pk])).status_code == 403
    assert client.get(reverse("allocation:unit", args=[world.icu.pk])).status_code == 403
    home = client.get(reverse("home"))
    assert "Operations" not in [item.label for item in home.context["nav_items"]]


def test_a_site_coordinator_sees_their_sites_and_nothing_of_the_others(client, world):
    login(client, world.coordinator)
    response = client.get(BOARD)
    assert response.status_code == 200
    assert sites_on(response) == {"North General"}
    assert "Operations" in [item.label for item in response.context["nav_items"]]
    assert client.get(reverse("allocation:site", args=[world.north.pk])).status_code == 200
    assert client.get(reverse("allocation:unit", args=[world.ward.pk])).status_code == 200
    assert client.get(reverse("allocation:site", args=[world.south.pk])).status_code == 404
    assert client.get(reverse("allocation:unit", args=[world.ed.pk])).status_code == 404


def test_a_regional_coordinator_sees_every_site(client, world):
    login(client, world.regional)
    response = client.get(BOARD)
    assert sites_on(response) == {"North General", "South Infirmary"}
    assert all(card.whole_site for card in response.context["board"].sites)
    assert client.get(reverse("allocation:unit", args=[world.ed.pk])).status_code == 200


def test_a_unit_manager_sees_their_units_not_the_rest_of_the_site(client, world):
    login(client, world.manager)
    response = client.get(BOARD)
    [card] = response.context["board"].sites
    assert card.name == "North General" and not card.whole_site
    assert [u.unit for u in card.status.units] == ["North ICU"]
    assert b"Your units at this site only" in response.content
    assert client.get(reverse("allocation:unit", args=[world.icu.pk])).status_code == 200
    assert client.get(reverse("allocation:unit", args=[world.ward.pk])).status_code == 404
    site = client.get(reverse("allocation:site", args=[world.north.pk]))
    assert [u.unit for u in site.context["detail"].units] == ["North ICU"]


def test_the_board_refreshes_as_a_fragment_for_htmx(client, world):
    login(client, world.regional)
    response = client.get(BOARD, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="board-live"') and "<html" not in body


# --- a fixed number of queries ----------------------------------------------------------

def _network(n_sites: int, start: int = 0) -> None:
    pumps = af.asset_type()
    for i in range(start, start + n_sites):
        site = f.SiteFactory(name=f"Site {i:02d}", code=f"s{i:02d}")
        f.ShiftTypeFactory(site=site, code="D", name="Day")
        for kind in (Unit.Kind.ED, Unit.Kind.MEDSURG):
            unit = f.UnitFactory(site=site, name=f"Site {i:02d} {kind}", code=f"{kind}{i}", kind=kind, beds=10)
            admit(unit, 5)
            unit_hours_record(unit_id=unit.pk, since=T - 3 * H, now=T)
            af.item(pumps, site=site, unit=unit)
            af.item(pumps, site=site, unit=unit, state=State.IN_TRANSIT, destination=unit)


def _board_queries(user) -> tuple[int, int]:
    user = type(user).objects.get(pk=user.pk)  # nothing cached from the last count
    with CaptureQueriesContext(connection) as ctx:
        view = board_for(user, now=T)
    return len(ctx.captured_queries), len(view.sites)


def test_the_board_costs_the_same_number_of_queries_for_two_sites_as_for_six(world):
    _network(2)
    few, shown = _board_queries(world.regional)
    assert shown == 4  # the world's two and the two new
    _network(4, start=2)
    many, shown = _board_queries(world.regional)
    assert shown == 8
    assert many == few


# --- alerts ------------------------------------------------------------------------------

def test_a_unit_moving_into_stressed_is_a_critical_alert_on_the_board(world):
    admit(world.icu, 6, at=T - 6 * H)  # 6 of 12 staffed beds: optimal
    admit(world.icu, 5, at=T - 90 * dt.timedelta(minutes=1))  # 11 of 12: stressed
    unit_hours_record(unit_id=world.icu.pk, since=T - 5 * H, now=T)
    view = board_for(world.coordinator, now=T)
    [alert] = [a for a in view.alerts if a.unit_id == world.icu.pk]
    assert alert.severity == "critical"
    assert alert.text.startswith("North ICU: optimal → stressed (92 %).")
    assert alert.at == T - H  # the hour from 10:00 to 11:00 ended stressed
    card = next(c for c in view.sites if c.name == "North General")
    assert card.colour == "green"  # 11 patients in 40 staffed beds across the site


def test_falling_back_is_informational_and_no_change_is_no_alert(world):
    admit(world.ward, 27, at=T - 6 * H)  # 27 of 28: saturated
    unit_hours_record(unit_id=world.ward.pk, since=T - 5 * H, now=T - 3 * H)
    from allocation.census import census_events_record

    from .helpers import ev
    census_events_record(actor=None, events=[ev(world.ward, "discharge", T - 2 * H) for _ in range(10)], batch=True)
    unit_hours_record(unit_id=world.ward.pk, since=T - 3 * H, now=T)
    alerts = [a for a in board_for(world.regional, now=T).alerts if a.unit_id == world.ward.pk]
    assert [(a.severity, a.text.split(".")[0]) for a in alerts] == [
        ("info", "North Ward 5: saturated → optimal (61 %)")]


def test_alerts_registered_by_other_capabilities_show_only_where_the_user_looks(world):
    def source(site_ids, now):
        return [board.Alert(severity="warning", at=now, text="South needs a hand", site_id=world.south.pk),
                board.Alert(severity="info", at=now, text="Ward 5 vacancy", site_id=world.north.pk,
                            unit_id=world.ward.pk)]
    board.register_alert_source("test", source)
    try:
        coordinator = {a.text for a in board_for(world.coordinator, now=T).alerts}
        manager = {a.text for a in board_for(world.manager, now=T).alerts}
        regional = {a.text for a in board_for(world.regional, now=T).alerts}
    finally:
        board._alerts.pop("test")
    assert "Ward 5 vacancy" in coordinator and "South needs a hand" not in coordinator
    assert manager.isdisjoint({"Ward 5 vacancy", "South needs a hand"})
    assert {"Ward 5 vacancy", "South needs a hand"} <= regional


# --- equipment ---------------------------------------------------------------------------

def test_equipment_past_service_counts_as_unavailable_and_in_transit_apart(world):
    pumps = af.asset_type(service_interval_days=365)
    fixed = af.asset_type("scanner", name="CT scanner", movable=False)
    af.item(pumps, site=world.north, unit=world.icu)
    af.item(pumps, site=world.north, unit=world.icu, last_service_on=dt.date(2020, 1, 1))  # long overdue
    af.item(pumps, site=world.north, unit=world.icu, state=State.DEPLOYED)
    af.item(pumps, site=world.north, unit=world.icu, state=State.REPAIR)
    af.item(pumps, site=world.north, unit=world.icu, state=State.CONDEMNED)  # retired: not counted
    moving = af.item(pumps, site=world.north, unit=world.ward)
    af.item(fixed, site=world.north)
    item_transfer_dispatch(actor=world.regional, item=moving, unit=world.ed)

    [_scanner, pump] = equipment_by_site([world.north.pk])[world.north.pk]
    assert (pump.available, pump.in_use, pump.in_transit, pump.unavailable, pump.past_service) == (1, 1, 1, 2, 1)
    assert movable_available() == {(world.north.pk, pumps.pk): 1}  # the scanner does not move

    view = board_for(world.regional)
    [transfer] = view.transfers
    assert (transfer.kind, transfer.destination, transfer.status) == ("equipment", "South ED", "In transit")
    assert set(transfer.site_ids) == {world.north.pk, world.south.pk}
    assert any("past service" in a.text and a.site_id == world.north.pk for a in view.alerts)
    # A unit manager counts the equipment of their units only.
    mine = board_for(world.manager).sites[0].equipment
    assert [(r.asset_type, r.available, r.in_use) for r in mine] == [("Infusion pump", 1, 1)]


def test_the_ed_time_is_estimated_from_arrivals_or_said_to_be_not_reported(world):
    from allocation.census import census_events_record

    from .helpers import ev
    view = board_for(world.regional, now=T)
    south = next(c for c in view.sites if c.name == "South Infirmary")
    assert south.ed.text == "not reported"
    census_events_record(actor=None, events=[ev(world.ed, "ed_arrival", T - dt.timedelta(minutes=10 * k))
                                             for k in range(1, 13)], batch=True)  # 12 in 2 h: 3 an hour
    south = next(c for c in board_for(world.regional, now=T).sites if c.name == "South Infirmary")
    assert south.ed.in_department == 12 and south.ed.arrivals_per_hour == 3.0
    assert south.ed.text == "≈ 4 h 00 min"  # Little's law: 12 ÷ 3 an hour
    north = next(c for c in board_for(world.regional, now=T).sites if c.name == "North General")
    assert north.ed.text == "No ED"


def test_the_site_page_has_its_chart_and_heat_map_data(client, world):
    admit(world.icu, 6, at=T - 6 * H)
    unit_hours_record(unit_id=world.icu.pk, since=T - 8 * H)
    login(client, world.coordinator)
    response = client.get(reverse("allocation:site", args=[world.north.pk]))
    assert response.status_code == 200
    detail = response.context["detail"]
    assert len(detail.chart["labels"]) == 72 and detail.chart["now"] == 47
    assert detail.heatmap["units"] == ["North ICU", "North Ward 5"]
    assert any(cell[1] == 0 and cell[2] == 50.0 for cell in detail.heatmap["cells"])
    assert b'id="ops-chart-data"' in response.content and b'id="ops-heat-data"' in response.content
    assert b"vendor/echarts.min.js" in response.content



def test_a_forecast_above_capacity_is_an_alert(world):
    from allocation.board_view import forecast_alerts
    from allocation.forecasts import ForecastPoint
    from allocation.staffing import unit_statuses

    admit(world.icu, 8, at=T - 6 * H)
    icu, ward = unit_statuses(Unit.objects.select_related("site").filter(pk__in=[world.icu.pk, world.ward.pk])
                              .order_by("name"), T)
    forecasts = {
        # The ICU's 90th percentile passes its 12 staffed beds at 14:00: a warning.
        icu.unit_id: [ForecastPoint(T + H, 9, 10, 11), ForecastPoint(T + 2 * H, 10, 12, 12.6)],
        # The ward's median passes its 28 beds: critical.
        ward.unit_id: [ForecastPoint(T + H, 20, 22, 23), ForecastPoint(T + 3 * H, 28.4, 30, 31)],
    }
    alerts = {a.unit_id: a for a in forecast_alerts([icu, ward], T, forecasts)}
    assert alerts[world.icu.pk].severity == "warning" and alerts[world.icu.pk].at == T + 2 * H
    assert "90th percentile" in alerts[world.icu.pk].text
    assert alerts[world.ward.pk].severity == "critical" and alerts[world.ward.pk].at == T + 3 * H
    assert forecast_alerts([icu, ward], T, {icu.unit_id: [ForecastPoint(T + H, 9, 10, 11)]}) == []
