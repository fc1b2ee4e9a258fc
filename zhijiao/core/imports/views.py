"""Import pages: pick a kind, download its template, upload, see errors or the result, follow a job."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from zhijiao.core import jobs
from zhijiao.core.importing import ImportResult, autodiscover, get_importer, run_import, store_upload
from zhijiao.core.importing.reading import estimate_rows
from zhijiao.core.models import Job, JobStatus
from zhijiao.core.scoping import can
from zhijiao.core.tabular import workbook_response
from zhijiao.core.uploads import UploadRejected

from .forms import ImportUploadForm
from .jobs import JOB_KIND
from .selectors import import_job_get, import_job_list

SHOWN_ERRORS = 500
# Room for the multipart envelope around the file itself.
_ENVELOPE_BYTES = 64 * 1024


def _importer_or_404(user, kind: str):
    importer = get_importer(kind)
    if importer is None or not importer.available_to(user):
        raise Http404(_("No such import."))
    return importer


def _limit_mb() -> str:
    return f"{settings.UPLOAD_MAX_BYTES / 1048576:.0f}"


class ImportIndexView(LoginRequiredMixin, View):
    def get(self, request):
        if not can(request.user, "import"):
            raise PermissionDenied
        kinds = [cls for cls in autodiscover().values() if cls.available_to(request.user)]
        recent = import_job_list(user=request.user).order_by("-created_at")[:20]
        return render(
            request,
            "core/imports/index.html",
            {"title": _("Imports"), "kinds": kinds, "jobs": recent, "limit_mb": _limit_mb()},
        )


class ImportUploadView(LoginRequiredMixin, View):
    template_name = "core/imports/upload.html"

    def context(self, importer, **extra):
        columns = [c for c in importer.import_columns()]
        probe = importer(self.request.user)
        return {
            "title": _("Import: %(label)s") % {"label": importer.label},
            "importer": importer,
            "columns": [(c, probe.column_required(c)) for c in columns],
            "limit_mb": _limit_mb(),
            "max_rows": settings.IMPORT_MAX_ROWS,
            **extra,
        }

    def get(self, request, kind):
        importer = _importer_or_404(request.user, kind)
        return render(request, self.template_name, self.context(importer, form=ImportUploadForm()))

    def post(self, request, kind):
        importer = _importer_or_404(request.user, kind)
        # Refuse an oversize body before Django reads it into temporary files.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_BYTES + _ENVELOPE_BYTES:
            message = _("The file is too large; the limit is %(limit)s MB. Split it into several files.") % {
                "limit": _limit_mb()
            }
            return render(
                request,
                self.template_name,
                self.context(importer, form=ImportUploadForm(), upload_error=message),
                status=413,
            )
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, self.context(importer, form=form), status=400)
        upload = form.cleaned_data["file"]
        try:
            rows = estimate_rows(upload, upload.name)  # checks the upload's limits first
        except UploadRejected as exc:
            form.add_error("file", str(exc))
            return render(request, self.template_name, self.context(importer, form=form), status=400)
        if rows > settings.IMPORT_SYNC_MAX_ROWS:
            name = store_upload(upload)
            job = jobs.enqueue(
                JOB_KIND,
                params={"importer": kind, "file": name, "filename": upload.name, "language": get_language()},
                created_by=request.user,
            )
            return HttpResponseRedirect(reverse("imports:job_detail", args=[job.pk]))
        upload.seek(0)
        result = run_import(kind, upload, upload.name, actor=request.user)
        return render(
            request,
            self.template_name,
            self.context(
                importer,
                form=ImportUploadForm(),
                result=result,
                errors=result.errors[:SHOWN_ERRORS],
                filename=upload.name,
            ),
            status=200 if result.ok else 422,
        )


class ImportTemplateView(LoginRequiredMixin, View):
    def get(self, request, kind):
        importer = _importer_or_404(request.user, kind)
        probe = importer(request.user)
        columns = importer.import_columns()
        yes, no = _("Yes"), _("No")
        instructions = []
        for col in columns:
            allowed = ""
            if col.choices is not None:
                allowed = "、".join(str(label) for _value, label in col.choices.choices)
            instructions.append(
                [col.header(), yes if probe.column_required(col) else no, str(col.help), allowed]
            )
        notes = [
            [_("Notes"), "", _("Keep the first row of the data sheet as it is; one row per record."), ""],
            ["", "", _("Type codes as text (format the cells as Text first); numbers lose digits."), ""],
            ["", "", _("Values only: no formulas, no merged cells."), ""],
            ["", "", _("Importing the same file again changes nothing."), ""],
        ]
        # Code columns (ID numbers, 学籍号, phone numbers, codes) are preformatted as Text.
        text_columns = {i for i, col in enumerate(columns) if col.type == "code"}
        return workbook_response(
            filename=f"{importer.label}-template.xlsx",
            sheets=[
                (str(importer.label), [c.header() for c in columns], [], text_columns),
                (
                    _("Instructions"),
                    [_("Column"), _("Required"), _("Description"), _("Allowed values")],
                    instructions + notes,
                ),
            ],
        )


class JobDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        job = _job_or_404(request.user, pk)
        importer = get_importer(job.params.get("importer", ""))
        result = ImportResult.from_dict(job.result) if job.status == JobStatus.SUCCEEDED else None
        return render(
            request,
            "core/imports/job_detail.html",
            {
                "title": _("Import job #%(pk)d") % {"pk": job.pk},
                "job": job,
                "importer": importer,
                "result": result,
                "errors": result.errors[:SHOWN_ERRORS] if result else [],
                "error_count": job.result.get("error_count", 0) if result else 0,
                "running": job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
            },
        )


class JobProgressView(LoginRequiredMixin, View):
    """The progress bar alone; HTMX polls it every second and reloads the page when the job ends."""

    def get(self, request, pk):
        job = _job_or_404(request.user, pk)
        running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
        response = render(
            request, "core/imports/partials/job_progress.html", {"job": job, "running": running}
        )
        if not running and getattr(request, "htmx", False):
            response["HX-Refresh"] = "true"
        return response


def _job_or_404(user, pk) -> Job:
    try:
        return import_job_get(user=user, pk=pk)
    except Job.DoesNotExist:
        raise Http404(_("No such import job."))
