"""Celery tasks of the work plan (autodiscovered; scheduled by ``WorkplanConfig.beat_schedule``)."""

from celery import shared_task


@shared_task(name="workplan.send_reminders", ignore_result=True)
def send_reminders(date: str | None = None) -> dict:
    """Reminders and escalations for today (Asia/Shanghai), as ``manage.py send_reminders``; idempotent."""
    import datetime

    from .services import reminders_send

    return reminders_send(today=datetime.date.fromisoformat(date) if date else None)
