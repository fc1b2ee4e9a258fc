from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "zhijiao.students"
    label = "students"
    verbose_name = _("Student registry")
    lifecycles = "zhijiao.students.lifecycles"
