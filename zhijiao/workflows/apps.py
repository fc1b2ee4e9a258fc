from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.navigation import SCHOOL_SIDE, MenuItem


class WorkflowsConfig(AppConfig):
    name = "zhijiao.workflows"
    label = "workflows"
    verbose_name = _("Approvals")

    menu = [MenuItem(_("Awaiting my decision"), "workflows:worklist", "start", "change", SCHOOL_SIDE)]
