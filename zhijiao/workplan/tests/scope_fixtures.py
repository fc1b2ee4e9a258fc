"""Scope-matrix rows for the work plan: a small plan of the province division with assignments to the
济南 bureau and to school B, their answers (with evidence) and an acknowledgement."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from zhijiao.core.testing import blank_pdf
from zhijiao.core.testing_scope import object_url, scope_fixture, single_owner
from zhijiao.workplan import services
from zhijiao.workplan.models import (
    Assignment,
    Dependency,
    Evidence,
    Forum,
    Milestone,
    Plan,
    ProgressReport,
    Target,
    Task,
    Theme,
)

PROVINCE_ONLY = (
    "the work plan (工作要点) is the provincial division's own; cities and schools see assignments"
)


@scope_fixture()
def workplan(sw) -> None:
    admin = sw["province_admin"]
    plan = Plan.objects.create(year=2021, title="2021年全省职业教育工作要点", region=sw.province, head=admin)
    theme = Theme.objects.create(plan=plan, code="quality", name="提质培优")
    tasks = [
        Task.objects.create(
            plan=plan,
            theme=theme,
            kind="key_point",
            number=n,
            title=f"要点{n}",
            text="推进职业教育提质培优。",
            owner=sw["province_staff"],
            start_date=datetime.date(2021, 3, 1),
            due_date=datetime.date(2021, 12, 31),
        )
        for n in (1, 2)
    ]
    Milestone.objects.create(task=tasks[0], title="出台方案", due_date=datetime.date(2021, 6, 30))
    Target.objects.create(task=tasks[0], label="教学创新团队", quantity=100, unit="个")
    Dependency.objects.create(task=tasks[1], depends_on=tasks[0])
    Forum.objects.create(plan=plan, theme="产教融合", date=datetime.date(2021, 5, 20), host=sw.school_a)
    city = services.assignment_create(
        actor=admin, task=tasks[0], title="济南市落实", due_date=datetime.date(2021, 11, 30), region=sw.jinan
    )
    school = services.assignment_create(
        actor=admin,
        task=tasks[0],
        title="学校B落实",
        due_date=datetime.date(2021, 11, 30),
        institution=sw.school_b,
    )
    for assignment, who in ((city, "jinan"), (school, "school_b")):
        report = services.report_submit(
            actor=sw[who],
            assignment=assignment,
            text=f"{assignment.title}进展。",
            files=[SimpleUploadedFile(f"{who}.pdf", blank_pdf(), content_type="application/pdf")],
            today=datetime.date(2021, 10, 1),
        )
        services.report_acknowledge(actor=admin, report=report, decision="accepted")


for _model in (Plan, Theme, Task, Milestone, Target, Dependency, Forum):
    single_owner(_model, PROVINCE_ONLY)

object_url("workplan:plan_copy", Plan)
for _name in (
    "task_detail",
    "task_edit",
    "task_progress",
    "milestone_add",
    "report_add",
    "assignment_add",
    "dependency_add",
):
    object_url(f"workplan:{_name}", Task)
object_url("workplan:milestone_update", Milestone)
object_url("workplan:target_actual", Target)
object_url("workplan:target_indicator", Target)
object_url("workplan:evidence_download", Evidence)
for _name in ("assignment_detail", "assignment_answer", "assignment_pass_on"):
    object_url(f"workplan:{_name}", Assignment)
object_url("workplan:report_acknowledge", ProgressReport)
