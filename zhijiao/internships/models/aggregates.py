"""Aggregates kept by the database for the internships dashboard (``internships.tallies``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HostTally(models.Model):
    """Active placements per host under one region: a row per (region path, host) for every region
    level the school sits in, kept by statement triggers (PostgreSQL; ``tallies.DASHBOARD_REBUILD``
    recounts). A region's users read their top hosts from their own region's rows.

    Read by ``selectors.dashboard``; written only by the triggers and the rebuild.
    """

    path = models.CharField(_("region path"), max_length=60)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("host enterprise"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the (path, host) key serves the reads
        related_name="+",
    )
    n = models.BigIntegerField(_("count"), default=0)

    scope_region_path = "path"

    class Meta:
        verbose_name = _("host tally")
        verbose_name_plural = _("host tallies")
        constraints = [
            models.UniqueConstraint(fields=["path", "enterprise"], name="internships_hosttally_key")
        ]

    def __str__(self) -> str:
        return f"{self.path} {self.enterprise_id}: {self.n}"
