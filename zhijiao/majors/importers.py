"""Offered majors (开设专业) import/export; natural key institution + 专业代码 + start year."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhijiao.core.importing import Column, Importer, Row, register
from zhijiao.core.importing.bulk import chunked
from zhijiao.core.scoping import restrict, user_scope
from zhijiao.core.validators import normalize_code
from zhijiao.orgs.models import Institution

from .choices import OfferingStatus
from .models import InstitutionMajor, Major
from .services import offering_bulk_upsert, offering_major_matches_institution


def _cell_code(cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return normalize_code(str(cell)) if cell is not None else ""


@register
class OfferingImporter(Importer):
    kind = "offerings"
    label = gettext_lazy("Offered majors")
    description = gettext_lazy(
        "Majors an institution offers, keyed on institution, major code and start year."
    )
    model = InstitutionMajor
    natural_key = ("institution", "major", "start_year")
    duplicate_column = "major"
    columns = [
        Column(
            "institution",
            gettext_lazy("Institution code"),
            required=True,
            type="code",
            numeric_digits=10,
            parse="parse_institution",
            export=lambda o: o.institution.code or "",
            help=gettext_lazy("10-digit institution code; school users may leave it out (their own school)."),
        ),
        Column(
            "institution_name",
            gettext_lazy("Institution name"),
            export=lambda o: o.institution.name,
            importable=False,
        ),
        Column(
            "major",
            gettext_lazy("Major code"),
            required=True,
            type="code",
            numeric_digits=6,
            parse="parse_major",
            export=lambda o: o.major.code,
            help=gettext_lazy("The 6-digit code of the vocational major catalogue."),
        ),
        Column("major_name", gettext_lazy("Major name"), export=lambda o: o.major.name, importable=False),
        Column("start_year", gettext_lazy("Start year"), required=True, type="int"),
        Column("status", gettext_lazy("Status"), type="choice", choices=OfferingStatus),
        Column("note", gettext_lazy("Note")),
    ]

    def __init__(self, actor):
        super().__init__(actor)
        scope = user_scope(actor)
        own = {g.institution_id for g in scope.grants_for(self.action) if g.institution_id}
        self.own_institution_ids = own
        self.default_institution: Institution | None = None
        if len(own) == 1 and not scope.region_paths:
            self.default_institution = Institution.objects.select_related("region").get(pk=next(iter(own)))

    def column_required(self, column: Column) -> bool:
        if column.key == "institution" and self.default_institution is not None:
            return False
        return column.required

    def prepare(self, rows, index) -> None:
        codes = set()
        if "institution" in index:
            codes = {_cell_code(c[index["institution"]]) for c in rows if index["institution"] < len(c)}
        self.institutions: dict[str, Institution] = {}
        for part in chunked(sorted(codes - {""})):
            for inst in Institution.objects.filter(code__in=part).select_related("region"):
                self.institutions[inst.code] = inst
        ids = [i.pk for i in self.institutions.values()]
        # Institutions under the actor's region grants, plus the schools the actor administers.
        self.allowed_ids = set(self.own_institution_ids)
        for part in chunked(ids):
            self.allowed_ids.update(
                restrict(Institution.objects.filter(pk__in=part), self.actor, self.action).values_list(
                    "pk", flat=True
                )
            )
        major_codes = set()
        if "major" in index:
            major_codes = {_cell_code(c[index["major"]]) for c in rows if index["major"] < len(c)}
        self.majors: dict[str, Major] = {}
        for part in chunked(sorted(major_codes - {""})):
            for major in Major.objects.filter(code__in=part).order_by("catalogue_version"):
                self.majors[major.code] = major  # the newest catalogue version wins

    def existing_queryset(self):
        return InstitutionMajor.objects.only("pk", "institution_id", "major_id", "start_year")

    @classmethod
    def export_queryset(cls, queryset):
        return queryset.select_related("institution", "major")

    def parse_institution(self, value: str) -> Institution:
        inst = self.institutions.get(value)
        if inst is None or inst.pk not in self.allowed_ids:
            # Same message for unknown and out-of-scope codes: nothing leaks about other schools.
            raise ValidationError(
                _("no institution with code %(code)s in your organisation") % {"code": value}
            )
        return inst

    def parse_major(self, value: str) -> Major:
        major = self.majors.get(value)
        if major is None:
            raise ValidationError(_("%(code)s is not in the major catalogue") % {"code": value})
        return major

    def clean_row(self, values: dict[str, Any], row: Row) -> dict[str, Any]:
        if not values.get("institution"):
            values["institution"] = self.default_institution
        if "status" in values and not values["status"]:
            values["status"] = OfferingStatus.FILED
        offering_major_matches_institution(institution=values["institution"], major=values["major"])
        self.model_check(row, values)
        return values

    def write(self, rows: list[Row], actor) -> dict[str, int]:
        result = offering_bulk_upsert(
            actor=actor, rows=[r.values for r in rows], scope_action=self.action, message=_("Import")
        )
        return result.counts
