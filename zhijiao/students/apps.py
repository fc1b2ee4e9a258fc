from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "zhijiao.students"
    label = "students"
    verbose_name = _("Student registry")
    # The 学籍 rules in the platform's rule registry (core.rules).
    rules = "zhijiao.students.rules"
