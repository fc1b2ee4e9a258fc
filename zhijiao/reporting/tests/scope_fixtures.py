"""Scope-matrix rows for 数据报送: a small data set, a submission of school A (approved, so its
values roll up into 历下/济南/山东) and of school B (approved: 市南/青岛), a draft of the college,
and the two cities' own returns (济南 submitted, 青岛 a draft). Data sets and periods are
reference data every signed-in user reads."""

from __future__ import annotations

import datetime

from zhijiao.core.lifecycle import fire
from zhijiao.core.testing_scope import object_url, scope_fixture, scope_rule, single_owner
from zhijiao.reporting import services
from zhijiao.reporting.definitions import definition_load
from zhijiao.reporting.models import (
    CitySubmission,
    DataSet,
    DataSetVersion,
    Indicator,
    Period,
    ScoringScheme,
    Submission,
)

DEFINITION = """
code: scope_demo
name: 范围测试数据集
version: 1
period_type: year
sections:
  - code: main
    name: 基本
    elements:
      - {code: teachers_total, name: 教师总数, type: integer, min: 0}
"""


@scope_fixture()
def reporting(sw) -> None:
    version = definition_load(actor=sw["province_admin"], text=DEFINITION)
    period = Period.objects.create(
        data_set=version.data_set,
        code="2021",
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2021, 12, 31),
        deadline=datetime.date(2099, 1, 15),
    )
    for who, school, city in (("school_a", sw.school_a, "jinan"), ("school_b", sw.school_b, "qingdao")):
        s = services.submission_open(actor=sw[who], institution=school, period=period)
        s = services.submission_save_values(
            actor=sw[who], submission=s, values={("teachers_total", ""): "12"}, revision=s.revision
        )
        s = fire("reporting.submission", s, "submit", actor=sw[who])
        services.submissions_decide(actor=sw[city], submissions=[s], decision="approve")
        services.submissions_decide(actor=sw["province_admin"], submissions=[s], decision="approve")
    services.submission_open(actor=sw["college"], institution=sw.college, period=period)
    version.data_set.reporters = {"city_return": "any_time"}
    version.data_set.save()
    jinan = services.city_submission_open(actor=sw["jinan"], city=sw.jinan, period=period)
    fire("reporting.city_submission", jinan, "submit", actor=sw["jinan"])
    services.city_submission_open(actor=sw["qingdao"], city=sw.qingdao, period=period)


def _reference(row, user, action) -> bool:
    """Data sets and periods: every signed-in user reads them; writes go through the province's
    definition loader, not the API."""
    return action == "view"


scope_rule(DataSet, _reference)
scope_rule(Period, _reference)
single_owner(DataSet, "reference data of the province, read by every signed-in user")
single_owner(Period, "reference data of the province, read by every signed-in user")


object_url("reporting:submission_form", Submission)
object_url("reporting:template_download", Submission)
object_url("reporting:template_upload", Submission)
object_url("reporting:check", Submission)
object_url("reporting:prefill", Submission)
object_url("reporting:city_submission", CitySubmission)
object_url("reporting:city_template_download", CitySubmission)
object_url("reporting:city_template_upload", CitySubmission)
object_url("reporting:city_check", CitySubmission)


# --- the data-set editor, indicators and scoring schemes: province staff only ---------------------


def _province_only(row, user, action) -> bool:
    from zhijiao.core.scoping import user_scope

    return user_scope(user).is_province


@scope_fixture(after=("reporting.reporting",))
def reporting_editor(sw) -> None:
    from zhijiao.reporting import services_editor
    from zhijiao.reporting.models import DataSet

    data_set = DataSet.objects.get(code="scope_demo")
    services_editor.version_draft(actor=sw["province_admin"], data_set=data_set)
    for n in (1, 2):
        services_editor.indicator_save(
            actor=sw["province_admin"],
            code=f"scope_teachers_{n}",
            name=f"教师总数{n}",
            data_set=data_set,
            element_code="teachers_total",
        )
        services_editor.scheme_save(
            actor=sw["province_admin"],
            code=f"scope_scheme_{n}",
            name=f"考核{n}（示例）",
            data_set=data_set,
            level="school",
            items=[
                {"name": "教师", "element_code": "teachers_total", "weight": 10, "zero_at": 0, "full_at": 20}
            ],
        )


# Data sets stay reference data every signed-in user reads (``_reference`` above, the API lists them);
# their versions in the editor, indicators and schemes are the province's.
for _model in (DataSetVersion, Indicator, ScoringScheme):
    scope_rule(_model, _province_only)
for _name in (
    "editor_version",
    "editor_edit",
    "editor_publish",
    "editor_discard",
    "editor_export",
    "editor_import",
    "editor_period",
    "editor_expression",
):
    object_url(f"reporting:{_name}", DataSetVersion)
object_url("reporting:file_upload", Submission)
object_url("reporting:file_download", Submission)
object_url("reporting:editor_indicator", Indicator)
object_url("reporting:editor_scheme", ScoringScheme)

# The reports from data register their rows and URLs in a module of their own.
from zhijiao.reporting.tests import scope_fixtures_reports  # noqa: E402, F401
