"""Writes of the student registry. Only these functions change students, enrolments, batches,
status changes and graduation decisions (STYLE.md §2: typed, keyword-only, actor, atomic, audited).
"""

from .accounts import (
    student_account_create,
    student_accounts_bulk_create,
    student_link_account,
)
from .base import (
    ENROLMENT_FIELDS,
    STUDENT_FIELDS,
    S,
    _ensure,
)
from .graduation import (
    OUTCOME_STATUS,
    approved_decisions,
    graduation_approve,
    graduation_list_approved,
    graduation_list_create,
    graduation_list_submit,
    graduation_problems,
)
from .identity import (
    check_identity,
    institutions_for_students,
    registered_elsewhere_message,
)
from .photos import PhotoImportReport, photos_import_zip
from .records import (
    _bulk_copy,
    _next_ids,
    audit_sensitive_view,
    check_photo,
    student_bulk_create,
    student_create,
    student_photo_set,
    student_update,
)
from .registration import (
    _next_temporary_serial,
    batch_create,
    batch_has_students,
    batch_on_time,
    batch_override_deadline,
    batch_submit,
    registration_approved,
    registration_cancelled,
)
from .status_changes import (
    check_attachment,
    status_change_approved,
    status_change_request,
    suspended_months_used,
    transfer_chain,
)
from .suspensions import (
    resume_overdue,
    suspensions_remind,
    withdrawal_propose,
)
from .terms import (
    term_registration_open,
    term_registration_record,
)

__all__ = [
    "S",
    "_ensure",
    "STUDENT_FIELDS",
    "ENROLMENT_FIELDS",
    "check_identity",
    "registered_elsewhere_message",
    "institutions_for_students",
    "student_create",
    "student_update",
    "check_photo",
    "PhotoImportReport",
    "photos_import_zip",
    "student_photo_set",
    "audit_sensitive_view",
    "student_bulk_create",
    "_next_ids",
    "_bulk_copy",
    "batch_create",
    "batch_override_deadline",
    "batch_submit",
    "batch_has_students",
    "batch_on_time",
    "_next_temporary_serial",
    "registration_approved",
    "registration_cancelled",
    "check_attachment",
    "suspended_months_used",
    "status_change_request",
    "transfer_chain",
    "status_change_approved",
    "term_registration_open",
    "term_registration_record",
    "resume_overdue",
    "suspensions_remind",
    "withdrawal_propose",
    "graduation_list_create",
    "approved_decisions",
    "graduation_problems",
    "graduation_list_submit",
    "OUTCOME_STATUS",
    "graduation_approve",
    "graduation_list_approved",
    "student_account_create",
    "student_accounts_bulk_create",
    "student_link_account",
]
