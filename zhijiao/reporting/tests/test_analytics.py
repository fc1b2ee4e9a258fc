"""The analytics of 数据报送: facts by city, kind, ownership and 专业大类 maintained on approval and
taken back on re-opening, the pivot with year-over-year change, its page and XLSX export, the
indicator dashboard, and the work plan's targets carrying reported values."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from zhijiao.core.lifecycle import fire
from zhijiao.orgs.models import Institution
from zhijiao.reporting import analytics
from zhijiao.reporting.definitions import definition_load
from zhijiao.reporting.models import Fact, Indicator, Period
from zhijiao.reporting.services import submission_open, submission_save_values
from zhijiao.workflows import services as wf
from zhijiao.workflows.models import ApprovalRequest

KEY = "reporting.submission"

ENROL = """
code: enrol
name: 招生情况
version: 1
period_type: year
categories:
  - code: major_group
    name: 专业大类
    options: [{code: agri, name: 农林牧渔大类}, {code: equip, name: 装备制造大类}]
  - code: gender
    name: 性别
    options: [{code: male, name: 男}, {code: female, name: 女}]
sections:
  - code: main
    name: 基本
    elements:
      - {code: students, name: 在校生数, type: integer, unit: 人, min: 0}
      - {code: enrolled, name: 招生数, type: integer, unit: 人, min: 0, categories: [gender, major_group]}
      - {code: note, name: 备注, type: text}
"""


def _period(data_set, year):
    return Period.objects.create(
        data_set=data_set,
        code=str(year),
        start=datetime.date(year, 1, 1),
        end=datetime.date(year, 12, 31),
        deadline=datetime.date(2099, 12, 31),
    )


@pytest.fixture
def enrol(world):
    version = definition_load(actor=world["province_admin"], text=ENROL)
    return version.data_set


def report(world, who, school, period, values, *, approve=True, city="jinan"):
    sub = submission_open(actor=world[who], institution=school, period=period)
    sub = submission_save_values(actor=world[who], submission=sub, values=values, revision=sub.revision)
    sub = fire(KEY, sub, "submit", actor=world[who])
    if approve:
        request = ApprovalRequest.objects.filter(object_id=sub.pk, kind=KEY).latest("id")
        wf.request_approve(actor=world[city], request=request)
        wf.request_approve(actor=world["province_admin"], request=request)
        sub.refresh_from_db()
    return sub


def values(students, m51=0, f51=0, m56=0, f56=0):
    return {
        ("students", ""): str(students),
        ("enrolled", "male.agri"): str(m51),
        ("enrolled", "female.agri"): str(f51),
        ("enrolled", "male.equip"): str(m56),
        ("enrolled", "female.equip"): str(f56),
        ("note", ""): "文本不入汇总",
    }


def test_approval_writes_facts_by_every_dimension_and_reopen_takes_them_back(world, enrol):
    p = _period(enrol, 2021)
    Institution.objects.filter(pk=world.school_a.pk).update(kind="higher", ownership="private")
    world.school_a.refresh_from_db()
    sub = report(world, "school_a", world.school_a, p, values(100, m51=3, f51=4, m56=10, f56=1))
    facts = Fact.objects.filter(period=p)
    assert set(facts.values_list("city__code", "kind", "ownership").distinct()) == {
        ("370100", "higher", "private")
    }
    by_major = {
        m: t for m, t in facts.filter(element_code="enrolled").values_list("major_group", "total")
    } or {}
    rows = {(f.major_group, f.cell): f.total for f in facts.filter(element_code="enrolled")}
    assert rows[("agri", "male.agri")] == 3 and rows[("equip", "female.equip")] == 1
    assert by_major  # every enrolled fact carries its 专业大类
    assert facts.get(element_code="students").major_group == ""
    assert not facts.filter(element_code="note").exists()  # text is not summed

    sub = fire(KEY, sub, "reopen", actor=world["province_admin"], reason="更正")
    assert not Fact.objects.filter(period=p).exists()

    sub = submission_save_values(
        actor=world["school_a"], submission=sub, values={("students", ""): "120"}, revision=sub.revision
    )
    sub = fire(KEY, sub, "submit", actor=world["school_a"])
    request = ApprovalRequest.objects.filter(object_id=sub.pk, kind=KEY).latest("id")
    wf.request_approve(actor=world["jinan"], request=request)
    wf.request_approve(actor=world["province_admin"], request=request)
    fact = Fact.objects.get(period=p, element_code="students")
    assert (fact.total, fact.count) == (Decimal(120), 1)


def test_unapproved_data_stay_out(world, enrol):
    p = _period(enrol, 2021)
    report(world, "school_a", world.school_a, p, values(50), approve=False)
    assert not Fact.objects.exists()


def test_pivot_by_city_with_year_over_year_and_scope(world, enrol):
    p20, p21 = _period(enrol, 2020), _period(enrol, 2021)
    report(world, "school_a", world.school_a, p20, values(100))
    report(world, "school_b", world.school_b, p20, values(200), city="qingdao")
    report(world, "school_a", world.school_a, p21, values(110))
    report(world, "school_b", world.school_b, p21, values(150), city="qingdao")

    table = analytics.pivot(user=world["province_admin"], period=p21, element_code="students", rows="city")
    assert table.row_labels == ["济南市", "青岛市"]
    assert table.row_totals == [Decimal(110), Decimal(150)]
    assert table.previous_period == p20 and table.previous == [Decimal(100), Decimal(200)]
    assert table.change() == [Decimal("10.0"), Decimal("-25.0")]

    mine = analytics.pivot(user=world["jinan"], period=p21, element_code="students", rows="city")
    assert mine.row_labels == ["济南市"] and mine.previous == [Decimal(100)]
    school = analytics.pivot(user=world["school_a"], period=p21, element_code="students", rows="city")
    assert school.row_labels == []

    spread = analytics.pivot(
        user=world["province_admin"], period=p21, element_code="students", rows="city", cols="period"
    )
    assert spread.col_labels == ["2020", "2021"]
    assert spread.cells == [[Decimal(100), Decimal(110)], [Decimal(200), Decimal(150)]]


def test_pivot_by_major_group_and_kind_names_them_in_chinese(world, enrol, settings):
    p = _period(enrol, 2021)
    report(world, "school_a", world.school_a, p, values(1, m51=3, f51=4, m56=10, f56=1))
    report(world, "school_b", world.school_b, p, values(1, m51=1, f51=1, m56=2, f56=2), city="qingdao")
    table = analytics.pivot(
        user=world["province_admin"], period=p, element_code="enrolled", rows="major_group", cols="city"
    )
    assert table.row_labels == ["农林牧渔大类", "装备制造大类"]
    assert table.col_labels == ["济南市", "青岛市"]
    assert table.cells == [[Decimal(7), Decimal(2)], [Decimal(11), Decimal(4)]]
    by_kind = analytics.pivot(user=world["province_admin"], period=p, element_code="enrolled", rows="kind")
    assert by_kind.row_totals == [Decimal(24)]
    assert by_kind.row_labels[0] != world.school_a.kind  # a label, not the code


def test_pivot_rejects_unknown_dimensions(world, enrol):
    p = _period(enrol, 2021)
    with pytest.raises(ValueError):
        analytics.pivot(user=world["province_admin"], period=p, element_code="students", rows="nonsense")
    with pytest.raises(ValueError):
        analytics.pivot(
            user=world["province_admin"], period=p, element_code="students", rows="city", cols="city"
        )


def test_pivot_query_count_does_not_grow_with_rows(world, enrol, django_assert_max_num_queries):
    p20, p21 = _period(enrol, 2020), _period(enrol, 2021)
    for p in (p20, p21):
        report(world, "school_a", world.school_a, p, values(5, m51=1))
        report(world, "school_b", world.school_b, p, values(6, m56=1), city="qingdao")
    with django_assert_max_num_queries(8):
        analytics.pivot(
            user=world["province_admin"], period=p21, element_code="enrolled", rows="city", cols="major_group"
        )


def test_analytics_page_chart_and_xlsx(world, enrol, login, client):
    p20, p21 = _period(enrol, 2020), _period(enrol, 2021)
    report(world, "school_a", world.school_a, p20, values(100))
    report(world, "school_a", world.school_a, p21, values(130))
    login(world["province_admin"])
    url = f"/reporting/analytics/?period={p21.pk}&element=students&rows=city"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "济南市" in html and "30.0" in html and 'id="pivot-chart"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert page.context["chart"]["series"][0] == {"name": "2020", "data": [100.0]}

    xlsx = client.get(url + "&format=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(
        io.BytesIO(b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "济南市" and str(rows[1][1]) == "130"

    spread = client.get(url + "&cols=period").context
    assert spread["headers"] == ["City", "2020", "2021"]  # no sum over periods
    assert spread["body"] == [["济南市", "100", "130"]]
    bad = client.get(f"/reporting/analytics/?period={p21.pk}&element=nope&rows=evil&cols=x")
    assert bad.status_code == 200
    assert "That choice is not available" in bad.content.decode()
    junk = client.get("/reporting/analytics/?period=abc")
    assert junk.status_code == 200


def test_dashboard_shows_value_against_target_for_the_users_region(world, enrol, login, client):
    p = _period(enrol, 2021)
    report(world, "school_a", world.school_a, p, values(300))
    report(world, "school_b", world.school_b, p, values(100), city="qingdao")
    Indicator.objects.create(
        code="students",
        name="在校生规模（示例）",
        data_set=enrol,
        element_code="students",
        target=800,
        unit="人",
    )
    login(world["province_admin"])
    card = client.get("/reporting/dashboard/").context["cards"][0]
    assert (card["value"], card["target"], card["percent"], card["period"]) == ("400", "800", 50, p)
    login(world["jinan"])
    card = client.get("/reporting/dashboard/").context["cards"][0]
    assert card["value"] == "300"
    login(world["school_a"])
    page = client.get("/reporting/dashboard/")
    assert page.status_code == 200 and page.context["cards"] == []


def test_workplan_target_carries_the_reported_value(world, enrol, login, client):
    from django.core.exceptions import ValidationError

    from zhijiao.workplan import services as wp
    from zhijiao.workplan.models import Plan, Target, Task, Theme

    plan = Plan.objects.create(
        year=2021, title="工作要点", region=world.province, head=world["province_admin"]
    )
    theme = Theme.objects.create(plan=plan, code="q", name="提质培优")
    task = Task.objects.create(
        plan=plan,
        theme=theme,
        kind="key_point",
        number=1,
        title="要点1",
        text="……",
        owner=world["province_staff"],
        start_date=datetime.date(2021, 3, 1),
        due_date=datetime.date(2021, 12, 31),
    )
    target = Target.objects.create(task=task, label="在校生", quantity=500, unit="人")
    indicator = Indicator.objects.create(
        code="students", name="在校生规模", data_set=enrol, element_code="students"
    )
    p = _period(enrol, 2021)
    target = wp.target_link_indicator(actor=world["province_admin"], target=target, indicator=indicator)
    assert (target.actual, target.reported_period) == (0, "")

    sub = report(world, "school_a", world.school_a, p, values(321))
    target.refresh_from_db()
    assert (target.actual, target.reported_period) == (321, "2021")
    with pytest.raises(ValidationError):
        wp.target_update_actual(actor=world["province_admin"], target=target, actual=5)

    login(world["province_admin"])
    html = client.get(task.get_absolute_url()).content.decode()
    assert "From data reporting" in html and "在校生规模" in html and "321" in html

    fire(KEY, sub, "reopen", actor=world["province_admin"], reason="更正")
    target.refresh_from_db()
    assert (target.actual, target.reported_period) == (0, "")

    # Unlinking through the page: the actual is typed again.
    response = client.post(f"/workplan/targets/{target.pk}/indicator/", {"indicator": ""})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.indicator_id is None
    bad = client.post(f"/workplan/targets/{target.pk}/indicator/", {"indicator": "999999"})
    assert bad.status_code == 302
    target.refresh_from_db()
    assert target.indicator_id is None


def test_demo_analytics_gives_a_previous_year_and_marked_indicators(world):
    from zhijiao.core.testing import InstitutionFactory
    from zhijiao.reporting.demo import load_demo_reporting
    from zhijiao.reporting.demo_analytics import load_demo_analytics

    for n in range(4):
        InstitutionFactory(
            name=f"测试职业学院{n}", kind="higher", region=world.lixia if n % 2 else world.shinan
        )
    data_set = load_demo_reporting()
    load_demo_analytics()
    p20 = data_set.periods.get(code="2020")
    p21 = data_set.periods.get(code="2021")
    table = analytics.pivot(user=world["province_admin"], period=p21, element_code="labs_total", rows="city")
    assert table.previous_period == p20 and all(v is not None for v in table.previous)
    assert Indicator.objects.count() == 3
    assert all(i.name.startswith("示例") for i in Indicator.objects.all())
    load_demo_analytics()  # idempotent
    assert Indicator.objects.count() == 3 and data_set.periods.count() == 2


def test_indicator_create_is_province_only_and_needs_a_numeric_element(world, enrol):
    from django.core.exceptions import PermissionDenied, ValidationError

    from zhijiao.reporting.services import indicator_create

    with pytest.raises(PermissionDenied):
        indicator_create(actor=world["jinan"], code="x", name="x", data_set=enrol, element_code="students")
    with pytest.raises(ValidationError):
        indicator_create(
            actor=world["province_admin"], code="x", name="x", data_set=enrol, element_code="note"
        )
    made = indicator_create(
        actor=world["province_admin"], code="x", name="在校生", data_set=enrol, element_code="students"
    )
    assert made.pk and Indicator.objects.count() == 1


# --- 考核 scoring -------------------------------------------------------------------------------


def _scheme(world, enrol, level):
    from zhijiao.reporting.services import scheme_create

    return scheme_create(
        actor=world["province_admin"],
        code=f"s_{level}",
        name="考核（示例）",
        data_set=enrol,
        level=level,
        items=[
            {"name": "在校生", "element_code": "students", "weight": 60, "zero_at": 100, "full_at": 300},
            {
                "name": "装备制造招生",
                "element_code": "enrolled",
                "cell": "male.equip",
                "weight": 40,
                "zero_at": 0,
                "full_at": 10,
            },
        ],
    )


def test_item_score_is_linear_clamped_and_lower_can_be_better():
    from zhijiao.reporting.models import ScoringItem
    from zhijiao.reporting.scoring import item_score

    up = ScoringItem(weight=Decimal(60), zero_at=Decimal(100), full_at=Decimal(300))
    assert [item_score(up, Decimal(v)) for v in (50, 100, 200, 300, 900)] == [0, 0, 30, 60, 60]
    assert item_score(up, None) == 0
    down = ScoringItem(weight=Decimal(10), zero_at=Decimal(20), full_at=Decimal(0))  # e.g. a dropout rate
    assert item_score(down, Decimal(5)) == Decimal("7.50")


def test_school_scores_from_approved_data_in_scope(world, enrol):
    from zhijiao.reporting.scoring import scheme_results

    p = _period(enrol, 2021)
    report(world, "school_a", world.school_a, p, values(200, m56=10))
    report(world, "school_b", world.school_b, p, values(400, m56=2), city="qingdao")
    scheme = _scheme(world, enrol, "school")
    items, results = scheme_results(scheme, p, user=world["province_admin"])
    assert [i.name for i in items] == ["在校生", "装备制造招生"]
    assert [(r.rank, r.total) for r in results] == [(1, Decimal("70.00")), (2, Decimal("68.00"))]
    by_name = {r.name: r for r in results}
    assert by_name["济南第一职业中专"].scores == [Decimal("30.00"), Decimal("40.00")]
    assert by_name["青岛第一职业中专"].scores == [Decimal("60.00"), Decimal("8.00")]
    assert [r.name for r in results] == ["济南第一职业中专", "青岛第一职业中专"]  # 70 before 68
    _items, mine = scheme_results(scheme, p, user=world["jinan"])
    assert [r.name for r in mine] == ["济南第一职业中专"]


def test_city_scores_from_facts_and_page_with_xlsx(world, enrol, login, client):
    p = _period(enrol, 2021)
    report(world, "school_a", world.school_a, p, values(300, m56=5))
    report(world, "school_b", world.school_b, p, values(100), city="qingdao")
    scheme = _scheme(world, enrol, "city")
    login(world["province_admin"])
    page = client.get(f"/reporting/scoring/?scheme={scheme.pk}&period={p.pk}")
    assert page.status_code == 200
    assert page.context["body"] == [
        [1, "济南市", "300", "60", "5", "20", "80"],
        [2, "青岛市", "100", "0", "0", "0", "0"],
    ]
    xlsx = client.get(f"/reporting/scoring/?scheme={scheme.pk}&period={p.pk}&format=xlsx")
    sheet = load_workbook(
        io.BytesIO(b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content)
    ).active
    assert list(sheet.iter_rows(values_only=True))[1][1] == "济南市"
    assert client.get("/reporting/scoring/?scheme=x&period=y").status_code == 200
    login(world["school_a"])
    assert client.get("/reporting/scoring/").context["body"] == []


def test_scheme_create_checks_items(world, enrol):
    from django.core.exceptions import PermissionDenied, ValidationError

    from zhijiao.reporting.models import ScoringScheme
    from zhijiao.reporting.services import scheme_create

    common = {"code": "x", "name": "x", "data_set": enrol, "level": "school"}
    with pytest.raises(PermissionDenied):
        scheme_create(actor=world["jinan"], items=[], **common)
    with pytest.raises(ValidationError):
        scheme_create(actor=world["province_admin"], items=[], **common)
    with pytest.raises(ValidationError):
        scheme_create(
            actor=world["province_admin"],
            items=[{"name": "x", "element_code": "note", "weight": 1, "zero_at": 0, "full_at": 1}],
            **common,
        )
    with pytest.raises(ValidationError):  # equal thresholds
        scheme_create(
            actor=world["province_admin"],
            items=[{"name": "x", "element_code": "students", "weight": 1, "zero_at": 1, "full_at": 1}],
            **common,
        )
    assert not ScoringScheme.objects.exists()
