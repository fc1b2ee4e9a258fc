"""The home page: the user's province, city or school at a glance."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.views import View

from zhijiao.core.audit import actor_org_label
from zhijiao.core.home import home_panels
from zhijiao.enterprises.selectors import enterprise_list
from zhijiao.majors.choices import MajorLevel
from zhijiao.majors.selectors import major_list, offering_counts_by_category, offering_list
from zhijiao.orgs.choices import InstitutionKind
from zhijiao.orgs.selectors import institution_counts_by_city, institution_list


def institutions_by_city(rows: list[dict]) -> dict:
    """Pivot (city, kind, n) rows into a table and the series of a stacked bar chart."""
    kinds = [k for k in InstitutionKind if any(r["kind"] == k for r in rows)]
    cities: dict[str, dict] = {}
    for r in rows:
        city = cities.setdefault(r["city_code"], {"name": r["city_name"], "counts": {}})
        city["counts"][r["kind"]] = city["counts"].get(r["kind"], 0) + r["n"]
    table = [
        {
            "code": code,
            "name": c["name"],
            "counts": [c["counts"].get(k, 0) for k in kinds],
            "total": sum(c["counts"].values()),
        }
        for code, c in sorted(cities.items())
    ]
    return {
        "kinds": [str(k.label) for k in kinds],
        "rows": table,
        "totals": [sum(r["counts"][i] for r in table) for i in range(len(kinds))],
        "chart": {
            "categories": [r["name"] for r in table],
            "series": [
                {"name": str(k.label), "data": [r["counts"][i] for r in table]} for i, k in enumerate(kinds)
            ],
        },
    }


def offerings_by_category(rows: list[dict]) -> dict:
    levels = [lv for lv in MajorLevel if any(r["level"] == lv for r in rows)]
    categories: dict[str, dict] = {}
    for r in rows:
        cat = categories.setdefault(r["category_name"], {"name": r["category_name"], "counts": {}})
        cat["counts"][r["level"]] = cat["counts"].get(r["level"], 0) + r["n"]
    table = [
        {
            "name": name,
            "counts": [c["counts"].get(lv, 0) for lv in levels],
            "total": sum(c["counts"].values()),
        }
        for name, c in sorted(categories.items(), key=lambda item: -sum(item[1]["counts"].values()))
    ]
    return {
        "levels": [str(lv.label) for lv in levels],
        "rows": table,
        "chart": {
            "categories": [r["name"] for r in table],
            "series": [
                {"name": str(lv.label), "data": [r["counts"][i] for r in table]}
                for i, lv in enumerate(levels)
            ],
        },
    }


class HomeView(LoginRequiredMixin, View):
    """Every kind of user sees their own work: the province its figures, a city its schools, a school
    its students, plans, placements and approvals, an enterprise its posts and interns, a student
    their record, certificate and internship (``core.home``: the apps' panels)."""

    template_name = "core/home.html"

    def get(self, request):
        user = request.user
        kinds, panels = home_panels(user)
        context = {"scope_label": actor_org_label(user), "panels": panels, "kinds": sorted(kinds)}
        if kinds & {"province", "city"}:
            by_city = institutions_by_city(institution_counts_by_city(user=user))
            by_category = offerings_by_category(offering_counts_by_category(user=user))
            context.update(
                show_overview=True,
                counts={
                    "institutions": institution_list(user=user).count(),
                    "offerings": offering_list(user=user).count(),
                    "enterprises": enterprise_list(user=user).count(),
                    "majors": major_list(user=user).count(),
                },
                by_city=by_city,
                by_category=by_category,
                chart_by_city=by_city["chart"],
                chart_by_category=by_category["chart"],
            )
        elif "school" in kinds:
            by_category = offerings_by_category(offering_counts_by_category(user=user))
            context.update(by_category=by_category, chart_by_category=by_category["chart"])
        return render(request, self.template_name, context)
