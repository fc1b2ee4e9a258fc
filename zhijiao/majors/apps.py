from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MajorsConfig(AppConfig):
    name = "zhijiao.majors"
    label = "majors"
    verbose_name = _("Majors")
