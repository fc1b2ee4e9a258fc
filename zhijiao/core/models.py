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


class ScopeDeclared:
    """Reads a model's scope declaration for one row (a mixin without fields)."""

    def audit_scope_path(self) -> str:
        """The region path an audit entry for this row is filed under: derived from
        ``scope_region_path`` (the row's place in the tree). Override only where a row reaches the
        tree otherwise (a role held at an institution, a user through their roles)."""
        from .scoping import region_lookups

        for lookup in region_lookups(type(self)):
            obj = self
            for part in lookup.split("__"):
                obj = getattr(obj, part, None)
                if obj is None:
                    break
            if isinstance(obj, str) and obj:
                return obj
        return ""


class ScopedModel(ScopeDeclared, TimeStampedModel):
    """A model whose rows belong to a place in the organisation tree.

    Subclasses declare how a row reaches the tree; ``core.scoping.restrict`` reads these:
    - ``scope_region_path``: lookup to the row's region path (``"region__path"``), or a tuple of
      lookups when a row reaches the tree through one of several nodes, or None;
    - ``scope_institution``: lookup to the owning institution id (``"pk"``, ``"institution"``), or None;
    - ``scope_enterprise``: lookup to the owning enterprise id, or None;
    - ``scope_public_view``: any signed-in user may view (reference data);
    - ``scope_public_view_nodes``: kinds of node whose users may view every row (schools browse
      every host's posts), while the others see only their own subtree;
    - ``scope_change_nodes``: which kinds of node may change rows ("region", "institution", "enterprise");
    - ``scope_relations``: who reaches rows beyond the tree, per action (``core.scoping.Rel``: the
      row's own person, assigned users, records seen through a related one).

    The audit log files a row's entries under the region path these give (``audit_scope_path``).
    """

    scope_region_path: str | tuple[str, ...] | None = None
    scope_institution: str | None = None
    scope_enterprise: str | None = None
    scope_public_view: bool = False
    scope_public_view_nodes: frozenset[str] = frozenset()
    scope_change_nodes: frozenset[str] = frozenset({"region"})

    class Meta:
        abstract = True


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

    # Filed under the region path of what it records; read with ``view_audit`` (core.views.audit),
    # which region grants hold (the model refuses every change whatever the scope says).
    scope_region_path = "scope_path"
    scope_change_nodes = frozenset({"region"})

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
            # The two prefix indexes hold each entry's sort keys and scope too: a search with few
            # matches (a name, ≈ 8,800 entries for 王芳 in 10 M) scopes, counts and sorts them from the
            # indexes alone, not from each match's row in the table (``listing.search_branches``).
            models.Index(
                fields=["object_repr"],
                name="core_audit_repr_keys",
                opclasses=["varchar_pattern_ops"],
                include=["timestamp", "id", "scope_path"],
            ),
            models.Index(
                fields=["actor_name"],
                name="core_audit_actor_keys",
                opclasses=["varchar_pattern_ops"],
                include=["timestamp", "id", "scope_path"],
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
    """Long work (imports, batch PDFs) run by a Celery worker (``core.jobs``); what users see of it.

    A worker that dies leaves the job RUNNING with a stale heartbeat; it is sent to a worker again.
    Job functions are idempotent: steps committed by an earlier attempt are recorded in
    ``checkpoint`` in the same transaction as their writes, and a rerun skips them.
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
    checkpoint = models.JSONField(_("checkpoint"), default=dict, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def interrupted(self) -> bool:
        """RUNNING without a recent heartbeat: its worker stopped (killed, crashed, host down). A
        live worker beats every few seconds; the job is sent to a worker again (core.jobs)."""
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


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Statutory holiday")
    WORKDAY = "workday", _("Make-up working day")


class CalendarDay(TimeStampedModel):
    """A day of a year the province added to the working-day calendar (``core.workdays``): a year
    here replaces the year shipped in ``core/workdays/holidays_cn.yaml``."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind of day"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("holiday"), max_length=50)
    notice = models.CharField(_("document number"), max_length=60, blank=True)

    scope_public_view = True

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Notification(models.Model):
    """A message to one user (``core.notifications.notify``): the in-site inbox, and the record of
    what went out by email, SMS and in the daily digest. ``dedupe_key`` makes repeated sends (reminders)
    idempotent: one message per key per user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)  # one of the apps' notification_kinds
    title = models.CharField(_("title"), max_length=500)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    texted_at = models.DateTimeField(_("sent by SMS at"), null=True, blank=True)
    digested_at = models.DateTimeField(_("sent in a digest at"), null=True, blank=True)
    in_digest = models.BooleanField(_("for the daily digest"), default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="core_notification_dedupe",
                violation_error_message=_("This notification was already sent."),
            ),
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="core_notification_unread"),
            models.Index(
                fields=["user"],
                condition=models.Q(in_digest=True, digested_at__isnull=True),
                name="core_notification_digest",
            ),
        ]

    def __str__(self) -> str:
        return self.title[:80]

    @property
    def kind_label(self) -> str:
        from zhijiao.core.notifications import kind_label

        return kind_label(self.kind)


class NotificationPreference(models.Model):
    """A user's choice for one kind of message on one channel (absent: the kind's default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="core_notification_preference")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.channel} {self.enabled}"
