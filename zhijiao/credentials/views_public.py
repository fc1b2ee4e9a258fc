"""The public 学历查询 at /verify/: no login, mobile friendly, the minimum fields, every lookup logged."""

from __future__ import annotations

import functools
import re
from html import escape

from django import forms
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from zhijiao.core import captcha, ratelimit
from zhijiao.majors.choices import MajorLevel
from zhijiao.students.choices import Gender

from . import signing, verification
from .choices import CertificateKind, LookupKind, LookupResult

TEMPLATE = "credentials/verify/index.html"
RESULT_TEMPLATE = "credentials/verify/result.html"
# core.middleware.SecurityHeadersMiddleware sets Permissions-Policy only where a view has not.
QR_PAGE_PERMISSIONS = "camera=(self), microphone=(), geolocation=()"


class NumberForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Certificate number"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Holder's full name"), max_length=50)


class CodeForm(forms.Form):
    # The 16-character code printed on the certificate (学信网 calls its own "在线验证码"), not the
    # TOTP code of the sign-in.
    code = forms.CharField(label=gettext_lazy("Online verification code"), max_length=40)


class QRForm(forms.Form):
    payload = forms.CharField(
        label=gettext_lazy("Scanned code"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )


RESULT_MESSAGES = {
    LookupResult.VALID: gettext_lazy("Valid: this certificate was issued and is on record."),
    LookupResult.REVOKED: gettext_lazy(
        "Revoked: this certificate has been revoked by the issuing authority."
    ),
    LookupResult.NOT_VALID: gettext_lazy(
        "Not valid: this certificate was voided or replaced by a reissued certificate."
    ),
    LookupResult.NOT_FOUND: gettext_lazy(
        "Not found: no published certificate matches. Check the number, the name or the code."
    ),
    LookupResult.EXPIRED: gettext_lazy(
        "The online verification report has expired and can no longer be verified online."
    ),
    LookupResult.CLOSED: gettext_lazy(
        "The online verification report has been closed and can no longer be verified online."
    ),
    LookupResult.BAD_INPUT: gettext_lazy("The input is not valid."),
}


_LEVELS = dict(MajorLevel.choices)
_KINDS = dict(CertificateKind.choices)


_FIELD_LABELS: dict[str, tuple[str, ...]] = {}


def _field_labels() -> tuple[str, ...]:
    language = get_language() or ""
    labels = _FIELD_LABELS.get(language)
    if labels is None:
        labels = _FIELD_LABELS[language] = (
            _("Holder's full name"),
            _("Certificate"),
            _("Certificate number"),
            _("School"),
            _("Major"),
            _("Level"),
            _("Entry date"),
            _("Graduation date"),
            _("Issue date"),
        )
    return labels


@functools.lru_cache(maxsize=4096)
def _date_text(value, language: str) -> str:
    """A date in the active language's DATE_FORMAT (the few graduation and issue dates repeat)."""
    return date_format(value)


_AS_OF: dict[str, tuple] = {}


def _as_of_text(now) -> str:
    """The page's "data as of" time, formatted once per second and language."""
    language = get_language() or ""
    second = now.replace(microsecond=0)
    cached = _AS_OF.get(language)
    if cached is None or cached[0] != second:
        cached = _AS_OF[language] = (second, date_format(timezone.localtime(second), "DATETIME_FORMAT"))
    return cached[1]


def public_fields(cert) -> list[tuple[str, str]]:
    """What a verifier sees (credentials.md §1.3, §1.5): never the ID number, nor the birth date."""
    values = (
        cert.holder_name,
        _KINDS.get(cert.kind, cert.kind),
        cert.number,
        cert.institution_name,
        cert.major_name,
        _LEVELS.get(cert.level, cert.level),
        cert.entry_date,
        cert.graduation_date,
        cert.issue_date,
    )
    return [
        (label, _date_text(value, get_language() or "") if hasattr(value, "year") else value)
        for label, value in zip(_field_labels(), values, strict=True)
    ]


def _fields_html(rows) -> str:
    """The result's rows as ``<dt>/<dd>`` pairs, escaped (cheaper than a template loop)."""
    return mark_safe(  # noqa: S308 - every value is escaped here
        "\n".join(
            f'<dt class="col-5 col-sm-4">{escape(str(label))}</dt>'
            f'<dd class="col-7 col-sm-8">{escape(str(value)) if value else "—"}</dd>'
            for label, value in rows
        )
    )


_LINKS: dict[tuple[str, str], dict] = {}


def _result_template():
    return get_template(RESULT_TEMPLATE)


def _result_links() -> dict:
    """The result page's fixed links and labels, resolved once per script prefix and language."""
    key = (get_script_prefix(), get_language() or "")
    links = _LINKS.get(key)
    if links is None:
        links = _LINKS[key] = {
            "lang": key[1],
            "platform": _("Vocational Education Platform"),
            "bootstrap_css": static("vendor/bootstrap/css/bootstrap.min.css"),
            "verify_css": static("css/verify.css"),
            "index": reverse("verify:index"),
            "signed_qr": reverse("verify:signed_qr"),
            "signed_qr_label": _("Check a signed QR code"),
            "data_as_of": _("Data as of"),
            "new_lookup": _("New lookup"),
            "footer": _(
                "Only the holder can create an online verification report. "
                "This page shows no identity card numbers."
            ),
        }
    return links


def _context(request, **extra) -> dict:
    context = {
        "number_form": NumberForm(),
        "code_form": CodeForm(),
        "tab": "number",
        "title": _("Credential verification"),
        "now": timezone.now(),
    }
    context.update(extra)
    return context


def _render_outcome(request, outcome, **extra):
    """A result page of its own (light: no forms) unless the input itself needs correcting."""
    if outcome.result == LookupResult.BAD_INPUT and not extra.get("via_link"):
        context = _context(request, outcome=outcome, **extra)
        context["result_message"] = RESULT_MESSAGES[outcome.result]
        return render(request, TEMPLATE, context)
    fields_html = _fields_html(public_fields(outcome.certificate)) if outcome.certificate is not None else ""
    report = getattr(outcome, "report", None)
    expires = date_format(timezone.localtime(report.expires_at), "DATE_FORMAT") if report is not None else ""
    return HttpResponse(_result_html(outcome.result, fields_html, expires, _as_of_text(timezone.now())))


_SLOT = "\x00{}\x00"
_SLOTS = re.compile("\x00(expires|fields|as_of)\x00")
_RESULT_PIECES: dict[tuple, list[str]] = {}


def _result_html(result: str, fields_html: str, expires: str, as_of: str) -> str:
    """The result page: ``result.html`` rendered once per script prefix, language and kind of result
    (which message, a report or not, fields or not) with markers where the per-lookup values go, then
    joined with them. No request context either: the page needs no CSRF token, user or menu (the
    context processors would cost more than the lookup). ``fields_html`` is escaped by
    ``_fields_html``; the two dates are escaped here."""
    links = _result_links()
    key = (links["index"], links["lang"], str(result), bool(expires), bool(fields_html))
    pieces = _RESULT_PIECES.get(key)
    if pieces is None:
        context = {
            "title": _("Credential verification"),
            "links": links,
            "result": result,
            "result_message": RESULT_MESSAGES.get(result, ""),
            "report_expires": _SLOT.format("expires") if expires else "",
            "fields_html": mark_safe(_SLOT.format("fields")) if fields_html else "",  # noqa: S308 - a marker
            "as_of": _SLOT.format("as_of"),
        }
        pieces = _RESULT_PIECES[key] = _SLOTS.split(_result_template().render(context))
    values = {"expires": escape(expires), "fields": fields_html, "as_of": escape(as_of)}
    return "".join(values[piece] if i % 2 else piece for i, piece in enumerate(pieces))


def _limited(request, client: str, kind: str, retry_after: int):
    verification.log_lookup(client=client, kind=kind, result=LookupResult.RATE_LIMITED)
    response = render(
        request, "credentials/verify/limited.html", {"title": _("Too many lookups")}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def _answer(request, client: str, kind: str, outcome, raw_query: str, *, challenge_context, **extra):
    """The one decision after a lookup (``verification.gate``: a single round trip to the shared
    counters), then the page: the result, the CAPTCHA, or 429. ``challenge_context``: the CAPTCHA
    page's extra context, or a function returning it."""
    data = request.POST if request.method == "POST" else {}
    decision = verification.gate(
        client,
        is_miss=outcome.is_miss,
        captcha_token=data.get("captcha_token", ""),
        captcha_answer=data.get("captcha", ""),
    )
    if decision.state == ratelimit.LIMITED:
        return _limited(request, client, kind, decision.retry_after)
    if not decision.allowed:
        error = None
        if decision.state == ratelimit.CAPTCHA_WRONG:
            verification.log_lookup(client=client, kind=kind, result=LookupResult.CHALLENGE_FAILED)
            error = _("The characters were wrong. Type the ones in the new picture.")
        if callable(challenge_context):
            challenge_context = challenge_context()
        context = _context(request, captcha=captcha.new(), challenge_error=error, **challenge_context)
        return render(request, TEMPLATE, context, status=200)
    return _finish(request, client, kind, outcome, raw_query, **extra)


def _finish(request, client: str, kind: str, outcome, raw_query: str, **extra):
    verification.log_lookup(
        client=client,
        kind=kind,
        result=outcome.result,
        certificate_id=getattr(outcome.certificate, "pk", None)
        or getattr(getattr(outcome, "report", None), "certificate_id", None),
        query=verification.kind_query(kind, outcome, raw_query),
    )
    return _render_outcome(request, outcome, **extra)


# No CSRF check on the lookups (index, short_link, code_link): CSRF protects what a signed-in
# user's browser could be made to do with the user's rights, and a lookup uses none — it is public,
# changes nothing for its sender, and is limited per client address, which an attacker's page can
# also reach with plain GET links. The check cost a tenth of the lookup.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def index(request):
    """Look up by certificate number + name, or by the verification code."""
    if request.method == "GET":
        return render(request, TEMPLATE, _context(request))
    client = verification.client_hash(request)
    if request.POST.get("form") == "code":
        form = CodeForm(request.POST)
        if not form.is_valid():
            return render(request, TEMPLATE, _context(request, code_form=form, tab="code"))
        code = form.cleaned_data["code"]
        outcome = verification.lookup_by_code(code)
        if outcome.errors:
            form.add_error("code", _("An online verification code has 16 letters and digits."))
        return _answer(
            request, client, LookupKind.CODE, outcome, code,
            challenge_context={"code_form": form, "tab": "code"}, code_form=form, tab="code",
        )  # fmt: skip
    # The form object is built only when a page shows it (errors, the CAPTCHA): for a plain
    # lookup its construction and validation cost more than the lookup's query.
    values = _plain_fields(request.POST, NumberForm)
    if values is None:
        form = NumberForm(request.POST)
        if not form.is_valid():
            return render(request, TEMPLATE, _context(request, number_form=form))
        values = form.cleaned_data
    number = values["number"]
    outcome = verification.lookup_by_number(number, values["name"])
    extra = {}
    if outcome.errors:
        form = extra["number_form"] = _validated(NumberForm(request.POST))
        for message in outcome.errors.get("number", []):
            form.add_error("number", message)
    return _answer(
        request, client, LookupKind.NUMBER_NAME, outcome, number,
        challenge_context=lambda: {"number_form": _validated(NumberForm(request.POST))}, **extra,
    )  # fmt: skip


def _validated(form):
    form.is_valid()
    return form


def _plain_fields(data, form_class) -> dict | None:
    """The form's values when every field is a plain ``CharField`` that its own cleaning would accept
    unchanged but for stripping (present, not blank, within ``max_length``, no NUL): the lookup then
    skips building and validating the form. Anything else returns None and the form decides."""
    values = {}
    for name, field in form_class.base_fields.items():
        value = data.get(name)
        if not isinstance(value, str):
            return None
        value = value.strip()
        if not value or "\x00" in value or (field.max_length is not None and len(value) > field.max_length):
            return None
        values[name] = value
    return values


@csrf_exempt
@require_http_methods(["GET", "POST"])
def short_link(request, number: str):
    """The scanned short link printed on the certificate: ``/verify/v/<number>?c=<code>``."""
    code = request.GET.get("c", "")
    client = verification.client_hash(request)
    outcome = verification.lookup_short_link(number, code)
    return _answer(
        request, client, LookupKind.SHORT_URL, outcome, number,
        challenge_context={"challenge_action": request.get_full_path()}, via_link=True,
    )  # fmt: skip


@csrf_exempt
@require_http_methods(["GET", "POST"])
def code_link(request, code: str):
    """The link in a holder's verification report: ``/verify/c/<code>``."""
    client = verification.client_hash(request)
    outcome = verification.lookup_by_code(code)
    return _answer(
        request, client, LookupKind.CODE, outcome, code,
        challenge_context={"challenge_action": request.get_full_path()}, tab="code", via_link=True,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def signed_qr(request):
    """Check a pasted or scanned ``VC1:`` string against the published key list.

    The signature proves who issued the certificate, not its current status: the page says so and
    offers the online lookup for revocation.
    """
    context = {
        "title": _("Check a signed QR code"),
        "form": QRForm(),
        "claim_labels": claim_labels(),
        "claim_values": claim_value_labels(),
    }
    if request.method == "POST":
        client = verification.client_hash(request)
        # Checking a signature reveals nothing that is not in the code itself: counted, never a miss.
        decision = verification.gate(client, is_miss=False)
        if decision.state == ratelimit.LIMITED:
            return _limited(request, client, LookupKind.SIGNED_QR, decision.retry_after)
        form = QRForm(request.POST)
        context["form"] = form
        if form.is_valid():
            try:
                verified = signing.verify_qr(form.cleaned_data["payload"])
            except signing.QRVerificationError as exc:
                context["qr_error"] = exc.message
                verification.log_lookup(
                    client=client, kind=LookupKind.SIGNED_QR, result=LookupResult.SIGNATURE_INVALID
                )
            else:
                claims = verified.claims
                context["verified"] = verified
                context["claim_rows"] = claim_rows(claims)
                context["online_form"] = NumberForm(
                    initial={"number": claims.get("no", ""), "name": claims.get("n", "")}
                )
                verification.log_lookup(
                    client=client,
                    kind=LookupKind.SIGNED_QR,
                    result=LookupResult.SIGNATURE_VALID,
                    query=str(claims.get("no", ""))[:32],
                )
    response = render(request, "credentials/verify/qr.html", context)
    # This page alone may use the camera (to read a printed code); the site-wide policy denies it.
    response["Permissions-Policy"] = QR_PAGE_PERMISSIONS
    return response


def claim_labels() -> dict[str, str]:
    return {
        "no": _("Certificate number"),
        "k": _("Certificate"),
        "n": _("Holder's full name"),
        "s": _("School"),
        "m": _("Major"),
        "l": _("Level"),
        "e": _("Entry date"),
        "d": _("Graduation date"),
        "i": _("Issue date"),
    }


def claim_value_labels() -> dict[str, dict[str, str]]:
    """The coded claims by their label (kind, level, gender): the server's result and the offline
    check in the browser (``static/js/verify-qr.js``) read the same table."""
    return {
        "k": {value: str(label) for value, label in CertificateKind.choices},
        "l": {value: str(label) for value, label in MajorLevel.choices},
        "g": {value: str(label) for value, label in Gender.choices},
    }


def claim_rows(claims: dict) -> list[tuple[str, str]]:
    labels = claim_labels()
    coded = claim_value_labels()
    values = {key: coded.get(key, {}).get(value, value) for key, value in dict(claims).items()}
    return [(label, values[key]) for key, label in labels.items() if key in values]


@require_GET
@cache_control(public=True, max_age=300)
def keys_json(request):
    return JsonResponse(signing.key_list(), json_dumps_params={"ensure_ascii": False, "indent": 2})


@require_GET
@cache_control(public=True, max_age=300)
def keys_pem(request):
    return HttpResponse(signing.pem_bundle(), content_type="application/x-pem-file; charset=utf-8")
