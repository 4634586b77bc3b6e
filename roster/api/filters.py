"""Query parameters held to their meaning: a value a filter cannot use is a 400 naming
the parameter, never a list that silently ignores it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import BooleanFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.fields import CharField
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.settings import api_settings

BOOLEAN_VALUES = {"true", "false", "1", "0", "yes", "no"}


def _check_search(request: Request, view: Any) -> None:
    """The search term as DRF's SearchFilter reads it (no null characters), refused by
    the parameter's name: SearchFilter itself answers a bare list of messages."""
    if not getattr(view, "search_fields", None):
        return
    param = api_settings.SEARCH_PARAM
    try:
        CharField(trim_whitespace=False, allow_blank=True).run_validation(request.query_params.get(param, ""))
    except ValidationError as exc:
        raise ValidationError({param: exc.detail}) from exc


class StrictFilterBackend(DjangoFilterBackend):  # type: ignore[misc]
    """django-filter, except that a yes/no filter given anything but yes or no is
    refused (django-filter would read it as "not given" and return everything)."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        _check_search(request, view)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            errors = {
                name: ["Must be true or false."]
                for name, value in request.query_params.items()
                if isinstance(filterset_class.base_filters.get(name), BooleanFilter)
                and str(value).strip().lower() not in BOOLEAN_VALUES
            }
            if errors:
                raise ValidationError(errors)
        rows: QuerySet[Any] = super().filter_queryset(request, queryset, view)
        return rows


class StrictOrderingFilter(OrderingFilter):
    """Ordering by a field the list does not offer is a 400 naming it."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [p.strip() for p in params.split(",") if p.strip()]
            valid = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [f for f in fields if f.lstrip("-") not in valid]
            if unknown:
                raise ValidationError({self.ordering_param: [f"Cannot order by {', '.join(unknown)}."]})
        return super().get_ordering(request, queryset, view)
