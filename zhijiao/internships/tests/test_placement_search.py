"""The placement list's search reads the placement's own search columns (internships.search): the same
matches as searching the students, kept current when a student's name or number changes, and answered
from the placement's indexes (PostgreSQL EXPLAIN) without reading the students."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhijiao.core.testing_api import api_client
from zhijiao.internships.models import Placement
from zhijiao.students.filtersets import student_search_q
from zhijiao.students.models import Student

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="search columns are PostgreSQL"),
]

NAMES = [
    ("王芳", "Wang Fang", "G37010220070001"),
    ("王芳芳", "Wang Fangfang", "G37010220070002"),
    ("李秀英", "Li Xiuying", "G37020220080001"),
    ("欧阳娜娜", "Ouyang Nana", "L370102001"),
    ("张王", "Zhang Wang", None),
]
QUERIES = [
    "王",
    "王芳",
    "芳芳",
    "李秀英",
    "阳娜娜",
    "wang",
    "wf",
    "ouyang",
    "3701",
    "37010220070",
    "G3701",
    "L370102001",
    "X1",
    "无此人",
]


def _named(iw, name, pinyin, registry):
    enrolment = iw.student()
    Student.objects.filter(pk=enrolment.student_id).update(
        name=name, name_pinyin=pinyin, registry_number=registry
    )
    return enrolment


@pytest.fixture
def placed(iw):
    made = [iw.placement(_named(iw, *row), complete=False) for row in NAMES]
    made.append(iw.placement(complete=False))  # 学生N
    return made


def _found(query) -> set[int]:
    return set(Placement.objects.filter(id__studentsearch=query).values_list("pk", flat=True))


def _joined(query) -> set[int]:
    return set(
        Placement.objects.filter(student_search_q(query, prefix="enrolment__student__")).values_list(
            "pk", flat=True
        )
    )


@pytest.mark.parametrize("query", QUERIES)
def test_same_matches_as_searching_the_students(placed, query):
    assert _found(query) == _joined(query)


def test_columns_follow_the_student(iw, placed):
    p = placed[0]
    assert _found("王芳") >= {p.pk}
    student = p.enrolment.student
    # A correction of the name and the number (one UPDATE of the student) reaches the placement.
    Student.objects.filter(pk=student.pk).update(
        name="赵敏", name_pinyin="Zhao Min", id_number="370102200801010011"
    )
    assert p.pk not in _found("王芳") and p.pk in _found("赵敏") and p.pk in _found("zm")
    assert p.pk in _found("3701022008") and _found("3701022008") == _joined("3701022008")
    # The placement moved to another enrolment takes that student's terms.
    other = _named(iw, "孙悟空", "Sun Wukong", None)
    Placement.objects.filter(pk=p.pk).update(enrolment=other)
    assert _found("悟空") == {p.pk} and p.pk not in _found("赵敏")
    # A save of a copy read earlier does not write stale terms back.
    stale = Placement.objects.get(pk=p.pk)
    Student.objects.filter(pk=other.student_id).update(name="孙行者")
    stale.status_reason = "x"
    stale.save()
    assert _found("行者") == {p.pk}


def test_backfill_sets_every_placement_set_based(placed):
    from zhijiao.internships import search

    with connection.cursor() as cursor:
        cursor.execute("UPDATE internships_placement SET search_name = NULL, search_terms = NULL")
    assert _found("王芳") == set()
    assert search.backfill() == len(placed)
    assert search.backfill() == 0  # nothing left to change
    assert _found("王芳") == _joined("王芳") != set()


def _plan(client, path, params) -> str:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200
    rows = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT")
        and " LIMIT " in q["sql"]
        and 'FROM "internships_placement"' in q["sql"]
    ]
    assert rows
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # no ordered walk: the search must find the rows
        # The province's scope holds every school: at scale the planner hash-joins the schools in scope;
        # on these tiny tables it would start from the one region and visit its school's placements.
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("EXPLAIN " + rows[-1])
        plan = "\n".join(r[0] for r in cursor.fetchall())
        for setting in ("enable_seqscan", "enable_indexscan", "enable_nestloop"):
            cursor.execute(f"RESET {setting}")
    return plan


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("王芳", "internships_pl_search_terms"),
        ("李秀英", "internships_pl_search_terms"),
        ("wang", "internships_pl_search_terms"),
        ("37010220070", "internships_pl_search_idno"),
        ("G3701", "internships_pl_search_regno"),
    ],
)
@pytest.mark.parametrize("kind", ["page", "api"])
def test_search_reads_the_placements_own_index(placed, world, login, query, index, kind):
    """A name or number the province has a few thousand of is found from the placement's index, then
    only those rows are ordered. (One frequent character — 王, 7 % of the province — is better served by
    walking the list's order index and filtering, which the planner chooses from the statistics.)"""
    user = world["province_staff"]
    if kind == "page":
        plan = _plan(login(user), "/internships/placements/", {"q": query})
    else:
        plan = _plan(api_client(user), "/api/v1/placements/", {"q": query})
    assert index in plan, plan
    assert "Seq Scan on internships_placement" not in plan, plan
    # The students are joined for the page's rows only, never searched.
    assert "students_student_terms_gin" not in plan and "students_stu_idno_prefix" not in plan, plan
