"""Background printing: a whole class (or any selection) as one PDF, with progress."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from zhijiao.core.jobs import register, set_progress
from zhijiao.core.models import Job

PRINT_JOB = "credentials.print"


def print_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "credentials" / "print"


def output_path(job: Job) -> Path:
    return print_dir() / f"job-{job.pk}.pdf"


@register(PRINT_JOB)
def print_certificates(job: Job) -> dict:
    """Render ``params["ids"]`` in chunks (one WeasyPrint document each), merge, record the print.

    Idempotent: a retried job re-renders into the same file; the print is recorded once at the end.
    """
    from . import printing, selectors, services

    actor = get_user_model().objects.get(pk=job.created_by_id)
    ids = [int(i) for i in job.params["ids"]]
    chunk = int(getattr(settings, "CREDENTIALS_PRINT_CHUNK", 100))
    certs = list(
        selectors.certificate_print_list(user=actor).filter(pk__in=ids).order_by("class_name", "number")
    )
    if len(certs) != len(set(ids)):
        raise PermissionError("some certificates are outside the requester's scope")
    services.printable(certs)
    set_progress(job, done=0, total=len(certs), stage="rendering")
    parts = []
    for start in range(0, len(certs), chunk):
        parts.append(printing.certificates_pdf(certs[start : start + chunk]))
        set_progress(job, done=min(start + chunk, len(certs)))
    path = output_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(printing.merge_pdfs(parts))
    services.certificates_record_print(actor=actor, certificates=certs, message=f"batch print job {job.pk}")
    return {"file": path.name, "pages": len(certs)}
