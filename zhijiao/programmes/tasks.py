"""Celery tasks of 项目库 (autodiscovered; scheduled by ``ProgrammesConfig.beat_schedule``)."""

from celery import shared_task


@shared_task(name="programmes.followup_reminders", ignore_result=True)
def followup_reminders(date: str | None = None) -> dict:
    """Reminders before follow-up deadlines and escalation after them, for today (Asia/Shanghai); idempotent."""
    import datetime

    from .services_followup import reminders_send

    return reminders_send(today=datetime.date.fromisoformat(date) if date else None)
