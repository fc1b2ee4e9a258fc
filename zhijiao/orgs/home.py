"""What the home page shows of the organisation tree: the province's and cities' overview."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zhijiao.core.home import OVERVIEW, OVERVIEW_ORDER, Figure, Panel

from .choices import InstitutionKind
from .selectors import institution_counts_by_city, institution_list


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


def panels(*, user, kinds: set[str]) -> list[Panel]:
    if not kinds & {"province", "city"}:
        return []
    by_city = institutions_by_city(institution_counts_by_city(user=user))
    count = institution_list(user=user).count()
    return [
        Panel(
            "",
            [
                Figure(
                    _("Institutions"),
                    count,
                    reverse("orgs:institution_list"),
                    order=10,
                )
            ],
            order=OVERVIEW_ORDER,
            key=OVERVIEW,
            template="core/home_overview.html",
        ),
        Panel(
            _("Institutions by city and kind"),
            order=OVERVIEW_ORDER + 1,
            template="orgs/home_by_city.html",
            context={"by_city": by_city, "institutions": count},
        ),
    ]
