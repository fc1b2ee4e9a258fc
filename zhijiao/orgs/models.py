"""The organisation tree: regions (GB/T 2260) and institutions."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.core.models import ScopedModel
from zhijiao.core.validators import validate_plain_text

from .choices import InstitutionKind, InstitutionStatus, Ownership, RegionLevel

division_code_validator = RegexValidator(r"^\d{6}$", _("A division code has 6 digits."))
institution_code_validator = RegexValidator(r"^\d{10}$", _("An institution identifier code has 10 digits."))


class Region(ScopedModel):
    """An administrative division; ``path`` is the chain of codes from the province down."""

    code = models.CharField(
        _("division code"), max_length=6, unique=True, validators=[division_code_validator]
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=60, db_index=True, editable=False)

    scope_public_view = True
    scope_region_path = "path"

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:region_detail", args=[self.pk])

    def build_path(self) -> str:
        return (self.parent.path if self.parent_id else "") + self.code + "/"

    @property
    def city(self) -> "Region | None":
        """The prefecture-level city this region is or belongs to."""
        if self.level == RegionLevel.CITY:
            return self
        if self.level == RegionLevel.COUNTY and self.parent and self.parent.level == RegionLevel.CITY:
            return self.parent
        return None


class Institution(ScopedModel):
    """A school: 中职学校, 技工学校, 高职专科, 职业本科 or 技师学院."""

    code = models.CharField(
        _("institution code"),
        max_length=10,
        unique=True,
        null=True,
        blank=True,
        validators=[institution_code_validator],
        help_text=_("The 10-digit identifier code issued by the Ministry of Education."),
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100, validators=[validate_plain_text])
    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices)
    ownership = models.CharField(
        _("ownership"), max_length=10, choices=Ownership.choices, default=Ownership.PUBLIC
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="institutions"
    )
    supervising_authority = models.CharField(
        _("supervising authority"), max_length=100, blank=True, validators=[validate_plain_text]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=InstitutionStatus.choices, default=InstitutionStatus.ACTIVE
    )
    address = models.CharField(_("address"), max_length=200, blank=True, validators=[validate_plain_text])
    website = models.URLField(_("website"), blank=True)

    scope_region_path = "region__path"
    scope_institution = "pk"
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=~Q(status="closed"),
                name="orgs_institution_unique_open_name",
                violation_error_message=_("An operating institution with this name already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:institution_detail", args=[self.pk])
