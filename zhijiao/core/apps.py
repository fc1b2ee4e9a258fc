from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "zhijiao.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        # Any decoding of an image anywhere (Pillow) refuses a pixel bomb (core.uploads).
        from PIL import Image

        from .uploads import limit

        Image.MAX_IMAGE_PIXELS = limit("UPLOAD_IMAGE_MAX_PIXELS")
