"""What the home page shows of approvals (see core.views.home)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from zhijiao.core.home import Figure, Panel
from zhijiao.core.scoping import can

from . import selectors
from .choices import RequestStatus


def panels(*, user, kinds: set[str]) -> list[Panel]:
    if not kinds & {"province", "city", "school"}:
        return []
    figures = []
    if can(user, "change"):
        waiting = selectors.waiting_count(user=user)
        figures.append(
            Figure(_("Awaiting my decision"), waiting, reverse("workflows:worklist"), attention=True)
        )
    if "school" in kinds:
        own = selectors.own_request_counts(user=user)
        base = reverse("workflows:request_list")
        figures += [
            Figure(
                _("Submitted, in review"),
                own.get(RequestStatus.IN_REVIEW, 0),
                f"{base}?{urlencode({'status': 'in_review'})}",
            ),
            Figure(
                _("Returned to us"),
                own.get(RequestStatus.RETURNED, 0),
                f"{base}?{urlencode({'status': 'returned'})}",
                attention=True,
            ),
        ]
    return [Panel(_("Approvals"), figures, order=5)] if figures else []
