"""The background import job: re-reads the stored upload, so a restarted worker can run it again."""

from __future__ import annotations

from zhijiao.core.importing.runner import run_import, stored_path
from zhijiao.core.jobs import PermanentJobError, register, set_progress
from zhijiao.core.models import Job

JOB_KIND = "import"


@register(JOB_KIND)
def import_job(job: Job) -> dict:
    params = job.params
    path = stored_path(params["file"])
    if not path.exists():
        raise PermanentJobError("the stored upload is gone")
    with open(path, "rb") as fileobj:
        result = run_import(
            params["importer"],
            fileobj,
            params.get("filename") or path.name,
            actor=job.created_by,
            progress=lambda done, total, stage: set_progress(job, done, total, stage),
        )
    path.unlink(missing_ok=True)  # uploads may hold personal data; keep them no longer than needed
    data = result.as_dict()
    data["importer"] = params["importer"]
    data["filename"] = params.get("filename", "")
    return data
