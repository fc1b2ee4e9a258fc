"""In-site messages (and their mails) of the work plan, and who receives them."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhijiao.accounts.choices import Role
from zhijiao.accounts.models import RoleAssignment
from zhijiao.orgs.models import Institution, Region

from .. import rules
from ..models import (
    Assignment,
    Notification,
    Plan,
)

logger = logging.getLogger(__name__)


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
