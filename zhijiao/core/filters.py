"""Filters shared by every filterset (pages and API alike)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _


class YesNoSelect(forms.NullBooleanSelect):
    """全部 / 是 / 否: a yes/no filter starts at "all" (Django's own select starts at "unknown")."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("All")), ("true", _("Yes")), ("false", _("No"))]

    def format_value(self, value):
        return {
            True: "true",
            False: "false",
            "true": "true",
            "false": "false",
            "True": "true",
            "False": "false",
        }.get(value, "")


class YesNoFilter(django_filters.BooleanFilter):
    """The yes/no filter of every list: 全部 by default, 是 or 否; the API reads true/false as before."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", YesNoSelect)
        super().__init__(*args, **kwargs)
