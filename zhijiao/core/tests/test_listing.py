"""Counts and windows of large lists (core.listing): estimate vs exact, keyset pages, cursors."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from zhijiao.core import listing
from zhijiao.core.tests.views_helpers import list_pages
from zhijiao.students.models import Student
from zhijiao.students.tests.factories import add_student

pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner estimates")


def test_small_counts_are_exact_and_bounded(world, settings, django_assert_max_num_queries):
    settings.LIST_EXACT_COUNT_MAX = 5
    for i in range(3):
        add_student(world, name=f"王{i}")
    count = listing.count_rows(Student.objects.all())
    assert count == listing.ListCount(3, True)
    assert listing.bounded_count(Student.objects.all(), 1) == 2  # stops after limit + 1 rows


@pg
def test_large_counts_are_the_planners_estimate(world, settings):
    settings.LIST_EXACT_COUNT_MAX = 5
    for i in range(8):
        add_student(world, name=f"李{i}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE students_student")
    count = listing.count_rows(Student.objects.all())
    assert count.exact is False
    assert count.value >= 6  # at least the bound that was hit
    assert listing.exact_count(Student.objects.all()) == 8  # when the user asks for it
    assert listing.count_rows(Student.objects.all(), tally=8) == listing.ListCount(8, True)


def test_display_value_rounds_estimates_only():
    assert listing.ListCount(2_743_118, False).display_value == 2_700_000
    assert listing.ListCount(2_743_118, True).display_value == 2_743_118
    assert listing.ListCount(47, False).display_value == 47


def test_keyset_pages_are_stable_under_inserts(world):
    students = [add_student(world, name=f"张{i:02d}") for i in range(10)]
    qs = Student.objects.order_by("name")
    keys = listing.ordering_keys(qs)
    assert [k.signature for k in keys] == ["name", "pk"]
    first = listing.paginate(qs, per_page=4, count=listing.ListCount(10), page=1, keys=keys)
    # A row inserted before the cursor's position does not shift the next page (OFFSET would).
    add_student(world, name="张00a")
    window = listing.paginate(
        qs,
        per_page=4,
        count=listing.ListCount(11),
        cursor=listing.encode_cursor(keys, [first.rows[-1].name, first.rows[-1].pk]),
        keys=keys,
    )
    assert [s.name for s in window.rows] == ["张04", "张05", "张06", "张07"]
    back = listing.paginate(
        qs, per_page=4, count=listing.ListCount(11), cursor=window.previous_cursor, keys=keys
    )
    assert [s.name for s in back.rows] == ["张00a", "张01", "张02", "张03"]
    assert {s.pk for s in students} <= set(Student.objects.values_list("pk", flat=True))


def test_cursor_walk_with_nullable_descending_key(world):
    """Nullable sort keys: NULLs first when descending, last when ascending; each row exactly once."""
    from zhijiao.students.models import Student as S

    made = [add_student(world, name=f"刘{i}") for i in range(7)]
    for i, s in enumerate(made):
        S.objects.filter(pk=s.pk).update(registry_number=None if i % 3 == 0 else f"G{i:05d}")
    for ordering in (["registry_number"], ["-registry_number"]):
        qs = S.objects.order_by(*ordering)
        keys = listing.ordering_keys(qs)
        assert keys[0].nullable
        expected = list(listing.apply_ordering(qs, keys).values_list("pk", flat=True))
        seen, cursor = [], None
        for _ in range(10):
            window = listing.paginate(qs, per_page=2, count=listing.ListCount(7), cursor=cursor, keys=keys)
            seen += [s.pk for s in window.rows]
            cursor = window.next_cursor
            if cursor is None and window.number == 1 and window.has_next:
                cursor = listing.encode_cursor(keys, listing.row_values(window.rows[-1], keys))
            if not window.has_next:
                break
        assert seen == expected, ordering


def test_mixed_direction_ordering_falls_back_to_the_general_condition(world):
    made = [add_student(world, name=n) for n in ("甲", "乙", "甲", "丙", "乙")]
    qs = Student.objects.order_by("name", "-id")
    keys = listing.ordering_keys(qs)
    expected = list(listing.apply_ordering(qs, keys).values_list("pk", flat=True))
    rows = listing.keyset_rows(qs, keys, None, 2)
    seen = [r.pk for r in rows]
    while True:
        rows = listing.keyset_rows(qs, keys, listing.row_values(rows[-1], keys), 2)
        if not rows:
            break
        seen += [r.pk for r in rows]
    assert seen == expected and len(seen) == len(made)


def test_bad_cursors_and_deep_pages(world):
    add_student(world)
    qs = Student.objects.order_by("name")
    keys = listing.ordering_keys(qs)
    for bad in (
        "%%%",
        "eyJvIjoieCJ9",
        listing.encode_cursor(listing.ordering_keys(Student.objects.order_by("-name")), ["x", 1]),
    ):
        with pytest.raises(listing.InvalidCursor):
            listing.paginate(qs, per_page=10, count=listing.ListCount(1), cursor=bad, keys=keys)
    with pytest.raises(listing.PageTooDeep):
        listing.paginate(qs, per_page=10, count=listing.ListCount(1), page=10_000, keys=keys)


def test_page_numbers_then_cursor_links(world, login, settings):
    for i in range(30):
        add_student(world, name=f"周{i:02d}")
    client = login(world["province_admin"])
    url = reverse("students:student_list")
    response = client.get(url, {"sort": "name"})
    window = response.context["table"].window
    assert window.count == listing.ListCount(30, True) and window.next_url.endswith("page=2")
    settings.LIST_MAX_OFFSET = 0  # no page past the first is numbered: Next follows a cursor
    response = client.get(url, {"sort": "name"})
    first = [r.record.name for r in response.context["table"].page.object_list]
    link = response.context["table"].window.next_url
    assert "cursor=" in link and "sort=name" in link
    response = client.get(url + link)
    second = [r.record.name for r in response.context["table"].page.object_list]
    assert first + second == [f"周{i:02d}" for i in range(30)]
    assert response.context["table"].window.number is None
    back = client.get(url + response.context["table"].window.previous_url)
    assert [r.record.name for r in back.context["table"].page.object_list] == first
    assert "page=2" not in response.content.decode()
    deep = client.get(url, {"sort": "name", "page": 3})  # too deep: the first numbered page instead
    assert deep.status_code == 200


@pg
def test_page_shows_an_estimate_as_such(world, login, settings, monkeypatch):
    from zhijiao.core.views import generic

    settings.LIST_EXACT_COUNT_MAX = 2
    monkeypatch.setattr(generic, "DEFAULT_PAGE_SIZE", 2)  # the list goes on past the page shown
    for i in range(5):
        add_student(world, name=f"吴{i}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE students_student")
    client = login(world["province_admin"])
    response = client.get(reverse("students:student_list"), {"q": "吴"})
    window = response.context["table"].window
    assert not window.count.exact
    body = response.content.decode()
    assert 'data-exact="0"' in body and "count=exact" in body
    exact = client.get(reverse("students:student_list"), {"q": "吴", "count": "exact"})
    assert exact.context["table"].window.count == listing.ListCount(5, True)


def test_unfiltered_student_list_counts_from_the_tally(world, login, django_assert_max_num_queries):
    for i in range(3):
        add_student(world, name=f"郑{i}")
    add_student(world, "b", name="郑b")
    client = login(world["school_a"])
    response = client.get(reverse("students:student_list"))
    assert response.context["table"].window.count == listing.ListCount(3, True)
    client = login(world["province_admin"])
    response = client.get(reverse("students:student_list"))
    assert response.context["table"].window.count == listing.ListCount(4, True)


def test_list_statements_do_not_grow_with_rows(world, login):
    from django.test.utils import CaptureQueriesContext

    client = login(world["province_admin"])
    url = reverse("students:student_list")
    add_student(world, name="孙一")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"sort": "name"})
    for i in range(30):
        add_student(world, name=f"孙{i}")
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"sort": "name"})
    assert len(many) == len(few), [q["sql"][:80] for q in many.captured_queries]


def test_no_list_page_counts_without_a_bound(world, login):
    """Pages count at most LIST_EXACT_COUNT_MAX + 1 rows (or read the tallies), never COUNT(*) of all."""
    from django.test.utils import CaptureQueriesContext

    add_student(world, name="冯一")
    for user, url in (
        (world["province_admin"], reverse("students:student_list") + "?q=冯"),
        (world["auditor"], reverse("core:audit_list")),
        (world["province_admin"], reverse("credentials:certificate_list")),
        (world["province_admin"], reverse("internships:placement_list")),
    ):
        client = login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
        assert all(" LIMIT " in sql for sql in counts), counts


def test_keyset_values_take_dates(world):
    add_student(world, name="钱", entry=datetime.date(2023, 9, 1))
    qs = Student.objects.order_by("-created_at")
    keys = listing.ordering_keys(qs)
    row = qs.first()
    token = listing.encode_cursor(keys, listing.row_values(row, keys))
    values, forward = listing.decode_cursor(keys, token)
    assert forward and values[0] == row.created_at


def test_deep_pages_read_their_keys_before_their_rows(world, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    for i in range(9):
        add_student(world, name=f"赵{i:02d}")
    qs = Student.objects.select_related("current_institution").order_by("name")
    keys = listing.ordering_keys(qs)
    expected = [s.pk for s in listing.apply_ordering(qs, keys)][4:8]
    shallow = listing.paginate(qs, per_page=3, count=listing.ListCount(9), page=2, keys=keys)
    monkeypatch.setattr(listing, "DEFERRED_JOIN_OFFSET", 3)
    with CaptureQueriesContext(connection) as ctx:
        deep = listing.paginate(qs, per_page=4, count=listing.ListCount(9), page=2, keys=keys)
    assert [s.pk for s in deep.rows] == expected and deep.has_next
    # First the window's keys, without the joins the rows need; then the rows, with them.
    keys_sql, rows_sql = (q["sql"] for q in ctx.captured_queries)
    assert " OFFSET 4" in keys_sql and "orgs_institution" not in keys_sql
    assert "OFFSET" not in rows_sql and "orgs_institution" in rows_sql
    with CaptureQueriesContext(connection) as ctx:
        assert deep.rows[0].current_institution.name  # already joined
    assert not ctx.captured_queries
    assert [s.pk for s in shallow.rows] == [s.pk for s in listing.apply_ordering(qs, keys)][3:6]


def test_every_list_shows_the_same_rows_when_its_keys_are_read_first(world, login, monkeypatch):
    """The deferred read (keys, then rows) of every list page in every order gives the plain read's rows."""
    for i in range(3):
        add_student(world, name=f"钱{i}")
    client = login(world["province_admin"])
    pages = list_pages()
    assert len(pages) > 10
    checked = 0
    for path, cls in pages:
        orders = [""] + [c.name for c in cls.table_class([]).columns if c.orderable]
        for sort in orders:
            params = {"sort": sort} if sort else {}
            monkeypatch.setattr(listing, "DEFERRED_JOIN_OFFSET", 10**9)
            plain = client.get(path, params)
            monkeypatch.setattr(listing, "DEFERRED_JOIN_OFFSET", 0)
            deferred = client.get(path, params)
            assert plain.status_code == deferred.status_code, (path, sort)
            if plain.status_code != 200 or plain.context is None or "table" not in plain.context:
                continue
            rows = [r.record.pk for r in plain.context["table"].page.object_list]
            assert rows == [r.record.pk for r in deferred.context["table"].page.object_list], (path, sort)
            checked += bool(rows)
    assert checked > 10


def test_sorting_few_matches_gives_the_same_pages(world, settings):
    """``sort_few_matches`` changes how the database finds a page, not which rows it holds: numbered
    pages and cursors alike, and only when the count is exact and within the bound."""
    from django.test.utils import CaptureQueriesContext

    for i in range(7):
        add_student(world, "b" if i % 3 else "a", name=f"蒋{i % 4}")  # ties on both keys
    add_student(world, name="韩")
    plain = Student.objects.filter(name__startswith="蒋").order_by("-current_institution", "name")
    marked = listing.sort_few_matches(plain)
    keys = listing.ordering_keys(plain)
    exact = listing.ListCount(7, True)

    settings.LIST_MAX_OFFSET = 0  # the first page by number, then cursors forward and back

    def walk(qs, count):
        window = listing.paginate(qs, per_page=3, count=count, page=1, keys=keys)
        seen = [s.pk for s in window.rows]
        while window.next_cursor:
            window = listing.paginate(qs, per_page=3, count=count, cursor=window.next_cursor, keys=keys)
            seen += [s.pk for s in window.rows]
        back = listing.paginate(qs, per_page=3, count=count, cursor=window.previous_cursor, keys=keys)
        return seen, [s.pk for s in back.rows]

    expected = walk(plain, exact)
    assert len(expected[0]) == 7 and len(set(expected[0])) == 7
    with CaptureQueriesContext(connection) as ctx:
        assert walk(marked, exact) == expected
    assert all("COALESCE" in q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"])
    # A count the planner estimated (many matches): the sort's index may serve, as before.
    with CaptureQueriesContext(connection) as ctx:
        assert walk(marked, listing.ListCount(20_000, False)) == expected
    assert not any("COALESCE" in q["sql"] for q in ctx.captured_queries)


def test_the_last_page_knows_the_lists_length(world, monkeypatch):
    """An estimate (the planner expected 15,000 rows: an OR in a school's scope) is replaced by the
    exact length once a numbered page shows the list's end — page and API alike; a page before the
    end keeps the estimate, a cursor page (no offset known) too."""
    from zhijiao.core.testing_api import api_client

    for i in range(7):
        add_student(world, name=f"褚{i}")
    qs = Student.objects.filter(name__startswith="褚").order_by("name", "id")
    keys = listing.ordering_keys(qs)
    guess = listing.ListCount(15_000, False)
    assert listing.paginate(qs, per_page=25, count=guess, page=1, keys=keys).count == listing.ListCount(
        7, True
    )
    assert listing.paginate(qs, per_page=3, count=guess, page=2, keys=keys).count == guess
    assert listing.paginate(qs, per_page=3, count=guess, page=3, keys=keys).count == listing.ListCount(
        7, True
    )
    second = listing.paginate(qs, per_page=3, count=guess, page=1, keys=keys)
    second.next_cursor = listing.encode_cursor(keys, listing.row_values(second.rows[-1], keys))
    by_cursor = listing.paginate(qs, per_page=25, count=guess, cursor=second.next_cursor, keys=keys)
    assert len(by_cursor.rows) == 4 and by_cursor.count == guess

    monkeypatch.setattr(listing, "count_rows", lambda *a, **k: guess)
    body = api_client(world["province_staff"]).get("/api/v1/students/", {"q": "褚"}).json()
    assert (body["count"], body["count_is_estimate"], len(body["results"])) == (7, False, 7)
