"""The statutory holiday calendar: load it from its CSV (data/holidays_cn.csv)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.audit import AuditAction, audit_record
from zhijiao.core.scoping import user_scope

from ..models import (
    HolidayCalendar,
)


# --- holiday calendar --------------------------------------------------------------------------------
@transaction.atomic
def holiday_calendar_load(*, actor, rows: list[tuple[dt.date, str, str]], system: bool = False) -> int:
    """Upsert (date, kind, name) rows from the State Council notice; make-up days are kind "workday"."""
    if not system and not user_scope(actor).is_province:
        raise PermissionDenied(_("Only the province maintains the holiday calendar."))
    n = 0
    for day, kind, name in rows:
        HolidayCalendar.objects.update_or_create(date=day, defaults={"kind": kind, "name": name})
        n += 1
    audit_record(
        actor=actor, action=AuditAction.IMPORT, object_type="internships.holidaycalendar", message=f"{n} days"
    )
    return n


def holiday_calendar_rows(path=None) -> list[tuple[dt.date, str, str]]:
    """The calendar shipped in ``data/holidays_cn.csv`` (or another file of date,kind,name)."""
    import csv
    from pathlib import Path

    path = Path(path or Path(__file__).resolve().parent.parent / "data" / "holidays_cn.csv")
    with path.open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return [(dt.date.fromisoformat(r["date"]), r["kind"], r["name"]) for r in csv.DictReader(lines)]
