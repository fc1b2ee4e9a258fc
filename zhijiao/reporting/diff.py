"""What changed in a submission since it was last returned: the values as they stood when the
city (or province) sent it back — the last saved values before the return, from the audit trail
— against the values now. The approver of a resubmission reads this instead of the whole form."""

from __future__ import annotations

from zhijiao.core.models import AuditEntry

from .choices import ValueType
from .models import Submission


def _shown(element, value: str) -> str:
    """A choice by its name, never its code."""
    if element.value_type == ValueType.CHOICE:
        return {c["code"]: c.get("name", c["code"]) for c in element.choices}.get(value, value)
    return value


def changes_since_return(submission: Submission) -> list[dict] | None:
    """``[{"element", "cell", "before", "after"}]`` for each cell whose value differs from the
    one it had when the submission was last returned; None if it never was."""
    entries = AuditEntry.objects.filter(object_type="reporting.submission", object_id=str(submission.pk))
    returned = entries.filter(event="submission.returned").order_by("-timestamp", "-pk").first()
    if returned is None:
        return None
    saved = (
        entries.filter(event="submission.saved", timestamp__lte=returned.timestamp)
        .order_by("-timestamp", "-pk")
        .first()
    )
    then = dict(((saved.after or {}).get("values") or {}) if saved else {})
    now = {f"{v.element_id}:{v.cell}": v.value for v in submission.values.all()}
    elements = {
        e.pk: e for e in submission.version.elements.prefetch_related("categories").select_related("section")
    }
    changes = []
    for key in sorted(set(then) | set(now)):
        before, after = then.get(key, ""), now.get(key, "")
        if before == after:
            continue
        element_pk, _sep, cell = key.partition(":")
        element = elements.get(int(element_pk)) if element_pk.isdigit() else None
        if element is None:
            continue
        labels = dict(element.cells())
        changes.append(
            {
                "element": element,
                "cell": labels.get(cell, cell),
                "before": _shown(element, before),
                "after": _shown(element, after),
                "order": (element.section.order, element.order),
            }
        )
    changes.sort(key=lambda c: c["order"])
    return changes
