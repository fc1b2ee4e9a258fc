"""Search-as-you-type sources of the offered-major form (core.autocomplete)."""

from __future__ import annotations

from zhijiao.core.autocomplete import ChoiceSource, register

from .forms import catalogue_majors, institutions_for_offerings


def major_label(major) -> str:
    return f"{major.name}（{major.code}）· {major.get_level_display()}"


register(
    ChoiceSource(
        name="majors.offering-institutions",
        rows=lambda user: institutions_for_offerings(user),
        search=("name", "code"),
        prefix=("code",),
    )
)
register(
    ChoiceSource(
        name="majors.catalogue",
        rows=lambda user: catalogue_majors(user),
        search=("name", "code"),
        prefix=("code",),
        label=major_label,
    )
)
