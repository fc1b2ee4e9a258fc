"""An export job's page (progress, then the download) and the download itself: owner only, audited."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from zhijiao.core import exports, jobfiles
from zhijiao.core.audit import audit_record
from zhijiao.core.downloads import file_download
from zhijiao.core.models import AuditAction, JobStatus

from .generic import actor_scope_path


def _own_job(request, pk):
    job = exports.export_job_for(request.user, pk)
    if job is None:
        raise Http404
    return job


@login_required
def export_detail(request, pk: int):
    job = _own_job(request, pk)
    template = "core/exports/partials/job.html" if request.htmx else "core/exports/job.html"
    context = {
        "title": _("Export: %(what)s") % {"what": exports.describe(job)},
        "job": job,
        "running": job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        "ready": job.status == JobStatus.SUCCEEDED and exports.output_ready(job),
        "expired": job.status == JobStatus.SUCCEEDED and not exports.output_ready(job),
        "list_url": job.params.get("path", "")
        + ("?" + job.params["query"] if job.params.get("query") else ""),
    }
    return render(request, template, context)


@login_required
def export_download(request, pk: int):
    job = _own_job(request, pk)
    name = exports.output_name(job)
    if job.status != JobStatus.SUCCEEDED or not jobfiles.exists(name):
        raise Http404
    rows = (job.result or {}).get("rows", 0)
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type=job.params.get("object_type", ""),
        object_repr=_("%(n)s rows of %(what)s") % {"n": rows, "what": job.params.get("what", "")},
        scope_path=actor_scope_path(request.user),
        message=(_("export job %(pk)s") % {"pk": job.pk} + " · " + job.params.get("query", ""))[:500],
    )
    content_type = exports.CSV_CONTENT_TYPE if name.endswith(".csv") else exports.XLSX_CONTENT_TYPE
    return file_download(
        jobfiles.open(name),
        exports.download_name(job),
        content_type=content_type,
        fallback=f"export-{job.pk}.{name.rsplit('.', 1)[-1]}",
    )
