"""The national vocational major catalogue and each institution's offered majors (开设专业)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import ScopedModel

from .choices import MajorLevel, OfferingStatus


class MajorCategory(ScopedModel):
    """专业大类 (19 per level)."""

    level = models.CharField(_("level"), max_length=10, choices=MajorLevel.choices)
    code = models.CharField(_("category code"), max_length=2)
    name = models.CharField(_("category name"), max_length=50)

    scope_public_view = True

    class Meta:
        verbose_name = _("major category")
        verbose_name_plural = _("major categories")
        ordering = ["level", "code"]
        constraints = [models.UniqueConstraint(fields=["level", "code"], name="majors_category_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MajorClass(ScopedModel):
    """专业类, nested in its category (its code starts with the category code)."""

    category = models.ForeignKey(
        MajorCategory, verbose_name=_("major category"), on_delete=models.PROTECT, related_name="classes"
    )
    code = models.CharField(_("class code"), max_length=4)
    name = models.CharField(_("class name"), max_length=50)

    scope_public_view = True

    class Meta:
        verbose_name = _("major class")
        verbose_name_plural = _("major classes")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="majors_class_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Major(ScopedModel):
    """A major of the catalogue (职业教育专业目录), nested in its class and category."""

    major_class = models.ForeignKey(
        MajorClass, verbose_name=_("major class"), on_delete=models.PROTECT, related_name="majors"
    )
    level = models.CharField(_("level"), max_length=10, choices=MajorLevel.choices, db_index=True)
    code = models.CharField(_("major code"), max_length=7)
    name = models.CharField(_("major name"), max_length=100)
    is_controlled = models.BooleanField(
        _("state-controlled (K)"), default=False, help_text=_("国家控制专业, code suffix K.")
    )
    catalogue_version = models.CharField(_("catalogue version"), max_length=20)
    note = models.CharField(_("note"), max_length=100, blank=True)

    scope_public_view = True

    class Meta:
        verbose_name = _("major")
        verbose_name_plural = _("majors")
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalogue_version", "code"],
                name="majors_major_unique_code",
                violation_error_message=_("This major code already exists in the catalogue version."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("majors:major_detail", args=[self.pk])

    @property
    def category(self) -> MajorCategory:
        return self.major_class.category


class InstitutionMajor(ScopedModel):
    """开设专业: an institution offers a major from a start year; natural key institution + code + year."""

    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="offered_majors",
    )
    major = models.ForeignKey(
        Major, verbose_name=_("major"), on_delete=models.PROTECT, related_name="offerings"
    )
    start_year = models.PositiveSmallIntegerField(
        _("start year"), validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OfferingStatus.choices, default=OfferingStatus.FILED
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("offered major")
        verbose_name_plural = _("offered majors")
        ordering = ["institution__name", "major__code", "-start_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "major", "start_year"],
                name="majors_offering_unique_year",
                violation_error_message=_("The institution already offers this major from that year."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.major} · {self.start_year}"

    def get_absolute_url(self) -> str:
        return reverse("majors:offering_detail", args=[self.pk])
