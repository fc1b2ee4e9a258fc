from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import DemoLoader
from zhijiao.core.navigation import SCHOOL_SIDE, UNATTACHED, MenuGroup, MenuItem


class CompetitionsConfig(AppConfig):
    name = "zhijiao.competitions"
    label = "competitions"
    verbose_name = _("Competitions")
    lifecycles = "zhijiao.competitions.lifecycles"
    rules = "zhijiao.competitions.rules"
    demo_loader = DemoLoader("zhijiao.competitions.demo.load_demo_competitions", after=("programmes",))
    home_panels = "zhijiao.competitions.home.panels"
    api_routes = "zhijiao.competitions.api.register"
    urls = [
        ("competitions/", "zhijiao.competitions.urls"),
        ("competitions/public/", "zhijiao.competitions.urls_public"),
    ]
    menu = [
        MenuGroup("competitions", _("Competitions"), order=67),
        MenuItem(_("Competition events"), "competitions:events", "competitions", "view", SCHOOL_SIDE),
        MenuItem(_("My judging"), "competitions:my_judging", "competitions", None, frozenset({UNATTACHED})),
    ]
