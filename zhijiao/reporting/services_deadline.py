"""The entry window of a period and what happens at its deadline.

A school enters values from the period's ``opens_on`` (if set) up to and including its
``deadline`` (a Beijing date). After the deadline a form that was not submitted is closed and an
approved one is locked — by ``close_overdue``, run each night by the beat task
``reporting.close_overdue`` as the system actor ``reporting-deadline``; until it runs, saving is
refused all the same. Only the province re-opens one school's form (the ``reopen`` transition,
with a reason, audited); a re-opened form is open whatever the date.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.actors import system_actor
from zhijiao.core.lifecycle import fire

from .choices import SubmissionStatus as S
from .models import Submission

KEY = "reporting.submission"


def entry_window_problem(submission, today: datetime.date | None = None) -> str | None:
    """Why values cannot be entered today (a Chinese sentence), or None."""
    if submission.status == S.REOPENED:
        return None
    today = today or timezone.localdate()
    period = submission.period
    if period.opens_on and today < period.opens_on:
        return _("Entry for this period opens on %(date)s.") % {"date": period.opens_on.isoformat()}
    if today > period.deadline:
        return _(
            "The deadline (%(date)s) has passed and entry is closed; the province may re-open the form "
            "for your organisation."
        ) % {"date": period.deadline.isoformat()}
    return None


def close_overdue(*, today: datetime.date | None = None) -> dict[str, int]:
    """Close the unsubmitted forms and lock the approved ones of every period whose deadline has
    passed. Each form is its own transaction; safe to run twice. Returns the counts."""
    today = today or timezone.localdate()
    actor = system_actor("reporting-deadline")
    overdue = Submission.objects.filter(period__deadline__lt=today)
    counts = {"closed": 0, "locked": 0}
    for transition, states, counter in (
        ("close", [S.DRAFT, S.RETURNED], "closed"),
        ("lock", [S.APPROVED], "locked"),
    ):
        for submission in overdue.filter(status__in=states).order_by("pk"):
            with transaction.atomic():
                fire(KEY, submission, transition, actor=actor)
            counts[counter] += 1
    return counts


# Parameters, not regulations: the days before a deadline a school that has not submitted is
# reminded, and the days after it on which its city is told which of its schools have not reported.
REMINDER_DAYS = (7, 3, 1)
ESCALATION_DAYS = (1, 7)


def _not_submitted(period, schools) -> list:
    done = set(
        Submission.objects.filter(period=period, institution__in=schools)
        .exclude(status__in=[S.DRAFT, S.RETURNED, S.REOPENED, S.CLOSED])
        .values_list("institution_id", flat=True)
    )
    return [school for school in schools if school.pk not in done]


def reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Remind each school that has not submitted a form ``REMINDER_DAYS`` before its deadline (its
    school administrators), and tell each city ``ESCALATION_DAYS`` after the deadline which of its
    schools have not (its city administrators) — and the province which cities have missing or
    late returns (``province_summary``; its administrators and staff). Idempotent: every message
    has a dated key."""
    from django.urls import reverse

    from zhijiao.accounts.choices import Role
    from zhijiao.accounts.models import RoleAssignment
    from zhijiao.core import notifications
    from zhijiao.core.scoping import restrict
    from zhijiao.orgs.models import Institution

    from .choices import NotificationKind
    from .models import Period
    from .reporters import institution_q

    today = today or timezone.localdate()
    actor = system_actor("reporting-deadline")
    counts = {"reminders": 0, "escalations": 0, "province": 0}
    dates = [today + datetime.timedelta(days=d) for d in REMINDER_DAYS]
    dates += [today - datetime.timedelta(days=d) for d in ESCALATION_DAYS]
    periods = Period.objects.select_related("data_set").filter(deadline__in=dates)
    link = reverse("reporting:index")
    for period in periods:
        schools = list(
            restrict(Institution.objects.select_related("region", "region__parent"), actor, "view")
            .filter(institution_q(period.data_set.reporters))
            .filter(
                **({"kind__in": period.data_set.reporter_kinds} if period.data_set.reporter_kinds else {})
            )
            .order_by("pk")
        )
        missing = _not_submitted(period, schools)
        days = (period.deadline - today).days
        if days > 0:
            admins = RoleAssignment.objects.filter(
                role=Role.SCHOOL_ADMIN, institution__in=missing
            ).select_related("user")
            text = _("%(form)s is due on %(date)s (in %(n)d days) and has not been submitted yet.") % {
                "form": period,
                "date": period.deadline.isoformat(),
                "n": days,
            }
            for ra in admins:
                key = f"reporting:remind:{period.pk}:{ra.institution_id}:{today.isoformat()}"
                counts["reminders"] += len(
                    notifications.notify(ra.user, NotificationKind.REMINDER, text, link=link, dedupe_key=key)
                )
            continue
        by_city: dict = {}
        for school in missing:
            city = school.region.city
            if city is not None:
                by_city.setdefault(city, []).append(school)
        counts["province"] += _escalate_to_province(period, schools, missing, today, actor)
        for city, late in by_city.items():
            text = _("%(form)s was due on %(date)s; %(n)d of your schools have not reported: %(names)s") % {
                "form": period,
                "date": period.deadline.isoformat(),
                "n": len(late),
                "names": "、".join(s.name for s in late[:20]) + ("……" if len(late) > 20 else ""),
            }
            admins = RoleAssignment.objects.filter(role=Role.CITY_ADMIN, region=city).select_related("user")
            for ra in admins:
                key = f"reporting:escalate:{period.pk}:{city.pk}:{today.isoformat()}"
                counts["escalations"] += len(
                    notifications.notify(
                        ra.user,
                        NotificationKind.ESCALATION,
                        text,
                        link=reverse("reporting:completeness") + f"?period={period.pk}",
                        dedupe_key=key,
                    )
                )
    return counts


def province_summary(period, schools, missing) -> list[dict]:
    """Per city with something missing or late in the period: how many of its schools expected to
    report have not, how many submitted after the deadline, and whether the city's own return is
    missing or late. Cities with nothing wrong are left out; three queries for the whole province."""
    from .choices import CITY_OPEN
    from .models import CitySubmission

    late_ids = {
        pk
        for pk, at in Submission.objects.filter(period=period, submitted_at__isnull=False).values_list(
            "institution_id", "submitted_at"
        )
        if timezone.localdate(at) > period.deadline
    }
    returns = {r.city_id: r for r in CitySubmission.objects.filter(period=period)}
    missing_ids = {s.pk for s in missing}
    cities: dict = {}
    for school in schools:
        city = school.region.city
        if city is None:
            continue
        row = cities.setdefault(city.pk, {"city": city, "missing": 0, "late": 0})
        row["missing"] += school.pk in missing_ids
        row["late"] += school.pk in late_ids
    out = []
    for row in sorted(cities.values(), key=lambda r: r["city"].code):
        ret = returns.get(row["city"].pk)
        row["return_missing"] = ret is None or ret.status in CITY_OPEN
        row["return_late"] = bool(ret and ret.is_late)
        if row["missing"] or row["late"] or row["return_missing"] or row["return_late"]:
            out.append(row)
    return out


def _escalate_to_province(period, schools, missing, today, actor) -> int:
    """Tell the province's administrators and staff, after the deadline, which cities have missing
    or late returns (one message per period and day)."""
    from django.urls import reverse

    from zhijiao.accounts.choices import Role
    from zhijiao.accounts.models import RoleAssignment
    from zhijiao.core import notifications

    from .choices import NotificationKind

    rows = province_summary(period, schools, missing)
    if not rows:
        return 0
    parts = []
    for row in rows:
        bits = []
        if row["missing"]:
            bits.append(_("%(n)d schools not reported") % {"n": row["missing"]})
        if row["late"]:
            bits.append(_("%(n)d schools late") % {"n": row["late"]})
        if row["return_missing"]:
            bits.append(_("city return not submitted"))
        elif row["return_late"]:
            bits.append(_("city return late"))
        parts.append(f"{row['city'].name}（{'、'.join(bits)}）")
    text = _("%(form)s was due on %(date)s; %(n)d cities have missing or late returns") % {
        "form": period,
        "date": period.deadline.isoformat(),
        "n": len(rows),
    }
    body = "；".join(parts)
    sent = 0
    admins = RoleAssignment.objects.filter(
        role__in=[Role.PROVINCE_ADMIN, Role.PROVINCE_STAFF], region__parent__isnull=True
    ).select_related("user")
    for ra in admins:
        key = f"reporting:escalate-province:{period.pk}:{today.isoformat()}"
        sent += len(
            notifications.notify(
                ra.user,
                NotificationKind.PROVINCE_ESCALATION,
                text,
                body,
                link=reverse("reporting:city_returns") + f"?period={period.pk}",
                dedupe_key=key,
            )
        )
    return sent
