"""Issue 14: the bulk approval of the workflows (``workflows.services.requests_approve``, with the
lifecycle's ``apply_outcomes``) writes, field by field, what ``request_approve`` writes one request
after another: the steps (status, decider, time, comment), the following step, the request
(current step, status, finished), the approval events and their audit entries, and — after the
last step — the submission's state and its typed audit event. Refused requests (not open, not at
the actor's step, outside the actor's scope) are reported with the same reasons and change nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from zhijiao.core.lifecycle import fire
from zhijiao.core.models import AuditEntry
from zhijiao.core.testing import InstitutionFactory
from zhijiao.orgs.choices import InstitutionKind
from zhijiao.reporting import services
from zhijiao.reporting.definitions import definition_load
from zhijiao.reporting.models import Period, Submission
from zhijiao.workflows import services as wf
from zhijiao.workflows.models import ApprovalRequest

KEY = "reporting.submission"

FORM = """
code: bulk_equal
name: 对照报表
version: 1
period_type: year
sections:
  - code: main
    name: 基本
    elements:
      - {code: students, name: 在校生数, type: integer, unit: 人, min: 0}
"""

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="compared on PostgreSQL (the bulk audit write is COPY)"
)


@pytest.fixture
def pairs(world):
    """Three pairs of like schools in 济南 (county and city level, two kinds), each with a
    submitted submission; the first of each pair is decided in bulk, the second one by one."""
    version = definition_load(actor=world["province_admin"], text=FORM)
    period = Period.objects.create(
        data_set=version.data_set,
        code="2021",
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2021, 12, 31),
        deadline=datetime.date(2099, 12, 31),
    )
    bulk, each = [], []
    for n in range(3):
        for side in (bulk, each):
            school = InstitutionFactory(
                name=f"对照学校{n}{'甲' if side is bulk else '乙'}",
                region=world.jinan if n == 0 else world.lixia,
                kind=[InstitutionKind.SECONDARY_VOCATIONAL, InstitutionKind.HIGHER_VOCATIONAL][n % 2],
            )
            side.append(_submitted(world, school, period, n))
    return {"period": period, "bulk": bulk, "each": each}


def _submitted(world, school, period, n: int) -> Submission:
    actor = world["province_admin"]
    sub = services.submission_open(actor=actor, institution=school, period=period)
    sub = services.submission_save_values(
        actor=actor, submission=sub, values={("students", ""): str(100 + n)}, revision=sub.revision
    )
    return fire(KEY, sub, "submit", actor=actor)


def _request(sub) -> ApprovalRequest:
    return ApprovalRequest.objects.filter(object_id=sub.pk, kind=KEY).latest("id")


def _masked(value):
    """Times, ids and the school's own names masked: what must be equal between the two sides."""
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items() if k not in ("id", "object_id", "institution")}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return "<time>"
    if isinstance(value, str):
        try:
            datetime.datetime.fromisoformat(value)
        except ValueError:
            return value.replace("甲", "·").replace("乙", "·")
        return "<time>" if len(value) > 10 else value
    return value


def _state(sub) -> dict:
    """Everything a decision writes for one submission, comparable across the two sides."""
    request = _request(sub)
    steps = [
        {
            "order": s.order,
            "status": s.status,
            "decided_by": s.decided_by_id,
            "decided": s.decided_at is not None,
            "comment": s.comment,
        }
        for s in request.steps.order_by("order")
    ]
    events = [
        {
            "kind": e.kind,
            "step": e.step.order if e.step_id else None,
            "actor": e.actor_id,
            "actor_name": e.actor_name,
            "node_label": e.node_label,
            "comment": e.comment,
        }
        for e in request.events.order_by("id")
    ]

    def audits(object_type, object_id):
        return [
            _masked(
                {
                    k: getattr(a, k)
                    for k in (
                        "actor_id",
                        "actor_name",
                        "actor_org",
                        "action",
                        "event",
                        "object_type",
                        "object_repr",
                        "scope_path",
                        "before",
                        "after",
                        "message",
                    )
                }
            )
            for a in AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
                "id"
            )
        ]

    sub = Submission.objects.get(pk=sub.pk)
    return _masked(
        {
            "request": {
                "status": request.status,
                "current_step": request.current_step,
                "finished": request.finished_at is not None,
                "title": _masked(request.title),
            },
            "steps": steps,
            "events": events,
            "request_audit": audits("workflows.approvalrequest", request.pk),
            "submission": {
                "status": sub.status,
                "revision": sub.revision,
                "approved": sub.approved_at is not None,
                "submitted": sub.submitted_at is not None,
            },
            "submission_audit": audits("reporting.submission", sub.pk),
        }
    )


def _one_by_one(actor, sub, comment=""):
    """``request_approve`` in a savepoint: its refusal, or None."""
    try:
        with transaction.atomic():
            wf.request_approve(actor=actor, request=_request(sub), comment=comment)
    except (ValidationError, PermissionDenied) as exc:
        return exc
    return None


def _reason(exc) -> tuple:
    return (type(exc).__name__, _masked(" ".join(getattr(exc, "messages", [str(exc)]))))


def test_bulk_writes_what_one_by_one_writes_field_by_field(world, pairs):
    bulk, each = pairs["bulk"], pairs["each"]
    # The city's step: the following (province) step opens.
    approved, refused = wf.requests_approve(
        actor=world["jinan"], requests=[_request(s) for s in bulk], comment="同意上报"
    )
    assert len(approved) == 3 and refused == {}
    for sub in each:
        assert _one_by_one(world["jinan"], sub, comment="同意上报") is None
    for a, b in zip(bulk, each, strict=True):
        assert _state(a) == _state(b)
        assert _state(a)["request"]["current_step"] == 2

    # The province's step, the last: the submissions are approved, with their typed audit event.
    approved, refused = wf.requests_approve(
        actor=world["province_admin"], requests=[_request(s) for s in bulk]
    )
    assert len(approved) == 3 and refused == {}
    for sub in each:
        assert _one_by_one(world["province_admin"], sub) is None
    for a, b in zip(bulk, each, strict=True):
        state = _state(a)
        assert state == _state(b)
        assert state["request"] == {**state["request"], "status": "approved", "finished": True}
        assert state["submission"]["status"] == "approved" and state["submission"]["approved"]
        assert [e["event"] for e in state["submission_audit"]][-1] == "submission.approved"
        assert [e["event"] for e in state["request_audit"]][-2:] == [
            "approval.approved",
            "approval.completed",
        ]


def test_refused_requests_change_nothing_and_say_why_as_one_by_one(world, pairs):
    bulk, each = pairs["bulk"], pairs["each"]
    # Already decided by the city: a second city decision is out of order (the province's step).
    wf.requests_approve(actor=world["jinan"], requests=[_request(bulk[0])])
    assert _one_by_one(world["jinan"], each[0]) is None
    # Finished: not open any more.
    wf.requests_approve(actor=world["jinan"], requests=[_request(bulk[1])])
    wf.requests_approve(actor=world["province_admin"], requests=[_request(bulk[1])])
    assert _one_by_one(world["jinan"], each[1]) is None
    assert _one_by_one(world["province_admin"], each[1]) is None
    before = [_state(s) for s in bulk]

    cases = [
        (world["jinan"], [bulk[0]], [each[0]]),  # not the city's step any more
        (world["province_admin"], [bulk[1]], [each[1]]),  # finished
        (world["qingdao"], [bulk[2]], [each[2]]),  # another city's school
    ]
    for actor, ours, theirs in cases:
        approved, refused = wf.requests_approve(actor=actor, requests=[_request(s) for s in ours])
        assert approved == []
        expected = _one_by_one(actor, theirs[0])
        assert expected is not None
        assert _reason(refused[_request(ours[0]).pk]) == _reason(expected)
    assert [_state(s) for s in bulk] == before

    # Mixed: the refused one is reported, the other goes on.
    approved, refused = wf.requests_approve(
        actor=world["jinan"], requests=[_request(bulk[0]), _request(bulk[2])]
    )
    assert [r.object_id for r in approved] == [bulk[2].pk] and list(refused) == [_request(bulk[0]).pk]
    assert _state(bulk[0]) == before[0]
    assert _state(bulk[2])["request"]["current_step"] == 2


def test_submissions_decide_reports_refusals_per_school(world, pairs):
    bulk = pairs["bulk"]
    wf.requests_approve(actor=world["jinan"], requests=[_request(s) for s in bulk[:2]])
    done, errors = services.submissions_decide(
        actor=world["province_admin"], submissions=bulk, decision="approve"
    )
    # The third still waits for the city: the province may not decide the city's step.
    assert done == 2 and len(errors) == 1 and "对照学校2甲" in errors[0]
    assert [Submission.objects.get(pk=s.pk).status for s in bulk] == ["approved", "approved", "submitted"]


def test_an_outcome_refused_in_bulk_is_decided_one_by_one(world, pairs, monkeypatch):
    """Should the set-based outcome refuse (a check only the write finds), the batch is undone and
    every submission decided one by one in its own savepoint — nothing written twice."""
    from zhijiao.core.lifecycle import engine

    bulk = pairs["bulk"]
    wf.requests_approve(actor=world["jinan"], requests=[_request(s) for s in bulk])

    def refuse(*args, **kwargs):
        raise ValidationError("refused in bulk")

    monkeypatch.setattr(engine, "_update_many", refuse)
    done, errors = services.submissions_decide(
        actor=world["province_admin"], submissions=bulk, decision="approve"
    )
    assert (done, errors) == (3, [])
    for sub in bulk:
        state = _state(sub)
        assert state["submission"]["status"] == "approved"
        assert [e["kind"] for e in state["events"]] == ["submit", "approve", "approve"]
        assert [e["event"] for e in state["submission_audit"]].count("submission.approved") == 1
