"""Messages of the frameworks (Django, DRF, django-filter) that their own zh_Hans catalogues lack.

Django, DRF and django-filter ship Chinese catalogues, which the platform uses; a few messages of
the installed versions are missing from them (Django 5.2 changed the minimum-length message's
placeholder, for instance) and would reach the Chinese UI in English. Naming them here puts them in
our catalogue (``make messages``), where they are translated; ``tests/security/test_framework_i18n.py``
fails when a new gap appears. Messages that the frameworks build without gettext (DRF's "CSRF
Failed: …", "JSON parse error - …") are replaced by ``core.api.exceptions`` instead.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

MESSAGES = [
    # django.contrib.auth.password_validation.MinimumLengthValidator (Django 5.2)
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
    ),
    # rest_framework.fields
    gettext_noop("A valid biginteger is required."),
    gettext_noop("Integer value too large to convert to float"),
    # django_filters
    gettext_noop("Yesterday"),
    gettext_noop("Multiple values may be separated by commas."),
    gettext_noop("%s (descending)"),
    gettext_noop("Select a lookup."),
    gettext_noop("Range query expects two values."),
]
