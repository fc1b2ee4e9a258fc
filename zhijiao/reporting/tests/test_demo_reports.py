"""The demo of issue 14's collections and reports: the 高地 dispatch (quarterly), the 中职毕业生
就业去向 (graduates from 学籍, a destination each), the 质量年报 base data in every state, and a
generated sample of every kind of report."""

import datetime

import pytest

from zhijiao.accounts.choices import Role
from zhijiao.core.testing import InstitutionFactory, make_user
from zhijiao.orgs.choices import InstitutionKind
from zhijiao.orgs.models import Region
from zhijiao.reporting import demo, demo_analytics
from zhijiao.reporting.choices import SubmissionStatus as S
from zhijiao.reporting.models import (
    Aggregate,
    Bulletin,
    CityDataValue,
    CitySubmission,
    DataValue,
    Period,
    QualityReport,
    ReportStatus,
    Submission,
)


@pytest.fixture
def schools(world):
    for n in range(8):
        InstitutionFactory(name=f"测试中职{n}", region=world.lixia if n % 2 else world.shinan)
        InstitutionFactory(
            name=f"测试职业学院{n}",
            kind=InstitutionKind.HIGHER_VOCATIONAL,
            region=world.lixia if n % 2 else world.shinan,
        )
    make_user("school", Role.SCHOOL_ADMIN, node=world.school_a)
    # two graduates in 学籍 (entered 2022, three years: they finish in 2025)
    from zhijiao.students.tests.factories import add_student

    for name in ("王小明", "李小红"):
        add_student(world, name=name, status="registered", entry=datetime.date(2022, 9, 1))


def test_demo_collections_and_reports(world, schools, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo.load_demo_reporting()
    demo_analytics.load_demo_analytics()
    demo.load_demo_collections()
    demo_analytics.load_demo_reports()
    quarters = Period.objects.filter(data_set__code="gaodi_dispatch").values_list("code", flat=True)
    assert sorted(quarters) == ["2021Q1", "2021Q2", "2021Q3"]
    states = set(
        Submission.objects.filter(period__data_set__code="quality_base").values_list("status", flat=True)
    )
    assert {S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED, S.LOCKED, S.REOPENED} <= states
    # The 高地 dispatch is reported by the city bureaus: no school has a form of it; every city's
    # return of the past quarters is accepted, the current quarter's are in every state.
    assert not Submission.objects.filter(period__data_set__code="gaodi_dispatch").exists()
    returns = CitySubmission.objects.filter(period__data_set__code="gaodi_dispatch")
    cities = Region.objects.filter(level="city").count()
    for code in ("2021Q1", "2021Q2"):
        past = returns.filter(period__code=code)
        assert past.count() == cities and set(past.values_list("status", flat=True)) == {"accepted"}
    now = dict(returns.filter(period__code="2021Q3").values_list("city__code", "status"))
    assert now["370100"] == "accepted" and now["370200"] == "returned"  # 青岛 corrects its return
    assert sorted(now.values()) == sorted(demo.CITY_STATES[:cities])  # the test world has two cities
    # A closed period of a school-filled set has every city's return accepted: the province's
    # home shows no city overdue.
    from django.utils import timezone

    from zhijiao.reporting.selectors import authority_home_counts

    closed = Period.objects.filter(deadline__lt=timezone.localdate()).exclude(data_set__code="gaodi_dispatch")
    assert closed.exists()
    for period in closed:
        assert CitySubmission.objects.filter(period=period, status="accepted").count() == cities
    counts = authority_home_counts(user=world["province_admin"], today=timezone.localdate())
    assert counts["returns_overdue"] == 0
    assert counts["returns_to_accept"] == demo.CITY_STATES[:cities].count("submitted")
    # The accepted returns are in the province's rollups (the 高地 dashboard reads them).
    jinan = returns.get(period__code="2021Q3", city__code="370100")
    own = CityDataValue.objects.get(city_submission=jinan, element__code="order_classes").number
    province = Region.objects.get(level="province")
    assert Aggregate.objects.get(
        region=province, period=jinan.period, element_code="order_classes"
    ).total == own + sum(
        CityDataValue.objects.filter(
            city_submission__period=jinan.period,
            city_submission__status="accepted",
            element__code="order_classes",
        )
        .exclude(city_submission=jinan)
        .values_list("number", flat=True)
    )
    # Every graduate has one destination: the destinations add up to the graduates.
    employment = Submission.objects.filter(period__data_set__code="zz_employment")
    for sub in employment:
        numbers = DataValue.objects.filter(submission=sub, element__code__in=["graduates", "destinations"])
        total = sum(v.number for v in numbers if v.element.code == "graduates")
        assert total == sum(v.number for v in numbers if v.element.code == "destinations") > 0
        assert sub.status == S.APPROVED
    # 2021 was reported under version 1 (counts only) and stays so; version 2 (a destination per
    # graduate listed from 学籍, the counts derived) serves the year of the graduates in 学籍: only
    # the school that has them reports it, every row named and masked as 学籍 has it.
    assert {s.version.number for s in employment.filter(period__code="2021")} == {1}
    assert not employment.filter(period__code="2021", rows__isnull=False).exists()
    (latest,) = employment.filter(period__code="2025")
    assert latest.version.number == 2 and latest.institution == world.school_a
    rows = list(latest.rows.order_by("person_name"))
    assert [r.person_name for r in rows] == ["李小红", "王小明"]
    assert all(r.id_masked and "*" in r.id_masked and r.values.get("destination") for r in rows)
    assert DataValue.objects.get(submission=latest, element__code="graduates").number == 2
    own = QualityReport.objects.get(institution=world.school_a, year=2021)
    assert own.status == ReportStatus.FINAL and all("示例" in t for t in own.narratives.values())
    assert Bulletin.objects.get().number == 1
    samples = sorted(p.name for p in (tmp_path / "reporting" / "samples").iterdir())
    assert samples == [
        "bulletin.pdf",
        "employment-report.pdf",
        "quality-report.pdf",
        "quality-summary.pdf",
        "scoring-analysis.pdf",
    ]
    # Idempotent.
    demo.load_demo_collections()
    demo_analytics.load_demo_reports(samples=False)
    assert QualityReport.objects.count() == 2 and Bulletin.objects.count() == 1
