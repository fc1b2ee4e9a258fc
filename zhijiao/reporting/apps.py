from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import DemoLoader


class ReportingConfig(AppConfig):
    name = "zhijiao.reporting"
    label = "reporting"
    verbose_name = _("Data reporting")
    lifecycles = "zhijiao.reporting.lifecycles"
    demo_loader = DemoLoader(
        "zhijiao.reporting.demo.load_demo_reporting",
    )
