"""The programme engine's named rules (core.rules). Eligibility rules are applied as each call
lists them (``Call.eligibility``: ``[{"rule": id, …parameters}]``); their basis is the call's own
notice (申报通知), shown with the call. 回避 and the public-notice period are the platform's
checks, with their numbers as parameters."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhijiao.core.rules import Rule, register

APP = "programmes"


def _kinds(entry, institution, ctx) -> str | None:
    kinds = entry.get("kinds") or []
    if kinds and institution.kind not in kinds:
        return _("This call is open to %(kinds)s only.") % {"kinds": "、".join(ctx["kind_labels"](kinds))}
    return None


def _ownership(entry, institution, ctx) -> str | None:
    allowed = entry.get("ownership") or []
    if allowed and institution.ownership not in allowed:
        return _("This call is open to institutions of another ownership.")
    return None


def _prior_award(entry, institution, ctx) -> str | None:
    code = entry.get("programme")
    if code and code not in ctx["awards"](institution):
        return _("This call requires an earlier award: %(name)s.") % {"name": entry.get("label") or code}
    return None


ELIG_KIND = register(
    Rule(
        id="PROG-ELIG-KIND",
        title=gettext_noop("Applicant institution kind"),
        citation="当期项目申报通知“申报条件”",
        app=APP,
        check=_kinds,
    )
)
ELIG_OWNERSHIP = register(
    Rule(
        id="PROG-ELIG-OWNERSHIP",
        title=gettext_noop("Applicant ownership (public or private)"),
        citation="当期项目申报通知“申报条件”",
        app=APP,
        check=_ownership,
    )
)
ELIG_PRIOR_AWARD = register(
    Rule(
        id="PROG-ELIG-PRIOR-AWARD",
        title=gettext_noop("Earlier award required"),
        citation="当期项目申报通知“申报条件”",
        app=APP,
        check=_prior_award,
    )
)
AVOID_FORMER_EMPLOYER = register(
    Rule(
        id="PROG-AVOID-FORMER-EMPLOYER",
        title=gettext_noop("Reviewers withdraw from applications of their recent former employers"),
        app=APP,
        kind="platform",
        params={"PROGRAMMES_AVOID_FORMER_EMPLOYER_YEARS": 3},
    )
)
PUBLICITY_DAYS = register(
    Rule(
        id="PROG-PUBLICITY-DAYS",
        title=gettext_noop("Length of the public notice of a decision list"),
        app=APP,
        kind="platform",
        params={"PROGRAMMES_PUBLICITY_WORKING_DAYS": 5},
    )
)
OUTLIER = register(
    Rule(
        id="PROG-REVIEW-OUTLIER",
        title=gettext_noop("A reviewer's total far from the other reviewers' mean is flagged"),
        app=APP,
        kind="platform",
        params={"PROGRAMMES_OUTLIER_POINTS": 15},
    )
)

OBJECTION_LIMIT = register(
    Rule(
        id="PROG-OBJECTION-LIMIT",
        title=gettext_noop("Objections one address may lodge on public notices per hour"),
        app=APP,
        kind="platform",
        params={"PROGRAMMES_OBJECTIONS_PER_HOUR": 5},
    )
)

ELIGIBILITY = {r.id: r for r in (ELIG_KIND, ELIG_OWNERSHIP, ELIG_PRIOR_AWARD)}


# --- awards as eligibility (appended with the award records) ----------------------------------------------


def _award(entry, institution, ctx) -> str | None:
    """The applicant itself (the offered major for a major's application, the student, the partner
    enterprise; else the institution) must hold an award of one of ``programmes``."""
    wanted = set(entry.get("programmes") or ([entry["programme"]] if entry.get("programme") else []))
    if wanted and not wanted & ctx["applicant_awards"]():
        return _("The applicant must hold an earlier award: %(name)s.") % {
            "name": entry.get("label") or "、".join(sorted(wanted))
        }
    return None


def _student_registered(entry, institution, ctx) -> str | None:
    student = ctx["applicant"].get("student")
    if student is not None and not ctx["student_registered"](student):
        return _("The student must hold a registered 学籍 at the applicant institution.")
    return None


ELIG_AWARD = register(
    Rule(
        id="PROG-ELIG-AWARD",
        title=gettext_noop("The applicant holds an earlier award (e.g. must be a 品牌专业)"),
        citation="当期项目申报通知“申报条件”",
        app=APP,
        check=_award,
    )
)
ELIG_STUDENT_STATUS = register(
    Rule(
        id="PROG-ELIG-STUDENT-STATUS",
        title=gettext_noop("A student applicant holds a registered 学籍"),
        citation="当期项目申报通知“申报条件”",
        app=APP,
        check=_student_registered,
    )
)
FOLLOWUP_REMINDER_DAYS = register(
    Rule(
        id="PROG-FOLLOWUP-REMINDERS",
        title=gettext_noop("Follow-up reports: reminders before the deadline, escalation to the city after"),
        app=APP,
        kind="platform",
        params={"PROGRAMMES_FOLLOWUP_REMINDER_DAYS": (7, 1), "PROGRAMMES_FOLLOWUP_ESCALATE_AFTER_DAYS": 3},
    )
)

ELIGIBILITY.update({r.id: r for r in (ELIG_AWARD, ELIG_STUDENT_STATUS)})


# --- funding at 立项 ------------------------------------------------------------------------------------


def funding_over_budget(total, budget) -> str | None:
    """The funding of a call's decision list, summed, stays within the call's budget when the call
    has one (``Call.budget_total``, 万元); ``None`` when it does."""
    if budget is not None and total > budget:
        return _(
            "The funding of the list comes to %(total)s (10k yuan), over the call's budget of "
            "%(budget)s (10k yuan) by %(over)s; lower some amounts."
        ) % {"total": total, "budget": budget, "over": total - budget}
    return None


def _funding_check(entry, call, ctx) -> str | None:
    return funding_over_budget(ctx["total"], call.budget_total)


FUNDING_WITHIN_BUDGET = register(
    Rule(
        id="PROG-FUNDING-BUDGET",
        title=gettext_noop("The funding of a decision list stays within the call's budget"),
        app=APP,
        kind="platform",
        check=_funding_check,
    )
)
