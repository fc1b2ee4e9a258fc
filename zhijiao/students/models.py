"""学籍: people, their enrolments at institutions, and graduation decisions.

Domain rules: ``shared/domain/students.md``. Other apps (credentials, internships, exams, 1+X)
key on ``Student`` and ``Enrolment``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.core.models import ScopedModel, TimeStampedModel
from zhijiao.core.scoping import Rel
from zhijiao.core.search import NameSearch
from zhijiao.core.validators import validate_plain_text

from . import codelists
from .choices import (
    BatchStatus,
    ChangeKind,
    EnrolmentStatus,
    Gender,
    Grade,
    GraduationOutcome,
    IdType,
    NotRegisteredReason,
    Pathway,
    SchoolTerm,
    Stage,
    SuspensionReason,
    Term,
)
from .codelists import CodeListValidator, validate_region_code


class Student(ScopedModel):
    """A person in the registry; holds at most one 学历教育学籍 in the province (XJ-UNIQUE)."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, validators=[validate_plain_text])
    name_pinyin = models.CharField(_("name in pinyin"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    id_type = models.CharField(
        _("ID type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number = models.CharField(_("ID number"), max_length=30)
    birth_date = models.DateField(_("birth date"))
    registry_number = models.CharField(
        _("student registry number"),
        max_length=30,
        unique=True,
        null=True,
        blank=True,
        help_text=_("学籍号: lifelong, G + ID number or L + temporary number."),
    )
    current_institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("current institution"),
        on_delete=models.PROTECT,
        related_name="students",
        db_index=False,  # students_stu_inst_name (institution, name, id) serves every look-up by school
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    guardian_name = models.CharField(
        _("guardian name"), max_length=50, blank=True, validators=[validate_plain_text]
    )
    guardian_phone = models.CharField(_("guardian phone"), max_length=20, blank=True)
    photo = models.FileField(
        _("photo"),
        upload_to="students/photos/%Y/",
        blank=True,
        help_text=_("JPEG or PNG, shown on the certificate."),
    )
    # Fields the province reports, coded by the lists in ``students/codelists`` (data, not choices).
    ethnicity = models.CharField(
        _("ethnic group"), max_length=2, blank=True, validators=[CodeListValidator("ethnicity")]
    )
    hukou_region = models.CharField(
        _("household registration (region code)"),
        max_length=6,
        blank=True,
        validators=[validate_region_code],
        help_text=_("Six-digit GB/T 2260 code of the 户籍."),
    )
    source_category = models.CharField(
        _("source category"), max_length=4, blank=True, validators=[CodeListValidator("source_category")]
    )
    aid_category = models.CharField(
        _("student aid eligibility"), max_length=4, blank=True, validators=[CodeListValidator("aid_category")]
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("student account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="student",
    )

    name_flagged = models.BooleanField(
        _("name needs checking"),
        default=False,
        help_text=_("The name holds private-use code points (a font-specific rare character)."),
    )

    scope_region_path = "current_institution__region__path"
    scope_institution = "current_institution_id"
    scope_change_nodes = frozenset({"region", "institution"})
    # Names keep private-use code points (flagged in name_flagged), other text loses them.
    person_name_fields = ("name", "guardian_name")
    # core.sensitive: masked wherever they leave the server; the 学籍号 contains the ID number.
    sensitive_fields = {
        "id_number": "resident_id",
        "registry_number": "registry_number",
        "phone": "phone",
        "guardian_phone": "phone",
    }

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["current_institution_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_type", "id_number"],
                name="students_student_unique_id",
                violation_error_message=_("A student with this ID number is already registered."),
            )
        ]
        # Province-scale lists (zhijiao.core.listing): each sort has a (key, id) b-tree that serves the
        # province's ordered scan and its keyset pages; a school's rows come first by institution.
        # ID and registry numbers are searched by prefix (pattern ops); names by the generated
        # search_terms column's GIN index (core.search, migration 0004).
        indexes = [
            models.Index(fields=["current_institution", "name", "id"], name="students_stu_inst_name"),
            models.Index(fields=["name", "id"], name="students_stu_name"),
            models.Index(fields=["created_at", "id"], name="students_stu_created"),
            models.Index(
                fields=["id_number"], name="students_stu_idno_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["registry_number"],
                name="students_stu_regno_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name_flagged"], name="students_stu_flagged", condition=Q(name_flagged=True)
            ),
        ]

    def get_ethnicity_display(self) -> str:
        return codelists.label("ethnicity", self.ethnicity)

    def get_source_category_display(self) -> str:
        return codelists.label("source_category", self.source_category)

    def get_aid_category_display(self) -> str:
        return codelists.label("aid_category", self.aid_category)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("students:student_detail", args=[self.pk])

    def may_reveal_sensitive(self, user, field_name: str) -> bool:
        from .selectors import may_see_full_id

        return may_see_full_id(user, self)


# ``name__namesearch``: characters, pairs and pinyin from the generated search_terms column (core.search).
Student._meta.get_field("name").register_lookup(NameSearch)


class Enrolment(ScopedModel):
    """One 学籍 at one institution: major offering, class, pathway, stage and status."""

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="enrolments"
    )
    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="enrolments",
        db_index=False,  # students_enr_inst_class (institution, class, id) serves every look-up by school
    )
    offering = models.ForeignKey(
        "majors.InstitutionMajor",
        verbose_name=_("offered major"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    class_name = models.CharField(_("class"), max_length=50, blank=True, validators=[validate_plain_text])
    cohort_year = models.PositiveSmallIntegerField(_("cohort year"))
    entry_date = models.DateField(_("entry date"))
    study_years = models.PositiveSmallIntegerField(_("length of study (years)"), default=3)
    pathway = models.CharField(_("pathway"), max_length=30, choices=Pathway.choices, default=Pathway.ORDINARY)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.SECONDARY)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.PENDING,
        db_index=True,
    )
    is_current = models.BooleanField(_("current"), default=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    left_at = models.DateField(_("left on"), null=True, blank=True)
    batch = models.ForeignKey(
        "students.RegistrationBatch",
        verbose_name=_("registration batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrolments",
    )

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["institution_id", "class_name", "student__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(is_current=True),
                name="students_one_current_enrolment",
                violation_error_message=_("The student already holds a current enrolment."),
            )
        ]
        indexes = [
            models.Index(fields=["institution", "class_name", "id"], name="students_enr_inst_class"),
            models.Index(fields=["class_name", "id"], name="students_enr_class"),
            models.Index(fields=["entry_date", "id"], name="students_enr_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.institution}"


class Graduation(ScopedModel):
    """The graduation decision for an enrolment: proposed by the school, approved by the authority.

    ``credentials`` issues the certificate for an approved decision.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="graduations"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=GraduationOutcome.choices)
    graduation_date = models.DateField(_("graduation date"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    conduct_grade = models.CharField(_("conduct appraisal"), max_length=20, choices=Grade.choices, blank=True)
    internship_grade = models.CharField(
        _("internship assessment"), max_length=20, choices=Grade.choices, blank=True
    )
    credits_complete = models.BooleanField(_("required credits complete"), default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        help_text=_("A 结业 decision later swapped for 毕业."),
    )
    graduation_list = models.ForeignKey(
        "students.GraduationList",
        verbose_name=_("graduation list"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="graduations",
    )
    ineligible_reasons = models.JSONField(_("why not eligible"), default=list, blank=True)

    scope_region_path = "enrolment__institution__region__path"
    scope_institution = "enrolment__institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("graduation decision")
        verbose_name_plural = _("graduation decisions")
        ordering = ["-graduation_date", "-id"]
        indexes = [models.Index(fields=["graduation_date", "id"], name="students_grad_date")]

    def __str__(self) -> str:
        return f"{self.enrolment.student} · {self.get_outcome_display()}"


class RegistrationBatch(ScopedModel):
    """电子注册: a school's new students of one intake, reviewed by the city, approved by the province.

    students.md §2 (教职成〔2014〕12号): deadlines 11-20 (autumn) and 04-20 (spring); a late batch
    needs a provincial override with a reason.
    """

    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="registration_batches",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    term = models.CharField(_("intake"), max_length=10, choices=Term.choices, default=Term.AUTUMN)
    status = models.CharField(
        _("status"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.DRAFT, db_index=True
    )
    deadline = models.DateField(_("registration deadline"))
    override_reason = models.CharField(
        _("late-registration override reason"), max_length=300, blank=True, validators=[validate_plain_text]
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("override granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    override_at = models.DateTimeField(_("override granted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approval = models.ForeignKey(
        "workflows.ApprovalRequest",
        verbose_name=_("approval request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("registration batch")
        verbose_name_plural = _("registration batches")
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return f"{self.institution} · {self.year} {self.get_term_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("students:batch_detail", args=[self.pk])


class TermRegistration(ScopedModel):
    """学期注册: whether a student of a school registered for one term of a school year, and if not why.

    One row per enrolment and term; ``school_year`` is the year the school year starts (2025 = 2025–2026).
    """

    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="term_registrations",
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="term_registrations"
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    term = models.CharField(_("term"), max_length=2, choices=SchoolTerm.choices)
    registered = models.BooleanField(_("registered"), default=False)
    reason = models.CharField(
        _("why not registered"), max_length=20, choices=NotRegisteredReason.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True, validators=[validate_plain_text])
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("term registration")
        verbose_name_plural = _("term registrations")
        ordering = ["-school_year", "-term", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "school_year", "term"], name="students_term_registration_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.student} · {self.school_year} {self.get_term_display()}"


class StatusChange(ScopedModel):
    """学籍异动: one request (transfer, suspension …) moving through the approval chain."""

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")
        CANCELLED = "cancelled", _("Cancelled")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="status_changes"
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="status_changes"
    )
    # The enrolment's school, copied when the change is requested (an enrolment never changes school;
    # a transfer opens a new one): the scope reads it on the change's own row, so a school's changes
    # are tested without joining every change's enrolment (internships.CheckIn does the same).
    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,  # students_chg_inst_created leads with it
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChangeKind.choices, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_REVIEW, db_index=True
    )
    reason = models.TextField(_("reason"), validators=[validate_plain_text])
    effective_date = models.DateField(_("effective date"))
    months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)
    suspension_reason = models.CharField(
        _("reason for suspension"), max_length=20, choices=SuspensionReason.choices, blank=True
    )
    from_status = models.CharField(_("status before"), max_length=20, choices=EnrolmentStatus.choices)
    to_status = models.CharField(_("status after"), max_length=20, choices=EnrolmentStatus.choices)
    target_institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("receiving school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
    )
    target_offering = models.ForeignKey(
        "majors.InstitutionMajor",
        verbose_name=_("new offered major"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_class_name = models.CharField(
        _("new class"), max_length=50, blank=True, validators=[validate_plain_text]
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    new_enrolment = models.ForeignKey(
        Enrolment,
        verbose_name=_("new enrolment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approval = models.ForeignKey(
        "workflows.ApprovalRequest",
        verbose_name=_("approval request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})
    # Whoever reviews its approval request reads it too (a transfer into a school of another city).
    scope_relations = {"view": (Rel.via("approval"),), "change": (Rel.via("approval"),)}

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="students_chg_created"),
            models.Index(fields=["effective_date", "id"], name="students_chg_effective"),
            models.Index(fields=["institution", "created_at", "id"], name="students_chg_inst_created"),
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        # The service names the school (services.status_changes); anything else saving a change
        # through the ORM takes its enrolment's here.
        if self.institution_id is None and self.enrolment_id is not None:
            self.institution_id = self.enrolment.institution_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("students:change_detail", args=[self.pk])

    @property
    def ends_on(self):
        """The day a 休学 ends (its effective date plus its months); None for other kinds."""
        if self.kind != ChangeKind.SUSPEND or not self.months:
            return None
        from .rules import add_months

        return add_months(self.effective_date, self.months)


class StatusChangeAttachment(TimeStampedModel):
    change = models.ForeignKey(
        StatusChange, verbose_name=_("status change"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="students/attachments/%Y/")
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class GraduationList(ScopedModel):
    """A school's proposed graduation list for one year; the authority approves it."""

    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="graduation_lists",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.DRAFT, db_index=True
    )
    graduation_date = models.DateField(_("graduation date"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approval = models.ForeignKey(
        "workflows.ApprovalRequest",
        verbose_name=_("approval request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("graduation list")
        verbose_name_plural = _("graduation lists")
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return f"{self.institution} · {self.year} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("students:graduation_list_detail", args=[self.pk])
