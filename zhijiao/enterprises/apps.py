from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.navigation import AUTHORITIES, ENTERPRISE, MenuItem


class EnterprisesConfig(AppConfig):
    name = "zhijiao.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")

    menu = [
        MenuItem(
            _("Enterprises"), "enterprises:enterprise_list", "basic", "view", AUTHORITIES | {ENTERPRISE}
        ),
    ]
