from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "zhijiao.workflows"
    label = "workflows"
    verbose_name = _("Approvals")

    def ready(self):
        # The lifecycle engine's approval transitions file documents into this app's chains.
        from zhijiao.core.lifecycle import set_approval_backend

        from . import lifecycle_backend

        set_approval_backend(lifecycle_backend)
