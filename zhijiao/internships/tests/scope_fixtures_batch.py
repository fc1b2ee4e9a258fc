"""Scope-matrix rows of the batch work (post changes, leave, early termination) in every school.

Imported by ``scope_fixtures`` (the matrix loads that module only)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhijiao.core.testing_scope import object_url, scope_access, scope_fixture
from zhijiao.internships import services
from zhijiao.internships.models import EarlyTermination, LeaveRequest, Placement, PostChange


@scope_fixture(after=("internships.internships",))
def internships_batch(sw) -> None:
    placements = sw.made["placements"]
    today = timezone.localdate()
    # The matrix's student asks through the service; the other schools' rows are written directly.
    services.leave_request_submit(
        actor=sw["student"],
        placement=placements["a"],
        kind="sick",
        start_date=today,
        end_date=today,
        reason="病假",
    )
    for key, p in placements.items():
        if key != "a":
            LeaveRequest.objects.create(
                placement=p,
                kind="personal",
                start_date=today,
                end_date=today,
                reason="事假",
                requested_by=sw["province_admin"],
            )
        PostChange.objects.create(
            placement=p,
            from_post=p.post,
            to_post=p.post,
            effective_on=p.start_date + dt.timedelta(days=1),
            reason="岗位调整",
            decided_by=sw["province_admin"],
        )
        if key != "a":
            # Rows only (the placement stays active for the other apps' checks).
            EarlyTermination.objects.create(
                placement=p,
                reason="other",
                explanation="示例",
                ended_on=p.end_date,
                decided_by_party="school",
                recorded_by=sw["province_admin"],
            )


def _decides_or_withdraws(row, user) -> bool:
    """The ``internships.leave`` lifecycle's relationships: the student withdraws their own request,
    the current school mentor approves or refuses it (the school and authorities through the tree)."""
    placement = row.placement
    if placement.enrolment.student.user_id == user.pk:
        return True
    return placement.mentors.filter(kind="school", user_id=user.pk, is_current=True).exists()


scope_access(LeaveRequest, change=_decides_or_withdraws)

for _name in ("placement_changes", "post_change", "terminate", "handbook_pdf"):
    object_url(f"internships:{_name}", Placement)
