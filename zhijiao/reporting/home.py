"""What the home page shows of 数据报送 (see core.home): a school the data sets it has to fill, the
forms returned to it and the overdue ones; a city the schools' submissions waiting for its
decision and its own returns to make or overdue; the province the submissions and city returns
waiting for it and the city returns overdue. A fixed number of queries, however many periods,
schools or cities."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.home import Figure, Panel
from zhijiao.core.scoping import user_scope

from . import selectors


def _url(name: str, **params) -> str:
    return reverse(name) + ("?" + urlencode(params) if params else "")


def panels(*, user, kinds: set[str]) -> list[Panel]:
    if not kinds & {"province", "city", "school"}:
        return []
    today = timezone.localdate()
    figures: list[Figure] = []
    if "school" in kinds:
        counts = selectors.school_home_counts(user=user, today=today)
        figures += [
            Figure(_("Data sets to fill"), counts["to_fill"], _url("reporting:index"), attention=True),
            Figure(
                _("Data reports returned to us"),
                counts["returned"],
                _url("reporting:worklist", status="returned"),
                attention=True,
            ),
            Figure(_("Overdue data reports"), counts["overdue"], _url("reporting:index"), attention=True),
        ]
    if kinds & {"province", "city"}:
        scope = user_scope(user)
        counts = selectors.authority_home_counts(user=user, today=today)
        figures.append(
            Figure(
                _("Data reports to approve"),
                counts["to_approve"],
                _url("reporting:worklist", status="submitted"),
                attention=True,
            )
        )
        if scope.is_province:
            figures += [
                Figure(
                    _("City returns to accept"),
                    counts["returns_to_accept"],
                    _url("reporting:city_returns"),
                    attention=True,
                ),
                Figure(
                    _("City returns overdue"),
                    counts["returns_overdue"],
                    _url("reporting:city_returns"),
                    attention=True,
                ),
            ]
        elif counts["is_city_office"]:
            figures += [
                Figure(_("City returns to make"), counts["returns_to_fill"], _url("reporting:city_returns")),
                Figure(
                    _("City returns overdue"),
                    counts["returns_overdue"],
                    _url("reporting:city_returns"),
                    attention=True,
                ),
            ]
    return [Panel(_("Data reporting"), figures, order=40)] if figures else []
