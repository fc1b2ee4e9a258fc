"""Celery tasks of internships (autodiscovered; scheduled by ``InternshipsConfig.beat_schedule``)."""

from celery import shared_task


@shared_task(name="internships.incidents_escalate", ignore_result=True)
def incidents_escalate() -> dict:
    """Escalate overdue incident reports and follow-ups (as the sweep's system actor); idempotent."""
    from .services.incidents import incidents_escalate as escalate

    return escalate()
