"""Reports from data: the school's 质量年度报告 (narrative + approved figures), the summaries, the
中职就业年度报告, the numbered 简报, the 考核结果分析报告 — PDFs read back with pdftotext — who may
generate which (other organisations → 404), and the resumable batch of a report per school."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhijiao.core import jobfiles
from zhijiao.core.jobs import checkpoint_set
from zhijiao.core.lifecycle import fire
from zhijiao.core.models import Job, JobStatus
from zhijiao.reporting import charts, reports, services, services_reports
from zhijiao.reporting.definitions import definition_load
from zhijiao.reporting.models import Bulletin, Indicator, Period, QualityReport, ReportStatus

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed"),
]

DATA = Path(__file__).resolve().parents[1] / "data"


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def approved(world, period, school, who, city, values, rows=None):
    s = services.submission_open(actor=world[who], institution=school, period=period)
    s = services.submission_save_values(
        actor=world[who], submission=s, values=values, revision=s.revision, rows=rows
    )
    s = fire("reporting.submission", s, "submit", actor=world[who])
    services.submissions_decide(actor=world[city], submissions=[s], decision="approve")
    services.submissions_decide(actor=world["province_admin"], submissions=[s], decision="approve")
    return s


@pytest.fixture
def figures(world, period):
    """Approved 2021 teachers' data of both schools (济南 17 teachers, 青岛 30)."""
    approved(
        world,
        period,
        world.school_a,
        "school_a",
        "jinan",
        {
            ("teachers_total", ""): "17",
            ("teachers_fulltime", "male"): "6",
            ("teachers_fulltime", "female"): "9",
        },
    )
    approved(world, period, world.school_b, "school_b", "qingdao", {("teachers_total", ""): "30"})
    return period


@pytest.fixture
def report_a(world, figures):
    return services_reports.quality_report_open(
        actor=world["school_a"], institution=world.school_a, year=2021
    )


def test_school_writes_its_narrative_and_gets_its_report(world, login, client, report_a):
    client = login(world["school_a"])
    url = reverse("reporting:quality_report", args=[report_a.pk])
    assert client.get(url).status_code == 200
    r = client.post(url, {"revision": 0, "n__overview": "本校始建于1958年。", "action": "save"})
    assert r.status_code == 302
    report_a.refresh_from_db()
    assert report_a.narratives["overview"] == "本校始建于1958年。" and report_a.revision == 1
    # A save from a stale page is refused and changes nothing.
    r = client.post(url, {"revision": 0, "n__overview": "改写", "action": "save"})
    assert "Someone saved this report" in r.content.decode()
    report_a.refresh_from_db()
    assert report_a.narratives["overview"] == "本校始建于1958年。"
    pdf = client.get(reverse("reporting:quality_report_pdf", args=[report_a.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "本校始建于1958年。" in text
    assert "教师情况" in text and "17" in text and "男" in text  # the approved figures and their cells
    assert "Draft: the narrative may still change." in text


def test_finalising_needs_every_section_and_locks_the_narrative(world, report_a):
    with pytest.raises(ValidationError, match="Write every section first"):
        services_reports.quality_report_finalise(actor=world["school_a"], report=report_a)
    texts = {code: f"{label}（示例）" for code, label in reports.NARRATIVE_SECTIONS}
    report_a = services_reports.quality_report_save(
        actor=world["school_a"], report=report_a, narratives=texts, revision=0
    )
    report_a = services_reports.quality_report_finalise(actor=world["school_a"], report=report_a)
    assert report_a.status == ReportStatus.FINAL and report_a.finalised_at
    with pytest.raises(ValidationError, match="final"):
        services_reports.quality_report_save(
            actor=world["school_a"], report=report_a, narratives={"overview": "x"}, revision=report_a.revision
        )
    # Only an authority re-opens, with a reason.
    with pytest.raises(Exception, match="city or the province"):
        services_reports.quality_report_reopen(actor=world["school_a"], report=report_a, reason="更正")
    with pytest.raises(ValidationError):
        services_reports.quality_report_reopen(actor=world["jinan"], report=report_a, reason=" ")
    report_a = services_reports.quality_report_reopen(
        actor=world["jinan"], report=report_a, reason="更正数据"
    )
    assert report_a.status == ReportStatus.DRAFT


def test_bad_narrative_input_is_refused_whole(world, report_a):
    with pytest.raises(ValidationError) as exc:
        services_reports.quality_report_save(
            actor=world["school_a"],
            report=report_a,
            narratives={"overview": "好", "nope": "x", "problems": "长" * (reports.NARRATIVE_MAX + 1)},
            revision=0,
        )
    assert set(exc.value.error_dict) == {"nope", "problems"}
    report_a.refresh_from_db()
    assert report_a.narratives == {} and report_a.revision == 0


def test_report_scope(world, login, client, report_a):
    urls = [
        reverse("reporting:quality_report", args=[report_a.pk]),
        reverse("reporting:quality_report_pdf", args=[report_a.pk]),
    ]
    for who in ("school_b", "qingdao"):
        login(world[who])
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
        assert client.post(urls[0], {"revision": 0, "n__overview": "x"}).status_code == 404
        # Opening another organisation's school is refused too.
        r = client.post(reverse("reporting:quality_open"), {"institution": world.school_a.pk, "year": 2021})
        assert r.status_code == 404
    report_a.refresh_from_db()
    assert report_a.narratives == {}
    for who in ("jinan", "province_admin"):
        login(world[who])
        assert client.get(urls[0]).status_code == 200, who
    assert QualityReport.objects.count() == 1


def test_school_opens_its_own_report_from_the_reports_page(world, login, client, figures):
    login(world["school_a"])
    page = client.get(reverse("reporting:reports"), {"year": 2021}).content.decode()
    assert "Start the report" in page
    r = client.post(reverse("reporting:quality_open"), {"institution": world.school_a.pk, "year": "abc"})
    assert r.status_code == 302 and not QualityReport.objects.exists()
    r = client.post(reverse("reporting:quality_open"), {"institution": world.school_a.pk, "year": 2021})
    report = QualityReport.objects.get()
    assert r.url == reverse("reporting:quality_report", args=[report.pk])
    # Authority-only outputs are not the school's.
    for name in ("summary_pdf", "scoring_pdf"):
        assert client.get(reverse(f"reporting:{name}"), {"year": 2021}).status_code == 404


def test_reports_page_for_every_side(world, login, client, figures):
    for who in ("school_a", "jinan", "province_admin"):
        login(world[who])
        assert client.get(reverse("reporting:reports")).status_code == 200, who
    page = client.get(reverse("reporting:reports"), {"year": 2021}).content.decode()
    assert world.school_a.name in page and world.school_b.name in page
    login(world["jinan"])
    page = client.get(reverse("reporting:reports"), {"year": 2021}).content.decode()
    assert world.school_a.name in page and world.school_b.name not in page


def test_summary_of_a_city_and_of_the_province(world, login, client, figures):
    login(world["jinan"])
    r = client.get(reverse("reporting:summary_pdf"), {"year": 2021})
    text = pdf_text(r.content)
    assert (
        "济南市" in text
        and "教师总数" in text
        and "17" in text
        and "30" not in text.split("教师总数")[1][:40]
    )
    # Qingdao's summary is not Jinan's to read.
    assert (
        client.get(reverse("reporting:summary_pdf"), {"year": 2021, "region": world.qingdao.pk}).status_code
        == 404
    )
    assert client.get(reverse("reporting:summary_pdf"), {"year": "x"}).status_code == 404
    login(world["province_admin"])
    text = pdf_text(client.get(reverse("reporting:summary_pdf"), {"year": 2021}).content)
    assert "山东省" in text and "47" in text and "青岛市" in text  # 17 + 30, and a bar per city


def test_employment_report(world, login, client):
    version = definition_load(actor=world["province_admin"], text=(DATA / "zz_employment.yaml").read_text())
    period = Period.objects.create(
        data_set=version.data_set, code="2021", start="2021-01-01", end="2021-12-31", deadline="2099-12-31"
    )
    cells = {"employed": 50, "further": 30, "army": 5, "self": 5, "pending": 10}
    # Version 2: a destination per graduate (typed rows here), the counts derived from the list.
    graduates = [d for d, n in cells.items() for _i in range(n)]
    approved(
        world,
        period,
        world.school_a,
        "school_a",
        "jinan",
        {},
        rows={"graduate_list": [(f"new{i}", {"destination": d}) for i, d in enumerate(graduates)]},
    )
    login(world["school_a"])
    text = pdf_text(client.get(reverse("reporting:employment_pdf"), {"period": period.pk}).content)
    assert "直接就业" in text and "待就业" in text and "90.0%" in text and world.school_a.name in text
    login(world["school_b"])
    text = pdf_text(client.get(reverse("reporting:employment_pdf"), {"period": period.pk}).content)
    assert world.school_a.name not in text  # another school's figures are not in its copy
    assert client.get(reverse("reporting:employment_pdf"), {"period": "999999"}).status_code == 404


def test_bulletins_are_numbered_per_region_and_year(world, login, client, figures):
    Indicator.objects.create(
        code="teachers",
        name="教师总数指标",
        data_set=figures.data_set,
        element_code="teachers_total",
        target=100,
    )
    login(world["jinan"])
    url = reverse("reporting:bulletin_create")
    for _n in range(2):
        client.post(url, {"title": "高地建设简报", "indicator": ["teachers"], "issued_on": "2021-06-15"})
    assert list(Bulletin.objects.values_list("number", flat=True).order_by("number")) == [1, 2]
    # Bad input: nothing written, a clear message.
    r = client.post(url, {"title": "", "indicator": ["nope"], "issued_on": "2021-13-01"}, follow=True)
    assert "Enter a valid date." in r.content.decode()
    r = client.post(url, {"title": "", "indicator": ["nope"]}, follow=True)
    assert "Give the bulletin a title." in r.content.decode() and Bulletin.objects.count() == 2
    second = Bulletin.objects.get(number=2)
    r = client.get(reverse("reporting:bulletin_pdf", args=[second.pk]))
    assert "2021-002" in r["Content-Disposition"]
    text = pdf_text(r.content)
    assert "高地建设简报" in text and "2021, issue 2" in text and "教师总数指标" in text and "17.0%" in text
    assert "2021-06-15" in text
    for who in ("qingdao", "school_a"):
        login(world[who])
        assert client.get(reverse("reporting:bulletin_pdf", args=[second.pk])).status_code == 404
    login(world["school_a"])
    assert client.post(url, {"title": "x", "indicator": ["teachers"]}).status_code == 404
    assert Bulletin.objects.count() == 2


def test_scoring_analysis(world, login, client, figures):
    scheme = services.scheme_create(
        actor=world["province_admin"],
        code="t",
        name="教师考核",
        data_set=figures.data_set,
        level="school",
        items=[
            {"name": "教师数", "element_code": "teachers_total", "weight": 10, "zero_at": 0, "full_at": 30}
        ],
    )
    login(world["province_admin"])
    r = client.get(reverse("reporting:scoring_pdf"), {"scheme": scheme.pk, "period": figures.pk})
    text = pdf_text(r.content)
    assert "教师考核" in text and "Ranking" in text and "Score band" in text
    assert world.school_a.name in text and world.school_b.name in text and "5.67" in text
    login(world["jinan"])
    text = pdf_text(
        client.get(reverse("reporting:scoring_pdf"), {"scheme": scheme.pk, "period": figures.pk}).content
    )
    assert world.school_a.name in text and world.school_b.name not in text
    assert (
        client.get(reverse("reporting:scoring_pdf"), {"scheme": scheme.pk, "period": "x"}).status_code == 404
    )


def test_score_bins():
    from decimal import Decimal

    bins = charts.score_bins([Decimal(0), Decimal("9.99"), Decimal(10), Decimal(100)], Decimal(100))
    assert bins[0] == ("0–10", 2) and bins[1][1] == 1 and bins[-1] == ("90–100", 1)


def test_batch_of_reports_resumes_after_a_restart(world, login, client, figures, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login(world["jinan"])
    r = client.post(reverse("reporting:report_batch"), {"year": 2021})
    job = Job.objects.get(kind=reports.QUALITY_BATCH)
    assert r.url == reverse("reporting:report_job", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED and job.result["reports"] == 1  # Jinan's one school
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(reverse("reporting:report_job_download", args=[job.pk])).getvalue())
    )
    assert len(archive.namelist()) == 1 and world.school_a.name in archive.namelist()[0]
    assert "教师情况" in pdf_text(archive.read(archive.namelist()[0]))
    # Another user cannot follow or download it.
    login(world["province_admin"])
    assert client.get(reverse("reporting:report_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("reporting:report_job_download", args=[job.pk])).status_code == 404
    # A rerun after a crash renders only the schools not done yet.
    job2 = Job.objects.create(
        kind=reports.QUALITY_BATCH,
        params={"year": 2021, "ids": [world.school_a.pk, world.school_b.pk]},
        created_by=world["province_admin"],
    )
    first = min(world.school_a.pk, world.school_b.pk)
    # the part is kept in the file storage, where a worker on another host finds it
    jobfiles.save(reports.batch_part(job2, first), b"%PDF-1.4 done before the crash")
    checkpoint_set(job2, "done", 1)
    with mock.patch.object(reports, "quality_report_pdf", return_value=b"%PDF-1.4 new") as render:
        result = reports.quality_batch(job2)
    assert render.call_count == 1 and result["reports"] == 2
    with zipfile.ZipFile(jobfiles.open(reports.batch_output(job2))) as archive:
        contents = sorted(archive.read(n) for n in archive.namelist())
    assert contents == [b"%PDF-1.4 done before the crash", b"%PDF-1.4 new"]
    assert not jobfiles.exists(reports.batch_part(job2, first))  # the parts are removed
    assert not QualityReport.objects.exists()  # the batch writes no report rows


def test_batch_refused_without_schools_or_for_a_school(world, login, client, figures):
    login(world["school_a"])
    assert client.post(reverse("reporting:report_batch"), {"year": 2021}).status_code == 404
    login(world["jinan"])
    r = client.post(reverse("reporting:report_batch"), {"year": 2019}, follow=True)
    assert "No school in your scope" in r.content.decode() and not Job.objects.exists()


def test_reports_page_queries_do_not_grow_with_schools(
    world, login, client, figures, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhijiao.core.testing import InstitutionFactory

    login(world["province_admin"])
    url = reverse("reporting:reports")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"year": 2021}).status_code == 200
    for n in range(6):
        school = InstitutionFactory(name=f"加测学校{n}", region=world.lixia)
        approved(world, figures, school, "province_admin", "province_admin", {("teachers_total", ""): "5"})
        services_reports.quality_report_open(actor=world["province_admin"], institution=school, year=2021)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url, {"year": 2021}).content.decode()
    assert "加测学校5" in page
