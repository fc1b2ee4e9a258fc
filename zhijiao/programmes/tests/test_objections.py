"""Objections during the public notice (公示): lodged without an account behind a CAPTCHA and a
per-address limit, investigated and answered by the province, published without the objector's
data; 立项 waits for every answer."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhijiao.core import ratelimit
from zhijiao.core.models import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.programmes import services
from zhijiao.programmes.choices import ApplicationStatus as S
from zhijiao.programmes.choices import CallStage, ObjectionStatus
from zhijiao.programmes.models import Application, Call, Objection

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world, call):
    today = timezone.localdate()
    app = Application.objects.create(
        call=call, institution=world.school_a, title="公示项目甲", field="46", status=S.SHORTLISTED, rank=1
    )
    Call.objects.filter(pk=call.pk).update(
        stage=CallStage.PUBLICISED, publicity_start=today, publicity_end=today + datetime.timedelta(days=4)
    )
    call.refresh_from_db()
    return call, app


def _captcha(page) -> tuple[str, str]:
    token = re.search(r'name="captcha_token" value="([0-9a-f]+)"', page.content.decode()).group(1)
    return token, ratelimit.backend().values[f"{ratelimit._prefix()}cap:{token}"][0]


def _post(client, call, captcha=True, **data):
    url = f"/programmes/public/{call.code}/objection/"
    token, answer = _captcha(client.get(url))
    body = {"content": "该校申报材料中数据不实", "contact": "13800000000", "name": "张三"} | data
    body |= {"captcha_token": token, "captcha": answer if captcha else "XXXXX"}
    return client.post(url, body)


def test_anyone_lodges_an_objection_with_a_captcha(published, client):
    call, app = published
    page = client.get(f"/programmes/public/{call.code}/")
    assert f"/programmes/public/{call.code}/objection/" in page.content.decode()
    response = _post(client, call, captcha=False)
    assert response.status_code == 200 and "characters were wrong" in response.content.decode()
    assert not Objection.objects.exists()
    response = _post(client, call, content="", contact="")
    assert response.status_code == 200 and not Objection.objects.exists()
    assert "Say what the objection is" in response.content.decode() or "required" in response.content.decode()
    response = _post(client, call, application=str(app.pk))
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.application, objection.name, objection.contact) == (app, "张三", "13800000000")
    entry = AuditEntry.objects.get(event="objection.lodged")
    assert "13800000000" not in str(entry.after) and "张三" not in str(entry.after)


def test_objections_are_limited_per_address(published, client):
    call, _app = published
    for _ in range(5):
        assert _post(client, call).status_code == 302
    response = _post(client, call)
    assert response.status_code == 429 and Objection.objects.count() == 5


def test_outside_the_window_nothing_is_accepted(published, client):
    call, _app = published
    Call.objects.filter(pk=call.pk).update(publicity_end=timezone.localdate() - datetime.timedelta(days=1))
    call.refresh_from_db()
    url = f"/programmes/public/{call.code}/objection/"
    assert "accepted from" in client.get(url).content.decode()
    response = client.post(url, {"content": "x", "contact": "y"})
    assert response.status_code == 200 and "accepted from" in response.content.decode()
    with pytest.raises(ValidationError):
        services.objection_lodge(call=call, content="x", contact="y")
    assert not Objection.objects.exists()
    # A list not (yet) published has no objection page at all.
    Call.objects.filter(pk=call.pk).update(stage=CallStage.DECIDED)
    assert client.get(f"/programmes/public/{call.code}/objection/").status_code == 404


def test_an_application_of_another_list_is_refused(published, world, call):
    call, _app = published
    other = Application.objects.create(
        call=call, institution=world.school_b, title="未入选", field="46", status=S.NOT_SELECTED
    )
    with pytest.raises(ValidationError) as exc:
        services.objection_lodge(call=call, content="x", contact="y", application=other)
    assert "application" in exc.value.message_dict


def test_province_answers_and_approval_waits_for_every_answer(published, world, login, client):
    call, app = published
    objection = services.objection_lodge(call=call, content="数据不实", contact="13800000000", name="张三")
    Call.objects.filter(pk=call.pk).update(publicity_end=timezone.localdate() - datetime.timedelta(days=1))
    call.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.approve(actor=world["province_admin"], call=call)
    assert "not been answered" in exc.value.messages[0]
    with pytest.raises(OutOfScope):
        services.objection_answer(actor=world["jinan"], objection=objection, finding="f", answer="a")
    with pytest.raises(ValidationError):
        services.objection_answer(actor=world["province_admin"], objection=objection, finding="", answer="")
    province = login(world["province_admin"])
    url = f"/programmes/calls/{call.pk}/objections/"
    page = province.get(url).content.decode()
    assert "数据不实" in page and "13800000000" in page
    province.post(
        url, {"objection": objection.pk, "finding": "经核查，数据属实。", "answer": "经核查，异议不成立。"}
    )
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.ANSWERED and objection.answered_at
    assert AuditEntry.objects.filter(event="objection.answered", object_id=str(objection.pk)).exists()
    public = client.get(f"/programmes/public/{call.code}/").content.decode()
    assert "经核查，异议不成立。" in public
    for private in ("张三", "13800000000", "经核查，数据属实。"):
        assert private not in public
    assert services.approve(actor=world["province_admin"], call=call) == 1


def test_objection_pages_are_the_provinces(published, world, login):
    call, _app = published
    objection = services.objection_lodge(call=call, content="数据不实", contact="13800000000")
    url = f"/programmes/calls/{call.pk}/objections/"
    for who in ("jinan", "school_a", "expert"):
        client = login(world[who])
        assert client.get(url).status_code == 404
        response = client.post(url, {"objection": objection.pk, "finding": "f", "answer": "a"})
        assert response.status_code == 404
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN
    assert login(world["province_admin"]).get("/programmes/calls/999999/objections/").status_code == 404


def test_public_index_lists_published_notices_only_and_the_login_page_links_it(published, world, client):
    call, _app = published
    login = client.get("/accounts/login/").content.decode()
    assert 'href="/programmes/public/"' in login and 'href="/verify/"' in login
    page = client.get("/programmes/public/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/programmes/public/{call.code}/"' in html and "Open for objections" in html
    # the notice period over: still listed (立项 follows the notice), marked as over
    Call.objects.filter(pk=call.pk).update(publicity_end=timezone.localdate() - datetime.timedelta(days=1))
    assert "Notice period over" in client.get("/programmes/public/").content.decode()
    # a call whose list is not published is not listed
    Call.objects.filter(pk=call.pk).update(stage=CallStage.REVIEWING)
    html = client.get("/programmes/public/").content.decode()
    assert call.code not in html and "No decision list is published" in html
