"""System checks of what the code assumes about the data (``manage.py check --database default``;
``migrate`` runs them too), registered in ``CoreConfig.ready``.

``SCOPE_ONE_PROVINCE`` lets a grant at the province's root select every row without a condition
(``core.scoping``): true only while the region table has one root. A second root — another
province loaded beside Shandong — would put its rows in the first province's lists.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error
from django.db import DatabaseError


def one_province_root(app_configs=None, databases=None, **kwargs) -> list[Error]:
    if not settings.SCOPE_ONE_PROVINCE or not databases:
        return []
    from zhijiao.orgs.models import Region

    found = []
    for alias in databases:
        try:
            roots = list(
                Region.objects.using(alias).filter(parent__isnull=True).values_list("path", flat=True)[:5]
            )
        except DatabaseError:  # not migrated yet: nothing to check
            continue
        if len(roots) > 1:
            found.append(
                Error(
                    f"The region table of database {alias!r} has more than one root ({', '.join(roots)}), "
                    "but SCOPE_ONE_PROVINCE is on: a grant at one root would select every province's rows.",
                    hint="Set SCOPE_ONE_PROVINCE=0, or keep one province's regions.",
                    id="zhijiao.E001",
                )
            )
    return found
