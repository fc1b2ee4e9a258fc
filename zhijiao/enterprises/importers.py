"""Enterprise import/export (统一社会信用代码 is the natural key)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhijiao.core.importing import Column, Importer, Row, register
from zhijiao.core.scoping import restrict
from zhijiao.core.validators import mask_phone, validate_uscc
from zhijiao.orgs.models import Region

from .choices import Industry
from .models import Enterprise
from .services import enterprise_bulk_upsert


def _region_code(obj) -> str:
    return obj.region.code


def _masked_phone(obj) -> str:
    # Exports never carry full phone numbers (PIPL); re-importing the mask keeps the stored number.
    return mask_phone(obj.contact_phone) if obj.contact_phone else ""


@register
class EnterpriseImporter(Importer):
    kind = "enterprises"
    label = gettext_lazy("Enterprises")
    description = gettext_lazy("Enterprises keyed on the unified social credit code.")
    model = Enterprise
    natural_key = ("credit_code",)
    province_only = True
    columns = [
        Column(
            "credit_code",
            gettext_lazy("Unified social credit code"),
            required=True,
            type="code",
            parse="parse_credit_code",
            checked=True,
            help=gettext_lazy("18 characters, as text (GB 32100)."),
        ),
        Column("name", gettext_lazy("Enterprise name"), required=True),
        Column(
            "industry",
            gettext_lazy("Industry"),
            required=True,
            type="choice",
            choices=Industry,
            help=gettext_lazy("The GB/T 4754 section letter (A–T) or its name."),
        ),
        Column(
            "region",
            gettext_lazy("Region (division code)"),
            required=True,
            type="code",
            numeric_digits=6,
            parse="parse_region",
            export=_region_code,
            help=gettext_lazy("6-digit GB/T 2260 code."),
        ),
        Column("region_name", gettext_lazy("Region name"), export=lambda o: o.region.name, importable=False),
        Column("headcount", gettext_lazy("Headcount"), type="int"),
        Column("contact_name", gettext_lazy("Contact person")),
        Column(
            "contact_phone",
            gettext_lazy("Contact phone"),
            type="code",
            numeric_digits=11,
            export=_masked_phone,
        ),
        Column("address", gettext_lazy("Address")),
    ]

    def prepare(self, rows, index) -> None:
        regions = list(Region.objects.all())
        self.regions = {r.code: r for r in regions}
        self.allowed_region_ids = set(
            restrict(Region.objects.all(), self.actor, self.action).values_list("pk", flat=True)
        )

    def existing_queryset(self):
        return Enterprise.objects.only("pk", "credit_code", "contact_phone", "region_id")

    @classmethod
    def export_queryset(cls, queryset):
        return queryset.select_related("region")

    def parse_credit_code(self, value: str) -> str:
        validate_uscc(value)
        return value

    def parse_region(self, value: str) -> Region:
        region = self.regions.get(value)
        if region is None:
            raise ValidationError(_("no region with division code %(code)s") % {"code": value})
        return region

    def clean_row(self, values: dict[str, Any], row: Row) -> dict[str, Any]:
        if values.get("headcount") is None and "headcount" in values:
            values["headcount"] = 0
        if (values.get("headcount") or 0) < 0:
            raise ValidationError({"headcount": _("must not be negative")})
        phone = values.get("contact_phone") or ""
        self.model_check(row, values, exclude={"contact_phone"} if "*" in phone else ())
        return values

    def check_row(self, row: Row) -> None:
        super().check_row(row)
        values = row.values
        if values["region"].pk not in self.allowed_region_ids:
            raise ValidationError(
                {"region": _("%(region)s is outside your organisation") % {"region": values["region"].name}}
            )
        phone = values.get("contact_phone") or ""
        if "*" in phone:
            stored = row.existing.contact_phone if row.existing is not None else ""
            if stored and mask_phone(stored) == phone:
                values["contact_phone"] = stored
            else:
                raise ValidationError({"contact_phone": _("is masked; type the full phone number")})

    def write(self, rows: list[Row], actor) -> dict[str, int]:
        result = enterprise_bulk_upsert(
            actor=actor, rows=[r.values for r in rows], scope_action=self.action, message=_("Import")
        )
        return result.counts
