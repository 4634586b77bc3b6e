"""One's own notifications: list, unread count, mark read (one or all)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import URLPattern, URLResolver
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from roster import models as m
from roster import notifications

urlpatterns: list[URLPattern | URLResolver] = []


class NotificationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = m.Notification
        fields = ["id", "text", "link", "created_at", "read_at"]
        read_only_fields = fields


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Only ever the caller's own notifications."""

    serializer_class = NotificationSerializer
    queryset = m.Notification.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> QuerySet[m.Notification]:
        if getattr(self, "swagger_fake_view", False):
            return m.Notification.objects.none()
        return notifications.inbox(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        note = notifications.notification_read(actor=request.user, notification=self.get_object())
        return Response(NotificationSerializer(note).data)

    @extend_schema(request=None, responses=inline_serializer("ReadAll", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": notifications.notifications_read_all(actor=request.user)})

    @extend_schema(responses=inline_serializer("Unread", {"unread": serializers.IntegerField()}))
    @action(detail=False, methods=["get"])
    def unread(self, request: Request) -> Response:
        return Response({"unread": notifications.unread_count(request.user)})


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API router."""
    router.register("notifications", NotificationViewSet, basename="notification")
