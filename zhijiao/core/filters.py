"""The base of every filterset (pages and API alike) and the filters they share.

``FilterSet`` fixes two things once for the whole project:
- yes/no filters (``BooleanField``s in ``Meta.fields`` and declared ``YesNoFilter``s) start at 全部;
- labels django-filter makes up from a field's verbose name stay lazy. django-filter computes such a
  label once and keeps it, in whatever language was active (an API schema built in English froze
  "Escalation level" onto the Chinese pages); here it is translated each time it is shown.
"""

import django_filters
from django import forms
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.utils import label_for_filter

_lazy_label = lazy(label_for_filter, str)


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


class FilterSet(django_filters.FilterSet):
    """What every filterset of the project derives from (a test checks that they do)."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.BooleanField: {"filter_class": YesNoFilter},
    }

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        model = cls._meta.model
        for f in filters.values():
            if f._label is None and model is not None:
                f.label = _lazy_label(model, f.field_name, f.lookup_expr, f.exclude)
        return filters


#: Years a filter accepts. Outside them Python's ``date`` cannot be built (``year=0`` made the
#: ``__year`` lookup fail with "year 0 is out of range", a 500), and no record is that old or new.
YEAR_MIN, YEAR_MAX = 1900, 2200


class YearFilter(django_filters.NumberFilter):
    """A calendar year: a whole number from ``YEAR_MIN`` to ``YEAR_MAX``; anything else is a field
    error (400 in the API, ignored with a message on the pages), never a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", YEAR_MIN)
        kwargs.setdefault("max_value", YEAR_MAX)
        super().__init__(*args, **kwargs)
