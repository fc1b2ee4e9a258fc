"""The city's own return: after its schools, the city bureau submits it (not while schools it must
approve wait for it, unless the data set says otherwise); the province accepts (locking it) or
returns it with a reason, in bulk from its worklist, with the diff on resubmission; only the
province re-opens, audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zhijiao.core.lifecycle import fire
from zhijiao.core.models import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.reporting import services
from zhijiao.reporting.models import CitySubmission, Submission
from zhijiao.workflows import services as wf
from zhijiao.workflows.models import ApprovalRequest

KEY = "reporting.submission"
CITY = "reporting.city_submission"


def _school_submits(world, period, total="12"):
    sub = services.submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    sub = services.submission_save_values(
        actor=world["school_a"], submission=sub, values={("teachers_total", ""): total}, revision=sub.revision
    )
    return fire(KEY, sub, "submit", actor=world["school_a"])


def _decide(world, who, sub):
    request = ApprovalRequest.objects.filter(object_id=sub.pk, kind=KEY).latest("id")
    wf.request_approve(actor=world[who], request=request)


def test_full_cycle_block_return_diff_accept_lock_reopen(world, period):
    sub = _school_submits(world, period)
    ret = services.city_submission_open(actor=world["jinan"], city=world.jinan, period=period)
    assert ret.status == "draft" and ret.summary["expected"] == 1
    with pytest.raises(ValidationError) as blocked:
        fire(CITY, ret, "submit", actor=world["jinan"])
    assert "still wait for your decision" in str(blocked.value)

    _decide(world, "jinan", sub)  # now waits for the province, not the city
    ret = fire(CITY, ret, "submit", actor=world["jinan"])
    assert ret.status == "submitted" and ret.submitted_at
    assert (ret.summary["submitted"], ret.summary["approved"], ret.summary["missing"]) == (1, 0, 0)

    with pytest.raises(ValidationError):
        fire(CITY, ret, "return", actor=world["province_admin"], reason="")
    with pytest.raises(OutOfScope):
        fire(CITY, ret, "accept", actor=world["jinan"])  # the city does not accept its own
    ret = fire(CITY, ret, "return", actor=world["province_admin"], reason="请待学校审核完毕")
    assert ret.status == "returned" and ret.returned_summary == ret.summary

    _decide(world, "province_admin", sub)  # the school's values are now approved, in the totals
    ret = fire(CITY, ret, "submit", actor=world["jinan"])
    from zhijiao.reporting.diff import city_changes_since_return

    changes = {c["label"]: (c["before"], c["after"]) for c in city_changes_since_return(ret)}
    assert changes["Approved"] == ("0", "1")
    assert changes["教师总数"] == ("—", "12人")

    ret = fire(CITY, ret, "accept", actor=world["province_admin"])
    assert ret.status == "accepted" and ret.accepted_at
    with pytest.raises(ValidationError):
        fire(CITY, ret, "submit", actor=world["jinan"])  # accepted locks
    with pytest.raises(OutOfScope):
        fire(CITY, ret, "reopen", actor=world["jinan"], reason="x")
    with pytest.raises(ValidationError):
        fire(CITY, ret, "reopen", actor=world["province_admin"], reason="")
    ret = fire(CITY, ret, "reopen", actor=world["province_admin"], reason="数据更正")
    assert ret.status == "reopened"
    entry = AuditEntry.objects.get(event="city_submission.reopened")
    assert (
        entry.object_id == str(ret.pk)
        and entry.actor == world["province_admin"]
        and entry.message == "数据更正"
    )


def test_data_set_may_let_a_city_return_go_any_time(world, period):
    ds = period.data_set
    ds.reporters = {"city_return": "any_time"}
    ds.save()
    _school_submits(world, period)
    ret = services.city_submission_open(actor=world["jinan"], city=world.jinan, period=period)
    assert fire(CITY, ret, "submit", actor=world["jinan"]).status == "submitted"


def test_only_the_city_office_opens_and_submits(world, period):
    with pytest.raises(PermissionDenied):
        services.city_submission_open(actor=world["province_admin"], city=world.jinan, period=period)
    with pytest.raises(PermissionDenied):
        services.city_submission_open(actor=world["qingdao"], city=world.jinan, period=period)
    with pytest.raises(ValidationError):
        services.city_submission_open(actor=world["jinan"], city=world.lixia, period=period)
    ret = services.city_submission_open(actor=world["jinan"], city=world.jinan, period=period)
    with pytest.raises(OutOfScope):
        fire(CITY, ret, "submit", actor=world["province_admin"])


def test_reporters_check_city_return(world):
    from zhijiao.reporting.reporters import check

    assert check({"city_return": "any_time"}) == []
    assert check({"city_return": "never"})


def test_province_worklist_bulk_accept_and_return_and_scope(world, period, login, client):
    ds = period.data_set
    ds.reporters = {"city_return": "any_time"}
    ds.save()
    jn = fire(
        CITY,
        services.city_submission_open(actor=world["jinan"], city=world.jinan, period=period),
        "submit",
        actor=world["jinan"],
    )
    qd = fire(
        CITY,
        services.city_submission_open(actor=world["qingdao"], city=world.qingdao, period=period),
        "submit",
        actor=world["qingdao"],
    )
    login(world["province_admin"])
    page = client.get(f"/reporting/city-returns/?period={period.pk}")
    assert page.status_code == 200
    assert [r["selectable"] for r in page.context["rows"]] == [True, True]
    url = "/reporting/city-returns/decide/"
    client.post(url, {"period": period.pk, "ids": [jn.pk, qd.pk], "decision": "return", "reason": ""})
    assert set(CitySubmission.objects.values_list("status", flat=True)) == {"submitted"}
    client.post(url, {"period": period.pk, "ids": [qd.pk], "decision": "return", "reason": "缺少说明"})
    client.post(url, {"period": period.pk, "ids": [jn.pk, qd.pk], "decision": "approve", "reason": ""})
    jn.refresh_from_db()
    qd.refresh_from_db()
    assert (jn.status, qd.status) == ("accepted", "returned")
    assert client.get(f"/reporting/city-returns/{jn.pk}/").status_code == 200

    login(world["qingdao"])
    assert client.get(f"/reporting/city-returns/{jn.pk}/").status_code == 404
    mine = client.get(f"/reporting/city-returns/{qd.pk}/")
    assert mine.status_code == 200 and "Submit to the province" in mine.content.decode()
    assert 'id="returned-reason"' in mine.content.decode() and "缺少说明" in mine.content.decode()
    assert client.post(url, {"period": period.pk, "ids": [qd.pk], "decision": "approve"}).status_code == 404
    rows = client.get(f"/reporting/city-returns/?period={period.pk}").context["rows"]
    assert [r["city"] for r in rows] == [world.qingdao]

    login(world["school_a"])
    assert client.get("/reporting/city-returns/").status_code == 404
    assert client.get(f"/reporting/city-returns/{qd.pk}/").status_code == 404


def test_city_opens_its_return_from_the_page(world, period, login, client):
    login(world["jinan"])
    response = client.post("/reporting/city-returns/open/", {"period": period.pk, "city": world.jinan.pk})
    made = CitySubmission.objects.get()
    assert response.status_code == 302 and response["Location"] == made.get_absolute_url()
    other = client.post("/reporting/city-returns/open/", {"period": period.pk, "city": world.qingdao.pk})
    assert other.status_code == 404
    assert client.post("/reporting/city-returns/open/", {"period": "x", "city": "y"}).status_code in (
        302,
        404,
    )
    assert not Submission.objects.exists()


def test_summary_shows_a_rate_as_the_schools_average_in_the_forms_order(world, period):
    from zhijiao.core.testing import InstitutionFactory
    from zhijiao.reporting.diff import summary_rows

    other = InstitutionFactory(name="济南第二职业中专", region=world.lixia)
    for school, rate, male in ((world.school_a, "80", "3"), (other, "60", "5")):
        sub = services.submission_open(actor=world["jinan"], institution=school, period=period)
        sub = services.submission_save_values(
            actor=world["jinan"],
            submission=sub,
            values={
                ("teachers_total", ""): "10",
                ("rate", ""): rate,
                ("teachers_fulltime", "female"): "1",
                ("teachers_fulltime", "male"): male,
            },
            revision=sub.revision,
        )
        sub = fire(KEY, sub, "submit", actor=world["jinan"])
        _decide(world, "jinan", sub)
        _decide(world, "province_admin", sub)
    ret = services.city_submission_open(actor=world["jinan"], city=world.jinan, period=period)
    rows = summary_rows(ret, services.city_summary(world.jinan, period))
    values = {r["label"]: r["value"] for r in rows}
    assert values["双师比例 (average of the schools)"] == "70.0"
    assert values["教师总数"] == "20人" and values["专任教师 · 男"] == "8"
    labels = [r["label"] for r in rows]
    assert labels.index("专任教师 · 男") < labels.index("专任教师 · 女")  # the form's order
