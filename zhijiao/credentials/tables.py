import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Certificate


class CertificateTable(tables.Table):
    # Sortable columns each read a (column, id) index (credentials migration 0002); kind and status
    # are filters, the print count is not worth an index.
    number = tables.Column(linkify=True)
    holder_name = tables.Column(linkify=True)
    kind = tables.Column(orderable=False)
    status = tables.Column(orderable=False)
    print_count = tables.Column(orderable=False)
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
