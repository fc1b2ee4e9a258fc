"""Reads of 数据报送, always from the user's scope."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from zhijiao.core.scoping import restrict
from zhijiao.orgs.models import Institution

from .models import Aggregate, DataValue, Period, Submission
from .reporters import institution_q


def submission_list(*, user, action: str = "view") -> QuerySet[Submission]:
    return restrict(Submission.objects.all(), user, action).select_related(
        "institution", "period", "period__data_set", "version"
    )


def aggregate_list(*, user, period: Period | None = None) -> QuerySet[Aggregate]:
    qs = restrict(Aggregate.objects.all(), user, "view").select_related("region", "period")
    return qs.filter(period=period) if period is not None else qs


def completeness(*, user, period: Period) -> list[dict]:
    """Per school expected to report in the user's scope: its submission's state, and whether it
    was late or has not reported by the deadline."""
    schools = restrict(Institution.objects.all(), user, "view").select_related("region")
    kinds = period.data_set.reporter_kinds
    if kinds:
        schools = schools.filter(kind__in=kinds)
    schools = schools.filter(institution_q(period.data_set.reporters))
    submissions = {s.institution_id: s for s in submission_list(user=user).filter(period=period)}
    return [{"institution": school, "submission": submissions.get(school.pk)} for school in schools]


def previous_numbers(*, user, submission: Submission) -> dict[tuple[str, str], Decimal]:
    """The numbers the same organisation reported for the period before ``submission``'s (same
    data set, the latest period starting earlier), by (element code, cell) — what outlier flags
    compare with. Empty when there was none."""
    before = (
        Period.objects.filter(data_set_id=submission.period.data_set_id, start__lt=submission.period.start)
        .order_by("-start")
        .values("pk")[:1]
    )
    rows = DataValue.objects.filter(
        submission__in=restrict(Submission.objects.all(), user, "view").filter(
            institution_id=submission.institution_id, period__in=before
        ),
        number__isnull=False,
    ).values_list("element__code", "cell", "number")
    return {(code, cell): number for code, cell, number in rows}


# --- indicators (read by the work plan's targets) ----------------------------------------------


def indicator_list():
    """Every indicator (reference data, readable by every signed-in user)."""
    from .models import Indicator

    return Indicator.objects.select_related("data_set")


def indicator_value(*, indicator, region):
    """``(period, value)`` of the indicator's latest approved value at the region (the rollup of
    the region and everything below), or None before any approved data."""
    from .analytics import indicator_latest

    return indicator_latest(indicator, region)


# --- the city's own return ---------------------------------------------------------------------


def city_submission_list(*, user, action: str = "view"):
    from .models import CitySubmission

    return restrict(CitySubmission.objects.all(), user, action).select_related(
        "city", "period", "period__data_set"
    )


def city_returns(*, user, period: Period) -> list[dict]:
    """Per city in the user's scope: its return of the period (or None before it is made) — the
    province's worklist and a city's own row. Two queries whatever the number of cities."""
    from django.db.models import Q

    from zhijiao.core.scoping import user_scope
    from zhijiao.orgs.choices import RegionLevel
    from zhijiao.orgs.models import Region

    scope = user_scope(user)
    under = Q()
    for path in scope.region_paths:
        under |= Q(path__startswith=path)
    if not scope.is_superuser and not scope.region_paths:
        return []
    cities = Region.objects.filter(level=RegionLevel.CITY)
    if not scope.is_superuser:
        cities = cities.filter(under)
    cities = cities.order_by("code")
    returns = {r.city_id: r for r in city_submission_list(user=user).filter(period=period)}
    return [{"city": city, "submission": returns.get(city.pk)} for city in cities]
