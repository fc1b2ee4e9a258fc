"""Celery tasks of the student registry (autodiscovered; scheduled by ``StudentsConfig.beat_schedule``)."""

from celery import shared_task


@shared_task(name="students.suspension_reminders", ignore_result=True)
def suspension_reminders(date: str | None = None) -> dict:
    """Remind schools of 休学 that end, and of students not back after one (XJ-FUXUE); idempotent."""
    import datetime

    from .services import suspensions_remind

    return suspensions_remind(today=datetime.date.fromisoformat(date) if date else None)
