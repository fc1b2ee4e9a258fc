from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    HK_MACAO = "hk_macao", _("Mainland travel permit for Hong Kong and Macao residents")
    TAIWAN = "taiwan", _("Mainland travel permit for Taiwan residents")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other")


class Pathway(models.TextChoices):
    """students.md §8."""

    ORDINARY = "ordinary", _("Ordinary programme")
    SEC_HIGHER_3_2 = "3+2_sec_higher", _("3+2 secondary–higher vocational")
    SEC_BACHELOR_3_4 = "3+4", _("3+4 secondary vocational–bachelor")
    FIVE_YEAR = "five_year", _("Five-year higher vocational")
    HIGHER_BACHELOR_3_2 = "3+2_higher_bachelor", _("3+2 higher vocational–bachelor")


class Stage(models.TextChoices):
    SECONDARY = "secondary", _("Secondary stage")
    HIGHER = "higher", _("Higher vocational stage")
    BACHELOR = "bachelor", _("Bachelor stage")


class EnrolmentStatus(models.TextChoices):
    """students.md §4. WITHDRAWN and GRADUATED are terminal."""

    PENDING = "pending", _("Awaiting registration")
    REGISTERED = "registered", _("Registered")
    SUSPENDED = "suspended", pgettext_lazy("enrolment status", "Suspended")
    RETAINED = "retained", _("Held back a year")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    GRADUATED = "graduated", _("Graduated")
    COMPLETED = "completed", _("Completed without graduating")
    INCOMPLETE = "incomplete", _("Left with a certificate of study")
    PRESERVED = "preserved", _("Status preserved")


class GraduationOutcome(models.TextChoices):
    GRADUATED = "graduated", _("Graduation (毕业)")
    COMPLETED = "completed", _("Completion (结业)")
    INCOMPLETE = "incomplete", _("Certificate of study (肄业)")


class Grade(models.TextChoices):
    """The four-level appraisal (students.md §6)."""

    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class Term(models.TextChoices):
    AUTUMN = "autumn", _("Autumn intake")
    SPRING = "spring", _("Spring intake")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


class ChangeKind(models.TextChoices):
    """学籍异动 (students.md §4–§5)."""

    TRANSFER = "transfer", _("Transfer to another school")
    CHANGE_MAJOR = "change_major", _("Change of major")
    SUSPEND = "suspend", _("Suspension of study")
    RESUME = "resume", _("Resumption of study")
    RETAIN = "retain", _("Held back a year")
    WITHDRAW = "withdraw", _("Withdrawal")
    PRESERVE = "preserve", _("Preservation of status")
    RESTORE = "restore", _("Restoration of preserved status")


class SuspensionReason(models.TextChoices):
    """Why a student suspends study (教职成〔2010〕7号 第十七条: illness or other reasons; army service)."""

    ILLNESS = "illness", _("Illness")
    ARMY = "army", _("Military service")
    WORK = "work", _("Work")
    OTHER = "other", _("Other reason")


class NotificationKind(models.TextChoices):
    """The students app's messages (``core.notifications``)."""

    SUSPENSION_ENDING = "suspension_ending", _("A suspension of study ends")
    RESUME_OVERDUE = "resume_overdue", _("Not back after a suspension")


class SchoolTerm(models.TextChoices):
    """The two terms of a school year (学期注册 each term)."""

    FIRST = "1", _("First term")
    SECOND = "2", _("Second term")


class NotRegisteredReason(models.TextChoices):
    """Why a student is not registered for a term (学期注册)."""

    SUSPENDED = "suspended", _("On suspension of study")
    ABSENT = "absent", _("Did not report (absent)")
    LEFT = "left", _("Left the school")
    OTHER = "other", _("Other reason")
