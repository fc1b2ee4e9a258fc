import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Certificate


class CertificateTable(tables.Table):
    number = tables.Column(linkify=True)
    holder_name = tables.Column(linkify=True)
    published_at = tables.DateTimeColumn(format="Y-m-d", verbose_name=_("published"))

    class Meta:
        model = Certificate
        fields = (
            "number",
            "holder_name",
            "kind",
            "institution_name",
            "class_name",
            "major_name",
            "graduation_date",
            "status",
            "published_at",
            "print_count",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No certificates match.")
