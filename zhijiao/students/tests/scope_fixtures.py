"""Scope-matrix rows for the registry: students, enrolments, batches, status changes and graduations
at school A (济南), school B (青岛) and the college (济南), written through the services."""

from __future__ import annotations

import datetime

from zhijiao.core.actors import system_actor
from zhijiao.core.testing import make_resident_id
from zhijiao.core.testing_scope import object_url, scope_fixture
from zhijiao.students import services
from zhijiao.students.models import Enrolment, Student
from zhijiao.workflows import services as wf

NAMES = {"a": "济南甲", "b": "青岛乙", "c": "学院丙"}


def _student(sw, key: str, n: int, *, entry: datetime.date) -> Student:
    sw.made["id_order"] = sw.made.get("id_order", 0) + 1
    return services.student_create(
        actor=sw["province_admin"],
        data={
            "institution": sw.schools[key],
            "offering": sw.offerings[key],
            "name": f"{NAMES[key]}{n}号",
            "id_number": make_resident_id(birth="20070301", order=401 + 2 * sw.made["id_order"]),
            "gender": "male",
            "id_type": "resident_id",
            "entry_date": entry,
            "cohort_year": entry.year,
            "class_name": f"{entry.year}级1班",
        },
    )


def _approve(request, actor) -> None:
    """Along the whole chain, as the loader does (core.actors: the demo actor decides any step)."""
    while request.status == "in_review":
        request = wf.request_approve(actor=system_actor("demo"), request=request)


@scope_fixture()
def students(sw) -> None:
    """Per school: a registered student for an internship, a graduate, one suspension in review,
    a registration batch in review. The student account holds school A's first student."""
    admin = sw["province_admin"]
    sw.made["students"] = {}
    for key, school in sw.schools.items():
        placed = _student(sw, key, 1, entry=datetime.date(2023, 9, 1))
        graduate = _student(sw, key, 2, entry=datetime.date(2022, 9, 1))
        suspended = _student(sw, key, 3, entry=datetime.date(2024, 9, 1))
        pending = _student(sw, key, 4, entry=datetime.date(2025, 9, 1))
        Enrolment.objects.filter(student__in=[placed, graduate, suspended]).update(status="registered")
        sw.made["students"][key] = {"placed": placed, "graduate": graduate, "pending": pending}
        services.term_registration_record(
            actor=admin,
            enrolment=placed.enrolments.get(is_current=True),
            school_year=2025,
            term="1",
            registered=True,
        )
        batch = services.batch_create(actor=admin, institution=school, year=2025, term="autumn")
        services.batch_submit(actor=admin, batch=batch, today=datetime.date(2025, 10, 1))
        services.status_change_request(
            actor=admin,
            student=suspended,
            kind="suspend",
            reason="因病休学",
            effective_date=datetime.date(2025, 3, 1),
            months=6,
            suspension_reason="illness",
        )
        enrolment = graduate.enrolments.get(is_current=True)
        glist = services.graduation_list_create(
            actor=admin,
            institution=school,
            year=2025,
            graduation_date=datetime.date(2025, 7, 1),
            entries=[
                {
                    "enrolment": enrolment,
                    "credits_complete": True,
                    "internship_grade": "pass",
                    "conduct_grade": "pass",
                }
            ],
        )
        glist = services.graduation_list_submit(actor=admin, graduation_list=glist)
        _approve(glist.approval, admin)
    services.student_link_account(actor=admin, student=sw.made["students"]["a"]["placed"], user=sw["student"])


object_url("students:student_account", Student)
object_url("students:change_add", Student)
object_url("students:student_photo", Student)
object_url("students:student_photo_file", Student)
object_url("students:student_detail", Student)
