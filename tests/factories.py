"""factory_boy factories for the roster models."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from roster import models as m

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Site

    name = factory.Sequence(lambda n: f"General Hospital {n}")
    code = factory.Sequence(lambda n: f"gh{n}")
    timezone = "Europe/London"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Unit

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Ward {n}")
    code = factory.Sequence(lambda n: f"w{n}")
    kind = m.Unit.Kind.MEDSURG
    beds = 24


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Skill
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"skill{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())


class CertificationTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.CertificationType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cert{n}")
    name = factory.LazyAttribute(lambda o: o.code.upper())
    validity_months = 24


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Contract
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Contract {n}")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Staff

    user = factory.SubFactory(UserFactory)
    employee_number = factory.Sequence(lambda n: f"E{n:05d}")
    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = factory.Sequence(lambda n: f"Morgan{n}")
    role = m.Staff.Role.RN
    home_unit = factory.SubFactory(UnitFactory)
    fte = 1
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}@example.org")
    phone = "07700 900123"


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Certification

    staff = factory.SubFactory(StaffFactory)
    type = factory.SubFactory(CertificationTypeFactory)
    number = factory.Sequence(lambda n: f"N{n:06d}")
    issued = dt.date(2025, 1, 1)
    expires = dt.date(2027, 1, 1)


class ShiftTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ShiftType
        django_get_or_create = ("site", "code")

    site = factory.SubFactory(SiteFactory)
    code = "D"
    name = "Day"
    start_time = dt.time(7, 0)
    duration_minutes = 720
    is_night = False


class RosterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Roster

    unit = factory.SubFactory(UnitFactory)
    start_date = dt.date(2026, 3, 2)
    end_date = dt.date(2026, 3, 29)


class LeaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Leave

    staff = factory.SubFactory(StaffFactory)
    start_date = dt.date(2026, 3, 10)
    end_date = dt.date(2026, 3, 12)
    reason = "Family wedding"


def grant(user, level: str, *, units=(), sites=()) -> m.Access:
    access, _ = m.Access.objects.update_or_create(user=user, defaults={"level": level})
    access.units.set(units)
    access.sites.set(sites)
    # The cached reverse accessor would otherwise keep the old level for this object.
    user.access = access
    return access
