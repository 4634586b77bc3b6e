"""A roster version as a spreadsheet (CSV): what the screen shows, for the ward's wall,
payroll or another system.

One row per person (name, note, a column per day with the shift code, ``L`` on leave,
hours and shifts), then one row per shift type with the cover on duty against the
minimum (``3/4`` where one is missing). Built from the same grid as the page, so the
same privacy holds: colleagues see ``L`` for leave and nothing more.
"""

from __future__ import annotations

import csv
import io

from .analysis import Grid


def _text(value: str) -> str:
    """A name as a spreadsheet cell: one that starts like a formula (``=``, ``+``, ``-``,
    ``@``) is kept as text, so opening the file runs nothing."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def roster_csv(grid: Grid) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    roster = grid.roster
    writer.writerow([_text(f"{roster.unit.name}, {roster.start_date:%d %b %Y} to {roster.end_date:%d %b %Y}, "
                           f"version {roster.version} ({roster.get_status_display().lower()})")])
    writer.writerow(["Staff", "Note", *(f"{d.date:%a} {d.date.isoformat()}" for d in grid.days), "Hours", "Shifts"])
    for row in grid.rows:
        cells = []
        for cell in row.cells:
            if cell.shift is not None:
                cells.append(cell.shift.code + ("!" if cell.clash else ""))
            else:
                cells.append("L" if cell.leave else "")
        writer.writerow([_text(row.person.full_name), _text(row.note), *cells, row.hours, row.shifts])
    for cover in grid.coverage:
        writer.writerow([f"Cover {cover.shift.code}", "on duty/minimum",
                         *("" if c is None else f"{c.count}/{c.minimum}" for c in cover.cells), "", ""])
    return out.getvalue()


def filename(grid: Grid) -> str:
    roster = grid.roster
    return f"roster-{roster.unit.code}-{roster.start_date.isoformat()}-v{roster.version}.csv"
