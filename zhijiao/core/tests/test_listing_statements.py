"""The count of a list costs at most one statement, whoever asks (issue 16, fifth round): the planner's
verdict on the bounded count is cached, so a school and the province count a list in the same
number of statements — and the province, whose lists the planner estimates, often in none."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhijiao.core import listing
from zhijiao.students.models import Student
from zhijiao.students.tests.factories import add_student

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner estimates")


@pytest.fixture(autouse=True)
def _plans_cached(settings):
    """As in use: the count's plan cached (the test settings plan every count)."""
    settings.LIST_COUNT_PLAN_SECONDS = 120
    cache.clear()


# Every list endpoint and page whose statements a school and the province are compared on.
PATHS = [
    "/api/v1/institutions/",
    "/api/v1/offered-majors/",
    "/api/v1/internship-plans/",
    "/api/v1/placements/",
    "/api/v1/students/",
    "/api/v1/certificates/",
    "/students/",
    "/credentials/",
    "/internships/plans/",
    "/internships/placements/",
]


def _statements(client, path, params=None) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params or {})
    assert response.status_code == 200, (path, response.status_code)
    return [q["sql"] for q in ctx.captured_queries]


def test_a_count_is_one_statement_once_planned(world, settings):
    settings.LIST_EXACT_COUNT_MAX = 5
    cache.clear()
    for i in range(3):
        add_student(world, name=f"郭{i}")
    qs = Student.objects.filter(name__startswith="郭")
    with CaptureQueriesContext(connection) as first:
        assert listing.count_rows(qs) == listing.ListCount(3, True)
    assert [q["sql"].split(" ", 1)[0] for q in first.captured_queries] == ["EXPLAIN", "SELECT"]
    with CaptureQueriesContext(connection) as again:
        assert listing.count_rows(qs) == listing.ListCount(3, True)
    assert len(again) == 1 and " LIMIT 6" in again.captured_queries[0]["sql"]
    add_student(world, name="郭新")  # the verdict is kept, the count is not: still exact
    assert listing.count_rows(qs) == listing.ListCount(4, True)
    assert listing.count_rows(Student.objects.none()) == listing.ListCount(0, True)


def test_a_costly_large_count_is_the_cached_estimate_without_a_statement(world, settings, monkeypatch):
    settings.LIST_EXACT_COUNT_MAX = 2
    cache.clear()
    for i in range(6):
        add_student(world, name=f"龚{i}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE students_student")
    monkeypatch.setattr(listing, "COUNT_COST_MAX", -1)  # every bounded count "costly"
    qs = Student.objects.all()
    first = listing.count_rows(qs)
    assert first.exact is False and first.value > 2
    with CaptureQueriesContext(connection) as again:
        assert listing.count_rows(qs) == first
    assert not again.captured_queries


def test_a_cache_that_fails_costs_an_explain_not_the_page(world, monkeypatch):
    add_student(world, name="贺一")

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    assert listing.count_rows(Student.objects.filter(name="贺一")) == listing.ListCount(1, True)


@pytest.mark.parametrize("path", PATHS)
def test_province_needs_no_more_statements_than_a_school(world, login, settings, path):
    """Same list, same request: the province's statements ≤ the school's (both warm, as in use)."""
    settings.LIST_EXACT_COUNT_MAX = 1  # the province's lists are "large": its count is an estimate
    add_student(world, name="韩一")
    add_student(world, "b", name="韩二")
    counts = {}
    for who in ("school_a", "province_staff"):
        client = login(world[who])
        client.get(path)
        counts[who] = _statements(client, path)
    assert len(counts["province_staff"]) <= len(counts["school_a"]), (
        [s[:90] for s in counts["school_a"]],
        [s[:90] for s in counts["province_staff"]],
    )


@pytest.mark.parametrize("path", ["/api/v1/enterprises/", "/enterprises/"])
def test_lists_a_school_does_not_see_cost_the_province_its_rows_and_count_only(world, login, settings, path):
    """A school sees no enterprise list (its queryset is empty by construction: no statement at all);
    the province's extra statements are its count and its rows — no EXPLAIN once planned."""
    settings.LIST_EXACT_COUNT_MAX = 1
    counts = {}
    for who in ("school_a", "province_staff"):
        client = login(world[who])
        client.get(path)
        counts[who] = _statements(client, path)
    extra = [s for s in counts["province_staff"] if 'FROM "enterprises_enterprise"' in s]
    assert not [s for s in counts["school_a"] if 'FROM "enterprises_enterprise"' in s]
    assert len(counts["province_staff"]) == len(counts["school_a"]) + 2, extra
    assert (
        len(extra) == 2 and extra[0].startswith("SELECT COUNT(*)") and not any("EXPLAIN" in s for s in extra)
    )


@pytest.mark.parametrize("path", ["/api/v1/enterprises/", "/enterprises/"])
def test_a_search_counted_empty_reads_no_rows(world, login, settings, path):
    """A search the count finds empty is answered from that count: no second statement for no rows
    (the province's enterprise search for a student's name cost 5 statements to a school's 3)."""
    settings.LIST_EXACT_COUNT_MAX = 1
    client = login(world["province_staff"])
    client.get(path, {"q": "无此企业"})
    statements = _statements(client, path, {"q": "无此企业"})
    read = [s for s in statements if 'FROM "enterprises_enterprise"' in s]
    assert len(read) == 1 and read[0].startswith("SELECT COUNT(*)"), [s[:90] for s in read]
    response = client.get(path, {"q": "无此企业"})
    if path.startswith("/api/"):
        assert response.json()["count"] == 0 and response.json()["results"] == []
    else:
        assert response.context["table"].page.object_list.data == []


# --- a search counted with its page (listing.count_with_page, issue 16 twelfth round) -----------------
def _named_students(world, n: int = 7):
    made = [add_student(world, "a" if i % 2 else "b", name="王芳") for i in range(n)]
    add_student(world, name="李四")
    return made


def _count_statements(statements: list[str]) -> list[str]:
    return [s for s in statements if s.startswith("SELECT COUNT(")]


@pytest.mark.parametrize(
    "path", ["/students/", "/api/v1/students/", "/credentials/", "/api/v1/certificates/"]
)
def test_a_search_is_counted_by_the_statement_that_reads_its_page(world, login, path):
    """Students named 王芳 (and no certificates: an empty first page is an empty list, counted too)."""
    _named_students(world)
    client = login(world["province_staff"])
    client.get(path, {"q": "王芳"})  # the count's plan cached, as on a second request
    statements = _statements(client, path, {"q": "王芳"})
    assert not _count_statements(statements), statements
    table = "credentials_certificate" if "cert" in path or "credentials" in path else "students_student"
    read = [s for s in statements if f'FROM "{table}"' in s]
    assert len([s for s in read if " OVER ()" in s and " LIMIT " in s]) == 1, read


def test_the_counted_page_shows_the_same_rows_and_count_as_counting_apart(world, monkeypatch):
    """Every page of a search, counted with its page, against the count and rows read apart."""
    from zhijiao.core.testing_api import api_client

    _named_students(world, 7)
    client = api_client(world["province_staff"])
    expected = list(
        Student.objects.filter(name="王芳")
        .order_by("current_institution", "name", "id")
        .values_list("pk", flat=True)
    )
    seen = []
    for page in (1, 2, 3):
        body = client.get("/api/v1/students/", {"q": "王芳", "page_size": 3, "page": page}).json()
        assert body["count"] == 7 and body["count_is_estimate"] is False, body
        seen += [row["id"] for row in body["results"]]
    assert seen == expected
    # A page past the end: no window to count from; the count is read apart, the page is not found.
    assert client.get("/api/v1/students/", {"q": "王芳", "page_size": 3, "page": 4}).status_code == 404
    # The same requests with the list counted apart (the search not marked) give the same answer.
    monkeypatch.setattr(listing, "count_with_page", lambda queryset: queryset)
    apart = []
    for page in (1, 2, 3):
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/api/v1/students/", {"q": "王芳", "page_size": 3, "page": page}).json()
        assert _count_statements([q["sql"] for q in ctx.captured_queries])  # counted apart indeed
        assert body["count"] == 7 and body["count_is_estimate"] is False
        apart += [row["id"] for row in body["results"]]
    assert apart == seen


def test_a_page_past_the_end_of_a_counted_search_still_shows_the_count(world, login):
    _named_students(world, 3)
    response = login(world["province_staff"]).get("/students/", {"q": "王芳", "page": 5})
    assert response.status_code == 200
    assert response.context["table"].window.count == listing.ListCount(3, True)


def test_a_cursor_page_of_a_search_is_counted_on_its_own(world, settings):
    from zhijiao.core.testing_api import api_client

    settings.LIST_MAX_OFFSET = 1  # the second page has no number: its link is a cursor
    _named_students(world, 5)
    client = api_client(world["province_staff"])
    first = client.get("/api/v1/students/", {"q": "王芳", "page_size": 2}).json()
    assert "cursor=" in first["next"], first
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(first["next"]).json()
    assert body["count"] == 5 and body["count_is_estimate"] is False
    assert len(_count_statements([q["sql"] for q in ctx.captured_queries])) == 1
    expected = Student.objects.filter(name="王芳").order_by("current_institution", "name", "id")
    assert [r["id"] for r in first["results"] + body["results"]] == [s.pk for s in expected[:4]]


def test_a_search_the_planner_expects_to_match_many_is_not_counted_with_its_page(
    world, login, settings, monkeypatch
):
    """Beyond the bound the planner's verdict decides as for any list: the page walks the sort's index."""
    _named_students(world, 3)
    settings.LIST_EXACT_COUNT_MAX = 10
    monkeypatch.setattr(listing, "_count_plan", lambda *a: (50, 1.0))  # expects 50, cheap to bound
    statements = _statements(login(world["province_staff"]), "/students/", {"q": "王芳"})
    assert len(_count_statements(statements)) == 1, statements
    assert not [s for s in statements if " OVER ()" in s], statements


def test_a_list_that_is_not_a_search_is_counted_apart(world, login):
    _named_students(world, 3)
    client = login(world["province_staff"])
    client.get("/students/")
    statements = _statements(client, "/students/")
    assert not [s for s in statements if " OVER ()" in s], statements


def test_a_counted_search_read_in_one_statement_is_counted_apart(world):
    """A list the keys statement cannot read (``distinct()``) is read whole; its count then comes
    from a count of its own, never from the empty-first-page rule."""
    _named_students(world, 3)
    searched = listing.count_with_page(Student.objects.filter(name="王芳").distinct())
    count = listing.count_rows(searched, for_page=True)
    assert count.deferred
    keys = listing.ordering_keys(searched.order_by("name", "id"))
    window = listing.paginate(searched.order_by("name", "id"), per_page=2, count=count, keys=keys)
    assert len(window.rows) == 2 and window.has_next
    assert window.count == listing.ListCount(3, True)


# --- a search read branch by branch (listing.search_branches, issue 16 fourteenth round) --------------
def _audit_entries(world):
    """Entries found by an object's name, an actor's name, both (found once) or neither, some
    sharing a time (the id orders them), one filed under no region (no reader's scope holds it)."""
    import datetime as dt
    from unittest import mock

    from django.utils import timezone

    from zhijiao.core.models import AuditAction, AuditEntry

    path = world.school_a.audit_scope_path()
    base = timezone.now()
    made = []
    for i in range(11):
        # Append-only: the time is set as the entry is written, two entries to each minute.
        with mock.patch("django.utils.timezone.now", return_value=base - dt.timedelta(minutes=i // 2)):
            made.append(
                AuditEntry.objects.create(
                    action=AuditAction.UPDATE if i % 2 else AuditAction.CREATE,
                    object_type="students.student",
                    object_id=str(9000 + i),
                    object_repr="王芳" if i % 3 else "李四",
                    actor_name="王芳芳" if i in (4, 6) else "admin",
                    scope_path="" if i == 10 else path,
                )
            )
    return made


@pytest.mark.parametrize("extra", [{}, {"action": "update"}])
def test_an_audit_search_unites_its_branches_and_shows_the_same_pages(world, extra):
    """Each branch (object name, actor name, object id, request id) is read on its own and their keys
    united before they are counted and sorted: the pages hold what the OR gives — an entry two
    branches find once, the scope and the other filters kept in every branch."""
    from django.db.models import Q

    from zhijiao.core.models import AuditEntry
    from zhijiao.core.testing_api import api_client

    _audit_entries(world)
    client = api_client(world["auditor"], scopes=("audit",))
    matching = AuditEntry.objects.filter(
        Q(object_repr__startswith="王芳") | Q(actor_name__startswith="王芳") | Q(object_id="王芳")
    ).exclude(scope_path="")
    if extra:
        matching = matching.filter(**extra)
    expected = list(matching.order_by("-timestamp", "-id").values_list("pk", flat=True))
    assert len(expected) >= 3 and AuditEntry.objects.filter(actor_name="王芳芳", object_repr="王芳").exists()
    seen, unions = [], []
    for page in (1, 2, 3, 4):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(
                "/api/v1/audit-entries/", {"q": "王芳", "page_size": 2, "page": page, **extra}
            )
        if page > (len(expected) + 1) // 2:
            assert response.status_code == 404
            break
        body = response.json()
        assert body["count"] == len(expected) and body["count_is_estimate"] is False, body
        seen += [row["id"] for row in body["results"]]
        statements = [q["sql"] for q in ctx.captured_queries]
        assert not _count_statements(statements), statements
        unions += [s for s in statements if " UNION " in s and " OVER ()" in s]
    assert seen == expected
    assert len(unions) == len(seen) // 2 + len(seen) % 2, unions
    # Every branch carries the scope (the entry filed under no region is in none of them).
    assert all(s.count('"core_auditentry"."scope_path"::text LIKE') == 4 for s in unions), unions[0]


def test_a_search_by_branches_elsewhere_is_the_or(world, monkeypatch):
    """Where the union does not apply (another database than PostgreSQL, here made so), the same
    search is the OR of its branches, counted with its page as before."""
    from zhijiao.core.testing_api import api_client

    _audit_entries(world)
    client = api_client(world["auditor"], scopes=("audit",))
    united = client.get("/api/v1/audit-entries/", {"q": "王芳"}).json()
    monkeypatch.setattr(listing, "_vendor", lambda queryset: "sqlite")
    with CaptureQueriesContext(connection) as ctx:
        plain = client.get("/api/v1/audit-entries/", {"q": "王芳"}).json()
    assert not [q for q in ctx.captured_queries if " UNION " in q["sql"]]
    assert [r["id"] for r in plain["results"]] == [r["id"] for r in united["results"]]
    assert plain["count"] == united["count"] == len(united["results"])


def test_a_branch_through_a_relation_is_read_as_the_or(world):
    """A branch on a related table's column cannot be rebuilt on its own here: the search is then
    read as the OR of its branches, with the same rows and count."""
    from django.db.models import Q

    _named_students(world, 3)
    add_student(world, name="李四")
    school = world.school_a.name
    branches = [Q(name="王芳"), Q(current_institution__name=school)]
    searched = listing.search_branches(Student.objects.all(), branches).order_by("name", "id")
    keys = listing.ordering_keys(searched)
    count = listing.count_rows(searched, for_page=True)
    with CaptureQueriesContext(connection) as ctx:
        window = listing.paginate(searched, per_page=50, count=count, keys=keys)
    assert not [q for q in ctx.captured_queries if " UNION " in q["sql"]]
    expected = list(
        Student.objects.filter(branches[0] | branches[1]).order_by("name", "id").values_list("pk", flat=True)
    )
    assert [s.pk for s in window.rows] == expected and window.count.value == len(expected)
