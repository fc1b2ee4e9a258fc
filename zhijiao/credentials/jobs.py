"""Background printing: a whole class (or any selection) as one PDF, with progress."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model

from zhijiao.core import jobfiles
from zhijiao.core.jobs import checkpoint_get, checkpoint_set, once, register, set_progress
from zhijiao.core.models import Job

PRINT_JOB = "credentials.print"


PRINT_FOLDER = "credentials/print"


def output_name(job: Job) -> str:
    """The merged PDF's name in the file storage (``core.jobfiles``)."""
    return f"{PRINT_FOLDER}/job-{job.pk}.pdf"


@register(PRINT_JOB)
def print_certificates(job: Job) -> dict:
    """Render ``params["ids"]`` in chunks (one WeasyPrint document each), merge, record the print.

    Idempotent, keyed by the job row: each rendered chunk is kept as a part file and counted in the
    job's checkpoint, so a rerun after a crash renders only the rest; the print (counts and audit
    entries) is recorded in one transaction with its checkpoint, so never twice.
    """
    from . import printing, selectors, services

    actor = get_user_model().objects.get(pk=job.created_by_id)
    ids = [int(i) for i in job.params["ids"]]
    chunk = int(getattr(settings, "CREDENTIALS_PRINT_CHUNK", 100))
    certs = list(
        selectors.certificate_print_list(user=actor)
        .filter(pk__in=ids)
        .order_by("class_name", "number", "pk")  # the same chunks on every attempt
    )
    if len(certs) != len(set(ids)):
        raise PermissionError("some certificates are outside the requester's scope")
    services.printable(certs)
    starts = range(0, len(certs), chunk)
    rendered = checkpoint_get(job, "rendered", 0)
    set_progress(job, done=min(rendered * chunk, len(certs)), total=len(certs), stage="rendering")
    name = output_name(job)
    parts = [part_name(job, n) for n in range(len(starts))]
    for n, start in enumerate(starts):
        if n < rendered and jobfiles.exists(parts[n]):
            continue
        jobfiles.save(parts[n], printing.certificates_pdf(certs[start : start + chunk]))
        checkpoint_set(job, "rendered", n + 1)
        set_progress(job, done=min(start + chunk, len(certs)))
    jobfiles.save(name, printing.merge_pdfs([jobfiles.read_bytes(p) for p in parts]))
    once(
        job,
        "recorded",
        lambda: services.certificates_record_print(
            actor=actor, certificates=certs, message=f"batch print job {job.pk}"
        ),
    )
    for part in parts:
        jobfiles.delete(part)
    return {"file": name.rsplit("/", 1)[-1], "pages": len(certs)}


def part_name(job: Job, n: int) -> str:
    return f"{PRINT_FOLDER}/job-{job.pk}.part{n}.pdf"
