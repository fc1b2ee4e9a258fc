"""Filters shared by the pages' and the API's filtersets."""

from __future__ import annotations

import django_filters
from django import forms

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
