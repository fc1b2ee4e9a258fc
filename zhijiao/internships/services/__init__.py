"""Writes for internships. Only these functions (and ``checkins``, ``sweep``) change the tables.

Each is keyword-only with an explicit ``actor``, runs in one transaction, validates, writes an
audit entry and re-checks the scope. Rule checks come from ``rules.py`` through ``facts.py``.
"""

from .base import (
    FILING_KIND,
    PlacementBlocked,
    _pick,
    _require,
    _today,
    is_host_of,
    is_school_side,
    is_student_of,
)
from .calendar import (
    holiday_calendar_load,
    holiday_calendar_rows,
)
from .documents import (
    AGREEMENT_FIELDS,
    agreement_dates_plausible,
    agreement_record,
    insurance_record,
    mentor_assign,
)
from .evaluation import (
    _evaluation,
    checkins_confirm,
    evaluation_by_enterprise,
    evaluation_grade,
)
from .inspections import (
    inspection_answer,
    inspection_close,
    inspection_finding,
    inspection_launch,
    inspection_rectify,
    inspection_report_exported,
)
from .placements import (
    PLACEMENT_FIELDS,
    _record_check,
    _set_status,
    placement_activate,
    placement_check,
    placement_create,
    placement_dates_free,
    placement_end,
    placement_suspend,
    placement_try_activate,
    placement_update,
)
from .plans import (
    LEGACY_KINDS,
    PLAN_FIELDS,
    _plan_checks,
    filing_comment,
    filing_filed,
    is_filing_authority,
    plan_create,
    plan_decide_filing,
    plan_submit_filing,
    plan_update,
)
from .posts import (
    POST_FIELDS,
    post_create,
    post_headcount_keeps_caps,
    post_update,
)
from .student_side import (
    direct_report_respond,
    direct_report_submit,
    pay_confirm,
    pay_record,
    report_review,
    report_submit,
)

__all__ = [
    "FILING_KIND",
    "PlacementBlocked",
    "_pick",
    "_today",
    "is_student_of",
    "is_host_of",
    "is_school_side",
    "_require",
    "POST_FIELDS",
    "post_create",
    "post_headcount_keeps_caps",
    "post_update",
    "PLAN_FIELDS",
    "LEGACY_KINDS",
    "_plan_checks",
    "plan_create",
    "filing_comment",
    "filing_filed",
    "is_filing_authority",
    "plan_update",
    "plan_submit_filing",
    "plan_decide_filing",
    "PLACEMENT_FIELDS",
    "_record_check",
    "placement_check",
    "placement_create",
    "placement_dates_free",
    "placement_update",
    "placement_activate",
    "placement_try_activate",
    "_set_status",
    "placement_suspend",
    "placement_end",
    "AGREEMENT_FIELDS",
    "agreement_dates_plausible",
    "agreement_record",
    "insurance_record",
    "mentor_assign",
    "report_submit",
    "report_review",
    "direct_report_submit",
    "direct_report_respond",
    "pay_record",
    "pay_confirm",
    "_evaluation",
    "evaluation_by_enterprise",
    "evaluation_grade",
    "checkins_confirm",
    "holiday_calendar_load",
    "holiday_calendar_rows",
    "inspection_launch",
    "inspection_answer",
    "inspection_finding",
    "inspection_close",
    "inspection_rectify",
    "inspection_report_exported",
]
