"""Institution import/export (学校标识码 is the natural key)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhijiao.core.importing import Column, Importer, Row, register
from zhijiao.core.importing.bulk import chunked
from zhijiao.core.scoping import restrict
from zhijiao.core.validators import normalize_text

from .choices import InstitutionKind, InstitutionStatus, Ownership
from .models import Institution, Region
from .services import institution_bulk_upsert


@register
class InstitutionImporter(Importer):
    kind = "institutions"
    label = gettext_lazy("Institutions")
    description = gettext_lazy("Schools keyed on the 10-digit institution identifier code.")
    model = Institution
    natural_key = ("code",)
    province_only = True
    columns = [
        Column(
            "code",
            gettext_lazy("Institution code"),
            required=True,
            type="code",
            numeric_digits=10,
            help=gettext_lazy("The 10-digit identifier code issued by the Ministry of Education, as text."),
        ),
        Column("name", gettext_lazy("Institution name"), required=True),
        Column("kind", gettext_lazy("Kind"), required=True, type="choice", choices=InstitutionKind),
        Column("ownership", gettext_lazy("Ownership"), type="choice", choices=Ownership),
        Column(
            "region",
            gettext_lazy("Region"),
            required=True,
            parse="parse_region",
            export=lambda o: o.region.code,
            help=gettext_lazy("The 6-digit division code, or the name of a city or county in the province."),
        ),
        Column("region_name", gettext_lazy("Region name"), export=lambda o: o.region.name, importable=False),
        Column("supervising_authority", gettext_lazy("Supervising authority")),
        Column("status", gettext_lazy("Status"), type="choice", choices=InstitutionStatus),
        Column("address", gettext_lazy("Address")),
        Column("website", gettext_lazy("Website")),
    ]

    def prepare(self, rows, index) -> None:
        regions = list(Region.objects.all())
        self.regions = {r.code: r for r in regions}
        self.regions_by_name: dict[str, list[Region]] = {}
        for r in regions:
            self.regions_by_name.setdefault(r.name, []).append(r)
        self.allowed_region_ids = set(
            restrict(Region.objects.all(), self.actor, self.action).values_list("pk", flat=True)
        )
        # Operating institutions holding the names used in the file (the unique-name rule).
        names = set()
        if "name" in index:
            names = {
                normalize_text(str(cells[index["name"]]))
                for cells in rows
                if index["name"] < len(cells) and cells[index["name"]] is not None
            }
        self.db_names: dict[str, str | None] = {}
        names_list = sorted(names)
        for part in chunked(names_list):
            qs = Institution.objects.filter(name__in=part).exclude(status=InstitutionStatus.CLOSED)
            for name, code in qs.values_list("name", "code"):
                self.db_names[name] = code
        self.file_names: dict[str, int] = {}

    def existing_queryset(self):
        return Institution.objects.only("pk", "code", "status", "region_id")

    @classmethod
    def export_queryset(cls, queryset):
        return queryset.select_related("region")

    def parse_region(self, value: str) -> Region:
        code = value.replace(" ", "")
        if code.isdigit():
            region = self.regions.get(code)
            if region is None:
                raise ValidationError(_("no region with division code %(code)s") % {"code": code})
            return region
        matches = self.regions_by_name.get(value, [])
        if not matches:
            raise ValidationError(_("no region named %(name)s") % {"name": value})
        if len(matches) > 1:
            raise ValidationError(
                _("several regions are named %(name)s; use the division code") % {"name": value}
            )
        return matches[0]

    def clean_row(self, values: dict[str, Any], row: Row) -> dict[str, Any]:
        for key, default in (("ownership", Ownership.PUBLIC), ("status", InstitutionStatus.ACTIVE)):
            if key in values and not values[key]:
                values[key] = default
        self.model_check(row, values)
        return values

    def check_row(self, row: Row) -> None:
        super().check_row(row)
        values = row.values
        if values["region"].pk not in self.allowed_region_ids:
            raise ValidationError(
                {"region": _("%(region)s is outside your organisation") % {"region": values["region"].name}}
            )
        status = values.get("status") or (row.existing.status if row.existing else InstitutionStatus.ACTIVE)
        if status != InstitutionStatus.CLOSED:
            name = values["name"]
            if name in self.file_names:
                raise ValidationError(
                    {"name": _("the same name is used in row %(row)d") % {"row": self.file_names[name]}}
                )
            self.file_names[name] = row.line
            holder = self.db_names.get(name, values["code"])
            if holder != values["code"]:
                raise ValidationError(
                    {
                        "name": _("an operating institution with this name already exists (code %(code)s)")
                        % {"code": holder or "-"}
                    }
                )

    def write(self, rows: list[Row], actor) -> dict[str, int]:
        result = institution_bulk_upsert(
            actor=actor, rows=[r.values for r in rows], scope_action=self.action, message=_("Import")
        )
        return result.counts
