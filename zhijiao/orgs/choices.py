from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class InstitutionKind(models.TextChoices):
    SECONDARY_VOCATIONAL = "secondary", _("Secondary vocational school")
    TECHNICAL = "technical", _("Technical school")
    HIGHER_VOCATIONAL = "higher", _("Higher vocational college")
    VOCATIONAL_BACHELOR = "bachelor", _("Vocational bachelor university")
    TECHNICIAN_COLLEGE = "technician", _("Technician college")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


class InstitutionStatus(models.TextChoices):
    ACTIVE = "active", _("Operating")
    SUSPENDED = "suspended", pgettext_lazy("institution status", "Suspended")
    CLOSED = "closed", _("Closed")
