import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from zhijiao.core.validators import mask_phone

from .models import Enterprise


class EnterpriseTable(tables.Table):
    name = tables.Column(linkify=True)
    region = tables.Column(order_by=("region__code",))
    city = tables.Column(verbose_name=_("City"), accessor="region__city", orderable=False)
    contact_phone = tables.Column()

    class Meta:
        model = Enterprise
        fields = (
            "credit_code",
            "name",
            "industry",
            "city",
            "region",
            "headcount",
            "contact_name",
            "contact_phone",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No enterprises match.")

    def render_contact_phone(self, value):
        return mask_phone(value)

    def value_contact_phone(self, value):
        return mask_phone(value)
