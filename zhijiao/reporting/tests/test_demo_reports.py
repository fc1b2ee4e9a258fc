"""The demo of issue 14's collections and reports: the 高地 dispatch (quarterly), the 中职毕业生
就业去向 (graduates from 学籍, a destination each), the 质量年报 base data in every state, and a
generated sample of every kind of report."""

import pytest

from zhijiao.accounts.choices import Role
from zhijiao.core.testing import InstitutionFactory, make_user
from zhijiao.orgs.choices import InstitutionKind
from zhijiao.reporting import demo, demo_analytics
from zhijiao.reporting.choices import SubmissionStatus as S
from zhijiao.reporting.models import Bulletin, DataValue, Period, QualityReport, ReportStatus, Submission


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


def test_demo_collections_and_reports(world, schools, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo.load_demo_reporting()
    demo_analytics.load_demo_analytics()
    demo.load_demo_collections()
    demo_analytics.load_demo_reports()
    quarters = Period.objects.filter(data_set__code="gaodi_dispatch").values_list("code", flat=True)
    assert sorted(quarters) == ["2021Q1", "2021Q2", "2021Q3"]
    for code in ("quality_base", "gaodi_dispatch"):
        states = set(Submission.objects.filter(period__data_set__code=code).values_list("status", flat=True))
        assert {S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED, S.LOCKED, S.REOPENED} <= states, code
    # Every graduate has one destination: the destinations add up to the graduates.
    for sub in Submission.objects.filter(period__data_set__code="zz_employment"):
        numbers = DataValue.objects.filter(submission=sub, element__code__in=["graduates", "destinations"])
        total = sum(v.number for v in numbers if v.element.code == "graduates")
        assert total == sum(v.number for v in numbers if v.element.code == "destinations") > 0
        assert sub.status == S.APPROVED
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
