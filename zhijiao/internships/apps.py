from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InternshipsConfig(AppConfig):
    name = "zhijiao.internships"
    label = "internships"
    verbose_name = _("Internships")
    # The rules of 《职业学校学生实习管理规定》 in the platform's rule registry (core.rules).
    rules = "zhijiao.internships.rules"
