"""Staff pages (issue, print, void, reissue, publish, revoke) and the holder's own page."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from zhijiao.core import jobfiles
from zhijiao.core import jobs as core_jobs
from zhijiao.core.downloads import download_response, file_download
from zhijiao.core.models import Job
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import ObjectDetailView, ObjectListView

from . import printing, selectors, services
from .choices import CertificateStatus
from .filtersets import CertificateFilterSet
from .jobs import PRINT_JOB, output_name
from .tables import CertificateTable
from .views_public import public_fields


class CertificateListView(ObjectListView):
    selector = selectors.certificate_list
    filterset_class = CertificateFilterSet
    table_class = CertificateTable
    title = gettext_lazy("Certificates")

    def get_tally(self, filterset):
        from zhijiao.core import counters

        return counters.tally("certificates", self.request.user)

    # --- CHSI 学历 registration list (students.exchange "chsi_xl"): ?export=xlsx&layout=chsi_xl ---------
    def get_extra_actions(self) -> list[tuple[str, str]]:
        from zhijiao.core.views.generic import filter_querystring
        from zhijiao.students.selectors import exchange_layout, has_higher_vocational, may_export_exchange

        layout = exchange_layout(CHSI_LAYOUT)
        user = self.request.user
        if layout is None or not may_export_exchange(user) or not has_higher_vocational(user):
            return []
        return [
            (
                _("Export: %(format)s") % {"format": layout.label},
                "?" + filter_querystring(self.request, export="xlsx", layout=CHSI_LAYOUT),
            )
        ]

    def get_layout(self):
        from zhijiao.students.selectors import exchange_layout, may_export_exchange

        key = self.request.GET.get("layout")
        if not key:
            return None
        layout = exchange_layout(key) if key == CHSI_LAYOUT else None
        if layout is None:
            raise Http404
        if not may_export_exchange(self.request.user):
            raise PermissionDenied
        return layout

    def get_queryset(self):
        layout = self.get_layout()
        if layout is None:
            return super().get_queryset()
        # Full ID numbers leave in this file: certificates the user may change, audited (core.exports).
        return selectors.chsi_certificates(user=self.request.user)

    def get_export_filename(self, model) -> str:
        layout = self.get_layout()
        return layout.filename if layout is not None else super().get_export_filename(model)

    def export_headers(self) -> list[str]:
        layout = self.get_layout()
        return layout.headers() if layout is not None else super().export_headers()

    def export_rows(self, queryset):
        layout = self.get_layout()
        if layout is None:
            return super().export_rows(queryset)
        return (
            layout.row(
                cert.graduation.enrolment.student,
                cert.graduation.enrolment,
                {
                    "certificate_number": cert.number,
                    "graduation_date": cert.graduation.graduation_date,
                    "outcome": cert.graduation.outcome,
                    "issue_date": cert.issue_date,
                    "principal_name": cert.principal_name,
                },
            )
            for cert in queryset
        )


#: The CHSI 学历 registration format (a data file in ``students/exchange``).
CHSI_LAYOUT = "chsi_xl"


class CertificateDetailView(ObjectDetailView):
    selector = selectors.certificate_list
    template_name = "credentials/certificate_detail.html"
    fields = [
        "number",
        "kind",
        "holder_name",
        "institution_name",
        "class_name",
        "major_name",
        "level",
        "entry_date",
        "graduation_date",
        "issue_date",
        "principal_name",
        "status",
        "status_reason",
        "published_at",
        "print_count",
        "last_printed_at",
        "verify_code",
    ]
    list_url_name = "credentials:certificate_list"

    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        user = self.request.user
        context["can_change"] = (
            selectors.certificate_list(user=user, action="change").filter(pk=obj.pk).exists()
        )
        context["can_authorise"] = selectors.authority_certificate_list(user=user).filter(pk=obj.pk).exists()
        context["is_issued"] = obj.status == CertificateStatus.ISSUED
        context["replaced_by"] = list(obj.replaced_by.all().only("id", "number"))
        context["verify_link"] = printing.short_link(obj.number, obj.verify_code)
        return context


def _pdf_response(content: bytes, filename: str, fallback: str | None = None) -> HttpResponse:
    return download_response(content, filename, content_type="application/pdf", fallback=fallback)


def _certificate_for_change(request, pk):
    try:
        return selectors.certificate_print_list(user=request.user).get(pk=pk)
    except (ValueError, TypeError, OverflowError, selectors.Certificate.DoesNotExist):
        if selectors.certificate_list(user=request.user).filter(pk=pk).exists():
            raise PermissionDenied(_("You may view this record but not change it."))
        raise Http404


def _printable_or_redirect(request, pk):
    cert = _certificate_for_change(request, pk)
    try:
        services.printable([cert])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return cert, HttpResponseRedirect(cert.get_absolute_url())
    return cert, None


@login_required
@require_GET
def certificate_pdf(request, pk: int):
    """One certificate as a PDF to look at (opened in the browser): viewing is not printing."""
    cert, refused = _printable_or_redirect(request, pk)
    if refused:
        return refused
    content = printing.certificates_pdf([cert])
    return download_response(
        content,
        _("Certificate %(number)s.pdf") % {"number": cert.number},
        content_type="application/pdf",
        fallback=f"certificate-{cert.number}.pdf",
        inline=True,
    )


@login_required
@require_POST
def certificate_print(request, pk: int):
    """登记打印: the registrar prints the certificate; the print is counted and audited, the PDF returned."""
    cert, refused = _printable_or_redirect(request, pk)
    if refused:
        return refused
    content = printing.certificates_pdf([cert])
    services.certificates_record_print(actor=request.user, certificates=[cert])
    return _pdf_response(
        content, _("Certificate %(number)s.pdf") % {"number": cert.number}, f"certificate-{cert.number}.pdf"
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


@login_required
@require_POST
def certificate_action(request, pk: int, verb: str):
    """void / reissue (the school), publish / revoke (the authority)."""
    if not selectors.certificate_list(user=request.user).filter(pk=pk).exists():
        raise Http404
    form = ReasonForm(request.POST)
    reason = request.POST.get("reason", "")
    target = reverse("credentials:certificate_detail", args=[pk])
    try:
        if verb == "void":
            services.certificate_void(actor=request.user, certificate=pk, reason=reason)
            messages.success(request, _("The certificate was voided."))
        elif verb == "reissue":
            new = services.certificate_reissue(actor=request.user, certificate=pk, reason=reason)
            messages.success(
                request, _("Certificate %(number)s was issued in its place.") % {"number": new.number}
            )
            target = new.get_absolute_url()
        elif verb == "publish":
            services.certificates_publish(actor=request.user, certificates=[pk])
            messages.success(request, _("The certificate was published."))
        elif verb == "revoke":
            services.certificate_revoke(actor=request.user, certificate=pk, reason=reason)
            messages.success(request, _("The certificate was revoked."))
        else:
            raise Http404
    except OutOfScope:
        raise PermissionDenied(_("You may view this record but not change it."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    del form
    return HttpResponseRedirect(target)


@login_required
def issue(request):
    """Approved graduations without a certificate: issue the selected ones in one go."""
    graduations = selectors.graduations_awaiting_certificate(user=request.user)
    if request.method == "POST":
        ids = request.POST.getlist("graduation")
        chosen = list(graduations.filter(pk__in=[i for i in ids if str(i).isdigit()]))
        issue_date = _parse_date(request.POST.get("issue_date")) or timezone.localdate()
        if not chosen:
            messages.error(request, _("Select at least one graduate."))
        else:
            try:
                issued = services.certificates_issue_bulk(
                    actor=request.user,
                    graduations=chosen,
                    principal_name=request.POST.get("principal_name", ""),
                    issue_date=issue_date,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("%(n)s certificates were issued.") % {"n": len(issued)})
                return HttpResponseRedirect(reverse("credentials:certificate_list"))
    rows = list(graduations[:500])
    return render(
        request,
        "credentials/issue.html",
        {"title": _("Issue certificates"), "rows": rows, "today": timezone.localdate()},
    )


def _parse_date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def print_batch(request):
    """A class (or any filtered set) as one PDF: small sets at once, large ones as a background job."""
    base = selectors.certificate_print_list(user=request.user).filter(status=CertificateStatus.ISSUED)
    classes = (
        base.values("institution_id", "institution_name", "class_name", "graduation_date__year")
        .order_by("institution_name", "class_name")
        .distinct()
    )
    if request.method == "POST":
        try:
            institution_id = int(request.POST.get("institution", ""))
        except ValueError:
            raise Http404
        certs = list(
            base.filter(
                institution_id=institution_id, class_name=request.POST.get("class_name", "")
            ).order_by("number")
        )
        if not certs:
            messages.error(request, _("No printable certificates in that class."))
            return HttpResponseRedirect(reverse("credentials:print_batch"))
        try:
            services.printable(certs)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("credentials:print_batch"))
        if len(certs) <= getattr(settings, "CREDENTIALS_PRINT_SYNC_MAX", 60):
            content = printing.certificates_pdf(certs)
            services.certificates_record_print(actor=request.user, certificates=certs)
            return _pdf_response(
                content,
                _("Certificates %(class)s.pdf") % {"class": certs[0].class_name or institution_id},
                f"certificates-{institution_id}.pdf",
            )
        job = core_jobs.enqueue(
            PRINT_JOB,
            params={"ids": [c.pk for c in certs], "language": request.LANGUAGE_CODE},
            created_by=request.user,
        )
        return HttpResponseRedirect(reverse("credentials:job_detail", args=[job.pk]))
    return render(
        request, "credentials/print_batch.html", {"title": _("Print certificates"), "classes": classes}
    )


def _own_job(request, pk) -> Job:
    return get_object_or_404(Job, pk=pk, created_by=request.user, kind=PRINT_JOB)


@login_required
def job_detail(request, pk: int):
    job = _own_job(request, pk)
    template = "credentials/partials/job.html" if request.htmx else "credentials/job.html"
    return render(request, template, {"title": _("Printing"), "job": job})


@login_required
def job_download(request, pk: int):
    job = _own_job(request, pk)
    name = output_name(job)
    if job.status != "succeeded" or not jobfiles.exists(name):
        raise Http404
    return file_download(
        jobfiles.open(name), f"certificates-job-{job.pk}.pdf", content_type="application/pdf"
    )


@login_required
def publish(request):
    """学历发布: the authority publishes issued certificates of its subtree."""
    pending = selectors.authority_certificate_list(user=request.user).filter(
        status=CertificateStatus.ISSUED, published_at__isnull=True
    )
    if not user_scope(request.user).region_paths and not request.user.is_superuser:
        raise PermissionDenied(_("Only the approving authority publishes credentials."))
    if request.method == "POST":
        ids = [i for i in request.POST.getlist("certificate") if i.isdigit()]
        try:
            n = services.certificates_publish(actor=request.user, certificates=ids)
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(n)s certificates were published.") % {"n": n})
        return HttpResponseRedirect(reverse("credentials:publish"))
    return render(
        request, "credentials/publish.html", {"title": _("Publish credentials"), "rows": list(pending[:500])}
    )


# --- the holder (student) -------------------------------------------------------------------------
@login_required
def my_credentials(request):
    certs = list(services.holder_certificates(request.user).defer("qr_signed_png", "qr_link_png"))
    if request.method == "POST":
        try:
            if request.POST.get("action") == "close":
                services.report_close(actor=request.user, report=request.POST.get("report"))
                messages.success(request, _("The report was closed."))
            else:
                report = services.report_create(
                    actor=request.user,
                    certificate=request.POST.get("certificate"),
                    validity_days=request.POST.get("validity_days"),
                )
                messages.success(request, _("Report %(code)s was created.") % {"code": report.code})
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("credentials:my"))
    low, high = services.report_limits()
    return render(
        request,
        "credentials/my.html",
        {
            "title": _("My credentials"),
            "certs": certs,
            "reports": list(selectors.report_list(user=request.user)),
            "low": low,
            "high": high,
        },
    )


@login_required
def my_report_pdf(request, pk: int):
    report = get_object_or_404(selectors.report_list(user=request.user), pk=pk)
    link = f"{printing.verify_base_url()}{reverse('verify:code_link', args=[report.code])}"
    context = {
        "report": report,
        "cert": report.certificate,
        "fields": public_fields(report.certificate),
        "link": link,
        "qr": printing.data_uri(printing.qr_png(link)),
    }
    from django.template.loader import render_to_string

    body = render_to_string("credentials/print/report.html", context)
    html = render_to_string("credentials/print/document.html", {"body": body})
    return _pdf_response(printing.html_to_pdf(html), f"verification-report-{report.code}.pdf")
