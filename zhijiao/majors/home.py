"""What the home page shows of majors: offered majors by category, and the expert's place."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zhijiao.core.home import OVERVIEW, OVERVIEW_ORDER, Figure, Panel

from .choices import MajorLevel
from .selectors import major_list, offering_counts_by_category, offering_list


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


def panels(*, user, kinds: set[str]) -> list[Panel]:
    out = []
    if kinds & {"province", "city"}:
        out.append(
            Panel(
                "",
                [
                    Figure(
                        _("Offered majors"),
                        offering_list(user=user).count(),
                        reverse("majors:offering_list"),
                        order=20,
                    ),
                    Figure(
                        _("Majors in the catalogue"),
                        major_list(user=user).count(),
                        reverse("majors:major_list"),
                        order=40,
                    ),
                ],
                order=OVERVIEW_ORDER,
                key=OVERVIEW,
                template="core/home_overview.html",
            )
        )
    if kinds & {"province", "city", "school"}:
        out.append(
            Panel(
                _("Offered majors by major category"),
                order=OVERVIEW_ORDER + 2,
                template="majors/home_by_category.html",
                context={"by_category": offerings_by_category(offering_counts_by_category(user=user))},
            )
        )
    if "expert" in kinds:
        out.append(
            Panel(
                _("Reference data"),
                [
                    Figure(_("Major catalogue"), _("Browse"), reverse("majors:major_list")),
                    Figure(_("Regions"), _("Browse"), reverse("orgs:region_list")),
                ],
                order=6,
            )
        )
    return out
