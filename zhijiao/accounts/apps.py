from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.navigation import MenuItem


class AccountsConfig(AppConfig):
    name = "zhijiao.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    urls = [("accounts/", "zhijiao.accounts.urls")]
    api_routes = "zhijiao.accounts.api.routes.register"
    autocomplete = "zhijiao.accounts.autocomplete"

    menu = [MenuItem(_("Users"), "accounts:user_list", "system", "manage_users")]
