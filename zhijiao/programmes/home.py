"""Home-page panels of 项目库: what waits for each kind of user (all figures through the scoped selectors)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijiao.core.home import Figure, Panel

from .choices import ApplicationStatus, CallStage, ReviewStatus
from .selectors import application_list, call_list, my_reviews

PANEL_ORDER = 60


def _expert_panel(user) -> Panel:
    counts = my_reviews(user=user).aggregate(
        waiting=Count("pk", filter=Q(status=ReviewStatus.ASSIGNED)),
        done=Count("pk", filter=Q(status=ReviewStatus.SUBMITTED)),
    )
    url = reverse("programmes:my_reviews")
    return Panel(
        _("Expert review"),
        [
            Figure(
                _("Reviews to score"), counts["waiting"], url, attention=bool(counts["waiting"]), order=10
            ),
            Figure(_("Scores submitted"), counts["done"], url, order=20),
        ],
        order=4,
    )


def _applications_panel(user, kinds: set[str]) -> Panel | None:
    """Open calls and the applications that wait for this user's side (school: drafts; city: to recommend;
    province: to screen formally)."""
    calls_url = reverse("programmes:calls")
    open_calls = call_list(user=user).filter(stage=CallStage.OPEN).count()
    figures = [Figure(_("Calls open for applications"), open_calls, calls_url, order=10)]
    apps = application_list(user=user)
    if "province" in kinds:
        waiting = apps.filter(status=ApplicationStatus.RECOMMENDED).count()
        figures.append(
            Figure(_("Applications to screen"), waiting, calls_url, attention=bool(waiting), order=20)
        )
    elif "city" in kinds:
        waiting = apps.filter(status=ApplicationStatus.SUBMITTED).count()
        figures.append(
            Figure(_("Applications to recommend"), waiting, calls_url, attention=bool(waiting), order=20)
        )
    elif "school" in kinds:
        drafts = apps.filter(status=ApplicationStatus.DRAFT).count()
        figures.append(Figure(_("Application drafts"), drafts, calls_url, attention=bool(drafts), order=20))
    else:
        return None
    return Panel(_("Programmes"), figures, order=PANEL_ORDER)


def panels(*, user, kinds: set[str]) -> list[Panel]:
    out: list[Panel] = []
    if "expert" in kinds:
        out.append(_expert_panel(user))
    if kinds & {"province", "city", "school"}:
        panel = _applications_panel(user, kinds)
        if panel:
            out.append(panel)
    return out
