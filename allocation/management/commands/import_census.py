"""Import census history from a CSV file: all of it, or nothing.

Columns (a header row first): ``event_id, unit, movement, occurred_at`` and optionally
``sender, to_unit, acuity``. A unit is named ``SITE/UNIT`` by their codes (``north/icu``);
``occurred_at`` is ISO 8601 with its UTC offset; ``movement`` one of admit, discharge,
transfer, ed_arrival, ed_departure. Rows without a sender take ``--sender``.

The rows go through the same write function as the API (``census_events_record``), as
the system: importing the same file again adds nothing.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from roster.errors import DomainError
from roster.models import Unit

from ...census import EventIn, census_events_record

REQUIRED = ("event_id", "unit", "movement", "occurred_at")


class Command(BaseCommand):
    help = "Import census events (history) from a CSV file, atomically and idempotently."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--sender", default="import", help="Sender of rows that name none (default: import).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        units = {f"{site}/{code}": pk for pk, site, code in Unit.objects.values_list("pk", "site__code", "code")}
        events: list[EventIn] = []
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(f"The header lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}.")
            for line, row in enumerate(reader, start=2):
                def fail(column: str, message: str, line: int = line) -> CommandError:
                    return CommandError(f"Line {line}, {column}: {message}")

                unit = units.get((row["unit"] or "").strip())
                if unit is None:
                    raise fail("unit", f"no unit {row['unit']!r} (name it SITE/UNIT by their codes).")
                to_name = (row.get("to_unit") or "").strip()
                to_unit = units.get(to_name) if to_name else None
                if to_name and to_unit is None:
                    raise fail("to_unit", f"no unit {to_name!r}.")
                when = parse_datetime((row["occurred_at"] or "").strip())
                if when is None:
                    raise fail("occurred_at", f"{row['occurred_at']!r} is not an ISO 8601 time.")
                events.append(EventIn(
                    unit_id=unit, kind=(row["movement"] or "").strip(), occurred_at=when,
                    sender=(row.get("sender") or "").strip() or options["sender"],
                    event_id=(row["event_id"] or "").strip(), to_unit_id=to_unit,
                    acuity=(row.get("acuity") or "").strip(),
                ))
        if not events:
            raise CommandError("The file holds no events.")
        try:
            result = census_events_record(actor=None, events=events, batch=True)
        except DomainError as exc:
            found = re.match(r"events\[(\d+)\]\.(\w+)", exc.field)
            where = f"Line {int(found.group(1)) + 2}, {found.group(2)}" if found else exc.field
            raise CommandError(f"{where}: {exc.message} Nothing was imported.") from exc
        self.stdout.write(f"Imported {len(result.accepted)} events ({len(result.duplicates)} already held).")
