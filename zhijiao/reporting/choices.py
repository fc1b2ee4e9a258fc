from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodType(models.TextChoices):
    YEAR = "year", _("Year")
    SEMESTER = "semester", _("Semester")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")


class ValueType(models.TextChoices):
    NUMBER = "number", _("Number")
    INTEGER = "integer", _("Integer")
    PERCENTAGE = "percentage", _("Percentage")
    MONEY = "money", _("Money")
    TEXT = "text", _("Text")
    CHOICE = "choice", _("Choice")
    DATE = "date", _("Date")
    ORG = "org", _("Institution (searched by name or code)")
    MAJOR = "major", _("Major (searched by name or code)")
    FILE = "file", _("File")


NUMERIC_TYPES = frozenset({ValueType.NUMBER, ValueType.INTEGER, ValueType.PERCENTAGE, ValueType.MONEY})
# A reference names an organisation or a major by its code; stored with the number 1, so the
# rollups count the schools that named one. A file is an attachment, never counted.
REFERENCE_TYPES = frozenset({ValueType.ORG, ValueType.MAJOR})
COUNTED_TYPES = NUMERIC_TYPES | REFERENCE_TYPES


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")
    LOCKED = "locked", _("Locked")
    REOPENED = "reopened", _("Re-opened")
    CLOSED = "closed", _("Closed at the deadline")


EDITABLE = frozenset({SubmissionStatus.DRAFT, SubmissionStatus.RETURNED, SubmissionStatus.REOPENED})


class NotificationKind(models.TextChoices):
    """The messages 数据报送 sends (``core.notifications``)."""

    REMINDER = "reporting_reminder", _("Data report due soon")
    ESCALATION = "reporting_escalation", _("Schools that have not reported")
    PROVINCE_ESCALATION = "reporting_province_escalation", _("Cities with missing or late returns")


class CitySubmissionStatus(models.TextChoices):
    """The city's own return of a data set (``lifecycles.CITY_SUBMISSION``): accepted locks it."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the province")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")
    REOPENED = "reopened", _("Re-opened")


CITY_OPEN = frozenset(
    {CitySubmissionStatus.DRAFT, CitySubmissionStatus.RETURNED, CitySubmissionStatus.REOPENED}
)
