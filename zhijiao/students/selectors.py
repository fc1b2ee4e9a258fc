"""Reads of the student registry; every one starts from ``core.scoping.restrict``.

Other apps call ``student_is_eligible_for_internship`` / ``student_is_eligible_for_exams``.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from zhijiao.core.scoping import restrict, user_scope

from .choices import EnrolmentStatus, GraduationOutcome
from .models import (
    Enrolment,
    Graduation,
    GraduationList,
    RegistrationBatch,
    StatusChange,
    Student,
    TermRegistration,
)
from .rules import STUDYING


def student_list(*, user, action: str = "view") -> QuerySet[Student]:
    current = Enrolment.objects.filter(is_current=True).select_related("offering__major")
    return restrict(
        Student.objects.select_related("current_institution__region").prefetch_related(
            Prefetch("enrolments", queryset=current, to_attr="current_enrolments")
        ),
        user,
        action,
    )


def student_get(*, user, pk, action: str = "view") -> Student:
    return student_list(user=user, action=action).get(pk=pk)


def student_for_user(user) -> Student | None:
    """The student record linked to a signed-in account (self-service), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Student.objects.select_related("current_institution").filter(user=user).first()


def current_enrolment(student: Student) -> Enrolment | None:
    cached = getattr(student, "current_enrolments", None)
    if cached is not None:
        return cached[0] if cached else None
    return student.enrolments.filter(is_current=True).select_related("offering__major", "institution").first()


def enrolment_history(student: Student) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(student=student)
        .select_related("institution", "offering__major", "batch")
        .order_by("entry_date", "id")
    )


def status_change_history(student: Student) -> list[StatusChange]:
    return list(
        StatusChange.objects.filter(student=student)
        .select_related("enrolment__institution", "target_institution", "target_offering__major", "approval")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def graduation_history(student: Student) -> list[Graduation]:
    return list(
        Graduation.objects.filter(enrolment__student=student)
        .select_related("enrolment__institution", "approved_by")
        .order_by("graduation_date", "id")
    )


def enrolment_list(*, user, action: str = "view") -> QuerySet[Enrolment]:
    return restrict(
        Enrolment.objects.select_related("student", "institution", "offering__major"), user, action
    )


def batch_list(*, user, action: str = "view") -> QuerySet[RegistrationBatch]:
    return restrict(RegistrationBatch.objects.select_related("institution__region", "approval"), user, action)


def status_change_list(*, user, action: str = "view") -> QuerySet[StatusChange]:
    """Changes of students in the user's scope, plus transfers into schools the user decides for
    (``StatusChange.scope_relations``: through the approval request; left out for the province,
    whose scope condition alone lets the list read its (created_at, id) index)."""
    return restrict(
        StatusChange.objects.select_related(
            "student", "enrolment__institution", "target_institution", "approval"
        ),
        user,
        action,
    )


def graduation_list_list(*, user, action: str = "view") -> QuerySet[GraduationList]:
    return restrict(GraduationList.objects.select_related("institution", "approval"), user, action)


def graduation_list(*, user, action: str = "view") -> QuerySet[Graduation]:
    return restrict(
        Graduation.objects.select_related("enrolment__student", "enrolment__institution", "approved_by"),
        user,
        action,
    )


def may_see_full_id(user, student: Student) -> bool:
    """Full ID numbers: school and authority roles with ``change`` over the student (not auditors, not others)."""
    scope = user_scope(user)
    if (
        not any(
            g.role in ("province_admin", "province_staff", "city_admin", "school_admin") for g in scope.grants
        )
        and not scope.is_superuser
    ):
        return False
    return restrict(Student.objects.filter(pk=student.pk), user, "change").exists()


# --- eligibility (called by internships, exams, 1+X) ------------------------------------------------
def _current_status(student) -> str | None:
    enrolment = current_enrolment(student)
    return enrolment.status if enrolment else None


def student_is_eligible_for_internship(student: Student) -> bool:
    """A suspended (or not registered, or departed) student may not take 岗位实习 (students.md §4)."""
    return _current_status(student) in STUDYING


def student_is_eligible_for_exams(student: Student) -> bool:
    """A suspended student may not sit exams (students.md §4)."""
    return _current_status(student) in STUDYING


def student_counts(*, user) -> dict:
    """Students in the user's scope and their current enrolments by status: ``{"total": n,
    "by_status": {status: n}}``. From the maintained per-school tallies (core.counters) — no count
    over the registry — and counted directly where there are none (SQLite, enterprise users)."""
    from zhijiao.core import counters

    total = counters.tally("students", user)
    by_status = counters.tally("enrolments", user, by=("k1",))
    if total is None or by_status is None:
        return {"total": student_list(user=user).count(), "by_status": counts_by_status(user=user)}
    return {"total": total, "by_status": by_status}


def counts_by_status(*, user) -> dict[str, int]:
    from django.db.models import Count

    rows = enrolment_list(user=user).filter(is_current=True).values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


__all__ = [n for n in dir() if not n.startswith("_")] + ["EnrolmentStatus"]


def user_has_student_record(user) -> bool:
    """Whether the signed-in user is linked to a student (self-service menu)."""
    if not getattr(user, "is_authenticated", False):
        return False
    # Staff hold roles and are never students: spare them the query on every page.
    from zhijiao.core.scoping import user_scope

    if user_scope(user).grants:
        return False
    return Student.objects.filter(user=user).exists()


def approved_completions(enrolments) -> dict:
    """Approved 结业 decisions of these enrolments, so a 毕业 entry swaps them (students.md §6)."""
    ids = [e.pk for e in enrolments if e.status == EnrolmentStatus.COMPLETED]
    if not ids:
        return {}
    found = {}
    for grad in Graduation.objects.filter(
        enrolment_id__in=ids, status=Graduation.Status.APPROVED, outcome=GraduationOutcome.COMPLETED
    ).order_by("graduation_date", "pk"):
        found[grad.enrolment_id] = grad
    return found


# --- 学期注册 and data quality -----------------------------------------------------------------------
def term_registration_list(*, user, action: str = "view") -> QuerySet[TermRegistration]:
    return restrict(
        TermRegistration.objects.select_related("institution", "enrolment__student"), user, action
    )


def term_registration_report(*, user, school_year: int, term: str) -> dict:
    """学期注册 of a term: who is registered, who is not and why, and who is not recorded yet — the
    current enrolments (studying or on 休学) the user may see."""
    rows = {
        r.enrolment_id: r
        for r in term_registration_list(user=user).filter(school_year=school_year, term=term)
    }
    enrolments = (
        enrolment_list(user=user)
        .filter(is_current=True, status__in=[*STUDYING, EnrolmentStatus.SUSPENDED])
        .order_by("institution_id", "class_name", "student__name", "id")
    )
    report = {"registered": [], "not_registered": [], "unrecorded": []}
    for enrolment in enrolments:
        row = rows.get(enrolment.pk)
        if row is None:
            report["unrecorded"].append(enrolment)
        elif row.registered:
            report["registered"].append(row)
        else:
            report["not_registered"].append(row)
    return report


def separated_from_record(*, user, school_year: int, term: str, today) -> list[Enrolment]:
    """人籍分离 (data quality): students the registry holds as studying who are not at school this
    term — recorded as absent or gone, or not recorded once the term's registration has closed
    (XJ-TERM)."""
    from .choices import NotRegisteredReason
    from .rules import term_registration_deadline

    report = term_registration_report(user=user, school_year=school_year, term=term)
    out = [
        r.enrolment
        for r in report["not_registered"]
        if r.enrolment.status in STUDYING
        and r.reason in (NotRegisteredReason.ABSENT, NotRegisteredReason.LEFT)
    ]
    if today > term_registration_deadline(school_year, term):
        out += [e for e in report["unrecorded"] if e.status in STUDYING]
    return out


DUPLICATE_GROUPS_SHOWN = 500  # a page, not a limit of the check


def possible_duplicates(*, user) -> list[list[Student]]:
    """Duplicate check (data quality): students the user may see who share name, birth date and
    gender under different ID numbers or document types — one person registered twice (一人一籍,
    教职成〔2014〕12号)."""
    from django.db.models import Count

    students = student_list(user=user)
    keys = (
        students.values("name", "birth_date", "gender")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("name", "birth_date")
    )
    groups = []
    for key in keys[:DUPLICATE_GROUPS_SHOWN]:
        groups.append(
            list(
                students.filter(
                    name=key["name"], birth_date=key["birth_date"], gender=key["gender"]
                ).order_by("id")
            )
        )
    return groups


# --- exchange formats (students.exchange) -----------------------------------------------------------
#: Roles that may take full ID numbers out in an exchange file (those that may reveal one on a page).
EXCHANGE_ROLES = ("province_admin", "province_staff", "city_admin", "school_admin")


def may_export_exchange(user) -> bool:
    """Whether ``user`` may export the national / CHSI exchange files (full ID numbers, audited)."""
    if not getattr(user, "is_authenticated", False):
        return False
    scope = user_scope(user)
    return scope.is_superuser or any(g.role in EXCHANGE_ROLES for g in scope.grants)


def exchange_students(*, user, layout: str) -> QuerySet[Student]:
    """The students an exchange file holds: those the user may change; for CHSI's 高职 list only the
    students of higher vocational colleges or in the 高职 stage of a through programme."""
    from django.db.models import Exists, OuterRef

    from zhijiao.orgs.choices import InstitutionKind

    from .choices import Stage

    qs = student_list(user=user, action="change")
    if layout == "chsi_gz":
        higher_stage = Enrolment.objects.filter(student=OuterRef("pk"), is_current=True, stage=Stage.HIGHER)
        qs = qs.filter(Q(current_institution__kind=InstitutionKind.HIGHER_VOCATIONAL) | Exists(higher_stage))
    return qs


# --- 学籍 statistics by region, school, major and grade -------------------------------------------
#: Dimension → (field on the tally row, field on the enrolment) it groups by.
STATISTICS_BY = {
    "region": ("institution__region_id", "institution__region_id"),
    "school": ("institution_id", "institution_id"),
    "major": ("k1", "offering__major_id"),
    "grade": ("k2", "cohort_year"),
}


def _mix_counts(user, dimension: str) -> dict[tuple[str, str], int]:
    """(dimension value, status) → current enrolments in the user's scope: summed from the
    maintained tally (core.counters, ``tallies.ENROLMENT_MIX``) — no scan of the registry — and
    counted from the enrolments only where there is no tally (SQLite, enterprise users)."""
    from django.db.models import Count, Sum

    from zhijiao.core import counters
    from zhijiao.core.models import Tally

    tally_field, row_field = STATISTICS_BY[dimension]
    if counters.applies(user):
        rows = (
            restrict(Tally.objects.filter(kind="enrolment_mix"), user, "view")
            .values(tally_field, "k3")
            .annotate(total=Sum("n"))
            .order_by()
        )
        status_field = "k3"
    else:
        rows = (
            enrolment_list(user=user)
            .filter(is_current=True)
            .values(row_field, "status")
            .annotate(total=Count("id"))
            .order_by()
        )
        tally_field, status_field = row_field, "status"
    out: dict[tuple[str, str], int] = {}
    for row in rows:
        if row["total"]:
            key = (str(row[tally_field]), row[status_field])
            out[key] = out.get(key, 0) + int(row["total"])
    return out


def _region_labels(user, ids: set[str]) -> dict[str, tuple[str, str]]:
    """Region id → (group key, label): a province user's schools grouped by city, everyone else's by
    the school's own region (county or city)."""
    from zhijiao.orgs.models import Region

    regions = {str(r.pk): r for r in Region.objects.filter(pk__in=[int(i) for i in ids if i.isdigit()])}
    by_city = user_scope(user).is_province
    cities: dict[str, Region] = {}
    if by_city:
        codes = {r.path.split("/")[1] for r in regions.values() if r.path.count("/") > 2}
        cities = {r.code: r for r in Region.objects.filter(code__in=codes)}
    out = {}
    for pk, region in regions.items():
        target = region
        parts = region.path.split("/")
        if by_city and len(parts) > 3 and parts[1] in cities:
            target = cities[parts[1]]
        out[pk] = (target.code, target.name)
    return out


def registry_statistics(*, user, by: str) -> dict:
    """学籍 statistics: current enrolments in the user's scope by ``by`` (region, school, major or
    grade) and status. ``{"statuses": [(code, label)], "rows": [(label, [n per status], total)],
    "totals": [...], "total": n}``, rows in the dimension's natural order."""
    from django.utils.translation import gettext

    from zhijiao.majors.models import Major
    from zhijiao.orgs.models import Institution

    counts = _mix_counts(user, by)
    values = {v for v, _s in counts}
    if by == "region":
        labels = _region_labels(user, values)
        group = {v: labels.get(v, (v, "—")) for v in values}
    elif by == "school":
        schools = Institution.objects.filter(pk__in=[int(v) for v in values if v.isdigit()])
        group = {str(i.pk): (i.code or i.name, i.name) for i in schools}
    elif by == "major":
        majors = Major.objects.filter(pk__in=[int(v) for v in values if v.isdigit()])
        group = {str(m.pk): (m.code, f"{m.code} {m.name}") for m in majors}
    else:
        group = {v: (v, gettext("Class of %(year)s") % {"year": v}) for v in values}
    present = {s for _v, s in counts}
    statuses = [(c, str(label)) for c, label in EnrolmentStatus.choices if c in present]
    merged: dict[str, dict] = {}
    for (value, status), n in counts.items():
        key, label = group.get(value, (value, "—"))
        row = merged.setdefault(key, {"label": label, "by": {}})
        row["by"][status] = row["by"].get(status, 0) + n
    rows = []
    for key in sorted(merged):
        cells = [merged[key]["by"].get(c, 0) for c, _l in statuses]
        rows.append((merged[key]["label"], cells, sum(cells)))
    totals = [sum(r[1][i] for r in rows) for i in range(len(statuses))]
    return {"statuses": statuses, "rows": rows, "totals": totals, "total": sum(totals)}


def exchange_layout(key: str):
    """The exchange format ``key`` in use (``students.exchange``), for apps that export one (the
    certificates' CHSI 学历 list); None if unknown."""
    from . import exchange

    return exchange.layout(key)


def has_higher_vocational(user) -> bool:
    """Whether the user's scope holds a higher vocational college (the CHSI lists apply to it)."""
    from zhijiao.orgs.choices import InstitutionKind
    from zhijiao.orgs.models import Institution

    return restrict(Institution.objects.filter(kind=InstitutionKind.HIGHER_VOCATIONAL), user, "view").exists()
