"""The authority dashboard's aggregates: equal to plain per-dimension counts, scoped, and a fixed number
of queries whatever the number of placements."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhijiao.core.scoping import restrict
from zhijiao.internships import selectors, services
from zhijiao.internships.models import Alert, Placement

pytestmark = pytest.mark.django_db


def _alert(p, rule, severity, *, resolved=False, level=0):
    now = timezone.now()
    return Alert.objects.create(
        placement=p,
        institution_id=p.institution_id,
        enterprise_id=p.enterprise_id,
        rule_id=rule,
        severity=severity,
        message=rule,
        first_seen=now,
        last_seen=now,
        resolved_at=now if resolved else None,
        escalation_level=level,
    )


def _varied(iw, world):
    other_post = services.post_create(
        actor=iw.host_user,
        data={
            "enterprise": world.ent_a,
            "name": "数控操作员",
            "major_category": world.major.major_class.category,
            "wage_standard": Decimal(4000),
            "lowest_grade_wage": Decimal(3000),
            "on_duty_staff": 50,
        },
    )
    made = [iw.placement(activate=True) for _ in range(3)]
    made += [iw.placement(post=other_post, activate=True) for _ in range(2)]
    draft = iw.placement()
    _alert(made[0], "INT-PAY", "block", level=1)
    _alert(made[0], "INT-AGREE", "block")
    _alert(made[1], "INT-HOURS", "warn", level=2)
    _alert(made[2], "ANOM-FAR", "info")
    _alert(made[3], "INT-PAY", "block", resolved=True)
    _alert(made[4], "INT-INS", "block")
    Placement.objects.filter(pk=made[4].pk).update(status="suspended")  # a block on a non-active one
    _alert(draft, "INT-MENTOR", "block")
    return made


def _expected(user) -> dict:
    """The same figures by one plain ORM aggregate per dimension (the previous implementation)."""
    active = restrict(Placement.objects.filter(status="active"), user, "view").order_by()
    open_alerts = restrict(Alert.objects.filter(resolved_at__isnull=True), user, "view").order_by()
    blocked = (
        active.filter(alerts__resolved_at__isnull=True, alerts__severity="block")
        .values("pk")
        .distinct()
        .count()
    )
    return {
        "total_active": active.count(),
        "blocked": blocked,
        "by_school": {
            r["institution_id"]: r["n"] for r in active.values("institution_id").annotate(n=Count("id"))
        },
        "by_enterprise": {
            r["enterprise_id"]: r["n"] for r in active.values("enterprise_id").annotate(n=Count("id"))
        },
        "by_category": {
            r["post__major_category__name"]: r["n"]
            for r in active.values("post__major_category__name").annotate(n=Count("id"))
        },
        "by_rule": {r["rule_id"]: r["n"] for r in open_alerts.values("rule_id").annotate(n=Count("id"))},
        "by_level": {
            r["escalation_level"]: r["n"]
            for r in open_alerts.values("escalation_level").annotate(n=Count("id"))
        },
        "worst": {
            r["enterprise_id"]: r["n"]
            for r in open_alerts.exclude(severity="info").values("enterprise_id").annotate(n=Count("id"))
        },
    }


def test_dashboard_equals_plain_counts(iw, world):
    _varied(iw, world)
    user = world["province_admin"]
    d = selectors.dashboard(user=user)
    e = _expected(user)
    assert d["total_active"] == e["total_active"] == 4
    assert d["compliant"] == e["total_active"] - e["blocked"] == 3
    assert d["compliance_rate"] == 75.0
    assert {r["institution_id"]: r["n"] for r in d["by_school"]} == e["by_school"]
    assert {r["enterprise_id"]: r["n"] for r in d["by_enterprise"]} == e["by_enterprise"]
    assert {r["post__major_category__name"]: r["n"] for r in d["by_category"]} == e["by_category"]
    assert {r["rule_id"]: r["n"] for r in d["alerts_by_rule"]} == e["by_rule"]
    assert d["alerts_by_level"] == e["by_level"]
    assert d["open_alerts"] == sum(e["by_rule"].values()) == 6
    assert {r["enterprise_id"]: r["n"] for r in d["worst_enterprises"]} == e["worst"]
    assert d["by_school"][0]["institution__name"] == world.school_a.name
    assert d["by_enterprise"][0]["enterprise__name"] == world.ent_a.name
    assert [r["n"] for r in d["by_city"]] == [4] and d["by_city"][0]["name"]
    assert [r["n"] for r in d["alerts_by_rule"]] == sorted(
        (r["n"] for r in d["alerts_by_rule"]), reverse=True
    )


def test_dashboard_is_scoped(iw, world):
    _varied(iw, world)
    jinan, qingdao = selectors.dashboard(user=world["jinan"]), selectors.dashboard(user=world["qingdao"])
    assert jinan["total_active"] == _expected(world["jinan"])["total_active"] == 4
    assert qingdao["total_active"] == 0 and qingdao["open_alerts"] == 0 and qingdao["compliance_rate"] is None
    assert qingdao["by_school"] == [] and qingdao["worst_enterprises"] == []


def test_dashboard_query_count_does_not_grow(iw, world, settings):
    settings.INTERNSHIP_DASHBOARD_CACHE_SECONDS = 0
    user = world["province_admin"]
    iw.placement(activate=True)
    selectors.dashboard(user=user)  # the user's grants are loaded once per user object
    with CaptureQueriesContext(connection) as few:
        small = selectors.dashboard(user=user)
    _varied(iw, world)
    for _ in range(5):
        iw.placement(activate=True)
    with CaptureQueriesContext(connection) as more:
        large = selectors.dashboard(user=user)
    assert small["total_active"] == 1 and large["total_active"] == 10
    assert len(few) == len(more) <= 4


def test_dashboard_page_renders(iw, world, login, settings):
    settings.INTERNSHIP_DASHBOARD_CACHE_SECONDS = 0
    _varied(iw, world)
    page = login(world["province_admin"]).get("/internships/")
    assert page.status_code == 200
    assert page.context["d"]["total_active"] == 4
    assert json.dumps(world.school_a.name)[1:-1] in page.content.decode()  # the chart data (json_script)


def test_dashboard_counts_placements_of_today(iw, world):
    """No summary lag: a placement activated a moment ago is counted at once (uncached)."""
    user = world["province_admin"]
    assert selectors.dashboard(user=user, today=iw.today)["total_active"] == 0
    iw.placement(activate=True)
    assert selectors.dashboard(user=user, today=iw.today + dt.timedelta(days=0))["total_active"] == 1


def test_dashboard_of_a_user_without_scope_is_empty_not_an_error(iw, world):
    from rest_framework.test import APIClient

    p = iw.placement(activate=True)
    student = p.enrolment.student.user
    d = selectors.dashboard(user=student)
    assert d["total_active"] == 0 and d["open_alerts"] == 0 and d["by_city"] == []
    client = APIClient()
    client.force_authenticate(student)
    response = client.get("/api/v1/internship-dashboard/")
    assert response.status_code == 200 and response.json()["total_active"] == 0


def test_alert_pages_name_rules_by_title_not_identifier(iw, world, login):
    """合规预警 and the mentor's worklist name the rule (实习报酬…), not ``INT-PAY``; the rule filter
    offers the titles and narrows the list to that rule."""
    from django.urls import reverse
    from django.utils import translation

    from zhijiao.internships.rules import RULE_TITLES

    _varied(iw, world)
    Alert.objects.update(message="示例说明")  # the helper writes the rule id as the message
    with translation.override("zh-hans"):
        pay, hours = (
            translation.gettext(RULE_TITLES["INT-PAY"]),
            translation.gettext(RULE_TITLES["INT-HOURS"]),
        )
    assert pay != RULE_TITLES["INT-PAY"]  # translated
    client = login(world["province_admin"])
    page = client.get(reverse("internships:alert_list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    table = page.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    assert pay in table and hours in table
    assert "INT-PAY" not in table and "INT-HOURS" not in table and "ANOM-FAR" not in table
    select = page.split('name="rule_id"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="INT-PAY">{pay}</option>' in select
    only_pay = client.get(reverse("internships:alert_list"), {"rule_id": "INT-PAY"}).content.decode()
    table = only_pay.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    assert pay in table and hours not in table
    refused = client.get(reverse("internships:alert_list"), {"rule_id": "<script>"})
    assert refused.status_code == 200 and "<script>" not in refused.content.decode()

    # The message (its rule's title, as the sweep writes it) is not said twice; another one is shown.
    worklist = login(iw.mentor_user).get(reverse("internships:worklist")).content.decode()
    alerts = worklist.split('data-testid="alerts"', 1)[1].split("</ul>", 1)[0]
    assert pay in alerts and "INT-PAY" not in alerts and "示例说明" in alerts
    for alert in Alert.objects.all():
        Alert.objects.filter(pk=alert.pk).update(message=RULE_TITLES[alert.rule_id])
    worklist = login(iw.mentor_user).get(reverse("internships:worklist")).content.decode()
    alerts = worklist.split('data-testid="alerts"', 1)[1].split("</ul>", 1)[0]
    assert alerts.count(pay) == 1, alerts
