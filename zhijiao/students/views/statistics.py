"""学籍 statistics: current enrolments by region, school, major or grade and status, in the user's
scope, from the maintained tallies (selectors.registry_statistics), with an XLSX download."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.audit import audit_record
from zhijiao.core.models import AuditAction
from zhijiao.core.views.generic import actor_scope_path

from .. import selectors

DIMENSIONS = {
    "region": gettext_lazy("Region"),
    "school": gettext_lazy("School"),
    "major": gettext_lazy("Major"),
    "grade": gettext_lazy("Grade (cohort)"),
}


class RegistryStatisticsView(LoginRequiredMixin, View):
    template_name = "students/statistics.html"

    def get(self, request):
        by = request.GET.get("by", "region")
        if by not in DIMENSIONS:
            by = "region"
        stats = selectors.registry_statistics(user=request.user, by=by)
        if request.GET.get("export") == "xlsx":
            return self.export(stats, by)
        return render(
            request,
            self.template_name,
            {
                "title": _("Registry statistics"),
                "by": by,
                "dimensions": [(k, str(v)) for k, v in DIMENSIONS.items()],
                "dimension_label": DIMENSIONS[by],
                "stats": stats,
            },
        )

    def export(self, stats, by):
        from zhijiao.core import exports

        headers = [str(DIMENSIONS[by]), *[label for _c, label in stats["statuses"]], _("Total")]
        rows = [[label, *cells, total] for label, cells, total in stats["rows"]]
        rows.append([_("Total"), *stats["totals"], stats["total"]])
        filename = _("Registry statistics by %(dimension)s") % {"dimension": DIMENSIONS[by]}
        response = exports.file_response(
            fmt="xlsx", filename=filename, headers=headers, rows=rows, fallback=f"registry-statistics-{by}"
        )
        audit_record(
            actor=self.request.user,
            action=AuditAction.EXPORT,
            object_type="students.enrolment",
            object_repr=filename,
            scope_path=actor_scope_path(self.request.user),
        )
        return response
