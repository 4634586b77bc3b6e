"""The demo network: three hospitals, ten units, about 250 people, four weeks of demand.

``build_demo()`` loads it; ``python manage.py seed_demo`` calls it. Everything random
comes from ``random.Random`` seeded with fixed strings, so every run builds the same
people, skills, census and requests; dates are relative to today (the census and the
coverage start next Monday, certifications expire relative to today).

It is idempotent: every row is matched on its natural key (a site's code, a unit's
site and code, a person's employee number, a login's username, a certification's
holder and type, a census estimate's unit, day and shift…) and created or updated in
place, so running it twice gives the same rows, not twice as many. The only thing that
grows is the append-only audit log: each run records one ``demo.seed`` event.

It is a loader, not a user action: reference data, people and requests are written in
bulk straight to the tables (``bulk_create``/``bulk_update``), bypassing the audited
write functions (``roster.records``, ``roster.editing``, …), which check one user's permission and log one
row at a time. The run as a whole is logged once, at the end, with its counts.

Staffing is sized for the field's capacity headroom: at the census's minimum ratios the
registered nurses' contracted hours are about 80-85 % used, so rosters can be built
with some slack and a few thin spots, as in real life.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password
from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone

from . import generation
from .access import managed_sites, managed_units
from .audit import audit_record
from .cover_templates import derive_lines
from .coverage import derive_coverage
from .errors import DomainError
from .models import (
    Access,
    AuditEvent,
    CensusEstimate,
    Certification,
    CertificationType,
    Contract,
    ContractShiftLimit,
    CoverageRequirement,
    CoverTemplate,
    FatigueRules,
    Leave,
    Preference,
    RatioRule,
    Roster,
    ShiftType,
    Site,
    Skill,
    SkillMixRule,
    SolverRun,
    Staff,
    Unit,
)
from .rosters import roster_publish

DEMO_PASSWORD = "headroom-demo"
SEED = "headroom-demo-1"
PERIOD_DAYS = 28
Role = Staff.Role
Kind = Unit.Kind
Level = Access.Level


# --- the network ---------------------------------------------------------------------

@dataclass(frozen=True)
class SiteSpec:
    code: str
    name: str
    address: str
    shifts: tuple[str, ...]  # shift type codes run on every unit of the site
    float_home: str  # home unit of the site's float pool
    float_pool: tuple[tuple[str, int], ...]  # (role, head count)


@dataclass(frozen=True)
class UnitSpec:
    site: str
    code: str
    name: str
    kind: str
    beds: int
    acuity: dict[str, float]
    staff: tuple[tuple[str, int], ...]  # (role, head count)
    base_occupancy: float


SITES: tuple[SiteSpec, ...] = (
    SiteSpec(
        "riverside", "Riverside General Hospital", "Mill Lane, Riverside RV1 4AB", ("D", "N"),
        "w5", ((Role.RN, 6),),
    ),
    # A community hospital on eight-hour earlies and lates, and long nights.
    SiteSpec(
        "northgate", "Northgate Community Hospital", "Station Road, Northgate NG7 2QP", ("E", "L", "N"),
        "w2", ((Role.RN, 3),),
    ),
    SiteSpec(
        "st-aidans", "St Aidan's Women's and Children's Hospital", "Abbey Road, Riverside RV3 9EX", ("D", "N"),
        "paeds", ((Role.RN, 3),),
    ),
)

# (site, unit) → the sister unit of the same site some of its nurses are cross-trained for.
CROSS_TRAINING: dict[tuple[str, str], str] = {
    ("riverside", "icu"): "hdu", ("riverside", "hdu"): "icu",
    ("riverside", "w5"): "w6", ("riverside", "w6"): "w5", ("northgate", "w2"): "ed",
}

UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("riverside", "icu", "Intensive Care Unit", Kind.ICU, 8, {"high": 0.7, "medium": 0.3},
             ((Role.RN, 23), (Role.MD, 2), (Role.TECH, 1)), 0.85),
    UnitSpec("riverside", "ed", "Emergency Department", Kind.ED, 16, {"high": 0.2, "medium": 0.5, "low": 0.3},
             ((Role.RN, 22), (Role.MD, 3), (Role.TECH, 1)), 0.84),
    UnitSpec("riverside", "w5", "Ward 5 Acute Medicine", Kind.MEDSURG, 20, {"medium": 0.6, "low": 0.4},
             ((Role.RN, 20), (Role.LPN, 2), (Role.HCA, 10)), 0.88),
    UnitSpec("riverside", "w6", "Ward 6 General Surgery", Kind.MEDSURG, 20, {"medium": 0.5, "low": 0.5},
             ((Role.RN, 24), (Role.LPN, 2), (Role.HCA, 9)), 0.86),
    UnitSpec("riverside", "hdu", "High Dependency (Step-down)", Kind.STEPDOWN, 8, {"high": 0.4, "medium": 0.6},
             ((Role.RN, 17), (Role.LPN, 2), (Role.TECH, 1)), 0.83),
    # "Beds" are operating theatres and "patients" theatres running: one scrub nurse each.
    UnitSpec("riverside", "theatres", "Main Theatres", Kind.THEATRES, 4, {"high": 0.3, "medium": 0.7},
             ((Role.RN, 13), (Role.TECH, 3)), 0.0),
    UnitSpec("northgate", "ed", "Urgent Treatment Centre", Kind.ED, 10, {"medium": 0.4, "low": 0.6},
             ((Role.RN, 16), (Role.MD, 1)), 0.80),
    UnitSpec("northgate", "w2", "Ward 2 Medicine", Kind.MEDSURG, 16, {"medium": 0.5, "low": 0.5},
             ((Role.RN, 20), (Role.LPN, 2), (Role.HCA, 11)), 0.88),
    UnitSpec("st-aidans", "maternity", "Maternity Unit", Kind.MATERNITY, 14, {"high": 0.2, "medium": 0.5, "low": 0.3},
             ((Role.RN, 19), (Role.HCA, 6), (Role.MD, 1), (Role.TECH, 1)), 0.80),
    UnitSpec("st-aidans", "paeds", "Children's Ward", Kind.PAEDIATRICS, 12, {"medium": 0.6, "low": 0.4},
             ((Role.RN, 16), (Role.MD, 1)), 0.78),
)

# (code, name, start, minutes, night, colour)
SHIFT_TYPES: dict[str, tuple[str, dt.time, int, bool, str]] = {
    "D": ("Day", dt.time(7, 0), 720, False, "#4a90d9"),
    "N": ("Night", dt.time(19, 0), 720, True, "#3b3b98"),
    "E": ("Early", dt.time(7, 0), 480, False, "#6ab04c"),
    "L": ("Late", dt.time(14, 30), 480, False, "#f0932b"),
}

# Patients per registered nurse by unit kind (the field's ratios), and per assistant.
RN_RATIOS: dict[str, Decimal] = {
    Kind.ICU: Decimal(2), Kind.ED: Decimal(4), Kind.MEDSURG: Decimal(5), Kind.MATERNITY: Decimal(4),
    Kind.PAEDIATRICS: Decimal(4), Kind.STEPDOWN: Decimal(3), Kind.THEATRES: Decimal(1),
}
HCA_RATIOS: dict[str, Decimal] = {Kind.MEDSURG: Decimal(10), Kind.MATERNITY: Decimal(12)}
# Wards are quieter at night: one assistant per 16 patients (a rule bound to the night shift).
HCA_NIGHT_RATIOS: dict[str, Decimal] = {Kind.MEDSURG: Decimal(16)}

SKILLS: tuple[tuple[str, str], ...] = (
    ("charge-nurse", "Charge nurse (shift lead)"),
    ("ventilator", "Ventilated patient care"),
    ("renal", "Renal replacement therapy"),
    ("tracheostomy", "Tracheostomy care"),
    ("triage", "Emergency triage"),
    ("iv-therapy", "IV therapy and cannulation"),
    ("paediatric", "Paediatric nursing"),
    ("neonatal", "Neonatal care"),
    ("midwifery", "Midwifery"),
    ("scrub", "Scrub practitioner"),
    ("anaesthetic", "Anaesthetic assistance"),
    ("supervisor", "Practice supervisor (students)"),
)
# (code, name, validity in months)
CERTIFICATION_TYPES: tuple[tuple[str, str, int], ...] = (
    ("bls", "Basic Life Support (BLS)", 12),
    ("acls", "Advanced Cardiac Life Support (ACLS)", 24),
    ("pals", "Paediatric Advanced Life Support (PALS)", 24),
    ("nrp", "Neonatal Resuscitation (NRP)", 24),
)

# Skill mix: a charge nurse on every shift everywhere; an ACLS holder wherever adults
# are acutely ill; PALS on the children's ward; NRP on maternity (newborn resuscitation).
SKILL_MIX: dict[str, tuple[tuple[str, str], ...]] = {
    Kind.ICU: (("skill", "charge-nurse"), ("cert", "acls")),
    Kind.ED: (("skill", "charge-nurse"), ("cert", "acls")),
    Kind.MEDSURG: (("skill", "charge-nurse"), ("cert", "acls")),
    Kind.STEPDOWN: (("skill", "charge-nurse"), ("cert", "acls")),
    Kind.THEATRES: (("skill", "charge-nurse"), ("cert", "acls")),
    Kind.MATERNITY: (("skill", "charge-nurse"), ("cert", "nrp")),
    Kind.PAEDIATRICS: (("skill", "charge-nurse"), ("cert", "pals")),
}

# Registered nurses' skills (besides charge nurse, given to the most senior) by unit kind.
RN_SKILLS: dict[str, tuple[tuple[str, float], ...]] = {
    Kind.ICU: (("ventilator", 0.85), ("renal", 0.4), ("tracheostomy", 0.6), ("iv-therapy", 0.9)),
    Kind.ED: (("triage", 0.7), ("iv-therapy", 0.9), ("paediatric", 0.15)),
    Kind.MEDSURG: (("iv-therapy", 0.7), ("tracheostomy", 0.15)),
    Kind.STEPDOWN: (("ventilator", 0.3), ("tracheostomy", 0.5), ("iv-therapy", 0.9)),
    Kind.THEATRES: (("scrub", 0.75), ("anaesthetic", 0.4), ("iv-therapy", 0.5)),
    Kind.MATERNITY: (("midwifery", 0.9), ("neonatal", 0.3), ("iv-therapy", 0.6)),
    Kind.PAEDIATRICS: (("paediatric", 0.95), ("neonatal", 0.2), ("iv-therapy", 0.8)),
}
# Chance that a registered nurse (or a doctor) of a unit kind holds each certification.
RN_CERTS: dict[str, dict[str, float]] = {
    Kind.ICU: {"acls": 0.9},
    Kind.ED: {"acls": 0.85, "pals": 0.35},
    Kind.MEDSURG: {"acls": 0.5},
    Kind.STEPDOWN: {"acls": 0.8},
    Kind.THEATRES: {"acls": 0.75},
    Kind.MATERNITY: {"acls": 0.1, "nrp": 0.85},
    Kind.PAEDIATRICS: {"pals": 0.85, "nrp": 0.3},
}
# The float pool works across a site's units, so its nurses hold the site's broad skills.
FLOAT_SKILLS: dict[str, tuple[tuple[str, float], ...]] = {
    "riverside": (("iv-therapy", 0.9), ("tracheostomy", 0.3), ("triage", 0.3)),
    "northgate": (("iv-therapy", 0.9), ("triage", 0.4)),
    "st-aidans": (("paediatric", 0.7), ("midwifery", 0.3), ("neonatal", 0.3)),
}
FLOAT_CERTS: dict[str, dict[str, float]] = {
    "riverside": {"acls": 0.8},
    "northgate": {"acls": 0.8},
    "st-aidans": {"pals": 0.6, "nrp": 0.5, "acls": 0.2},
}
MD_CERTS: dict[str, dict[str, float]] = {
    Kind.ICU: {"acls": 1.0},
    Kind.ED: {"acls": 1.0, "pals": 0.5},
    Kind.MATERNITY: {"nrp": 1.0, "acls": 0.5},
    Kind.PAEDIATRICS: {"pals": 1.0, "nrp": 0.5},
}


@dataclass(frozen=True)
class ContractSpec:
    name: str
    weekly_hours: Decimal
    max_nights: int | None  # per 28 days; 0 = no nights
    day_shifts_allowed: bool = True
    unavailable_weekdays: tuple[int, ...] = ()
    max_weekends: int = 2
    min_consecutive_days_off: int = 1

    @property
    def max_minutes(self) -> int:
        # Contracted hours over four weeks plus ten hours of flexibility (overtime).
        return int(self.weekly_hours * 4 * 60) + 600


FULL_TIME_HOURS = Decimal("37.5")
CONTRACTS: tuple[ContractSpec, ...] = (
    ContractSpec("Full-time 37.5 h/week", Decimal("37.5"), 8),
    ContractSpec("Part-time 33.75 h/week", Decimal("33.75"), 7),
    ContractSpec("Part-time 30 h/week", Decimal("30"), 6),
    ContractSpec("Part-time 26.25 h/week", Decimal("26.25"), 5),
    ContractSpec("Part-time 22.5 h/week", Decimal("22.5"), 4),
    ContractSpec("Nights only 37.5 h/week", Decimal("37.5"), 13, day_shifts_allowed=False,
                 min_consecutive_days_off=2),
    ContractSpec("Days only, no weekends, 30 h/week", Decimal("30"), 0, unavailable_weekdays=(6, 7),
                 max_weekends=0),
)
NIGHTS_ONLY = CONTRACTS[5].name
DAYS_ONLY = CONTRACTS[6].name
FTE_CHOICES: tuple[tuple[Decimal, int], ...] = (
    (Decimal("1.0"), 50), (Decimal("0.9"), 10), (Decimal("0.8"), 20), (Decimal("0.7"), 8), (Decimal("0.6"), 12),
)

def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Olivia Amelia Isla Ava Mia Grace Sophie Emily Chloe Hannah Lucy Ella Freya Ruby Evie Poppy Holly "
    "Megan Rebecca Laura Sarah Rachel Claire Joanne Helen Karen Nicola Gemma Natalie Kirsty Siobhan "
    "Aoife Niamh Ciara Rhiannon Carys Ffion Eilidh Morag Priya Anjali Aisha Fatima Zainab Yasmin Amira "
    "Nadia Leila Samira Chiamaka Ngozi Adaeze Folake Abena Ama Esi Thandiwe Joy Blessing Precious "
    "Maria Ana Sofia Lucia Marta Agnieszka Katarzyna Oksana Ioana Elena Mei Lin Yuki Hana Jia Ngoc Mai "
    "Rosa Carmen Chipo Tendai Oliver Jack Harry George Thomas James William Daniel Samuel Joseph "
    "Matthew Ryan Liam Connor Callum Owen Rhys Dylan Euan Ross Arjun Rohan Vikram Imran Omar Yusuf "
    "Hassan Bilal Kwame Kofi Emeka Chinedu Tunde Tomasz Piotr Andrei Luca Marco Diego Mateo Wei Jun "
    "Kenji Minh Rafael Joel Aaron Nathan Adam Ben Sam Alex Jamie Robin Charlie"
)
LAST_NAMES = _words(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson "
    "Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin "
    "Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips "
    "Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey "
    "Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh "
    "Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews "
    "Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray "
    "Dixon Harvey Okafor Mensah Adeyemi Boateng Nowak Kowalski Popescu Santos Fernandes Silva Reyes "
    "Nguyen Chen Wang Tanaka Kim O'Brien Byrne Doyle MacLeod Fraser Sharma Chowdhury Ahmed Mahmood "
    "Rahman Osei Mwangi Dlamini Costa Rossi Novak Kaur Gill"
)

LEAVE_REASONS: dict[str, tuple[str, ...]] = {
    Leave.Kind.ANNUAL: ("Family holiday", "Wedding abroad", "School half-term", "Moving house", "Rest week"),
    Leave.Kind.STUDY: ("ALS recertification course", "Mentorship module", "Degree assessment day"),
    Leave.Kind.SICK: ("Unwell", "Back injury", "Gastroenteritis (48 h rule)"),
}


@dataclass(frozen=True)
class RoleLogin:
    username: str
    level: str
    first_name: str
    last_name: str
    description: str


ROLE_LOGINS: tuple[RoleLogin, ...] = (
    RoleLogin("admin", Level.ADMINISTRATOR, "Ada", "Okonkwo", "administrator: the whole network and the Django admin"),
    RoleLogin("regional", Level.REGIONAL_COORDINATOR, "Rhys", "Llewellyn", "regional coordinator: every site"),
    RoleLogin("coordinator", Level.SITE_COORDINATOR, "Catherine", "Doyle",
              "site coordinator: Riverside General Hospital"),
    RoleLogin("manager", Level.UNIT_MANAGER, "Marcus", "Bell", "unit manager: Riverside Intensive Care Unit"),
    RoleLogin("nurse", Level.STAFF, "", "", "staff nurse in the Riverside Intensive Care Unit"),
)


# --- the plan: plain data, decided before anything is written ---------------------------

@dataclass
class PersonPlan:
    number: str
    first_name: str
    last_name: str
    role: str
    site: str
    unit: str
    unit_kind: str
    float_pool: bool
    fte: Decimal
    seniority: int
    contract: str
    skills: set[str] = field(default_factory=set)
    # codes of other units of the site the person is cross-trained for
    cross_trained: set[str] = field(default_factory=set)
    # certification type → days from today to its expiry
    certs: dict[str, int] = field(default_factory=dict)
    username: str | None = None


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=7 - today.weekday())


def _ascii(name: str) -> str:
    return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower())


def _weighted(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _contract_for(rng: random.Random, role: str, fte: Decimal) -> str:
    if role in (Role.RN, Role.HCA) and fte == 1 and rng.random() < 0.08:
        return NIGHTS_ONLY
    if role == Role.RN and fte == Decimal("0.8") and rng.random() < 0.12:
        return DAYS_ONLY
    for spec in CONTRACTS[:5]:
        if spec.weekly_hours == (FULL_TIME_HOURS * fte).quantize(Decimal("0.01")):
            return spec.name
    return CONTRACTS[0].name


def _cert_expiry(rng: random.Random) -> int:
    """Days from today to expiry: mostly well ahead, a few soon, a few already past."""
    r = rng.random()
    if r < 0.03:
        return rng.randint(3, 28)  # expiring within 30 days
    if r < 0.045:
        return -rng.randint(5, 60)  # lapsed
    return rng.randint(45, 700)


def plan_people() -> list[PersonPlan]:
    """About 250 people, the same every run."""
    rng = random.Random(f"{SEED}-people")
    used_names: set[tuple[str, str]] = set()
    people: list[PersonPlan] = []

    def name() -> tuple[str, str]:
        while True:
            pair = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
            if pair not in used_names:
                used_names.add(pair)
                return pair

    def person(site: str, unit: str, kind: str, role: str, float_pool: bool) -> PersonPlan:
        first, last = name()
        fte = _weighted(rng, FTE_CHOICES) if role != Role.MD else Decimal("1.0")
        seniority = max(0, min(38, int(rng.triangular(0, 30, 5))))
        p = PersonPlan(
            number=f"HR{len(people) + 1:05d}", first_name=first, last_name=last, role=role, site=site,
            unit=unit, unit_kind=kind, float_pool=float_pool, fte=fte, seniority=seniority,
            contract=_contract_for(rng, role, fte),
        )
        p.certs["bls"] = _cert_expiry(rng)
        if role == Role.RN:
            skill_chances = FLOAT_SKILLS[site] if float_pool else RN_SKILLS.get(kind, ())
            for skill, chance in skill_chances:
                if rng.random() < chance:
                    p.skills.add(skill)
            if p.seniority >= 3 and rng.random() < 0.25:
                p.skills.add("supervisor")
            cert_chances = FLOAT_CERTS[site] if float_pool else RN_CERTS.get(kind, {})
            for cert, chance in cert_chances.items():
                if rng.random() < chance:
                    p.certs[cert] = _cert_expiry(rng)
        elif role == Role.MD:
            for cert, chance in MD_CERTS.get(kind, {"acls": 0.8}).items():
                if rng.random() < chance:
                    p.certs[cert] = _cert_expiry(rng)
        elif role == Role.LPN and rng.random() < 0.4:
            p.skills.add("iv-therapy")
        elif role == Role.TECH and kind == Kind.THEATRES:
            p.skills.add("anaesthetic")
        people.append(p)
        return p

    units = {(u.site, u.code): u for u in UNITS}
    for spec in UNITS:
        members = [
            person(spec.site, spec.code, spec.kind, role, False) for role, count in spec.staff for _ in range(count)
        ]
        # The most senior third or so of the nurses lead shifts (at least six per unit).
        nurses = sorted((p for p in members if p.role == Role.RN), key=lambda p: (-p.seniority, p.number))
        for p in nurses[: max(6, math.ceil(len(nurses) * 0.35))]:
            p.skills.add("charge-nurse")
        # Two staff nurses per unit are cross-trained for its sister unit (backfill and
        # redeployment may then ask them there).
        sister = CROSS_TRAINING.get((spec.site, spec.code))
        if sister:
            for p in [p for p in nurses if "charge-nurse" not in p.skills][:2]:
                p.cross_trained.add(sister)
    for site in SITES:
        home = units[(site.code, site.float_home)]
        pool = [person(site.code, home.code, home.kind, role, True) for role, count in site.float_pool for _ in range(count)]
        for p in sorted((p for p in pool if p.role == Role.RN), key=lambda p: -p.seniority)[:2]:
            p.skills.add("charge-nurse")

    # Logins: most people get one, named after them; the first ICU nurse is "nurse".
    taken: Counter[str] = Counter(r.username for r in ROLE_LOGINS)
    next(
        p for p in people if (p.site, p.unit, p.role, p.float_pool) == ("riverside", "icu", Role.RN, False)
    ).username = "nurse"
    for p in people:
        if p.username is None and rng.random() < 0.9:
            base = f"{_ascii(p.first_name)}.{_ascii(p.last_name)}"
            taken[base] += 1
            p.username = base if taken[base] == 1 else f"{base}{taken[base]}"
    return people


def census_plan(unit: UnitSpec, start: dt.date) -> list[tuple[dt.date, str, int]]:
    """Expected patients per day and shift: 70–95 % occupancy, weekday and night patterns."""
    rng = random.Random(f"{SEED}-census-{unit.site}-{unit.code}")
    site = next(s for s in SITES if s.code == unit.site)
    rows = []
    for i in range(PERIOD_DAYS):
        day = start + dt.timedelta(days=i)
        weekday = i % 7  # the period starts on a Monday
        weekend = weekday >= 5
        for shift in site.shifts:
            night = SHIFT_TYPES[shift][3]
            if unit.kind == Kind.THEATRES:
                running = 1 if night or weekend else rng.choice((3, 4, 4, 4))
                rows.append((day, shift, running))
                continue
            occ = unit.base_occupancy
            if unit.kind == Kind.MEDSURG:
                occ += (0.03 if weekday < 4 else 0.0) if not weekend else -0.05  # elective admissions
            elif unit.kind == Kind.ED:
                occ += 0.05 if weekday == 0 else (0.02 if weekend else 0.0)
                occ += {"E": -0.04, "L": 0.05}.get(shift, 0.0)  # busy evenings
                occ -= 0.10 if night else 0.0
            elif unit.kind == Kind.PAEDIATRICS:
                occ -= 0.03 if weekend else 0.0
            if night and unit.kind not in (Kind.ED, Kind.MATERNITY):
                occ -= 0.02
            patients = round(unit.beds * (occ + rng.gauss(0, 0.04)))
            # Whole patients, still within 70–95 % of the beds.
            lowest, highest = -(-unit.beds * 70 // 100), unit.beds * 95 // 100
            rows.append((day, shift, min(highest, max(lowest, patients))))
    return rows


# --- writing -------------------------------------------------------------------------

def _upsert(
    scope: models.QuerySet[Any], keys: tuple[str, ...], rows: Iterable[dict[str, Any]], *, update: bool = True
) -> dict[tuple[Any, ...], Any]:
    """Create or update rows of ``scope``'s model matched on ``keys`` (attribute names):
    ``update_or_create`` in bulk (``get_or_create`` with ``update=False``).

    ``scope`` must hold every existing row that could match. Returns every row by key.
    """
    model = scope.model
    found: dict[tuple[Any, ...], Any] = {}
    for obj in scope.order_by("pk"):
        found.setdefault(tuple(getattr(obj, k) for k in keys), obj)
    new: list[Any] = []
    changed: list[Any] = []
    fields: set[str] = set()
    result: dict[tuple[Any, ...], Any] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        obj = found.get(key)
        if obj is None:
            obj = model(**row)
            new.append(obj)
        elif update:
            diff = [k for k, v in row.items() if k not in keys and getattr(obj, k) != v]
            if diff:
                for k in diff:
                    setattr(obj, k, row[k])
                fields.update(diff)
                changed.append(obj)
        result[key] = obj
    if new:
        model._default_manager.bulk_create(new, batch_size=500)
    if changed:
        update_fields = [model._meta.get_field(f).name for f in sorted(fields)]
        model._default_manager.bulk_update(changed, update_fields, batch_size=200)
    return result


def _demo_password_hash(user_model: Any) -> str:
    """The hash every demo login shares: the one already stored when it still matches
    the demo password (so a re-run rewrites no logins), else a fresh one.

    Hashing is deliberately slow, so it is done once, not once per login.
    """
    stored = (
        user_model._default_manager.filter(username="admin").values_list("password", flat=True).first()
    )
    hasher = get_hasher()
    if (
        stored
        and identify_hasher(stored).algorithm == hasher.algorithm
        and not hasher.must_update(stored)
        and check_password(DEMO_PASSWORD, stored)
    ):
        return str(stored)
    return make_password(DEMO_PASSWORD)


@dataclass
class DemoResult:
    start_date: dt.date
    end_date: dt.date
    counts: dict[str, int]
    logins: list[RoleLogin]
    password: str
    seconds: float
    rn_minimum_hours: int = 0
    rn_contracted_hours: int = 0
    staff_logins: int = 0
    example_login: str = ""

    @property
    def rn_utilisation(self) -> float:
        return self.rn_minimum_hours / self.rn_contracted_hours if self.rn_contracted_hours else 0.0


COUNTED: tuple[tuple[str, type[models.Model]], ...] = (
    ("sites", Site), ("units", Unit), ("shift types", ShiftType), ("skills", Skill),
    ("certification types", CertificationType), ("contracts", Contract),
    ("contract shift limits", ContractShiftLimit), ("fatigue rules", FatigueRules),
    ("ratio rules", RatioRule), ("skill-mix rules", SkillMixRule), ("staff", Staff),
    ("certifications", Certification), ("census estimates", CensusEstimate),
    ("coverage requirements", CoverageRequirement), ("leave", Leave), ("preferences", Preference),
    ("access rows", Access),
)


def demo_counts() -> dict[str, int]:
    counts = {label: model._default_manager.count() for label, model in COUNTED}
    counts["logins"] = get_user_model()._default_manager.count()
    return counts


@transaction.atomic
def build_demo(*, today: dt.date | None = None) -> DemoResult:
    """Load (or refresh) the demo network; safe to run any number of times."""
    started = time.monotonic()
    today = today or timezone.localdate()
    start = next_monday(today)
    end = start + dt.timedelta(days=PERIOD_DAYS - 1)
    people = plan_people()

    # Reference data.
    sites = _upsert(
        Site.objects.filter(code__in=[s.code for s in SITES]), ("code",),
        [{"code": s.code, "name": s.name, "address": s.address, "timezone": "Europe/London"} for s in SITES],
    )
    site_by_code = {code: obj for (code,), obj in sites.items()}
    units = _upsert(
        Unit.objects.filter(site__in=site_by_code.values()), ("site_id", "code"),
        [
            {"site_id": site_by_code[u.site].pk, "code": u.code, "name": u.name, "kind": u.kind, "beds": u.beds,
             "acuity_mix": u.acuity}
            for u in UNITS
        ],
    )
    unit_by_code = {(u.site, u.code): units[(site_by_code[u.site].pk, u.code)] for u in UNITS}
    skills = {code: obj for (code,), obj in _upsert(
        Skill.objects.filter(code__in=[c for c, _ in SKILLS]), ("code",),
        [{"code": c, "name": n} for c, n in SKILLS],
    ).items()}
    cert_types = {code: obj for (code,), obj in _upsert(
        CertificationType.objects.filter(code__in=[c for c, _, _ in CERTIFICATION_TYPES]), ("code",),
        [{"code": c, "name": n, "validity_months": v} for c, n, v in CERTIFICATION_TYPES],
    ).items()}
    shift_types = _upsert(
        ShiftType.objects.filter(site__in=site_by_code.values()), ("site_id", "code"),
        [
            {"site_id": site_by_code[s.code].pk, "code": code, "name": SHIFT_TYPES[code][0],
             "start_time": SHIFT_TYPES[code][1], "duration_minutes": SHIFT_TYPES[code][2],
             "is_night": SHIFT_TYPES[code][3], "colour": SHIFT_TYPES[code][4]}
            for s in SITES for code in s.shifts
        ],
    )

    def shift(site: str, code: str) -> ShiftType:
        return shift_types[(site_by_code[site].pk, code)]  # type: ignore[no-any-return]

    contracts = {name: obj for (name,), obj in _upsert(
        Contract.objects.filter(name__in=[c.name for c in CONTRACTS]), ("name",),
        [
            {"name": c.name, "period_days": PERIOD_DAYS,
             # No contract minimum: approved leave must never make a roster impossible;
             # hours are balanced against FTE by the solver's fairness term instead.
             "min_minutes": 0, "max_minutes": c.max_minutes,
             "min_consecutive_days": 1, "max_consecutive_days": 5,
             "min_consecutive_days_off": c.min_consecutive_days_off, "max_weekends": c.max_weekends,
             "unavailable_weekdays": list(c.unavailable_weekdays)}
            for c in CONTRACTS
        ],
    ).items()}
    limits = []
    for c in CONTRACTS:
        for s in SITES:
            for code in s.shifts:
                night = SHIFT_TYPES[code][3]
                cap = c.max_nights if night else (None if c.day_shifts_allowed else 0)
                if cap is not None:
                    limits.append({"contract_id": contracts[c.name].pk, "shift_type_id": shift(s.code, code).pk,
                                   "max_shifts": cap})
    _upsert(ContractShiftLimit.objects.filter(contract__in=contracts.values()), ("contract_id", "shift_type_id"), limits)

    # Fatigue: the field's defaults at every site; the ICU rests 11 h and works at most
    # three nights in a row.
    fatigue_rows: list[dict[str, Any]] = [{"site_id": s.pk, "unit_id": None} for s in site_by_code.values()]
    fatigue_rows.append({"site_id": site_by_code["riverside"].pk, "unit_id": unit_by_code[("riverside", "icu")].pk,
                         "min_rest_minutes": 660, "max_consecutive_nights": 3})
    _upsert(FatigueRules.objects.filter(site__in=site_by_code.values()), ("site_id", "unit_id"), fatigue_rows)

    ratio_rows, mix_rows = [], []
    for u in UNITS:
        unit = unit_by_code[(u.site, u.code)]
        ratio_rows.append({"unit_id": unit.pk, "role": Role.RN, "shift_type_id": None,
                           "patients_per_staff": RN_RATIOS[u.kind]})
        if u.kind in HCA_RATIOS:
            ratio_rows.append({"unit_id": unit.pk, "role": Role.HCA, "shift_type_id": None,
                               "patients_per_staff": HCA_RATIOS[u.kind]})
        if u.kind in HCA_NIGHT_RATIOS:
            ratio_rows.append({"unit_id": unit.pk, "role": Role.HCA, "shift_type_id": shift(u.site, "N").pk,
                               "patients_per_staff": HCA_NIGHT_RATIOS[u.kind]})
        for what, code in SKILL_MIX[u.kind]:
            mix_rows.append({"unit_id": unit.pk, "skill_id": skills[code].pk if what == "skill" else None,
                             "certification_type_id": cert_types[code].pk if what == "cert" else None, "minimum": 1})
    all_units = list(unit_by_code.values())
    _upsert(RatioRule.objects.filter(unit__in=all_units), ("unit_id", "role", "shift_type_id"), ratio_rows)
    _upsert(SkillMixRule.objects.filter(unit__in=all_units), ("unit_id", "skill_id", "certification_type_id"), mix_rows)

    # Logins. Hashing a password is deliberately slow, so every demo login shares one
    # hash of the one demo password (a demo, not a deployment).
    User = get_user_model()
    password = _demo_password_hash(User)
    nurse = next(p for p in people if p.username == "nurse")
    user_rows = []
    for r in ROLE_LOGINS:
        first, last = (nurse.first_name, nurse.last_name) if r.username == "nurse" else (r.first_name, r.last_name)
        user_rows.append({"username": r.username, "first_name": first, "last_name": last,
                          "email": f"{r.username}@example.org", "password": password, "is_active": True,
                          "is_staff": r.level == Level.ADMINISTRATOR, "is_superuser": r.level == Level.ADMINISTRATOR})
    for p in people:
        if p.username and p.username != "nurse":
            user_rows.append({"username": p.username, "first_name": p.first_name, "last_name": p.last_name,
                              "email": f"{p.username}@example.org", "password": password, "is_active": True,
                              "is_staff": False, "is_superuser": False})
    users = _upsert(User._default_manager.filter(username__in=[r["username"] for r in user_rows]), ("username",),
                    user_rows)
    user_by_name = {name: obj for (name,), obj in users.items()}
    access_rows = [{"user_id": user_by_name[r.username].pk, "level": r.level} for r in ROLE_LOGINS]
    access_rows += [{"user_id": user_by_name[p.username].pk, "level": Level.STAFF}
                    for p in people if p.username and p.username != "nurse"]
    access = _upsert(Access.objects.filter(user__in=user_by_name.values()), ("user_id",), access_rows)
    access[(user_by_name["coordinator"].pk,)].sites.set([site_by_code["riverside"]])
    access[(user_by_name["coordinator"].pk,)].units.set([])
    access[(user_by_name["manager"].pk,)].units.set([unit_by_code[("riverside", "icu")]])
    access[(user_by_name["manager"].pk,)].sites.set([])

    # People. A login belongs to one person: free the demo logins first, so a plan that
    # moved a login to another person (a newer version of this file) updates cleanly.
    login_of = {p.number: user_by_name[p.username].pk for p in people if p.username}
    Staff.objects.filter(user__in=login_of.values()).exclude(
        pk__in=[s.pk for s in Staff.objects.filter(employee_number__in=login_of)
                if s.user_id == login_of[s.employee_number]]
    ).update(user=None)
    staff = _upsert(
        Staff.objects.filter(employee_number__in=[p.number for p in people]), ("employee_number",),
        [
            {"employee_number": p.number, "first_name": p.first_name, "last_name": p.last_name, "role": p.role,
             "home_unit_id": unit_by_code[(p.site, p.unit)].pk, "float_pool": p.float_pool, "fte": p.fte,
             "seniority_years": p.seniority, "contract_id": contracts[p.contract].pk,
             "user_id": user_by_name[p.username].pk if p.username else None,
             "email": f"{p.username or _ascii(p.first_name) + '.' + _ascii(p.last_name)}@example.org",
             "phone": f"07700 900{int(p.number[2:]) % 1000:03d}", "active": True}
            for p in people
        ],
    )
    staff_by_number = {number: obj for (number,), obj in staff.items()}
    through = Staff.skills.through
    wanted_skills = {(staff_by_number[p.number].pk, skills[s].pk) for p in people for s in p.skills}
    have_skills = set(
        through.objects.filter(staff__in=staff_by_number.values()).values_list("staff_id", "skill_id")
    )
    through.objects.bulk_create(
        [through(staff_id=a, skill_id=b) for a, b in sorted(wanted_skills - have_skills)], batch_size=500
    )
    for a, b in have_skills - wanted_skills:
        through.objects.filter(staff_id=a, skill_id=b).delete()
    trained = Staff.cross_trained_units.through
    wanted_units = {(staff_by_number[p.number].pk, unit_by_code[(p.site, code)].pk)
                    for p in people for code in p.cross_trained}
    have_units = set(trained.objects.filter(staff__in=staff_by_number.values()).values_list("staff_id", "unit_id"))
    trained.objects.bulk_create([trained(staff_id=a, unit_id=b) for a, b in sorted(wanted_units - have_units)])
    for a, b in have_units - wanted_units:
        trained.objects.filter(staff_id=a, unit_id=b).delete()

    cert_rows = []
    for p in people:
        for code, days in sorted(p.certs.items()):
            ctype = cert_types[code]
            validity = round(ctype.validity_months * 30.44)
            # Never further ahead than one validity period: every certificate was issued
            # by today (a later issue date would leave it not yet valid).
            expires = today + dt.timedelta(days=min(days, validity))
            cert_rows.append({
                "staff_id": staff_by_number[p.number].pk, "type_id": ctype.pk,
                "number": f"{code.upper()}-{p.number}", "expires": expires,
                "issued": expires - dt.timedelta(days=validity),
            })
    _upsert(Certification.objects.filter(staff__in=staff_by_number.values()), ("staff_id", "type_id"), cert_rows)

    # Four weeks of census, then the coverage it calls for.
    census_rows = []
    for u in UNITS:
        unit = unit_by_code[(u.site, u.code)]
        for day, code, patients in census_plan(u, start):
            census_rows.append({"unit_id": unit.pk, "date": day, "shift_type_id": shift(u.site, code).pk,
                                "patients": patients})
    _upsert(CensusEstimate.objects.filter(unit__in=all_units, date__range=(start, end)),
            ("unit_id", "date", "shift_type_id"), census_rows)
    derive_coverage(units=all_units, start_date=start, end_date=end)
    _load_cover_templates(unit_by_code, shift, start)

    _load_requests(people, staff_by_number, user_by_name, unit_by_code, shift, today, start)

    counts = demo_counts()
    rn_min = (
        CoverageRequirement.objects.filter(unit__in=all_units, date__range=(start, end), role=Role.RN)
        .aggregate(m=Sum(models.F("minimum") * models.F("shift_type__duration_minutes")))["m"] or 0
    )
    rn_fte = sum(float(p.fte) for p in people if p.role == Role.RN)
    result = DemoResult(
        start_date=start, end_date=end, counts=counts, password=DEMO_PASSWORD,
        logins=[
            replace(r, description=f"{r.description} ({nurse.first_name} {nurse.last_name})")
            if r.username == "nurse" else r
            for r in ROLE_LOGINS
        ],
        seconds=0.0, rn_minimum_hours=round(rn_min / 60),
        rn_contracted_hours=round(rn_fte * float(FULL_TIME_HOURS) * PERIOD_DAYS / 7),
        staff_logins=sum(1 for p in people if p.username),
        example_login=next(f"{p.username} ({p.first_name} {p.last_name}, {p.role}, {p.unit} at {p.site})"
                           for p in people if p.username and p.username != "nurse"),
    )
    result.seconds = time.monotonic() - started
    # One event for the whole load, by the system (whoever ran the command is not a
    # login). It is filed against the network's administrator account, which has no
    # site or unit, so the event belongs to the network, not to any one site.
    audit_record(
        actor=None,
        action="demo.seed",
        obj=user_by_name["admin"],
        after={"start_date": start.isoformat(), "end_date": end.isoformat(), **counts},
        rationale="Demo network loaded by `manage.py seed_demo` (bulk loader; idempotent).",
    )
    return result


def _load_requests(
    people: list[PersonPlan],
    staff_by_number: dict[str, Staff],
    user_by_name: dict[str, Any],
    unit_by_code: dict[tuple[str, str], Unit],
    shift: Any,
    today: dt.date,
    start: dt.date,
) -> None:
    """Leave (approved, requested, a few declined) and shift preferences in the period."""
    rng = random.Random(f"{SEED}-requests")
    decided_at = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=3), dt.time(10, 0)))

    def decider(p: PersonPlan) -> Any:
        if p.site == "riverside":
            return user_by_name["manager" if p.unit == "icu" and not p.float_pool else "coordinator"]
        return user_by_name["regional"]

    leave_rows: list[dict[str, Any]] = []
    pref_rows: list[dict[str, Any]] = []
    for p in people:
        member = staff_by_number[p.number]
        is_nurse = p.username == "nurse"
        r = rng.random()
        leave: tuple[str, str, int, int] | None = None  # kind, status, first day, length
        if is_nurse:
            leave = (Leave.Kind.ANNUAL, Leave.Status.REQUESTED, 16, 3)
        elif r < 0.13:
            leave = (Leave.Kind.ANNUAL, Leave.Status.APPROVED, rng.randint(0, 21), rng.randint(2, 7))
        elif r < 0.19:
            leave = (Leave.Kind.ANNUAL, Leave.Status.REQUESTED, rng.randint(0, 24), rng.randint(1, 4))
        elif r < 0.21:
            leave = (Leave.Kind.ANNUAL, Leave.Status.DECLINED, rng.randint(0, 24), rng.randint(2, 5))
        elif r < 0.23:
            leave = (Leave.Kind.STUDY, Leave.Status.APPROVED, rng.randint(0, 27), 1)
        elif r < 0.245:
            leave = (Leave.Kind.SICK, Leave.Status.APPROVED, rng.randint(0, 3), rng.randint(1, 3))
        if leave is not None:
            kind, status, first, length = leave
            begins = start + dt.timedelta(days=first)
            decided = status != Leave.Status.REQUESTED
            leave_rows.append({
                "staff_id": member.pk, "start_date": begins, "end_date": begins + dt.timedelta(days=length - 1),
                "kind": kind, "status": status, "reason": rng.choice(LEAVE_REASONS[kind]),
                "decided_by_id": decider(p).pk if decided else None, "decided_at": decided_at if decided else None,
            })
        # Shift preferences: about two people in five ask for something.
        if is_nurse or rng.random() < 0.4:
            codes = next(s for s in SITES if s.code == p.site).shifts
            days: set[int] = set()
            for _ in range(3 if is_nurse else rng.randint(1, 4)):
                d = rng.randint(0, PERIOD_DAYS - 1)
                if d in days:
                    continue
                days.add(d)
                off = rng.random() < 0.7
                code = None if off and rng.random() < 0.6 else rng.choice(codes)
                pref_rows.append({
                    "staff_id": member.pk, "date": start + dt.timedelta(days=d),
                    "shift_type_id": shift(p.site, code).pk if code else None,
                    "kind": Preference.Kind.OFF if off else Preference.Kind.ON,
                    "weight": rng.choice((1, 1, 2, 3, 5, 8)),
                    "status": Preference.Status.APPROVED if rng.random() < 0.3 else Preference.Status.REQUESTED,
                })
    members = list(staff_by_number.values())
    # Requests are created once and then belong to the people and their managers: a
    # re-run never undoes a decision taken during the demo.
    _upsert(Leave.objects.filter(staff__in=members), ("staff_id", "start_date"), leave_rows, update=False)
    _upsert(
        Preference.objects.filter(staff__in=members), ("staff_id", "date", "shift_type_id"), pref_rows, update=False
    )


def _load_cover_templates(unit_by_code: dict[tuple[str, str], Unit], shift: Any, start: dt.date) -> None:
    """Each unit's usual week: what its ratio and skill-mix rules ask for at its typical
    census for that day of the week and shift (the demo period's average). Generating a
    roster for any later period (next month) applies it, so every day, night and weekend
    has cover."""
    rows = []
    for u in UNITS:
        unit = unit_by_code[(u.site, u.code)]
        typical: dict[tuple[int, str], list[int]] = {}
        for day, code, patients in census_plan(u, start):
            typical.setdefault((day.weekday(), code), []).append(patients)
        for (weekday, code), counts in sorted(typical.items()):
            shift_type = shift(u.site, code)
            patients = round(sum(counts) / len(counts))
            try:
                lines = derive_lines(unit, shift_type, patients)
            except DomainError:
                continue  # no ratio rule for this shift: nothing to derive
            for line in lines:
                rows.append({
                    "unit_id": unit.pk, "weekday": weekday, "shift_type_id": shift_type.pk, "role": line.need.role,
                    "skill_id": line.need.skill.pk if line.need.skill else None,
                    "certification_type_id": line.need.certification_type.pk if line.need.certification_type
                    else None,
                    "minimum": line.minimum, "preferred": line.preferred, "maximum": line.maximum,
                    "patients": patients, "derivation": line.derivation,
                })
    _upsert(CoverTemplate.objects.filter(unit__in=unit_by_code.values()),
            ("unit_id", "weekday", "shift_type_id", "role", "skill_id", "certification_type_id"), rows)


def last_seed() -> AuditEvent | None:
    return AuditEvent.objects.filter(action="demo.seed").order_by("-at", "-id").first()


def publish_demo_roster(*, start_date: dt.date, end_date: dt.date, seconds: int) -> Roster | None:
    """Generate and publish the demo manager's unit roster for the demo period, so staff
    pages (my shifts, swaps, open shifts) have something to show. Idempotent: nothing
    happens when that period already has a published roster."""
    user_model = get_user_model()
    manager = user_model._default_manager.filter(username="manager").first()
    unit = managed_units(manager).select_related("site").first() if manager is not None else None
    if manager is None or unit is None:
        return None
    existing = Roster.objects.filter(unit=unit, start_date=start_date, status=Roster.Status.PUBLISHED).first()
    if existing is not None:
        return existing
    run = SolverRun.objects.create(site=unit.site, unit=unit, start_date=start_date, end_date=end_date,
                                   time_limit_seconds=seconds, requested_by=manager)
    generation.solver_run_execute(run.pk)
    roster = run.rosters.first()
    if roster is None:
        return None
    return roster_publish(actor=manager, roster=roster)


def publish_current_rosters(*, period_start: dt.date, seconds: int) -> list[Roster]:
    """Put a roster in force for the week in progress (the seven days before the demo
    period, so it covers today) in every demo unit, so live staffing, the operations
    board and the crisis scan see people on shift now rather than empty wards.

    The week gets the census its units usually have (the demo period's first week, same
    weekday pattern) and the cover that census calls for; then each site's rosters are
    generated by the solver in one run (its float pool shared between its units) under
    every hard rule, and published by the site's coordinator. Idempotent: a unit that
    already has a published roster overlapping the week is left as it is (on a re-run
    the others are solved one by one around it)."""
    week_start, week_end = period_start - dt.timedelta(days=7), period_start - dt.timedelta(days=1)
    user_model = get_user_model()
    actors = list(user_model._default_manager.filter(username__in=("coordinator", "regional", "admin")))
    actors.sort(key=lambda u: ("coordinator", "regional", "admin").index(u.username))
    sites = {s.code: s for s in Site.objects.filter(code__in=[s.code for s in SITES])}
    units = {(u.site.code, u.code): u for u in Unit.objects.filter(site__in=sites.values()).select_related("site")}
    shift_types = {(t.site_id, t.code): t for t in ShiftType.objects.filter(site__in=sites.values())}
    census_rows = []
    for spec in UNITS:
        unit = units.get((spec.site, spec.code))
        if unit is None:
            continue
        for day, code, patients in census_plan(spec, period_start):
            if day >= period_start + dt.timedelta(days=7):
                break
            census_rows.append({"unit_id": unit.pk, "date": day - dt.timedelta(days=7),
                                "shift_type_id": shift_types[(unit.site_id, code)].pk, "patients": patients})
    _upsert(CensusEstimate.objects.filter(unit__in=units.values(), date__range=(week_start, week_end)),
            ("unit_id", "date", "shift_type_id"), census_rows)
    derive_coverage(units=units.values(), start_date=week_start, end_date=week_end)

    published: list[Roster] = []
    for site in sites.values():
        actor = next((a for a in actors if managed_sites(a).filter(pk=site.pk).exists()), None)
        site_units = [u for u in units.values() if u.site_id == site.pk]
        covered = set(Roster.objects.filter(
            unit__in=site_units, status=Roster.Status.PUBLISHED, start_date__lte=week_end, end_date__gte=week_start,
        ).values_list("unit_id", flat=True))
        missing = sorted((u for u in site_units if u.pk not in covered), key=lambda u: u.pk)
        if actor is None or not missing:
            continue
        runs = [None] if len(missing) == len(site_units) else missing
        for unit in runs:
            run = SolverRun.objects.create(site=site, unit=unit, start_date=week_start, end_date=week_end,
                                           time_limit_seconds=seconds, requested_by=actor)
            generation.solver_run_execute(run.pk)
            for roster in run.rosters.select_related("unit").order_by("unit_id"):
                published.append(roster_publish(actor=actor, roster=roster))
    return published
