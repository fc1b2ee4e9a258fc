"""Writes of progress reports, their evidence and their answers (件件有着落，事事有回音)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core import files, notifications
from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create, model_update

from .. import rules
from ..choices import (
    AssignmentStatus,
    Decision,
    NotificationKind,
    ReportStatus,
)
from ..models import (
    Acknowledgement,
    Assignment,
    Evidence,
    ProgressReport,
    Task,
)
from .base import _clean_text, _is_province_admin, can_acknowledge
from .tasks import task_update_progress

# --- reports and acknowledgements ----------------------------------------------------------------


def evidence_limits() -> tuple[int, tuple[str, ...], int]:
    max_bytes = files.limit_bytes("WORKPLAN_EVIDENCE_MAX_BYTES")
    extensions = tuple(
        rules.setting(
            "EVIDENCE_EXTENSIONS", ("pdf", "jpg", "jpeg", "png", "docx", "xlsx", "pptx", "doc", "xls")
        )
    )
    max_files = int(rules.setting("EVIDENCE_MAX_FILES", 5))
    return max_bytes, extensions, max_files


def validate_evidence(upload) -> tuple[str, str]:
    """An evidence file through the platform's upload validator (``core.files``: type by content,
    size, pages, pixels, Office parts, virus scan); returns (extension, content type)."""
    max_bytes, extensions, _max_files = evidence_limits()
    accepted = files.validate_upload(
        upload,
        kinds=files.OFFICE_DOCUMENTS | {files.ZIP},
        max_bytes=max_bytes,
        field="files",
        extensions=extensions,
    )
    return accepted.extension, accepted.content_type


def validate_link(value: str) -> str:
    """A link to a record in this platform: a site path such as /institutions/12/, never an outside URL."""
    value = (value or "").strip()
    parts = urlsplit(value)
    if (
        not value.startswith("/")
        or value.startswith("//")
        or parts.scheme
        or parts.netloc
        or len(value) > 300
        or any(c.isspace() or c in "<>\"'\\" for c in value)
    ):
        raise ValidationError(
            {
                "links": _("%(link)s is not a path within this site (it must start with /).")
                % {"link": value[:80]}
            }
        )
    try:
        resolve(parts.path)
    except Resolver404:
        raise ValidationError(
            {"links": _("%(link)s does not lead to a page of this platform.") % {"link": value[:80]}}
        )
    return value


@transaction.atomic
def report_submit(
    *,
    actor,
    text: str,
    task: Task | None = None,
    assignment: Assignment | None = None,
    progress: Any = None,
    links: Sequence[str] = (),
    files: Sequence = (),
    today: datetime.date | None = None,
    submitted_at: datetime.datetime | None = None,
) -> ProgressReport:
    """Post a progress report on a task (owner, province) or an answer to an assignment (the node).

    A task report with a progress figure moves the task's progress (backwards only with the
    report as the reason). Every report waits for an acknowledgement (事事有回音).
    ``submitted_at`` records when a report received on paper or by phone reached the division
    (never in the future).
    """
    now = timezone.now()
    if submitted_at is not None and submitted_at > now:
        raise ValidationError({"submitted_at": _("A report cannot be submitted in the future.")})
    if (task is None) == (assignment is None):
        raise ValidationError(_("Report on a task or answer an assignment."))
    text = _clean_text(text)
    if not text:
        raise ValidationError({"text": _("Write what was done.")})
    if assignment is not None:
        ensure_in_scope(assignment, actor, "change")
        if assignment.status == AssignmentStatus.ACCEPTED:
            raise ValidationError(_("This assignment has been accepted and is closed."))
        if assignment.assignee_id and assignment.assignee_id != actor.pk and not _is_province_admin(actor):
            raise OutOfScope(_("This assignment was given to a colleague."))
        task = assignment.task
        scope_path = assignment.scope_path
    else:
        ensure_in_scope(task, actor, "change")
        scope_path = task.plan.region.path
    if progress in ("", None):
        progress_value = None
    else:
        try:
            progress_value = int(progress)
        except (TypeError, ValueError):
            raise ValidationError({"progress": _("Progress must be a whole number between 0 and 100.")})
        if not 0 <= progress_value <= 100:
            raise ValidationError({"progress": _("Progress must be between 0 and 100.")})
    clean_links = [validate_link(link) for link in links if (link or "").strip()]
    if len(clean_links) > 10:
        raise ValidationError({"links": _("Link at most 10 records.")})
    _max_bytes, _ext, max_files = evidence_limits()
    files = list(files)
    if len(files) > max_files:
        raise ValidationError({"files": _("Attach at most %(n)s files.") % {"n": max_files}})
    checked = [(f, *validate_evidence(f)) for f in files]

    report = model_create(
        actor=actor,
        instance=ProgressReport(
            task=task,
            assignment=assignment,
            author=actor,
            progress=progress_value,
            text=text,
            links=clean_links,
            scope_path=scope_path,
            submitted_at=submitted_at or now,
        ),
        event="report.submitted",
    )
    for upload, _ext_name, content_type in checked:
        model_create(
            actor=actor,
            instance=Evidence(
                report=report,
                file=upload,
                original_name=(upload.name or "")[:200],
                size=upload.size,
                content_type=content_type,
            ),
        )
    if assignment is not None:
        model_update(actor=actor, instance=assignment, data={"status": AssignmentStatus.SUBMITTED})
    elif progress_value is not None and progress_value != task.progress:
        task_update_progress(actor=actor, task=task, progress=progress_value, reason=text, today=today)
    owner = task.owner
    if owner is not None and owner.pk != actor.pk:
        notifications.notify(
            owner,
            NotificationKind.REPORT,
            _("%(who)s reported on %(task)s") % {"who": actor, "task": task},
            link=task.get_absolute_url(),
        )
    return report


def report_acknowledge(
    *,
    actor,
    report: ProgressReport,
    decision: str,
    reason: str = "",
    answered_at: datetime.datetime | None = None,
) -> Acknowledgement:
    """件件有着落，事事有回音 (key point 20, rule 2): the owner accepts a report or returns it with a
    reason — the transitions ``accept`` / ``return`` of the lifecycle ``workplan.report``."""
    from zhijiao.core.lifecycle import fire

    report = ProgressReport.objects.select_related("task__plan").get(pk=report.pk)
    if not may_answer_report(report, actor):
        raise OutOfScope(_("Only the task owner or the division head answers this report."))
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Accept the report or return it.")})
    out: dict[str, Any] = {}
    fire(
        "workplan.report",
        report,
        "accept" if decision == Decision.ACCEPTED else "return",
        actor=actor,
        reason=reason,
        answered_at=answered_at,
        out=out,
    )
    return out["acknowledgement"]


def may_answer_report(report: ProgressReport, actor) -> bool:
    """Relationship: the task's owner, the division head or a province admin (``can_acknowledge``)."""
    return can_acknowledge(actor, report.task)


def report_not_answered(report: ProgressReport, ctx: dict):
    """Guard: a report is answered once."""
    if Acknowledgement.objects.filter(report=report).exists():
        return _("This report has already been answered.")
    return None


def answer_not_before_report(report: ProgressReport, ctx: dict):
    """Guard: an answer recorded after the fact is not dated before the report."""
    answered_at = ctx.get("answered_at")
    if answered_at is not None and answered_at < report.submitted_at:
        return _("A report cannot be answered before it was submitted.")
    return None


def report_answered(report: ProgressReport, actor, ctx: dict) -> None:
    """Effect of accepting or returning a report: the acknowledgement, the assignment's state and
    a message to the author."""
    task = report.task
    decision = Decision.ACCEPTED if report.status == ReportStatus.ACCEPTED else Decision.RETURNED
    reason = ctx.get("reason", "")
    ack = model_create(
        actor=actor,
        instance=Acknowledgement(
            report=report,
            decision=decision,
            reason=reason,
            by=actor,
            answered_at=ctx.get("answered_at") or timezone.now(),
        ),
    )
    ctx["out"]["acknowledgement"] = ack
    if report.assignment_id:
        assignment_status = (
            AssignmentStatus.ACCEPTED if decision == Decision.ACCEPTED else AssignmentStatus.RETURNED
        )
        model_update(actor=actor, instance=report.assignment, data={"status": assignment_status})
        link = report.assignment.get_absolute_url()
    else:
        link = task.get_absolute_url()
    if report.author_id != actor.pk:
        if decision == Decision.ACCEPTED:
            text = _("Your report on %(task)s was accepted.") % {"task": task}
        else:
            text = _("Your report on %(task)s was returned: %(reason)s") % {"task": task, "reason": reason}
        notifications.notify(report.author, NotificationKind.ACKNOWLEDGEMENT, text, link=link)
