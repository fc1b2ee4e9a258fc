from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.navigation import SCHOOL_SIDE, MenuItem


class WorkflowsConfig(AppConfig):
    name = "zhijiao.workflows"
    label = "workflows"
    verbose_name = _("Approvals")
    urls = [("approvals/", "zhijiao.workflows.urls")]
    api_routes = "zhijiao.workflows.api.routes.register"
    home_panels = "zhijiao.workflows.home.panels"

    menu = [MenuItem(_("Awaiting my decision"), "workflows:worklist", "start", "change", SCHOOL_SIDE)]

    def ready(self):
        # The lifecycle engine's approval transitions file documents into this app's chains.
        from zhijiao.core.lifecycle import set_approval_backend

        from . import lifecycle_backend

        set_approval_backend(lifecycle_backend)
