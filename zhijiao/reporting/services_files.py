"""File elements: the attachment of a submission's file element, uploaded on the web form (an
XLSX template cannot carry a file). Checked by ``core.files.validate_upload`` (type by content,
size, damaged files, virus scan); a new upload replaces the old one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core import files
from zhijiao.core.audit import audit_record
from zhijiao.core.models import AuditAction
from zhijiao.core.services import ensure_in_scope

from .choices import ValueType
from .definitions import FILE_MAX_MB
from .models import DataValue, Submission, SubmissionFile
from .validation import element_settings

ACCEPTED = files.OFFICE_DOCUMENTS


def file_limit_bytes(version, code: str) -> int:
    """The element's size limit (``max_mb`` in its definition, at most ``FILE_MAX_MB``)."""
    conf = element_settings(version.definition).get(code, {})
    try:
        mb = min(int(conf.get("max_mb", FILE_MAX_MB)), FILE_MAX_MB)
    except (TypeError, ValueError):
        mb = FILE_MAX_MB
    return mb * files.MB


@transaction.atomic
def submission_file_attach(*, actor, submission: Submission, element_code: str, upload) -> SubmissionFile:
    """Attach ``upload`` to the file element ``element_code`` (replacing an earlier file); its
    value becomes the file's name and the form's revision moves on."""
    from .services import _check_editable

    submission = Submission.objects.select_for_update(of=("self",)).get(pk=submission.pk)
    ensure_in_scope(submission, actor, "change")
    _check_editable(submission)
    element = submission.version.elements.filter(code=element_code, value_type=ValueType.FILE).first()
    if element is None:
        raise ValidationError(_("This form has no file field “%(code)s”.") % {"code": element_code})
    accepted = files.validate_upload(
        upload, kinds=ACCEPTED, max_bytes=file_limit_bytes(submission.version, element_code)
    )
    old = SubmissionFile.objects.filter(submission=submission, element=element, cell="").first()
    before = old.name if old else ""
    if old is not None:
        stale = old.file.name
        old.delete()
        transaction.on_commit(lambda: old.file.storage.delete(stale))
    attached = SubmissionFile(
        submission=submission,
        element=element,
        cell="",
        name=accepted.name[:200],
        size=accepted.size,
        content_type=accepted.content_type,
    )
    attached.file.save(accepted.name, upload, save=False)
    attached.full_clean()
    attached.save()
    DataValue.objects.update_or_create(
        submission=submission, element=element, cell="", defaults={"value": attached.name, "number": None}
    )
    Submission.objects.filter(pk=submission.pk).update(revision=F("revision") + 1, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=submission,
        before={"values": {f"{element.pk}:": before}},
        after={"values": {f"{element.pk}:": attached.name}},
        event="submission.file_attached",
    )
    return attached
