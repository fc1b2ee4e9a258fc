"""Choices of the batch work a school does on placements: post changes, leave, early termination."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LeaveKind(models.TextChoices):
    SICK = "sick", _("Sick leave")
    PERSONAL = "personal", _("Personal leave")
    OTHER = "other", _("Other leave")


class LeaveStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("leave", "Requested")
    APPROVED = "approved", pgettext_lazy("leave", "Approved")
    REFUSED = "refused", pgettext_lazy("leave", "Refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("leave", "Withdrawn")


class TerminationReason(models.TextChoices):
    STUDENT_REQUEST = "student_request", _("At the student's request")
    HEALTH = "health", _("Health")
    SAFETY = "safety", _("Safety risk at the host")
    HOST_CLOSED = "host_closed", _("The host closed or stopped the post")
    VIOLATION = "violation", _("The host broke the agreement or the rules")
    DISCIPLINE = "discipline", _("The student broke the rules")
    OTHER = "other", _("Other reason")


class DecidingParty(models.TextChoices):
    SCHOOL = "school", _("The school")
    HOST = "host", _("The host enterprise")
    STUDENT = "student", _("The student and guardian")
    AUTHORITY = "authority", _("The education authority")
