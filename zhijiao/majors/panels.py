"""What majors adds to other apps' pages (``MajorsConfig.detail_panels``)."""

from __future__ import annotations

from .selectors import offering_list


def institution_offerings(request, institution):
    """The offered majors section of an institution's page."""
    offerings = (
        offering_list(user=request.user)
        .filter(institution=institution)
        .order_by("major__code", "-start_year")
    )
    return "majors/institution_offerings.html", {"offerings": offerings}
