"""How a stored value is shown to a person: one Chinese display layer for every page, export and PDF.

- a choice by its label (``secondary`` → 中职), a boolean as 是/否;
- a date as ``2026-12-05``, a date-time as ``2026-12-05 14:03`` in Beijing time (``config/formats``),
  whether it is a ``datetime`` or the ISO text an audit snapshot holds;
- a model by its verbose name (``accounts.user`` → 用户), a role code by its label;
- the actor of a write with no user (``system``) as 系统, and the messages written in English
  (``Demo data``) in the reader's language;
- a foreign key by the name of what it points to.

Pages use the template filters of ``core.templatetags.zhijiao_ui`` (``shown``, ``when``, ``day``,
``model_name``, ``actor``, ``audit_message``); code calls these functions.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _

_QUERY = re.compile(r"[\w.%+-]+=[^\s&]*(&[\w.%+-]+=[^\s&]*)*")
#: The actor name stored for writes made without a signed-in user (loaders, jobs, the command line).
SYSTEM_ACTOR = "system"
EMPTY = "—"


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("Yes") if value else _("No")


def _as_datetime(value) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError:
            return None
    return None


def when(value) -> str:
    """A moment in Beijing time: ``2026-12-05 14:03`` (a datetime or its ISO text; else as given)."""
    moment = _as_datetime(value)
    if moment is None:
        return "" if value in (None, "") else force_str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def day(value) -> str:
    """A calendar day: ``2026-12-05`` (a date, a datetime in Beijing time, or their ISO text)."""
    if isinstance(value, datetime.datetime) or (isinstance(value, str) and "T" in value):
        moment = _as_datetime(value)
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment.date(), "DATE_FORMAT")
    if isinstance(value, str):
        try:
            value = parse_date(value) or value
        except ValueError:
            pass
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    return "" if value in (None, "") else force_str(value)


def model_name(label: str) -> str:
    """``app_label.model`` (as the audit log stores it) → the model's verbose name; unknown stays."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    return capfirst(model._meta.verbose_name)


def role_name(code: str) -> str:
    from zhijiao.accounts.choices import Role

    try:
        return str(Role(code).label)
    except ValueError:
        return code


def actor_name(name: str) -> str:
    """Who wrote: a username as it is; the system's own writes as 系统, a named system actor
    (``core.actors``) by its display name (系统（每日巡检）)."""
    if not name or name == SYSTEM_ACTOR:
        return _("System")
    from .actors import display_name

    return display_name(name) or name


def message(text: str):
    """An audit message; those written as an English source string are shown translated. An
    export's message is the page's filter (``sort=name&status=filed``): shown as code, untranslated."""
    if not text:
        return ""
    if _QUERY.fullmatch(text):
        return format_html('<code translate="no">{}</code>', text)
    return _(text)


def shown(obj: Any) -> Any:
    """A plain Python value for display: booleans, dates, times, decimals, lists; others unchanged."""
    if isinstance(obj, bool):
        return yes_no(obj)
    if isinstance(obj, datetime.datetime):
        return when(obj)
    if isinstance(obj, datetime.date):
        return day(obj)
    if isinstance(obj, datetime.time):
        return formats.time_format(obj, "TIME_FORMAT")
    if isinstance(obj, Decimal):
        return formats.number_format(obj)
    if isinstance(obj, (list, tuple, set)):
        return "、".join(force_str(shown(v)) for v in obj if v not in (None, ""))
    if isinstance(obj, Promise):
        return force_str(obj)
    return obj


def field_value(field: models.Field | None, stored: Any, related: dict | None = None) -> Any:
    """A model field's value for display, from the instance or from an audit snapshot (JSON).

    ``related`` maps a related model to ``{pk: instance}`` for foreign keys given as ids.
    """
    if stored is None or stored == "":
        return stored
    if field is None:
        return shown(stored)
    # A model may say how a structured value reads (``display_<field>(value)``, e.g. a checklist).
    hook = getattr(getattr(field, "model", None), f"display_{field.name}", None)
    if callable(hook):
        return hook(stored)
    if getattr(field, "choices", None):
        labels = dict(field.flatchoices)
        if isinstance(stored, (list, tuple)):
            return "、".join(force_str(labels.get(v, v)) for v in stored)
        return force_str(labels.get(stored, stored))
    if field.is_relation and (field.many_to_one or field.one_to_one):
        if isinstance(stored, models.Model):
            return stored
        found = (related or {}).get(field.related_model, {}).get(stored)
        if found is None and related is None:
            found = field.related_model._default_manager.filter(pk=stored).first()
        return (
            found
            if found is not None
            else _("(deleted: %(model)s %(id)s)")
            % {
                "model": field.related_model._meta.verbose_name,
                "id": stored,
            }
        )
    if isinstance(field, models.BooleanField):
        return yes_no(bool(stored)) if not isinstance(stored, str) else yes_no(stored.lower() == "true")
    if isinstance(field, models.DateTimeField):
        return when(stored)
    if isinstance(field, models.DateField):
        return day(stored)
    return shown(stored)


def blank(obj: Any) -> Any:
    return EMPTY if obj is None or obj == "" else obj
