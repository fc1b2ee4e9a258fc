"""The public pages of 技能大赛 (no login, no cookie): an event's published results (names, schools,
ranks and prizes — never an ID number) and the award-certificate lookup by the printed code,
counted and challenged through the same shared gate as the diploma lookup at /verify/ (its own
counters: ``comp:`` clients)."""

from __future__ import annotations

import re

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from zhijiao.core import captcha, ratelimit
from zhijiao.credentials import verification

from . import selectors
from .choices import Award

CODE_RE = re.compile(r"^[A-Z0-9]{16}$")


@require_GET
def results(request, code):
    event = selectors.published_event(code)
    if event is None:
        raise Http404
    contests: list[dict] = []
    for entry in selectors.published_results(event):
        if not contests or contests[-1]["contest"].pk != entry.contest_id:
            contests.append({"contest": entry.contest, "rows": []})
        contests[-1]["rows"].append(entry)
    return render(
        request,
        "competitions/public_results.html",
        {"title": _("Results: %(name)s") % {"name": event.name}, "event": event, "contests": contests},
    )


def _normalise(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()[:40]


def _lookup(request, code: str, *, data=None):
    client = "comp:" + verification.client_hash(request)
    valid = bool(CODE_RE.match(code))
    found = selectors.certificate_by_code(code) if valid else None
    data = data or {}
    decision = verification.gate(
        client,
        is_miss=found is None,
        captcha_token=data.get("captcha_token", ""),
        captcha_answer=data.get("captcha", ""),
    )
    context = {"title": _("Verify an award certificate"), "code": code}
    if decision.state == ratelimit.LIMITED:
        response = render(request, "competitions/verify.html", {**context, "limited": True}, status=429)
        response["Retry-After"] = str(decision.retry_after)
        return response
    if not decision.allowed:
        error = (
            _("The characters were wrong. Type the ones in the new picture.")
            if decision.state == ratelimit.CAPTCHA_WRONG
            else None
        )
        return render(
            request,
            "competitions/verify.html",
            {**context, "captcha": captcha.new(), "challenge_error": error},
        )
    if found is not None:
        found["award"] = Award(found["award"]).label
    return render(
        request,
        "competitions/verify.html",
        {**context, "searched": True, "found": found, "bad_code": not valid},
    )


# No CSRF check: a lookup uses no one's rights (as at /verify/).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify(request):
    if request.method == "GET":
        return render(request, "competitions/verify.html", {"title": _("Verify an award certificate")})
    return _lookup(request, _normalise(request.POST.get("code", "")), data=request.POST)


@require_GET
def verify_code(request, code):
    """The link printed as the certificate's QR."""
    return _lookup(request, _normalise(code))
