"""What 项目库 adds to other apps' pages (``ProgrammesConfig.detail_panels``)."""

from __future__ import annotations

from .selectors import award_list


def institution_awards(request, institution):
    """The awards (立项) held by an institution or by its majors, teams, teachers and students."""
    awards = award_list(user=request.user).filter(institution=institution).order_by("-year", "programme_code")
    return "programmes/institution_awards.html", {"awards": list(awards[:200])}
