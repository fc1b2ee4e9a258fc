"""数据报送: data sets defined as data (versions, sections, typed elements, disaggregation
categories, validation rules), periods, one submission per school × data set × period with its
values, and the rollups written when a submission is approved."""

from __future__ import annotations

import itertools

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.core.models import ScopedModel, TimeStampedModel

from .choices import CitySubmissionStatus, PeriodType, SubmissionStatus, ValueType


class DataSet(TimeStampedModel):
    """A form the province collects (高职院校实验室信息统计 …). Reference data: every signed-in
    user may read the definition; the province loads versions (``definitions.definition_load``)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    period_type = models.CharField(_("period type"), max_length=10, choices=PeriodType.choices)
    reporter_kinds = models.JSONField(
        _("reporting institution kinds"), default=list, blank=True, help_text=_("Empty: every kind.")
    )
    # Who reports (``reporting.reporters``): kinds, levels, ownership and cities; empty: every school.
    reporters = models.JSONField(_("who reports"), default=dict, blank=True)

    class Meta:
        verbose_name = _("data set")
        verbose_name_plural = _("data sets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def current_version(self) -> DataSetVersion | None:
        """The latest published version (a draft in the editor is not reported on)."""
        return self.versions.filter(is_draft=False).order_by("-number").first()


class DataSetVersion(TimeStampedModel):
    """One version of a data set's definition. Once a submission uses it (``in_use``) it never
    changes: a new definition is a new version, and collected values stay read under their own."""

    data_set = models.ForeignKey(
        DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"), default=dict)
    in_use = models.BooleanField(_("in use"), default=False)
    # A draft is edited in the data-set editor and reported on by no one; publishing it makes it
    # immutable (editing a published version starts a new draft).
    is_draft = models.BooleanField(_("draft"), default=False)

    class Meta:
        verbose_name = _("data set version")
        verbose_name_plural = _("data set versions")
        ordering = ["data_set", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["data_set", "number"],
                name="reporting_version_unique",
                violation_error_message=_("This data set already has a version with this number."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.data_set} v{self.number}"


class Category(models.Model):
    """A disaggregation (性别, 年级 …) with its options; an element's cells are the product of its
    categories' options."""

    version = models.ForeignKey(
        DataSetVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="categories"
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    options = models.JSONField(_("options"), default=list)  # [{"code": …, "name": …}]

    class Meta:
        verbose_name = _("disaggregation category")
        verbose_name_plural = _("disaggregation categories")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="reporting_category_unique")]

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    version = models.ForeignKey(
        DataSetVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="sections"
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="reporting_section_unique")]

    def __str__(self) -> str:
        return self.name


class DataElement(models.Model):
    version = models.ForeignKey(
        DataSetVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="elements"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="elements"
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    value_type = models.CharField(_("value type"), max_length=12, choices=ValueType.choices)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=20, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=20, decimal_places=4, null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)  # [{"code", "name"}]
    required = models.BooleanField(_("required"), default=False)
    categories = models.ManyToManyField(Category, verbose_name=_("disaggregations"), blank=True)
    # The categories' codes in the order the definition gives them: the order of a cell key's parts.
    category_order = models.JSONField(_("order of disaggregations"), default=list, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")
        ordering = ["section__order", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="reporting_element_unique")]

    def __str__(self) -> str:
        return self.name

    def cells(self) -> list[tuple[str, str]]:
        """``(cell key, label)`` of every cell: ``("", "")`` for an element without disaggregation,
        else ``("male.grade1", "男 · 一年级")`` over the product of its categories' options."""
        order = {code: i for i, code in enumerate(self.category_order)}
        cats = sorted(self.categories.all(), key=lambda c: order.get(c.code, len(order)))
        if not cats:
            return [("", "")]
        return [
            (".".join(o["code"] for o in combo), " · ".join(o["name"] for o in combo))
            for combo in itertools.product(*[c.options for c in cats])
        ]


class ValidationRule(models.Model):
    """A rule across elements, an expression of ``reporting.expressions`` (never ``eval``)."""

    version = models.ForeignKey(
        DataSetVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="rules"
    )
    code = models.SlugField(_("code"), max_length=50)
    expression = models.CharField(_("expression"), max_length=500)
    message = models.CharField(_("message"), max_length=300)

    class Meta:
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="reporting_rule_unique")]

    def __str__(self) -> str:
        return self.code


class Period(TimeStampedModel):
    """A period of a data set (2021, 2021S1, 2021Q3, 2021-03) with its reporting deadline."""

    data_set = models.ForeignKey(
        DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="periods"
    )
    code = models.CharField(_("period"), max_length=10)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    deadline = models.DateField(_("reporting deadline"))
    opens_on = models.DateField(
        _("entry opens on"),
        null=True,
        blank=True,
        help_text=_("Empty: open from when the period is created."),
    )

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["data_set", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["data_set", "code"], name="reporting_period_unique"),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="reporting_period_order",
                violation_error_message=_("A period ends after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.data_set} {self.code}"


class Submission(ScopedModel):
    """One school's report of one data set for one period, pinned to the version it was opened
    under. ``revision`` counts saves: a save made on an older revision is refused (optimistic
    locking)."""

    institution = models.ForeignKey(
        "orgs.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="submissions"
    )
    version = models.ForeignKey(
        DataSetVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="submissions"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.DRAFT,
        db_index=True,
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["period", "institution_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "period"],
                name="reporting_submission_unique",
                violation_error_message=_("This school already has a submission for this period."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.period}"

    @property
    def is_late(self) -> bool:
        return self.submitted_at is not None and self.submitted_at.date() > self.period.deadline


class CellValue(models.Model):
    """One cell of a data element: ``value`` as entered (normalised text), ``number`` for numeric types.
    A school's form holds them as ``DataValue``, a city's own return as ``CityDataValue``."""

    element = models.ForeignKey(
        DataElement, verbose_name=_("data element"), on_delete=models.PROTECT, related_name="+"
    )
    cell = models.CharField(_("cell"), max_length=100, blank=True)
    value = models.CharField(_("value"), max_length=1000, blank=True)
    number = models.DecimalField(_("number"), max_digits=24, decimal_places=4, null=True, blank=True)

    class Meta:
        abstract = True


class DataValue(CellValue):
    """One cell's value in a school's form."""

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="values"
    )

    class Meta:
        verbose_name = _("data value")
        verbose_name_plural = _("data values")
        constraints = [
            models.UniqueConstraint(fields=["submission", "element", "cell"], name="reporting_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.element_id}{'.' + self.cell if self.cell else ''}={self.value}"


class SubmissionRow(models.Model):
    """One record of a row-list section of a submission (``reporting.rows``): a graduate and the
    destination the school gives (中职毕业生就业去向), a member of a team. ``key`` is the row's
    identity within its section: ``e<enrolment id>`` for a graduate prefilled from 学籍, ``n<k>``
    for a row typed in. The person's name and the masked ID number are kept as shown when the row
    was prefilled (the full ID number is never stored here). Personal data of minors: read only
    through the submission (scoped by its school, the school's city and the province) and never
    put in analytics facts — only the counts derived from the rows are."""

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="rows"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(_("row key"), max_length=40)
    position = models.PositiveIntegerField(_("order"), default=0)
    person_name = models.CharField(pgettext_lazy("person", "name"), max_length=50, blank=True)
    id_masked = models.CharField(_("ID number (masked)"), max_length=30, blank=True)
    values = models.JSONField(_("values"), default=dict, blank=True)  # {column code: text}

    class Meta:
        verbose_name = _("submission row")
        verbose_name_plural = _("submission rows")
        ordering = ["submission", "section", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "section", "key"], name="reporting_row_unique")
        ]

    def __str__(self) -> str:
        return f"{self.section_id}:{self.key}"


class Aggregate(ScopedModel):
    """An approved-data rollup: the sum and count of one element's cell over the approved
    submissions of a region's schools in a period. Written when a submission is approved
    (and taken back when it is re-opened), never recomputed per request."""

    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="+")
    element_code = models.SlugField(_("data element"), max_length=50)
    cell = models.CharField(_("cell"), max_length=100, blank=True)
    total = models.DecimalField(_("total"), max_digits=28, decimal_places=4, default=0)
    count = models.PositiveIntegerField(_("reporting schools"), default=0)

    scope_region_path = "region__path"
    scope_change_nodes = frozenset()

    class Meta:
        verbose_name = _("aggregate")
        verbose_name_plural = _("aggregates")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "period", "element_code", "cell"], name="reporting_aggregate_unique"
            )
        ]


# --- analytics (issue 14) ----------------------------------------------------------------------

# The disaggregation whose options are 专业大类: an element split by a category with this code
# carries the 专业大类 in its cell key, and the analytics facts keep it as a dimension.
MAJOR_GROUP_CATEGORY = "major_group"


class Fact(ScopedModel):
    """An approved-data rollup by the analytics dimensions: one element cell's sum and count over
    the approved submissions of the schools of one region at the lowest level (the school's own
    region: a 区县, or the city for a school placed at city level) of one kind and ownership (and
    专业大类, for an element split by it) in a period. Readers roll up by region path: a county
    sees its own rows, a city and the province the sums of the rows below them. ``city`` is the
    region's city, kept for the city dimension. Maintained with ``Aggregate`` on approval and
    re-opening (``analytics.facts_apply``), never recomputed per request."""

    # Indexed by the unique key (region first) and by (period, element): the single-column indexes
    # Django would add to region, period and element_code only slowed the approval's insert of
    # thousands of facts into millions (issue 14's benchmark), and no reader needs them.
    region = models.ForeignKey(
        "orgs.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text=_("The schools' own region (the lowest level)."),
    )
    city = models.ForeignKey(
        "orgs.Region", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(_("institution kind"), max_length=20)
    ownership = models.CharField(_("ownership"), max_length=10)
    major_group = models.CharField(_("major group"), max_length=50, blank=True)
    element_code = models.SlugField(_("data element"), max_length=50, db_index=False)
    cell = models.CharField(_("cell"), max_length=100, blank=True)
    total = models.DecimalField(_("total"), max_digits=28, decimal_places=4, default=0)
    count = models.PositiveIntegerField(_("reporting schools"), default=0)

    scope_region_path = "region__path"
    scope_change_nodes = frozenset()

    class Meta:
        verbose_name = _("analytics fact")
        verbose_name_plural = _("analytics facts")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "region",
                    "city",
                    "period",
                    "kind",
                    "ownership",
                    "major_group",
                    "element_code",
                    "cell",
                ],
                name="reporting_fact_region_unique",
            )
        ]
        indexes = [models.Index(fields=["period", "element_code"], name="reporting_fact_period_el")]


class Indicator(TimeStampedModel):
    """A monitored indicator (a 职教高地 indicator, a work-plan target's measure): the sum of one
    data element (one cell, or all) of a data set, against a target. Reference data: every
    signed-in user may read it; the value shown is from the reader's own region's rollups."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    data_set = models.ForeignKey(
        DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="indicators"
    )
    element_code = models.SlugField(_("data element"), max_length=50)
    cell = models.CharField(_("cell"), max_length=100, blank=True, help_text=_("Empty: every cell."))
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=4, null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    basis = models.CharField(
        _("basis"),
        max_length=300,
        blank=True,
        help_text=_("The document (文号 and article) setting the target."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


# --- 考核 scoring (issue 14) -------------------------------------------------------------------


class ScoringLevel(models.TextChoices):
    CITY = "city", _("City")
    SCHOOL = "school", _("School")


class ScoringScheme(TimeStampedModel):
    """A 考核 scoring scheme as data: items over a data set's elements, each with a weight and the
    values at which it scores nothing and in full. Scores are read from the approved data (the
    facts for cities, the approved submissions for schools), never typed."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    data_set = models.ForeignKey(
        DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="scoring_schemes"
    )
    level = models.CharField(_("scored"), max_length=10, choices=ScoringLevel.choices)
    basis = models.CharField(
        _("basis"),
        max_length=300,
        blank=True,
        help_text=_("The document (文号 and article) setting the scheme."),
    )

    class Meta:
        verbose_name = _("scoring scheme")
        verbose_name_plural = _("scoring schemes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ScoringItem(models.Model):
    """One scored item: the element's total (over its cells, or one cell) scores 0 at ``zero_at``
    and ``weight`` at ``full_at``, linearly between (``full_at`` below ``zero_at``: lower is better)."""

    scheme = models.ForeignKey(
        ScoringScheme, verbose_name=_("scoring scheme"), on_delete=models.CASCADE, related_name="items"
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    element_code = models.SlugField(_("data element"), max_length=50, blank=True)
    cell = models.CharField(_("cell"), max_length=100, blank=True)
    # A formula over element totals (``reporting.expressions``) scored instead of one element.
    formula = models.CharField(_("formula"), max_length=500, blank=True)
    # A veto item (一票否决): when it scores nothing, the whole total is nothing.
    is_veto = models.BooleanField(_("veto item"), default=False)
    weight = models.DecimalField(_("weight"), max_digits=8, decimal_places=2)
    zero_at = models.DecimalField(_("scores nothing at"), max_digits=20, decimal_places=4)
    full_at = models.DecimalField(_("scores in full at"), max_digits=20, decimal_places=4)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("scoring item")
        verbose_name_plural = _("scoring items")
        ordering = ["scheme", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gt=0),
                name="reporting_scoring_weight_positive",
                violation_error_message=_("A weight must be positive."),
            ),
            models.CheckConstraint(
                condition=~models.Q(zero_at=models.F("full_at")),
                name="reporting_scoring_thresholds_differ",
                violation_error_message=_("The two thresholds must differ."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- the city's own return (issue 14) --------------------------------------------------------------


class CitySubmission(ScopedModel):
    """A city bureau's own return of a data set for a period, after its schools': the summary of
    its schools (completeness and the approved totals, ``summary``, taken when it is submitted)
    that the province accepts or returns. Accepted locks it; only the province re-opens it
    (``lifecycles.CITY_SUBMISSION``). ``returned_summary`` keeps the summary as it was when the
    province last returned it — what the diff on resubmission compares with."""

    city = models.ForeignKey(
        "orgs.Region", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="city_submissions"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CitySubmissionStatus.choices,
        default=CitySubmissionStatus.DRAFT,
        db_index=True,
    )
    note = models.TextField(_("note"), blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    returned_summary = models.JSONField(_("summary when returned"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # A data set the cities fill themselves (``reporters.by_city``): the return holds the city's
    # own values (``CityDataValue``) under the version it was opened with; ``revision`` counts
    # saves (optimistic locking, as a school's submission).
    version = models.ForeignKey(
        DataSetVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="city_submissions",
        null=True,
        blank=True,
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)

    scope_region_path = "city__path"
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("city return")
        verbose_name_plural = _("city returns")
        ordering = ["period", "city__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "period"],
                name="reporting_city_submission_unique",
                violation_error_message=_("This city already has a return for this period."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.city} · {self.period}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("reporting:city_submission", args=[self.pk])

    @property
    def is_late(self) -> bool:
        return self.submitted_at is not None and self.submitted_at.date() > self.period.deadline


class CityDataValue(CellValue):
    """One cell's value in a city's own return of a data set the cities fill (``by: city``)."""

    city_submission = models.ForeignKey(
        CitySubmission, verbose_name=_("city return"), on_delete=models.CASCADE, related_name="values"
    )

    class Meta:
        verbose_name = _("city data value")
        verbose_name_plural = _("city data values")
        constraints = [
            models.UniqueConstraint(
                fields=["city_submission", "element", "cell"], name="reporting_city_value_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.element_id}{'.' + self.cell if self.cell else ''}={self.value}"


# --- reports from data (issue 14 items 5–6) ----------------------------------------------------


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class QualityReport(ScopedModel):
    """A school's 质量年度报告 of one year: the narrative sections the school writes in the
    platform (``reports.NARRATIVE_SECTIONS``), edited while the report is a draft; the tables and
    charts come from its approved data when the PDF is generated. ``revision`` counts saves (a
    save on an older revision is refused)."""

    institution = models.ForeignKey(
        "orgs.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    narratives = models.JSONField(_("narrative sections"), default=dict, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("quality annual report")
        verbose_name_plural = _("quality annual reports")
        ordering = ["-year", "institution_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "year"],
                name="reporting_quality_report_unique",
                violation_error_message=_("This school already has a quality report for this year."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.year}"


class Bulletin(ScopedModel):
    """A 简报 issue: numbered per issuing region and year (第 N 期), dated, over chosen indicators;
    its figures are read from the approved data when the PDF is generated."""

    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("issue number"))
    issued_on = models.DateField(_("date of issue"))
    title = models.CharField(_("title"), max_length=200)
    indicators = models.JSONField(_("indicators"), default=list)  # Indicator codes, in order
    note = models.TextField(_("editor's note"), blank=True, max_length=4000)

    scope_region_path = "region__path"
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "number"],
                name="reporting_bulletin_number_unique",
                violation_error_message=_("This issue number is already taken."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.year}年第{self.number}期"


# --- file elements (issue 14) ---------------------------------------------------------------------


def submission_file_path(instance, filename: str) -> str:
    import os
    import uuid

    return f"reporting/{instance.submission_id}/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()}"


class SubmissionFile(models.Model):
    """The attachment of a file element's cell (its ``DataValue`` holds the file's name). Checked
    by ``core.files.validate_upload``; replaced by a new upload, read in the submission's scope."""

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="files"
    )
    element = models.ForeignKey(
        DataElement, verbose_name=_("data element"), on_delete=models.PROTECT, related_name="+"
    )
    cell = models.CharField(_("cell"), max_length=100, blank=True)
    file = models.FileField(_("file"), upload_to=submission_file_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("submission file")
        verbose_name_plural = _("submission files")
        constraints = [
            models.UniqueConstraint(fields=["submission", "element", "cell"], name="reporting_file_unique")
        ]

    def __str__(self) -> str:
        return self.name
