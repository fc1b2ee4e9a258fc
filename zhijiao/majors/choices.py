from django.db import models
from django.utils.translation import gettext_lazy as _


class MajorLevel(models.TextChoices):
    SECONDARY = "secondary", _("Secondary vocational")
    HIGHER = "higher", _("Higher vocational (associate)")
    BACHELOR = "bachelor", _("Vocational bachelor")


class OfferingStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    SUSPENDED = "suspended", _("Enrolment suspended")
    REVOKED = "revoked", _("Revoked")
