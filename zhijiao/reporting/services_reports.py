"""The writers of the reports from data: a school's 质量年度报告 (opened, its narrative sections
saved with optimistic locking while it is a draft, finalised, re-opened), a 简报 issue (numbered
per issuing region and year), and the batch job of a report per school. Each write is one
transaction, checked against the actor's scope and audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core import jobs
from zhijiao.core.audit import audit_record, snapshot
from zhijiao.core.models import AuditAction
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import ensure_in_scope, model_create

from .models import Bulletin, Indicator, QualityReport, ReportStatus
from .reports import NARRATIVE_MAX, NARRATIVE_SECTIONS, QUALITY_BATCH, batch_schools

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _check_year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("Enter a year such as 2021.")}) from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({"year": _("Enter a year such as 2021.")})
    return year


@transaction.atomic
def quality_report_open(*, actor, institution, year) -> QualityReport:
    """The school's report of the year (created on first use, as a draft)."""
    year = _check_year(year)
    existing = QualityReport.objects.filter(institution=institution, year=year).first()
    if existing is not None:
        ensure_in_scope(existing, actor, "view")
        return existing
    return model_create(actor=actor, instance=QualityReport(institution=institution, year=year))


@transaction.atomic
def quality_report_save(*, actor, report: QualityReport, narratives: dict, revision: int) -> QualityReport:
    """Save the narrative sections (``{section code: text}``) of a draft. Unknown sections and
    texts over ``NARRATIVE_MAX`` characters are refused whole; a save made on an older
    ``revision`` is refused and names the sections changed since."""
    report = QualityReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    ensure_in_scope(report, actor, "change")
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(_("This report is final; re-open it to change it."))
    codes = {code for code, _label in NARRATIVE_SECTIONS}
    errors = {}
    cleaned = {}
    for code, text in narratives.items():
        if code not in codes:
            errors[code] = [_("No such section in this report.")]
            continue
        text = str(text or "").replace("\r\n", "\n").strip()
        if len(text) > NARRATIVE_MAX:
            errors[code] = [_("At most %(n)d characters.") % {"n": NARRATIVE_MAX}]
            continue
        cleaned[code] = text
    if errors:
        raise ValidationError(errors)
    before = dict(report.narratives or {})
    if revision != report.revision:
        labels = dict(NARRATIVE_SECTIONS)
        changed = [str(labels[c]) for c in cleaned if before.get(c, "") != cleaned[c]]
        raise ValidationError(
            _(
                "Someone saved this report after you opened it (their save: %(n)d); reload it. Sections: %(names)s."
            )
            % {"n": report.revision, "names": "、".join(changed) or "—"}
        )
    after = {**before, **cleaned}
    if after == before:
        return report
    QualityReport.objects.filter(pk=report.pk).update(
        narratives=after, revision=report.revision + 1, updated_at=timezone.now()
    )
    report.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=report,
        before={"narratives": before},
        after={"narratives": after},
    )
    return report


def _set_status(*, actor, report: QualityReport, status: str, message: str) -> QualityReport:
    before = snapshot(report)
    report.status = status
    report.finalised_at = timezone.now() if status == ReportStatus.FINAL else None
    report.revision += 1
    report.full_clean()
    report.save(update_fields=["status", "finalised_at", "revision", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=report,
        before=before,
        after=snapshot(report),
        message=message,
    )
    return report


@transaction.atomic
def quality_report_finalise(*, actor, report: QualityReport) -> QualityReport:
    """The school (or its authority) marks the report final: its narrative no longer changes.
    Every section must be written."""
    report = QualityReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    ensure_in_scope(report, actor, "change")
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(_("This report is already final."))
    missing = [str(label) for code, label in NARRATIVE_SECTIONS if not (report.narratives or {}).get(code)]
    if missing:
        raise ValidationError(_("Write every section first: %(list)s.") % {"list": "、".join(missing)})
    return _set_status(actor=actor, report=report, status=ReportStatus.FINAL, message="finalised")


@transaction.atomic
def quality_report_reopen(*, actor, report: QualityReport, reason: str) -> QualityReport:
    """A city or the province re-opens a final report for changes (with a reason, audited)."""
    report = QualityReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    ensure_in_scope(report, actor, "change")
    if not user_scope(actor).region_paths and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only the city or the province re-opens a final report."))
    if report.status != ReportStatus.FINAL:
        raise ValidationError(_("Only a final report can be re-opened."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report is re-opened.")})
    return _set_status(
        actor=actor, report=report, status=ReportStatus.DRAFT, message=f"re-opened: {reason}"[:500]
    )


@transaction.atomic
def bulletin_create(
    *, actor, region, title: str, indicators: list[str], note: str = "", issued_on=None
) -> Bulletin:
    """The next issue of the region's 简报 this year (第 N 期, numbered in order of creation),
    over the chosen indicators (in the order given). Only a city or the province issues one,
    for its own region."""
    if region is None:
        raise PermissionDenied(_("Only a city or the province issues a bulletin."))
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("Give the bulletin a title.")]
    codes = list(dict.fromkeys(c for c in indicators if c))
    known = set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True))
    if not codes:
        errors["indicators"] = [_("Choose at least one indicator.")]
    elif set(codes) - known:
        errors["indicators"] = [_("Choose indicators from the list.")]
    if errors:
        raise ValidationError(errors)
    issued_on = issued_on or timezone.localdate()
    if not isinstance(issued_on, datetime.date):
        raise ValidationError({"issued_on": _("Enter a valid date.")})
    # Numbered under a lock on the region's issues of the year: two issues made at once get
    # consecutive numbers (the unique constraint is the backstop).
    list(Bulletin.objects.select_for_update().filter(region=region, year=issued_on.year).values_list("pk"))
    last = Bulletin.objects.filter(region=region, year=issued_on.year).aggregate(n=Max("number"))["n"] or 0
    return model_create(
        actor=actor,
        instance=Bulletin(
            region=region,
            year=issued_on.year,
            number=last + 1,
            issued_on=issued_on,
            title=title[:200],
            indicators=codes,
            note=(note or "").strip(),
        ),
    )


def quality_batch_start(*, actor, year) -> object:
    """Queue the job rendering a report per school in the actor's scope (a city's or the
    province's); refused when there is none."""
    year = _check_year(year)
    if not user_scope(actor).region_paths and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only a city or the province generates the reports of its schools."))
    ids = list(batch_schools(user=actor, year=year).values_list("pk", flat=True))
    if not ids:
        raise ValidationError(
            _("No school in your scope has approved data or a report for %(year)s.") % {"year": year}
        )
    from django.utils.translation import get_language

    return jobs.enqueue(
        QUALITY_BATCH, params={"year": year, "ids": ids, "language": get_language()}, created_by=actor
    )
