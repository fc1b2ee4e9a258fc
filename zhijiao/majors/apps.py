from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import DemoLoader
from zhijiao.core.navigation import ENTERPRISE, SCHOOL_SIDE, UNATTACHED, MenuItem


class MajorsConfig(AppConfig):
    name = "zhijiao.majors"
    label = "majors"
    verbose_name = _("Majors")
    urls = [("majors/", "zhijiao.majors.urls")]
    demo_loader = [
        DemoLoader("zhijiao.majors.demo.load_demo_reference", stage="reference"),
        DemoLoader("zhijiao.majors.demo.load_demo_offerings", stage="shared"),
    ]
    home_panels = "zhijiao.majors.home.panels"
    detail_panels = {"orgs.institution": "zhijiao.majors.panels.institution_offerings"}
    api_routes = "zhijiao.majors.api.routes.register"
    importers = "zhijiao.majors.importers"
    autocomplete = "zhijiao.majors.autocomplete"

    menu = [
        # Reference data every role with a grant may read (an expert too, who holds no "view" action).
        MenuItem(
            _("Major catalogue"), "majors:major_list", "basic", None, SCHOOL_SIDE | {ENTERPRISE, UNATTACHED}
        ),
        MenuItem(_("Offered majors"), "majors:offering_list", "basic", "view", SCHOOL_SIDE),
    ]
