import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import InstitutionMajor, Major


class MajorTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    category = tables.Column(
        verbose_name=_("major category"),
        accessor="major_class__category",
        order_by=("major_class__category__code",),
    )
    major_class = tables.Column(order_by=("major_class__code",))
    is_controlled = tables.BooleanColumn(yesno=("K", ""))

    class Meta:
        model = Major
        fields = ("code", "name", "level", "category", "major_class", "is_controlled", "catalogue_version")
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No majors match.")


class OfferingTable(tables.Table):
    institution = tables.Column(linkify=True, order_by=("institution__name",))
    major_code = tables.Column(verbose_name=_("major code"), accessor="major__code")
    major = tables.Column(
        verbose_name=_("major name"), accessor="major__name", linkify=lambda record: record.get_absolute_url()
    )
    level = tables.Column(
        verbose_name=_("level"), accessor="major__get_level_display", order_by=("major__level",)
    )
    category = tables.Column(
        verbose_name=_("major category"),
        accessor="major__major_class__category__name",
        order_by=("major__major_class__category__code",),
    )

    class Meta:
        model = InstitutionMajor
        fields = ("institution", "major_code", "major", "level", "category", "start_year", "status")
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No offered majors match.")
