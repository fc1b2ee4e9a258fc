from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.navigation import AUTHORITIES, ENTERPRISE, MenuItem


class EnterprisesConfig(AppConfig):
    name = "zhijiao.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")
    urls = [("enterprises/", "zhijiao.enterprises.urls")]
    home_panels = "zhijiao.enterprises.home.panels"
    api_routes = "zhijiao.enterprises.api.routes.register"
    importers = "zhijiao.enterprises.importers"

    menu = [
        MenuItem(
            _("Enterprises"), "enterprises:enterprise_list", "basic", "view", AUTHORITIES | {ENTERPRISE}
        ),
    ]
