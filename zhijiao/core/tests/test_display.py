"""The display layer: every stored value shown to a person the same way, in the reader's language."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from zhijiao.accounts.models import RoleAssignment, User
from zhijiao.core import display
from zhijiao.core.audit import audit_record
from zhijiao.core.models import AuditAction, AuditEntry
from zhijiao.credentials.models import Certificate
from zhijiao.orgs.models import Institution


def test_times_are_beijing_time_in_one_format(english):
    assert display.when("2026-12-05T06:03:09.123456+00:00") == "2026-12-05 14:03"
    moment = datetime.datetime(2026, 12, 5, 16, 30, tzinfo=datetime.UTC)
    assert display.when(moment) == "2026-12-06 00:30"
    assert display.day(moment) == "2026-12-06"
    assert display.day("2026-07-01") == "2026-07-01"
    assert display.when(None) == "" and display.when("not a time") == "not a time"


def test_the_format_is_the_same_in_chinese():
    with translation.override("zh-hans"):
        assert display.when("2026-12-05T06:03:00+00:00") == "2026-12-05 14:03"
        assert display.day(datetime.date(2026, 1, 2)) == "2026-01-02"
        assert display.yes_no(True) == "是" and display.yes_no(False) == "否"


def test_codes_by_their_names(english):
    assert display.model_name("accounts.user") == "User"
    assert display.model_name("orgs.institution") == "Institution"
    assert display.model_name("gone.model") == "gone.model"
    assert display.role_name("province_admin") == "Province administrator"
    assert display.actor_name("system") == "System"
    assert display.actor_name("") == "System"
    assert display.actor_name("city_jinan") == "city_jinan"
    assert display.message("Demo data") == "Demo data"
    assert display.message("sort=name&export=xlsx") == '<code translate="no">sort=name&amp;export=xlsx</code>'
    with translation.override("zh-hans"):
        assert display.model_name("accounts.user") == "用户"
        assert display.actor_name("system") == "系统"
        assert display.message("Demo data") == "演示数据"


def test_field_values_from_snapshots(english):
    gender = Certificate._meta.get_field("holder_gender")
    level = Certificate._meta.get_field("level")
    assert display.field_value(gender, "female") == "Female"
    assert display.field_value(level, "secondary") == "Secondary vocational"
    active = User._meta.get_field("is_active")
    assert display.field_value(active, True) == "Yes" and display.field_value(active, False) == "No"
    changed = User._meta.get_field("password_changed_at")
    assert display.field_value(changed, "2026-12-05T07:58:08.100137+00:00") == "2026-12-05 15:58"
    assert display.shown([True, datetime.date(2026, 1, 2)]) == "Yes、2026-01-02"


@pytest.mark.django_db
def test_foreign_keys_by_name_and_deleted_ones_said_so(world, english):
    field = RoleAssignment._meta.get_field("institution")
    related = {Institution: {world.school_a.pk: world.school_a}}
    assert display.field_value(field, world.school_a.pk, related) == world.school_a
    assert "deleted" in display.field_value(field, 999999, related)


@pytest.mark.django_db
def test_change_history_shows_no_raw_values(world, login):
    """The user page's history: 是/否, Beijing times, role labels, 系统 — no True/False/ISO/codes."""
    target = world["school_b"]
    audit_record(
        actor=None, action=AuditAction.UPDATE, instance=target, message="Demo data",
        before={"is_active": False}, after={"is_active": True},
    )  # fmt: skip
    ra = RoleAssignment.objects.get(user=target)
    audit_record(
        actor=None, action=AuditAction.CREATE, instance=ra, after={"role": ra.role, "user": target.pk}
    )
    client = login(world["province_admin"])
    page = client.get(reverse("accounts:user_detail", args=[target.pk])).content.decode()
    for raw in ("True", "False", "+00:00", "school_admin", ">system<", "Demo data"):
        assert raw not in page, raw
    assert "系统" in page and "演示数据" in page and "学校管理员" in page and ">是<" in page


@pytest.mark.django_db
def test_audit_pages_name_the_object_type(world, login):
    audit_record(actor=None, action=AuditAction.UPDATE, instance=world["jinan"], before={}, after={})
    entry = AuditEntry.objects.latest("id")
    client = login(world["auditor"])
    listing = client.get(reverse("core:audit_list")).content.decode()
    assert "accounts.user" not in listing.split('id="object-table"', 1)[1]
    assert "用户" in listing
    detail = client.get(reverse("core:audit_detail", args=[entry.pk])).content.decode()
    assert "accounts.user" not in detail and ">system<" not in detail and "系统" in detail
    assert "370000/" not in detail
