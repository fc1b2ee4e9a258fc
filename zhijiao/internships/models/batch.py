"""Batch work on placements: post changes, leave requests and early terminations.

Each is a record of its own (who, when, why), written only by ``services.batch``; the placement
itself changes through the placement services, so the rules run again.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core.validators import validate_plain_text

from ..choices_batch import DecidingParty, LeaveKind, LeaveStatus, TerminationReason
from .placements import PLACEMENT_PEOPLE, Placement, _PlacementChild
from .plans import Post


class PostChange(_PlacementChild):
    """A placement moved to another post (possibly at another host): 岗位变更."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="post_changes"
    )
    from_post = models.ForeignKey(
        Post, verbose_name=_("previous post"), on_delete=models.PROTECT, related_name="+"
    )
    to_post = models.ForeignKey(Post, verbose_name=_("new post"), on_delete=models.PROTECT, related_name="+")
    effective_on = models.DateField(_("effective on"))
    reason = models.TextField(_("reason"), validators=[validate_plain_text])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_relations = {"view": PLACEMENT_PEOPLE}

    class Meta:
        verbose_name = _("post change")
        verbose_name_plural = _("post changes")
        ordering = ["-effective_on", "-id"]

    def __str__(self) -> str:
        return f"{self.from_post.name} → {self.to_post.name}"

    def get_absolute_url(self) -> str:
        return self.placement.get_absolute_url()


class LeaveRequest(_PlacementChild):
    """请假: the student asks, the school mentor or the school decides (``lifecycles.LEAVE``)."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="leave_requests"
    )
    kind = models.CharField(_("kind of leave"), max_length=20, choices=LeaveKind.choices)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    reason = models.TextField(_("reason"), validators=[validate_plain_text])
    status = models.CharField(
        _("status"), max_length=20, choices=LeaveStatus.choices, default=LeaveStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
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

    # The student reads their own requests, a current mentor reads them too (who decides: lifecycles).
    scope_relations = {"view": PLACEMENT_PEOPLE, "submit": PLACEMENT_PEOPLE[:1]}

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="internships_leave_dates_ordered",
                violation_error_message=_("The last day must not be before the first day."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date:%Y-%m-%d}–{self.end_date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return self.placement.get_absolute_url()


class EarlyTermination(_PlacementChild):
    """提前终止实习: why, from which day, which party decided and who recorded it."""

    placement = models.OneToOneField(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="termination"
    )
    reason = models.CharField(_("reason"), max_length=30, choices=TerminationReason.choices)
    explanation = models.TextField(_("explanation"), validators=[validate_plain_text])
    ended_on = models.DateField(_("ended on"))
    decided_by_party = models.CharField(_("decided by"), max_length=20, choices=DecidingParty.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_relations = {"view": PLACEMENT_PEOPLE}

    class Meta:
        verbose_name = _("early termination")
        verbose_name_plural = _("early terminations")

    def __str__(self) -> str:
        return f"{self.placement} · {self.get_reason_display()}"

    def get_absolute_url(self) -> str:
        return self.placement.get_absolute_url()
