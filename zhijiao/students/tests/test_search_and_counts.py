"""Name search for Chinese (1–4 characters, pinyin, initials, ID / 学籍号 prefixes) and the per-school
tallies of students and enrolments that stay current whatever writes the rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from zhijiao.core import counters
from zhijiao.students import selectors
from zhijiao.students.filtersets import student_search_q
from zhijiao.students.models import Enrolment, Student

from .factories import add_student

pg = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="tallies and the terms index are PostgreSQL's"
)


@pytest.fixture
def people(world):
    made = {
        name: add_student(world, name=name) for name in ("王小明", "王芳", "欧阳娜娜", "李明", "㛃玉", "小明")
    }
    Student.objects.filter(pk=made["王小明"].pk).update(name_pinyin="Wang Xiaoming")
    return made


def names(q):
    return sorted(Student.objects.filter(student_search_q(q)).values_list("name", flat=True))


def test_one_to_four_characters(people):
    assert names("王") == ["王小明", "王芳"]
    assert names("明") == ["小明", "李明", "王小明"]
    assert names("小明") == ["小明", "王小明"]
    assert names("欧阳娜") == ["欧阳娜娜"]
    assert names("欧阳娜娜") == ["欧阳娜娜"]
    assert names("阳娜娜") == ["欧阳娜娜"]
    assert names("娜娜欧") == []  # every pair must be there, in order
    assert names("㛃") == ["㛃玉"]  # a rare character (CJK extension A)
    assert names(" 王 芳 ") == ["王芳"]


@pg
@pytest.mark.parametrize("query", ["王", "小明", "欧阳娜", "wang"])
def test_a_name_search_inside_a_subquery(people, query):
    """The lookup names the subquery's table as its FROM does (``U0``, unquoted)."""
    inner = Student.objects.filter(name__namesearch=query).values("pk")
    assert sorted(Student.objects.filter(pk__in=inner).values_list("name", flat=True)) == names(query)


def test_pinyin_and_initials(people):
    assert names("wang") == ["王小明"]
    assert names("xiaoming") == ["王小明"]
    assert names("wangxiaoming") == ["王小明"]
    assert names("wxm") == ["王小明"]
    assert names("Wang") == ["王小明"]
    assert names("zhang") == []


def test_id_and_registry_prefixes(people):
    someone = people["李明"]
    Student.objects.filter(pk=someone.pk).update(registry_number="G" + someone.id_number)
    assert "李明" in names(someone.id_number[:8])
    assert names(someone.id_number) == ["李明"]
    assert names("g" + someone.id_number[:10]) == ["李明"]
    assert names("３７０") == []  # a full-width code shorter than the prefix minimum must match whole


def test_search_on_the_page_is_scoped(world, login, people):
    add_student(world, "b", name="王青岛")
    client = login(world["school_b"])
    response = client.get(reverse("students:student_list"), {"q": "王"})
    assert [r.record.name for r in response.context["table"].page.object_list] == ["王青岛"]


@pg
def test_tallies_follow_every_write(world):
    a = add_student(world, name="甲")
    add_student(world, name="乙")
    add_student(world, "b", name="丙")

    def check():
        for user in (world["province_admin"], world["school_a"], world["school_b"], world["jinan"]):
            assert counters.tally("students", user) == selectors.student_list(user=user).count()
            assert counters.tally("enrolments", user, by=("k1",)) == selectors.counts_by_status(user=user)
            assert selectors.student_counts(user=user)["total"] == selectors.student_list(user=user).count()

    check()
    # A transfer moves the student between schools; a status change moves the enrolment between keys.
    Student.objects.filter(pk=a.pk).update(current_institution=world.school_b)
    Enrolment.objects.filter(student=a).update(status="suspended")
    check()
    Enrolment.objects.filter(student=a).update(is_current=False)
    check()
    Enrolment.objects.filter(student=a).delete()
    Student.objects.filter(pk=a.pk).delete()
    check()
    assert counters.tally("students", world["school_b"]) == 1


def test_student_counts_without_tallies(world, monkeypatch):
    add_student(world, name="丁")
    monkeypatch.setattr(counters, "available", lambda: False)
    counts = selectors.student_counts(user=world["school_a"])
    assert counts == {"total": 1, "by_status": {"pending": 1}}
