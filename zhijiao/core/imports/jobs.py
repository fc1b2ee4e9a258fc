"""The background import job: re-reads the stored upload, so a restarted worker can run it again.

The rows are written in one transaction that also records the outcome in the job row's
checkpoint: a worker killed after that commit (before the job is marked done or the upload
removed) is rerun by Celery and reports the recorded outcome without importing twice.
"""

from __future__ import annotations

from zhijiao.core import jobfiles
from zhijiao.core.importing.runner import run_import, stored_name
from zhijiao.core.jobs import PermanentJobError, checkpoint_get, checkpoint_set, register, set_progress
from zhijiao.core.models import Job

JOB_KIND = "import"
WRITTEN = "written"


@register(JOB_KIND)
def import_job(job: Job) -> dict:
    params = job.params
    stored = stored_name(params["file"])
    data = checkpoint_get(job, WRITTEN)
    if data is None:
        if not jobfiles.exists(stored):
            raise PermanentJobError("the stored upload is gone")

        def record(result) -> None:
            checkpoint_set(job, WRITTEN, _outcome(result.as_dict(), params))

        with jobfiles.open(stored) as fileobj:
            result = run_import(
                params["importer"],
                fileobj,
                params.get("filename") or params["file"],
                actor=job.created_by,
                progress=lambda done, total, stage: set_progress(job, done, total, stage),
                on_written=record,
            )
        data = _outcome(result.as_dict(), params)
    jobfiles.delete(stored)  # uploads may hold personal data; keep them no longer than needed
    return data


def _outcome(data: dict, params: dict) -> dict:
    data["importer"] = params["importer"]
    data["filename"] = params.get("filename", "")
    return data
