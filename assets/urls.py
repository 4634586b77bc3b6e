from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "assets"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.item_list, name="item-list"),
    path("items/<int:pk>/", views.item_detail, name="item-detail"),
    path("items/<int:pk>/check-out/", views.item_check_out, name="item-check-out"),
    path("items/<int:pk>/check-in/", views.item_check_in, name="item-check-in"),
    path("items/<int:pk>/transition/", views.item_transition, name="item-transition"),
    path("items/<int:pk>/reading/", views.item_reading, name="item-reading"),
    path("items/<int:pk>/fault/", views.item_fault, name="item-fault"),
    path("items/<int:pk>/transfer/", views.item_transfer, name="item-transfer"),
    path("items/<int:pk>/arrive/", views.item_arrive, name="item-arrive"),
    path("maintenance/", views.maintenance_queue, name="maintenance"),
    path("maintenance/<int:pk>/complete/", views.work_order_complete, name="work-order-complete"),
    path("scan/", views.scan, name="scan"),
    path("scan/<str:serial>/", views.scan_label, name="scan-label"),
]
