"""Excel/CSV import of placements and of insurance lists (the shared pipeline, ``core.importing``).

The whole file is validated first (第 N 行 · 列 · 原因); only a clean file is written, in one
transaction, row by row through the placement services, so every rule runs as on the pages. A
service refusal while writing names its row and rolls the whole file back. Students, plans and
hosts are looked up only within the schools the user manages.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from zhijiao.core.importing import Column, Importer, Row, RowError, register
from zhijiao.core.importing.bulk import chunked
from zhijiao.core.scoping import restrict
from zhijiao.core.validators import mask_resident_id, normalize_code
from zhijiao.enterprises.models import Enterprise
from zhijiao.students.models import Enrolment

from .choices import PlacementStatus, PremiumPayer, WorkKind
from .models import InsurancePolicy, InternshipPlan, Placement, Post
from .services import insurance_record, placement_create, placement_update

OPEN = (PlacementStatus.DRAFT, PlacementStatus.ACTIVE, PlacementStatus.SUSPENDED)


def _cell_code(cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return normalize_code(str(cell)) if cell is not None else ""


class _InternshipImporter(Importer):
    """Date and money cells, students by ID number at the user's schools, hosts by credit code."""

    def to_money(self, col: Column, cell: Any) -> Decimal | None:
        if cell is None or cell == "":
            return None
        if isinstance(cell, bool):
            raise ValidationError(_("must be an amount in yuan"))
        try:
            value = Decimal(str(cell).replace(",", "").strip())
        except InvalidOperation:
            raise ValidationError(_("must be an amount in yuan")) from None
        if not value.is_finite() or value < 0 or value >= Decimal("10000000"):
            raise ValidationError(_("must be an amount in yuan"))
        return value.quantize(Decimal("0.01"))

    def _codes(self, rows, index, key) -> set[str]:
        if key not in index:
            return set()
        i = index[key]
        return {_cell_code(c[i]) for c in rows if i < len(c)} - {""}

    def load_students(self, rows, index) -> None:
        """Current enrolments at the user's schools, by ID number (one query per 1,000 numbers)."""
        self.enrolments: dict[str, Enrolment] = {}
        for part in chunked(sorted(self._codes(rows, index, "id_number"))):
            qs = Enrolment.objects.filter(is_current=True, student__id_number__in=part).select_related(
                "student"
            )
            for enrolment in restrict(qs, self.actor, "change"):
                self.enrolments[enrolment.student.id_number.upper()] = enrolment

    def load_hosts(self, rows, index) -> None:
        self.hosts: dict[str, Enterprise] = {}
        for part in chunked(sorted(self._codes(rows, index, "credit_code"))):
            for enterprise in Enterprise.objects.filter(credit_code__in=part):
                self.hosts[enterprise.credit_code] = enterprise

    def parse_id_number(self, value: str) -> str:
        return value.upper()

    def parse_host(self, value: str) -> Enterprise:
        enterprise = self.hosts.get(value)
        if enterprise is None:
            raise ValidationError(_("no enterprise with this credit code"))
        return enterprise

    def enrolment_for(self, values: dict[str, Any]) -> Enrolment:
        enrolment = self.enrolments.get(values["id_number"])
        if enrolment is None:
            raise ValidationError({"id_number": _("no current student with this ID number at your schools")})
        name = values.get("student_name")
        if name and name != enrolment.student.name:
            message = _("does not match the student with this ID number (%(name)s)")
            raise ValidationError({"student_name": message % {"name": enrolment.student.name}})
        return enrolment

    def write_rows(self, rows: list[Row], column: str, write_one) -> None:
        """Each row through its service; a refusal names the row (the whole file rolls back)."""
        for row in rows:
            try:
                write_one(row)
            except ValidationError as exc:
                header = self.column(column).header()
                raise ValidationError(
                    [str(RowError(row.line, header, " ".join(str(m) for m in exc.messages)))]
                ) from None


def _student_columns(placement_of) -> list[Column]:
    """The student and host columns of both imports; ``placement_of(row object)`` gives the placement
    they are exported from (the ID number masked like every export)."""
    return [
        Column(
            "id_number",
            gettext_lazy("Student ID number"),
            required=True,
            type="code",
            parse="parse_id_number",
            help=gettext_lazy("The student's ID number, as text (a trailing X is kept)."),
            export=lambda o: mask_resident_id(placement_of(o).enrolment.student.id_number),
        ),
        Column(
            "student_name",
            pgettext_lazy("person", "Name"),
            keep_private_use=True,
            help=gettext_lazy("Optional; when given it must match the student's record."),
            export=lambda o: placement_of(o).enrolment.student.name,
        ),
        Column(
            "credit_code",
            gettext_lazy("Host credit code"),
            required=True,
            type="code",
            parse="parse_host",
            help=gettext_lazy("The host enterprise's unified social credit code (18 characters, as text)."),
            export=lambda o: placement_of(o).enterprise.credit_code,
        ),
    ]


@register
class PlacementImporter(_InternshipImporter):
    kind = "internship-placements"
    label = gettext_lazy("Internship placements")
    description = gettext_lazy(
        "Students placed on posts of an internship plan, as drafts; every rule is checked as on the "
        "placement page. A student already in the plan at the same post has their dates and pay updated."
    )
    model = Placement
    natural_key = ("plan", "enrolment")
    duplicate_column = "id_number"
    columns = [
        Column(
            "plan",
            gettext_lazy("Internship plan"),
            required=True,
            parse="parse_plan",
            help=gettext_lazy("The plan's title exactly as on the plan page."),
            export=lambda o: o.plan.title,
        ),
        *_student_columns(lambda placement: placement),
        Column(
            "post_name",
            gettext_lazy("Post name"),
            required=True,
            help=gettext_lazy("The post at the host."),
            export=lambda o: o.post.name,
        ),
        Column(
            "start_date", gettext_lazy("Start date"), type="date", help=gettext_lazy("Default: the plan's.")
        ),
        Column("end_date", gettext_lazy("End date"), type="date", help=gettext_lazy("Default: the plan's.")),
        Column("monthly_pay", gettext_lazy("Monthly pay (yuan)"), type="money"),
        Column("work_kind", gettext_lazy("Kind of work"), type="choice", choices=WorkKind),
    ]

    @classmethod
    def export_queryset(cls, queryset):
        return queryset.select_related("plan", "enrolment__student", "enterprise", "post")

    def prepare(self, rows, index) -> None:
        self.plans: dict[str, list[InternshipPlan]] = {}
        for plan in restrict(InternshipPlan.objects.all(), self.actor, "change"):
            self.plans.setdefault(plan.title, []).append(plan)
        self.load_students(rows, index)
        self.load_hosts(rows, index)
        self.posts = {
            (p.enterprise_id, p.name): p
            for p in Post.objects.filter(enterprise_id__in=[e.pk for e in self.hosts.values()])
        }
        self.unchanged_lines: set[int] = set()

    def parse_plan(self, value: str) -> InternshipPlan:
        plans = self.plans.get(value, [])
        if not plans:
            raise ValidationError(_("no internship plan with this title at your schools"))
        if len(plans) > 1:
            raise ValidationError(_("several plans have this title; rename them so each title is unique"))
        return plans[0]

    def existing_queryset(self):
        return Placement.objects.filter(status__in=OPEN)

    def clean_row(self, values: dict[str, Any], row: Row) -> dict[str, Any]:
        plan: InternshipPlan = values["plan"]
        enrolment = self.enrolment_for(values)
        if enrolment.institution_id != plan.institution_id:
            raise ValidationError({"id_number": _("the student is not enrolled at the plan's school")})
        values["enrolment"] = enrolment
        post = self.posts.get((values["credit_code"].pk, values["post_name"]))
        if post is None:
            raise ValidationError({"post_name": _("the host has no post with this name")})
        if not post.is_active:
            raise ValidationError({"post_name": _("the post is closed")})
        values["post"] = post
        start = values.get("start_date") or plan.start_date
        end = values.get("end_date") or plan.end_date
        if end < start:
            raise ValidationError({"end_date": _("is before the start date")})
        if start < plan.start_date or end > plan.end_date:
            raise ValidationError(
                {
                    "start_date": _("the placement must lie within the plan's dates (%(start)s – %(end)s)")
                    % {"start": plan.start_date.isoformat(), "end": plan.end_date.isoformat()}
                }
            )
        return values

    def _data(self, values: dict[str, Any]) -> dict[str, Any]:
        data = {k: values[k] for k in ("start_date", "end_date", "monthly_pay", "work_kind") if values.get(k)}
        if values.get("monthly_pay") is not None:
            data["monthly_pay"] = values["monthly_pay"]
        return data

    def check_row(self, row: Row) -> None:
        super().check_row(row)
        existing = row.existing
        if existing is None:
            return
        if existing.post_id != row.values["post"].pk:
            raise ValidationError(
                {
                    "post_name": _(
                        "the student is already placed in this plan at another post; change the post on "
                        "the placement's page"
                    )
                }
            )
        data = self._data(row.values)
        if all(getattr(existing, k) == v for k, v in data.items()):
            self.unchanged_lines.add(row.line)

    def write(self, rows: list[Row], actor) -> dict[str, int]:
        counts = {"created": 0, "updated": 0, "unchanged": len(self.unchanged_lines)}

        def one(row: Row) -> None:
            values = row.values
            if row.line in self.unchanged_lines:
                return
            if row.existing is not None:
                placement_update(actor=actor, placement=row.existing, data=self._data(values))
                counts["updated"] += 1
            else:
                placement_create(
                    actor=actor,
                    plan=values["plan"],
                    enrolment=values["enrolment"],
                    post=values["post"],
                    data=self._data(values),
                )
                counts["created"] += 1

        self.write_rows(rows, "id_number", one)
        return counts


@register
class InsuranceImporter(_InternshipImporter):
    kind = "internship-insurance"
    label = gettext_lazy("Internship insurance lists")
    description = gettext_lazy(
        "学生实习责任保险 policies from an insurer's list: each row covers one student's placement at "
        "the host named by its credit code."
    )
    model = InsurancePolicy
    natural_key = ("policy_no", "placement")
    duplicate_column = "policy_no"
    columns = [
        *_student_columns(lambda policy: policy.placement),
        Column("policy_no", gettext_lazy("Policy number"), required=True, type="code"),
        Column("insurer", gettext_lazy("Insurer"), required=True),
        Column("coverage_start", gettext_lazy("Cover starts"), required=True, type="date"),
        Column("coverage_end", gettext_lazy("Cover ends"), required=True, type="date"),
        Column("premium_payer", gettext_lazy("Premium paid by"), type="choice", choices=PremiumPayer),
    ]

    @classmethod
    def export_queryset(cls, queryset):
        return queryset.select_related("placement__enrolment__student", "placement__enterprise")

    def prepare(self, rows, index) -> None:
        self.load_students(rows, index)
        self.load_hosts(rows, index)
        self.placements: dict[tuple[int, int], list[Placement]] = {}
        enrolment_ids = [e.pk for e in self.enrolments.values()]
        for part in chunked(enrolment_ids):
            qs = Placement.objects.filter(enrolment_id__in=part, status__in=OPEN).order_by("start_date", "id")
            for p in restrict(qs, self.actor, "change"):
                self.placements.setdefault((p.enrolment_id, p.enterprise_id), []).append(p)
        self.unchanged_lines: set[int] = set()

    def clean_row(self, values: dict[str, Any], row: Row) -> dict[str, Any]:
        enrolment = self.enrolment_for(values)
        start, end = values["coverage_start"], values["coverage_end"]
        if end < start:
            raise ValidationError({"coverage_end": _("is before the date the cover starts")})
        found = self.placements.get((enrolment.pk, values["credit_code"].pk), [])
        if len(found) > 1:
            found = [p for p in found if p.start_date <= end and start <= p.end_date]
        if not found:
            raise ValidationError({"credit_code": _("the student has no open placement at this host")})
        if len(found) > 1:
            raise ValidationError(
                {"coverage_start": _("the student has several placements at this host in this period")}
            )
        values["placement"] = found[0]
        values["premium_payer"] = values.get("premium_payer") or PremiumPayer.SCHOOL
        self.model_check(row, {"insurer": values["insurer"], "policy_no": values["policy_no"]})
        return values

    def check_row(self, row: Row) -> None:
        super().check_row(row)
        existing = row.existing
        if existing is None:
            return
        same = all(
            getattr(existing, k) == row.values[k]
            for k in ("insurer", "coverage_start", "coverage_end", "premium_payer")
        )
        if not same:
            raise ValidationError(
                {"policy_no": _("is already recorded for this placement with other details")}
            )
        self.unchanged_lines.add(row.line)

    def write(self, rows: list[Row], actor) -> dict[str, int]:
        counts = {"created": 0, "updated": 0, "unchanged": len(self.unchanged_lines)}
        fields = ("policy_no", "insurer", "coverage_start", "coverage_end", "premium_payer")

        def one(row: Row) -> None:
            if row.line in self.unchanged_lines:
                return
            insurance_record(
                actor=actor,
                placement=row.values["placement"],
                data={k: row.values[k] for k in fields},
            )
            counts["created"] += 1

        self.write_rows(rows, "policy_no", one)
        return counts
