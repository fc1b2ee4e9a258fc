import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from zhijiao.competitions import services
from zhijiao.competitions.models import AwardCertificate, Entry, Score
from zhijiao.core.testing import make_resident_id
from zhijiao.students.tests.factories import registered

pytestmark = pytest.mark.django_db

ID_A = make_resident_id(birth="20080101", order=17)


@pytest.fixture
def judged(world, event, contest, teaching, make_expert):
    """School A's and school B's students sent to the skills contest, a school A teachers' entry
    sent to the teaching contest; two judges per contest (accounts judge_j0 … judge_j3)."""
    a = services.entry_create(
        actor=world["school_a"], contest=contest, institution=world.school_a,
        students=[registered(world, "a", name="甲同学", number=ID_A)],
    )  # fmt: skip
    b = services.entry_create(
        actor=world["school_b"], contest=contest, institution=world.school_b,
        students=[registered(world, "b", name="乙同学")],
    )  # fmt: skip
    t = services.entry_create(
        actor=world["school_a"], contest=teaching, institution=world.school_a, teachers=["王老师", "李老师"]
    )
    services.city_send(actor=world["jinan"], contest=contest, entries=[a])
    services.city_send(actor=world["jinan"], contest=teaching, entries=[t])
    services.city_send(actor=world["qingdao"], contest=contest, entries=[b])
    judges = [make_expert(f"j{i}") for i in range(4)]
    services.judges_assign(actor=world["province_admin"], event=event)
    return {"a": a, "b": b, "t": t, "judges": judges}


def _judge_of(contest):
    return contest.judges.select_related("user").first().user


def _publish(world, event, judged, contest, teaching):
    for entry, c in ((judged["a"], contest), (judged["b"], contest), (judged["t"], teaching)):
        for j in c.judges.all():
            marks = {"op": "65", "theory": "28"} if entry == judged["a"] else {"op": "50", "theory": "20"}
            services.score_submit(actor=j.user, entry=entry, items=marks)
    type(event).objects.filter(pk=event.pk).update(first_ratio=50, second_ratio=50, third_ratio=0)
    services.results_approve(actor=world["province_admin"], event=event)
    services.results_publish(actor=world["province_admin"], event=event)


def test_each_side_sees_its_entries(world, login, judged, contest, teaching):
    a, b = judged["a"], judged["b"]
    url = lambda e: reverse("competitions:entry_detail", args=[e.pk])  # noqa: E731
    client = login(world["school_a"])
    assert client.get(url(a)).status_code == 200
    assert client.get(url(b)).status_code == 404
    page = client.get(reverse("competitions:contest_detail", args=[contest.pk])).content.decode()
    assert "甲同学" in page and "乙同学" not in page
    client = login(world["jinan"])
    assert client.get(url(a)).status_code == 200 and client.get(url(b)).status_code == 404
    client = login(world["province_admin"])
    page = client.get(reverse("competitions:contest_detail", args=[contest.pk])).content.decode()
    assert "甲同学" in page and "乙同学" in page


def test_a_judge_sees_only_the_assigned_contest_and_blind(world, login, judged, contest, teaching):
    judge = _judge_of(contest)
    client = login(judge)
    response = client.get(reverse("competitions:entry_detail", args=[judged["a"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert judged["a"].number in body and world.school_a.name not in body and "甲同学" not in body
    assert client.get(reverse("competitions:entry_detail", args=[judged["t"].pk])).status_code == 404
    page = client.get(reverse("competitions:contest_detail", args=[contest.pk])).content.decode()
    assert judged["b"].number in page and world.school_b.name not in page
    sheet = contest.judges.get(user=judge)
    assert client.get(reverse("competitions:judging", args=[sheet.pk])).status_code == 200
    other = teaching.judges.first()
    assert client.get(reverse("competitions:judging", args=[other.pk])).status_code == 404
    assert (
        reverse("competitions:judging", args=[sheet.pk])
        in client.get(reverse("competitions:my_judging")).content.decode()
    )


def test_score_out_of_range_on_the_sheet_is_refused_with_a_message(world, login, judged, contest):
    judge = _judge_of(contest)
    sheet = contest.judges.get(user=judge)
    client = login(judge)
    url = reverse("competitions:judging", args=[sheet.pk])
    response = client.post(url, {"entry": judged["a"].pk, "s__op": "75", "s__theory": "10"})
    assert response.status_code == 200
    assert "A score between 0 and 70, at most one decimal." in response.content.decode()
    assert not Score.objects.exists()
    response = client.post(url, {"entry": judged["a"].pk, "s__op": "65", "s__theory": "10"})
    assert response.status_code == 302 and Score.objects.get().total == 75


def test_over_quota_entry_through_the_page(world, login, event, contest):
    client = login(world["school_a"])
    url = reverse("competitions:contest_detail", args=[contest.pk])
    students = [registered(world, "a", name=f"甲{i}") for i in range(3)]
    for s in students[:2]:
        assert client.post(url, {"institution": world.school_a.pk, "students": [s.pk]}).status_code == 302
    response = client.post(url, {"institution": world.school_a.pk, "students": [students[2].pk]}, follow=True)
    assert "may enter 2 entries in this contest" in response.content.decode()
    assert Entry.objects.count() == 2
    # a student of another school is not offered, and refused if posted
    other = registered(world, "b", name="外校生")
    response = client.post(url, {"institution": world.school_a.pk, "students": [other.pk]})
    assert response.status_code == 200 and Entry.objects.count() == 2
    # an authority does not fill in entries (the form would list a whole city's students)
    assert 'name="students"' in client.get(url).content.decode()
    assert 'name="students"' not in login(world["jinan"]).get(url).content.decode()
    assert login(world["province_admin"]).post(url, {"institution": world.school_a.pk}).status_code == 404


def test_results_are_public_only_when_published_and_certificates_verify(
    world, login, event, judged, contest, teaching, settings
):
    public = reverse("competitions_public:results", args=[event.code])
    anonymous = Client()
    assert anonymous.get(public).status_code == 404
    _publish(world, event, judged, contest, teaching)
    page = anonymous.get(public).content.decode()
    assert "甲同学" in page and world.school_a.name in page and ID_A not in page
    assert "First prize" in page
    cert = AwardCertificate.objects.get(entry=judged["a"])
    client = login(world["school_a"])
    pdf = client.get(reverse("competitions:certificate_pdf", args=[cert.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in pdf["Content-Disposition"]
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert cert.number in text and cert.verify_code in text and "甲同学" in text and "一等奖" in text
    assert ID_A not in text
    other = AwardCertificate.objects.get(entry=judged["b"])
    assert client.get(reverse("competitions:certificate_pdf", args=[other.pk])).status_code == 404
    # the printed link and the lookup form
    found = anonymous.get(
        reverse("competitions_public:verify_code", args=[cert.verify_code])
    ).content.decode()
    assert "Valid: this award certificate was issued" in found and cert.number in found
    miss = anonymous.post(
        reverse("competitions_public:verify"), {"code": "ABCDEFGHJKLMNPQR"}
    ).content.decode()
    assert "Not found" in miss
    challenged = anonymous.post(
        reverse("competitions_public:verify"), {"code": cert.verify_code}
    ).content.decode()
    assert "Type the characters in the picture" in challenged and cert.number not in challenged


def test_lookups_are_rate_limited(world, event, settings):
    settings.CREDENTIALS_LOOKUP_LIMIT = 2
    settings.CREDENTIALS_CHALLENGE_AFTER = 100
    client = Client()
    url = reverse("competitions_public:verify")
    for _ in range(2):
        assert client.post(url, {"code": "bad"}).status_code == 200
    response = client.post(url, {"code": "bad"})
    assert response.status_code == 429 and response["Retry-After"]


def test_province_manages_the_event_and_others_cannot(world, login, event, judged, contest, teaching):
    manage = reverse("competitions:event_manage", args=[event.pk])
    assert login(world["jinan"]).post(manage, {"step": "approve", "confirm": "yes"}).status_code == 404
    assert login(world["auditor"]).post(manage, {"step": "approve", "confirm": "yes"}).status_code == 404
    client = login(world["province_admin"])
    asked = client.post(manage, {"step": "approve"})
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.content.decode()
    event.refresh_from_db()
    assert event.stage == "judging"  # asking changes nothing
    response = client.post(manage, {"step": "approve", "confirm": "yes"}, follow=True)
    assert "Scores are missing for" in response.content.decode()
    response = client.post(manage, {"step": "publish", "confirm": "yes"}, follow=True)
    assert "This step does not apply" in response.content.decode()
    response = client.post(manage, {"step": "nonsense"}, follow=True)
    assert "Unknown action." in response.content.decode()


def test_a_judge_cannot_open_an_entry_its_city_has_not_sent(world, login, event, contest, make_expert):
    """A judge of the contest reaches the sent entries only: not one still waiting at its city,
    nor a returned one — by the page, the contest list or a typed URL."""
    sent = services.entry_create(
        actor=world["school_a"], contest=contest, institution=world.school_a,
        students=[registered(world, "a", name="甲同学")],
    )  # fmt: skip
    waiting = services.entry_create(
        actor=world["school_a"], contest=contest, institution=world.school_a,
        students=[registered(world, "a", name="丙同学")],
    )  # fmt: skip
    returned = services.entry_create(
        actor=world["school_b"], contest=contest, institution=world.school_b,
        students=[registered(world, "b", name="乙同学")],
    )  # fmt: skip
    services.city_send(actor=world["jinan"], contest=contest, entries=[sent])
    services.city_return(actor=world["qingdao"], entry=returned, reason="材料不全")
    for i in range(2):
        make_expert(f"j{i}")
    services.judges_assign(actor=world["province_admin"], event=event)
    client = login(_judge_of(contest))
    url = lambda e: reverse("competitions:entry_detail", args=[e.pk])  # noqa: E731
    assert client.get(url(sent)).status_code == 200
    assert client.get(url(waiting)).status_code == 404
    assert client.get(url(returned)).status_code == 404
    page = client.get(reverse("competitions:contest_detail", args=[contest.pk])).content.decode()
    assert sent.number in page and waiting.number not in page and returned.number not in page
    # the school and its city still open the entry that waits
    assert login(world["school_a"]).get(url(waiting)).status_code == 200
    assert login(world["jinan"]).get(url(waiting)).status_code == 200
