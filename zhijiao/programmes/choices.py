from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicantKind(models.TextChoices):
    INSTITUTION = "institution", _("Institution")
    MAJOR = "major", _("Offered major")
    TEAM = "team", _("Teaching team")
    TEACHER = "teacher", _("Teacher")
    COURSE = "course", _("Course")
    STUDENT = "student", _("Student")
    PARTNERSHIP = "partnership", _("School-enterprise partnership")


class Actor(models.TextChoices):
    """Who acts in a phase of a programme type."""

    SCHOOL = "school", _("School")
    CITY = "city", _("City bureau")
    PROVINCE = "province", _("Province")
    EXPERT = "expert", _("Expert")


class Phase(models.TextChoices):
    """The phases the engine runs, in order; a programme type names them per role."""

    APPLY = "apply", _("Application")
    RECOMMEND = "recommend", _("City recommendation")
    SCREEN = "screen", _("Formal screening")
    REVIEW = "review", _("Expert review")
    DECIDE = "decide", _("Decision")
    PUBLICISE = "publicise", _("Public notice")
    APPROVE = "approve", _("Approval")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the city")
    RECOMMENDED = "recommended", _("Recommended by the city")
    NOT_RECOMMENDED = "not_recommended", _("Not recommended")
    SCREENED = "screened", _("Passed formal screening")
    SCREEN_FAILED = "screen_failed", _("Failed formal screening")
    UNDER_REVIEW = "under_review", _("Under expert review")
    SHORTLISTED = "shortlisted", _("On the decision list")
    NOT_SELECTED = "not_selected", _("Not selected")
    APPROVED = "approved", _("Approved (立项)")


class CallStage(models.TextChoices):
    OPEN = "open", _("Open for applications")
    REVIEWING = "reviewing", _("Under review")
    DECIDED = "decided", _("Decision list drawn up")
    PUBLICISED = "publicised", _("Under public notice")
    APPROVED = "approved", _("Approved")


class ReviewStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    SUBMITTED = "submitted", _("Scores submitted")


class MajorField(models.TextChoices):
    """The 19 专业大类 of the 2021 vocational major catalogue (codes of the 高职专科 level)."""

    F41 = "41", _("Agriculture, forestry, animal husbandry and fishery")
    F42 = "42", _("Resources, environment and safety")
    F43 = "43", _("Energy, power and materials")
    F44 = "44", _("Civil engineering and architecture")
    F45 = "45", _("Water conservancy")
    F46 = "46", _("Equipment manufacturing")
    F47 = "47", _("Biology and chemical engineering")
    F48 = "48", _("Light industry and textiles")
    F49 = "49", _("Food, drugs and grain")
    F50 = "50", _("Transportation")
    F51 = "51", _("Electronics and information")
    F52 = "52", _("Medicine and health")
    F53 = "53", _("Finance, economics and commerce")
    F54 = "54", _("Tourism")
    F55 = "55", _("Culture and arts")
    F56 = "56", _("Journalism and communication")
    F57 = "57", _("Education and sports")
    F58 = "58", _("Public security and justice")
    F59 = "59", _("Public administration and services")


class ExpertTitle(models.TextChoices):
    PROFESSOR = "professor", _("Professor / senior professional title")
    ASSOCIATE = "associate", _("Associate professor / deputy senior title")
    ENGINEER = "engineer", _("Senior engineer (industry)")
    OTHER = "other", _("Other")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Under investigation")
    ANSWERED = "answered", _("Answered")


class AwardStatus(models.TextChoices):
    """An award (立项) while it is built, once accepted, or revoked after a failed check."""

    ACTIVE = "active", _("Under construction")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")


class FundingSource(models.TextChoices):
    """Where the money of an award comes from (recorded at 立项)."""

    CENTRAL = "central", _("Central government funds")
    PROVINCE = "province", _("Provincial government funds")
    CITY = "city", _("City government funds")
    COUNTY = "county", _("County government funds")
    SCHOOL = "school", _("School's own funds")
    ENTERPRISE = "enterprise", _("Industry and enterprise funds")


class FollowUpKind(models.TextChoices):
    MIDTERM = "midterm", _("Mid-term check (中期检查)")
    ACCEPTANCE = "acceptance", _("Acceptance (验收)")
    TERM_END = "term_end", _("End-of-term evaluation (期满考核)")


class RoundStage(models.TextChoices):
    OPEN = "open", _("Open for reports")
    REVIEWING = "reviewing", _("Under expert review")
    CLOSED = "closed", _("Closed")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under expert review")
    RECTIFYING = "rectifying", _("Rectification ordered (整改)")
    CONCLUDED = "concluded", _("Concluded")


class Outcome(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent (优秀)")
    PASS = "pass", _("Pass (合格)")
    FAIL = "fail", _("Fail (不合格)")


class NotificationKind(models.TextChoices):
    """The messages of 项目库 (core.notifications)."""

    FOLLOWUP_REMINDER = "programmes_followup_reminder", _("Follow-up report due soon")
    FOLLOWUP_OVERDUE = "programmes_followup_overdue", _("Follow-up report overdue")
    FOLLOWUP_ESCALATION = (
        "programmes_followup_escalation",
        _("Follow-up report overdue: escalated to the city"),
    )
    FOLLOWUP_OUTCOME = "programmes_followup_outcome", _("Follow-up outcome")
