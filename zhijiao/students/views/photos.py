"""Photos: the batch import from a ZIP named by ID number (with its report), and the photo itself,
served through the student's scope (never from /media/)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from zhijiao.core.views.generic import add_service_errors, may_create

from .. import selectors, services
from ..forms import PhotoArchiveForm
from ..models import Enrolment, Student


class PhotoImportView(LoginRequiredMixin, View):
    """Upload a ZIP of photos; the page shows which files were stored, not matched or refused."""

    template_name = "students/photo_import.html"

    def check_allowed(self):
        if not may_create(self.request.user, Student, Enrolment.scope_change_nodes):
            raise PermissionDenied(_("You may not change student records."))

    def _render(self, form, report=None, status=200):
        return render(
            self.request,
            self.template_name,
            {"title": _("Import photos (ZIP)"), "form": form, "report": report},
            status=status,
        )

    def get(self, request):
        self.check_allowed()
        return self._render(PhotoArchiveForm())

    def post(self, request):
        self.check_allowed()
        form = PhotoArchiveForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            report = services.photos_import_zip(actor=request.user, upload=form.cleaned_data["archive"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render(form, status=400)
        return self._render(PhotoArchiveForm(), report=report)


class StudentPhotoFileView(LoginRequiredMixin, View):
    """The photo of a student the user may see (or the signed-in student's own)."""

    def get(self, request, pk):
        from zhijiao.core.downloads import file_download

        student = selectors.student_list(user=request.user).filter(pk=pk).first()
        if student is None:
            own = selectors.student_for_user(request.user)
            student = own if own is not None and own.pk == pk else None
        if student is None or not student.photo:
            raise Http404
        try:
            fh = student.photo.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404
        ext = student.photo.name.rsplit(".", 1)[-1].lower()
        content_type = "image/png" if ext == "png" else "image/jpeg"
        response = file_download(fh, f"photo-{student.pk}.{ext}", content_type=content_type, inline=True)
        response["Cache-Control"] = "private, max-age=300"
        return response
