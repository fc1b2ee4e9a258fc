"""The home page: the user's province, city or school at a glance (the apps' panels, ``core.home``)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.views import View

from zhijiao.core.audit import actor_org_label
from zhijiao.core.home import home_panels


class HomeView(LoginRequiredMixin, View):
    """Every kind of user sees their own work: the province its figures, a city its schools, a school
    its students, plans, placements and approvals, an enterprise its posts and interns, a student
    their record, certificate and internship (``core.home``: the apps' panels)."""

    template_name = "core/home.html"

    def get(self, request):
        user = request.user
        kinds, panels = home_panels(user)
        context = {
            "scope_label": actor_org_label(user),
            "panels": panels,
            "kinds": sorted(kinds),
            # A panel drawn by its own template may hold a chart (data-chart): load ECharts then.
            "charts": any(p.template and p.context for p in panels),
        }
        return render(request, self.template_name, context)
