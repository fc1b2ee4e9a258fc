"""Writes for the work plan. Only these functions change the workplan tables.

Each is keyword-only with an explicit ``actor``, runs in one transaction, validates with
``full_clean`` and records an audit entry (through ``core.services``); mails go out on commit.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.accounts.choices import Role
from zhijiao.accounts.models import RoleAssignment
from zhijiao.core.audit import AuditAction, audit_record
from zhijiao.core.scoping import is_in_scope, restrict, user_scope
from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create, model_update
from zhijiao.core.validators import normalize_text
from zhijiao.orgs.models import Institution, Region

from . import rules
from .choices import (
    CLOSED_STATUSES,
    AssignmentStatus,
    Decision,
    NotificationKind,
    ReportStatus,
    TaskStatus,
)
from .models import (
    Acknowledgement,
    Assignment,
    Dependency,
    Evidence,
    Forum,
    Milestone,
    Notification,
    Plan,
    ProgressReport,
    Target,
    Task,
)

logger = logging.getLogger(__name__)

# --- helpers -------------------------------------------------------------------------------------


def _clean_text(value: str | None) -> str:
    return normalize_text(value or "").strip() if value else ""


def _is_province_admin(user) -> bool:
    scope = user_scope(user)
    return scope.is_superuser or any(
        g.role == Role.PROVINCE_ADMIN and g.region_path and g.region_path.count("/") == 1
        for g in scope.grants
    )


def can_acknowledge(user, task: Task) -> bool:
    """The task's owner answers its reports; the division head and province admins may too."""
    if user is None or not user.is_authenticated:
        return False
    if not is_in_scope(task, user, "change"):
        return False
    return user.pk in (task.owner_id, task.plan.head_id) or _is_province_admin(user)


# --- notifications -------------------------------------------------------------------------------


def _email_enabled() -> bool:
    backend = getattr(settings, "EMAIL_BACKEND", "")
    return bool(rules.setting("EMAIL_NOTIFICATIONS", True)) and "dummy" not in backend


def notify(
    *, user, kind: str, text: str, link: str = "", dedupe_key: str = "", now: datetime.datetime | None = None
) -> Notification | None:
    """Put one message in a user's inbox (and mail it when mail is configured).

    With a ``dedupe_key`` the same message is written at most once (reminders are idempotent);
    returns None when it already exists.
    """
    if user is None or not user.is_active:
        return None
    if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
        return None
    mail = bool(user.email) and _email_enabled()
    note = Notification(
        user=user,
        kind=kind,
        text=text[:500],
        link=link[:300],
        dedupe_key=dedupe_key[:200],
        emailed_at=(now or timezone.now()) if mail else None,
    )
    note.full_clean()
    try:
        with transaction.atomic():
            note.save()
    except IntegrityError:  # a concurrent run wrote the same key first
        return None
    if mail:
        address, subject = user.email, text[:120]
        body = text + (f"\n\n{link}" if link else "")

        def _send():
            try:
                send_mail(subject, body, None, [address], fail_silently=False)
            except Exception:  # mail trouble must not lose the in-app message
                logger.exception("workplan notification mail to user %s failed", user.pk)

        transaction.on_commit(_send)
    return note


@transaction.atomic
def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own messages read (all unread ones when ``ids`` is None)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def _node_users(*, region: Region | None = None, institution: Institution | None = None) -> list:
    """The people who answer for a node: its city or school administrators."""
    qs = RoleAssignment.objects.select_related("user").filter(user__is_active=True)
    if region is not None:
        qs = qs.filter(region=region, role=Role.CITY_ADMIN)
    elif institution is not None:
        qs = qs.filter(institution=institution, role=Role.SCHOOL_ADMIN)
    else:
        return []
    seen, users = set(), []
    for ra in qs.order_by("user_id"):
        if ra.user_id not in seen:
            seen.add(ra.user_id)
            users.append(ra.user)
    return users


def assignment_recipients(assignment: Assignment) -> list:
    if assignment.assignee_id:
        return [assignment.assignee]
    return _node_users(region=assignment.region, institution=assignment.institution)


def division_heads(plan: Plan) -> list:
    """Who receives escalations: the plan's division head, else the province administrators."""
    if plan.head_id and plan.head.is_active:
        return [plan.head]
    qs = RoleAssignment.objects.select_related("user").filter(
        role=Role.PROVINCE_ADMIN, region=plan.region, user__is_active=True
    )
    return list({ra.user_id: ra.user for ra in qs}.values())


# --- tasks ---------------------------------------------------------------------------------------

TASK_EDIT_FIELDS = (
    "theme",
    "lead_unit",
    "co_units",
    "owner",
    "status",
    "start_date",
    "due_date",
    "plan_a",
    "plan_b",
    "chosen_alternative",
)


def _check_alternative(chosen: str, a: str, b: str) -> None:
    """ "多个方案"思维，一项工作，要有多个方案 (key point 20, rule 4): the chosen plan must exist."""
    if chosen == "A" and not a.strip():
        raise ValidationError({"chosen_alternative": _("Plan A cannot be chosen when it is not described.")})
    if chosen == "B" and not b.strip():
        raise ValidationError({"chosen_alternative": _("Plan B cannot be chosen when it is not described.")})


def _check_in_plan_year(value: datetime.date | None, plan: Plan, field: str) -> None:
    if value is not None and not rules.milestone_within_plan_year(value, plan.year):
        raise ValidationError(
            {field: _("The date must lie within the plan year %(year)s.") % {"year": plan.year}}
        )


@transaction.atomic
def task_update(*, actor, task: Task, data: dict[str, Any]) -> Task:
    """Edit a task's owner, theme, status, dates and plan A/B (not its progress: see below)."""
    ensure_in_scope(task, actor, "change")
    cleaned = {k: v for k, v in data.items() if k in TASK_EDIT_FIELDS}
    for key in ("plan_a", "plan_b"):
        if key in cleaned:
            cleaned[key] = _clean_text(cleaned[key])
    if cleaned.get("theme") is not None and cleaned["theme"].plan_id != task.plan_id:
        raise ValidationError({"theme": _("The theme belongs to another plan.")})
    _check_alternative(
        cleaned.get("chosen_alternative", task.chosen_alternative) or "",
        cleaned.get("plan_a", task.plan_a),
        cleaned.get("plan_b", task.plan_b),
    )
    _check_in_plan_year(cleaned.get("due_date"), task.plan, "due_date")
    if "lead_unit" in cleaned:
        cleaned["lead_unit"] = _clean_text(cleaned["lead_unit"] or "")
    if "co_units" in cleaned:
        cleaned["co_units"] = _unit_list(cleaned["co_units"])
    if cleaned.get("status") == TaskStatus.COMPLETED and task.status != TaskStatus.COMPLETED:
        cleaned["completed_on"] = rules.local_today()
        cleaned["progress"] = 100
    # A demo example value (示例) that someone replaces is the division's own from then on.
    replaced = {f for f in task.example_fields or [] if f in cleaned and cleaned[f] != getattr(task, f)}
    if replaced:
        cleaned["example_fields"] = [f for f in task.example_fields if f not in replaced]
    instance, _changed = model_update(actor=actor, instance=task, data=cleaned)
    return instance


def _unit_list(value: Any) -> list[str]:
    """Co-operating units from a list or from text separated by 、，, ; or new lines; no duplicates."""
    if isinstance(value, str):
        value = re.split(r"[、，,；;\n]+", value)
    units: list[str] = []
    for unit in value or []:
        unit = _clean_text(str(unit))
        if unit and unit not in units:
            units.append(unit[:100])
    return units


@transaction.atomic
def task_update_progress(
    *, actor, task: Task, progress: Any, reason: str = "", today: datetime.date | None = None
) -> Task:
    """Set a task's progress (0–100). Going backwards needs a reason, which the audit keeps.

    干字当头，没有任何借口 (key point 20, rule 5): progress is not quietly lowered.
    """
    ensure_in_scope(task, actor, "change")
    try:
        value = int(progress)
        if str(progress).strip() not in (str(value), f"{value}.0"):
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"progress": _("Progress must be a whole number between 0 and 100.")})
    if not 0 <= value <= 100:
        raise ValidationError({"progress": _("Progress must be between 0 and 100.")})
    reason = _clean_text(reason)
    if value < task.progress and not reason:
        raise ValidationError(
            {
                "reason": _("Progress goes back from %(old)s%% to %(new)s%%: give a reason.")
                % {"old": task.progress, "new": value}
            }
        )
    data: dict[str, Any] = {"progress": value}
    if value == 100 and task.status not in CLOSED_STATUSES:
        data["status"] = TaskStatus.COMPLETED
        data["completed_on"] = today or rules.local_today()
    elif value < 100 and task.status == TaskStatus.COMPLETED:
        data["status"] = TaskStatus.IN_PROGRESS
        data["completed_on"] = None
    elif value > 0 and task.status == TaskStatus.NOT_STARTED:
        data["status"] = TaskStatus.IN_PROGRESS
    instance, _changed = model_update(actor=actor, instance=task, data=data, message=reason)
    return instance


# --- milestones, targets, dependencies -----------------------------------------------------------


@transaction.atomic
def milestone_create(
    *,
    actor,
    task: Task,
    title: str,
    due_date: datetime.date,
    alternative_a: str = "",
    alternative_b: str = "",
    chosen_alternative: str = "",
) -> Milestone:
    """A dated step of a task, with optional plan A / plan B (多个方案, key point 20, rule 4).

    A milestone after the plan year is refused: it belongs to the next year's plan.
    """
    ensure_in_scope(task, actor, "change")
    if due_date is None:
        raise ValidationError({"due_date": _("Give the milestone a due date.")})
    _check_in_plan_year(due_date, task.plan, "due_date")
    alternative_a, alternative_b = _clean_text(alternative_a), _clean_text(alternative_b)
    _check_alternative(chosen_alternative or "", alternative_a, alternative_b)
    return model_create(
        actor=actor,
        instance=Milestone(
            task=task,
            title=_clean_text(title),
            due_date=due_date,
            alternative_a=alternative_a,
            alternative_b=alternative_b,
            chosen_alternative=chosen_alternative or "",
        ),
    )


@transaction.atomic
def milestone_update(*, actor, milestone: Milestone, data: dict[str, Any]) -> Milestone:
    ensure_in_scope(milestone, actor, "change")
    fields = ("title", "due_date", "alternative_a", "alternative_b", "chosen_alternative", "done_on")
    cleaned = {k: v for k, v in data.items() if k in fields}
    for key in ("title", "alternative_a", "alternative_b"):
        if key in cleaned:
            cleaned[key] = _clean_text(cleaned[key])
    _check_in_plan_year(cleaned.get("due_date"), milestone.task.plan, "due_date")
    _check_alternative(
        cleaned.get("chosen_alternative", milestone.chosen_alternative) or "",
        cleaned.get("alternative_a", milestone.alternative_a),
        cleaned.get("alternative_b", milestone.alternative_b),
    )
    instance, _changed = model_update(actor=actor, instance=milestone, data=cleaned)
    return instance


@transaction.atomic
def target_update_actual(*, actor, target: Target, actual: Any) -> Target:
    ensure_in_scope(target, actor, "change")
    try:
        value = int(actual)
    except (TypeError, ValueError):
        raise ValidationError({"actual": _("The actual count must be a whole number.")})
    if value < 0:
        raise ValidationError({"actual": _("The actual count cannot be negative.")})
    instance, _changed = model_update(actor=actor, instance=target, data={"actual": value})
    return instance


def would_create_cycle(task: Task, depends_on: Task) -> bool:
    """True when ``depends_on`` already (transitively) depends on ``task``."""
    edges: dict[int, list[int]] = {}
    for a, b in Dependency.objects.filter(task__plan_id=task.plan_id).values_list("task_id", "depends_on_id"):
        edges.setdefault(a, []).append(b)
    stack, seen = [depends_on.pk], set()
    while stack:
        node = stack.pop()
        if node == task.pk:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges.get(node, []))
    return False


@transaction.atomic
def dependency_add(*, actor, task: Task, depends_on: Task) -> Dependency:
    """``task`` waits for ``depends_on``; circular dependencies are refused."""
    ensure_in_scope(task, actor, "change")
    ensure_in_scope(depends_on, actor, "change")
    if task.plan_id != depends_on.plan_id:
        raise ValidationError({"depends_on": _("Both tasks must belong to the same plan.")})
    if task.pk == depends_on.pk:
        raise ValidationError({"depends_on": _("A task cannot depend on itself.")})
    # Lock the plan's dependency rows so two concurrent additions cannot close a cycle together.
    list(
        Dependency.objects.select_for_update(of=("self",))
        .filter(task__plan_id=task.plan_id)
        .values_list("pk")
    )
    if would_create_cycle(task, depends_on):
        raise ValidationError(
            {
                "depends_on": _("%(a)s already depends on %(b)s: this would make a circular dependency.")
                % {"a": depends_on.label, "b": task.label}
            }
        )
    if Dependency.objects.filter(task=task, depends_on=depends_on).exists():
        raise ValidationError({"depends_on": _("This dependency already exists.")})
    return model_create(actor=actor, instance=Dependency(task=task, depends_on=depends_on))


# --- assignments ---------------------------------------------------------------------------------


def _node_in_scope(actor, *, region: Region | None, institution: Institution | None, strict: bool) -> bool:
    """The node lies inside what the actor manages (strictly below the actor's own node for
    a sub-assignment, so a city cannot hand its own assignment back to itself)."""
    if region is not None:
        qs = restrict(Region.objects.filter(pk=region.pk), actor, "change")
        if strict:
            qs = qs.exclude(path__in=user_scope(actor).region_paths)
        return qs.exists()
    if institution is not None:
        qs = restrict(Institution.objects.filter(pk=institution.pk), actor, "change")
        if strict:
            qs = qs.exclude(pk__in=user_scope(actor).institution_ids)
        return qs.exists()
    return False


@transaction.atomic
def assignment_create(
    *,
    actor,
    task: Task,
    title: str,
    due_date: datetime.date,
    instructions: str = "",
    assignee=None,
    region: Region | None = None,
    institution: Institution | None = None,
    parent: Assignment | None = None,
) -> Assignment:
    """Give part of a task to a colleague, a city bureau or a school (对事负责, key point 20, rule 2).

    The province gives sub-tasks on its own tasks; a city may pass its assignment on to schools
    and counties under it. A node outside the assigner's scope is refused.
    """
    targets = [x for x in (assignee, region, institution) if x is not None]
    if len(targets) != 1:
        raise ValidationError(_("Give the assignment to exactly one colleague, region or institution."))
    if parent is not None:
        if parent.task_id != task.pk:
            raise ValidationError(_("The parent assignment belongs to another task."))
        ensure_in_scope(parent, actor, "change")
        if assignee is not None:
            raise ValidationError(_("A passed-on assignment goes to a region or an institution."))
        strict = True
    else:
        ensure_in_scope(task, actor, "change")
        strict = False
    if assignee is not None:
        if not is_in_scope(task, assignee, "change"):
            raise OutOfScope(_("The colleague cannot work on this task."))
        scope_path = task.plan.region.path
    else:
        if not _node_in_scope(actor, region=region, institution=institution, strict=strict):
            raise OutOfScope(_("The region or institution is outside your organisation."))
        scope_path = region.path if region is not None else institution.region.path
    _check_in_plan_year(due_date, task.plan, "due_date")
    if parent is not None and due_date and due_date > parent.due_date:
        raise ValidationError({"due_date": _("A passed-on assignment must be due by the parent's due date.")})
    assignment = model_create(
        actor=actor,
        instance=Assignment(
            task=task,
            parent=parent,
            title=_clean_text(title),
            instructions=_clean_text(instructions),
            assigned_by=actor,
            assignee=assignee,
            region=region,
            institution=institution,
            due_date=due_date,
            scope_path=scope_path,
        ),
        check_scope=False,
    )
    for user in assignment_recipients(assignment):
        notify(
            user=user,
            kind=NotificationKind.ASSIGNMENT,
            text=_("New assignment: %(title)s (due %(due)s)") % {"title": assignment.title, "due": due_date},
            link=assignment.get_absolute_url(),
        )
    return assignment


# --- reports and acknowledgements ----------------------------------------------------------------

_SIGNATURES = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "zip": (b"PK\x03\x04",),
}
_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "zip": "application/zip",
}


def evidence_limits() -> tuple[int, tuple[str, ...], int]:
    max_bytes = int(rules.setting("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))
    extensions = tuple(
        rules.setting(
            "EVIDENCE_EXTENSIONS", ("pdf", "jpg", "jpeg", "png", "docx", "xlsx", "pptx", "doc", "xls")
        )
    )
    max_files = int(rules.setting("EVIDENCE_MAX_FILES", 5))
    return max_bytes, extensions, max_files


def validate_evidence(upload) -> tuple[str, str]:
    """Check an uploaded file's size, extension and leading bytes; returns (extension, content type)."""
    max_bytes, extensions, _max_files = evidence_limits()
    name = getattr(upload, "name", "") or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in extensions:
        raise ValidationError(
            {
                "files": _("%(name)s: only these file types are accepted: %(types)s.")
                % {"name": name, "types": ", ".join(extensions)}
            }
        )
    size = getattr(upload, "size", None) or 0
    if size > max_bytes:
        raise ValidationError(
            {
                "files": _("%(name)s is %(size)s MB; a file may be at most %(max)s MB.")
                % {"name": name, "size": round(size / 1048576, 1), "max": round(max_bytes / 1048576, 1)}
            }
        )
    if size == 0:
        raise ValidationError({"files": _("%(name)s is empty.") % {"name": name}})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in _SIGNATURES.get(ext, (b"",))):
        raise ValidationError(
            {"files": _("%(name)s is not really a .%(ext)s file.") % {"name": name, "ext": ext}}
        )
    from zhijiao.core.uploads import check_content

    try:  # page counts, pixel bombs, Office parts, damaged files (core.uploads)
        check_content(upload, name=name, max_bytes=max_bytes)
    except ValidationError as exc:
        raise ValidationError({"files": f"{name}: {' '.join(exc.messages)}"}) from None
    return ext, _CONTENT_TYPES.get(ext, "application/octet-stream")


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
        check_scope=False,
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
            check_scope=False,
        )
    if assignment is not None:
        model_update(
            actor=actor, instance=assignment, data={"status": AssignmentStatus.SUBMITTED}, check_scope=False
        )
    elif progress_value is not None and progress_value != task.progress:
        task_update_progress(actor=actor, task=task, progress=progress_value, reason=text, today=today)
    owner = task.owner
    if owner is not None and owner.pk != actor.pk:
        notify(
            user=owner,
            kind=NotificationKind.REPORT,
            text=_("%(who)s reported on %(task)s") % {"who": actor, "task": task},
            link=task.get_absolute_url(),
        )
    return report


@transaction.atomic
def report_acknowledge(
    *,
    actor,
    report: ProgressReport,
    decision: str,
    reason: str = "",
    answered_at: datetime.datetime | None = None,
) -> Acknowledgement:
    """件件有着落，事事有回音 (key point 20, rule 2): the owner accepts a report or returns it with a reason."""
    report = (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("task__plan", "assignment")
        .get(pk=report.pk)
    )
    task = report.task
    if not can_acknowledge(actor, task):
        raise OutOfScope(_("Only the task owner or the division head answers this report."))
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Accept the report or return it.")})
    reason = _clean_text(reason)
    if decision == Decision.RETURNED and not reason:
        raise ValidationError({"reason": _("Say why the report is returned.")})
    if Acknowledgement.objects.filter(report=report).exists():
        raise ValidationError(_("This report has already been answered."))
    if answered_at is not None and answered_at < report.submitted_at:
        raise ValidationError({"answered_at": _("A report cannot be answered before it was submitted.")})
    ack = model_create(
        actor=actor,
        instance=Acknowledgement(
            report=report,
            decision=decision,
            reason=reason,
            by=actor,
            answered_at=answered_at or timezone.now(),
        ),
        check_scope=False,
    )
    new_status = ReportStatus.ACCEPTED if decision == Decision.ACCEPTED else ReportStatus.RETURNED
    model_update(actor=actor, instance=report, data={"status": new_status}, check_scope=False)
    if report.assignment_id:
        assignment_status = (
            AssignmentStatus.ACCEPTED if decision == Decision.ACCEPTED else AssignmentStatus.RETURNED
        )
        model_update(
            actor=actor, instance=report.assignment, data={"status": assignment_status}, check_scope=False
        )
        link = report.assignment.get_absolute_url()
    else:
        link = task.get_absolute_url()
    if report.author_id != actor.pk:
        if decision == Decision.ACCEPTED:
            text = _("Your report on %(task)s was accepted.") % {"task": task}
        else:
            text = _("Your report on %(task)s was returned: %(reason)s") % {"task": task, "reason": reason}
        notify(user=report.author, kind=NotificationKind.ACKNOWLEDGEMENT, text=text, link=link)
    return ack


# --- forums --------------------------------------------------------------------------------------


@transaction.atomic
def forum_create(
    *,
    actor,
    plan: Plan,
    theme: str,
    date: datetime.date,
    host: Institution | None = None,
    title: str = "",
    venue: str = "",
    outcome_cases: str = "",
    task: Task | None = None,
) -> Forum:
    """月月有论坛、全年不断线 (key point 3): a forum on one of the plan's themes, within the year."""
    ensure_in_scope(plan, actor, "change")
    theme = _clean_text(theme)
    if plan.forum_themes and theme not in plan.forum_themes:
        raise ValidationError({"theme": _("Choose one of the plan's forum themes.")})
    _check_in_plan_year(date, plan, "date")
    if task is not None and task.plan_id != plan.pk:
        raise ValidationError({"task": _("The task belongs to another plan.")})
    return model_create(
        actor=actor,
        instance=Forum(
            plan=plan,
            task=task,
            theme=theme,
            title=_clean_text(title),
            host=host,
            date=date,
            venue=_clean_text(venue),
            outcome_cases=_clean_text(outcome_cases),
        ),
    )


@transaction.atomic
def forum_update(*, actor, forum: Forum, data: dict[str, Any]) -> Forum:
    ensure_in_scope(forum, actor, "change")
    fields = ("theme", "title", "host", "date", "venue", "outcome_cases")
    cleaned = {k: (_clean_text(v) if isinstance(v, str) else v) for k, v in data.items() if k in fields}
    if "theme" in cleaned and forum.plan.forum_themes and cleaned["theme"] not in forum.plan.forum_themes:
        raise ValidationError({"theme": _("Choose one of the plan's forum themes.")})
    _check_in_plan_year(cleaned.get("date"), forum.plan, "date")
    instance, _changed = model_update(actor=actor, instance=forum, data=cleaned)
    return instance


# --- reminders and escalation --------------------------------------------------------------------


def _due_message(kind: str, what: str, due: datetime.date, days: int) -> str:
    if kind == NotificationKind.REMINDER:
        return _("%(what)s is due in %(days)s days (%(due)s).") % {"what": what, "days": days, "due": due}
    if kind == NotificationKind.DUE_TODAY:
        return _("%(what)s is due today (%(due)s).") % {"what": what, "due": due}
    return _("%(what)s is %(days)s days overdue (due %(due)s).") % {"what": what, "days": -days, "due": due}


def _due_kind(days_left: int) -> str | None:
    if days_left in rules.reminder_offsets():
        return NotificationKind.REMINDER
    if days_left == 0:
        return NotificationKind.DUE_TODAY
    if days_left < 0 and rules.overdue_reminder_due(-days_left):
        return NotificationKind.OVERDUE
    return None


@transaction.atomic
def reminders_send(*, actor=None, today: datetime.date | None = None) -> dict[str, int]:
    """给每项工作立下"倒计时牌" (key point 20, rule 6) — remind before, on and after each due date.

    - tasks and milestones: the task owner, ``WORKPLAN_REMINDER_DAYS`` days before (default 7, 1),
      on the due day, and when overdue (first day, then every ``WORKPLAN_OVERDUE_REPEAT_DAYS``);
    - overdue tasks escalate to the division head (``rules.escalation_due``);
    - open assignments: the colleague or the node's administrators; overdue ones also the assigner;
    - 事事有回音: owners with submissions unanswered beyond the limit get a daily count.
    Idempotent per day: every message carries a key with the date and is written once.
    """
    today = today or rules.local_today()
    counts = {"reminders": 0, "escalations": 0, "assignments": 0, "unanswered": 0}
    day = today.isoformat()

    def send(user, kind, text, link, key) -> bool:
        return notify(user=user, kind=kind, text=text, link=link, dedupe_key=f"{key}:{day}") is not None

    tasks = (
        Task.objects.select_related("owner", "plan", "plan__head", "plan__region")
        .exclude(status__in=CLOSED_STATUSES)
        .filter(due_date__isnull=False)
    )
    for task in tasks:
        days_left = (task.due_date - today).days
        kind = _due_kind(days_left)
        if kind and task.owner_id:
            if send(
                task.owner,
                kind,
                _due_message(kind, str(task), task.due_date, days_left),
                task.get_absolute_url(),
                f"task:{task.pk}:{kind}",
            ):
                counts["reminders"] += 1
        if days_left < 0 and rules.escalation_due(-days_left):
            text = _("Escalated: %(task)s (owner %(owner)s) is %(days)s days overdue, at %(progress)s%%.") % {
                "task": task,
                "owner": task.owner or "—",
                "days": -days_left,
                "progress": task.progress,
            }
            for head in division_heads(task.plan):
                if send(
                    head, NotificationKind.ESCALATION, text, task.get_absolute_url(), f"escalate:{task.pk}"
                ):
                    counts["escalations"] += 1

    milestones = (
        Milestone.objects.select_related("task__owner")
        .filter(done_on__isnull=True)
        .exclude(task__status__in=CLOSED_STATUSES)
        .filter(
            due_date__gte=today - datetime.timedelta(days=366),
            due_date__lte=today + datetime.timedelta(days=max(rules.reminder_offsets() or (0,))),
        )
    )
    for ms in milestones:
        days_left = (ms.due_date - today).days
        kind = _due_kind(days_left)
        if kind and ms.task.owner_id:
            what = _("Milestone “%(title)s” of %(task)s") % {"title": ms.title, "task": ms.task.label}
            if send(
                ms.task.owner,
                kind,
                _due_message(kind, what, ms.due_date, days_left),
                ms.task.get_absolute_url(),
                f"milestone:{ms.pk}:{kind}",
            ):
                counts["reminders"] += 1

    assignments = Assignment.objects.select_related(
        "task", "assignee", "assigned_by", "region", "institution"
    ).filter(status__in=[AssignmentStatus.OPEN, AssignmentStatus.RETURNED])
    for asg in assignments:
        days_left = (asg.due_date - today).days
        kind = _due_kind(days_left)
        if kind is None:
            continue
        text = _due_message(kind, _("Assignment “%(title)s”") % {"title": asg.title}, asg.due_date, days_left)
        for user in assignment_recipients(asg):
            if send(user, kind, text, asg.get_absolute_url(), f"assignment:{asg.pk}:{kind}"):
                counts["assignments"] += 1
        if kind == NotificationKind.OVERDUE and asg.assigned_by_id:
            note = _("%(node)s has not answered “%(title)s”, %(days)s days overdue.") % {
                "node": asg.assignee_label,
                "title": asg.title,
                "days": -days_left,
            }
            if send(
                asg.assigned_by,
                NotificationKind.ESCALATION,
                note,
                asg.get_absolute_url(),
                f"assignment-escalate:{asg.pk}",
            ):
                counts["escalations"] += 1

    from .selectors import unanswered_counts  # selectors import services' models only

    for row in unanswered_counts(today=today):
        owner = row["owner"]
        text = _(
            "%(n)s submissions on your tasks have waited more than %(days)s working days for an answer."
        ) % {
            "n": row["n"],
            "days": rules.setting("ANSWER_WITHIN_WORKING_DAYS", 3),
        }
        from django.urls import reverse

        if send(
            owner,
            NotificationKind.UNANSWERED,
            text,
            reverse("workplan:board") + "?unanswered=1",
            "unanswered",
        ):
            counts["unanswered"] += 1

    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="workplan.reminders",
        object_id=day,
        object_repr=_("Work plan reminders %(day)s") % {"day": day},
        message=", ".join(f"{k}={v}" for k, v in counts.items()),
    )
    return counts
