"""Home-page panels of 技能大赛: what waits for each side (all figures through the scoped selectors).
The province: events open for entries, entries being judged, results to publish; a city: its
schools' entries waiting to be sent; a school: its entries and prizes; a judge: entries to score."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijiao.core.home import Figure, Panel

from . import selectors
from .choices import EntryStatus, EventStage

PANEL_ORDER = 62


def _judge_panel(user) -> Panel | None:
    if not selectors.my_judging(user=user).exists():
        return None
    waiting = (
        selectors.entry_list(user=user)
        .filter(
            contest__judges__user=user,
            contest__event__stage=EventStage.JUDGING,
            status=EntryStatus.SENT,
        )
        .exclude(scores__judge__user=user)
        .distinct()
        .count()
    )
    url = reverse("competitions:my_judging")
    return Panel(
        _("Competition judging"),
        [Figure(_("Entries to score"), waiting, url, attention=bool(waiting), order=10)],
        order=5,
    )


def _province_figures(user, url) -> list[Figure]:
    """One query over the province's events (the home page's query budget is tight); the entries
    are counted through the events, which for a province-level user are all of them."""
    counts = selectors.event_list(user=user).aggregate(
        open=Count("pk", filter=Q(stage=EventStage.OPEN), distinct=True),
        approved=Count("pk", filter=Q(stage=EventStage.APPROVED), distinct=True),
        judged=Count(
            "contests__entries",
            filter=Q(stage=EventStage.JUDGING, contests__entries__status=EntryStatus.SENT),
        ),
    )
    return [
        Figure(_("Events open for entries"), counts["open"], url, order=10),
        Figure(_("Entries being judged"), counts["judged"], url, order=20),
        Figure(
            _("Events with results to publish"),
            counts["approved"],
            url,
            attention=bool(counts["approved"]),
            order=30,
        ),
    ]


def _city_figures(user, url) -> list[Figure]:
    waiting = (
        selectors.entry_list(user=user, action="change")
        .filter(contest__event__stage=EventStage.OPEN, status=EntryStatus.SUBMITTED)
        .count()
    )
    return [Figure(_("Entries waiting to be sent"), waiting, url, attention=bool(waiting), order=10)]


def _school_figures(user, url) -> list[Figure]:
    counts = selectors.entry_list(user=user).aggregate(
        entered=Count(
            "pk",
            filter=Q(status__in=(EntryStatus.SUBMITTED, EntryStatus.SENT))
            & ~Q(contest__event__stage=EventStage.PUBLISHED),
        ),
        prizes=Count("pk", filter=Q(contest__event__stage=EventStage.PUBLISHED) & ~Q(award="")),
    )
    return [
        Figure(_("Entries in competitions under way"), counts["entered"], url, order=10),
        Figure(_("Prizes won (published results)"), counts["prizes"], url, order=20),
    ]


def panels(*, user, kinds: set[str]) -> list[Panel]:
    out: list[Panel] = []
    if "expert" in kinds:  # judges are the pool's experts, signing in with the expert role
        panel = _judge_panel(user)
        if panel:
            out.append(panel)
    url = reverse("competitions:events")
    if "province" in kinds:
        figures = _province_figures(user, url)
    elif "city" in kinds:
        figures = _city_figures(user, url)
    elif "school" in kinds:
        figures = _school_figures(user, url)
    else:
        figures = []
    if figures:
        out.append(Panel(_("Competitions"), figures, order=PANEL_ORDER))
    return out
