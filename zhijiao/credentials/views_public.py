"""The public 学历查询 at /verify/: no login, mobile friendly, the minimum fields, every lookup logged."""

from __future__ import annotations

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
from django.views.decorators.http import require_GET, require_http_methods

from zhijiao.majors.choices import MajorLevel

from . import signing, verification
from .choices import CertificateKind, LookupKind, LookupResult

TEMPLATE = "credentials/verify/index.html"
RESULT_TEMPLATE = "credentials/verify/result.html"
# core.middleware.SecurityHeadersMiddleware sets Permissions-Policy only where a view has not.
QR_PAGE_PERMISSIONS = "camera=(self), microphone=(), geolocation=()"


class NumberForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Certificate number"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Verification code"), max_length=40)


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
            _("Name"),
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
        (label, date_format(value) if hasattr(value, "year") else value)
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
    context = {
        "title": _("Credential verification"),
        "links": _result_links(),
        "outcome": outcome,
        "result_message": RESULT_MESSAGES.get(outcome.result, ""),
        "now": timezone.now(),
    }
    if outcome.certificate is not None:
        context["fields_html"] = _fields_html(public_fields(outcome.certificate))
    # No request context: the page needs no CSRF token, user or menu (the context processors
    # would cost more than the lookup).
    return HttpResponse(_result_template().render(context))


def _guard(request, client: str, kind: str, *, challenge_context: dict):
    """Rate limit, then the challenge; returns a response to send instead of looking up, or None."""
    if verification.rate_limited(client):
        verification.log_lookup(client=client, kind=kind, result=LookupResult.RATE_LIMITED)
        return render(
            request,
            "credentials/verify/limited.html",
            {"title": _("Too many lookups")},
            status=429,
        )
    if verification.challenge_required(client):
        answer = request.POST.get("challenge") if request.method == "POST" else None
        if answer is not None and verification.check_challenge(request, answer):
            verification.clear_misses(client)
            return None
        error = None
        if answer is not None:
            verification.log_lookup(client=client, kind=kind, result=LookupResult.CHALLENGE_FAILED)
            error = _("The answer was wrong. Try the new question.")
        a, b = verification.new_challenge(request)
        context = _context(request, challenge=(a, b), challenge_error=error, **challenge_context)
        return render(request, TEMPLATE, context, status=200)
    return None


def _finish(request, client: str, kind: str, outcome, raw_query: str, **extra):
    if outcome.is_miss:
        verification.record_miss(client)
    verification.log_lookup(
        client=client,
        kind=kind,
        result=outcome.result,
        certificate_id=getattr(outcome.certificate, "pk", None)
        or getattr(getattr(outcome, "report", None), "certificate_id", None),
        query=verification.kind_query(kind, outcome, raw_query),
    )
    return _render_outcome(request, outcome, **extra)


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
        blocked = _guard(
            request, client, LookupKind.CODE, challenge_context={"code_form": form, "tab": "code"}
        )
        if blocked:
            return blocked
        code = form.cleaned_data["code"]
        outcome = verification.lookup_by_code(code)
        if outcome.errors:
            form.add_error("code", _("A verification code has 16 letters and digits."))
        return _finish(request, client, LookupKind.CODE, outcome, code, code_form=form, tab="code")
    form = NumberForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, number_form=form))
    blocked = _guard(request, client, LookupKind.NUMBER_NAME, challenge_context={"number_form": form})
    if blocked:
        return blocked
    number = form.cleaned_data["number"]
    outcome = verification.lookup_by_number(number, form.cleaned_data["name"])
    for message in outcome.errors.get("number", []):
        form.add_error("number", message)
    return _finish(request, client, LookupKind.NUMBER_NAME, outcome, number, number_form=form)


@require_http_methods(["GET", "POST"])
def short_link(request, number: str):
    """The scanned short link printed on the certificate: ``/verify/v/<number>?c=<code>``."""
    code = request.GET.get("c", "")
    client = verification.client_hash(request)
    blocked = _guard(
        request, client, LookupKind.SHORT_URL, challenge_context={"challenge_action": request.get_full_path()}
    )
    if blocked:
        return blocked
    outcome = verification.lookup_short_link(number, code)
    return _finish(request, client, LookupKind.SHORT_URL, outcome, number, via_link=True)


@require_http_methods(["GET", "POST"])
def code_link(request, code: str):
    """The link in a holder's verification report: ``/verify/c/<code>``."""
    client = verification.client_hash(request)
    blocked = _guard(
        request, client, LookupKind.CODE, challenge_context={"challenge_action": request.get_full_path()}
    )
    if blocked:
        return blocked
    outcome = verification.lookup_by_code(code)
    return _finish(request, client, LookupKind.CODE, outcome, code, tab="code", via_link=True)


@require_http_methods(["GET", "POST"])
def signed_qr(request):
    """Check a pasted or scanned ``VC1:`` string against the published key list.

    The signature proves who issued the certificate, not its current status: the page says so and
    offers the online lookup for revocation.
    """
    context = {"title": _("Check a signed QR code"), "form": QRForm(), "claim_labels": claim_labels()}
    if request.method == "POST":
        client = verification.client_hash(request)
        if verification.rate_limited(client):
            verification.log_lookup(
                client=client, kind=LookupKind.SIGNED_QR, result=LookupResult.RATE_LIMITED
            )
            return render(
                request, "credentials/verify/limited.html", {"title": _("Too many lookups")}, status=429
            )
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
        "n": _("Name"),
        "s": _("School"),
        "m": _("Major"),
        "l": _("Level"),
        "e": _("Entry date"),
        "d": _("Graduation date"),
        "i": _("Issue date"),
    }


def claim_rows(claims: dict) -> list[tuple[str, str]]:
    labels = claim_labels()
    values = dict(claims)
    if "k" in values and values["k"] in CertificateKind.values:
        values["k"] = CertificateKind(values["k"]).label
    if "l" in values:
        values["l"] = dict(MajorLevel.choices).get(values["l"], values["l"])
    return [(label, values[key]) for key, label in labels.items() if key in values]


@require_GET
@cache_control(public=True, max_age=300)
def keys_json(request):
    return JsonResponse(signing.key_list(), json_dumps_params={"ensure_ascii": False, "indent": 2})


@require_GET
@cache_control(public=True, max_age=300)
def keys_pem(request):
    return HttpResponse(signing.pem_bundle(), content_type="application/x-pem-file; charset=utf-8")
