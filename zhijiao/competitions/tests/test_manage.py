"""The province's pages to create and edit events and contests (with their rubric and prize
ratios): what the forms accept and refuse, who may open them, and the services behind them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from zhijiao.competitions import services
from zhijiao.competitions.models import Contest, Event
from zhijiao.core.services import OutOfScope
from zhijiao.students.tests.factories import registered

pytestmark = pytest.mark.django_db


def _event_post(**over):
    today = timezone.localdate()
    data = {
        "code": "new-2022",
        "name": "2022年测试技能大赛",
        "year": "2022",
        "organiser": "山东省教育厅",
        "entry_deadline": (today + datetime.timedelta(days=5)).isoformat(),
        "city_deadline": (today + datetime.timedelta(days=8)).isoformat(),
        "starts_on": (today + datetime.timedelta(days=20)).isoformat(),
        "ends_on": (today + datetime.timedelta(days=22)).isoformat(),
        "first_ratio": "10",
        "second_ratio": "20",
        "third_ratio": "30",
    }
    data.update(over)
    return data


def _contest_post(world, **over):
    data = {
        "name": "电子商务技能",
        "kind": "student_skills",
        "major_class": str(world.major.major_class.pk),
        "require_major": "on",
        "team_size": "1",
        "quota_per_school": "2",
        "quota_per_city": "4",
        "judges_needed": "3",
        "blind": "on",
        "rub-count": "4",
        "rub-0-code": "op",
        "rub-0-name": "实操",
        "rub-0-max": "80",
        "rub-1-code": "th",
        "rub-1-name": "理论",
        "rub-1-max": "20",
    }
    data.update(over)
    return data


@pytest.mark.parametrize("who", ["province_admin", "province_staff"])
def test_the_province_creates_an_event_and_a_contest_with_its_rubric(world, login, who):
    client = login(world[who])
    events = client.get(reverse("competitions:events")).content.decode()
    assert reverse("competitions:event_create") in events
    response = client.post(reverse("competitions:event_create"), _event_post(), follow=True)
    event = Event.objects.get(code="new-2022")
    assert response.redirect_chain[-1][0] == reverse("competitions:event_detail", args=[event.pk])
    assert (event.first_ratio, event.second_ratio, event.third_ratio) == (10, 20, 30)
    assert "Event 2022年测试技能大赛 created" in response.content.decode()
    add = reverse("competitions:contest_create", args=[event.pk])
    assert add in response.content.decode()
    response = client.post(add, _contest_post(world), follow=True)
    contest = Contest.objects.get(event=event)
    assert contest.rubric == [
        {"code": "op", "name": "实操", "max": "80"},
        {"code": "th", "name": "理论", "max": "20"},
    ]
    assert contest.major_class == world.major.major_class and contest.quota_per_city == 4
    assert "Contest 电子商务技能 added." in response.content.decode()


def test_bad_event_input_is_refused_with_its_reason_and_changes_nothing(world, login):
    client = login(world["province_admin"])
    url = reverse("competitions:event_create")
    cases = [
        (_event_post(first_ratio="50", second_ratio="40", third_ratio="30"), "add up to at most 100 %"),
        (
            _event_post(city_deadline=(timezone.localdate() - datetime.timedelta(days=1)).isoformat()),
            "Entries close first",
        ),
        (_event_post(code="not a slug!"), "Enter a valid"),
        (_event_post(name=""), "This field is required."),
    ]
    for data, reason in cases:
        response = client.post(url, data)
        assert response.status_code == 200 and reason in response.content.decode(), reason
    assert not Event.objects.exists()
    client.post(url, _event_post())
    response = client.post(url, _event_post(name="另一个"))
    assert "This code is taken by another event." in response.content.decode()
    assert Event.objects.count() == 1


def test_bad_rubric_and_quotas_are_refused_on_the_contest_page(world, login, event):
    client = login(world["province_admin"])
    url = reverse("competitions:contest_create", args=[event.pk])
    cases = [
        (
            _contest_post(world, **{"rub-1-max": "-5"}),
            "Every rubric item has a code, a name and a highest score.",
        ),
        (
            _contest_post(world, **{"rub-1-code": "op"}),
            "Every rubric item has a code, a name and a highest score.",
        ),
        (
            _contest_post(world, **{f"rub-{n}-{f}": "" for n in (0, 1) for f in ("code", "name", "max")}),
            "A rubric has at least one item.",
        ),
        (_contest_post(world, quota_per_city="1"), "A city may send at least as many entries as one school."),
        (_contest_post(world, major_class=""), "A students&#x27; contest limited to a 专业类 names it."),
        (_contest_post(world, judges_needed="0"), "Ensure this value is greater than or equal to 1."),
    ]
    for data, reason in cases:
        response = client.post(url, data)
        assert response.status_code == 200 and reason in response.content.decode(), reason
    # every problem at once, each on its field or above the form, not one per attempt
    bad = _contest_post(world, quota_per_city="1", major_class="", **{"rub-1-max": "-5"})
    html = client.post(url, bad).content.decode()
    for reason in (
        "A city may send at least as many entries as one school.",
        "A students&#x27; contest limited to a 专业类 names it.",
        "Every rubric item has a code, a name and a highest score.",
    ):
        assert reason in html, reason
    assert not Contest.objects.filter(event=event).exists()


def test_an_event_with_bad_dates_and_bad_ratios_hears_of_both(world, login):
    client = login(world["province_admin"])
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    data = _event_post(first_ratio="50", second_ratio="40", third_ratio="30", city_deadline=yesterday)
    html = client.post(reverse("competitions:event_create"), data).content.decode()
    assert "add up to at most 100 %" in html and "Entries close first" in html
    assert not Event.objects.exists()


def test_the_province_edits_an_event_and_a_contest(world, login, event, contest):
    client = login(world["province_admin"])
    detail = client.get(reverse("competitions:event_detail", args=[event.pk])).content.decode()
    edit = reverse("competitions:event_edit", args=[event.pk])
    assert edit in detail
    page = client.get(edit).content.decode()
    assert event.name in page and 'name="code"' not in page
    data = _event_post(
        name="改名后的大赛", first_ratio="15", second_ratio="25", third_ratio="35", year="2021"
    )
    del data["code"]
    client.post(edit, data)
    event.refresh_from_db()
    assert event.name == "改名后的大赛" and event.first_ratio == 15 and event.third_ratio == 35
    contest_edit = reverse("competitions:contest_edit", args=[contest.pk])
    assert (
        contest_edit in client.get(reverse("competitions:contest_detail", args=[contest.pk])).content.decode()
    )
    page = client.get(contest_edit).content.decode()
    assert 'value="实操"' in page and 'value="70"' in page
    client.post(
        contest_edit,
        _contest_post(
            world, name="计算机网络应用（改）", **{"rub-2-code": "x", "rub-2-name": "素养", "rub-2-max": "10"}
        ),
    )
    contest.refresh_from_db()
    assert contest.name == "计算机网络应用（改）"
    assert [i["code"] for i in contest.rubric] == ["op", "th", "x"]


def test_once_entered_a_contest_keeps_its_kind_and_quota_floor(world, login, event, contest):
    for name in ("甲", "乙"):
        services.entry_create(
            actor=world["school_a"], contest=contest, institution=world.school_a,
            students=[registered(world, "a", name=name)],
        )  # fmt: skip
    admin = world["province_admin"]
    keep = dict(name=contest.name, rubric=contest.rubric, major_class=contest.major_class, quota_per_city=4)
    with pytest.raises(ValidationError, match="kind, the 专业类 and the members per entry"):
        services.contest_update(actor=admin, contest=contest, kind="teaching", quota_per_school=2, **keep)
    with pytest.raises(ValidationError, match="entered 2 entries already"):
        services.contest_update(
            actor=admin, contest=contest, kind="student_skills", quota_per_school=1, **keep
        )
    services.contest_update(actor=admin, contest=contest, kind="student_skills", quota_per_school=3, **keep)
    contest.refresh_from_db()
    assert contest.quota_per_school == 3


def test_after_the_judges_only_names_and_ratios_change_and_nothing_after_approval(world, event, contest):
    admin = world["province_admin"]
    Event.objects.filter(pk=event.pk).update(stage="judging")
    event.refresh_from_db()
    same = dict(
        year=event.year, organiser=event.organiser, starts_on=event.starts_on, ends_on=event.ends_on,
        entry_deadline=event.entry_deadline, city_deadline=event.city_deadline, avoid_same_city=False,
    )  # fmt: skip
    services.event_update(actor=admin, event=event, name="新名称", ratios=(20, 20, 20), **same)
    event.refresh_from_db()
    assert event.name == "新名称" and event.first_ratio == 20
    moved = {**same, "ends_on": event.ends_on + datetime.timedelta(days=1)}
    with pytest.raises(ValidationError, match="no longer change"):
        services.event_update(actor=admin, event=event, name="新名称", ratios=(20, 20, 20), **moved)
    with pytest.raises(ValidationError, match="while the event is open"):
        services.contest_update(
            actor=admin, contest=contest, name="x", kind=contest.kind, rubric=contest.rubric,
            major_class=contest.major_class, quota_per_school=1, quota_per_city=2,
        )  # fmt: skip
    Event.objects.filter(pk=event.pk).update(stage="approved")
    with pytest.raises(ValidationError, match="no longer edited"):
        services.event_update(actor=admin, event=event, name="再改", ratios=(20, 20, 20), **same)


def test_only_the_province_opens_the_forms(world, login, event, contest):
    urls = [
        reverse("competitions:event_create"),
        reverse("competitions:event_edit", args=[event.pk]),
        reverse("competitions:contest_create", args=[event.pk]),
        reverse("competitions:contest_edit", args=[contest.pk]),
    ]
    for who in ("jinan", "school_a", "expert", "auditor"):
        client = login(world[who])
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
            assert client.post(url, _event_post()).status_code == 404, (who, url)
        page = client.get(reverse("competitions:events")).content.decode()
        assert reverse("competitions:event_create") not in page
        page = client.get(reverse("competitions:event_detail", args=[event.pk])).content.decode()
        assert urls[1] not in page and urls[2] not in page
    with pytest.raises(OutOfScope):
        services.event_update(
            actor=world["jinan"], event=event, name="x", year=2021, organiser="x", starts_on=event.starts_on,
            ends_on=event.ends_on, entry_deadline=event.entry_deadline, city_deadline=event.city_deadline,
            ratios=(10, 20, 30), avoid_same_city=False,
        )  # fmt: skip
    assert Event.objects.get(pk=event.pk).name == event.name
