import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import ApprovalRequest
from .registry import all_kinds


def kind_label(value) -> str:
    kind = all_kinds().get(value)
    return str(kind.label) if kind else value


class ApprovalRequestTable(tables.Table):
    title = tables.Column(linkify=True)
    kind = tables.Column(verbose_name=_("kind"))
    institution = tables.Column(order_by=("institution__name",))
    current_step = tables.Column(verbose_name=_("current step"))
    submitted_at = tables.DateTimeColumn(format="Y-m-d H:i")

    class Meta:
        model = ApprovalRequest
        fields = ("title", "kind", "institution", "status", "current_step", "submitted_at")
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("Nothing awaits a decision.")

    def render_kind(self, value):
        return kind_label(value)
