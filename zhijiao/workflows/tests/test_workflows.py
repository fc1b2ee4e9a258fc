"""The approval mechanism on its own: chains, order, who may decide, return/resubmit/cancel, hooks,
scoping of pages and API, and the audit trail. The kinds used by the registry, internships and
other apps are tested in their apps; here a throwaway kind decides on a school record.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhijiao.core.audit import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.workflows import registry, selectors, services
from zhijiao.workflows.choices import EventKind, RequestStatus, StepLevel, StepStatus
from zhijiao.workflows.models import ApprovalEvent, ApprovalRequest
from zhijiao.workflows.registry import StepSpec, WorkflowKind

pytestmark = pytest.mark.django_db

KIND = "tests.sample"


@pytest.fixture
def calls():
    """Register a kind whose hooks record their calls; unregister it afterwards."""
    seen: list[tuple] = []
    registry.register_kind(
        WorkflowKind(
            key=KIND,
            label="sample",
            levels=("city", "province"),
            on_approved=lambda request, actor: seen.append(("approved", request.pk, actor.username)),
            on_returned=lambda request, actor, reason: seen.append(("returned", request.pk, reason)),
            on_cancelled=lambda request, actor, reason: seen.append(("cancelled", request.pk, reason)),
            on_resubmitted=lambda request, actor: seen.append(("resubmitted", request.pk)),
        )
    )
    yield seen
    registry._kinds.pop(KIND, None)


def submit(world, who="school_a", school=None, **kwargs):
    school = school or world.school_a
    return services.request_submit(
        actor=world[who], kind=KIND, target=school, institution=school, title="样例申请", **kwargs
    )


# --- chains --------------------------------------------------------------------------------------
def test_default_chain_is_the_city_then_the_province_above_the_school(world, calls):
    request = submit(world)
    steps = selectors.request_steps(request)
    assert [(s.order, s.level, s.region) for s in steps] == [
        (1, StepLevel.CITY, world.jinan),
        (2, StepLevel.PROVINCE, world.province),
    ]
    assert [s.status for s in steps] == [StepStatus.PENDING, StepStatus.WAITING]
    assert request.status == RequestStatus.IN_REVIEW and request.current_step == 1


def test_settings_override_the_levels_of_a_kind(world, calls, settings):
    settings.WORKFLOW_CHAINS = {KIND: ["province"]}
    request = submit(world)
    assert [s.level for s in selectors.request_steps(request)] == [StepLevel.PROVINCE]


def test_an_explicit_chain_may_include_another_school(world, calls):
    chain = [StepSpec(StepLevel.INSTITUTION, world.school_b), StepSpec(StepLevel.CITY, world.qingdao)]
    request = submit(world, chain=chain)
    first = selectors.request_steps(request)[0]
    assert first.institution == world.school_b and first.node_path == world.shinan.path
    # the receiving school sees the request it decides, through its step
    assert selectors.request_list(user=world["school_b"]).filter(pk=request.pk).exists()
    assert selectors.worklist(user=world["school_b"]).filter(pk=request.pk).exists()


def test_unknown_kind_and_empty_chain_are_refused(world, calls, settings):
    with pytest.raises(ValidationError):
        services.request_submit(
            actor=world["school_a"],
            kind="no.such",
            target=world.school_a,
            institution=world.school_a,
            title="x",
        )
    settings.WORKFLOW_CHAINS = {KIND: []}
    with pytest.raises(ValidationError):
        submit(world)
    assert not ApprovalRequest.objects.exists()


def test_a_school_cannot_submit_for_another_school(world, calls):
    with pytest.raises(OutOfScope):
        submit(world, who="school_a", school=world.school_b)
    assert not ApprovalRequest.objects.exists()


def test_one_open_request_per_target_and_kind(world, calls):
    submit(world)
    with pytest.raises(ValidationError):
        submit(world)
    assert ApprovalRequest.objects.count() == 1


# --- deciding ------------------------------------------------------------------------------------
def test_full_chain_runs_the_hook_once_at_the_end(world, calls):
    request = submit(world)
    request = services.request_approve(actor=world["jinan"], request=request, comment="同意")
    assert request.current_step == 2 and request.status == RequestStatus.IN_REVIEW
    assert calls == []
    request = services.request_approve(actor=world["province_admin"], request=request)
    assert request.status == RequestStatus.APPROVED and request.finished_at is not None
    assert calls == [("approved", request.pk, "province_admin")]
    kinds = list(ApprovalEvent.objects.filter(request=request).order_by("id").values_list("kind", flat=True))
    assert kinds == [EventKind.SUBMIT, EventKind.APPROVE, EventKind.APPROVE]
    # every step of the way is in the audit log
    assert (
        AuditEntry.objects.filter(object_id=str(request.pk), object_type="workflows.approvalrequest").count()
        >= 4
    )


def test_approving_out_of_order_is_refused(world, calls, english):
    request = submit(world)
    later = selectors.request_steps(request)[1]
    with pytest.raises(ValidationError) as exc:
        services.request_approve(actor=world["province_admin"], request=request, step=later)
    assert "out of order" in " ".join(exc.value.messages)
    request.refresh_from_db()
    assert request.current_step == 1
    assert selectors.request_steps(request)[1].status == StepStatus.WAITING


def test_the_province_may_not_decide_the_city_step(world, calls):
    """Holding a wider scope is not enough: the decision belongs to the step's node."""
    request = submit(world)
    with pytest.raises(ValidationError):
        services.request_approve(actor=world["province_admin"], request=request)
    assert selectors.request_steps(request)[0].status == StepStatus.PENDING


def test_another_city_cannot_see_or_decide(world, calls):
    request = submit(world)
    assert not selectors.request_list(user=world["qingdao"]).filter(pk=request.pk).exists()
    with pytest.raises(OutOfScope):
        services.request_approve(actor=world["qingdao"], request=request)
    request.refresh_from_db()
    assert request.current_step == 1 and calls == []


def test_the_submitting_school_cannot_approve_its_own_request(world, calls):
    request = submit(world)
    with pytest.raises(ValidationError):
        services.request_approve(actor=world["school_a"], request=request)


def test_a_failing_hook_rolls_the_decision_back(world):
    def boom(request, actor):
        raise ValidationError("hook refused")

    registry.register_kind(WorkflowKind(key=KIND, label="sample", levels=("city",), on_approved=boom))
    try:
        request = submit(world)
        with pytest.raises(ValidationError):
            services.request_approve(actor=world["jinan"], request=request)
        request.refresh_from_db()
        assert request.status == RequestStatus.IN_REVIEW
        assert selectors.request_steps(request)[0].status == StepStatus.PENDING
        assert not ApprovalEvent.objects.filter(request=request, kind=EventKind.APPROVE).exists()
    finally:
        registry._kinds.pop(KIND, None)


def test_return_needs_a_reason_then_resubmit_restarts_the_chain(world, calls):
    request = submit(world)
    with pytest.raises(ValidationError):
        services.request_return(actor=world["jinan"], request=request, comment="  ")
    request = services.request_approve(actor=world["jinan"], request=request)
    request = services.request_return(actor=world["province_admin"], request=request, comment="材料不全")
    assert request.status == RequestStatus.RETURNED
    assert calls[-1] == ("returned", request.pk, "材料不全")
    with pytest.raises(ValidationError):
        services.request_approve(actor=world["province_admin"], request=request)
    request = services.request_resubmit(actor=world["school_a"], request=request, comment="已补充")
    assert request.status == RequestStatus.IN_REVIEW and request.current_step == 1
    assert [s.status for s in selectors.request_steps(request)] == [StepStatus.PENDING, StepStatus.WAITING]
    assert calls[-1] == ("resubmitted", request.pk)


def test_only_a_returned_request_can_be_resubmitted(world, calls):
    request = submit(world)
    with pytest.raises(ValidationError):
        services.request_resubmit(actor=world["school_a"], request=request)


def test_cancel_is_final(world, calls):
    request = submit(world)
    request = services.request_cancel(actor=world["school_a"], request=request, comment="撤回")
    assert request.status == RequestStatus.CANCELLED
    assert {s.status for s in selectors.request_steps(request)} == {StepStatus.CANCELLED}
    assert calls == [("cancelled", request.pk, "撤回")]
    for attempt in (
        lambda: services.request_approve(actor=world["jinan"], request=request),
        lambda: services.request_cancel(actor=world["school_a"], request=request, comment="again"),
    ):
        with pytest.raises(ValidationError):
            attempt()


def test_script_in_a_comment_is_refused(world, calls):
    request = submit(world)
    with pytest.raises(ValidationError):
        services.request_approve(actor=world["jinan"], request=request, comment="<script>alert(1)</script>")
    assert selectors.request_steps(request)[0].status == StepStatus.PENDING


# --- pages -----------------------------------------------------------------------------------------
def test_worklist_shows_only_what_awaits_my_node(world, calls, client, login):
    request = submit(world)
    login(world["jinan"])
    page = client.get(reverse("workflows:worklist"))
    assert page.status_code == 200 and "样例申请" in page.content.decode()
    login(world["province_admin"])
    assert "样例申请" not in client.get(reverse("workflows:worklist")).content.decode()
    services.request_approve(actor=world["jinan"], request=request)
    assert "样例申请" in client.get(reverse("workflows:worklist")).content.decode()


def test_worklist_query_count_does_not_grow_with_requests(world, calls, client, login):
    login(world["jinan"])
    submit(world)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("workflows:worklist")).status_code == 200
    for target in (world.offering_a, world.ent_a, world.lixia, world.major):
        services.request_submit(
            actor=world["school_a"], kind=KIND, target=target, institution=world.school_a, title="样例申请"
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("workflows:worklist"))
    assert page.content.decode().count("样例申请") >= 5
    assert len(many) == len(one)


def test_decision_panel_approves_and_an_outsider_gets_404(world, calls, client, login):
    request = submit(world)
    url = reverse("workflows:request_detail", args=[request.pk])
    login(world["qingdao"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "approve"}).status_code == 404
    login(world["jinan"])
    assert client.post(url, {"decision": "approve", "comment": "同意"}).status_code == 302
    request.refresh_from_db()
    assert request.current_step == 2


def test_decision_panel_shows_the_error_in_chinese_and_changes_nothing(world, calls, client, login):
    request = submit(world)
    login(world["jinan"])
    page = client.post(reverse("workflows:request_detail", args=[request.pk]), {"decision": "return"})
    assert page.status_code == 200
    assert "请填写理由" in page.content.decode() or "理由" in page.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_REVIEW


# --- API ---------------------------------------------------------------------------------------------
def test_api_approve_and_scope(world, calls, client, login):
    request = submit(world)
    url = f"/api/v1/approval-requests/{request.pk}/approve/"
    login(world["qingdao"])
    assert client.post(url, {}, content_type="application/json").status_code == 404
    assert client.get(f"/api/v1/approval-requests/{request.pk}/").status_code == 404
    login(world["jinan"])
    worklist = client.get("/api/v1/approval-requests/worklist/").json()
    assert [r["id"] for r in worklist["results"]] == [request.pk]
    response = client.post(url, {"comment": "ok"}, content_type="application/json")
    assert response.status_code == 200, response.content
    request.refresh_from_db()
    assert request.current_step == 2
    # deciding again out of order gives the error envelope, not a 500
    again = client.post(url, {}, content_type="application/json")
    assert again.status_code == 400
    assert again.json()["error"]


def test_api_return_requires_a_reason(world, calls, client, login):
    request = submit(world)
    login(world["jinan"])
    response = client.post(
        f"/api/v1/approval-requests/{request.pk}/return/", {}, content_type="application/json"
    )
    assert response.status_code == 400
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_REVIEW
