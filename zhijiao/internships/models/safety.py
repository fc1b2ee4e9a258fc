"""Before a placement starts: 岗前安全培训 and its test, the approval and filing of a placement in
another province or abroad, and a minor's health check and registration (未成年工特殊保护规定)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhijiao.core.validators import validate_plain_text

from .placements import Placement, _PlacementChild


class Destination(models.TextChoices):
    IN_PROVINCE = "in_province", _("In the province")
    CROSS_PROVINCE = "cross_province", _("In another province")
    ABROAD = "abroad", _("Abroad (outside the mainland)")


class PlacementSafety(_PlacementChild):
    placement = models.OneToOneField(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="safety"
    )
    training_on = models.DateField(_("pre-placement safety training on"), null=True, blank=True)
    test_passed_on = models.DateField(_("safety test passed on"), null=True, blank=True)
    destination = models.CharField(
        _("where the internship takes place"),
        max_length=20,
        choices=Destination.choices,
        default=Destination.IN_PROVINCE,
    )
    destination_detail = models.CharField(
        _("province or country"), max_length=100, blank=True, validators=[validate_plain_text]
    )
    # 跨省/境外: the superior authority agrees, and files it with the province.
    outside_approved_on = models.DateField(_("approved by the superior authority on"), null=True, blank=True)
    outside_approval_reference = models.CharField(
        _("approval reference"), max_length=100, blank=True, validators=[validate_plain_text]
    )
    outside_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outside_filed_on = models.DateField(_("filed with the province on"), null=True, blank=True)
    # 未成年工: a health check before the work is assigned, and the registration.
    health_check_on = models.DateField(_("health check on"), null=True, blank=True)
    minor_registered_on = models.DateField(_("minor worker registered on"), null=True, blank=True)
    minor_registration_no = models.CharField(
        _("registration number"), max_length=100, blank=True, validators=[validate_plain_text]
    )

    class Meta:
        verbose_name = _("placement safety record")
        verbose_name_plural = _("placement safety records")

    def __str__(self) -> str:
        return f"{self.placement} · {self._meta.verbose_name}"
