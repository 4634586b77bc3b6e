"""The Curtois–Qu shift-scheduling benchmark: loader and the published objective.

Format and objective: the benchmark's own description (Instance1..24 of
schedulingbenchmarks.org/nrp).  :func:`parse` reads the text format into a
:class:`CurtoisInstance` that mirrors the file; :func:`to_problem` maps it onto the
solver's :class:`~roster.solver.problem.Problem`; :func:`objective` computes the
published penalty from the raw instance (never from the solver's model), so the
benchmark figures can be trusted on their own.

Mapping onto the problem
------------------------
* ``NotFollow`` → ``ShiftType.forbidden_next``; there are no start times and the
  fatigue rules are all switched off (the benchmark has its own rules).
* Staff limits → :class:`~roster.solver.problem.Contract` (max shifts per type, total
  minutes, consecutive runs, days off, weekends); ``SECTION_DAYS_OFF`` → ``days_off``.
* Cover lines → ``CoverageRequirement(minimum=0, preferred=req, weight_under=wU,
  weight_over=wO)``: the benchmark's cover is soft, so no shortfall term appears.
* Requests → :class:`~roster.solver.problem.ShiftRequest` with their weights.
* Day 0 is a Monday; all other soft weights are zero.  With that mapping the solver's
  objective equals :func:`objective` exactly (tested).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from roster.solver.problem import (
    Assignment,
    Contract,
    CoverageRequirement,
    FatigueRules,
    Problem,
    ShiftRequest,
    ShiftType,
    SoftWeights,
    Staff,
)


class CurtoisFormatError(ValueError):
    """The text does not follow the benchmark format (message names line and reason)."""


@dataclass(frozen=True)
class CurtoisShift:
    id: str
    length: int
    not_follow: tuple[str, ...]


@dataclass(frozen=True)
class CurtoisEmployee:
    id: str
    max_shifts: Mapping[str, int]
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class CurtoisRequest:
    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class CurtoisCover:
    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class CurtoisInstance:
    """The file's content, field for field."""

    name: str
    horizon: int
    shifts: tuple[CurtoisShift, ...]
    employees: tuple[CurtoisEmployee, ...]
    days_off: Mapping[str, tuple[int, ...]]
    on_requests: tuple[CurtoisRequest, ...]
    off_requests: tuple[CurtoisRequest, ...]
    cover: tuple[CurtoisCover, ...]


def _sections(text: str) -> dict[str, list[tuple[int, str]]]:
    """Section name → its data lines (with 1-based line numbers), comments dropped."""
    sections: dict[str, list[tuple[int, str]]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().rstrip("\r")
        if not line:
            # A blank line closes the section's data (FORMAT.md §2).
            current = None
            continue
        if line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line[len("SECTION_"):].strip()
            sections.setdefault(current, [])
            continue
        if current is None:
            raise CurtoisFormatError(f"line {number}: data outside a section: {line!r}")
        sections[current].append((number, line))
    return sections


def _int(value: str, number: int, what: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise CurtoisFormatError(f"line {number}: {what} is not an integer: {value!r}") from None


def parse(text: str, name: str = "") -> CurtoisInstance:
    """Parse the benchmark text format (CRLF or LF)."""
    sec = _sections(text)
    for required in ("HORIZON", "SHIFTS", "STAFF"):
        if required not in sec:
            raise CurtoisFormatError(f"missing SECTION_{required}")
    if len(sec["HORIZON"]) != 1:
        raise CurtoisFormatError("SECTION_HORIZON must hold exactly one integer")
    number, line = sec["HORIZON"][0]
    horizon = _int(line, number, "horizon")

    shifts: list[CurtoisShift] = []
    for number, line in sec["SHIFTS"]:
        parts = line.split(",")
        if len(parts) < 2:
            raise CurtoisFormatError(f"line {number}: shift needs ID,Length,NotFollow")
        nf = parts[2].strip() if len(parts) > 2 else ""
        shifts.append(CurtoisShift(parts[0].strip(), _int(parts[1], number, "length"),
                                   tuple(s.strip() for s in nf.split("|") if s.strip())))
    shift_ids = {s.id for s in shifts}

    employees: list[CurtoisEmployee] = []
    for number, line in sec["STAFF"]:
        parts = line.split(",")
        if len(parts) != 8:
            raise CurtoisFormatError(f"line {number}: staff line needs 8 fields, got {len(parts)}")
        max_shifts: dict[str, int] = {}
        for item in parts[1].split("|"):
            if not item.strip():
                continue
            sid, _, lim = item.partition("=")
            if sid.strip() not in shift_ids:
                raise CurtoisFormatError(f"line {number}: unknown shift {sid!r}")
            max_shifts[sid.strip()] = _int(lim, number, "MaxShifts limit")
        vals = [_int(p, number, "staff limit") for p in parts[2:]]
        employees.append(CurtoisEmployee(parts[0].strip(), max_shifts, *vals))
    emp_ids = {e.id for e in employees}

    days_off: dict[str, tuple[int, ...]] = {}
    for number, line in sec.get("DAYS_OFF", []):
        parts = [p.strip() for p in line.split(",")]
        if parts[0] not in emp_ids:
            raise CurtoisFormatError(f"line {number}: unknown employee {parts[0]!r}")
        days_off[parts[0]] = tuple(_int(p, number, "day") for p in parts[1:] if p)

    def requests(key: str) -> tuple[CurtoisRequest, ...]:
        out = []
        for number, line in sec.get(key, []):
            parts = [p.strip() for p in line.split(",")]
            if len(parts) != 4:
                raise CurtoisFormatError(f"line {number}: request needs 4 fields")
            if parts[0] not in emp_ids or parts[2] not in shift_ids:
                raise CurtoisFormatError(f"line {number}: unknown employee or shift")
            out.append(CurtoisRequest(parts[0], _int(parts[1], number, "day"), parts[2],
                                      _int(parts[3], number, "weight")))
        return tuple(out)

    cover: list[CurtoisCover] = []
    for number, line in sec.get("COVER", []):
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 5 or parts[1] not in shift_ids:
            raise CurtoisFormatError(f"line {number}: cover needs Day,Shift,Req,WU,WO")
        cover.append(CurtoisCover(_int(parts[0], number, "day"), parts[1],
                                  *(_int(p, number, "cover value") for p in parts[2:])))

    return CurtoisInstance(name, horizon, tuple(shifts), tuple(employees), days_off,
                           requests("SHIFT_ON_REQUESTS"), requests("SHIFT_OFF_REQUESTS"),
                           tuple(cover))


def load(path: str | Path) -> CurtoisInstance:
    p = Path(path)
    # newline="" keeps the CRLF so nothing but our parser decides what a line is.
    with p.open(encoding="utf-8", newline="") as fh:
        return parse(fh.read(), name=p.stem)


def to_problem(inst: CurtoisInstance) -> Problem:
    """The instance as a solver problem (see the module docstring for the mapping)."""
    shift_types = tuple(
        ShiftType(id=s.id, length_minutes=s.length, forbidden_next=frozenset(s.not_follow))
        for s in inst.shifts
    )
    staff = tuple(
        Staff(
            id=e.id,
            contract=Contract(
                max_shifts_per_type=dict(e.max_shifts),
                min_total_minutes=e.min_total_minutes,
                max_total_minutes=e.max_total_minutes,
                min_consecutive_work_days=e.min_consecutive_shifts,
                max_consecutive_work_days=e.max_consecutive_shifts,
                min_consecutive_days_off=e.min_consecutive_days_off,
                max_weekends=e.max_weekends,
            ),
            days_off={d: "day off" for d in inst.days_off.get(e.id, ())},
        )
        for e in inst.employees
    )
    coverage = tuple(
        CoverageRequirement(day=c.day, shift=c.shift, minimum=0, preferred=c.requirement,
                            weight_under=c.weight_under, weight_over=c.weight_over)
        for c in inst.cover
    )
    requests = tuple(
        ShiftRequest(r.employee, r.day, r.shift, on=True, weight=r.weight)
        for r in inst.on_requests
    ) + tuple(
        ShiftRequest(r.employee, r.day, r.shift, on=False, weight=r.weight)
        for r in inst.off_requests
    )
    return Problem(
        name=inst.name,
        num_days=inst.horizon,
        shift_types=shift_types,
        staff=staff,
        coverage=coverage,
        requests=requests,
        start_weekday=0,
        fatigue=FatigueRules(None, None, None, None, None),
        weights=SoftWeights.benchmark(),
    )


def _by_employee_day(inst: CurtoisInstance, roster: Iterable[Assignment]) -> dict[
    tuple[str, int], str
]:
    grid: dict[tuple[str, int], str] = {}
    for a in roster:
        if (a.staff, a.day) in grid:
            raise ValueError(f"{a.staff} has two shifts on day {a.day}")
        grid[(a.staff, a.day)] = a.shift
    return grid


def objective(inst: CurtoisInstance, roster: Iterable[Assignment]) -> int:
    """The published penalty of a roster (FORMAT.md §5), hard rules not checked."""
    grid = _by_employee_day(inst, roster)
    total = 0
    for r in inst.on_requests:
        if grid.get((r.employee, r.day)) != r.shift:
            total += r.weight
    for r in inst.off_requests:
        if grid.get((r.employee, r.day)) == r.shift:
            total += r.weight
    count: dict[tuple[int, str], int] = {}
    for (_, day), shift in grid.items():
        count[(day, shift)] = count.get((day, shift), 0) + 1
    for c in inst.cover:
        n = count.get((c.day, c.shift), 0)
        total += c.weight_under * max(0, c.requirement - n) + c.weight_over * max(0, n - c.requirement)
    return total


def hard_violations(inst: CurtoisInstance, roster: Iterable[Assignment]) -> list[str]:
    """FORMAT.md §4 checked directly on the raw instance (a second, format-level check)."""
    grid = _by_employee_day(inst, roster)
    h = inst.horizon
    length = {s.id: s.length for s in inst.shifts}
    not_follow = {s.id: set(s.not_follow) for s in inst.shifts}
    out: list[str] = []
    for e in inst.employees:
        row = [grid.get((e.id, d)) for d in range(h)]
        for d, s in enumerate(row):
            if s is not None and s not in length:
                out.append(f"{e.id} day {d}: unknown shift {s}")
        for d in range(h - 1):
            a, b = row[d], row[d + 1]
            if a is not None and b is not None and b in not_follow.get(a, set()):
                out.append(f"{e.id} day {d}: {b} may not follow {a}")
        for sid, lim in e.max_shifts.items():
            if sum(1 for s in row if s == sid) > lim:
                out.append(f"{e.id}: more than {lim} shifts {sid}")
        minutes = sum(length.get(s, 0) for s in row if s is not None)
        if not e.min_total_minutes <= minutes <= e.max_total_minutes:
            out.append(f"{e.id}: {minutes} minutes outside "
                       f"[{e.min_total_minutes}, {e.max_total_minutes}]")
        work = [s is not None for s in row]
        runs: list[tuple[bool, int, int]] = []  # (working, start, length)
        for d, wk in enumerate(work):
            if runs and runs[-1][0] == wk:
                runs[-1] = (wk, runs[-1][1], runs[-1][2] + 1)
            else:
                runs.append((wk, d, 1))
        for wk, start, n in runs:
            inside = start > 0 and start + n < h
            if wk and n > e.max_consecutive_shifts:
                out.append(f"{e.id} day {start}: {n} consecutive shifts")
            if wk and inside and n < e.min_consecutive_shifts:
                out.append(f"{e.id} day {start}: only {n} consecutive shifts")
            if not wk and inside and n < e.min_consecutive_days_off:
                out.append(f"{e.id} day {start}: only {n} consecutive days off")
        worked_weekends = sum(1 for k in range(h // 7) if work[7 * k + 5] or work[7 * k + 6])
        if worked_weekends > e.max_weekends:
            out.append(f"{e.id}: {worked_weekends} weekends")
        for d in inst.days_off.get(e.id, ()):
            if 0 <= d < h and work[d]:
                out.append(f"{e.id} day {d}: works on a day off")
    return out


def read_solution(path: str | Path) -> list[Assignment]:
    """Read a ``employee,day,shift`` CSV as written by the benchmark (header optional)."""
    out: list[Assignment] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3 or parts == ["employee", "day", "shift"]:
            continue
        out.append(Assignment(parts[0], int(parts[1]), parts[2]))
    return out


def write_solution(path: str | Path, roster: Iterable[Assignment]) -> None:
    """Write ``employee,day,shift`` rows (with that header line), one per worked day."""
    rows = ["employee,day,shift"]
    rows += [f"{a.staff},{a.day},{a.shift}" for a in sorted(roster, key=lambda a: (a.staff, a.day))]
    Path(path).write_text("\n".join(rows) + "\n", encoding="utf-8")
