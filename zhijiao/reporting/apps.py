from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import DemoLoader
from zhijiao.core.navigation import AUTHORITIES, SCHOOL_SIDE, MenuGroup, MenuItem


class ReportingConfig(AppConfig):
    name = "zhijiao.reporting"
    label = "reporting"
    verbose_name = _("Data reporting")
    lifecycles = "zhijiao.reporting.lifecycles"
    demo_loader = [
        DemoLoader("zhijiao.reporting.demo.load_demo_reporting"),
        DemoLoader("zhijiao.reporting.demo_analytics.load_demo_analytics"),
    ]
    urls = [("reporting/", "zhijiao.reporting.urls")]
    menu = [
        MenuGroup("reporting", _("Data reporting"), order=65),
        MenuItem(_("Data reporting"), "reporting:index", "reporting", "view", SCHOOL_SIDE),
        MenuItem(_("Reporting worklist"), "reporting:worklist", "reporting", "view", SCHOOL_SIDE),
        MenuItem(_("Completeness"), "reporting:completeness", "reporting", "view", SCHOOL_SIDE),
        MenuItem(_("Aggregates"), "reporting:pivot", "reporting", "view", SCHOOL_SIDE),
        MenuItem(_("Analytics"), "reporting:analytics", "reporting", "view", AUTHORITIES),
        MenuItem(_("Indicators dashboard"), "reporting:dashboard", "reporting", "view", AUTHORITIES),
        MenuItem(_("Scoring"), "reporting:scoring", "reporting", "view", AUTHORITIES),
    ]
