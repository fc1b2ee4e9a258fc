from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import DemoLoader
from zhijiao.core.navigation import AUTHORITIES, SCHOOL_SIDE, UNATTACHED, MenuGroup, MenuItem


class ProgrammesConfig(AppConfig):
    name = "zhijiao.programmes"
    label = "programmes"
    verbose_name = _("Programmes")
    lifecycles = "zhijiao.programmes.lifecycles"
    rules = "zhijiao.programmes.rules"
    home_panels = "zhijiao.programmes.home.panels"
    demo_loader = DemoLoader("zhijiao.programmes.demo.load_demo_programmes", after=("reporting",))
    urls = [("programmes/", "zhijiao.programmes.urls")]
    menu = [
        MenuGroup("programmes", _("Programmes"), order=66),
        MenuItem(_("Calls"), "programmes:calls", "programmes", "view", SCHOOL_SIDE),
        MenuItem(_("Expert pool"), "programmes:experts", "programmes", "view", AUTHORITIES),
        MenuItem(_("My reviews"), "programmes:my_reviews", "programmes", None, frozenset({UNATTACHED})),
    ]
