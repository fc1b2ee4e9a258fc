"""学期注册 each term (XJ-TERM) and the data-quality reports: 人籍分离, possible duplicates."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from zhijiao.core.services import OutOfScope
from zhijiao.students import rules, selectors, services
from zhijiao.students.choices import EnrolmentStatus, NotRegisteredReason
from zhijiao.students.models import Enrolment, TermRegistration
from zhijiao.students.views.quality import current_term

from .factories import add_student, registered

pytestmark = pytest.mark.django_db


def _enr(student):
    return Enrolment.objects.get(student=student, is_current=True)


def test_who_is_registered_who_is_not_and_why(world):
    here, away, sick, unseen = (registered(world, name=n) for n in ("在校生", "未报到", "休学生", "未登记"))
    Enrolment.objects.filter(student=sick).update(status=EnrolmentStatus.SUSPENDED)
    actor = world["school_a"]
    services.term_registration_record(
        actor=actor, enrolment=_enr(here), school_year=2025, term="1", registered=True
    )
    with pytest.raises(ValidationError, match="why"):
        services.term_registration_record(
            actor=actor, enrolment=_enr(away), school_year=2025, term="1", registered=False
        )
    services.term_registration_record(
        actor=actor,
        enrolment=_enr(away),
        school_year=2025,
        term="1",
        registered=False,
        reason=NotRegisteredReason.ABSENT,
    )
    with pytest.raises(ValidationError, match="cannot register"):
        services.term_registration_record(
            actor=actor, enrolment=_enr(sick), school_year=2025, term="1", registered=True
        )
    assert services.term_registration_open(
        actor=actor, institution=world.school_a, school_year=2025, term="1"
    ) == {"suspended": 1}
    assert services.term_registration_open(
        actor=actor, institution=world.school_a, school_year=2025, term="1"
    ) == {"suspended": 0}
    report = selectors.term_registration_report(user=actor, school_year=2025, term="1")
    assert [r.enrolment.student.name for r in report["registered"]] == ["在校生"]
    assert {(r.enrolment.student.name, r.reason) for r in report["not_registered"]} == {
        ("未报到", "absent"),
        ("休学生", "suspended"),
    }
    assert [e.student.name for e in report["unrecorded"]] == ["未登记"]
    # another term is separate; another school sees none of it
    assert len(selectors.term_registration_report(user=actor, school_year=2025, term="2")["unrecorded"]) == 4
    other = selectors.term_registration_report(user=world["school_b"], school_year=2025, term="1")
    assert other == {"registered": [], "not_registered": [], "unrecorded": []}
    # correcting a record keeps one row
    services.term_registration_record(
        actor=actor, enrolment=_enr(away), school_year=2025, term="1", registered=True
    )
    assert TermRegistration.objects.filter(enrolment=_enr(away)).count() == 1
    with pytest.raises(OutOfScope):
        services.term_registration_record(
            actor=world["school_b"], enrolment=_enr(here), school_year=2025, term="1", registered=True
        )
    del unseen


def test_separated_from_record_after_the_deadline(world):
    away, unseen = registered(world, name="未报到"), registered(world, name="未登记")
    services.term_registration_record(
        actor=world["school_a"],
        enrolment=_enr(away),
        school_year=2025,
        term="1",
        registered=False,
        reason=NotRegisteredReason.ABSENT,
    )
    deadline = rules.term_registration_deadline(2025, "1")
    assert deadline == datetime.date(2025, 10, 1)
    user = world["school_a"]
    names = lambda day: sorted(  # noqa: E731
        e.student.name
        for e in selectors.separated_from_record(user=user, school_year=2025, term="1", today=day)
    )
    assert names(deadline) == ["未报到"]
    assert names(deadline + datetime.timedelta(days=1)) == ["未报到", "未登记"]
    with override_settings(STUDENT_TERM_REGISTRATION_DAYS=60):
        assert names(deadline + datetime.timedelta(days=1)) == ["未报到"]
    assert rules.term_registration_deadline(2025, "2") == datetime.date(2026, 3, 31)
    del unseen


def test_possible_duplicates(world):
    a = add_student(world, name="王五", number=None)
    b = add_student(world, "b", name="王五")
    add_student(world, name="赵六")
    groups = selectors.possible_duplicates(user=world["province_admin"])
    assert [sorted(s.pk for s in g) for g in groups] == [sorted([a.pk, b.pk])]
    assert selectors.possible_duplicates(user=world["school_a"]) == []


def test_current_term():
    assert current_term(datetime.date(2025, 9, 1)) == (2025, "1")
    assert current_term(datetime.date(2026, 1, 15)) == (2025, "1")
    assert current_term(datetime.date(2026, 3, 1)) == (2025, "2")
    assert current_term(datetime.date(2026, 8, 31)) == (2025, "2")


def test_report_page(world, login):
    s = registered(world, name="未报到")
    services.term_registration_record(
        actor=world["school_a"],
        enrolment=_enr(s),
        school_year=2025,
        term="1",
        registered=False,
        reason=NotRegisteredReason.ABSENT,
    )
    page = login(world["school_a"]).get("/students/term-registration/?year=2025&term=1").content.decode()
    assert "未报到" in page and "Did not report" in page
    page = login(world["school_b"]).get("/students/term-registration/?year=2025&term=1").content.decode()
    assert "未报到" not in page
