from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "zhijiao.credentials"
    label = "credentials"
    verbose_name = _("Credentials")
    lifecycles = "zhijiao.credentials.lifecycles"

    def ready(self):
        from django.core import checks

        checks.register(check_verify_base_url, checks.Tags.compatibility)


def check_verify_base_url(app_configs=None, **kwargs):
    """Production must say where /verify/ is served: it is printed on every certificate."""
    from django.conf import settings
    from django.core import checks

    if settings.DEBUG or getattr(settings, "CREDENTIALS_VERIFY_BASE_URL", ""):
        return []
    return [
        checks.Error(
            "CREDENTIALS_VERIFY_BASE_URL is not set.",
            hint="Set it to the public address of the platform, e.g. https://zhijiao.example.gov.cn; "
            "it is printed in every certificate's verification QR code.",
            id="credentials.E001",
        )
    ]
