"""Writes for users, roles, sign-in state, TOTP devices and API tokens.

Only these functions change the accounts tables. Each is atomic and audited; user writes check
that the actor may manage the user (every role the user holds lies inside the actor's
``manage_users`` scope, never above the actor) and that the user is still visible to the actor
afterwards (STYLE.md §3).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhijiao.core import ratelimit
from zhijiao.core.audit import AuditAction, audit_record, snapshot
from zhijiao.core.scoping import clear_scope_cache
from zhijiao.core.services import OutOfScope
from zhijiao.core.validators import normalize_text
from zhijiao.orgs.choices import RegionLevel

from .choices import ROLE_NODE_KIND, Role
from .models import ApiToken, RoleAssignment, User
from .selectors import can_grant, can_manage_user, user_list

USER_EDIT_FIELDS = ("display_name", "email", "phone")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,18}[0-9]$")


# --- helpers ---------------------------------------------------------------------------------


def _refuse(message: str | None = None) -> OutOfScope:
    return OutOfScope(message or _("The user does not exist or is outside your organisation."))


def _ensure_can_manage(actor, user: User) -> None:
    fresh = user_list(viewer=actor).filter(pk=user.pk).first()
    if fresh is None:
        raise _refuse()
    if not can_manage_user(actor, fresh):
        raise _refuse(
            _("This user holds roles outside your organisation; only a higher level may change them.")
        )


def _ensure_still_visible(actor, user: User) -> None:
    """After a write the user must still lie inside the actor's scope (no orphaning, no moving away)."""
    if not user_list(viewer=actor).filter(pk=user.pk).exists():
        raise _refuse(
            _(
                "After this change the user would no longer belong to your organisation; the change was not made."
            )
        )


def _clean_user_data(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in USER_EDIT_FIELDS}
    if isinstance(cleaned.get("display_name"), str):
        cleaned["display_name"] = normalize_text(cleaned["display_name"])
    if isinstance(cleaned.get("email"), str):
        cleaned["email"] = normalize_text(cleaned["email"]).lower()
    if isinstance(cleaned.get("phone"), str):
        phone = normalize_text(cleaned["phone"])
        if phone and not _PHONE_RE.match(phone):
            raise ValidationError(
                {"phone": _("Enter a phone number of digits (with an optional leading +).")}
            )
        cleaned["phone"] = phone
    return cleaned


def _save_user(user: User, *, update_fields: list[str] | None = None) -> None:
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save(update_fields=update_fields)
    except IntegrityError as exc:
        raise ValidationError(_("A user with that username already exists.")) from exc


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _node_kwargs(region=None, institution=None, enterprise=None) -> dict[str, Any]:
    return {"region": region, "institution": institution, "enterprise": enterprise}


def _check_node_kind(role: str, *, region=None, institution=None, enterprise=None) -> None:
    """A role is held at the kind of node accounts.choices.ROLE_NODE_KIND names, and only there."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    given = [n for n in (region, institution, enterprise) if n is not None]
    if len(given) > 1:
        raise ValidationError(_("A role is held at one node at most."))
    kind = ROLE_NODE_KIND[role]
    label = Role(role).label
    ok = {
        None: not given,
        "province": region is not None and region.level == RegionLevel.PROVINCE,
        "city": region is not None and region.level == RegionLevel.CITY,
        "institution": institution is not None,
        "enterprise": enterprise is not None,
    }[kind]
    if ok:
        return
    messages = {
        None: _("The role “%(role)s” is not held at an organisation; leave the node empty."),
        "province": _("The role “%(role)s” is held at the province."),
        "city": _("The role “%(role)s” is held at a city."),
        "institution": _("The role “%(role)s” is held at an institution."),
        "enterprise": _("The role “%(role)s” is held at an enterprise."),
    }
    raise ValidationError(messages[kind] % {"role": label})


def _roles_snapshot(user: User) -> list[str]:
    return sorted(
        f"{ra.role}@{ra.node or '-'}"
        for ra in user.role_assignments.select_related("region", "institution", "enterprise")
    )


# --- users -----------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    display_name: str,
    password: str,
    email: str = "",
    phone: str = "",
    role: str | None = None,
    region=None,
    institution=None,
    enterprise=None,
) -> User:
    """Create a user, optionally with a first role (needed by anyone below the province to see them)."""
    username = User.normalize_username(normalize_text(username or ""))
    data = _clean_user_data({"display_name": display_name, "email": email, "phone": phone})
    user = _new_user(actor, username, data, password)
    if role:
        role_assign(
            actor=actor, user=user, role=role, region=region, institution=institution, enterprise=enterprise
        )
    _ensure_still_visible(actor, user)
    if not can_manage_user(actor, user_list(viewer=actor).get(pk=user.pk)):
        raise _refuse()
    return user


@transaction.atomic
def plain_user_create(*, actor, username: str, display_name: str, password: str) -> User:
    """Create an account without any role (a student's self-service sign-in).

    It carries no rights of its own, so no management right over it is checked here: the caller
    checks its own right first (``students.services.student_account_create`` requires ``change``
    on the student it links the account to).
    """
    username = User.normalize_username(normalize_text(username or ""))
    if not username:
        raise ValidationError({"username": _("Enter a username.")})
    return _new_user(actor, username, _clean_user_data({"display_name": display_name}), password)


def _new_user(actor, username: str, data: dict[str, Any], password: str) -> User:
    """Save a new account (unique username, password policy, audited); the caller checks rights."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("A user with that username already exists.")})
    user = User(username=username, **data)
    _check_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    _save_user(user)
    audit_record(actor=actor, action=AuditAction.CREATE, instance=user, after=snapshot(user))
    return user


@transaction.atomic
def user_update(*, actor, user: User, data: dict[str, Any]) -> tuple[User, bool]:
    """Change display name, e-mail or phone. Returns (user, changed); a no-op writes nothing."""
    _ensure_can_manage(actor, user)
    cleaned = _clean_user_data(data)
    before = snapshot(user)
    for name, value in cleaned.items():
        setattr(user, name, value)
    after = snapshot(user)
    if before == after:
        return user, False
    _save_user(user)
    _ensure_still_visible(actor, user)
    audit_record(actor=actor, action=AuditAction.UPDATE, instance=user, before=before, after=after)
    return user, True


def _set_active(actor, user: User, active: bool) -> User:
    _ensure_can_manage(actor, user)
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot deactivate or reactivate your own account."))
    if user.is_active == active:
        return user
    before = snapshot(user)
    user.is_active = active
    if active:
        user.failed_login_count = 0
        user.locked_until = None
    _save_user(user, update_fields=["is_active", "failed_login_count", "locked_until"])
    _ensure_still_visible(actor, user)
    audit_record(actor=actor, action=AuditAction.UPDATE, instance=user, before=before, after=snapshot(user))
    return user


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    """Block sign-in (sessions and API tokens of inactive users are refused by Django and DRF)."""
    return _set_active(actor, user, False)


@transaction.atomic
def user_activate(*, actor, user: User) -> User:
    """Allow sign-in again; clears any lockout."""
    return _set_active(actor, user, True)


@transaction.atomic
def user_set_password(*, actor, user: User, password: str) -> User:
    """Set a password after the AUTH_PASSWORD_VALIDATORS (length, classes, common, similar to the name).

    Users change their own password; managers reset the passwords of users they manage.
    Existing sessions of the user end (Django ties sessions to the password hash).
    """
    if user.pk != getattr(actor, "pk", None):
        _ensure_can_manage(actor, user)
    _check_password(password, user)
    before = snapshot(user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.failed_login_count = 0
    user.locked_until = None
    _save_user(user, update_fields=["password", "password_changed_at", "failed_login_count", "locked_until"])
    message = _("Password changed") if user.pk == getattr(actor, "pk", None) else _("Password reset")
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=user,
        before=before,
        after=snapshot(user),
        message=message,
    )
    return user


# --- roles -----------------------------------------------------------------------------------


@transaction.atomic
def role_assign(
    *, actor, user: User, role: str, region=None, institution=None, enterprise=None
) -> RoleAssignment:
    """Give ``user`` a role at a node inside the actor's scope, never above the actor's own level."""
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot change your own roles."))
    _check_node_kind(role, region=region, institution=institution, enterprise=enterprise)
    if not can_grant(actor, role, region=region, institution=institution, enterprise=enterprise):
        raise _refuse(_("You may not grant this role at this organisation."))
    # A user already known must be one the actor manages; a brand-new one has no roles yet.
    if user.role_assignments.exists():
        _ensure_can_manage(actor, user)
    if RoleAssignment.objects.filter(
        user=user, role=role, **_node_kwargs(region, institution, enterprise)
    ).exists():
        raise ValidationError(_("The user already holds this role here."))
    ra = RoleAssignment(user=user, role=role, **_node_kwargs(region, institution, enterprise))
    ra.full_clean()
    ra.save()
    clear_scope_cache(user)
    _ensure_still_visible(actor, user)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=ra,
        after=snapshot(ra),
        message=_("Role granted to %(user)s") % {"user": user.get_username()},
    )
    return ra


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    """Take a role away. The user must stay inside the actor's scope (deactivate instead)."""
    user = assignment.user
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot change your own roles."))
    _ensure_can_manage(actor, user)
    before = snapshot(assignment)
    scope_path = assignment.audit_scope_path()
    pk, text = assignment.pk, str(assignment)
    assignment.delete()
    clear_scope_cache(user)
    if not user_list(viewer=actor).filter(pk=user.pk).exists():
        raise _refuse(_("This is the user's last role in your organisation; deactivate the user instead."))
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        object_type="accounts.roleassignment",
        object_id=str(pk),
        object_repr=text,
        scope_path=scope_path,
        before=before,
        message=_("Role revoked from %(user)s") % {"user": user.get_username()},
    )


# --- sign-in -----------------------------------------------------------------------------------
# Failed sign-ins are counted in sliding windows shared by every worker (core.ratelimit, Redis):
# - per account AND address: LOGIN_MAX_FAILURES in LOGIN_LOCKOUT_MINUTES blocks that pair only, so a
#   stranger elsewhere cannot lock an administrator out;
# - per address: LOGIN_ADDRESS_MAX_FAILURES in LOGIN_ADDRESS_WINDOW_MINUTES blocks the address
#   (one password sprayed over many usernames);
# - per account or per address: from LOGIN_CAPTCHA_AFTER failures on, every sign-in needs the image
#   CAPTCHA (a slow-down for everyone, a lock for no one).
# Unknown usernames count exactly like known ones, so nothing tells whether an account exists.


def _account_key(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _address_key(address: str) -> str:
    return hashlib.sha256((address or "-").encode()).hexdigest()[:32]


def _windows() -> dict[str, int]:
    return {
        "pair": settings.LOGIN_LOCKOUT_MINUTES * 60,
        "address": getattr(settings, "LOGIN_ADDRESS_WINDOW_MINUTES", 15) * 60,
        "account": getattr(settings, "LOGIN_ADDRESS_WINDOW_MINUTES", 15) * 60,
    }


def _counters(username: str, address: str, add: bool) -> list[tuple[str, int, bool]]:
    w = _windows()
    account, addr = _account_key(username), _address_key(address)
    return [
        (f"login:pair:{account}:{addr}", w["pair"], add),
        (f"login:addr:{addr}", w["address"], add),
        (f"login:acct:{account}", w["account"], add),
    ]


@dataclass(frozen=True)
class LoginGate:
    pair_locked: bool
    address_blocked: bool
    captcha_required: bool


def _gate(counts: list[int]) -> LoginGate:
    pair, address, account = counts
    after = getattr(settings, "LOGIN_CAPTCHA_AFTER", 3)
    return LoginGate(
        pair_locked=pair >= settings.LOGIN_MAX_FAILURES,
        address_blocked=address >= getattr(settings, "LOGIN_ADDRESS_MAX_FAILURES", 20),
        captcha_required=account >= after or address >= after,
    )


def login_gate(*, username: str, address: str) -> LoginGate:
    """What a sign-in for ``username`` from ``address`` meets now (one round trip to the counters)."""
    return _gate(ratelimit.hits(_counters(username, address, add=False)))


def login_address_gate(*, address: str) -> LoginGate:
    """Before a username is known (the empty sign-in page): does this address need the CAPTCHA?"""
    w = _windows()
    (count,) = ratelimit.hits([(f"login:addr:{_address_key(address)}", w["address"], False)])
    after = getattr(settings, "LOGIN_CAPTCHA_AFTER", 3)
    return LoginGate(
        pair_locked=False,
        address_blocked=count >= getattr(settings, "LOGIN_ADDRESS_MAX_FAILURES", 20),
        captcha_required=count >= after,
    )


def login_locked(*, username: str, address: str = "") -> bool:
    """Is sign-in for this name blocked from this address? Unknown names lock alike."""
    return login_gate(username=username, address=address).pair_locked


@transaction.atomic
def login_failed(*, username: str, address: str = "", reason: str = "password") -> LoginGate:
    """Count a failed sign-in (password, TOTP code) in the shared windows and audit it; returns
    what the next attempt meets. The account's own ``failed_login_count`` is kept for the user page;
    no failure locks the account itself (``locked_until`` is left to administrators)."""
    gate = _gate(ratelimit.hits(_counters(username, address, add=True)))
    user = User.objects.select_for_update().filter(username=username).first()
    message = {"otp": _("Wrong verification code")}.get(reason, _("Wrong password"))
    if gate.pair_locked:
        message = _("%(reason)s; sign-in from this address blocked for %(minutes)d minutes") % {
            "reason": message,
            "minutes": settings.LOGIN_LOCKOUT_MINUTES,
        }
    if user is None:
        audit_record(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            object_type="accounts.user",
            object_repr=username[:150],
            message=_("Unknown username"),
        )
        return gate
    User.objects.filter(pk=user.pk).update(failed_login_count=models.F("failed_login_count") + 1)
    audit_record(actor=None, action=AuditAction.LOGIN_FAILED, instance=user, message=message)
    return gate


@transaction.atomic
def login_refused(*, username: str, why: str) -> None:
    """An attempt refused before the password was checked (blocked pair or address, no CAPTCHA):
    recorded, not counted."""
    user = User.objects.filter(username=username).first()
    if user is None:
        audit_record(
            actor=None, action=AuditAction.LOGIN_FAILED, object_type="accounts.user",
            object_repr=username[:150], message=why,
        )  # fmt: skip
    else:
        audit_record(actor=None, action=AuditAction.LOGIN_FAILED, instance=user, message=why)


def login_counters_reset(*, username: str, address: str) -> None:
    """A successful sign-in clears that account's and pair's failures (not the address's)."""
    account, addr = _account_key(username), _address_key(address)
    ratelimit.reset(f"login:pair:{account}:{addr}", f"login:acct:{account}")


@transaction.atomic
def login_succeeded(*, user: User, address: str = "") -> None:
    """Reset the failure count and record the sign-in (with IP and request id from the request context)."""
    login_counters_reset(username=user.username, address=address)
    # By query: the instance the view holds may predate failures counted in this sign-in.
    User.objects.filter(pk=user.pk).exclude(failed_login_count=0, locked_until=None).update(
        failed_login_count=0, locked_until=None
    )
    user.failed_login_count, user.locked_until = 0, None
    audit_record(actor=user, action=AuditAction.LOGIN, instance=user)


@transaction.atomic
def logout_recorded(*, user: User, reason: str = "") -> None:
    audit_record(actor=user, action=AuditAction.LOGOUT, instance=user, message=reason)


# --- TOTP devices -------------------------------------------------------------------------------


@transaction.atomic
def otp_device_start(*, user: User) -> TOTPDevice:
    """The user's pending (unconfirmed) TOTP device, created on first use; reused until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


@transaction.atomic
def otp_device_confirm(*, user: User, device: TOTPDevice) -> TOTPDevice:
    """Confirm a device after the user proved they hold its secret with a correct code."""
    if device.user_id != user.pk:
        raise _refuse()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    audit_record(actor=user, action=AuditAction.UPDATE, instance=user, message=_("Two-factor device set up"))
    return device


@transaction.atomic
def otp_devices_reset(*, actor, user: User) -> int:
    """Remove a user's TOTP devices (lost phone); they set a new one up at the next sign-in."""
    _ensure_can_manage(actor, user)
    count, _detail = TOTPDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action=AuditAction.UPDATE, instance=user, message=_("Two-factor devices reset"))
    return count


# --- API tokens ---------------------------------------------------------------------------------
def token_max_days() -> int:
    return int(getattr(settings, "API_TOKEN_MAX_DAYS", 365))


def _requires_second_factor(actor) -> bool:
    """TOTP roles (OTP_REQUIRED_ROLES) and anyone with an authenticator set up."""
    from zhijiao.core.scoping import user_scope

    from .selectors import user_has_confirmed_device

    return user_scope(actor).has_role(*settings.OTP_REQUIRED_ROLES) or user_has_confirmed_device(actor)


def check_fresh_second_factor(actor, otp_code: str | None) -> None:
    """A token outlives the session: whoever must sign in with a TOTP code proves it again, with a
    code typed now, to create one (a session left open is not enough)."""
    if not _requires_second_factor(actor):
        return
    device = TOTPDevice.objects.filter(user=actor, confirmed=True).order_by("id").first()
    code = re.sub(r"\s", "", otp_code or "")
    if device is None or not code.isdigit() or len(code) != 6:
        raise ValidationError({"otp_code": _("Enter the current 6-digit code from your authenticator app.")})
    allowed, _detail = device.verify_is_allowed()
    if not allowed or not device.verify_token(code):
        raise ValidationError({"otp_code": _("The code is wrong or has expired.")})


def _new_key() -> str:
    import secrets

    return secrets.token_urlsafe(30)  # 40 characters, 240 bits


@transaction.atomic
def token_create(
    *, actor, name: str, days: int, scopes: list[str] | tuple = (), otp_code: str | None = None
) -> tuple[ApiToken, str]:
    """Create a named API token valid for ``days`` days (at most ``API_TOKEN_MAX_DAYS``); returns the
    token and its key, shown once. The ``audit`` scope needs the ``view_audit`` right."""
    from zhijiao.core.scoping import can

    from .authentication import hash_key

    if not getattr(actor, "is_authenticated", False):
        raise _refuse()
    check_fresh_second_factor(actor, otp_code)
    name = normalize_text(name or "")
    if not name:
        raise ValidationError({"name": _("Give the token a name (what uses it).")})
    if not isinstance(days, int) or not 1 <= days <= token_max_days():
        raise ValidationError(
            {"days": _("A token is valid for 1 to %(max)d days.") % {"max": token_max_days()}}
        )
    scopes = sorted(set(scopes or ()))
    unknown = set(scopes) - {value for value, _label in ApiToken.SCOPES}
    if unknown:
        raise ValidationError({"scopes": _("Unknown scope.")})
    if ApiToken.SCOPE_AUDIT in scopes and not can(actor, "view_audit"):
        raise ValidationError({"scopes": _("You may not read the audit log, so no token of yours may.")})
    active = ApiToken.objects.filter(user=actor, revoked_at__isnull=True, expires_at__gt=timezone.now())
    if active.count() >= int(getattr(settings, "API_TOKENS_PER_USER", 10)):
        raise ValidationError(_("You have too many active tokens; revoke one first."))
    key = _new_key()
    token = ApiToken(
        user=actor,
        name=name[:100],
        prefix=key[:8],
        key_hash=hash_key(key),
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=days),
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=token,
        after={
            "name": token.name,
            "prefix": token.prefix,
            "scopes": scopes,
            "expires_at": token.expires_at.isoformat(),
        },
        message=_("API token created"),
    )
    return token, key


def _own_token(actor, token: ApiToken) -> ApiToken:
    fresh = (
        ApiToken.objects.select_for_update().filter(pk=token.pk, user_id=getattr(actor, "pk", None)).first()
    )
    if fresh is None:
        raise _refuse(_("No such token."))
    return fresh


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Stop a token at once (its owner only)."""
    token = _own_token(actor, token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, instance=token, message=_("API token revoked"))
    return token


@transaction.atomic
def token_rotate(*, actor, token: ApiToken, otp_code: str | None = None) -> tuple[ApiToken, str]:
    """A new key for the same name, scopes and validity period; the old key stops at once."""
    token = _own_token(actor, token)
    days = max(1, min(token_max_days(), round((token.expires_at - token.created_at).total_seconds() / 86400)))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    new, key = token_create(actor=actor, name=token.name, days=days, scopes=token.scopes, otp_code=otp_code)
    audit_record(actor=actor, action=AuditAction.UPDATE, instance=token, message=_("API token rotated"))
    return new, key


@transaction.atomic
def users_exported(*, actor, count: int) -> None:
    """Record an export of the user list (personal data leaves the system)."""
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="accounts.user",
        message=_("%(n)d users exported") % {"n": count},
    )
