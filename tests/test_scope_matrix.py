"""The scope matrix: every scoped model × every role × every page and API endpoint, 0 leaks.

The world (``core.testing_scope.build_world``) holds rows of every scoped model in at least two
organisations, written by each app's ``tests/scope_fixtures.py``. For every role the test opens

- every list page (the rows of its table, and its XLSX export) and every API list,
- every page and API detail that takes an id, with ids of every organisation,
- every write — page POSTs (edit forms filled with the row's own values), API PUT / PATCH /
  DELETE, every API action, and creates whose body names another organisation's rows,

and compares with the rows the role should see or change (``testing_scope.may``: the declared scope
read in Python, not ``restrict``). Out of scope must be a 404 (or the answer the same URL gives for
an id that does not exist, so nothing tells the row exists) and must write nothing. In scope, a
detail must open. The generator reads the URL conf and the API router: a new model, page or
endpoint is covered without a new test, and one the generator cannot place fails
``test_every_…`` below until its app registers a fixture or a URL mapping.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import io
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.translation import override as language

from zhijiao.core.testing_scope import (
    OBJECT_URLS,
    ROLES,
    RULES,
    SINGLE_OWNER,
    Oracle,
    build_world,
    changed_tables,
    declares_scope,
    fingerprint,
    may,
    owner_of,
    scoped_models,
)

pytestmark = pytest.mark.django_db

NONEXISTENT = 987654321
#: Rows tried per model: one per owner, at most this many (the audit log has hundreds).
ROWS_PER_MODEL = 5
#: Extra values for URL arguments that are not ids.
URL_PARAMS = {
    "credentials:certificate_action": {"verb": ("void", "publish")},
    "internships:inspection_report": {"kind": ("xlsx",)},
    "internships:agreement_file": {"which": ("consent", "signed")},
}
#: Id-taking URLs the matrix does not probe as a row's page; each with the reason.
NOT_OBJECT_URLS: dict[str, str] = {
    "reporting:editor_draft": "starts the province's draft of a data set (a data set is reference data every "
    "user reads, the editor is the province's; zhijiao/reporting/tests/test_editor.py checks the 404s)",
}
#: Pages whose GET renders a PDF: opened only where they must refuse (rendering is slow).
HEAVY = {
    "credentials:certificate_pdf",
    "credentials:certificate_print",
    "credentials:my_report_pdf",
    "internships:inspection_report",
    "internships:handbook_pdf",
    "workplan:briefing_pdf",
    "credentials:job_download",
    "competitions:certificate_pdf",
}
#: Where a role legitimately sees fewer rows than its scope: (kind, name) → reason.
NARROWER = {
    ("api", "jobs"): "the API lists the caller's own jobs; the import pages show the province every import",
    ("page", "credentials:job_detail"): "a print job is shown to the user who started it",
    ("page", "imports:job_detail"): "the import pages show import jobs only (a print job has its own page)",
    ("page", "credentials:job_download"): "a print job is downloaded by the user who started it",
    ("page", "core:export_detail"): "an export job is shown to the user who started it",
    ("page", "core:export_download"): "an export file is downloaded by the user who started it",
    ("api", "competition-results"): "the results list the ranked entries of published events only",
}


# --- the world, once per module --------------------------------------------------------------------


@pytest.fixture(scope="module")
def sw(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("matrix")
    with (
        django_db_blocker.unblock(),
        override_settings(
            CREDENTIALS_KEY_DIR=tmp / "keys",
            CREDENTIALS_VERIFY_BASE_URL="https://xl.example.cn",
            MEDIA_ROOT=tmp / "media",
            INTERNSHIP_DASHBOARD_CACHE_SECONDS=0,
        ),
    ):
        from zhijiao.credentials import signing

        signing._private_cache.clear()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            world.oracle = Oracle()
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            signing._private_cache.clear()


@pytest.fixture(autouse=True)
def _settings(settings, sw, tmp_path, caplog):
    import logging

    caplog.set_level(logging.CRITICAL, logger="django.request")
    settings.MEDIA_ROOT = tmp_path
    settings.INTERNSHIP_DASHBOARD_CACHE_SECONDS = 0
    cache.clear()


# --- discovery ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Route:
    name: str
    callback: object
    kwargs: tuple[str, ...]

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None)

    def accepts(self, method: str) -> bool:
        cls = self.view_class
        if cls is not None:
            return hasattr(cls, method.lower())
        return True


def routes() -> list[Route]:
    out = []

    def walk(resolver, ns):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                walk(p, ":".join(x for x in (ns, p.namespace) if x))
            elif isinstance(p, URLPattern) and p.name:
                name = f"{ns}:{p.name}" if ns else p.name
                out.append(Route(name, p.callback, tuple(p.pattern.regex.groupindex)))

    walk(get_resolver(), "")
    return [r for r in out if not r.name.startswith(("admin:", "verify:"))]


def page_routes() -> list[Route]:
    return [
        r
        for r in routes()
        if not r.name.startswith(("api-", "api:"))
        and "format" not in r.kwargs
        and not getattr(r.callback, "cls", None)
    ]


def object_kwarg(route: Route) -> str | None:
    ids = [k for k in route.kwargs if k == "pk" or k.endswith("_pk")]
    return ids[0] if ids else None


def route_model(route: Route, superuser) -> type[Model] | None:
    if route.name in OBJECT_URLS:
        return OBJECT_URLS[route.name]
    selector = getattr(route.view_class, "selector", None)
    if selector is not None:
        return selector(user=superuser).model
    return None


def viewsets():
    from zhijiao.core.api.urls import router

    for prefix, viewset, _basename in router.registry:
        model = getattr(viewset, "model", None)
        if model is not None:
            yield prefix, viewset, model


def matrix_models(sw) -> list[type[Model]]:
    models = set(scoped_models()) | set(RULES)
    models |= {m for _p, _v, m in viewsets()}
    for route in page_routes():
        model = route_model(route, sw["superuser"]) if object_kwarg(route) else None
        if model is not None:
            models.add(model._meta.concrete_model)
    return sorted(models, key=lambda m: m._meta.label)


def sample(sw, model) -> list[Model]:
    """Rows to try: one per distinct owner (or per kind of row for rule-scoped models)."""
    rows = sw.oracle.rows(model)
    picked, seen = [], set()
    for row in rows:
        key = _row_key(row)
        if key not in seen:
            seen.add(key)
            picked.append(row)
    return picked[:ROWS_PER_MODEL]


def rows_for(sw, user, model) -> list[tuple[Model, bool, bool]]:
    """(row, visible, changeable) to try as ``user``: two rows outside the scope (distinct owners),
    one the user sees but may not change, one the user may change."""
    key = ("rows_for", getattr(user, "pk", None), model)
    cache_ = sw.oracle._cache
    if key not in cache_:
        outside, seen_only, changeable = [], [], []
        for row in sample(sw, model):
            visible, change = may(user, row, "view"), may(user, row, "change")
            (changeable if change else seen_only if visible else outside).append((row, visible, change))
        cache_[key] = outside[:2] + seen_only[:1] + changeable[:1]
    return cache_[key]


def writes_for(sw, user, model) -> list[tuple[Model, bool]]:
    """(row, visible) to try writes on: one row outside the scope, one seen but not changeable."""
    rows = [(r, v) for r, v, c in rows_for(sw, user, model) if not c]
    outside = [x for x in rows if not x[1]][:1]
    return outside + [x for x in rows if x[1]][:1]


def _row_key(row):
    model = type(row)
    if declares_scope(model) and model not in RULES:
        return owner_of(row)
    if hasattr(row, "scope_path"):  # audit entries: one per node they are filed under
        return row.scope_path
    if hasattr(row, "created_by_id"):  # jobs, verification reports: one per owner and kind
        return (getattr(row, "kind", ""), row.created_by_id)
    roles = list(row.role_assignments.all()) if hasattr(row, "role_assignments") else []
    return (getattr(row, "is_superuser", False), tuple((ra.role, ra.node_kind) for ra in roles))


# --- coverage: the generator can place every model and URL ------------------------------------------


def test_every_scoped_model_has_rows_in_two_organisations(sw):
    problems = []
    for model in matrix_models(sw):
        rows = sw.oracle.rows(model)
        if getattr(model, "scope_public_view", False):
            continue  # reference data every signed-in user reads
        if not rows or (len(rows) < 2 and model not in SINGLE_OWNER):
            problems.append(f"{model._meta.label}: {len(rows)} rows (register a @scope_fixture writing two)")
            continue
        if model in RULES or model in SINGLE_OWNER:
            continue
        owners = {owner_of(r) for r in rows}
        if len(owners) < 2:
            problems.append(f"{model._meta.label}: all rows belong to one organisation {owners}")
    assert not problems, "\n".join(problems)


def test_every_model_behind_a_page_or_endpoint_declares_its_scope(sw):
    problems = []
    for model in matrix_models(sw):
        row = sw.oracle.rows(model)[:1]
        try:
            for r in row:
                may(sw["jinan"], r)
        except LookupError as exc:
            problems.append(str(exc))
    assert not problems, "\n".join(problems)


def test_every_id_url_names_a_model(sw):
    unmapped = [
        r.name
        for r in page_routes()
        if object_kwarg(r) and r.name not in NOT_OBJECT_URLS and route_model(r, sw["superuser"]) is None
    ]
    assert not unmapped, f"register object_url(name, Model) in the app's tests/scope_fixtures.py: {unmapped}"


# --- requests -------------------------------------------------------------------------------------


def client_for(sw, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        user = sw[role]
        client.force_login(user)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="matrix", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def api_client_for(sw, role: str):
    from zhijiao.core.testing_api import api_client

    # With the audit scope: a token reads the audit log only when made for it (the role still decides).
    return api_client(None if role == "anonymous" else sw[role], scopes=("audit",))


class Report:
    def __init__(self, role):
        self.role = role
        self.leaks: list[str] = []
        self.missing: list[str] = []
        self.errors: list[str] = []

    def check(self):
        lines = [f"[{self.role}] LEAK {x}" for x in self.leaks]
        lines += [f"[{self.role}] MISSING {x}" for x in self.missing]
        lines += [f"[{self.role}] 5xx {x}" for x in self.errors]
        assert not lines, f"{len(lines)} problems:\n" + "\n".join(lines[:200])


def _user(sw, role):
    return sw.user(role)


def _url(route: Route, pk, extra: dict) -> str:
    kwargs = dict(extra)
    key = object_kwarg(route)
    if key:
        kwargs[key] = pk
    return reverse(route.name, kwargs=kwargs)


def _extra_variants(route: Route) -> Iterator[dict]:
    params = URL_PARAMS.get(route.name, {})
    others = [k for k in route.kwargs if k != object_kwarg(route)]
    if not others:
        yield {}
        return
    if not all(k in params for k in others):
        return
    import itertools

    for combo in itertools.product(*(params[k] for k in others)):
        yield dict(zip(others, combo, strict=True))


def _refused(status: int, baseline: int) -> bool:
    """Out of scope: a 404, or exactly what a missing id gets (a 403 for the whole role, a 405)."""
    return status == 404 or (status == baseline and status in (302, 400, 401, 403, 405))


def _write_checked(send, report: Report, what: str) -> int:
    before = fingerprint()
    response = send()
    changed = changed_tables(before, fingerprint())
    if changed:
        report.leaks.append(f"{what} wrote {changed} (status {response.status_code})")
    if response.status_code >= 500:
        report.errors.append(f"{what} → {response.status_code}")
    return response.status_code


def _is_detail(route: Route) -> bool:
    return route.name.endswith(("_detail", ":me")) and route.accepts("get")


# --- pages ------------------------------------------------------------------------------------------


def _list_ids(response) -> set | None:
    table = (response.context or {}).get("table") if response.context is not None else None
    if table is None:
        return None
    data = getattr(table.data, "data", None)
    if data is None:
        return None
    return {row.pk for row in data}


def _export_rows(response) -> int:
    from openpyxl import load_workbook

    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return sum(1 for _ in sheet.iter_rows()) - 1


def _form_data(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        if isinstance(value, Model):
            value = value.pk
        if isinstance(value, (datetime.date, datetime.time)):
            value = value.isoformat()
        if isinstance(value, decimal.Decimal):
            value = str(value)
        if isinstance(value, list | tuple):
            value = [v.pk if isinstance(v, Model) else v for v in value]
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    return data


def _edit_body(route: Route, row, sw) -> dict | None:
    cls = route.view_class
    form_class = getattr(cls, "form_class", None)
    if (
        form_class is None
        or not getattr(cls, "update_service", None)
        and not getattr(cls, "create_service", None)
    ):
        return None
    try:
        form = form_class(instance=row, user=sw["superuser"])
    except (TypeError, ValueError):
        return None
    data = _form_data(form)
    for name, field in form.fields.items():
        if field.__class__.__name__ == "CharField" and isinstance(data.get(name), str) and data[name]:
            data[name] = data[name][: (field.max_length or 200) - 2] + "改"
            break
    return data


@pytest.mark.parametrize("role", ROLES)
def test_pages(sw, role):
    report = Report(role)
    user = _user(sw, role)
    client = client_for(sw, role)
    superuser = sw["superuser"]
    with language("zh-hans"):
        for route in page_routes():
            key = object_kwarg(route)
            if key is None:
                if route.kwargs or not route.accepts("get") or route.name in HEAVY:
                    continue
                _check_list_page(sw, route, client, user, report)
                continue
            model = route_model(route, superuser)
            if model is None:
                continue
            for extra in _extra_variants(route):
                baseline_get = (
                    client.get(_url(route, NONEXISTENT, extra)).status_code if route.accepts("get") else 405
                )
                baseline_post = None
                writes = writes_for(sw, user, model)
                for row, visible, changeable in rows_for(sw, user, model):
                    url = _url(route, row.pk, extra)
                    what = f"{route.name} {model._meta.label}#{row.pk}"
                    if route.accepts("get") and not (route.name in HEAVY and visible):
                        if visible:
                            response = client.get(url)
                            status = response.status_code
                            if status >= 500:
                                report.errors.append(f"GET {what} → {status}")
                            elif _is_detail(route) and status != 200 and ("page", route.name) not in NARROWER:
                                report.missing.append(f"GET {what} → {status} (the role should see it)")
                        else:
                            status = client.get(url).status_code
                            if not _refused(status, baseline_get):
                                report.leaks.append(f"GET {what} → {status} (outside the role's scope)")
                    if changeable or not route.accepts("post") or (row, visible) not in writes:
                        continue
                    if baseline_post is None:
                        baseline_post = client.post(_url(route, NONEXISTENT, extra)).status_code
                    body = _edit_body(route, row, sw) or {}
                    status = _write_checked(lambda u=url, b=body: client.post(u, b), report, f"POST {what}")
                    if not visible and not _refused(status, baseline_post):
                        report.leaks.append(f"POST {what} → {status} (outside the role's scope)")
        _check_create_pages(sw, client, user, report)
    report.check()


def _check_list_page(sw, route, client, user, report):
    url = reverse(route.name)
    response = client.get(url, {"per_page": 100})
    if response.status_code >= 500:
        report.errors.append(f"GET {route.name} → {response.status_code}")
        return
    ids = _list_ids(response) if response.status_code == 200 else None
    if ids is None:
        return
    model = response.context["table"].data.data.model
    expected = sw.oracle.expected(model._meta.concrete_model, user)
    leaked = ids - expected
    if leaked:
        report.leaks.append(f"list {route.name} shows {model._meta.label} {sorted(leaked)}")
    export = client.get(url, {"export": "xlsx"})
    if export.status_code >= 500:
        report.errors.append(f"export {route.name} → {export.status_code}")
    elif export.status_code == 200 and export.get("Content-Type", "").startswith("application/vnd.openxml"):
        rows = _export_rows(export)
        if rows != len(ids):
            report.leaks.append(f"export {route.name}: {rows} rows, the list shows {len(ids)}")


def _check_create_pages(sw, client, user, report):
    """Add forms filled with another organisation's row: nothing may land outside the role's scope."""
    for route in page_routes():
        cls = route.view_class
        if route.kwargs or not route.name.endswith("_add") or not getattr(cls, "form_class", None):
            continue
        if getattr(cls, "create_service", None) is None:
            continue
        model = cls.form_class._meta.model
        for row, _visible in writes_for(sw, user, model):
            body = _edit_body(route, row, sw)
            if body is None:
                continue
            _created_in_scope(
                sw,
                model,
                user,
                report,
                f"POST {route.name} from {model._meta.label}#{row.pk}",
                lambda b=body, n=route.name: client.post(reverse(n), b),
            )


def _created_in_scope(sw, model, user, report, what, send):
    base = model._meta.concrete_model
    top = base._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
    before = fingerprint()
    response = send()
    if response.status_code >= 500:
        report.errors.append(f"{what} → {response.status_code}")
    for new in base._default_manager.filter(pk__gt=top):
        # A role may create what it may not change afterwards (a student's 直报): it must see it.
        if not may(user, new, "view"):
            report.leaks.append(f"{what} created {base._meta.label}#{new.pk} outside the role's scope")
    others = [t for t in changed_tables(before, fingerprint()) if t != base._meta.label]
    if others and not base._default_manager.filter(pk__gt=top).exists():
        report.leaks.append(f"{what} wrote {others} without creating a {base._meta.label}")


# --- API --------------------------------------------------------------------------------------------


def _api_ids(client, url) -> tuple[set, int]:
    ids, status = set(), 200
    page = url + "?page_size=500"
    while page:
        response = client.get(page)
        status = response.status_code
        if status != 200:
            return ids, status
        body = response.json()
        ids |= {row["id"] for row in body["results"] if "id" in row}
        page = body.get("next")
    return ids, status


def _detail_actions(viewset) -> list[str]:
    return [a.url_path for a in viewset.get_extra_actions() if a.detail and "post" in a.mapping]


def _serialised(viewset, row, sw) -> dict | None:
    serializer_class = getattr(viewset, "serializer_class", None)
    if serializer_class is None:
        return None
    from rest_framework.test import APIRequestFactory

    request = APIRequestFactory().get("/")
    request.user = sw["superuser"]
    try:
        data = serializer_class(row, context={"request": request}).data
    except Exception:  # noqa: BLE001 - a serialiser that needs more context: no create check for it
        return None
    return {k: v for k, v in data.items() if k != "id" and v is not None}


@pytest.mark.parametrize("role", ROLES)
def test_api(sw, role):
    report = Report(role)
    user = _user(sw, role)
    client = api_client_for(sw, role)
    with language("zh-hans"):
        for prefix, viewset, model in viewsets():
            base = model._meta.concrete_model
            list_url = f"/api/v1/{prefix}/"
            ids, status = _api_ids(client, list_url)
            if status >= 500:
                report.errors.append(f"GET {list_url} → {status}")
            leaked = ids - sw.oracle.expected(base, user)
            if leaked:
                report.leaks.append(f"GET {list_url} lists {base._meta.label} {sorted(leaked)}")
            baselines = {}

            def baseline(method, suffix="", body=None, baselines=baselines, list_url=list_url):
                key = (method, suffix)
                if key not in baselines:
                    send = getattr(client, method)
                    baselines[key] = send(
                        f"{list_url}{NONEXISTENT}/{suffix}", body or {}, format="json"
                    ).status_code
                return baselines[key]

            writes = writes_for(sw, user, base)
            for row, visible, changeable in rows_for(sw, user, base):
                url = f"{list_url}{row.pk}/"
                what = f"{prefix} {base._meta.label}#{row.pk}"
                if visible:
                    status = client.get(url).status_code
                    if status >= 500:
                        report.errors.append(f"GET {what} → {status}")
                    elif status != 200 and ("api", prefix) not in NARROWER:
                        report.missing.append(f"GET {what} → {status} (the role should see it)")
                else:
                    status = client.get(url).status_code
                    if not _refused(status, baseline("get")):
                        report.leaks.append(f"GET {what} → {status} (outside the role's scope)")
                if changeable or (row, visible) not in writes:
                    continue
                body = _serialised(viewset, row, sw) or {}
                # PUT and PATCH reach the same update path; PATCH with the row's own values is tried.
                for method in ("patch", "delete"):
                    send = getattr(client, method)
                    status = _write_checked(
                        lambda s=send, b=body, u=url: s(u, b, format="json"),
                        report,
                        f"{method.upper()} {what}",
                    )
                    if not visible and not _refused(status, baseline(method, "", body)):
                        report.leaks.append(f"{method.upper()} {what} → {status} (outside the role's scope)")
                for action in _detail_actions(viewset):
                    status = _write_checked(
                        lambda a=action, u=url: client.post(f"{u}{a}/", {}, format="json"),
                        report,
                        f"POST {what} {action}",
                    )
                    if not visible and not _refused(status, baseline("post", f"{action}/")):
                        report.leaks.append(f"POST {what} {action} → {status} (outside the role's scope)")
            if "post" in getattr(viewset, "http_method_names", ()) and hasattr(viewset, "create"):
                for row, _visible in writes:
                    body = _serialised(viewset, row, sw)
                    if body is None:
                        continue
                    _created_in_scope(
                        sw,
                        base,
                        user,
                        report,
                        f"POST {list_url} from #{row.pk}",
                        lambda b=body, u=list_url: client.post(u, b, format="json"),
                    )
    report.check()


def test_settings_are_the_test_ones():
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- choices: every related-field queryset of every form, filter and serializer is scoped ------------
#
# A form that offers another organisation's rows leaks their names (and lets a write aim at them);
# an enterprise once picked from 300 enterprises and read every plan of the province in a filter.
# Every ModelChoiceField of every form and filterset, and every writable related field of every
# serializer, is built for each role and must offer only rows the role may see — the declared scope
# again (``may``), not the selector that built the queryset. Reference data read by every signed-in
# user (``scope_public_view``) passes as it is; anything else wider than the scope is listed in
# ``WIDER_CHOICES`` with the reason.

CHOICE_ROLES = (
    "province_staff",
    "auditor",
    "jinan",
    "qingdao",
    "school_a",
    "school_b",
    "college",
    "ent_a",
    "ent_b",
    "expert",
    "student",
    "multi",
)


def _has_grant(kind):
    from zhijiao.core.testing_scope import grants_of

    return lambda user: any(g.kind == kind for g in grants_of(user))


#: (class, field) → (reason, for which users). Choices that are wider than what the role may see.
WIDER_CHOICES = {
    ("PostForm", "enterprise"): (
        "a school registers posts at any host (Post.registered_by)",
        _has_grant("institution"),
    ),
    ("AssessmentForm", "enterprise"): (
        "a school assesses any host it may send students to (教职成〔2021〕4号第七条)",
        _has_grant("institution"),
    ),
    ("PostSerializer", "enterprise"): (
        "a school registers posts at any host (Post.registered_by)",
        _has_grant("institution"),
    ),
    ("PostFilterSet", "enterprise"): (
        "the hosts of the posts the user reads (a school reads every host's posts)",
        _has_grant("institution"),
    ),
    ("StatusChangeForm", "target_institution"): (
        "a transfer names the receiving school, anywhere in the province",
        lambda user: True,
    ),
    ("StatusChangeForm", "target_offering"): (
        "a transfer names the receiving school's major",
        lambda user: True,
    ),
    ("StatusChangeSerializer", "target_institution"): (
        "a transfer names the receiving school, anywhere in the province",
        lambda user: True,
    ),
    ("StatusChangeSerializer", "target_offering"): (
        "a transfer names the receiving school's major",
        lambda user: True,
    ),
    # The division's own people, named to those who run the plan (the user pages are for managers).
    ("TaskEditForm", "owner"): ("a task owner is a colleague of the division", _has_grant("region")),
    ("TaskSerializer", "owner"): ("a task owner is a colleague of the division", _has_grant("region")),
    ("AssignmentForm", "assignee"): ("a sub-task goes to a colleague of the division", _has_grant("region")),
    ("BoardFilterForm", "owner"): ("the board filters by the plan's task owners", _has_grant("region")),
}


def _import_all():
    import importlib
    import pkgutil

    import zhijiao

    for info in pkgutil.walk_packages(zhijiao.__path__, "zhijiao."):
        if ".tests" in info.name or ".migrations" in info.name:
            continue
        importlib.import_module(info.name)


def _subclasses(base):
    out, todo = set(), [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in out:
                out.add(sub)
                todo.append(sub)
    return sorted(
        (c for c in out if c.__module__.startswith("zhijiao.")), key=lambda c: (c.__module__, c.__qualname__)
    )


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def _form_builders(sw):
    """How to build the forms that need more than a user, as their pages do; None where the page
    refuses the user before building the form (the plan or task is out of their reach)."""
    from zhijiao.internships.models import Inspection
    from zhijiao.workplan.models import Plan, Task

    plan = Plan.objects.order_by("pk").first()
    task = Task.objects.order_by("pk").first()
    placement = sw.made["placements"]["a"]

    def seeing(row, action, build):
        return lambda cls, user: build(cls, user) if may(user, row, action) else None

    return {
        "PlacementForm": seeing(
            placement.plan, "change", lambda cls, user: cls(plan=placement.plan, user=user)
        ),
        "BoardFilterForm": seeing(
            plan, "view", lambda cls, user: cls(plan=plan, owners=_workplan_owners(plan))
        ),
        "TaskEditForm": seeing(task, "change", lambda cls, user: cls(instance=task, user=user)),
        "AssignmentForm": lambda cls, user: (
            cls(user=user, plan=plan) if may(user, task, "change") else cls(user=user, colleagues=False)
        ),
        "DependencyForm": seeing(task, "change", lambda cls, user: cls(task=task, user=user)),
        "ForumForm": seeing(plan, "change", lambda cls, user: cls(plan=plan, user=user)),
        "UserCreateForm": lambda cls, user: cls(viewer=user),
        "RoleAssignForm": lambda cls, user: cls(viewer=user),
        "InspectionFindingForm": lambda cls, user: cls(inspection=Inspection.objects.order_by("pk").first()),
        "EntryForm": lambda cls, user: cls(user=user, contest=_competition_contest()),
    }


def _competition_contest():
    from zhijiao.competitions.models import Contest

    return Contest.objects.filter(kind="student_skills").order_by("pk").first()


def _workplan_owners(plan):
    from zhijiao.workplan import selectors

    return selectors.owner_choices(plan=plan)


def _build_form(cls, user, builders):
    if cls.__name__ in builders:
        return builders[cls.__name__](cls, user)
    for kwargs in ({"user": user}, {}):
        try:
            return cls(**kwargs)
        except TypeError:
            continue
    raise AssertionError(f"cannot build {cls.__module__}.{cls.__qualname__}: add it to _form_builders")


def _choice_fields(obj):
    """(name, queryset) of every model-choice field of a form, filterset or serializer."""
    from django import forms as dj_forms
    from rest_framework import relations, serializers

    if isinstance(obj, dj_forms.BaseForm):
        for name, field in obj.fields.items():
            if isinstance(field, dj_forms.ModelChoiceField):
                yield name, field.queryset
        return
    if hasattr(obj, "form") and hasattr(obj, "filters"):
        yield from _choice_fields(obj.form)
        return
    if isinstance(obj, serializers.BaseSerializer):
        for name, field in obj.fields.items():
            if getattr(field, "read_only", False):
                continue
            if isinstance(field, relations.ManyRelatedField):
                field = field.child_relation
            if isinstance(field, relations.RelatedField):
                yield name, field.get_queryset()
            elif isinstance(field, serializers.ListSerializer):
                yield from ((f"{name}.{n}", q) for n, q in _choice_fields(field.child))
            elif isinstance(field, serializers.BaseSerializer):
                yield from ((f"{name}.{n}", q) for n, q in _choice_fields(field))


def _choice_objects(sw, user):
    import django_filters
    from django import forms as dj_forms
    from rest_framework import serializers

    builders = _form_builders(sw)
    request = _request(user)
    for cls in _subclasses(dj_forms.BaseForm):
        if cls.__name__.startswith("_"):
            continue
        form = _build_form(cls, user, builders)
        if form is not None:
            yield cls, form
    for cls in _subclasses(django_filters.FilterSet):
        model = cls._meta.model
        if model is None:
            continue
        yield cls, cls(None, queryset=model._default_manager.none(), request=request)
    for cls in _subclasses(serializers.BaseSerializer):
        if cls.__module__.endswith("schema") or cls.__name__ in {"ServiceModelSerializer"}:
            continue
        if issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta"):
            continue  # an abstract base (MaskedModelSerializer): its subclasses are walked
        yield cls, cls(context={"request": request})


def test_choices_offer_only_what_the_role_may_see(sw):
    _import_all()
    problems = []
    for role in CHOICE_ROLES:
        user = sw[role]
        for cls, obj in _choice_objects(sw, user):
            for name, queryset in _choice_fields(obj):
                if queryset is None:
                    continue
                model = queryset.model._meta.concrete_model
                if getattr(model, "scope_public_view", False):
                    continue
                wider = WIDER_CHOICES.get((cls.__name__, name))
                if wider and wider[1](user):
                    continue
                offered = set(queryset.values_list("pk", flat=True))
                allowed = sw.oracle.expected(model, user, "view")
                extra = offered - allowed
                if extra:
                    problems.append(
                        f"[{role}] {cls.__module__}.{cls.__qualname__}.{name} offers {model._meta.label} "
                        f"{sorted(extra)[:8]} outside the role's scope"
                    )
    assert not problems, f"{len(problems)} unscoped choices:\n" + "\n".join(problems)


def test_wider_choices_are_still_used(sw):
    """An entry of WIDER_CHOICES whose field is gone or now scoped is dropped, not left to rot."""
    _import_all()
    found = set()
    for role in ("school_a", "province_admin"):
        for cls, obj in _choice_objects(sw, sw[role]):
            for name, _q in _choice_fields(obj):
                found.add((cls.__name__, name))
    assert set(WIDER_CHOICES) <= found, set(WIDER_CHOICES) - found


def test_search_fields_accept_exactly_what_their_source_suggests(sw):
    """A search-as-you-type field validates against the rows its endpoint suggests: one set."""
    from django import forms as dj_forms

    from zhijiao.core.autocomplete import SOURCES, _AutocompleteMixin
    from zhijiao.core.views.autocomplete import load_sources

    _import_all()
    load_sources()
    problems, seen = [], set()
    for role in ("province_admin", *CHOICE_ROLES):
        user = sw[role]
        for cls, obj in _choice_objects(sw, user):
            if not isinstance(obj, dj_forms.BaseForm):
                continue
            for name, field in obj.fields.items():
                widget = field.widget
                if not isinstance(widget, _AutocompleteMixin) or widget.forward or widget.params:
                    continue
                seen.add(widget.source)
                offered = set(field.queryset.values_list("pk", flat=True))
                suggested = set(SOURCES[widget.source].rows(user).values_list("pk", flat=True))
                if offered != suggested:
                    problems.append(
                        f"[{role}] {cls.__qualname__}.{name}: form {sorted(offered)[:5]} ≠ source {sorted(suggested)[:5]}"
                    )
    assert not problems, "\n".join(problems)
    assert seen, "no search field found"
