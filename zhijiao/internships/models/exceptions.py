"""Exceptions to the rules worded "一般"/"原则上" (duration, 专业大类, the 10 %/20 % caps).

The school asks with a reason; the authority that receives the plan's 备案 (a region user above the
school) approves or refuses; an approved exception lets its rule pass, cited on the placement.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core.validators import validate_plain_text

from ..choices import ExceptionRule, ExceptionStatus
from .placements import Placement, _PlacementChild


class RuleException(_PlacementChild):
    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="rule_exceptions"
    )
    rule_id = models.CharField(_("rule"), max_length=30, choices=ExceptionRule.choices)
    reason = models.TextField(_("reason"), validators=[validate_plain_text])
    status = models.CharField(
        _("status"), max_length=20, choices=ExceptionStatus.choices, default=ExceptionStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    authority = models.CharField(_("deciding authority"), max_length=100, blank=True)
    reference = models.CharField(_("approval reference"), max_length=100, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(
        _("decision note"), max_length=500, blank=True, validators=[validate_plain_text]
    )

    class Meta:
        verbose_name = _("rule exception")
        verbose_name_plural = _("rule exceptions")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "rule_id"],
                condition=Q(status__in=["requested", "approved"]),
                name="internships_ruleexception_one_open",
                violation_error_message=_("This rule already has an open or approved exception."),
            )
        ]

    def __str__(self):
        return f"{self.rule_id} · {self.placement_id}"

    @property
    def basis(self) -> str:
        """How the exception is cited where its rule passes."""
        return " ".join(part for part in (self.authority, self.reference) if part)
