"""Sign-in (password, then TOTP), own password and API token, and scoped user management."""

from __future__ import annotations

import time
from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tables2 import RequestConfig

from zhijiao.core import captcha, sensitive
from zhijiao.core.ratelimit import client_address
from zhijiao.core.scoping import can, user_scope
from zhijiao.core.services import OutOfScope
from zhijiao.core.tabular import xlsx_response
from zhijiao.core.views.generic import ObjectListView, describe_entries, restore_masked
from zhijiao.core.views.sensitive import sensitive_values

from . import forms, selectors, services
from .filtersets import UserFilterSet
from .models import RoleAssignment, User
from .tables import USER_EXPORT_HEADERS, UserTable, user_export_rows

# Between the password step and the TOTP step the user is *not* signed in; the session only
# remembers who passed the password check, for a few minutes.
PENDING_USER = "_otp_pending_user"
PENDING_AT = "_otp_pending_at"
PENDING_NEXT = "_otp_pending_next"
PENDING_SECONDS = 300


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def otp_required(user) -> bool:
    """Password alone is not enough for OTP_REQUIRED_ROLES, nor for anyone who set up a device."""
    return user_scope(user).has_role(*settings.OTP_REQUIRED_ROLES) or selectors.user_has_confirmed_device(
        user
    )


def _clear_pending(request) -> None:
    for key in (PENDING_USER, PENDING_AT, PENDING_NEXT):
        request.session.pop(key, None)


def _complete_login(request, user, device=None) -> None:
    backend = getattr(user, "backend", None) or settings.AUTHENTICATION_BACKENDS[0]
    auth_login(request, user, backend=backend)
    if device is not None:
        otp_login(request, device)
    _clear_pending(request)
    services.login_succeeded(user=user, address=client_address(request))


def _apply_errors(form, exc: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form, mapping service field names to form fields."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = field_map.get(name, name)
            form.add_error(target if target in form.fields else None, [m for e in errors for m in e.messages])
    else:
        form.add_error(None, exc.messages)


# --- sign-in ---------------------------------------------------------------------------------


@method_decorator([sensitive_post_parameters("password"), csrf_protect, never_cache], name="dispatch")
class LoginView(FormView):
    template_name = "accounts/login.html"
    form_class = forms.LoginForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and (user.is_verified() or not otp_required(user)):
            return redirect(_safe_next(request, request.GET.get("next")))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["next"] = self.request.GET.get("next", "")
        ctx["timed_out"] = self.request.GET.get("timeout") == "1"
        ctx["idle_minutes"] = settings.SESSION_IDLE_TIMEOUT_MINUTES
        form = ctx.get("form")
        gate = getattr(form, "gate", None) or services.login_address_gate(
            address=client_address(self.request)
        )
        if gate.captcha_required:
            ctx["captcha"] = captcha.new()  # a new picture each time: an answer is good for one try
        return ctx

    def form_valid(self, form):
        user = form.user_cache
        next_url = _safe_next(self.request, self.request.POST.get("next") or self.request.GET.get("next"))
        if otp_required(user):
            if self.request.user.is_authenticated:
                auth_logout(self.request)
            self.request.session[PENDING_USER] = user.pk
            self.request.session[PENDING_AT] = int(time.time())
            self.request.session[PENDING_NEXT] = next_url
            self.request.session.cycle_key()
            return redirect("accounts:otp")
        _complete_login(self.request, user)
        return HttpResponseRedirect(next_url)


class LogoutView(View):
    http_method_names = ["post"]

    def post(self, request):
        if request.user.is_authenticated:
            services.logout_recorded(user=request.user)
        auth_logout(request)
        messages.info(request, _("You have signed out."))
        return redirect(settings.LOGOUT_REDIRECT_URL)


@method_decorator([sensitive_post_parameters("otp_token"), never_cache], name="dispatch")
class OTPView(FormView):
    """The second step: verify a TOTP code, or set up an authenticator app on first use."""

    template_name = "accounts/otp.html"
    form_class = forms.OTPForm

    def _resolve_user(self):
        request = self.request
        if request.user.is_authenticated:
            return request.user, False
        pk, at = request.session.get(PENDING_USER), request.session.get(PENDING_AT)
        if pk and at and time.time() - int(at) <= PENDING_SECONDS:
            return User.objects.filter(pk=pk, is_active=True).first(), True
        return None, False

    def dispatch(self, request, *args, **kwargs):
        self.otp_user, self.pending = self._resolve_user()
        if self.otp_user is None:
            _clear_pending(request)
            messages.warning(request, _("Please sign in again."))
            return redirect("accounts:login")
        if request.user.is_authenticated and request.user.is_verified():
            return redirect(self._next_url())
        self.device = TOTPDevice.objects.filter(user=self.otp_user, confirmed=True).order_by("id").first()
        self.setup = self.device is None
        if self.setup:
            self.device = services.otp_device_start(user=self.otp_user)
        return super().dispatch(request, *args, **kwargs)

    def _next_url(self) -> str:
        candidate = self.request.POST.get("next") or self.request.GET.get("next")
        return _safe_next(self.request, candidate or self.request.session.get(PENDING_NEXT))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(setup=self.setup, otp_user=self.otp_user, next=self._next_url())
        if self.setup:
            secret = b32encode(self.device.bin_key).decode()
            ctx["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
            # segno writes a plain <svg> (no script); inline SVG needs no CSP exception.
            ctx["qr_svg"] = mark_safe(
                segno.make(self.device.config_url, error="m").svg_inline(scale=4, title=_("QR code"))
            )
        return ctx

    def _refuse_locked(self):
        _clear_pending(self.request)
        if self.request.user.is_authenticated:
            auth_logout(self.request)
        messages.error(self.request, forms.locked_message())
        return redirect("accounts:login")

    def form_valid(self, form):
        user = self.otp_user
        address = client_address(self.request)
        if services.login_locked(username=user.username, address=address):
            return self._refuse_locked()
        allowed, _detail = self.device.verify_is_allowed()
        if not allowed:
            # django_otp throttles a device after wrong codes (exponential delay).
            form.add_error("otp_token", _("Too many wrong codes in a row. Wait a little and try again."))
            return self.form_invalid(form)
        if not self.device.verify_token(form.cleaned_data["otp_token"]):
            if services.login_failed(username=user.username, address=address, reason="otp").pair_locked:
                return self._refuse_locked()
            form.add_error(
                "otp_token",
                _("The code is wrong or has expired. Check the time on your phone and try again."),
            )
            return self.form_invalid(form)
        if self.setup:
            services.otp_device_confirm(user=user, device=self.device)
            messages.success(self.request, _("Two-factor authentication is set up."))
        next_url = self._next_url()
        if self.pending:
            _complete_login(self.request, user, self.device)
        else:
            otp_login(self.request, self.device)
        return HttpResponseRedirect(next_url)


# --- own account -------------------------------------------------------------------------------


@method_decorator(sensitive_post_parameters(), name="dispatch")
class PasswordChangeView(LoginRequiredMixin, FormView):
    template_name = "accounts/password_change.html"
    form_class = forms.PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["has_device"] = selectors.user_has_confirmed_device(self.request.user)
        return ctx

    def form_valid(self, form):
        user = self.request.user
        try:
            services.user_set_password(actor=user, user=user, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            _apply_errors(form, exc, {"password": "new_password1"})
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(settings.LOGIN_REDIRECT_URL)


@method_decorator([never_cache, sensitive_post_parameters("otp_code")], name="dispatch")
class TokenView(LoginRequiredMixin, TemplateView):
    """The caller's API tokens: create (named, expiring, optional audit scope; TOTP roles confirm with
    a fresh code), rotate, revoke. A new key is shown once."""

    template_name = "accounts/token.html"

    def get_context_data(self, **kwargs):
        from zhijiao.core.scoping import can

        from .models import ApiToken

        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["tokens"] = list(ApiToken.objects.filter(user=user).order_by("-created_at")[:50])
        ctx.setdefault("form", forms.TokenForm(may_read_audit=can(user, "view_audit")))
        ctx["needs_code"] = services._requires_second_factor(user)
        ctx["max_days"] = services.token_max_days()
        return ctx

    def post(self, request):
        from zhijiao.core.scoping import can

        from .models import ApiToken

        action = request.POST.get("action", "create")
        if action in ("revoke", "rotate"):
            token = ApiToken.objects.filter(user=request.user, pk=request.POST.get("token") or 0).first()
            if token is None:
                raise Http404
            if action == "revoke":
                services.token_revoke(actor=request.user, token=token)
                messages.success(request, _("The token was revoked; it no longer works."))
                return redirect("accounts:token")
            try:
                new, key = services.token_rotate(
                    actor=request.user, token=token, otp_code=request.POST.get("otp_code")
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("accounts:token")
            return self._created(new, key)
        form = forms.TokenForm(request.POST, may_read_audit=can(request.user, "view_audit"))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            token, key = services.token_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                scopes=form.cleaned_data.get("scopes") or [],
                otp_code=form.cleaned_data.get("otp_code"),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        return self._created(token, key)

    def _created(self, token, key):
        messages.success(
            self.request, _("A new API token was created. Copy it now: it will not be shown again.")
        )
        return self.render_to_response(self.get_context_data(new_key=key, new_token=token))


# --- user management -----------------------------------------------------------------------------


class ManageUsersMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can(request.user, "manage_users"):
            raise PermissionDenied(_("You do not manage users."))
        return super().dispatch(request, *args, **kwargs)

    def get_target(self) -> User:
        try:
            return selectors.user_get(viewer=self.request.user, pk=self.kwargs["pk"])
        except (User.DoesNotExist, ValueError, TypeError):
            raise Http404(_("The user does not exist or is outside your organisation."))

    def get_managed_target(self) -> User:
        target = self.get_target()
        if not selectors.can_manage_user(self.request.user, target):
            raise PermissionDenied(
                _("This user holds roles outside your organisation; only a higher level may change them.")
            )
        return target


PAGE_SIZES = (25, 50, 100)
_NON_FILTER_KEYS = {"page", "per_page", "export", "sort"}


class UserListView(ManageUsersMixin, ObjectListView):
    """Scoped, filterable, sortable, paginated user list with XLSX export and an HTMX partial."""

    template_name = "accounts/user_list.html"
    partial_template_name = "includes/object_table.html"
    # Read by the generic list machinery this view reuses (windows, counts) and by tools that walk
    # every list page; ``get`` below builds the page itself.
    table_class = UserTable
    filterset_class = UserFilterSet

    def _page_size(self) -> int:
        try:
            size = int(self.request.GET.get("per_page", PAGE_SIZES[0]))
        except ValueError:
            return PAGE_SIZES[0]
        return size if size in PAGE_SIZES else PAGE_SIZES[0]

    def get(self, request, *args, **kwargs):
        queryset = selectors.user_list(viewer=request.user)
        filterset = UserFilterSet(request.GET or None, queryset=queryset, request=request)
        filtered = filterset.qs if filterset.is_bound else queryset
        if request.GET.get("export") == "xlsx":
            return self.export(filtered)
        # Paged like every large list (core.listing): a bounded count or an estimate, never COUNT(*)
        # over all the province's users on every page.
        table = UserTable(filtered)
        RequestConfig(request, paginate=False).configure(table)
        self.get_window(table, filterset)
        filter_params = [(k, v) for k, vs in request.GET.lists() if k not in _NON_FILTER_KEYS for v in vs]
        export_params = [
            *filter_params,
            *([("sort", request.GET["sort"])] if request.GET.get("sort") else []),
        ]
        context = {
            "title": _("Users"),
            "filterset": filterset,
            "table": table,
            "page_sizes": PAGE_SIZES,
            "page_size": self._page_size(),
            "filter_params": filter_params,
            "export_url": "?" + urlencode([*export_params, ("export", "xlsx")]),
            "list_url": request.path,
        }
        if request.htmx and not request.htmx.history_restore_request:
            return render(request, self.partial_template_name, context)
        return render(request, self.template_name, context)

    def export(self, queryset):
        qs = queryset.order_by("username")[: settings.EXPORT_MAX_ROWS]
        written = 0

        def rows():
            nonlocal written
            for row in user_export_rows(qs):
                written += 1
                yield [str(v) for v in row]

        # The rows are counted as they are written (the workbook is complete when this returns),
        # not by a COUNT(*) of their own first.
        response = xlsx_response(
            filename=_("users"),
            headers=[str(h) for h in USER_EXPORT_HEADERS],
            rows=rows(),
            sheet_title=_("Users"),
        )
        services.users_exported(actor=self.request.user, count=written)
        return response


class UserDetailView(ManageUsersMixin, TemplateView):
    template_name = "accounts/user_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        target = self.get_target()
        ctx.update(
            object=target,
            target=target,
            roles=list(target.role_assignments.all()),
            can_manage=selectors.can_manage_user(self.request.user, target),
            is_self=target.pk == self.request.user.pk,
            has_device=selectors.user_has_confirmed_device(target),
            sign_ins=list(selectors.user_sign_ins(user=target)),
            history=describe_entries(selectors.user_history(user=target)),
            sensitive=sensitive_values(self.request, target),
        )
        return ctx


@method_decorator(sensitive_post_parameters("new_password1", "new_password2"), name="dispatch")
class UserCreateView(ManageUsersMixin, FormView):
    template_name = "accounts/user_form.html"
    form_class = forms.UserCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "viewer": self.request.user}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "creating": True}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=self.request.user,
                username=data["username"],
                display_name=data["display_name"],
                password=data["new_password1"],
                email=data.get("email") or "",
                phone=data.get("phone") or "",
                role=data["role"],
                region=data.get("region"),
                institution=data.get("institution"),
                enterprise=data.get("enterprise"),
            )
        except ValidationError as exc:
            _apply_errors(form, exc, {"password": "new_password1"})
            return self.form_invalid(form)
        except OutOfScope as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("User %(name)s created.") % {"name": user.username})
        return redirect("accounts:user_detail", pk=user.pk)


class UserEditView(ManageUsersMixin, FormView):
    template_name = "accounts/user_form.html"
    form_class = forms.UserEditForm

    def get_form(self, form_class=None):
        self.target = self.get_managed_target()
        return super().get_form(form_class)

    def get_initial(self):
        return {
            "display_name": self.target.display_name,
            "email": self.target.email,
            "phone": sensitive.mask(sensitive.PHONE, self.target.phone),  # sent back: unchanged
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "target": self.target, "creating": False}

    def form_valid(self, form):
        try:
            _user, changed = services.user_update(
                actor=self.request.user, user=self.target, data=restore_masked(form.cleaned_data, self.target)
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.form_invalid(form)
        except OutOfScope as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        if changed:
            messages.success(self.request, _("Changes saved."))
        return redirect("accounts:user_detail", pk=self.target.pk)


class UserRolesView(ManageUsersMixin, FormView):
    """Assign a role (POST action=assign) or revoke one (POST action=revoke, assignment=<id>)."""

    template_name = "accounts/user_roles.html"
    form_class = forms.RoleAssignForm

    def get_form(self, form_class=None):
        self.target = self.get_managed_target()
        return super().get_form(form_class)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "viewer": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            target=self.target,
            roles=list(self.target.role_assignments.all()),
            is_self=self.target.pk == self.request.user.pk,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "revoke":
            self.target = self.get_managed_target()
            try:
                assignment = self.target.role_assignments.get(pk=request.POST.get("assignment"))
            except (RoleAssignment.DoesNotExist, ValueError, TypeError):
                raise Http404(_("The role does not exist."))
            try:
                services.role_revoke(actor=request.user, assignment=assignment)
            except (ValidationError, OutOfScope) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            else:
                messages.success(request, _("Role revoked."))
            return redirect("accounts:user_roles", pk=self.target.pk)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.role_assign(
                actor=self.request.user,
                user=self.target,
                role=data["role"],
                region=data.get("region"),
                institution=data.get("institution"),
                enterprise=data.get("enterprise"),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.form_invalid(form)
        except OutOfScope as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Role granted."))
        return redirect("accounts:user_roles", pk=self.target.pk)


class UserActiveView(ManageUsersMixin, View):
    """POST active=1 / active=0 to reactivate or deactivate a user."""

    http_method_names = ["post"]

    def post(self, request, pk):
        target = self.get_managed_target()
        service = services.user_activate if request.POST.get("active") == "1" else services.user_deactivate
        try:
            service(actor=request.user, user=target)
        except (ValidationError, OutOfScope) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("User activated.") if target.is_active else _("User deactivated."))
        return redirect("accounts:user_detail", pk=target.pk)


@method_decorator(sensitive_post_parameters("new_password1", "new_password2"), name="dispatch")
class UserPasswordView(ManageUsersMixin, FormView):
    """A manager sets a new password for a user they manage (the user's sessions end)."""

    template_name = "accounts/user_password.html"
    form_class = forms.SetPasswordForm

    def get_form(self, form_class=None):
        self.target = self.get_managed_target()
        return super().get_form(form_class)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "target": self.target}

    def form_valid(self, form):
        try:
            services.user_set_password(
                actor=self.request.user, user=self.target, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc, {"password": "new_password1"})
            return self.form_invalid(form)
        except OutOfScope as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        if self.target.pk == self.request.user.pk:
            update_session_auth_hash(self.request, self.target)
        messages.success(self.request, _("Password set."))
        return redirect("accounts:user_detail", pk=self.target.pk)


class UserOTPResetView(ManageUsersMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        target = self.get_managed_target()
        try:
            services.otp_devices_reset(actor=request.user, user=target)
        except OutOfScope as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Two-factor devices removed; the user sets up a new one at the next sign-in.")
            )
        return redirect("accounts:user_detail", pk=target.pk)
