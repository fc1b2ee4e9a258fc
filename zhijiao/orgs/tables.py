import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Institution, Region


class RegionTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    parent = tables.Column(verbose_name=_("parent region"), order_by=("parent__code",))

    class Meta:
        model = Region
        fields = ("code", "name", "level", "parent")
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No regions match.")


class InstitutionTable(tables.Table):
    name = tables.Column(linkify=True)
    region = tables.Column(order_by=("region__code",))
    city = tables.Column(verbose_name=_("City"), accessor="region__city", orderable=False)

    class Meta:
        model = Institution
        fields = ("code", "name", "kind", "ownership", "city", "region", "supervising_authority", "status")
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No institutions match.")
