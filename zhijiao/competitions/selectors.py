"""Reads of 技能大赛, always through ``restrict``; the public results and the certificate lookup
read published rows only."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value

from zhijiao.core.scoping import reaches_beyond_tree, restrict, scope_q, user_scope

from .choices import EntryStatus, EventStage
from .models import AwardCertificate, Contest, Entry, Event, JudgeAssignment, Score


def event_list(*, user, action: str = "view") -> QuerySet[Event]:
    return restrict(Event.objects.all(), user, action)


def contest_list(*, user, action: str = "view") -> QuerySet[Contest]:
    return restrict(Contest.objects.all(), user, action).select_related("event", "major_class")


def entry_list(*, user, action: str = "view") -> QuerySet[Entry]:
    """The entries in the user's subtree, and — for a judge — the entries of the contests they judge
    that the cities have sent (a judge never sees what a school entered and its city has not yet
    approved, nor what was returned or withdrawn)."""
    rows = restrict(Entry.objects.all(), user, action)
    if reaches_beyond_tree(Entry, user, action):
        tree = scope_q(Entry, user, action, tree_only=True)
        if tree is not None:
            rows = rows.filter(tree | Q(status=EntryStatus.SENT))
    return rows.select_related("institution", "contest")


def judge_list(*, user, action: str = "view") -> QuerySet[JudgeAssignment]:
    return restrict(JudgeAssignment.objects.all(), user, action).select_related("expert", "contest")


def score_list(*, user, action: str = "view") -> QuerySet[Score]:
    return restrict(Score.objects.all(), user, action)


def certificate_list(*, user, action: str = "view") -> QuerySet[AwardCertificate]:
    return restrict(AwardCertificate.objects.all(), user, action).select_related("entry")


def my_judging(*, user) -> QuerySet[JudgeAssignment]:
    """The contests the user judges."""
    return judge_list(user=user).filter(user=user).select_related("contest__event")


def published_event(code: str) -> Event | None:
    return Event.objects.filter(code=code, stage=EventStage.PUBLISHED).first()


def published_results(event: Event) -> QuerySet[Entry]:
    """The ranked entries of a published event, for the public page (names and schools only)."""
    return (
        Entry.objects.filter(contest__event=event, status=EntryStatus.SENT, rank__isnull=False)
        .select_related("contest", "institution")
        .prefetch_related("members")
        .order_by("contest__kind", "contest__name", "contest_id", "rank", "number")
    )


def certificate_by_code(code: str) -> dict | None:
    """One SELECT on the unique code: only what a verifier sees."""
    return (
        AwardCertificate.objects.filter(verify_code=code, entry__contest__event__stage=EventStage.PUBLISHED)
        .values(
            "number",
            "award",
            "holders",
            "institution_name",
            "contest_name",
            "event_name",
            "organiser",
            "issued_on",
        )
        .first()
    )


def may_organise(user) -> bool:
    """The user may create and change events: a province-level grant that changes (province
    admin and staff; not the auditor, who reads)."""
    scope = user_scope(user)
    return scope.is_superuser or any(
        g.region_path and g.region_path.count("/") == 1 for g in scope.grants_for("change")
    )


def entry_list_marked(*, user, action: str = "view") -> QuerySet[Entry]:
    """``entry_list`` with ``in_tree``: whether the entry lies in the user's own subtree (a school's,
    its city's, the province's) rather than being reached as a judge — a blind contest's judge
    sees the entry number only."""
    rows = entry_list(user=user, action=action)
    tree = scope_q(Entry, user, action, tree_only=True)
    flag = Value(True) if tree is None else ExpressionWrapper(tree, output_field=BooleanField())
    return rows.annotate(in_tree=flag)


def result_list(*, user, action: str = "view") -> QuerySet[Entry]:
    """The ranked entries of published events, in the user's scope."""
    return entry_list_marked(user=user, action=action).filter(
        contest__event__stage=EventStage.PUBLISHED, status=EntryStatus.SENT, rank__isnull=False
    )
