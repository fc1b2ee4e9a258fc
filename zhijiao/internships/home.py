"""What the home page shows of internships, per kind of user (see core.views.home)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zhijiao.core.home import Figure, Panel

from . import selectors
from .choices import FilingStatus, PlacementStatus


def _url(name: str, **params) -> str:
    from urllib.parse import urlencode

    return reverse(name) + ("?" + urlencode(params) if params else "")


def panels(*, user, kinds: set[str]) -> list[Panel]:
    out = []
    if kinds & {"province", "city", "school"}:
        plans = selectors.plan_counts(user=user)
        placements = selectors.placement_counts(user=user)["by_status"]
        figures = [
            Figure(
                _("Active placements"),
                placements.get(PlacementStatus.ACTIVE, 0),
                _url("internships:placement_list", status="active"),
            ),
            Figure(
                _("Draft placements"),
                placements.get(PlacementStatus.DRAFT, 0),
                _url("internships:placement_list", status="draft"),
            ),
            Figure(
                _("Open compliance alerts"),
                selectors.open_alert_counts(user=user)["total"],
                _url("internships:alert_list", open="true"),
            ),
        ]
        if "school" in kinds:
            figures[2:2] = [
                Figure(
                    _("Suspended placements"),
                    placements.get(PlacementStatus.SUSPENDED, 0),
                    _url("internships:placement_list", status="suspended"),
                ),
                Figure(
                    _("Ended placements"),
                    placements.get(PlacementStatus.ENDED, 0),
                    _url("internships:placement_list", status="ended"),
                ),
            ]
        figures += [
            Figure(
                _("Plans filed"),
                plans.get(FilingStatus.FILED, 0),
                _url("internships:plan_list", filing_status="filed"),
            ),
            Figure(
                _("Plans in review"),
                plans.get(FilingStatus.IN_REVIEW, 0),
                _url("internships:plan_list", filing_status="in_review"),
            ),
            Figure(
                _("Plans returned"),
                plans.get(FilingStatus.RETURNED, 0),
                _url("internships:plan_list", filing_status="returned"),
            ),
            Figure(
                _("Draft plans"),
                plans.get(FilingStatus.DRAFT, 0),
                _url("internships:plan_list", filing_status="draft"),
            ),
        ]
        out.append(Panel(_("Internships"), figures, order=30))
    if "enterprise" in kinds:
        host = selectors.host_figures(user=user)
        out.append(
            Panel(
                _("Our interns"),
                [
                    Figure(_("Open posts"), host["posts"], _url("internships:post_list")),
                    Figure(
                        _("Interns on placement"),
                        host["interns"],
                        _url("internships:placement_list", status="active"),
                    ),
                    Figure(_("Check-ins in the last 7 days"), host["checkins"], _url("internships:worklist")),
                    Figure(_("Reports to review"), host["reports"], _url("internships:worklist")),
                ],
                order=10,
            )
        )
    if "person" in kinds:
        placement = selectors.student_placement(user=user)
        if placement is not None:
            out.append(
                Panel(
                    _("My internship"),
                    [
                        Figure(_("Host"), placement.enterprise.name, _url("internships:my")),
                        Figure(_("Post"), placement.post.name, _url("internships:my")),
                        Figure(_("Status"), placement.get_status_display(), _url("internships:my")),
                        Figure(
                            _("Period"),
                            f"{placement.start_date:%Y-%m-%d} – {placement.end_date:%Y-%m-%d}",
                            _url("internships:my"),
                        ),
                    ],
                    order=20,
                )
            )
    return out
