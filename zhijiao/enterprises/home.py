"""What the home page shows of enterprises: their number in the province's and cities' overview."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zhijiao.core.home import OVERVIEW, OVERVIEW_ORDER, Figure, Panel

from .selectors import enterprise_list


def panels(*, user, kinds: set[str]) -> list[Panel]:
    if not kinds & {"province", "city"}:
        return []
    figure = Figure(
        _("Enterprises"), enterprise_list(user=user).count(), reverse("enterprises:enterprise_list"), order=30
    )
    return [Panel("", [figure], order=OVERVIEW_ORDER, key=OVERVIEW, template="core/home_overview.html")]
