"""Demo data of the reporting analytics: the 2020 period of the 高职院校实验室信息统计 with the
colleges' approved submissions (so the pivot has a year-over-year base), and 示例 indicators with
invented targets for the dashboard. Every value is invented and marked 示例; everything is
written through the services by the demo actor."""

from __future__ import annotations

import datetime
import random
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from zhijiao.core.actors import system_actor
from zhijiao.core.lifecycle import fire
from zhijiao.orgs.models import Institution

from . import services
from .demo import KEY, demo_values
from .models import DataSet, Indicator, Period, ScoringScheme

DEADLINE_2020 = datetime.date(2021, 1, 15)  # 示例: an invented deadline

# (code, name, element, target, unit): invented demo indicators and targets, not official ones.
INDICATORS = [
    ("demo_labs", "示例：高职院校实验室总数", "labs_total", 2000, "个"),
    ("demo_equipment_value", "示例：高职院校仪器设备资产总值", "equipment_value", 600000, "万元"),
    ("demo_lab_staff", "示例：专任实验室人员数", "staff_total", 1500, "人"),
]


# Invented demo scoring schemes (示例): no official 考核 scheme is cited.
SCHEMES = [
    (
        "demo_lab_school",
        "示例：高职院校实验室条件考核（演示方案）",
        "school",
        [
            ("实验室总数", "labs_total", 40, 20, 150),
            ("仪器设备资产总值", "equipment_value", 40, 5000, 50000),
            ("具有硕士及以上学位的实验室人员", "staff_master", 20, 0, 60),
        ],
    ),
    (
        "demo_lab_city",
        "示例：各市高职实验室条件考核（演示方案）",
        "city",
        [
            ("实验室总数", "labs_total", 50, 50, 400),
            ("当年新增设备值", "equipment_value_new", 50, 1000, 20000),
        ],
    ),
]


def _schemes(actor, data_set) -> None:
    for code, name, level, items in SCHEMES:
        if ScoringScheme.objects.filter(code=code).exists():
            continue
        services.scheme_create(
            actor=actor,
            code=code,
            name=name,
            data_set=data_set,
            level=level,
            items=[
                {"name": n, "element_code": e, "weight": w, "zero_at": z, "full_at": f}
                for n, e, w, z, f in items
            ],
        )


@transaction.atomic
def load_demo_analytics(*, actor=None):
    """Runs once (after the reporting demo); a second call finds the 2020 period and returns."""
    actor = actor or system_actor("demo")
    data_set = DataSet.objects.filter(code="lab_stats").first()
    if data_set is None:
        return
    _schemes(actor, data_set)
    if data_set.periods.filter(code="2020").exists():
        return
    period = Period.objects.create(
        data_set=data_set,
        code="2020",
        start=datetime.date(2020, 1, 1),
        end=datetime.date(2020, 12, 31),
        # Entered as if on time: the period stays open while the demo replays the colleges' 2020
        # forms, then takes its real (示例, invented) deadline — a seed shortcut, not a service write.
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    colleges = Institution.objects.filter(kind__in=data_set.reporter_kinds).order_by("pk")[:12]
    for college in colleges:
        rng = random.Random(college.pk * 7 + 2020)
        submission = services.submission_open(actor=actor, institution=college, period=period)
        submission = services.submission_save_values(
            actor=actor, submission=submission, values=demo_values(rng), revision=submission.revision
        )
        submission = fire(KEY, submission, "submit", actor=actor)
        services.submissions_decide(actor=actor, submissions=[submission], decision="approve")
        services.submissions_decide(actor=actor, submissions=[submission], decision="approve")
    Period.objects.filter(pk=period.pk).update(deadline=DEADLINE_2020)
    for order, (code, name, element, target, unit) in enumerate(INDICATORS):
        if not Indicator.objects.filter(code=code).exists():
            services.indicator_create(
                actor=actor,
                code=code,
                name=name,
                data_set=data_set,
                element_code=element,
                target=target,
                target_year=2022,
                unit=unit,
                order=order,
            )


# --- reports from data: the 高地 indicators, a 考核 scheme of the 质量年报 base data, a school's
# narrative, a 简报 issue, and one generated sample PDF of every kind ------------------------------

# (code, name, data set, element, target, unit): invented 示例 indicators and targets.
GAODI_INDICATORS = [
    ("demo_gaodi_bases", "示例：大型共享智能实习实训基地", "gaodi_dispatch", "shared_bases", 120, "个"),
    ("demo_gaodi_mixed", "示例：混合所有制办学项目", "gaodi_dispatch", "mixed_ownership", 150, "个"),
    ("demo_gaodi_recruited", "示例：学校自主招聘教师", "gaodi_dispatch", "teachers_recruited", 3000, "人"),
    (
        "demo_gaodi_investment",
        "示例：企业投入办学资金",
        "gaodi_dispatch",
        "enterprise_investment",
        50000,
        "万元",
    ),
    ("demo_zz_graduates", "示例：中职毕业生人数", "zz_employment", "graduates", 60000, "人"),
]
QUALITY_SCHEME = (
    "demo_zz_quality",
    "示例：中职学校办学质量考核（演示方案）",
    "school",
    [
        ("职业技能等级证书获取率", "certificate_rate", 30, 40, 95),
        ("“双师型”教师数", "dual_teachers", 30, 20, 300),
        ("生均教学仪器设备值", "equipment_per_student", 20, 3000, 15000),
        ("合作企业数", "partner_enterprises", 20, 10, 120),
    ],
)
NARRATIVE = {
    "overview": "（示例）学校为公办全日制中等职业学校，开设专业覆盖装备制造、信息技术、财经商贸等大类。",
    "student_development": "（示例）学生职业技能等级证书获取率稳步提高，省级以上技能大赛获奖项目增加。",
    "teaching": "（示例）完善教学诊断与改进机制，建立专业、课程、教师、学生四个层面的质量保证体系。",
    "cooperation": "（示例）与本地龙头企业共建产业学院，开设订单班，推行现代学徒制。",
    "contribution": "（示例）面向社区和企业职工开展技能培训，服务地方产业发展。",
    "sponsor": "（示例）举办者按时足额拨付生均经费，支持学校改善实训条件。",
    "features": "（示例）以“岗课赛证”融通推进课程改革，形成可推广的做法。",
    "problems": "（示例）“双师型”教师比例仍需提高；下一步将加大企业实践和教师培训力度。",
}


def _indicators(actor) -> None:
    for order, (code, name, ds_code, element, target, unit) in enumerate(GAODI_INDICATORS, start=10):
        data_set = DataSet.objects.filter(code=ds_code).first()
        if data_set is None or Indicator.objects.filter(code=code).exists():
            continue
        services.indicator_create(
            actor=actor,
            code=code,
            name=name,
            data_set=data_set,
            element_code=element,
            target=target,
            target_year=2022,
            unit=unit,
            order=order,
        )


def _quality_scheme(actor) -> ScoringScheme | None:
    code, name, level, items = QUALITY_SCHEME
    data_set = DataSet.objects.filter(code="quality_base").first()
    if data_set is None:
        return None
    found = ScoringScheme.objects.filter(code=code).first()
    if found is not None:
        return found
    return services.scheme_create(
        actor=actor,
        code=code,
        name=name,
        data_set=data_set,
        level=level,
        items=[
            {"name": n, "element_code": e, "weight": w, "zero_at": z, "full_at": f} for n, e, w, z, f in items
        ],
    )


def _sample_pdfs(actor, *, school_report, bulletin, scheme) -> list[str]:
    """One generated PDF of every kind, as the province sees it, in MEDIA_ROOT/reporting/samples."""
    from django.conf import settings

    from zhijiao.orgs.models import Region

    from . import reports

    folder = Path(settings.MEDIA_ROOT) / "reporting" / "samples"
    folder.mkdir(parents=True, exist_ok=True)
    province = Region.objects.filter(parent__isnull=True).order_by("code").first()
    made = []

    def write(name, render):
        (folder / name).write_bytes(render())
        made.append(name)

    if school_report is not None:
        write("quality-report.pdf", lambda: reports.quality_report_pdf(user=actor, report=school_report))
    if province is not None:
        write("quality-summary.pdf", lambda: reports.summary_pdf(user=actor, region=province, year=2021))
    employment = reports.employment_periods().first()
    if employment is not None:
        write("employment-report.pdf", lambda: reports.employment_pdf(user=actor, period=employment))
    if bulletin is not None:
        write("bulletin.pdf", lambda: reports.bulletin_pdf(user=actor, bulletin=bulletin))
    period = scheme.data_set.periods.order_by("-start").first() if scheme is not None else None
    if period is not None:
        write("scoring-analysis.pdf", lambda: reports.scoring_pdf(user=actor, scheme=scheme, period=period))
    return made


def load_demo_reports(*, actor=None, samples: bool = True):
    """The 高地 indicators and the 中职 考核 scheme (示例), the demo school's 2021 质量年度报告
    with its narrative (示例) marked final and a second school's in draft, the province's first
    简报 issue, and — with ``samples`` — a generated PDF of every kind. Runs once."""
    from zhijiao.orgs.models import Region

    from . import services_reports
    from .demo import _demo_school
    from .models import Bulletin, QualityReport

    actor = actor or system_actor("demo")
    with transaction.atomic():
        _indicators(actor)
        scheme = _quality_scheme(actor)
        if QualityReport.objects.exists():
            return
        school = _demo_school()
        report = None
        if school is not None:
            report = services_reports.quality_report_open(actor=actor, institution=school, year=2021)
            report = services_reports.quality_report_save(
                actor=actor, report=report, narratives=NARRATIVE, revision=report.revision
            )
            report = services_reports.quality_report_finalise(actor=actor, report=report)
        other = (
            Institution.objects.filter(kind="secondary")
            .exclude(pk=getattr(school, "pk", None))
            .order_by("pk")
            .first()
        )
        if other is not None:
            draft = services_reports.quality_report_open(actor=actor, institution=other, year=2021)
            services_reports.quality_report_save(
                actor=actor,
                report=draft,
                narratives={"overview": NARRATIVE["overview"]},
                revision=draft.revision,
            )
        province = Region.objects.filter(parent__isnull=True).order_by("code").first()
        codes = [c for c, *_rest in GAODI_INDICATORS if Indicator.objects.filter(code=c).exists()]
        bulletin = None
        if province is not None and codes and not Bulletin.objects.exists():
            bulletin = services_reports.bulletin_create(
                actor=actor,
                region=province,
                title="部省共建国家职业教育创新发展高地简报（示例）",
                indicators=codes,
                note="（示例）本期调度2021年第三季度职教高地主要指标完成情况。",
                issued_on=datetime.date(2021, 10, 20),
            )
    if samples:
        _sample_pdfs(actor, school_report=report, bulletin=bulletin, scheme=scheme)
