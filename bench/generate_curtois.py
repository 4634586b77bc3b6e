"""Generate shift-scheduling instances in the Curtois–Qu text format, at the sizes of the
family's larger instances (Instance13–24), seeded, into a folder.

Usage::

    python bench/generate_curtois.py OUT_DIR [--seed N] [--sizes 28x120x18,182x100x8 ...]

Each size is ``days x staff x shift types``; the default is the family's twelve larger
sizes (28/120/18, 42/32/4, 42/45/6, 56/20/3, 56/32/4, 84/22/3, 84/40/5, 182/50/6,
182/100/8, 364/50/10, 364/100/16, 364/150/32).  A file is named
``G<days>_<staff>_<types>_s<seed>.txt``; the same seed writes the same file.

What is mimicked (from Instances 1–12 as published):

* shift types in groups by start (early ``a``, day ``d``, late ``p``, night ``n``),
  each group forbidding the earlier groups the next day (``NotFollow``), 480 minutes
  long with a few 600 and 720;
* each person may work a random subset of the types (``MaxShifts`` 0 for the rest),
  nights capped at about one a week; minutes between 6720–7560 and 8640 per four
  weeks; at most 5–6 consecutive shifts, at least 1–3; at least 1–3 days off in a row;
  1–3 weekends per four weeks;
* one or two hard days off per person per four weeks;
* shift-on and shift-off requests in runs of consecutive days, weights 1–3, never on a
  hard day off and never both on one day;
* cover for every (day, shift type), weight 100 under and 1 over, the total demand a
  little below what the staff can work (so some cover is missed, as in the family),
  lower at weekends.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

SIZES: tuple[tuple[int, int, int], ...] = (
    (28, 120, 18), (42, 32, 4), (42, 45, 6), (56, 20, 3), (56, 32, 4), (84, 22, 3),
    (84, 40, 5), (182, 50, 6), (182, 100, 8), (364, 50, 10), (364, 100, 16), (364, 150, 32),
)

GROUPS = ("a", "d", "p", "n")


def _employee_id(i: int) -> str:
    """A..Z, AA, AB, … as in the family."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _shift_ids(types: int) -> list[tuple[str, str]]:
    """(id, group) for ``types`` shift types spread over the four groups."""
    if types <= 4:
        names = {1: ["d"], 2: ["e", "d"], 3: ["e", "d", "l"], 4: ["e", "d", "l", "n"]}[types]
        group = {"e": "a", "d": "d", "l": "p", "n": "n"}
        return [(n.upper(), group[n]) for n in names]
    per = [0, 0, 0, 0]
    # Nights get the smallest share, like the family (Instance 12: 3/3/3/1).
    for i in range(types):
        per[(0, 1, 2, 0, 1, 2, 3)[i % 7]] += 1
    out: list[tuple[str, str]] = []
    for g, count in zip(GROUPS, per, strict=True):
        out += [(f"{g}{k}", g) for k in range(1, count + 1)]
    return out


def generate(days: int, staff: int, types: int, seed: int) -> str:
    """The text of one instance (CRLF line ends, as distributed)."""
    if days % 7:
        raise ValueError("days must be a multiple of 7")
    rng = random.Random(f"{days}/{staff}/{types}/{seed}")
    shifts = _shift_ids(types)
    order = {g: i for i, g in enumerate(GROUPS)}
    lengths = {sid: rng.choices((480, 600, 720), (8, 1, 1))[0] if types > 2 else 480
               for sid, _ in shifts}
    four = days / 28
    lines = ["# Generated in the format of the Curtois-Qu shift scheduling benchmark",
             f"# {days} days, {staff} staff, {types} shift types, seed {seed}",
             "SECTION_HORIZON", "# The horizon length in days:", str(days), "",
             "SECTION_SHIFTS", "# ShiftID, Length in mins, Shifts which cannot follow this shift | separated"]
    for sid, g in shifts:
        banned = [o for o, og in shifts if order[og] < order[g]]
        lines.append(f"{sid},{lengths[sid]},{'|'.join(banned)}")
    lines += ["", "SECTION_STAFF",
              "# ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, "
              "MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends"]
    allowed: dict[str, list[str]] = {}
    capacity = 0.0
    ids = [_employee_id(i) for i in range(staff)]
    for e in ids:
        share = rng.uniform(0.35, 0.8) if types > 3 else rng.uniform(0.5, 1.0)
        mine = [sid for sid, _ in shifts if rng.random() < share]
        days_types = [sid for sid, g in shifts if g != "n"] or [shifts[0][0]]
        # At least one type without a cap besides nights, so the minimum minutes can
        # always be worked (the family's instances all have a roster).
        free = rng.choice([sid for sid in days_types if sid in mine] or days_types)
        if free not in mine:
            mine.append(free)
        allowed[e] = mine
        limits = []
        for sid, g in shifts:
            if sid not in mine:
                limits.append(f"{sid}=0")
            elif g == "n" and sid != free:
                limits.append(f"{sid}={max(1, round(rng.choice((3, 4, 5)) * four))}")
            elif sid != free and rng.random() < 0.1:
                limits.append(f"{sid}={max(1, round(rng.randint(5, 14) * four))}")
            else:
                limits.append(f"{sid}={days}")
        max_minutes = round(8640 * four)
        max_cons = rng.choice((5, 5, 5, 6))
        min_cons = rng.choice((1, 2, 2, 2, 3))
        min_off = rng.choice((1, 2, 2, 2, 3))
        # 5 on, 3 off leaves at most 17.5 working days in four weeks: a lower minimum then.
        min_minutes = round(rng.choice((6720, 7200) if min_off == 3 else (7200, 7560, 7560))
                            * four)
        weekends = max(1, round(rng.choice((2, 2, 2, 3)) * four))
        capacity += (max_minutes + min_minutes) / 2 / 480
        lines.append(f"{e},{'|'.join(limits)},{max_minutes},{min_minutes},{max_cons},"
                     f"{min_cons},{min_off},{weekends}")
    lines += ["", "SECTION_DAYS_OFF", "# EmployeeID, DayIndexes (start at zero)"]
    off: dict[str, set[int]] = {}
    for e in ids:
        count = max(1, round(rng.choice((1, 2, 2)) * four))
        off[e] = set(rng.sample(range(days), count))
        lines.append(f"{e},{','.join(str(d) for d in sorted(off[e]))}")
    on_lines: list[str] = []
    off_lines: list[str] = []
    taken: dict[str, set[int]] = {e: set(off[e]) for e in ids}
    for e in ids:
        for on in (True, False):
            for _ in range(round(rng.choice((0, 1, 1, 2)) * four)):
                sid = rng.choice(allowed[e]) if on else rng.choice(shifts)[0]
                start = rng.randrange(days)
                weight = rng.randint(1, 3)
                for d in range(start, min(days, start + rng.randint(1, 5))):
                    if d in taken[e]:
                        break
                    taken[e].add(d)
                    (on_lines if on else off_lines).append(f"{e},{d},{sid},{weight}")
    lines += ["", "SECTION_SHIFT_ON_REQUESTS", "# EmployeeID, Day, ShiftID, Weight", *on_lines]
    lines += ["", "SECTION_SHIFT_OFF_REQUESTS", "# EmployeeID, Day, ShiftID, Weight", *off_lines]
    lines += ["", "SECTION_COVER", "# Day, ShiftID, Requirement, Weight for under, Weight for over"]
    # Who may work each type, to spread the demand where people can meet it.
    able = {sid: sum(1 for e in ids if sid in allowed[e]) for sid, _ in shifts}
    per_day = capacity / days * rng.uniform(0.95, 1.05)
    weight_sum = sum(able.values()) or 1
    for d in range(days):
        factor = 0.75 if d % 7 >= 5 else 1.07
        for sid, g in shifts:
            mean = per_day * factor * able[sid] / weight_sum * (0.6 if g == "n" else 1.0)
            req = max(0, round(rng.gauss(mean, max(0.5, mean * 0.25))))
            lines.append(f"{d},{sid},{req},100,1")
    return "\r\n".join(lines) + "\r\n"


def parse_size(text: str) -> tuple[int, int, int]:
    days, staff, types = (int(x) for x in text.lower().split("x"))
    return days, staff, types


def write(out: Path, days: int, staff: int, types: int, seed: int) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"G{days}_{staff}_{types}_s{seed}.txt"
    path.write_bytes(generate(days, staff, types, seed).encode("ascii"))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sizes", default="",
                    help="comma-separated DAYSxSTAFFxTYPES (default: the family's twelve)")
    args = ap.parse_args(argv)
    try:
        sizes = [parse_size(s) for s in args.sizes.split(",") if s] or list(SIZES)
    except ValueError:
        ap.error("--sizes takes DAYSxSTAFFxTYPES, e.g. 28x120x18")
    for days, staff, types in sizes:
        if days <= 0 or days % 7 or staff <= 0 or types <= 0:
            ap.error(f"bad size {days}x{staff}x{types}: days a positive multiple of 7")
        print(write(args.out, days, staff, types, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
