from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import DemoLoader
from zhijiao.core.navigation import AUTHORITIES, ENTERPRISE, MenuItem


class EnterprisesConfig(AppConfig):
    name = "zhijiao.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")
    urls = [("enterprises/", "zhijiao.enterprises.urls")]
    demo_loader = DemoLoader("zhijiao.enterprises.demo.load_demo_enterprises", stage="shared")
    home_panels = "zhijiao.enterprises.home.panels"
    api_routes = "zhijiao.enterprises.api.routes.register"
    importers = "zhijiao.enterprises.importers"

    menu = [
        MenuItem(
            _("Enterprises"), "enterprises:enterprise_list", "basic", "view", AUTHORITIES | {ENTERPRISE}
        ),
    ]
