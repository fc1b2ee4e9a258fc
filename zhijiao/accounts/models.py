"""Users and their roles at nodes of the organisation tree."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import ScopedModel
from zhijiao.core.scoping import Rel
from zhijiao.core.validators import validate_plain_text

from .choices import Role


class User(AbstractUser):
    display_name = models.CharField(
        _("display name"), max_length=50, blank=True, validators=[validate_plain_text]
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    failed_login_count = models.PositiveSmallIntegerField(_("failed sign-ins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    # A user is reached through the roles they hold: where one of them lies in the viewer's
    # subtree; users without a place in the tree (no role, or an expert's role at no node) by the
    # province. Superusers are left out by accounts.selectors.user_list.
    scope_relations = {
        "manage_users": (Rel.via("role_assignments"), Rel.outside_tree("role_assignments")),
    }
    sensitive_fields = {"phone": "phone"}
    person_name_fields = ("display_name",)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    def may_reveal_sensitive(self, user, field_name: str) -> bool:
        """A user's own phone, or one of a user the viewer manages (core.sensitive)."""
        if user.pk == self.pk:
            return True
        from .selectors import can_manage_user

        return can_manage_user(user, self)

    def audit_scope_path(self) -> str:
        """Audit entries about a user are filed under their first role's node ("" when none)."""
        ra = (
            self.role_assignments.select_related("region", "institution__region", "enterprise__region")
            .order_by("id")
            .first()
        )
        return ra.audit_scope_path() if ra else ""


class RoleAssignment(ScopedModel):
    """A role held at one node: a region (province / city), an institution or an enterprise."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    # A role sits at one node: a region, an institution or an enterprise (each in a region).
    scope_region_path = ("region__path", "institution__region__path", "enterprise__region__path")
    scope_institution = "institution_id"
    scope_enterprise = "enterprise_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(region__isnull=True, institution__isnull=True, enterprise__isnull=True)
                    | Q(region__isnull=False, institution__isnull=True, enterprise__isnull=True)
                    | Q(region__isnull=True, institution__isnull=False, enterprise__isnull=True)
                    | Q(region__isnull=True, institution__isnull=True, enterprise__isnull=False)
                ),
                name="accounts_role_one_node",
                violation_error_message=_("A role is held at one node at most."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.node}"

    @property
    def node(self):
        return self.region or self.institution or self.enterprise

    @property
    def node_kind(self) -> str | None:
        if self.region_id:
            return "region"
        if self.institution_id:
            return "institution"
        if self.enterprise_id:
            return "enterprise"
        return None


class ApiToken(models.Model):
    """An API token: named, expiring, revocable, with its last use recorded.

    Only a hash of the key is stored (SHA-256 of a 40-character random key: a stolen database gives
    no usable token); the key is shown once, at creation. ``prefix`` (its first characters) tells
    tokens apart on the token page and in the audit log. Scopes widen what a token may read beyond
    the owner's ordinary rights: ``audit`` lets it read the audit log (besides the owner's
    ``view_audit`` right), so a token made for an integration never reads it by accident.
    """

    SCOPE_AUDIT = "audit"
    SCOPES = ((SCOPE_AUDIT, _("Read the audit log")),)

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, validators=[validate_plain_text])
    prefix = models.CharField(_("key prefix"), max_length=8)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def audit_scope_path(self) -> str:
        return self.user.audit_scope_path()
