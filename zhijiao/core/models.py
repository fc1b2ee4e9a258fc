"""Base models, the audit log and background jobs shared by every app."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ScopedModel(TimeStampedModel):
    """A model whose rows belong to a place in the organisation tree.

    Subclasses declare how a row reaches the tree; ``core.scoping.restrict`` reads these:
    - ``scope_region_path``: lookup to the row's region path (``"region__path"``), or None;
    - ``scope_institution``: lookup to the owning institution id (``"pk"``, ``"institution"``), or None;
    - ``scope_enterprise``: lookup to the owning enterprise id, or None;
    - ``scope_public_view``: any signed-in user may view (reference data);
    - ``scope_public_view_nodes``: kinds of node whose users may view every row (schools browse
      every host's posts), while the others see only their own subtree;
    - ``scope_change_nodes``: which kinds of node may change rows ("region", "institution", "enterprise").
    """

    scope_region_path: str | None = None
    scope_institution: str | None = None
    scope_enterprise: str | None = None
    scope_public_view: bool = False
    scope_public_view_nodes: frozenset[str] = frozenset()
    scope_change_nodes: frozenset[str] = frozenset({"region"})

    class Meta:
        abstract = True

    def audit_scope_path(self) -> str:
        """The region path an audit entry for this row is filed under."""
        return ""


class AuditAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    IMPORT = "import", _("Import")
    LOGIN = "login", _("Sign in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Sign out")
    VIEW_SENSITIVE = "view_sensitive", _("View sensitive data")
    EXPORT = "export", _("Export")


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit entries are append-only")

    def delete(self):
        raise PermissionError("audit entries are append-only")


class AuditEntry(models.Model):
    """One append-only record per write; written only by ``core.audit``."""

    timestamp = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    actor_org = models.CharField(_("actor organisation"), max_length=200, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    scope_path = models.CharField(_("scope path"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    # A named event (core.events: ``enrolment.registered``, ``approval.returned`` …) besides the diff.
    event = models.CharField(_("event"), max_length=60, blank=True, default="")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-timestamp", "-id"]
        # Every index costs each audit write (bulk imports write 100,000 entries): object_type is
        # the prefix of the composite index; object_id and request_id are only matched exactly, so
        # plain b-trees without PostgreSQL's extra varchar_pattern_ops twin (which db_index adds).
        indexes = [
            models.Index(fields=["object_type", "object_id", "-timestamp"]),
            models.Index(fields=["object_id"], name="core_audit_object_id"),
            models.Index(fields=["request_id"], name="core_audit_request_id"),
            # Scoping reads the subtree (``scope_path LIKE 'path%'``); one pattern-ops b-tree serves
            # that and equality, where ``db_index`` made a plain b-tree and its pattern-ops twin.
            models.Index(
                fields=["scope_path"], name="core_audit_scope_path", opclasses=["varchar_pattern_ops"]
            ),
            # The audit list is read newest first, page after page (keyset on time, id); its search
            # matches names by prefix (an object's name, an actor's), each one pattern-ops b-tree.
            models.Index(fields=["timestamp", "id"], name="core_audit_time"),
            # Filtered by event, read newest first; the many entries without one share the '' prefix.
            models.Index(fields=["event", "timestamp", "id"], name="core_audit_event"),
            models.Index(
                fields=["object_repr"], name="core_audit_repr_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["actor_name"], name="core_audit_actor_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        from .display import actor_name, when

        return f"{when(self.timestamp)} {actor_name(self.actor_name)} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries are append-only")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """Long work (imports, batch PDFs) run by ``manage.py run_worker``; survives restarts.

    A worker that dies leaves the job RUNNING with a stale heartbeat; the next worker takes it
    again. Job functions are idempotent (imports write in one transaction keyed on natural keys).
    """

    kind = models.CharField(_("kind"), max_length=100)
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def interrupted(self) -> bool:
        """RUNNING without a recent heartbeat: its worker stopped (killed, crashed, host down). A
        live worker beats every few seconds; the next worker takes the job again (core.jobs)."""
        from zhijiao.core.jobs import stale_after

        return (
            self.status == JobStatus.RUNNING
            and self.heartbeat_at is not None
            and self.heartbeat_at < timezone.now() - stale_after()
        )

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == JobStatus.SUCCEEDED else 0
        return min(100, int(self.progress_done * 100 / self.progress_total))


class Tally(models.Model):
    """Rows of one kind per school and keys, kept current by statement-level triggers (PostgreSQL).

    Read through ``core.counters.tally``; written only by the triggers and ``tally_rebuild``.
    """

    kind = models.CharField(_("kind"), max_length=30)
    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    k1 = models.CharField(_("key 1"), max_length=40, blank=True, default="")
    k2 = models.CharField(_("key 2"), max_length=40, blank=True, default="")
    k3 = models.CharField(_("key 3"), max_length=40, blank=True, default="")
    k4 = models.CharField(_("key 4"), max_length=40, blank=True, default="")
    n = models.BigIntegerField(_("count"), default=0)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"

    class Meta:
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "institution", "k1", "k2", "k3", "k4"], name="core_tally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.institution_id} {self.k1} {self.k2} {self.k3} {self.k4}: {self.n}"
