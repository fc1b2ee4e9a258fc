"""Forms for sign-in, TOTP, passwords and user management. They validate input; services write."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core.autocomplete import AutocompleteSelect
from zhijiao.core.scoping import user_scope
from zhijiao.core.validators import normalize_code, normalize_text
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Region
from zhijiao.orgs.selectors import institution_list

from . import services
from .choices import ROLE_NODE_KIND, Role
from .selectors import enterprise_node_list, grantable_roles


def locked_message() -> str:
    return _(
        "Too many failed sign-ins for this account from your address. Sign-in from here is blocked for "
        "%(minutes)d minutes; try again later or ask your administrator."
    ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


def address_blocked_message() -> str:
    return _(
        "Too many failed sign-ins from your network address. Wait %(minutes)d minutes and try again."
    ) % {"minutes": getattr(settings, "LOGIN_ADDRESS_WINDOW_MINUTES", 15)}


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    # Shown after repeated failures (core.captcha); the token names the stored answer.
    captcha_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    captcha = forms.CharField(
        label=_("Characters in the picture"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    error_messages = {
        "invalid": _("Wrong username or password."),
        "captcha": _("Type the characters shown in the picture (a new picture is shown)."),
    }

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        self.user_cache = None
        self.gate = None
        super().__init__(*args, **kwargs)

    def clean_username(self):
        return normalize_text(self.cleaned_data["username"])

    def clean(self):
        from zhijiao.core import captcha
        from zhijiao.core.ratelimit import client_address

        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or password is None:
            return self.cleaned_data
        address = client_address(self.request) if self.request is not None else ""
        self.gate = gate = services.login_gate(username=username, address=address)
        # Refused before the password is checked: nothing is learnt, not even whether it was right.
        if gate.address_blocked:
            services.login_refused(username=username, why=_("Blocked address"))
            raise forms.ValidationError(address_blocked_message(), code="address_blocked")
        if gate.pair_locked:
            services.login_refused(username=username, why=_("Attempt while locked"))
            raise forms.ValidationError(locked_message(), code="locked")
        if gate.captcha_required and not captcha.check(
            self.cleaned_data.get("captcha_token", ""), self.cleaned_data.get("captcha", "")
        ):
            services.login_refused(username=username, why=_("Wrong or missing CAPTCHA"))
            raise forms.ValidationError(self.error_messages["captcha"], code="captcha")
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            self.gate = gate = services.login_failed(username=username, address=address)
            if gate.pair_locked:
                raise forms.ValidationError(locked_message(), code="locked")
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        self.user_cache = user
        return self.cleaned_data


class OTPForm(forms.Form):
    # django_otp's field name: password managers and the browser-test helper look for it.
    otp_token = forms.CharField(
        label=_("Verification code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_otp_token(self):
        # Full-width digits and spaces ("123 456") are accepted as typed.
        value = normalize_code(self.cleaned_data["otp_token"])
        if not re.fullmatch(r"[0-9]{6}", value):
            raise forms.ValidationError(_("Enter the 6-digit code from your authenticator app."))
        return value


class _NewPasswordMixin:
    def _check_new_passwords(self, cleaned):
        p1, p2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", _("The two passwords do not match."))


class PasswordChangeForm(_NewPasswordMixin, forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html,
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("The current password is wrong."))
        return value

    def clean(self):
        cleaned = super().clean()
        self._check_new_passwords(cleaned)
        return cleaned


class SetPasswordForm(_NewPasswordMixin, forms.Form):
    """A manager sets a new password for a user they manage."""

    new_password1 = PasswordChangeForm.base_fields["new_password1"]
    new_password2 = PasswordChangeForm.base_fields["new_password2"]

    def clean(self):
        cleaned = super().clean()
        self._check_new_passwords(cleaned)
        return cleaned


class _NodeFieldsMixin:
    """Role + node fields, the node choices limited to the viewer's scope."""

    def _add_role_fields(self, viewer, *, required: bool):
        self.viewer = viewer
        choices = grantable_roles(viewer)
        self.fields["role"] = forms.ChoiceField(
            label=_("Role"), choices=[("", "---------")] + list(choices), required=required
        )
        region_qs = Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY]).order_by("code")
        scope = user_scope(viewer)
        if not scope.is_superuser:
            paths = [g.region_path for g in scope.grants_for("manage_users") if g.region_path]
            within = Q(pk__in=[])
            for path in paths:
                within |= Q(path__startswith=path)
            region_qs = region_qs.filter(within)
        self.fields["region"] = forms.ModelChoiceField(
            label=_("Province or city"),
            queryset=region_qs,
            required=False,
            help_text=_("For province roles and city administrators."),
        )
        self.fields["institution"] = forms.ModelChoiceField(
            label=_("Institution"),
            queryset=institution_list(user=viewer).order_by("name"),
            required=False,
            help_text=_("For school administrators."),
            widget=AutocompleteSelect("accounts.institutions"),
        )
        self.fields["enterprise"] = forms.ModelChoiceField(
            label=_("Enterprise"),
            queryset=enterprise_node_list(user=viewer).order_by("name"),
            required=False,
            help_text=_("For enterprise users."),
            widget=AutocompleteSelect("accounts.enterprises"),
        )

    def _clean_node(self, cleaned):
        role = cleaned.get("role")
        if not role:
            for name in ("region", "institution", "enterprise"):
                cleaned[name] = None
            return
        kind = ROLE_NODE_KIND[role]
        wanted = {
            "province": "region",
            "city": "region",
            "institution": "institution",
            "enterprise": "enterprise",
        }
        field = wanted.get(kind)
        for name in ("region", "institution", "enterprise"):
            if name != field:
                cleaned[name] = None
        if field and not cleaned.get(field):
            self.add_error(field, _("Choose where the role “%(role)s” is held.") % {"role": Role(role).label})


class UserCreateForm(_NodeFieldsMixin, _NewPasswordMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=50)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    new_password1 = PasswordChangeForm.base_fields["new_password1"]
    new_password2 = PasswordChangeForm.base_fields["new_password2"]

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_role_fields(viewer, required=True)

    def clean(self):
        cleaned = super().clean()
        self._check_new_passwords(cleaned)
        self._clean_node(cleaned)
        return cleaned


class UserEditForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=50)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)


class RoleAssignForm(_NodeFieldsMixin, forms.Form):
    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_role_fields(viewer, required=True)

    def clean(self):
        cleaned = super().clean()
        self._clean_node(cleaned)
        return cleaned


TOKEN_DAYS = ((30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("One year")))


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses the token, e.g. “check-in app” or “data sync”."),
    )
    days = forms.TypedChoiceField(label=_("Valid for"), choices=TOKEN_DAYS, coerce=int, initial=90)
    scopes = forms.MultipleChoiceField(
        label=_("Also allow"),
        required=False,
        choices=(("audit", _("Read the audit log")),),
        widget=forms.CheckboxSelectMultiple,
    )
    otp_code = forms.CharField(
        label=_("Verification code"),
        required=False,
        max_length=12,
        help_text=_("Your role signs in with an authenticator app: type its current code to create a token."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, may_read_audit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_read_audit:
            del self.fields["scopes"]

    def clean_name(self):
        return normalize_text(self.cleaned_data["name"])
