from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import DemoLoader
from zhijiao.core.navigation import AUTHORITIES, PROVINCE, SCHOOL_SIDE, MenuGroup, MenuItem


class ReportingConfig(AppConfig):
    name = "zhijiao.reporting"
    label = "reporting"
    verbose_name = _("Data reporting")
    lifecycles = "zhijiao.reporting.lifecycles"
    # Celery beat entries (zhijiao.core.tasks.contributed_beat_schedule), Asia/Shanghai times: forms
    # past their deadline closed or locked just after midnight, reminders and escalation each morning
    # (reporting.tasks; safe to run twice).
    beat_schedule = {
        "reporting.close_overdue": {
            "task": "reporting.close_overdue",
            "schedule": crontab(hour=0, minute=20),
        },
        "reporting.send_reminders": {
            "task": "reporting.send_reminders",
            "schedule": crontab(hour=8, minute=10),
        },
    }
    # The messages 数据报送 sends (core.notifications): reminders before a deadline, escalation after.
    notification_kinds = "zhijiao.reporting.choices.NotificationKind"
    demo_loader = [
        DemoLoader("zhijiao.reporting.demo.load_demo_reporting"),
        DemoLoader("zhijiao.reporting.demo_analytics.load_demo_analytics"),
        # 高地 dispatch, 就业去向 (graduates from 学籍), 质量年报 base data; then the sample reports.
        DemoLoader("zhijiao.reporting.demo.load_demo_collections", after=("students",)),
        DemoLoader("zhijiao.reporting.demo_analytics.load_demo_reports", after=("students",)),
    ]
    urls = [("reporting/", "zhijiao.reporting.urls")]
    api_routes = "zhijiao.reporting.api.register"
    # The home page's 数据报送 panel: what to fill, to approve and what is overdue (reporting.home).
    home_panels = "zhijiao.reporting.home.panels"
    menu = [
        MenuGroup("reporting", _("Data reporting"), order=65),
        MenuItem(_("Data reporting"), "reporting:index", "reporting", "view", SCHOOL_SIDE),
        MenuItem(_("Reporting worklist"), "reporting:worklist", "reporting", "view", SCHOOL_SIDE),
        MenuItem(_("Completeness"), "reporting:completeness", "reporting", "view", SCHOOL_SIDE),
        MenuItem(_("City returns"), "reporting:city_returns", "reporting", "view", AUTHORITIES),
        MenuItem(_("Aggregates"), "reporting:pivot", "reporting", "view", SCHOOL_SIDE),
        MenuItem(_("Analytics"), "reporting:analytics", "reporting", "view", AUTHORITIES),
        MenuItem(_("Indicators dashboard"), "reporting:dashboard", "reporting", "view", AUTHORITIES),
        MenuItem(_("Scoring"), "reporting:scoring", "reporting", "view", AUTHORITIES),
        MenuItem(_("Reports from data"), "reporting:reports", "reporting", "view", SCHOOL_SIDE),
        # The editors of data sets, indicators and scoring schemes: province staff only.
        MenuItem(_("Data-set editor"), "reporting:editor", "reporting", "view", frozenset({PROVINCE})),
        MenuItem(
            _("Indicators and scoring schemes"),
            "reporting:editor_indicators",
            "reporting",
            "view",
            frozenset({PROVINCE}),
        ),
    ]
