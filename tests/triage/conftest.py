"""An open incident at North General, opened by its coordinator, with two ambulances and
two receiving hospitals: North General itself (a network site, its capacity read live:
its ICU and ward have 2 beds each here, so 4 free) and Hill Cottage (outside the
network, 4 places typed in)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from roster.models import Unit
from tests.conftest import World
from triage import incident as ops
from triage.models import Ambulance, Incident, ReceivingHospital

# Answers that give each START colour.
RED = {"walks": False, "breathing": True, "respiratory_rate": 34}
YELLOW = {"walks": False, "breathing": True, "respiratory_rate": 20}
GREEN = {"walks": True}
BLACK = {"walks": False, "breathing": False, "breathes_after_airway": False}


@dataclass
class Scene:
    incident: Incident
    basic: Ambulance
    experienced: Ambulance
    near: ReceivingHospital
    far: ReceivingHospital


@pytest.fixture
def scene(world: World) -> Scene:
    Unit.objects.filter(pk__in=[world.icu.pk, world.ward.pk]).update(beds=2)
    incident = ops.incident_create(actor=world.coordinator, site=world.north, kind="traffic",
                                   description="Coach on its side", buffer_minutes=2)
    basic = ops.ambulance_add(actor=world.coordinator, incident=incident, call_sign="A1", crew=1)
    experienced = ops.ambulance_add(actor=world.coordinator, incident=incident, call_sign="A2", crew=2)
    near = ops.hospital_add(actor=world.coordinator, incident=incident, name="North General", site=world.north,
                            resources=3, capacity=4, distance=1)
    far = ops.hospital_add(actor=world.coordinator, incident=incident, name="Hill Cottage", resources=1,
                           capacity=4, distance=3)
    return Scene(incident, basic, experienced, near, far)
