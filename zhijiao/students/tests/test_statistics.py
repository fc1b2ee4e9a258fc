"""学籍 statistics by region, school, major and grade: scoped, from the maintained tally (no count
over the registry), equal to a direct count, with an XLSX download; the 学期注册 entry points."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from zhijiao.core import counters
from zhijiao.students import selectors
from zhijiao.students.models import Enrolment

from .factories import add_student, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(world):
    registered(world, entry=datetime.date(2024, 9, 1))
    registered(world, entry=datetime.date(2024, 9, 1))
    add_student(world, entry=datetime.date(2023, 9, 1))  # pending
    registered(world, "b", entry=datetime.date(2023, 9, 1))
    return world


def _table(stats):
    return {
        label: dict(zip([c for c, _l in stats["statuses"]], cells, strict=True))
        for label, cells, _t in stats["rows"]
    }


def test_province_sees_cities_a_school_only_itself(registry):
    w = registry
    stats = selectors.registry_statistics(user=w["province_admin"], by="region")
    assert _table(stats) == {
        "济南市": {"pending": 1, "registered": 2},
        "青岛市": {"pending": 0, "registered": 1},
    }
    assert stats["total"] == 4
    own = selectors.registry_statistics(user=w["school_a"], by="region")
    assert own["total"] == 3 and [r[0] for r in own["rows"]] == ["历下区"]
    city = selectors.registry_statistics(user=w["qingdao"], by="school")
    assert [r[0] for r in city["rows"]] == ["青岛第一职业中专"] and city["total"] == 1


def test_by_major_and_grade(registry):
    w = registry
    by_grade = selectors.registry_statistics(user=w["province_admin"], by="grade")
    assert {label: total for label, _c, total in by_grade["rows"]} == {"Class of 2023": 2, "Class of 2024": 2}
    by_major = selectors.registry_statistics(user=w["province_admin"], by="major")
    assert sum(t for _l, _c, t in by_major["rows"]) == 4
    assert all(label.split(" ")[0].isdigit() for label, _c, _t in by_major["rows"])


def test_the_tally_follows_every_write_and_matches_a_direct_count(registry):
    w = registry
    assert counters.applies(w["province_admin"])
    Enrolment.objects.filter(institution=w.school_a, status="pending").update(status="registered")
    Enrolment.objects.filter(institution=w.school_b).update(is_current=False)
    from_tally = selectors._mix_counts(w["province_admin"], "grade")
    counted = {}
    for e in Enrolment.objects.filter(is_current=True):
        key = (str(e.cohort_year), e.status)
        counted[key] = counted.get(key, 0) + 1
    assert from_tally == counted == {("2024", "registered"): 2, ("2023", "registered"): 1}


def test_reading_does_not_grow_with_the_registry(registry):
    w = registry
    with CaptureQueriesContext(connection) as few:
        selectors.registry_statistics(user=w["province_admin"], by="major")
    for _ in range(5):
        registered(w)
    with CaptureQueriesContext(connection) as more:
        selectors.registry_statistics(user=w["province_admin"], by="major")
    assert len(more) == len(few)
    assert not any("students_enrolment" in q["sql"] for q in more.captured_queries)


def test_page_export_and_bad_input(registry, login):
    client = login(registry["jinan"])
    page = client.get("/students/statistics/?by=major")
    assert page.status_code == 200 and "statistics-table" in page.content.decode()
    assert client.get("/students/statistics/?by=<script>").status_code == 200  # falls back to region
    response = client.get("/students/statistics/?by=grade&export=xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[-1][0] == "Total" and rows[-1][-1] == 3  # 济南 only


def test_term_registration_and_statistics_are_linked_for_the_school(registry, login):
    body = login(registry["school_a"]).get("/students/").content.decode()
    assert "/students/term-registration/" in body and "/students/statistics/" in body
    home = login(registry["school_a"]).get("/").content.decode()
    assert "/students/statistics/" in home  # the menu
