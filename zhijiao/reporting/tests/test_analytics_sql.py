"""Issue 14: the indicator reads are one plain parameterised statement (``analytics._series_rows``)
returning exactly what the ORM read returned — the same periods (as ``Period`` rows, oldest first),
the same sums, scoped to the region's rollups and the indicator's data set, element and cell."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhijiao.reporting import analytics
from zhijiao.reporting.models import Indicator, Period
from zhijiao.reporting.tests.test_analytics import _period, enrol, report, values  # noqa: F401


def _same(a, b):
    return [(p.pk, p.code, p.start, p.end, p.deadline, t) for p, t in a] == [
        (p.pk, p.code, p.start, p.end, p.deadline, t) for p, t in b
    ]


def test_indicator_series_and_latest_read_as_the_orm_did(world, enrol):  # noqa: F811
    p19, p20, p21 = _period(enrol, 2019), _period(enrol, 2020), _period(enrol, 2021)
    report(world, "school_a", world.school_a, p20, values(100, m51=3, f51=4))
    report(world, "school_b", world.school_b, p20, values(200, m51=5), city="qingdao")
    report(world, "school_a", world.school_a, p19, values(90, m56=2))
    report(world, "school_b", world.school_b, p21, values(150, f56=7), city="qingdao")
    # A period with nothing approved and another data set's element of the same code stay out.
    report(world, "school_a", world.school_a, p21, values(999), approve=False)
    whole = Indicator.objects.create(code="i_all", name="招生", data_set=enrol, element_code="enrolled")
    one_cell = Indicator.objects.create(
        code="i_cell", name="女生农林", data_set=enrol, element_code="enrolled", cell="female.agri"
    )
    students = Indicator.objects.create(code="i_st", name="在校生", data_set=enrol, element_code="students")

    analytics.indicator_series(whole, world.province)  # the periods read once (then cached)
    for indicator in (whole, one_cell, students):
        for region in (world.province, world.jinan, world.lixia, world.qingdao):
            with CaptureQueriesContext(connection) as ctx:
                series = analytics.indicator_series(indicator, region)
            assert len(ctx.captured_queries) == 1
            assert _same(series, analytics._series_orm(indicator, region))
            assert all(isinstance(p, Period) and isinstance(t, Decimal) for p, t in series)
            with CaptureQueriesContext(connection) as ctx:
                latest = analytics.indicator_latest(indicator, region)
            assert len(ctx.captured_queries) == 1
            assert _same([latest] if latest else [], series[-1:])

    province = analytics.indicator_series(students, world.province)
    assert [(p.code, t) for p, t in province] == [("2019", 90), ("2020", 300), ("2021", 150)]
    assert [(p.code, t) for p, t in analytics.indicator_series(one_cell, world.province)] == [
        ("2019", 0),  # a zero reported is a value
        ("2020", 4),
        ("2021", 0),
    ]
    assert analytics.indicator_series(students, world.lixia)[-1][0].code == "2020"
    assert [(p.code, t) for p, t in [analytics.indicator_latest(one_cell, world.qingdao)]] == [("2021", 0)]
    assert analytics.indicator_latest(one_cell, world.shinan.parent.parent) is not None
    other = _period(enrol, 2022)  # nothing approved in it
    assert analytics.indicator_latest(students, world.province)[0].code == "2021" != other.code

    # A period saved since (its code, its dates) is read again, never served stale.
    p21.code, p21.start = "2021X", p19.start.replace(year=2018)
    p21.save()
    assert [p.code for p, _t in analytics.indicator_series(students, world.province)] == [
        "2021X",
        "2019",
        "2020",
    ]
    assert analytics.indicator_latest(students, world.province)[0].code == "2020"
