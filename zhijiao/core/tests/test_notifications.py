"""Notifications (core.notifications): channels, preferences, dedupe, the digest, SMS backends."""

import datetime
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from zhijiao.core import notifications
from zhijiao.core.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

KIND = "reminder"  # a work-plan kind (AppConfig.notification_kinds)


@pytest.fixture
def staff(world):
    user = world["province_staff"]
    user.email, user.phone = "staff@example.cn", "13800138000"
    user.save(update_fields=["email", "phone"])
    return user


def test_apps_contribute_kinds():
    found = notifications.kinds()
    assert {"reminder", "overdue", "assignment", "acknowledgement"} <= set(found)
    assert found["reminder"].app == "workplan"
    with pytest.raises(ValueError):
        notifications.notify([], "no-such-kind", "x")


def test_site_and_email_by_default_and_once_per_key(staff, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [note] = notifications.notify(
            [staff, world["jinan"]], KIND, "任务将于7天后到期", "正文", "/workplan/", dedupe_key="k1"
        )[:1]
        again = notifications.notify(staff, KIND, "任务将于7天后到期", dedupe_key="k1")
    assert again == []
    assert Notification.objects.filter(user=staff).count() == 1
    assert note.read_at is None and note.emailed_at and note.texted_at is None
    assert [m.to for m in mail.outbox] == [["staff@example.cn"]]  # jinan has no address
    assert "正文" in mail.outbox[0].body and "/workplan/" in mail.outbox[0].body
    assert notifications.unread_count(user=staff) == 1
    assert notifications.mark_read(user=staff) == 1 and notifications.unread_count(user=staff) == 0


def test_inactive_users_get_nothing(staff):
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert notifications.notify(staff, KIND, "x") == []


def test_preferences_per_kind_and_channel(staff, world, django_capture_on_commit_callbacks, caplog):
    prefs = notifications.preferences(staff)
    assert prefs[(KIND, "site")] and prefs[(KIND, "email")] and not prefs[(KIND, "sms")]
    changed = notifications.preferences_update(
        actor=staff, user=staff, choices={(KIND, "email"): False, (KIND, "sms"): True, (KIND, "digest"): True}
    )
    assert changed == 3 and NotificationPreference.objects.filter(user=staff).count() == 3
    caplog.set_level("INFO", logger="zhijiao.core.notifications")
    with django_capture_on_commit_callbacks(execute=True):
        [note] = notifications.notify(staff, KIND, "提醒")
    assert not mail.outbox and note.emailed_at is None and note.texted_at and note.in_digest
    assert "138****8000" in caplog.text and "13800138000" not in caplog.text  # the demo's SMS log
    # Other kinds keep their defaults.
    assert notifications.preferences(staff)[("overdue", "email")]
    with pytest.raises(PermissionDenied):
        notifications.preferences_update(actor=world["jinan"], user=staff, choices={})


def test_site_channel_off_files_the_message_as_read(staff):
    notifications.preferences_update(actor=staff, user=staff, choices={(KIND, "site"): False})
    [note] = notifications.notify(staff, KIND, "x")
    assert note.read_at is not None and notifications.unread_count(user=staff) == 0


def test_daily_digest_sends_each_message_once(staff, django_capture_on_commit_callbacks):
    notifications.preferences_update(
        actor=staff, user=staff, choices={(KIND, "email"): False, (KIND, "digest"): True}
    )
    now = datetime.datetime(2026, 12, 5, 22, 0, tzinfo=datetime.UTC)
    notifications.notify(staff, KIND, "第一条", link="/workplan/", now=now - datetime.timedelta(hours=3))
    notifications.notify(staff, KIND, "第二条", now=now - datetime.timedelta(hours=1))
    notifications.notify(staff, "overdue", "不进摘要", now=now)  # email at once, not in the digest
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_daily_digests(now) == 1
        assert notifications.send_daily_digests(now) == 0  # nothing new
    [digest] = mail.outbox
    assert digest.to == ["staff@example.cn"] and "2026-12-06" in digest.subject  # Beijing's date
    assert "第一条" in digest.body and "第二条" in digest.body and "不进摘要" not in digest.body


def test_http_sms_backend_posts_to_the_gateway(monkeypatch, settings):
    sent = {}

    class Response:
        status = 200

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_urlopen(request, timeout):
        sent.update(
            url=request.full_url, body=json.loads(request.data), auth=request.get_header("Authorization")
        )
        return Response()

    monkeypatch.setattr(notifications.urllib.request, "urlopen", fake_urlopen)
    settings.NOTIFICATIONS_SMS_BACKEND = "zhijiao.core.notifications.HttpSmsBackend"
    settings.NOTIFICATIONS_SMS_URL = "https://sms.example/send"
    settings.NOTIFICATIONS_SMS_TOKEN = "t0k"
    settings.NOTIFICATIONS_SMS_SIGN = "山东职教"
    notifications.sms_backend().send("13800138000", "您有一项任务今天到期")
    assert sent == {
        "url": "https://sms.example/send",
        "body": {"phone": "13800138000", "text": "您有一项任务今天到期", "sign": "山东职教"},
        "auth": "Bearer t0k",
    }


def test_the_preferences_page(staff, login):
    client = login(staff)
    page = client.get("/accounts/notifications/")
    assert page.status_code == 200 and 'value="reminder:digest"' in page.content.decode()
    response = client.post("/accounts/notifications/", {"on": ["reminder:site", "reminder:digest"]})
    assert response.status_code == 302
    prefs = notifications.preferences(staff)
    assert prefs[(KIND, "digest")] and not prefs[(KIND, "email")] and not prefs[("overdue", "site")]


def test_the_inbox_shows_only_ones_own_messages(staff, world, login):
    notifications.notify(staff, KIND, "我的消息")
    notifications.notify(world["jinan"], KIND, "别人的消息")
    page = login(staff).get("/accounts/inbox/").content.decode()
    assert "我的消息" in page and "别人的消息" not in page
