"""Roster import/export (新生名册): one column map for both; natural key ID type + ID number.

Validated for the whole file before anything is written: GB 11643 check digit, birth date and
gender against the number, duplicates in the file, at the school and anywhere in the province
(the other school named only as far as the user may see it), the offered major of the school.
Exports mask ID numbers (PIPL), so an export is for reading; new rosters use the template.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from zhijiao.core.importing import Column, Importer, Row, register
from zhijiao.core.importing.bulk import chunked, filter_in
from zhijiao.core.scoping import user_scope
from zhijiao.core.validators import mask_phone, mask_resident_id, normalize_code
from zhijiao.majors.models import InstitutionMajor
from zhijiao.orgs.models import Institution

from . import codelists, rules
from .choices import Gender, IdType, Pathway
from .models import Student
from .services import (
    check_identity,
    institutions_for_students,
    registered_elsewhere_message,
    student_bulk_create,
)


def _cell_code(cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return normalize_code(str(cell)) if cell is not None else ""


def _current(student, attr):
    enrolments = getattr(student, "current_enrolments", None)
    enrolment = enrolments[0] if enrolments else None
    if enrolment is None:
        return ""
    value = enrolment
    for part in attr.split("."):
        value = getattr(value, part, "")
    return value


@register
class StudentImporter(Importer):
    kind = "students"
    label = gettext_lazy("Student roster")
    description = gettext_lazy(
        "New students of a school: identity, offered major, class, pathway, entry date and guardian. "
        "Every ID number is checked; nothing is imported unless the whole file is valid."
    )
    model = Student
    natural_key = ("id_type", "id_number")
    duplicate_column = "id_number"
    columns = [
        Column(
            "institution",
            gettext_lazy("Institution code"),
            required=True,
            type="code",
            numeric_digits=10,
            parse="parse_institution",
            export=lambda o: o.current_institution.code or "",
            help=gettext_lazy("10-digit institution code; school users may leave it out."),
        ),
        Column("name", pgettext_lazy("person", "Name"), required=True, keep_private_use=True),
        Column("gender", gettext_lazy("Gender"), type="choice", choices=Gender),
        Column("id_type", gettext_lazy("ID type"), type="choice", choices=IdType),
        Column(
            "id_number",
            gettext_lazy("ID number"),
            required=True,
            type="code",
            export=lambda o: mask_resident_id(o.id_number),
            help=gettext_lazy("Format the column as Text so a trailing X and all 18 digits are kept."),
        ),
        Column("birth_date", gettext_lazy("Birth date"), type="date"),
        Column(
            "major",
            gettext_lazy("Major code"),
            required=True,
            type="code",
            numeric_digits=6,
            export=lambda o: _current(o, "offering.major.code"),
        ),
        Column(
            "start_year",
            gettext_lazy("Offering start year"),
            type="int",
            export=lambda o: _current(o, "offering.start_year"),
        ),
        Column("class_name", gettext_lazy("Class"), export=lambda o: _current(o, "class_name")),
        Column(
            "study_years",
            gettext_lazy("Length of study (years)"),
            type="int",
            export=lambda o: _current(o, "study_years"),
        ),
        Column(
            "pathway",
            gettext_lazy("Pathway"),
            type="choice",
            choices=Pathway,
            export=lambda o: str(Pathway(_current(o, "pathway")).label) if _current(o, "pathway") else "",
        ),
        Column(
            "entry_date",
            gettext_lazy("Entry date"),
            required=True,
            type="date",
            export=lambda o: _current(o, "entry_date"),
        ),
        Column("guardian_name", gettext_lazy("Guardian name"), keep_private_use=True),
        Column(
            "guardian_phone",
            gettext_lazy("Guardian phone"),
            type="code",
            export=lambda o: mask_phone(o.guardian_phone),
        ),
        Column(
            "registry_number",
            gettext_lazy("Student registry number"),
            type="code",
            help=gettext_lazy("Only for a person who already holds a 学籍号 (reused for life)."),
        ),
        Column(
            "ethnicity",
            gettext_lazy("Ethnic group"),
            parse="parse_ethnicity",
            help=gettext_lazy("GB/T 3304 code (01 …) or name (汉族 …)."),
        ),
        Column(
            "hukou_region",
            gettext_lazy("Household registration (region code)"),
            type="code",
            numeric_digits=6,
            parse="parse_hukou_region",
            help=gettext_lazy("Six-digit GB/T 2260 code."),
        ),
        Column(
            "source_category",
            gettext_lazy("Source category"),
            parse="parse_source_category",
            help=gettext_lazy("Code or name from the source-category list (e.g. 退役军人)."),
        ),
        Column(
            "aid_category",
            gettext_lazy("Student aid eligibility"),
            parse="parse_aid_category",
            help=gettext_lazy("Code or name from the student-aid list."),
        ),
    ]

    def __init__(self, actor):
        super().__init__(actor)
        scope = user_scope(actor)
        own = {g.institution_id for g in scope.grants_for(self.action) if g.institution_id}
        self.default_institution: Institution | None = None
        if len(own) == 1 and not scope.region_paths:
            self.default_institution = Institution.objects.select_related("region").get(pk=next(iter(own)))
        self._messages: dict[int, str] = {}
        self.unchanged_lines = set()

    def column_required(self, column: Column) -> bool:
        if column.key == "institution" and self.default_institution is not None:
            return False
        return column.required

    # --- lookups, a few queries for the whole file -------------------------------------------------
    def prepare(self, rows, index) -> None:
        codes: set[str] = set()
        if "institution" in index:
            i = index["institution"]
            codes = {_cell_code(c[i]) for c in rows if i < len(c)} - {""}
        self.institutions: dict[str, Institution] = {}
        for part in chunked(sorted(codes)):
            for inst in Institution.objects.filter(code__in=part).select_related("region"):
                self.institutions[inst.code] = inst
        allowed = institutions_for_students(self.actor)
        self.allowed_ids = set(
            allowed.filter(pk__in=[i.pk for i in self.institutions.values()]).values_list("pk", flat=True)
        )
        if self.default_institution is not None:
            self.allowed_ids.add(self.default_institution.pk)
        inst_ids = self.allowed_ids
        self.offerings: dict[tuple[int, str], list[InstitutionMajor]] = {}
        for o in (
            InstitutionMajor.objects.filter(institution_id__in=inst_ids)
            .select_related("major")
            .order_by("start_year")
        ):
            self.offerings.setdefault((o.institution_id, o.major.code), []).append(o)

    def parse_institution(self, value: str) -> Institution:
        inst = self.institutions.get(value)
        if inst is None or inst.pk not in self.allowed_ids:
            raise ValidationError(
                _("no institution with code %(code)s in your organisation") % {"code": value}
            )
        return inst

    def parse_ethnicity(self, value: str) -> str:
        return codelists.to_code("ethnicity", value)

    def parse_hukou_region(self, value: str) -> str:
        codelists.validate_region_code(value)
        return value

    def parse_source_category(self, value: str) -> str:
        return codelists.to_code("source_category", value)

    def parse_aid_category(self, value: str) -> str:
        return codelists.to_code("aid_category", value)

    # --- cells -------------------------------------------------------------------------------------
    # Rosters from the national system write 男/女 (data, accepted in every UI language).
    GENDER_ALIASES = {"男": Gender.MALE, "女": Gender.FEMALE, "m": Gender.MALE, "f": Gender.FEMALE}

    def to_choice(self, col: Column, cell: Any) -> str:
        if col.key == "gender" and isinstance(cell, str):
            alias = self.GENDER_ALIASES.get(cell.strip().casefold())
            if alias:
                return alias
        return super().to_choice(col, cell)

    # --- rows --------------------------------------------------------------------------------------
    def clean_row(self, values: dict[str, Any], row: Row) -> dict[str, Any]:
        if not values.get("institution"):
            values["institution"] = self.default_institution
        values["id_type"] = values.get("id_type") or IdType.RESIDENT_ID
        values["id_number"] = check_identity(
            id_type=values["id_type"],
            id_number=values["id_number"],
            birth_date=values.get("birth_date"),
            gender=values.get("gender") or None,
        )
        if values["id_type"] == IdType.RESIDENT_ID:
            n = values["id_number"]
            if not values.get("birth_date"):
                values["birth_date"] = datetime.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
            if not values.get("gender"):
                values["gender"] = Gender.MALE if int(n[16]) % 2 else Gender.FEMALE
        else:
            missing = {
                k: _("is required for this ID type") for k in ("birth_date", "gender") if not values.get(k)
            }
            if missing:
                raise ValidationError(missing)
        values["name_flagged"] = bool(rules.name_private_use(values["name"]))
        if values.get("registry_number"):
            try:
                rules.validate_registry_number(values["registry_number"])
            except ValidationError as exc:
                raise ValidationError({"registry_number": exc.messages})
        values["offering"] = self._offering(values)
        values["pathway"] = values.get("pathway") or Pathway.ORDINARY
        if values.get("study_years") is not None and not 1 <= values["study_years"] <= 8:
            raise ValidationError({"study_years": _("must be between 1 and 8")})
        if values["entry_date"] < values["birth_date"]:
            raise ValidationError({"entry_date": _("is before the birth date")})
        self.model_check(row, {k: values.get(k) for k in ("name", "guardian_name", "guardian_phone")})
        if len(values.get("class_name") or "") > 50:
            raise ValidationError({"class_name": _("is longer than 50 characters")})
        return values

    def _offering(self, values) -> InstitutionMajor:
        inst = values["institution"]
        options = self.offerings.get((inst.pk, values["major"]), [])
        year = values.get("start_year")
        if year:
            match = [o for o in options if o.start_year == year]
        else:
            match = [o for o in options if o.start_year <= values["entry_date"].year][-1:]
        if not match:
            raise ValidationError(
                {
                    "major": _("%(school)s has no offered major %(code)s%(year)s")
                    % {"school": inst.name, "code": values["major"], "year": f" ({year})" if year else ""}
                }
            )
        return match[0]

    def key_of(self, values: dict[str, Any]) -> tuple:
        return (values["id_type"], values["id_number"])

    def _attach_existing(self, rows: list[Row]) -> None:
        # Every school in the province at once: the ID number is unique across the registry.
        numbers = list({r.values["id_number"] for r in rows})
        types = {r.values["id_type"] for r in rows}  # lets the (id_type, id_number) index serve
        found: dict[tuple, Student] = {}
        for qs in filter_in(Student.objects.filter(id_type__in=types), "id_number", numbers):
            for pk, id_type, id_number, inst_id in qs.values_list(
                "pk", "id_type", "id_number", "current_institution_id"
            ):
                found[(id_type, id_number)] = Student(
                    pk=pk, id_type=id_type, id_number=id_number, current_institution_id=inst_id
                )
        for row in rows:
            row.existing = found.get((row.values["id_type"], row.values["id_number"]))
        self._stored = self._stored_rows(
            [r.existing.pk for r in rows if r.existing is not None and self._same_school(r)]
        )
        # 学籍号 are unique too: one already held by someone, or twice in the file, is refused here
        # rather than by the database constraint at write time.
        first_line: dict[str, int] = {}
        self._registry_repeats: dict[int, int] = {}
        for row in rows:
            number = row.values.get("registry_number")
            if number:
                if number in first_line:
                    self._registry_repeats[row.line] = first_line[number]
                else:
                    first_line[number] = row.line
        self._registry_taken: set[str] = set()
        if first_line:
            for qs in filter_in(Student.objects.all(), "registry_number", list(first_line)):
                self._registry_taken.update(qs.values_list("registry_number", flat=True))

    def check_row(self, row: Row) -> None:
        other = row.existing
        if other is None:
            number = row.values.get("registry_number")
            if number and row.line in self._registry_repeats:
                raise ValidationError(
                    {
                        "registry_number": _("duplicates row %(row)d of this file")
                        % {"row": self._registry_repeats[row.line]}
                    }
                )
            if number and number in self._registry_taken:
                raise ValidationError({"registry_number": _("is already held by another student")})
            return
        inst_id = other.current_institution_id
        if inst_id == row.values["institution"].pk:
            if self._stored.get(other.pk) == self._comparable(row.values):
                # The same file again: this row is already stored exactly so (the template promises
                # that a repeated import changes nothing).
                self.unchanged_lines.add(row.line)
                return
            raise ValidationError(
                {
                    "id_number": _(
                        "already registered at this school with other details; change the student's "
                        "record on its page"
                    )
                }
            )
        if inst_id not in self._messages:
            full = Student.objects.select_related("current_institution__region__parent").get(pk=other.pk)
            self._messages[inst_id] = registered_elsewhere_message(actor=self.actor, other=full)
        raise ValidationError({"id_number": self._messages[inst_id]})

    # --- export ------------------------------------------------------------------------------------
    @classmethod
    def export_queryset(cls, queryset):
        return queryset

    @classmethod
    def export_rows(cls, queryset):
        # The selector's prefetch of the current enrolment must survive: iterate in slices.
        qs = cls.export_queryset(queryset)
        columns = cls.export_columns()
        for start in range(0, qs.count(), 2000):
            for obj in qs[start : start + 2000]:
                yield [c.export_value(obj) for c in columns]

    # --- a repeated import ----------------------------------------------------------------------
    #: What a roster row says about a student already registered at the school; equal means the
    #: row is already stored (unchanged), different means a conflicting row.
    COMPARED = (
        "name", "gender", "birth_date", "offering", "class_name", "entry_date", "pathway",
        "study_years", "guardian_name", "guardian_phone", "ethnicity", "hukou_region",
        "source_category", "aid_category",
    )  # fmt: skip

    unchanged_lines: set[int]

    def _same_school(self, row: Row) -> bool:
        return row.existing.current_institution_id == row.values["institution"].pk

    def _comparable(self, values: dict[str, Any]) -> tuple:
        out = []
        for key in self.COMPARED:
            value = values.get(key)
            if key == "offering":
                value = getattr(value, "pk", value)
            elif key == "study_years" and value is None:
                value = 3
            elif value is None:
                value = ""
            out.append(value)
        return tuple(out)

    def _stored_rows(self, pks: list[int]) -> dict[int, tuple]:
        """The compared values of students already at the row's school, with their current enrolment."""
        self.unchanged_lines = set()
        stored: dict[int, tuple] = {}
        if not pks:
            return stored
        from .models import Enrolment

        fields = (
            "student_id", "student__name", "student__gender", "student__birth_date", "offering_id",
            "class_name", "entry_date", "pathway", "study_years", "student__guardian_name",
            "student__guardian_phone", "student__ethnicity", "student__hukou_region",
            "student__source_category", "student__aid_category",
        )  # fmt: skip
        for part in chunked(pks):
            for pk, *values in Enrolment.objects.filter(student_id__in=part, is_current=True).values_list(
                *fields
            ):
                stored[pk] = tuple(values)
        return stored

    def write(self, rows: list[Row], actor) -> dict[str, int]:
        new = [r.values for r in rows if r.line not in self.unchanged_lines]
        counts = student_bulk_create(actor=actor, rows=new, message=_("Import"))
        counts["unchanged"] = len(rows) - len(new)
        return counts


@register
class NationalRosterImporter(StudentImporter):
    """The national 中职学籍 system's student export, read through the format file's ``import`` section
    (``students/exchange/national_zz.v<N>.yaml``): its headers are mapped to the roster's columns, its
    coded words (证件类型 …) to the platform's codes, and the columns the platform derives are skipped.
    Everything else — check digits, duplicates, offered majors, all-or-nothing — is the roster's."""

    kind = "students_national"
    label = gettext_lazy("Student roster from the national registry system")
    description = gettext_lazy(
        "The student export of the national secondary vocational registry system, as it comes: its "
        "column names are mapped by the platform's format file. The roster template's headers work too."
    )

    def __init__(self, actor):
        super().__init__(actor)
        from . import exchange

        self.layout = exchange.layout("national_zz")

    def _map_headers(self, headers: list[Any]) -> dict:
        from zhijiao.core.importing.base import _header_key

        aliases = {_header_key(h): key for h, key in self.layout.import_columns.items()}
        ignored = {_header_key(h) for h in self.layout.import_ignore}
        self.ignored_indexes = set()
        translated: list[Any] = []
        for idx, header in enumerate(headers):
            key = _header_key(header) if header is not None else ""
            if key in ignored:
                translated.append(None)
                self.ignored_indexes.add(idx)
            elif key in aliases:
                translated.append(self.column(aliases[key]).header())
            else:
                translated.append(header)
        return super()._map_headers(translated)

    def to_choice(self, col: Column, cell: Any) -> str:
        words = self.layout.import_values.get(col.key)
        if words and isinstance(cell, str) and cell.strip() in words:
            return words[cell.strip()]
        return super().to_choice(col, cell)

    def to_date(self, col: Column, cell: Any) -> datetime.date | None:
        # 入学年月 comes as a year and month (202309, 2023-09, 2023年9月): the first of the month.
        if isinstance(cell, (int, float)) and float(cell).is_integer() and 190001 <= int(cell) <= 210012:
            cell = str(int(cell))
        if isinstance(cell, str):
            m = re.match(r"^(\d{4})(?:[-/.年](\d{1,2})月?|(\d{2}))$", normalize_code(cell))
            if m:
                month = int(m[2] or m[3])
                if 1 <= month <= 12:
                    return datetime.date(int(m[1]), month, 1)
        return super().to_date(col, cell)
