"""Internship plans (实习方案, filed with the authority) and the hosts' posts."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import ScopedModel
from zhijiao.core.search import TextSearch
from zhijiao.core.validators import validate_plain_text

from ..choices import (
    FilingStatus,
    InternshipKind,
    VenueKind,
)


class InternshipPlan(ScopedModel):
    """实习方案: one batch of internships of a major and cohort, filed (备案) with the authority."""

    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="internship_plans",
    )
    offering = models.ForeignKey(
        "majors.InstitutionMajor",
        verbose_name=_("offered major"),
        on_delete=models.PROTECT,
        related_name="internship_plans",
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    kind = models.CharField(_("kind of internship"), max_length=20, choices=InternshipKind.choices)
    legacy_type = models.CharField(
        _("legacy type"),
        max_length=20,
        blank=True,
        help_text=_("跟岗 or 顶岗 for records migrated from the 2016 rules."),
    )
    cohort_year = models.PositiveSmallIntegerField(
        _("cohort year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    training_plan_reference = models.CharField(
        _("training plan reference"),
        max_length=200,
        blank=True,
        validators=[validate_plain_text],
        help_text=_("Required when a post internship lasts longer than the usual duration."),
    )
    description = models.TextField(
        _("content and requirements"), blank=True, validators=[validate_plain_text]
    )
    school_mentors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("school mentors"),
        blank=True,
        related_name="internship_plans",
    )
    filing_status = models.CharField(
        _("filing status"),
        max_length=20,
        choices=FilingStatus.choices,
        default=FilingStatus.DRAFT,
        db_index=True,
    )
    filing_reference = models.CharField(_("filing number"), max_length=100, blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    filing_comment = models.CharField(_("filing comment"), max_length=500, blank=True)
    # Kept by the database (``internships.tallies.PLAN_PLACEMENT_COUNT``: statement-level triggers on
    # placements), never by Python: the list shows and sorts by it without counting placements.
    placement_count = models.PositiveIntegerField(_("placements"), default=0, editable=False)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("internship plan")
        verbose_name_plural = _("internship plans")
        ordering = ["-start_date", "title"]
        # The list's sort by placements: the province reads (count, id) in order, a school its own.
        indexes = [
            models.Index(fields=["placement_count", "id"], name="internships_plan_count"),
            models.Index(fields=["institution", "placement_count", "id"], name="internships_plan_inst_count"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="internships_plan_dates_ordered",
                violation_error_message=_("The end date must not be before the start date."),
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("internships:plan_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        # An update never writes the count it read earlier (the triggers may have moved it since).
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "placement_count"
            ]
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.title


class Post(ScopedModel):
    """岗位: a kind of post at a host enterprise, with what the rules need to know about it."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("host enterprise"),
        on_delete=models.PROTECT,
        related_name="internship_posts",
    )
    registered_by = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("registered by school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_posts",
    )
    name = models.CharField(_("post name"), max_length=100, validators=[validate_plain_text])
    major_category = models.ForeignKey(
        "majors.MajorCategory", verbose_name=_("major category"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("work content"), blank=True, validators=[validate_plain_text])
    venue_kind = models.CharField(
        _("kind of venue"), max_length=30, choices=VenueKind.choices, default=VenueKind.ORDINARY
    )
    physical_labour_level = models.PositiveSmallIntegerField(
        _("physical-labour intensity level"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("GB 3869 level I–IV."),
    )
    hazards = models.JSONField(_("hazards"), default=list, blank=True)
    high_risk = models.BooleanField(
        _("high-risk post"),
        default=False,
        help_text=_("Work at height, underground, radioactive, toxic, flammable or explosive."),
    )
    minor_forbidden = models.BooleanField(_("forbidden for minors"), default=False)
    female_forbidden = models.BooleanField(_("forbidden for women"), default=False)
    daily_hours = models.DecimalField(
        _("hours per day"),
        max_digits=4,
        decimal_places=1,
        default=8,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    weekly_hours = models.DecimalField(
        _("hours per week"),
        max_digits=4,
        decimal_places=1,
        default=40,
        validators=[MinValueValidator(0), MaxValueValidator(168)],
    )
    shift_start = models.TimeField(_("shift starts"), default="08:30")
    shift_end = models.TimeField(_("shift ends"), default="17:30")
    works_holidays = models.BooleanField(_("works on statutory holidays"), default=False)
    overtime = models.BooleanField(_("overtime scheduled"), default=False)
    wage_standard = models.DecimalField(
        _("monthly wage for the post"),
        max_digits=9,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    lowest_grade_wage = models.DecimalField(
        _("lowest wage grade"), max_digits=9, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    on_duty_staff = models.PositiveIntegerField(
        _("staff on duty in this post"),
        default=0,
        help_text=_("Drives the cap of 20 percent of the staff on a post."),
    )
    staff_declared_on = models.DateField(_("headcount declared on"), null=True, blank=True)
    headcount = models.PositiveIntegerField(_("intern places offered"), default=0)
    workplace = models.CharField(
        _("workplace address"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("open"), default=True)

    # Posts are job listings for the schools: every school may read every host's posts (to place
    # students); an enterprise reads only its own (wages are its business), an authority those of
    # the hosts in its region. Changes by the enterprise, the school that registered the post, or
    # the authority.
    scope_public_view_nodes = frozenset({"institution"})
    scope_region_path = "enterprise__region__path"
    scope_enterprise = "enterprise_id"
    scope_institution = "registered_by_id"
    scope_change_nodes = frozenset({"region", "enterprise", "institution"})

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["enterprise_id", "name"]
        # Every sortable column of the list with the id (issue 16): a page reads 25 posts in order
        # from one index instead of sorting every host's posts (7,000 at full scale: 8 ms of 16).
        # The default order is the unique constraint's (enterprise, name).
        indexes = [
            models.Index(fields=["name", "id"], name="internships_post_name"),
            models.Index(fields=["major_category", "id"], name="internships_post_cat"),
            models.Index(fields=["physical_labour_level", "id"], name="internships_post_labour"),
            models.Index(fields=["on_duty_staff", "id"], name="internships_post_staff"),
            models.Index(fields=["wage_standard", "id"], name="internships_post_wage"),
            models.Index(fields=["is_active", "id"], name="internships_post_open"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "name"],
                name="internships_post_unique_name",
                violation_error_message=_("The enterprise already has a post with this name."),
            ),
            models.CheckConstraint(
                condition=Q(physical_labour_level__gte=1, physical_labour_level__lte=4),
                name="internships_post_labour_level_range",
                violation_error_message=_("The physical-labour level is between I and IV."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.name}"

    def get_absolute_url(self) -> str:
        # Posts have no page of their own: the list, narrowed to the post's host.
        return f"{reverse('internships:post_list')}?enterprise={self.enterprise_id}"


# ``name__textsearch``: characters and pairs from the generated search_terms column (core.search).
Post._meta.get_field("name").register_lookup(TextSearch)
