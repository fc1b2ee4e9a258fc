"""Filling a submission besides the web form: its XLSX template (download, upload) and the checks
shown as one types (an HTMX partial: field messages, warnings, the rules across elements). The
same views serve a school's form and a city's own return (``filler``, see ``fillers``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.core.downloads import download_response
from zhijiao.core.services import OutOfScope
from zhijiao.core.tabular import XLSX_CONTENT_TYPE

from . import rows as rowlib
from . import selectors, services_prefill, services_xlsx, validation, xlsx
from .choices import EDITABLE
from .fillers import FILLERS

MAX_MESSAGES = 30


@login_required
def template_download(request, pk, filler="school"):
    submission = FILLERS[filler].get(request.user, pk)
    return download_response(
        xlsx.template_bytes(submission), xlsx.template_filename(submission), content_type=XLSX_CONTENT_TYPE
    )


@login_required
@require_POST
def template_upload(request, pk, filler="school"):
    filler = FILLERS[filler]
    submission = filler.get(request.user, pk)
    upload = request.FILES.get("file")
    back = redirect(filler.form_url(submission))
    if upload is None:
        messages.error(request, _("Choose the filled-in template to upload."))
        return back
    try:
        services_xlsx.submission_upload(
            actor=request.user, submission=submission, fileobj=upload, filename=upload.name
        )
    except OutOfScope as exc:
        raise Http404 from exc
    except ValidationError as exc:
        problems = exc.messages
        messages.error(
            request,
            _("The template was not loaded; nothing was changed. %(n)d problems:") % {"n": len(problems)},
        )
        for line in problems[:MAX_MESSAGES]:
            messages.error(request, line)
        if len(problems) > MAX_MESSAGES:
            messages.error(request, _("… and %(n)d more.") % {"n": len(problems) - MAX_MESSAGES})
        return back
    messages.success(request, _("The template's values were saved."))
    return back


def posted_values(data) -> dict[tuple[str, str], str]:
    values = {}
    for key, raw in data.items():
        if key.startswith("v__"):
            _prefix, code, cell = (key.split("__", 2) + [""])[:3]
            values[(code, cell)] = raw
    return values


def feedback_id(name: str) -> str:
    return "fb-" + name.replace(".", "")


@login_required
@require_POST
def check(request, pk, filler="school"):
    """The checks of the values posted (nothing saved): the panel of problems, and (out of band)
    the message under the field being typed and under every field with a problem."""
    filler = FILLERS[filler]
    submission = filler.get(request.user, pk)
    if submission.status not in EDITABLE:
        return HttpResponse("")
    version = submission.version
    elements = list(version.elements.prefetch_related("categories"))
    values = posted_values(request.POST)
    # Row lists: each posted row checked (messages naming the row), and the elements they derive
    # computed from them as the save will (those fields are read-only, so not posted).
    row_errors, row_missing = {}, []
    lists = rowlib.row_lists(version.definition)
    if lists:
        by_code = {e.code: e for e in elements}
        posted = rowlib.posted_rows(request.POST, lists)
        names = dict(submission.rows.values_list("key", "person_name")) if posted else {}
        for rl in lists:
            if rl.code not in posted:
                continue
            cleaned, errs, missing = rowlib.clean_rows(rl, posted[rl.code], names)
            row_errors.update(errs)
            row_missing += missing
            values.update(rowlib.derive(rl, [v for _k, v in cleaned], by_code))
        derived = rowlib.derived_codes(version.definition)
        for v in submission.values.filter(element__code__in=derived).select_related("element"):
            values.setdefault((v.element.code, v.cell), v.value)
    result = validation.check_values(elements, list(version.rules.all()), values)
    warnings = validation.flags(
        elements,
        version.definition,
        result.numbers,
        filler.previous_numbers(request.user, submission),
    )
    labels, names = {}, {}
    for e in elements:
        for cell, label in e.cells():
            key = validation.field_key(e.code, cell)
            labels[key] = f"{e.name}{' · ' + label if label else ''}"
            names[key] = f"v__{e.code}__{cell}"
    fields = {}
    for key in (set(result.errors) | set(warnings)) & set(names):
        fields[names[key]] = {"errors": result.errors.get(key, []), "warnings": warnings.get(key, [])}
    for name, msgs in row_errors.items():
        fields[name] = {"errors": msgs, "warnings": []}
        names[name] = name
    trigger = request.headers.get("HX-Trigger-Name", "")
    if trigger in names.values() or trigger.startswith("r__"):
        fields.setdefault(trigger, {"errors": [], "warnings": []})
    oob = [{"id": feedback_id(name), **found} for name, found in fields.items()]
    panel = render_to_string(
        "reporting/partials/live_checks.html",
        {
            "errors": [(labels.get(k, k), m) for k, m in result.errors.items()]
            + [(msgs[0].split("：", 1)[0], msgs[0].split("：", 1)[1:]) for msgs in row_errors.values()],
            "missing": row_missing[:MAX_MESSAGES],
            "missing_more": max(0, len(row_missing) - MAX_MESSAGES),
            "warnings": [(labels.get(k, k), m) for k, m in warnings.items()],
            "failures": result.failures,
            "oob": oob,
        },
        request=request,
    )
    return HttpResponse(panel)


@login_required
@require_POST
def prefill(request, pk):
    """Fill the form's empty prefilled cells from the platform's data again (e.g. after 学籍
    changed); values already entered stay."""
    submission = get_object_or_404(selectors.submission_list(user=request.user), pk=pk)
    try:
        n = services_prefill.submission_prefill(actor=request.user, submission=submission)
    except OutOfScope as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        if n:
            messages.success(request, _("%(n)d empty cells were filled from the platform's data.") % {"n": n})
        else:
            messages.info(request, _("No empty cell is filled from the platform's data."))
    return redirect("reporting:submission_form", pk=submission.pk)


# --- file and reference elements --------------------------------------------------------------


@login_required
@require_POST
def file_upload(request, pk, code):
    """Attach a file to a file element of the form (its own small form beside the field)."""
    from .services_files import submission_file_attach

    submission = get_object_or_404(selectors.submission_list(user=request.user), pk=pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose the file to upload."))
    else:
        try:
            submission_file_attach(
                actor=request.user, submission=submission, element_code=code, upload=upload
            )
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("The file was attached."))
    return redirect("reporting:submission_form", pk=submission.pk)


@login_required
def file_download(request, pk, file_pk):
    from zhijiao.core.downloads import file_download as send_file

    submission = get_object_or_404(selectors.submission_list(user=request.user), pk=pk)
    attached = get_object_or_404(submission.files.all(), pk=file_pk)
    try:
        handle = attached.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    return send_file(handle, attached.name, content_type=attached.content_type)


@login_required
def reference_search(request, kind):
    """Organisations or majors matching what is typed (``{"results": [{"id": code, "text"}]}``):
    the choices of a reference element, searched as one types (static/js/autocomplete.js)."""
    from django.http import JsonResponse

    from .choices import REFERENCE_TYPES

    if kind not in REFERENCE_TYPES:
        raise Http404
    results = validation.reference_search(kind, request.GET.get("q", ""))
    return JsonResponse({"results": results, "more": False})
