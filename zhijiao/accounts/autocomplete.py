"""Search-as-you-type sources of the role forms: where a manager may grant a school or enterprise role."""

from __future__ import annotations

from zhijiao.core.autocomplete import ChoiceSource, register
from zhijiao.orgs.selectors import institution_list

from .selectors import enterprise_node_list

register(
    ChoiceSource(
        name="accounts.institutions",
        rows=lambda user: institution_list(user=user).order_by("name"),
        search=("name", "code"),
        prefix=("code",),
    )
)
register(
    ChoiceSource(
        name="accounts.enterprises",
        rows=lambda user: enterprise_node_list(user=user).order_by("name"),
        search=("name", "credit_code"),
        prefix=("credit_code",),
    )
)
