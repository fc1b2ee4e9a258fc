from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import DemoLoader
from zhijiao.core.navigation import SCHOOL_SIDE, MenuGroup, MenuItem


class WorkplanConfig(AppConfig):
    name = "zhijiao.workplan"
    label = "workplan"
    verbose_name = _("Work plan tracking")
    urls = [("workplan/", "zhijiao.workplan.urls")]
    demo_loader = DemoLoader("zhijiao.workplan.demo.load_demo_workplan")
    api_routes = "zhijiao.workplan.api.routes.register"
    autocomplete = "zhijiao.workplan.autocomplete"

    menu = [
        MenuGroup("workplan", _("Work plan supervision"), order=60),
        MenuItem(_("Work plan"), "workplan:board", "workplan", "view", SCHOOL_SIDE),
    ]
