"""Student test helpers built on ``core.testing.World``."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from zhijiao.core.testing import make_resident_id
from zhijiao.students import services
from zhijiao.students.choices import EnrolmentStatus
from zhijiao.students.models import Enrolment, Student

_order = itertools.count(1)


def new_id(birth: str = "20080101", male: bool = True) -> str:
    n = next(_order) % 499
    order = 2 * n + (1 if male else 2)
    return make_resident_id(birth=birth, order=order)


def add_student(
    world, school="a", *, name="张三", status=None, entry=datetime.date(2024, 9, 1), actor=None, number=None
) -> Student:
    inst = world.school_a if school == "a" else world.school_b
    offering = world.offering_a if school == "a" else world.offering_b
    actor = actor or world["province_admin"]
    student = services.student_create(
        actor=actor,
        data={
            "institution": inst,
            "offering": offering,
            "name": name,
            "id_number": number or new_id(),
            "gender": "",
            "id_type": "resident_id",
            "entry_date": entry,
            "cohort_year": entry.year,
            "class_name": "1班",
        },
    )
    if status:
        Enrolment.objects.filter(student=student).update(status=status, registered_at=timezone.now())
    return student


def registered(world, school="a", **kw) -> Student:
    return add_student(world, school, status=EnrolmentStatus.REGISTERED, **kw)
