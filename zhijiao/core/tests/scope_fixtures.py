"""Scope-matrix rules for the kernel's own rows: audit entries and background jobs."""

from __future__ import annotations

from zhijiao.accounts.choices import ROLE_ACTIONS
from zhijiao.core.exports import EXPORT_JOB
from zhijiao.core.imports.jobs import JOB_KIND
from zhijiao.core.models import AuditEntry, Job
from zhijiao.core.testing_scope import grants_of, object_url, scope_fixture, scope_rule


@scope_fixture()
def jobs(sw) -> None:
    """An import job started by each school; the print job of a city."""
    for key in ("school_a", "school_b"):
        Job.objects.create(
            kind=JOB_KIND,
            created_by=sw[key],
            status="succeeded",
            params={"importer": "students", "file": "x.xlsx", "filename": "x.xlsx"},
        )
    Job.objects.create(kind="credentials.print", created_by=sw["jinan"], params={})
    for key in ("school_a", "jinan"):
        Job.objects.create(
            kind=EXPORT_JOB, created_by=sw[key], status="succeeded", params={"what": "x", "fmt": "xlsx"}
        )


def _job(row, user, action) -> bool:
    """A job is its starter's; province administrators also follow every import (the import pages)."""
    if action != "view":
        return False
    if row.created_by_id == user.pk:
        return True
    province_admin = any(
        g.role == "province_admin" and g.path and g.path.count("/") == 1 for g in grants_of(user)
    )
    return row.kind == JOB_KIND and (user.is_superuser or province_admin)


def _audit(row, user, action) -> bool:
    """The audit log is read (never changed) by view_audit holders, under their region's path."""
    if action != "view":
        return False
    if user.is_superuser:
        return True
    return any(
        "view_audit" in ROLE_ACTIONS[g.role] and g.path and row.scope_path.startswith(g.path)
        for g in grants_of(user)
    )


scope_rule(Job, _job)
scope_rule(AuditEntry, _audit)
object_url("imports:job_detail", Job)
object_url("core:export_detail", Job)
object_url("core:export_download", Job)
object_url("imports:job_progress", Job)
object_url("credentials:job_detail", Job)
object_url("credentials:job_download", Job)
