from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestStatus(models.TextChoices):
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


class StepLevel(models.TextChoices):
    """The node level a step is decided at (DESIGN.md: school → city → province)."""

    INSTITUTION = "institution", _("School")
    CITY = "city", _("City bureau")
    PROVINCE = "province", _("Province")


class EventKind(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")
    RESUBMIT = "resubmit", _("Resubmitted")
    CANCEL = "cancel", _("Cancelled")
