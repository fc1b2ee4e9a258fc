"""Search-as-you-type sources of the work-plan forms (core.autocomplete)."""

from __future__ import annotations

from zhijiao.core.autocomplete import ChoiceSource, register

from .forms import assign_institutions, forum_hosts

register(
    ChoiceSource(
        name="workplan.assign-institutions",
        rows=lambda user: assign_institutions(user),
        search=("name", "code"),
        prefix=("code",),
    )
)
register(
    ChoiceSource(
        name="workplan.forum-hosts",
        rows=lambda user: forum_hosts(user),
        search=("name", "code"),
        prefix=("code",),
    )
)
