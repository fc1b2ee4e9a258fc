from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "zhijiao.workflows"
    label = "workflows"
    verbose_name = _("Approvals")
