"""What the home page shows of credentials (see core.views.home)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from zhijiao.core.home import Figure, Panel

from . import selectors, services


def panels(*, user, kinds: set[str]) -> list[Panel]:
    out = []
    if kinds & {"province", "city", "school"}:
        counts = selectors.certificate_counts(user=user)
        base = reverse("credentials:certificate_list")
        out.append(
            Panel(
                _("Certificates"),
                [
                    Figure(
                        _("Issued"),
                        counts["by_status"].get("issued", 0),
                        f"{base}?{urlencode({'status': 'issued'})}",
                    ),
                    Figure(
                        _("Published for verification"),
                        counts["published"],
                        f"{base}?{urlencode({'published': 'true'})}",
                    ),
                    Figure(
                        _("Revoked"),
                        counts["by_status"].get("revoked", 0),
                        f"{base}?{urlencode({'status': 'revoked'})}",
                    ),
                ],
                order=40,
            )
        )
    if "person" in kinds:
        certs = list(services.holder_certificates(user).only("number", "kind", "status", "published_at")[:3])
        if certs:
            out.append(
                Panel(
                    _("My certificates"),
                    [Figure(c.get_kind_display(), c.number, reverse("credentials:my")) for c in certs],
                    order=15,
                )
            )
    return out
