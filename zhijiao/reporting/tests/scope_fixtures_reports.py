"""Scope-matrix rows of the reports from data: a quality report of school A (济南) and of school B
(青岛), and a 简报 issued by each city; the id-taking report URLs and the models they name."""

from __future__ import annotations

import datetime

from zhijiao.core.models import Job
from zhijiao.core.testing_scope import object_url, scope_fixture
from zhijiao.reporting import services_reports
from zhijiao.reporting.models import Bulletin, QualityReport


@scope_fixture(after=("reporting.reporting",))
def reports(sw) -> None:
    for who, school in (("school_a", sw.school_a), ("school_b", sw.school_b)):
        services_reports.quality_report_open(actor=sw[who], institution=school, year=2021)
    for city in (sw.jinan, sw.qingdao):
        # Written directly: the matrix needs the rows, the bulletin service is tested on its own.
        Bulletin.objects.create(
            region=city,
            year=2021,
            number=1,
            issued_on=datetime.date(2021, 6, 15),
            title="简报",
            indicators=[],
        )


object_url("reporting:quality_report", QualityReport)
object_url("reporting:quality_report_pdf", QualityReport)
object_url("reporting:bulletin_pdf", Bulletin)
object_url("reporting:report_job", Job)
object_url("reporting:report_job_download", Job)
