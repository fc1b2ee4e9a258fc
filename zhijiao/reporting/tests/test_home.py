"""The home page's 数据报送 panel: a school's forms to fill, returned and overdue; a city's and the
province's submissions to approve and city returns to make, accept or overdue — in a fixed number
of queries."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhijiao.core.lifecycle import fire
from zhijiao.core.testing import InstitutionFactory
from zhijiao.reporting import home, services
from zhijiao.reporting.models import Period

TODAY = datetime.date(2099, 6, 1)


def _figures(user, kinds):
    panels = home.panels(user=user, kinds=kinds)
    return {str(f.label): f.value for p in panels for f in p.figures}


def _past(data_set, code="2098"):
    return Period.objects.create(
        data_set=data_set,
        code=code,
        start=datetime.date(2098, 1, 1),
        end=datetime.date(2098, 12, 31),
        deadline=datetime.date(2099, 3, 31),
    )


def test_school_city_and_province_figures(world, period, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    _past(period.data_set)
    sub = services.submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    sub = services.submission_save_values(
        actor=world["school_a"], submission=sub, values={("teachers_total", ""): "3"}, revision=sub.revision
    )
    fire("reporting.submission", sub, "submit", actor=world["school_a"])

    school = _figures(world["school_a"], {"school"})
    assert school == {"Data sets to fill": 0, "Data reports returned to us": 0, "Overdue data reports": 1}
    assert _figures(world["school_b"], {"school"})["Data sets to fill"] == 1

    city = _figures(world["jinan"], {"city"})
    assert city == {"Data reports to approve": 1, "City returns to make": 1, "City returns overdue": 1}
    assert _figures(world["qingdao"], {"city"})["Data reports to approve"] == 0

    province = _figures(world["province_admin"], {"province"})
    assert province == {"Data reports to approve": 0, "City returns to accept": 0, "City returns overdue": 2}
    assert home.panels(user=world["expert"], kinds={"expert"}) == []


def test_figures_open_and_the_home_page_shows_them(world, period, login, client):
    for who in ("school_a", "jinan", "province_admin"):
        login(world[who])
        response = client.get(reverse("core:home"))
        assert response.status_code == 200
        panels = {str(p.title): p for p in response.context["panels"]}
        assert "Data reporting" in panels
        for figure in panels["Data reporting"].figures:
            assert client.get(figure.url).status_code == 200, figure.url


def test_query_count_does_not_grow_with_periods_or_schools(world, period):
    def count(user, kinds):
        user = type(user).objects.get(pk=user.pk)  # a fresh scope cache each time
        with CaptureQueriesContext(connection) as ctx:
            home.panels(user=user, kinds=kinds)
        return len(ctx.captured_queries)

    before = {
        w: count(world[w], k)
        for w, k in (("school_a", {"school"}), ("jinan", {"city"}), ("province_admin", {"province"}))
    }
    for n in range(5):
        _past(period.data_set, code=f"20{90 + n}")
        InstitutionFactory(name=f"济南职校{n}", region=world.lixia)
    after = {
        w: count(world[w], k)
        for w, k in (("school_a", {"school"}), ("jinan", {"city"}), ("province_admin", {"province"}))
    }
    assert before == after
