"""The competitions' audit events (core.events). Entries move by the services' own checks (quota,
deadlines, the city's sending), so no lifecycle is declared."""

from django.utils.translation import gettext_lazy as _

EVENTS = {
    "competition.event_saved": _("Competition event saved"),
    "competition.contest_saved": _("Contest saved"),
    "competition.stage": _("Competition event moved to its next stage"),
    "competition.entry_submitted": _("Competition entry submitted"),
    "competition.entry_withdrawn": _("Competition entry withdrawn"),
    "competition.entry_sent": _("Competition entry sent by the city"),
    "competition.entry_returned": _("Competition entry returned by the city"),
    "competition.judge_assigned": _("Judge assigned"),
    "competition.scored": _("Competition scores submitted"),
    "competition.timed": _("Time used recorded"),
    "competition.ranked": _("Competition entry ranked"),
    "competition.certificate_issued": _("Award certificate issued"),
}

LIFECYCLES: list = []
