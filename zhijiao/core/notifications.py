"""Notifications: one service for every app's messages to people.

``notify(users, kind, title, body, link)`` writes each user's message on the channels that user wants
for that kind:

- ``site``: the in-site inbox (``core.Notification``; always kept, it is the record);
- ``email``: at once, through Django's email backend (``EMAIL_BACKEND``), to users with an address;
- ``sms``: through the SMS backend (``NOTIFICATIONS_SMS_BACKEND``, a dotted path; the demo's
  ``LoggingSmsBackend`` only logs; ``HttpSmsBackend`` is a provider posting to an SMS gateway);
- ``digest``: once a day, all of a user's digest messages in one email (``send_daily_digests``).

Kinds come from the apps: ``AppConfig.notification_kinds`` is a TextChoices class (or a dotted path
to one, or an iterable of ``Kind``); each kind has default channels, which a user changes per kind and
channel on their preferences page (``NotificationPreference`` rows; absent means the default).
Side effects (mail, SMS) run after the transaction commits and never lose the in-site message.
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

SITE, EMAIL, SMS, DIGEST = "site", "email", "sms", "digest"
CHANNELS = {
    SITE: gettext_lazy("In the site"),
    EMAIL: gettext_lazy("Email"),
    SMS: gettext_lazy("SMS"),
    DIGEST: gettext_lazy("Daily digest"),
}
DEFAULT_CHANNELS = frozenset({SITE, EMAIL})


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    app: str = ""
    channels: frozenset[str] = DEFAULT_CHANNELS  # on unless the user turns them off


# --- kinds from the apps ---------------------------------------------------------------------------
def _kinds_of(cfg) -> list[Kind]:
    declared = getattr(cfg, "notification_kinds", None)
    if not declared:
        return []
    if isinstance(declared, str):
        declared = import_string(declared)
    if hasattr(declared, "choices"):  # a TextChoices class
        declared = [(value, label) for value, label in declared.choices]
    out = []
    for item in declared:
        if isinstance(item, Kind):
            out.append(item)
        else:
            code, label = item
            out.append(Kind(code, label, cfg.label))
    return out


@functools.cache
def kinds() -> dict[str, Kind]:
    """Every kind of message the installed apps send, by code (read once per process)."""
    from django.apps import apps

    found: dict[str, Kind] = {}
    for cfg in apps.get_app_configs():
        for kind in _kinds_of(cfg):
            if kind.code in found and found[kind.code] != kind:
                raise ValueError(f"notification kind {kind.code} is declared twice")
            found[kind.code] = kind
    return found


def kind_label(code: str) -> str:
    kind = kinds().get(code)
    return str(kind.label) if kind else code


# --- preferences --------------------------------------------------------------------------------------
def preferences(user) -> dict[tuple[str, str], bool]:
    """(kind, channel) → on/off for every kind and channel, the user's choices over the defaults."""
    from .models import NotificationPreference

    chosen = {
        (kind, channel): enabled
        for kind, channel, enabled in NotificationPreference.objects.filter(user=user).values_list(
            "kind", "channel", "enabled"
        )
    }
    return {
        (code, channel): chosen.get((code, channel), channel in kind.channels)
        for code, kind in kinds().items()
        for channel in CHANNELS
    }


@transaction.atomic
def preferences_update(*, actor, user, choices: dict[tuple[str, str], bool]) -> int:
    """Set ``user``'s choices (only the user may change their own); returns how many changed."""
    from django.core.exceptions import PermissionDenied

    from .audit import AuditAction, audit_record
    from .models import NotificationPreference

    if actor.pk != user.pk:
        raise PermissionDenied(_("Only the user chooses how they are notified."))
    current = preferences(user)
    known = kinds()
    changed = {
        key: bool(on)
        for key, on in choices.items()
        if key in current and current[key] != bool(on) and key[0] in known
    }
    for (kind, channel), on in changed.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, channel=channel, defaults={"enabled": on}
        )
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="core.notificationpreference",
            object_id=str(user.pk),
            object_repr=str(user),
            message=", ".join(f"{k}/{c}={'on' if on else 'off'}" for (k, c), on in sorted(changed.items())),
        )
    return len(changed)


# --- sending ----------------------------------------------------------------------------------------------
def _email_enabled() -> bool:
    backend = getattr(settings, "EMAIL_BACKEND", "")
    return bool(getattr(settings, "NOTIFICATIONS_EMAIL", True)) and "dummy" not in backend


def notify(
    users,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    *,
    dedupe_key: str = "",
    now: datetime.datetime | None = None,
) -> list:
    """Send one message to each of ``users`` (a user or an iterable; inactive ones are skipped) on the
    channels each wants for ``kind``. With a ``dedupe_key`` a user gets the message at most once
    (reminders are idempotent). Returns the messages written (not those already sent)."""
    from .models import Notification

    if kind not in kinds():
        raise ValueError(
            f"unknown notification kind {kind!r}: declare it in an AppConfig's notification_kinds"
        )
    if users is None:
        return []
    if not isinstance(users, Iterable):
        users = [users]
    now = now or timezone.now()
    written = []
    for user in users:
        if user is None or not user.is_active:
            continue
        if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
            continue
        prefs = preferences(user)
        mail = prefs[(kind, EMAIL)] and bool(user.email) and _email_enabled()
        sms = prefs[(kind, SMS)] and bool(getattr(user, "phone", ""))
        note = Notification(
            user=user,
            kind=kind,
            title=title[:500],
            body=body,
            link=link[:300],
            dedupe_key=dedupe_key[:200],
            created_at=now,
            emailed_at=now if mail else None,
            texted_at=now if sms else None,
            in_digest=prefs[(kind, DIGEST)] and bool(user.email),
            # The inbox is the record: a user who turned the site channel off finds it read.
            read_at=None if prefs[(kind, SITE)] else now,
        )
        note.full_clean()
        try:
            with transaction.atomic():
                note.save()
        except IntegrityError:  # a concurrent run wrote the same key first
            continue
        written.append(note)
        if mail:
            transaction.on_commit(lambda n=note: _send_mail(n))
        if sms:
            transaction.on_commit(lambda n=note: _send_sms(n))
    return written


def _absolute(link: str) -> str:
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{base}{link}" if link and link.startswith("/") and base else link


def _send_mail(note) -> None:
    body = note.body or note.title
    if note.link:
        body += f"\n\n{_absolute(note.link)}"
    try:
        send_mail(note.title[:120], body, None, [note.user.email], fail_silently=False)
    except Exception:  # mail trouble must not lose the in-site message
        logger.exception("notification mail to user %s failed", note.user_id)


def _send_sms(note) -> None:
    try:
        sms_backend().send(note.user.phone, note.title[:70])
    except Exception:
        logger.exception("notification SMS to user %s failed", note.user_id)


@transaction.atomic
def mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own messages read (all unread ones when ``ids`` is None)."""
    from .models import Notification

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def inbox(*, user):
    """The user's own messages, newest first (no one reads another's inbox)."""
    from .models import Notification

    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    from .models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# --- the daily digest -------------------------------------------------------------------------------------
def send_daily_digests(now: datetime.datetime | None = None) -> int:
    """One email per user with the messages waiting for their digest, each message once (a second run
    the same day sends nothing new). Returns the number of emails sent. Scheduled once a day."""
    from django.contrib.auth import get_user_model

    from .models import Notification

    now = now or timezone.now()
    if not _email_enabled():
        return 0
    waiting = Notification.objects.filter(in_digest=True, digested_at__isnull=True, created_at__lte=now)
    user_ids = sorted(set(waiting.values_list("user_id", flat=True)))
    sent = 0
    for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email=""):
        with transaction.atomic():
            notes = list(
                waiting.filter(user=user).select_for_update(skip_locked=True).order_by("created_at", "id")
            )
            if not notes:
                continue
            day = timezone.localtime(now).date()
            subject = _("Your messages of %(day)s (%(n)d)") % {"day": day.isoformat(), "n": len(notes)}
            lines = []
            for note in notes:
                lines.append(f"· {kind_label(note.kind)}: {note.title}")
                if note.link:
                    lines.append(f"  {_absolute(note.link)}")
            Notification.objects.filter(pk__in=[n.pk for n in notes]).update(digested_at=now)
            address, text = user.email, "\n".join(lines)
            transaction.on_commit(lambda a=address, s=subject, t=text: _send_digest(a, s, t))
            sent += 1
    return sent


def _send_digest(address: str, subject: str, text: str) -> None:
    try:
        send_mail(subject, text, None, [address], fail_silently=False)
    except Exception:
        logger.exception("notification digest to %s failed", address)


# --- SMS ----------------------------------------------------------------------------------------------
class SmsBackend:
    """Sends one short text to one phone number; a provider subclasses it."""

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class LoggingSmsBackend(SmsBackend):
    """The demo's backend: writes the message to the log (number masked), sends nothing."""

    def send(self, phone: str, text: str) -> None:
        masked = phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"
        logger.info("SMS to %s: %s", masked, text)


class HttpSmsBackend(SmsBackend):
    """A provider: posts ``{"phone": …, "text": …, "sign": …}`` as JSON to an SMS gateway's HTTP API
    (``NOTIFICATIONS_SMS_URL``) with ``Authorization: Bearer NOTIFICATIONS_SMS_TOKEN`` and the
    registered signature ``NOTIFICATIONS_SMS_SIGN`` (短信签名). Most gateways (the carriers' and the
    cloud providers' SMS services, often through a provincial government gateway) take this shape; for
    one that signs requests differently, subclass and override ``request``. A non-2xx answer raises."""

    def __init__(self, url: str | None = None, token: str | None = None, sign: str | None = None):
        self.url = url or getattr(settings, "NOTIFICATIONS_SMS_URL", "")
        self.token = token if token is not None else getattr(settings, "NOTIFICATIONS_SMS_TOKEN", "")
        self.sign = sign if sign is not None else getattr(settings, "NOTIFICATIONS_SMS_SIGN", "")

    def request(self, phone: str, text: str) -> urllib.request.Request:
        payload = json.dumps({"phone": phone, "text": text, "sign": self.sign}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return urllib.request.Request(self.url, data=payload, headers=headers, method="POST")

    def send(self, phone: str, text: str) -> None:
        if not self.url:
            raise RuntimeError("NOTIFICATIONS_SMS_URL is not set")
        with urllib.request.urlopen(self.request(phone, text), timeout=10) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


def sms_backend() -> SmsBackend:
    path = (
        getattr(settings, "NOTIFICATIONS_SMS_BACKEND", "") or "zhijiao.core.notifications.LoggingSmsBackend"
    )
    return import_string(path)()


__all__ = [
    "CHANNELS",
    "DIGEST",
    "EMAIL",
    "SITE",
    "SMS",
    "HttpSmsBackend",
    "Kind",
    "LoggingSmsBackend",
    "SmsBackend",
    "inbox",
    "kind_label",
    "kinds",
    "mark_read",
    "notify",
    "preferences",
    "preferences_update",
    "send_daily_digests",
    "sms_backend",
    "unread_count",
]
