from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zhijiao.core.lifecycle import fire
from zhijiao.core.models import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.reporting import selectors
from zhijiao.reporting.choices import SubmissionStatus as S
from zhijiao.reporting.models import Aggregate, DataValue
from zhijiao.reporting.services import rule_failures, submission_open, submission_save_values
from zhijiao.workflows import services as wf
from zhijiao.workflows.models import ApprovalRequest

KEY = "reporting.submission"


@pytest.fixture
def sub(world, period):
    return submission_open(actor=world["school_a"], institution=world.school_a, period=period)


def save(world, sub, values, who="school_a"):
    return submission_save_values(actor=world[who], submission=sub, values=values, revision=sub.revision)


def fill(world, sub, total="10", male="4", female="5"):
    return save(
        world,
        sub,
        {
            ("teachers_total", ""): total,
            ("teachers_fulltime", "male"): male,
            ("teachers_fulltime", "female"): female,
        },
    )


def approve_all(world, sub, city="jinan"):
    request = ApprovalRequest.objects.filter(object_id=sub.pk, kind=KEY).latest("id")
    wf.request_approve(actor=world[city], request=request)
    wf.request_approve(actor=world["province_admin"], request=request)
    sub.refresh_from_db()
    return sub


def test_open_pins_the_version_and_marks_it_used(sub, version):
    assert sub.version == version and sub.status == S.DRAFT
    version.refresh_from_db()
    assert version.in_use


def test_school_cannot_open_for_another_school(world, period):
    with pytest.raises(OutOfScope):
        submission_open(actor=world["school_a"], institution=world.school_b, period=period)


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        (("teachers_total", ""), "abc", "Enter a number."),
        (("teachers_total", ""), "1.5", "Enter a whole number."),
        (("teachers_total", ""), "-1", "below the minimum"),
        (("teachers_total", ""), "6000", "above the maximum"),
        (("rate", ""), "101", "between 0 and 100"),
        (("budget", ""), "1.234", "two decimals"),
        (("since", ""), "2021/1/1", "YYYY-MM-DD"),
        (("mode", ""), "evening", "listed options"),
        (("teachers_fulltime", "other"), "1", "No such field"),
        (("nope", ""), "1", "No such field"),
    ],
)
def test_values_are_checked_per_field(world, sub, field, raw, message):
    with pytest.raises(ValidationError) as exc:
        save(world, sub, {("teachers_total", ""): "10", field: raw})
    key = f"{field[0]}__{field[1]}" if field[1] else field[0]
    assert message in " ".join(exc.value.message_dict[key])
    assert not DataValue.objects.exists()  # nothing half-saved


def test_save_writes_and_counts_revisions(world, sub):
    sub = fill(world, sub)
    assert sub.revision == 1
    assert DataValue.objects.get(element__code="teachers_total").number == Decimal(10)
    sub = save(world, sub, {("teachers_total", ""): "12", ("budget", ""): ""})
    assert sub.revision == 2
    assert DataValue.objects.get(element__code="teachers_total").value == "12"
    assert AuditEntry.objects.filter(event="submission.saved").count() == 2


def test_stale_save_is_refused_with_what_changed(world, sub):
    stale = sub.revision
    fill(world, sub)
    with pytest.raises(ValidationError, match="教师总数"):
        submission_save_values(
            actor=world["school_a"], submission=sub, values={("teachers_total", ""): "1"}, revision=stale
        )
    assert DataValue.objects.get(element__code="teachers_total").value == "10"


def test_rules_block_submit(world, sub):
    sub = fill(world, sub, total="5", male="4", female="5")
    assert rule_failures(sub) == ["专任教师不能多于教师总数（teachers_fulltime <= teachers_total）"]
    with pytest.raises(ValidationError, match="专任教师不能多于教师总数"):
        fire(KEY, sub, "submit", actor=world["school_a"])
    sub.refresh_from_db()
    assert sub.status == S.DRAFT


def test_required_element_blocks_submit(world, sub):
    with pytest.raises(ValidationError, match="required"):
        fire(KEY, sub, "submit", actor=world["school_a"])


def test_full_cycle_locks_aggregates_and_reopens(world, sub):
    sub = fill(world, sub)
    sub = fire(KEY, sub, "submit", actor=world["school_a"])
    assert sub.status == S.SUBMITTED and sub.submitted_at
    with pytest.raises(ValidationError, match="can no longer be changed"):
        save(world, sub, {("teachers_total", ""): "11"})
    sub = approve_all(world, sub)
    assert sub.status == S.APPROVED and sub.approved_at
    rows = {
        (a.region.code, a.element_code, a.cell): (a.total, a.count)
        for a in Aggregate.objects.select_related("region")
    }
    for region in ("370102", "370100", "370000"):
        assert rows[(region, "teachers_total", "")] == (Decimal(10), 1)
        assert rows[(region, "teachers_fulltime", "female")] == (Decimal(5), 1)
    with pytest.raises(ValidationError):
        save(world, sub, {("teachers_total", ""): "11"})
    # Only the province locks and re-opens.
    for who in ("school_a", "jinan"):
        with pytest.raises(OutOfScope):
            fire(KEY, sub, "lock", actor=world[who])
    sub = fire(KEY, sub, "lock", actor=world["province_admin"])
    assert sub.status == S.LOCKED
    with pytest.raises(OutOfScope):
        fire(KEY, sub, "reopen", actor=world["jinan"], reason="改")
    with pytest.raises(ValidationError):
        fire(KEY, sub, "reopen", actor=world["province_admin"])  # a reason is required
    sub = fire(KEY, sub, "reopen", actor=world["province_admin"], reason="数据有误")
    assert sub.status == S.REOPENED
    assert not Aggregate.objects.exists()  # taken back, not left at zero
    entry = AuditEntry.objects.get(event="submission.reopened")
    assert entry.message == "数据有误"
    # Corrected and approved again: the rollups carry the new values once.
    sub = save(world, sub, {("teachers_total", ""): "11"})
    sub = fire(KEY, sub, "submit", actor=world["school_a"])
    sub = approve_all(world, sub)
    agg = Aggregate.objects.get(region__code="370000", element_code="teachers_total", cell="")
    assert (agg.total, agg.count) == (Decimal(11), 1)


def test_return_and_resubmit(world, sub):
    sub = fire(KEY, fill(world, sub), "submit", actor=world["school_a"])
    request = ApprovalRequest.objects.get(object_id=sub.pk, kind=KEY)
    wf.request_return(actor=world["jinan"], request=request, comment="经费未填")
    sub.refresh_from_db()
    assert sub.status == S.RETURNED
    sub = save(world, sub, {("budget", ""): "12.5"})
    sub = fire(KEY, sub, "submit", actor=world["school_a"])
    assert sub.status == S.SUBMITTED
    assert approve_all(world, sub).status == S.APPROVED


def test_two_schools_roll_up_into_the_province(world, period):
    a = submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    b = submission_open(actor=world["school_b"], institution=world.school_b, period=period)
    for s, who, city in ((a, "school_a", "jinan"), (b, "school_b", "qingdao")):
        s = submission_save_values(
            actor=world[who], submission=s, values={("teachers_total", ""): "7"}, revision=0
        )
        s = fire(KEY, s, "submit", actor=world[who])
        approve_all(world, s, city=city)
    agg = Aggregate.objects.get(region__code="370000", element_code="teachers_total")
    assert (agg.total, agg.count) == (Decimal(14), 2)
    assert Aggregate.objects.get(region__code="370100", element_code="teachers_total").total == 7


def test_selectors_scope(world, period):
    submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    submission_open(actor=world["school_b"], institution=world.school_b, period=period)
    assert selectors.submission_list(user=world["school_a"]).count() == 1
    assert selectors.submission_list(user=world["jinan"]).count() == 1
    assert selectors.submission_list(user=world["province_admin"]).count() == 2
