"""Exports of any size: a list's rows, in its scope, filters and order, written by a background job.

``ObjectListView.export`` answers small exports (up to ``EXPORT_SYNC_MAX_ROWS`` rows) at once and
hands anything larger to ``export_start``: a ``core.jobs`` job that rebuilds the list as its owner
(the same view, selector, filters and sort, from the request's query string), reads it in keyset
chunks (constant cost per chunk however deep) and streams the rows into an XLSX (a new sheet every
million rows, Excel's limit) or a CSV stored as ``exports/job-<id>`` in the file storage (``core.jobfiles``), reporting progress. Only the
owner may download the file (``core:export_download``, 404 for anyone else); each download is an
audit entry. Files older than ``EXPORT_FILE_HOURS`` are removed when the next export starts.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import FileResponse, HttpRequest, QueryDict
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from zhijiao.core import jobfiles, jobs, listing
from zhijiao.core.downloads import file_download
from zhijiao.core.models import Job
from zhijiao.core.tabular import XLSX_CONTENT_TYPE, _safe_cell

EXPORT_JOB = "core.export"
CHUNK_ROWS = 2_000
XLSX_SHEET_ROWS = 1_000_000  # Excel holds 1,048,576 rows a sheet
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


EXPORT_FOLDER = "exports"


def output_name(job: Job) -> str:
    """The export file's name in the storage (``core.jobfiles``)."""
    ext = "csv" if (job.params or {}).get("format") == "csv" else "xlsx"
    return f"{EXPORT_FOLDER}/job-{job.pk}.{ext}"


def output_ready(job: Job) -> bool:
    return jobfiles.exists(output_name(job))


def download_name(job: Job) -> str:
    params = job.params or {}
    ext = "csv" if params.get("format") == "csv" else "xlsx"
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    return f"{params.get('filename') or 'export'}-{stamp}.{ext}"


# --- writing ----------------------------------------------------------------------------------------
def write_csv(fileobj, *, headers: list[str], rows: Iterable[Iterable]) -> int:
    """UTF-8 with a byte-order mark (Excel opens it as UTF-8); formula-like cells defused."""
    import io

    text = io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([str(h) for h in headers])
    n = 0
    for row in rows:
        writer.writerow(["" if v is None else _safe_cell(v) for v in row])
        n += 1
    text.flush()
    text.detach()
    return n


def write_xlsx_sheets(fileobj, *, headers: list[str], rows: Iterable[Iterable], title: str) -> int:
    """Like ``core.tabular.write_xlsx`` (write-only, constant memory), a new sheet every million rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    sheet, n, in_sheet = None, 0, XLSX_SHEET_ROWS
    base = (str(title) or "Sheet")[:25]
    for row in rows:
        if in_sheet >= XLSX_SHEET_ROWS:
            sheet = wb.create_sheet(title=base if sheet is None else f"{base} ({len(wb.worksheets) + 1})")
            header_cells = []
            for h in headers:
                cell = WriteOnlyCell(sheet, value=str(h))
                cell.font = bold
                header_cells.append(cell)
            sheet.append(header_cells)
            in_sheet = 0
        sheet.append([_safe_cell(v) for v in row])
        in_sheet += 1
        n += 1
    if sheet is None:
        sheet = wb.create_sheet(title=base)
        sheet.append([str(h) for h in headers])
    wb.save(fileobj)
    return n


def file_response(
    *, fmt: str, filename: str, headers: list[str], rows: Iterable[Iterable], fallback: str | None = None
) -> FileResponse:
    """A small export answered at once (spooled to a temporary file); RFC 6266 names (core.downloads)."""
    tmp = tempfile.TemporaryFile()
    if fmt == "csv":
        write_csv(tmp, headers=headers, rows=rows)
        name, content_type = f"{filename}.csv", CSV_CONTENT_TYPE
    else:
        write_xlsx_sheets(tmp, headers=headers, rows=rows, title=filename)
        name, content_type = f"{filename}.xlsx", XLSX_CONTENT_TYPE
    tmp.seek(0)
    ext = name.rsplit(".", 1)[-1]
    return file_download(
        tmp, name, content_type=content_type, fallback=f"{fallback}.{ext}" if fallback else None
    )


# --- the job ------------------------------------------------------------------------------------------
def export_start(*, view, fmt: str, filename: str, model) -> Job:
    """Queue the export of ``view``'s list (its request's filters and sort) for the request's user."""
    request = view.request
    query = request.GET.copy()
    for key in ("export", "page", "cursor", "count", "per_page"):
        query.pop(key, None)
    return jobs.enqueue(
        EXPORT_JOB,
        params={
            "view": f"{type(view).__module__}.{type(view).__qualname__}",
            "view_kwargs": {k: v for k, v in (view.kwargs or {}).items() if isinstance(v, (str, int))},
            "path": request.path,
            "query": query.urlencode(),
            "format": "csv" if fmt == "csv" else "xlsx",
            "filename": filename,
            "what": str(model._meta.verbose_name_plural),
            "object_type": model._meta.label_lower,
            "language": getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE,
        },
        created_by=request.user,
    )


def _job_request(job: Job, user) -> HttpRequest:
    """The list's request as its owner made it (filters and sort), for the view to rebuild the list."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = job.params.get("path", "/")
    request.GET = QueryDict(job.params.get("query", ""))
    request.user = user
    request.LANGUAGE_CODE = job.params.get("language") or settings.LANGUAGE_CODE
    request.htmx = False
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    request.META["SERVER_NAME"] = "localhost"
    request.META["SERVER_PORT"] = "80"
    return request


def purge_old_files() -> int:
    """Remove export files older than ``EXPORT_FILE_HOURS``; returns how many."""
    return jobfiles.purge(EXPORT_FOLDER, older_than_hours=settings.EXPORT_FILE_HOURS)


def chunked_rows(view, ordered, *, progress=None, chunk: int = CHUNK_ROWS):
    """The list's rows in its order, ``chunk`` rows at a time by keyset (offsets where the order is
    not plain fields, e.g. a computed column); ``progress(done)`` after each chunk."""
    keys = listing.ordering_keys(ordered)
    done = 0
    if keys is None:
        offset = 0
        while True:
            ids = list(ordered.values_list("pk", flat=True)[offset : offset + chunk])
            if not ids:
                return
            yield from _rows_of(view, ordered, ids)
            offset += len(ids)
            done += len(ids)
            if progress:
                progress(done)
        return
    last = None
    while True:
        page = listing.keyset_rows(ordered, keys, last, chunk, only_keys=True)
        if not page:
            return
        ids = [row["pk"] for row in page]
        yield from _rows_of(view, ordered, ids, keys=keys)
        last = listing.row_values(page[-1], keys)
        done += len(page)
        if progress:
            progress(done)
        if len(page) < chunk:
            return


def _rows_of(view, ordered, ids: list, keys=None):
    chunk = ordered.filter(pk__in=ids)
    chunk = listing.apply_ordering(chunk, keys) if keys else chunk
    yield from view.export_rows(chunk)


@jobs.register(EXPORT_JOB)
def run_export(job: Job) -> dict:
    """Write the export file; progress in rows (the total is the list's count or its estimate).

    Idempotent: a retried job writes the same file again from the start.
    """
    purge_old_files()
    user = get_user_model().objects.get(pk=job.created_by_id)
    view_class = import_string(job.params["view"])
    request = _job_request(job, user)
    view = view_class()
    view.setup(request, **job.params.get("view_kwargs", {}))
    queryset = view.get_queryset()
    filterset = view.get_filterset(queryset)
    filtered = filterset.qs if filterset is not None else queryset
    ordered = view.get_table(filtered).data.data
    total = listing.count_rows(ordered)
    jobs.set_progress(job, done=0, total=total.value, stage="writing")

    last_beat = [time.monotonic()]

    def progress(done):
        if time.monotonic() - last_beat[0] >= 1 or done >= total.value:
            jobs.set_progress(job, done=done, total=max(total.value, done))
            last_beat[0] = time.monotonic()

    name = output_name(job)
    rows = chunked_rows(view, ordered, progress=progress)
    headers = view.export_headers()
    # Written to a local temporary file, stored when complete: no reader sees half a file.
    with jobfiles.writing(name) as fh:
        if job.params.get("format") == "csv":
            n = write_csv(fh, headers=headers, rows=rows)
        else:
            n = write_xlsx_sheets(
                fh, headers=headers, rows=rows, title=job.params.get("filename") or "export"
            )
    jobs.set_progress(job, done=n, total=n, stage="done")
    return {"rows": n, "file": name.rsplit("/", 1)[-1], "format": job.params.get("format")}


def export_job_for(user, pk) -> Job | None:
    """The caller's own export job (nobody else's: None)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Job.objects.filter(pk=pk, created_by=user, kind=EXPORT_JOB).first()


def describe(job: Job) -> str:
    params = job.params or {}
    return _("%(what)s (%(format)s)") % {
        "what": params.get("what", ""),
        "format": params.get("format", "xlsx").upper(),
    }
