"""Domain errors raised by the write functions; the API and the pages turn them into clear messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .rules import Breach


class DomainError(Exception):
    """A request that breaks a business rule. ``field`` names the input at fault."""

    status_code = 400

    def __init__(self, message: str, *, field: str = "non_field_errors") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


class NotAllowed(DomainError):
    """The acting user may not make this change."""

    status_code = 403


class Conflict(DomainError):
    """The change lost a race or collides with the current state (already taken, overlap)."""

    status_code = 409


class Stale(Conflict):
    """Publishing a draft would undo what changed in force since it was made; the manager
    may confirm it (``replace_changes``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="replace_changes")


class RuleViolation(DomainError):
    """A hard rule (fatigue, rest, leave, certification) would be broken."""

    status_code = 409

    def __init__(self, breaches: Sequence[Breach], *, field: str = "staff") -> None:
        self.breaches = list(breaches)
        text = "; ".join(f"{b.label}: {b.detail}" for b in self.breaches)
        super().__init__(text, field=field)

    def as_dict(self) -> dict[str, list[str]]:
        data: dict[str, object] = {
            self.field: [f"{b.label}: {b.detail}" for b in self.breaches],
            "rules": [b.rule for b in self.breaches],
        }
        return data  # type: ignore[return-value]
