"""Equipment's domain errors, on the project's ``DomainError`` so the API and pages turn
them into 4xx answers that name the field."""

from __future__ import annotations

from roster.errors import Conflict, DomainError, NotAllowed

from .states import label

__all__ = ["Conflict", "DomainError", "IllegalTransition", "NotAllowed", "NotFound", "Unsafe"]


class IllegalTransition(Conflict):
    """The table of legal transitions has no edge from the item's state to the target."""

    def __init__(self, source: str, target: str) -> None:
        super().__init__(f"An item cannot go from {label(source)} to {label(target)}.", field="state")
        self.source = source
        self.target = target


class Unsafe(Conflict):
    """The move is legal in the table but the item must not reach a patient now (recalled,
    past its service, contaminated, an open inspection)."""


class NotFound(DomainError):
    status_code = 404
