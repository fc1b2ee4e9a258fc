"""One multi-level approval mechanism along the org tree (DESIGN.md: school → city → province).

An ``ApprovalRequest`` is about any object (generic relation); it owns an ordered chain of
``ApprovalStep`` rows, each decided at one node of the tree (a school, a city bureau, the
province). Steps are decided strictly in order; every action is an ``ApprovalEvent`` plus an audit
entry. Apps register a *kind* (``workflows.registry``) saying which chain to build and what happens
on final approval, return or cancellation.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import ScopedModel
from zhijiao.core.scoping import Rel
from zhijiao.core.validators import validate_plain_text

from .choices import EventKind, RequestStatus, StepLevel, StepStatus


class ApprovalRequest(ScopedModel):
    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    target = GenericForeignKey("content_type", "object_id")
    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_requests",
    )
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="approval_requests"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RequestStatus.choices,
        default=RequestStatus.IN_REVIEW,
        db_index=True,
    )
    current_step = models.PositiveSmallIntegerField(_("current step"), default=1)
    note = models.TextField(_("note"), blank=True, validators=[validate_plain_text])
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_region_path = "region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})
    # Every node deciding a step reads the request (a receiving school the transfer it approves).
    scope_relations = {"view": (Rel.via("steps"),), "change": (Rel.via("steps"),)}

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workflows:request_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.IN_REVIEW


class ApprovalStep(ScopedModel):
    request = models.ForeignKey(
        ApprovalRequest, verbose_name=_("approval request"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    level = models.CharField(_("level"), max_length=20, choices=StepLevel.choices)
    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("deciding school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "orgs.Region",
        verbose_name=_("deciding authority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    node_path = models.CharField(_("node path"), max_length=60, db_index=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=StepStatus.choices, default=StepStatus.WAITING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, validators=[validate_plain_text])

    # Users at the deciding node (and above it) see the step, hence its request.
    scope_region_path = "node_path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["request_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["request", "order"], name="workflows_step_unique_order"),
            models.CheckConstraint(
                condition=Q(institution__isnull=False) | Q(region__isnull=False),
                name="workflows_step_has_node",
                violation_error_message=_("A step is decided at a school or an authority."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.node}"

    @property
    def node(self):
        return self.institution if self.institution_id else self.region


class ApprovalEvent(models.Model):
    """What happened to a request, in order: the history shown on its page."""

    request = models.ForeignKey(
        ApprovalRequest, verbose_name=_("approval request"), on_delete=models.CASCADE, related_name="events"
    )
    step = models.ForeignKey(
        ApprovalStep,
        verbose_name=_("step"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("action"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    node_label = models.CharField(_("at"), max_length=200, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval event")
        verbose_name_plural = _("approval events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.actor_name}"
