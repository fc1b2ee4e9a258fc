from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InternshipKind(models.TextChoices):
    """Art. 2 of 教职成〔2021〕4号: only two kinds (跟岗/顶岗 of 2016 map to POST)."""

    COGNITIVE = "cognitive", _("Cognitive internship")
    POST = "post", _("Post internship")


class FilingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    RETURNED = "returned", _("Returned")
    FILED = "filed", _("Filed")


class PlacementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", pgettext_lazy("placement status", "Active")
    SUSPENDED = "suspended", pgettext_lazy("placement status", "Suspended")
    ENDED = "ended", _("Ended")


class ArrangedVia(models.TextChoices):
    SCHOOL = "school", _("Arranged by the school")
    SELF = "self", _("Self-arranged (approved by the school)")
    INTERMEDIARY = "intermediary", _("Through an intermediary")
    PAID_AGENT = "paid_agent", _("Through a paid agent")


class VenueKind(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary workplace")
    BAR = "bar", _("Bar")
    NIGHTCLUB = "nightclub", _("Night club")
    KTV = "ktv", _("KTV / singing hall")
    BATH = "bath", _("Bath centre")
    GAME_HALL = "game_hall", _("Video-game hall")
    INTERNET_CAFE = "internet_cafe", _("Internet café")
    OTHER_ENTERTAINMENT = "other_entertainment", _("Other commercial entertainment venue")


class PayMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    VOUCHER = "voucher", _("Vouchers or goods")
    THIRD_PARTY = "third_party", _("Through a third party")


class PremiumPayer(models.TextChoices):
    SCHOOL = "school", _("School")
    ENTERPRISE = "enterprise", _("Host enterprise")
    STUDENT = "student", _("Student")


class MentorKind(models.TextChoices):
    SCHOOL = "school", _("School mentor")
    HOST = "host", _("Enterprise mentor")


class CheckInKind(models.TextChoices):
    START = "START", _("Clock in")
    END = "END", _("Clock out")


class ReportKind(models.TextChoices):
    DAY = "day", _("Daily report")
    WEEK = "week", _("Weekly report")
    MONTH = "month", _("Monthly report")


class ReviewStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", _("Reviewed")
    RETURNED = "returned", _("Returned for revision")


class DirectReportCategory(models.TextChoices):
    INCIDENT = "incident", _("Accident or injury")
    SAFETY = "safety", _("Safety hazard")
    HOURS = "hours", _("Overtime, night or holiday work")
    PAY = "pay", _("Pay not received")
    FEES = "fees", _("Fees or deposits charged")
    MISMATCH = "mismatch", _("Post unrelated to the major")
    HARASSMENT = "harassment", _("Harassment or abuse")
    OTHER = "other", _("Other")


class DirectReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Severity(models.TextChoices):
    BLOCK = "block", _("Blocking")
    WARN = "warn", _("Warning")
    INFO = "info", _("For review")


class EscalationLevel(models.IntegerChoices):
    SCHOOL = 0, _("School")
    CITY = 1, _("City bureau")
    PROVINCE = 2, _("Province")


class InspectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class FindingResult(models.TextChoices):
    PENDING = "pending", _("Not yet inspected")
    COMPLIANT = "compliant", _("Compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")


class ExceptionRule(models.TextChoices):
    """The rules the regulation words as "一般"/"原则上": defaults an approved exception may set aside."""

    DURATION = "INT-DUR", _("Duration of a post internship (generally 6 months)")
    MAJOR = "INT-MAJOR", _("Post within the student's major category")
    RATIO_UNIT = "INT-RATIO-UNIT", _("Interns at most one tenth of the host's staff")
    RATIO_POST = "INT-RATIO-POST", _("Interns at most one fifth of the post's staff")


class ExceptionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class WorkKind(models.TextChoices):
    """How a 岗位实习 student works (教职成〔2021〕4号 Art. 18): the pay floor follows it."""

    INDEPENDENT = "independent", _("Works relatively independently (pay floor applies)")
    ASSISTING = "assisting", _("Assists under supervision (appropriate pay)")
