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


# --- home-page figures (``reporting.home``), a fixed number of queries ---------------------------


def school_home_counts(*, user, today) -> dict[str, int]:
    """For the user's schools: periods open now that a school reports and has not submitted (to
    fill), its forms returned, and periods past their deadline it has not reported (overdue)."""
    from zhijiao.core.scoping import user_scope

    from .choices import SubmissionStatus as S
    from .services import may_report

    ids = user_scope(user).institution_ids
    schools = list(Institution.objects.filter(pk__in=ids).select_related("region", "region__parent"))
    periods = list(Period.objects.select_related("data_set"))
    subs = {
        (school, period): status
        for school, period, status in submission_list(user=user)
        .filter(institution_id__in=ids)
        .values_list("institution_id", "period_id", "status")
    }
    counts = {"to_fill": 0, "returned": 0, "overdue": 0}
    for school in schools:
        for period in periods:
            if not may_report(school, period.data_set):
                continue
            status = subs.get((school.pk, period.pk))
            if status == S.RETURNED:
                counts["returned"] += 1
            opened = period.opens_on is None or period.opens_on <= today
            if status == S.REOPENED or (
                opened and today <= period.deadline and status in (None, S.DRAFT, S.RETURNED)
            ):
                counts["to_fill"] += 1
            elif today > period.deadline and status in (None, S.DRAFT, S.RETURNED, S.CLOSED):
                counts["overdue"] += 1
    return counts


def authority_home_counts(*, user, today) -> dict:
    """For a city or the province: the schools' submissions whose current approval step is the
    user's own authority (to approve); the city returns submitted and waiting for the province;
    the city returns still to make before the deadline and overdue after it."""
    from django.db.models import Count, F, Q

    from zhijiao.core.scoping import user_scope
    from zhijiao.orgs.choices import RegionLevel
    from zhijiao.orgs.models import Region
    from zhijiao.workflows.choices import RequestStatus
    from zhijiao.workflows.models import ApprovalStep

    from .choices import CITY_OPEN, CitySubmissionStatus

    scope = user_scope(user)
    paths = [g.region_path for g in scope.grants_for("change") if g.region_path]
    to_approve = ApprovalStep.objects.filter(
        request__kind="reporting.submission",
        request__status=RequestStatus.IN_REVIEW,
        order=F("request__current_step"),
        region__path__in=paths,
    ).count()
    out = {
        "to_approve": to_approve,
        "returns_to_accept": 0,
        "returns_to_fill": 0,
        "returns_overdue": 0,
        "is_city_office": False,
    }
    periods = list(
        Period.objects.filter(Q(opens_on__isnull=True) | Q(opens_on__lte=today)).select_related("data_set")
    )
    if scope.is_province:
        codes = list(Region.objects.filter(level=RegionLevel.CITY).values_list("code", flat=True))

        def expected(period) -> int:
            # A data set the cities fill may name the cities that report it (``reporters.cities``).
            from .reporters import by_city, city_reports

            if not by_city(period.data_set):
                return len(codes)
            return sum(1 for code in codes if city_reports(Region(code=code), period.data_set.reporters))

        done = dict(
            city_submission_list(user=user)
            .exclude(status__in=CITY_OPEN)
            .values("period_id")
            .annotate(n=Count("pk"))
            .values_list("period_id", "n")
        )
        out["returns_to_accept"] = (
            city_submission_list(user=user).filter(status=CitySubmissionStatus.SUBMITTED).count()
        )
        out["returns_overdue"] = sum(
            max(0, expected(p) - done.get(p.pk, 0)) for p in periods if today > p.deadline
        )
        return out
    own = list(Region.objects.filter(level=RegionLevel.CITY, path__in=paths).values_list("pk", flat=True))
    if not own:
        return out
    out["is_city_office"] = True
    made = {
        (city, period): status
        for city, period, status in city_submission_list(user=user)
        .filter(city_id__in=own)
        .values_list("city_id", "period_id", "status")
    }
    for period in periods:
        for city in own:
            status = made.get((city, period.pk))
            if status is not None and status not in CITY_OPEN:
                continue
            if today <= period.deadline:
                out["returns_to_fill"] += 1
            else:
                out["returns_overdue"] += 1
    return out


# --- API reads -------------------------------------------------------------------------------------


def data_set_list(*, user):
    """Every data set (reference data, readable by every signed-in user)."""
    from django.db.models import Prefetch

    from .models import DataSet, DataSetVersion

    return DataSet.objects.prefetch_related(
        Prefetch("versions", queryset=DataSetVersion.objects.only("pk", "data_set_id", "number"))
    )


def period_list(*, user):
    """Every period (reference data, readable by every signed-in user)."""
    return Period.objects.select_related("data_set")


def fact_list(*, user, action: str = "view"):
    """The analytics facts of the user's subtree (``analytics.fact_list``)."""
    from .analytics import fact_list as facts

    return facts(user=user).select_related("region", "city")


def submission_values(submission: Submission) -> list[dict]:
    """The submission's values with their element and cell named, in the form's order."""
    from .choices import ValueType

    elements = {
        e.pk: e for e in submission.version.elements.prefetch_related("categories").select_related("section")
    }
    labels = {pk: dict(e.cells()) for pk, e in elements.items()}
    out = []
    for v in submission.values.all():
        element = elements.get(v.element_id)
        if element is None:
            continue
        shown = v.value
        if element.value_type == ValueType.CHOICE:
            shown = {c["code"]: c.get("name", c["code"]) for c in element.choices}.get(v.value, v.value)
        out.append(
            {
                "element": element.code,
                "element_name": element.name,
                "cell": v.cell,
                "cell_label": labels[v.element_id].get(v.cell, v.cell),
                "value": v.value,
                "shown": shown,
                "number": v.number,
                "unit": element.unit,
                "order": (element.section.order, element.order, v.cell),
            }
        )
    out.sort(key=lambda r: r["order"])
    for row in out:
        del row["order"]
    return out
