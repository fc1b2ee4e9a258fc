from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.navigation import SCHOOL_SIDE, MenuGroup, MenuItem


class OrgsConfig(AppConfig):
    name = "zhijiao.orgs"
    label = "orgs"
    verbose_name = _("Organisations")
    urls = [("", "zhijiao.orgs.urls")]
    home_panels = "zhijiao.orgs.home.panels"
    api_routes = "zhijiao.orgs.api.routes.register"
    importers = "zhijiao.orgs.importers"

    menu = [
        MenuGroup("basic", _("Basic data"), order=10),
        MenuItem(_("Regions"), "orgs:region_list", "basic", "view", SCHOOL_SIDE),
        MenuItem(_("Institutions"), "orgs:institution_list", "basic", "view", SCHOOL_SIDE),
    ]
