"""Cells prefilled from the platform's own data, declared per element in the definition:

    - code: enrolled_nursing
      type: integer
      prefill: {source: students.enrolled, major: "7202"}      # 学籍: current enrolments
    - code: placed
      type: integer
      prefill: {source: internships.placements}                 # 实习: placements in the period
    - code: certificates
      type: integer
      categories: [kind]
      prefill:
        source: credentials.issued                              # certificates issued in the period
        cells: {diploma: {kind: diploma}, record: {kind: record}}

``major`` is a major-code prefix (a 专业大类 "72", a class "7202" or a major). ``cells`` gives
per-cell parameters (merged over the element's); a disaggregated element without ``cells`` is not
prefilled. Each source counts through its app's selector in the actor's scope, for the one
organisation of the submission. Nothing here writes; ``services_prefill`` saves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Source:
    label: object
    params: frozenset[str]
    count: Callable  # (user, institution, period, params) → int


def _enrolled(user, institution, period, params) -> int:
    from zhijiao.students.choices import EnrolmentStatus
    from zhijiao.students.selectors import enrolment_list

    qs = enrolment_list(user=user).filter(
        institution=institution, is_current=True, status=EnrolmentStatus.REGISTERED
    )
    if params.get("major"):
        qs = qs.filter(offering__major__code__startswith=str(params["major"]))
    return qs.count()


def _placements(user, institution, period, params) -> int:
    from zhijiao.internships.choices import PlacementStatus
    from zhijiao.internships.selectors import placement_list

    qs = placement_list(user=user).filter(
        institution=institution,
        status__in=[PlacementStatus.ACTIVE, PlacementStatus.ENDED],
        start_date__lte=period.end,
        end_date__gte=period.start,
    )
    if params.get("major"):
        qs = qs.filter(enrolment__offering__major__code__startswith=str(params["major"]))
    return qs.count()


def _issued(user, institution, period, params) -> int:
    from zhijiao.credentials.choices import CertificateStatus
    from zhijiao.credentials.selectors import certificate_list

    qs = certificate_list(user=user).filter(
        Q(institution=institution),
        status=CertificateStatus.ISSUED,
        issue_date__gte=period.start,
        issue_date__lte=period.end,
    )
    if params.get("kind"):
        qs = qs.filter(kind=params["kind"])
    if params.get("major"):
        qs = qs.filter(major_code__startswith=str(params["major"]))
    return qs.count()


SOURCES: dict[str, Source] = {
    "students.enrolled": Source(gettext_lazy("Current enrolments (学籍)"), frozenset({"major"}), _enrolled),
    "internships.placements": Source(
        gettext_lazy("Internship placements in the period"), frozenset({"major"}), _placements
    ),
    "credentials.issued": Source(
        gettext_lazy("Certificates issued in the period"), frozenset({"kind", "major"}), _issued
    ),
}


def check(where: str, conf, cells: set[str] | None) -> list[str]:
    """Problems of an element's ``prefill`` entry (``cells``: the element's cell keys, or None
    when it has no disaggregation)."""
    if not isinstance(conf, dict):
        return [f"{where}: " + _("prefill is a mapping with a source")]
    source = SOURCES.get(conf.get("source"))
    if source is None:
        return [
            f"{where}.source: "
            + _("unknown source “%(s)s”; one of %(all)s")
            % {"s": conf.get("source"), "all": ", ".join(SOURCES)}
        ]
    errors = []
    per_cell = conf.get("cells")
    param_sets = [("", {k: v for k, v in conf.items() if k not in ("source", "cells")})]
    if per_cell is not None:
        if not isinstance(per_cell, dict):
            return [f"{where}.cells: " + _("a mapping of cell to parameters")]
        for cell, params in per_cell.items():
            if cells is None or cell not in cells:
                errors.append(f"{where}.cells: " + _("no cell “%(c)s” in this element") % {"c": cell})
            param_sets.append((f".cells.{cell}", params if isinstance(params, dict) else {"?": params}))
    for suffix, params in param_sets:
        for name in sorted(set(params) - source.params):
            errors.append(f"{where}{suffix}: " + _("unknown parameter “%(p)s”") % {"p": name})
    return errors


def values_for(*, user, submission, settings: dict[str, dict], elements) -> dict[tuple[str, str], str]:
    """The prefilled value of every declared cell, as text, by (element code, cell)."""
    out: dict[tuple[str, str], str] = {}
    for element in elements:
        conf = settings.get(element.code, {}).get("prefill")
        if not isinstance(conf, dict) or conf.get("source") not in SOURCES:
            continue
        source = SOURCES[conf["source"]]
        base = {k: v for k, v in conf.items() if k not in ("source", "cells")}
        cell_keys = [c for c, _label in element.cells()]
        if conf.get("cells"):
            targets = [
                (cell, {**base, **(conf["cells"].get(cell) or {})})
                for cell in cell_keys
                if cell in conf["cells"]
            ]
        elif cell_keys == [""]:
            targets = [("", base)]
        else:
            targets = []
        for cell, params in targets:
            out[(element.code, cell)] = str(
                source.count(user, submission.institution, submission.period, params)
            )
    return out
