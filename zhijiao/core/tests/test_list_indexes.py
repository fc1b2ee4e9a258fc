"""Every large list reads an index for its scope, sort and search (PostgreSQL EXPLAIN).

Each case requests the real page or API endpoint, takes the statement that reads the page's rows
(the one with ``LIMIT``) and EXPLAINs it with sequential scans and sorts priced out: a plan that
still sorts the big table, or scans it whole, means no index serves that list. The province's plan
must read the named index in order (no Sort); the school's must not scan the table.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhijiao.core.testing_api import api_client

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN on PostgreSQL")


def _row_statement(captured, table: str) -> str:
    candidates = [
        q["sql"]
        for q in captured
        if q["sql"].startswith("SELECT") and " LIMIT " in q["sql"] and f'FROM "{table}"' in q["sql"]
    ]
    assert candidates, [q["sql"][:120] for q in captured]
    return candidates[-1]


def explain(sql: str, *, sorts: bool = False) -> str:
    """The plan with sequential scans (and, unless ``sorts``, sorts) priced out."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not sorts:
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_sort")
    return plan


def plan_of(client, path: str, params: dict, table: str) -> str:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200, (path, params, response.status_code)
    return explain(_row_statement(ctx.captured_queries, table))


def assert_reads_index(plan: str, table: str, index) -> None:
    """No scan of the whole table, no full sort, and the named index read (PostgreSQL may walk its
    leading column school by school with an incremental sort, which is fine). A sort by a foreign
    key may also walk the referenced table's primary key — the same order — on tiny test tables."""
    assert not re.search(rf"Seq Scan on {table}\b", plan), plan
    assert not re.search(r"(^|->\s+)Sort\b", plan, re.M), plan
    if index:
        names = (index,) if isinstance(index, str) else index
        assert any(name in plan for name in names), plan


def assert_school_reads_its_rows(client, path: str, params: dict, table: str) -> None:
    """A school's page: its rows read through an index. Either an index gives them in the page's
    order (no sort), or — where none leads with the school and the sort, and the count found few
    rows — the statement orders through ``COALESCE`` (``listing._narrowed_without_sort_index``) and
    the plan finds the school's rows by an index and sorts them: never a walk of the sort's own
    index past the other 549 schools' rows, never a scan of the table."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200, (path, params, response.status_code)
    sql = _row_statement(ctx.captured_queries, table)
    if "ORDER BY COALESCE(" not in sql:
        assert_reads_index(explain(sql), table, None)
        return
    plan = explain(sql, sorts=True)
    assert not re.search(rf"Seq Scan on {table}\b", plan), plan
    assert re.search(r"(^|->\s+)Sort\b", plan, re.M), plan


@pytest.fixture(autouse=True)
def _rows_read_when_counted_empty(monkeypatch):
    """The plans are what is checked, on lists the fixture leaves empty: a list counted empty reads
    no rows (``listing.paginate``), so here its count does not say it was counted."""
    from dataclasses import replace

    from zhijiao.core import listing

    count_rows = listing.count_rows
    monkeypatch.setattr(listing, "count_rows", lambda *a, **kw: replace(count_rows(*a, **kw), counted=False))


@pytest.fixture
def data(world):
    """One row of each large list in each school (the plans are what is checked, not the rows)."""
    from zhijiao.students.tests.factories import add_student

    add_student(world, name="王小明")
    add_student(world, "b", name="李四")
    return world


PAGES = [
    # (path, params, table, index the province's plan reads)
    ("/students/", {}, "students_student", "students_stu_inst_name"),
    ("/students/", {"sort": "name"}, "students_student", "students_stu_name"),
    ("/students/", {"sort": "-name"}, "students_student", "students_stu_name"),
    ("/students/", {"sort": "registry_number"}, "students_student", "students_student_registry_number"),
    ("/students/", {"sort": "current_institution"}, "students_student", "students_stu_inst_name"),
    ("/students/status-changes/", {}, "students_statuschange", "students_chg_created"),
    (
        "/students/status-changes/",
        {"sort": "effective_date"},
        "students_statuschange",
        "students_chg_effective",
    ),
    ("/credentials/", {}, "credentials_certificate", "credentials_cert_inst_class"),
    ("/credentials/", {"sort": "number"}, "credentials_certificate", "credentials_certificate_number"),
    ("/credentials/", {"sort": "holder_name"}, "credentials_certificate", "credentials_cert_holder"),
    ("/credentials/", {"sort": "institution_name"}, "credentials_certificate", "credentials_cert_school"),
    ("/credentials/", {"sort": "class_name"}, "credentials_certificate", "credentials_cert_class"),
    ("/credentials/", {"sort": "major_name"}, "credentials_certificate", "credentials_cert_major"),
    ("/credentials/", {"sort": "graduation_date"}, "credentials_certificate", "credentials_cert_grad_date"),
    ("/credentials/", {"sort": "-published_at"}, "credentials_certificate", "credentials_cert_published"),
    ("/internships/placements/", {}, "internships_placement", "internships_pl_start"),
    ("/internships/placements/", {"sort": "end_date"}, "internships_placement", "internships_pl_end"),
    ("/internships/placements/", {"sort": "status"}, "internships_placement", "internships_pl_status_id"),
    (
        "/internships/placements/",
        {"sort": "institution"},
        "internships_placement",
        ("internships_pl_inst", "orgs_institution_pkey"),
    ),
    (
        "/internships/placements/",
        {"sort": "enterprise"},
        "internships_placement",
        ("internships_pl_ent", "enterprises_enterprise_pkey"),
    ),
    (
        "/internships/placements/",
        {"sort": "post"},
        "internships_placement",
        ("internships_pl_post", "internships_post_pkey"),
    ),
    (
        "/internships/plans/",
        {"sort": "placement_count"},
        "internships_internshipplan",
        "internships_plan_count",
    ),
    (
        "/internships/plans/",
        {"sort": "-placement_count"},
        "internships_internshipplan",
        "internships_plan_count",
    ),
    ("/internships/posts/", {"sort": "name"}, "internships_post", "internships_post_name"),
    ("/internships/posts/", {"sort": "major_category"}, "internships_post", "internships_post_cat"),
    ("/internships/posts/", {"sort": "physical_labour_level"}, "internships_post", "internships_post_labour"),
    ("/internships/posts/", {"sort": "on_duty_staff"}, "internships_post", "internships_post_staff"),
    ("/internships/posts/", {"sort": "-wage_standard"}, "internships_post", "internships_post_wage"),
    ("/internships/posts/", {"sort": "is_active"}, "internships_post", "internships_post_open"),
    ("/internships/alerts/", {}, "internships_alert", "first_seen"),
    ("/internships/alerts/", {"sort": "rule_id"}, "internships_alert", "internships_alert_rule"),
    ("/internships/alerts/", {"sort": "resolved_at"}, "internships_alert", "resolved_at"),
]

APIS = [
    ("/api/v1/students/", {}, "students_student", "students_stu_inst_name"),
    ("/api/v1/students/", {"ordering": "name"}, "students_student", "students_stu_name"),
    ("/api/v1/students/", {"ordering": "-created_at"}, "students_student", "students_stu_created"),
    ("/api/v1/enrolments/", {}, "students_enrolment", "students_enr_inst_class"),
    ("/api/v1/enrolments/", {"ordering": "entry_date"}, "students_enrolment", "students_enr_entry"),
    ("/api/v1/enrolments/", {"ordering": "class_name"}, "students_enrolment", "students_enr_class"),
    ("/api/v1/graduations/", {}, "students_graduation", "students_grad_date"),
    ("/api/v1/status-changes/", {}, "students_statuschange", "students_chg_created"),
    (
        "/api/v1/status-changes/",
        {"ordering": "effective_date"},
        "students_statuschange",
        "students_chg_effective",
    ),
    ("/api/v1/certificates/", {}, "credentials_certificate", "credentials_cert_inst_class"),
    ("/api/v1/placements/", {}, "internships_placement", "internships_pl_start"),
    ("/api/v1/checkins/", {}, "internships_checkin", "internships_ci_time"),
    ("/api/v1/internship-alerts/", {}, "internships_alert", "first_seen"),
    (  # by the host's name: the hosts walked in name order, each one's posts by its key
        "/api/v1/internship-posts/",
        {"ordering": "enterprise__name"},
        "internships_post",
        "enterprises_ent_name",
    ),
    ("/api/v1/internship-alerts/", {"ordering": "rule_id"}, "internships_alert", "internships_alert_rule"),
    ("/api/v1/internship-alerts/", {"ordering": "-rule_id"}, "internships_alert", "internships_alert_rule"),
]


def _province_and_school(world):
    from zhijiao.core.testing import make_user

    return world["province_staff"], world["school_a"], make_user


@pytest.mark.parametrize(("path", "params", "table", "index"), PAGES)
def test_list_pages_read_an_index(data, login, path, params, table, index):
    province, school, _ = _province_and_school(data)
    assert_reads_index(plan_of(login(province), path, params, table), table, index)
    assert_school_reads_its_rows(login(school), path, params, table)


@pytest.mark.parametrize(("path", "params", "table", "index"), APIS)
def test_list_endpoints_read_an_index(data, path, params, table, index):
    province, school, _ = _province_and_school(data)
    assert_reads_index(plan_of(api_client(province), path, params, table), table, index)
    assert_school_reads_its_rows(api_client(school), path, params, table)


@pytest.mark.parametrize(
    ("path", "params"), [("/enterprises/", {}), ("/api/v1/enterprises/", {"ordering": "name"})]
)
def test_the_enterprise_list_reads_the_name_index(data, login, path, params):
    """Hosts are listed by name (a school sees none: they are its city's and the province's)."""
    province = data["province_staff"]
    client = login(province) if not path.startswith("/api/") else api_client(province)
    table = "enterprises_enterprise"
    assert_reads_index(plan_of(client, path, params, table), table, "enterprises_ent_name")


def test_a_schools_check_ins_are_one_range_of_its_own_index(data):
    """Issue 16: a school's check-ins (38,000 a month at full scale, more than an exact count) were
    found by walking every school's check-ins in time order through internships_ci_time, 259 ms p95.
    The check-in carries its placement's school; the school's page is one range of its own index."""
    _, school, _ = _province_and_school(data)
    plan = plan_of(api_client(school), "/api/v1/checkins/", {}, "internships_checkin")
    assert_reads_index(plan, "internships_checkin", "internships_ci_inst_time")
    assert re.search(r"Index Cond: \(.*institution_id = ", plan), plan


def test_a_schools_status_changes_are_tested_on_their_own_rows(data):
    """Issue 16: the scope read a change's school through its enrolment, a join for each of the
    province's changes the school's page walked past (122 ms p95 for 44 rows at full scale). The
    change carries its enrolment's school; the school's condition is on the change's own row."""
    _, school, _ = _province_and_school(data)
    with CaptureQueriesContext(connection) as ctx:
        response = api_client(school).get("/api/v1/status-changes/")
    assert response.status_code == 200
    sql = _row_statement(ctx.captured_queries, "students_statuschange")
    where = sql.split(" WHERE ", 1)[1]
    assert where.startswith('("students_statuschange"."institution_id" = '), where
    assert '"students_enrolment"' not in where, where


def test_audit_list_reads_the_time_index(data, login):
    auditor = data["auditor"]
    table = "core_auditentry"
    assert_reads_index(plan_of(login(auditor), "/audit/", {}, table), table, "core_audit_time")
    # The search finds its rows from indexes alone (no ordered scan allowed here): every branch has one.
    from zhijiao.core.models import AuditEntry
    from zhijiao.core.views.audit import AuditFilterSet

    rows = AuditFilterSet({"q": "王小明"}, queryset=AuditEntry.objects.all()).qs.order_by(
        "-timestamp", "-id"
    )[:26]
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    for index in (
        "core_audit_repr_keys",
        "core_audit_actor_keys",
        "core_audit_object_id",
        "core_audit_request_id",
    ):
        assert index in plan, plan
    assert_reads_index(
        plan_of(api_client(auditor, scopes=("audit",)), "/api/v1/audit-entries/", {}, table),
        table,
        "core_audit_time",
    )


def test_an_audit_search_with_few_matches_sorts_them_instead_of_walking_the_time_index(data, login):
    """Issue 16: the planner walked core_audit_time backwards past 115,000 entries for 50 of a name's
    5,700. When the count found few matches, the page's statement orders through an expression no
    index serves, so the matches are read by their own indexes and sorted — page and API alike."""
    auditor = data["auditor"]
    table = "core_auditentry"
    for client, path in (
        (login(auditor), "/audit/"),
        (api_client(auditor, scopes=("audit",)), "/api/v1/audit-entries/"),
    ):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path, {"q": "王小明"}).status_code == 200
        sql = _row_statement(ctx.captured_queries, table)
        # Counted with its page, each branch read on its own (listing.search_branches).
        assert sql.count(" UNION ") == 3 and " OVER ()" in sql, sql
        plan = explain(sql, sorts=True)
        assert "core_audit_time" not in plan and re.search(r"(^|->\s+)Sort\b", plan, re.M), plan
        # Four branches, each through an index (which one, on these few rows, is the planner's call).
        assert "Append" in plan and plan.count("Index Cond") >= 4, plan
        # Unsearched, the log is still read newest first along the time index.
        assert_reads_index(plan_of(client, path, {}, table), table, "core_audit_time")


@pytest.mark.parametrize("query", ["王", "王小"])
def test_a_searched_page_reads_its_matches_from_the_terms_index(data, login, query):
    """A search the planner expects to match few rows (every one on these tables) reads its matches
    from the terms index, sorts their keys and counts them in one statement (``count_with_page``):
    no walk of the sort's index, no scan of the table, no count of its own."""
    province, school, _ = _province_and_school(data)
    for user in (province, school):
        with CaptureQueriesContext(connection) as ctx:
            response = login(user).get("/students/", {"q": query})
        assert response.status_code == 200
        sql = _row_statement(ctx.captured_queries, "students_student")
        assert " OVER ()" in sql, sql
        assert not [q for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(")]
        plan = explain(sql, sorts=True)
        assert "Seq Scan on students_student" not in plan, plan
        if user is province:  # a school may read its own part of the school's index instead
            assert "students_student_terms_gin" in plan, plan


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("王", "students_student_terms_gin"),
        ("小明", "students_student_terms_gin"),
        ("王小明", "students_student_terms_gin"),
        ("wang", "students_student_terms_gin"),
        ("370102", "students_stu_idno_prefix"),
        ("G370102", "students_stu_regno_prefix"),
    ],
)
def test_student_search_reads_an_index(data, query, index):
    from zhijiao.students.filtersets import student_search_q
    from zhijiao.students.models import Student

    sql, params = (
        Student.objects.filter(student_search_q(query)).order_by("name", "id")[:26].query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # no ordered scan: the search must find the rows
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    assert index in plan and "Seq Scan" not in plan, plan


# A school's part of the list in order, from an index that starts with the school.
SCHOOL_FIRST = [
    ("api", "/api/v1/internship-alerts/", {}, "internships_alert", "internships_alert_inst_seen"),
    (
        "api",
        "/api/v1/internship-alerts/",
        {"ordering": "rule_id"},
        "internships_alert",
        "internships_alert_inst_rule",
    ),
    ("page", "/internships/alerts/", {"sort": "rule_id"}, "internships_alert", "internships_alert_inst_rule"),
    (
        "page",
        "/internships/plans/",
        {"sort": "-placement_count"},
        "internships_internshipplan",
        "internships_plan_inst_count",
    ),
]


@pytest.mark.parametrize(("kind", "path", "params", "table", "index"), SCHOOL_FIRST)
def test_a_schools_list_reads_its_own_part_of_an_index(data, login, kind, path, params, table, index):
    school = data["school_a"]
    client = api_client(school) if kind == "api" else login(school)
    plan = plan_of(client, path, params, table)
    assert_reads_index(plan, table, index)
    assert re.search(r"Index Cond: \((\w+\.)?institution_id = \d+\)", plan), plan


@pytest.mark.parametrize(
    ("who", "kind", "path", "params", "table", "sorts_matches"),
    [
        # No index leads with the school: graduations reach it through the enrolment; a status is
        # one column of few values (groups of thousands left to order by id).
        ("school_a", "api", "/api/v1/graduations/", {}, "students_graduation", True),
        ("school_a", "api", "/api/v1/placements/", {"ordering": "status"}, "internships_placement", True),
        ("school_a", "page", "/credentials/", {"sort": "holder_name"}, "credentials_certificate", True),
        # An index gives the school's rows in the page's order.
        ("school_a", "page", "/students/", {}, "students_student", False),
        ("school_a", "page", "/credentials/", {}, "credentials_certificate", False),
        ("school_a", "api", "/api/v1/placements/", {}, "internships_placement", False),
        # The province's scope is a range of the region tree, not one value: the sort's index.
        ("province_staff", "api", "/api/v1/graduations/", {}, "students_graduation", False),
        (
            "province_staff",
            "page",
            "/credentials/",
            {"sort": "holder_name"},
            "credentials_certificate",
            False,
        ),
    ],
)
def test_a_list_narrowed_to_one_school_sorts_its_rows_where_no_index_gives_their_order(
    data, login, who, kind, path, params, table, sorts_matches
):
    """Issue 16, ninth round: a school's graduations took 493 ms at full scale — PostgreSQL walked
    ``(graduation_date, id)`` testing each row's enrolment for the school (one in 550) — and its
    certificates by holder name or placements by status 100–150 ms. Where no index leads with the
    school and the sort, the exact count's few rows are read and sorted instead."""
    user = data[who]
    client = api_client(user) if kind == "api" else login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path, params).status_code == 200
    sql = _row_statement(ctx.captured_queries, table)
    assert ("ORDER BY COALESCE(" in sql) is sorts_matches, sql
