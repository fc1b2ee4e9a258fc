"""Celery tasks of 数据报送 (autodiscovered; scheduled by ``ReportingConfig.beat_schedule``)."""

from celery import shared_task


@shared_task(name="reporting.close_overdue", ignore_result=True)
def close_overdue(date: str | None = None) -> dict:
    """Close and lock the forms past their deadline (``services_deadline.close_overdue``); idempotent."""
    import datetime

    from .services_deadline import close_overdue as run

    return run(today=datetime.date.fromisoformat(date) if date else None)


@shared_task(name="reporting.send_reminders", ignore_result=True)
def send_reminders(date: str | None = None) -> dict:
    """Reminders before a deadline and escalation after it (``services_deadline.reminders_send``)."""
    import datetime

    from .services_deadline import reminders_send

    return reminders_send(today=datetime.date.fromisoformat(date) if date else None)


# The batch of quality reports (a PDF per school) is a ``core.jobs`` job registered in
# ``reporting.reports``; importing it here registers it in the worker, which loads this module.
from . import reports as _reports  # noqa: E402, F401
