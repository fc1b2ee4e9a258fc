"""What 项目库 adds to other apps' pages (``ProgrammesConfig.detail_panels``): the awards (立项) held
by an institution, an offered major or a partner enterprise."""

from __future__ import annotations

from .selectors import award_list

TEMPLATE = "programmes/institution_awards.html"


def institution_awards(request, institution):
    """The awards of an institution and of its majors, teams, teachers and students."""
    awards = award_list(user=request.user).filter(institution=institution).order_by("-year", "programme_code")
    return TEMPLATE, {"awards": list(awards[:200])}


def offering_awards(request, offering):
    """The awards of an offered major (e.g. 品牌专业), shown only when there are some."""
    awards = list(award_list(user=request.user).filter(offering=offering).order_by("-year", "programme_code"))
    return (TEMPLATE, {"awards": awards}) if awards else None


def enterprise_awards(request, enterprise):
    """The school-enterprise partnerships awarded with this enterprise, shown only when there are some."""
    awards = list(
        award_list(user=request.user).filter(enterprise=enterprise).order_by("-year", "programme_code")
    )
    return (TEMPLATE, {"awards": awards}) if awards else None
