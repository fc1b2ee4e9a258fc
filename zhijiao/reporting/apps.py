from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _



class ReportingConfig(AppConfig):
    name = "zhijiao.reporting"
    label = "reporting"
    verbose_name = _("Data reporting")
    lifecycles = "zhijiao.reporting.lifecycles"
