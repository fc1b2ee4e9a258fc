"""Saving the rows of a submission's row-list sections (``reporting.rows``), inside
``services.submission_save_values`` — one atomic save with the values, under the same revision
(optimistic locking), the derived count elements recomputed from the rows — and prefilling the
graduates from 学籍."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.services import ensure_in_scope

from . import rows as rowlib
from .choices import EDITABLE
from .models import Section, Submission, SubmissionRow


@dataclass
class Plan:
    """What a save does to the rows: per posted section, the cleaned rows in order."""

    sections: dict[str, list[tuple[str, dict[str, str]]]] = field(default_factory=dict)
    section_pks: dict[str, int] = field(default_factory=dict)
    existing: dict[tuple[str, str], SubmissionRow] = field(default_factory=dict)


def snapshot(submission) -> dict[str, dict[str, dict[str, str]]]:
    """The rows' values by section code and row key (no names: what the audit trail keeps, and
    what the diff since a return compares)."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for row in SubmissionRow.objects.filter(submission=submission).select_related("section"):
        out.setdefault(row.section.code, {})[row.key] = dict(row.values)
    return out


def prepare(submission, version, rows: dict | None, values: dict, elements: dict) -> tuple[Plan, dict, dict]:
    """Check the posted rows. Returns ``(plan, errors, values)`` where ``values`` has the derived
    elements' values computed from the rows; a value posted for a derived element is an error."""
    plan = Plan()
    errors: dict[str, list[str]] = {}
    lists = {rl.code: rl for rl in rowlib.row_lists(version.definition)}
    derived = {code for rl in lists.values() for code in rl.derive}
    for code, cell in values:
        if code in derived:
            errors[f"{code}__{cell}" if cell else code] = [
                _("This value is computed from the rows of the list.")
            ]
    if not rows:
        return plan, errors, values
    if not isinstance(submission, Submission):
        raise ValidationError(_("This return has no list of rows."))
    plan.existing = {
        (row.section.code, row.key): row
        for row in SubmissionRow.objects.filter(submission=submission).select_related("section")
    }
    plan.section_pks = dict(
        Section.objects.filter(version=version, code__in=list(rows)).values_list("code", "pk")
    )
    values = dict(values)
    for code, posted in rows.items():
        rl = lists.get(code)
        if rl is None:
            errors[f"rows__{code}"] = [_("No such list in this form.")]
            continue
        mine = sorted(
            ((key, row) for (sec, key), row in plan.existing.items() if sec == code),
            key=lambda kr: kr[1].position,
        )
        names = {key: row.person_name for key, row in mine}
        # The list after the save: the stored rows in order with the posted values over theirs
        # (a row not posted keeps its values), the rows marked deleted left out, new rows last.
        merged = {key: dict(row.values) for key, row in mine}
        for index, (key, vals) in enumerate(posted, start=1):
            vals = dict(vals)
            delete = str(vals.pop(rowlib.DELETE, "")).strip() not in ("", "0")
            if key.startswith(rowlib.NEW):
                if not delete:
                    merged[key] = vals
            elif key not in merged:
                errors[f"r__{code}__{key}__"] = [
                    rowlib.row_label(index) + "：" + _("this row is not in the list; reload the form.")
                ]
            elif delete:
                del merged[key]
            else:
                merged[key] = {**merged[key], **vals}
        cleaned, row_errors, _missing = rowlib.clean_rows(rl, list(merged.items()), names)
        errors.update(row_errors)
        plan.sections[code] = cleaned
        values.update(rowlib.derive(rl, [vals for _key, vals in cleaned], elements))
    return plan, errors, values


def write(submission, plan: Plan) -> bool:
    """Apply the plan; whether any row changed."""
    changed = False
    for code, cleaned in plan.sections.items():
        section_pk = plan.section_pks[code]
        mine = {key: row for (sec, key), row in plan.existing.items() if sec == code}
        kept, updates, creates = set(), [], []
        next_n = 1 + max((int(k[1:]) for k in mine if k.startswith("n") and k[1:].isdigit()), default=0)
        for position, (key, vals) in enumerate(cleaned):
            row = mine.get(key)
            if row is None:
                creates.append(
                    SubmissionRow(
                        submission=submission,
                        section_id=section_pk,
                        key=f"n{next_n}",
                        position=position,
                        values=vals,
                    )
                )
                next_n += 1
                continue
            kept.add(key)
            if row.values != vals or row.position != position:
                row.values, row.position = vals, position
                updates.append(row)
        gone = [row.pk for key, row in mine.items() if key not in kept]
        if gone:
            SubmissionRow.objects.filter(pk__in=gone).delete()
        SubmissionRow.objects.bulk_create(creates)
        SubmissionRow.objects.bulk_update(updates, ["values", "position"])
        changed = changed or bool(gone or creates or updates)
    return changed


@transaction.atomic
def submission_prefill_rows(*, actor, submission) -> int:
    """Add a row for each graduate of the school in the period (学籍) not yet in a list declared
    ``prefill: graduates``; the rows already there and their values stay. Returns how many were
    added (0: nothing saved)."""
    from . import services

    ensure_in_scope(submission, actor, "change")
    if submission.status not in EDITABLE:
        return 0
    submission = Submission.objects.select_for_update(of=("self",)).get(pk=submission.pk)
    version = submission.version
    lists = [rl for rl in rowlib.row_lists(version.definition) if rl.prefill == "graduates"]
    if not lists:
        return 0
    services._check_editable(submission)
    found = rowlib.graduates(user=actor, submission=submission)
    sections = dict(
        Section.objects.filter(version=version, code__in=[rl.code for rl in lists]).values_list("code", "pk")
    )
    existing = snapshot(submission)
    added = 0
    for rl in lists:
        have = existing.get(rl.code, {})
        start = len(have)
        new = [
            SubmissionRow(
                submission=submission,
                section_id=sections[rl.code],
                key=g["key"],
                position=start + i,
                person_name=g["person_name"][:50],
                id_masked=(g["id_masked"] or "")[:30],
            )
            for i, g in enumerate(x for x in found if x["key"] not in have)
        ]
        SubmissionRow.objects.bulk_create(new)
        added += len(new)
    if not added:
        return 0
    # The derived counts follow the new rows (one save, one revision, audited).
    now = snapshot(submission)
    services.submission_save_values(
        actor=actor,
        submission=submission,
        values={},
        revision=submission.revision,
        rows={rl.code: list(now.get(rl.code, {}).items()) for rl in lists},
        force=True,
    )
    return added
