from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskKind(models.TextChoices):
    KEY_POINT = "key_point", _("Key point")
    ROUTINE = "routine", _("Routine task")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


CLOSED_STATUSES = (TaskStatus.COMPLETED, TaskStatus.CANCELLED)


class Health(models.TextChoices):
    """Computed, never stored: how a task stands against its countdown."""

    DONE = "done", _("Done")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OVERDUE = "overdue", _("Overdue")
    NO_DATE = "no_date", _("No due date")


class Alternative(models.TextChoices):
    A = "A", _("Plan A")
    B = "B", _("Plan B")


class AssignmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Answered, awaiting acknowledgement")
    RETURNED = "returned", _("Returned for revision")
    ACCEPTED = "accepted", _("Accepted")


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting acknowledgement")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class Decision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned with reason")


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder before the due date")
    DUE_TODAY = "due_today", _("Due today")
    OVERDUE = "overdue", _("Overdue")
    ESCALATION = "escalation", _("Escalation to the division head")
    UNANSWERED = "unanswered", _("Unanswered submissions")
    ASSIGNMENT = "assignment", _("New assignment")
    REPORT = "report", _("New progress report")
    ACKNOWLEDGEMENT = "acknowledgement", _("Report acknowledged")
