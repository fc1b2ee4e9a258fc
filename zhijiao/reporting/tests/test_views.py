import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhijiao.core.lifecycle import fire
from zhijiao.reporting.choices import SubmissionStatus as S
from zhijiao.reporting.models import DataSet, DataValue, Submission
from zhijiao.reporting.services import submission_open, submission_save_values

from .conftest import SMALL


@pytest.fixture
def sub(world, period):
    return submission_open(actor=world["school_a"], institution=world.school_a, period=period)


def test_pages_open_for_every_side(world, login, client, sub):
    for who in ("school_a", "jinan", "province_admin"):
        login(world[who])
        for name in ("index", "worklist", "completeness", "pivot"):
            assert client.get(reverse(f"reporting:{name}")).status_code == 200, (who, name)


def test_school_starts_from_the_index(world, login, client, period):
    login(world["school_a"])
    page = client.get(reverse("reporting:index"))
    assert "Start filling in" in page.content.decode()
    r = client.post(
        reverse("reporting:submission_open"), {"period": period.pk, "institution": world.school_a.pk}
    )
    s = Submission.objects.get()
    assert r.url == reverse("reporting:submission_form", args=[s.pk])
    # Another school's submission cannot be opened by school A.
    r = client.post(
        reverse("reporting:submission_open"), {"period": period.pk, "institution": world.school_b.pk}
    )
    assert r.status_code == 404 and Submission.objects.count() == 1


def test_form_saves_and_shows_field_errors(world, login, client, sub):
    login(world["school_a"])
    url = reverse("reporting:submission_form", args=[sub.pk])
    page = client.get(url).content.decode()
    assert "v__teachers_fulltime__male" in page and "v__teachers_total__" in page
    r = client.post(url, {"revision": 0, "v__teachers_total__": "abc", "action": "save"})
    assert r.status_code == 200 and "Enter a number." in r.content.decode()
    assert not DataValue.objects.exists()
    r = client.post(
        url,
        {"revision": 0, "v__teachers_total__": "9", "v__teachers_fulltime__male": "3", "action": "submit"},
    )
    assert r.status_code == 302
    sub.refresh_from_db()
    assert sub.status == S.SUBMITTED
    # A stale page's save is refused.
    r = client.post(url, {"revision": 0, "v__teachers_total__": "8"})
    assert r.status_code == 200 and DataValue.objects.get(element__code="teachers_total").value == "9"


def test_form_is_404_out_of_scope(world, login, client, sub):
    login(world["school_b"])
    url = reverse("reporting:submission_form", args=[sub.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"revision": 0, "v__teachers_total__": "1"}).status_code == 404
    login(world["qingdao"])
    assert client.get(url).status_code == 404


def test_city_bulk_approve_and_return(world, login, client, period):
    a = submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    a = submission_save_values(
        actor=world["school_a"], submission=a, values={("teachers_total", ""): "3"}, revision=0
    )
    a = fire("reporting.submission", a, "submit", actor=world["school_a"])
    login(world["jinan"])
    page = client.get(reverse("reporting:worklist")).content.decode()
    assert f'value="{a.pk}"' in page
    r = client.post(reverse("reporting:decide"), {"ids": [a.pk], "decision": "return", "reason": ""})
    a.refresh_from_db()
    assert a.status == S.SUBMITTED  # a return needs a reason
    client.post(
        reverse("reporting:decide"), {"ids": [a.pk], "decision": "return", "reason": "请核对教师总数"}
    )
    a.refresh_from_db()
    assert a.status == S.RETURNED
    # the school reads why, from whom, on its form; nothing of it once resubmitted
    login(world["school_a"])
    form = client.get(reverse("reporting:submission_form", args=[a.pk])).content.decode()
    assert 'id="returned-reason"' in form and "请核对教师总数" in form
    a = fire("reporting.submission", a, "submit", actor=world["school_a"])
    assert (
        'id="returned-reason"'
        not in client.get(reverse("reporting:submission_form", args=[a.pk])).content.decode()
    )
    login(world["jinan"])
    client.post(reverse("reporting:decide"), {"ids": [a.pk], "decision": "approve"})
    # The school cannot decide its own.
    login(world["school_a"])
    r = client.post(reverse("reporting:decide"), {"ids": [a.pk], "decision": "approve"})
    assert r.status_code == 302
    login(world["province_admin"])
    client.post(reverse("reporting:decide"), {"ids": [a.pk], "decision": "approve"})
    a.refresh_from_db()
    assert a.status == S.APPROVED
    page = client.get(reverse("reporting:pivot") + f"?period={period.pk}").content.decode()
    assert "教师总数" in page and "山东省" in page
    x = client.get(reverse("reporting:pivot") + f"?period={period.pk}&format=xlsx")
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxml")
    # A city sees its own subtree's rollups only.
    login(world["qingdao"])
    assert "山东省" not in client.get(reverse("reporting:pivot") + f"?period={period.pk}").content.decode()


def test_completeness_lists_missing_schools(world, login, client, sub):
    login(world["province_admin"])
    page = client.get(reverse("reporting:completeness") + f"?period={sub.period_id}").content.decode()
    assert world.school_a.name in page and world.school_b.name in page and "Not reported" in page


def test_definition_upload_is_the_province_s(world, login, client):
    login(world["jinan"])
    assert client.get(reverse("reporting:definition_upload")).status_code == 404
    login(world["province_admin"])
    bad = SimpleUploadedFile("d.yaml", b"code: 1\n")
    r = client.post(reverse("reporting:definition_upload"), {"file": bad})
    assert r.status_code == 200 and "not loaded" in r.content.decode()
    good = SimpleUploadedFile("d.yaml", SMALL.encode())
    r = client.post(reverse("reporting:definition_upload"), {"file": good})
    assert r.status_code == 302 and DataSet.objects.filter(code="teachers").exists()
    r = client.get(reverse("reporting:definition_export") + "?code=teachers")
    assert "teachers_total" in r.content.decode()


def test_worklist_queries_do_not_grow_with_schools(
    world, login, client, period, django_assert_max_num_queries
):
    from zhijiao.core.testing import InstitutionFactory

    login(world["jinan"])
    url = reverse("reporting:worklist") + f"?period={period.pk}"

    def add_school(n):
        school = InstitutionFactory(name=f"济南测试学校{n}", region=world.lixia)
        s = submission_open(actor=world["jinan"], institution=school, period=period)
        s = submission_save_values(
            actor=world["jinan"], submission=s, values={("teachers_total", ""): "1"}, revision=0
        )
        fire("reporting.submission", s, "submit", actor=world["jinan"])

    add_school(0)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(1, 6):
        add_school(n)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count('name="ids"') == 6
