"""Reads for internships; every one starts from ``core.scoping.restrict``.

Besides the organisation scope, a student sees their own placement (``Student.user``), and a
mentor the placements they are assigned to (``MentorAssignment.user``): relationships declared on
the models (``Placement.scope_relations``), which ``restrict`` applies.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    When,
)
from django.utils import timezone

from zhijiao.core.scoping import restrict, user_scope

from .choices import DirectReportStatus, InternshipKind, PlacementStatus, ReviewStatus
from .models import (
    Alert,
    CheckIn,
    DirectReport,
    Evaluation,
    InternshipPlan,
    PayRecord,
    Placement,
    Post,
    Report,
)


def plan_list(*, user, action: str = "view") -> QuerySet[InternshipPlan]:
    # ``placement_count`` is a column the database keeps (internships.tallies): a page neither
    # counts the placements of the plans it shows nor of all plans when sorted by it.
    return restrict(InternshipPlan.objects.select_related("institution", "offering__major"), user, action)


def post_list(*, user, action: str = "view") -> QuerySet[Post]:
    return restrict(Post.objects.select_related("enterprise", "major_category"), user, action)


# --- choices offered by forms, filters and the API (what the user may pick, never more) -------------
def plan_institution_choices(*, user) -> QuerySet:
    """Schools under which the user may file internship plans (a school: itself; a city: its schools)."""
    from zhijiao.orgs.models import Institution

    return restrict(
        Institution.objects.select_related("region").order_by("name"), user, "change", owner_of=InternshipPlan
    )


def plan_offering_choices(*, user, institution=None) -> QuerySet:
    """Offered majors of those schools (of one school when ``institution`` is given)."""
    from zhijiao.majors.models import InstitutionMajor

    qs = InstitutionMajor.objects.select_related("major", "institution").filter(
        institution__in=plan_institution_choices(user=user).values("pk")
    )
    if institution is not None:
        qs = qs.filter(institution=institution)
    return qs.order_by("institution__name", "major__code", "start_year")


def post_enterprise_choices(*, user) -> QuerySet:
    """Hosts the user may register posts for: an enterprise itself, an authority the hosts in its
    region; a school registers posts at any host (``Post.registered_by``), so it picks from them all."""
    from zhijiao.enterprises.models import Enterprise

    qs = Enterprise.objects.select_related("region").order_by("name")
    scope = user_scope(user)
    if any(g.node_kind == "institution" for g in scope.grants_for("change")):
        return qs
    return restrict(qs, user, "change", owner_of=Post)


def placement_enrolment_choices(*, user, plan: InternshipPlan) -> QuerySet:
    """Current enrolments at the plan's school that the user may place."""
    from zhijiao.students.models import Enrolment

    return restrict(
        Enrolment.objects.select_related("student", "offering__major").filter(
            institution_id=plan.institution_id, is_current=True
        ),
        user,
        "change",
    ).order_by("class_name", "student__name", "id")


def placement_post_choices(*, user) -> QuerySet[Post]:
    """Open posts the user sees (a school sees every host's)."""
    return post_list(user=user).filter(is_active=True).order_by("enterprise__name", "name")


def placement_plan_choices(*, user) -> QuerySet[InternshipPlan]:
    """Plans the user sees that have placements: the plan filter of the placement list (the kept
    count says which, without looking at placements)."""
    return (
        restrict(InternshipPlan.objects.select_related("institution"), user, "view")
        .filter(placement_count__gt=0)
        .order_by("-start_date", "title")
    )


def post_enterprise_filter_choices(*, user) -> QuerySet:
    """Hosts of the posts the user sees: the enterprise filter of the post list."""
    from zhijiao.enterprises.models import Enterprise

    return Enterprise.objects.filter(pk__in=post_list(user=user).values("enterprise_id")).order_by("name")


def placement_list(*, user, action: str = "view") -> QuerySet[Placement]:
    base = Placement.objects.select_related("plan", "post", "enterprise", "institution", "enrolment__student")
    return restrict(base, user, action)


def placement_get(*, user, pk, action: str = "view") -> Placement:
    return placement_list(user=user, action=action).get(pk=pk)


def student_placement(*, user) -> Placement | None:
    """The signed-in student's current placement (active first, then the latest)."""
    if not getattr(user, "is_authenticated", False):
        return None
    qs = Placement.objects.select_related(
        "plan", "post", "enterprise", "institution", "enrolment__student"
    ).filter(enrolment__student__user_id=user.pk)
    return qs.filter(status=PlacementStatus.ACTIVE).first() or qs.order_by("-start_date").first()


def _child_list(model, user, action: str, related=("placement",)) -> QuerySet:
    return restrict(model.objects.select_related(*related), user, action)


def checkin_list(*, user, action: str = "view") -> QuerySet[CheckIn]:
    return _child_list(CheckIn, user, action)


def report_list(*, user, action: str = "view") -> QuerySet[Report]:
    return _child_list(Report, user, action, related=("placement__enrolment__student",))


def pay_record_list(*, user, action: str = "view") -> QuerySet[PayRecord]:
    return _child_list(PayRecord, user, action)


def evaluation_list(*, user, action: str = "view") -> QuerySet[Evaluation]:
    return _child_list(Evaluation, user, action)


def alert_list(*, user, action: str = "view") -> QuerySet[Alert]:
    return restrict(
        Alert.objects.select_related("placement__enrolment__student", "institution", "enterprise"),
        user,
        action,
    )


def direct_report_list(*, user, action: str = "view") -> QuerySet[DirectReport]:
    return restrict(
        DirectReport.objects.select_related("institution", "enterprise", "reporter"), user, action
    )


def reporter_visible(*, user, report: DirectReport) -> bool:
    """Anonymous-to-the-authority reports hide the reporter from region (authority) users, not from the school."""
    if report.reporter_id == getattr(user, "pk", None):
        return True
    if not report.anonymous_to_authority:
        return True
    return report.institution_id in user_scope(user).institution_ids


def internship_grades_for(enrolment_ids) -> dict[int, str]:
    """The school's grade of each enrolment's latest graded post internship, in one query.

    For the registry's graduation check (INT-ASSESS): "fail" (不合格) means no graduation.
    Enrolments without a graded post internship are absent.
    """
    found: dict[int, str] = {}
    rows = (
        Evaluation.objects.filter(
            placement__enrolment__in=list(enrolment_ids), placement__plan__kind=InternshipKind.POST
        )
        .exclude(school_grade="")
        .order_by("placement__enrolment_id", "-placement__end_date", "-graded_at")
        .values_list("placement__enrolment_id", "school_grade")
    )
    for enrolment_id, grade in rows:
        found.setdefault(enrolment_id, grade)
    return found


def internship_grade_for(enrolment) -> str:
    """One enrolment's grade (see ``internship_grades_for``; "" if none)."""
    return internship_grades_for([enrolment.pk]).get(enrolment.pk, "")


def internship_blocks_graduation(enrolment) -> bool:
    return internship_grade_for(enrolment) == "fail"


# --- mentor worklist ----------------------------------------------------------------------------------
def mentor_worklist(*, user) -> dict:
    """What a mentor (or school user) should look at: placements out of contact, reports to review, open alerts."""
    placements = placement_list(user=user).filter(status=PlacementStatus.ACTIVE)
    ids = placements.values("pk")
    alerts = Alert.objects.filter(placement_id__in=ids, resolved_at__isnull=True).select_related(
        "placement__enrolment__student"
    )
    return {
        "missing": list(alerts.filter(rule_id="INT-MISSING").order_by("first_seen")[:100]),
        "alerts": list(alerts.exclude(rule_id="INT-MISSING").order_by("-severity", "first_seen")[:100]),
        "reports": list(
            Report.objects.filter(placement_id__in=ids, status=ReviewStatus.SUBMITTED)
            .select_related("placement__enrolment__student")
            .order_by("submitted_at")[:100]
        ),
        "placement_count": placements.count(),
    }


# --- authority dashboard ------------------------------------------------------------------------------
TOP_HOSTS = 15  # hosts with the most active placements on the dashboard


def _city_code(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[1] if len(parts) > 1 else (parts[0] if parts else "")


def _grouped_sql(source: str, sets: list[tuple[str, ...]], aggregates: str) -> str:
    """One aggregate over ``source`` per grouping set: ``GROUPING SETS`` on PostgreSQL (one pass over the
    rows), a ``UNION ALL`` of plain ``GROUP BY``s elsewhere. Columns outside a set are NULL, and a
    ``_set`` column says which set a row belongs to."""
    columns = sorted({c for group in sets for c in group})
    if connection.vendor == "postgresql":
        cases = " ".join(
            f"WHEN GROUPING({', '.join(columns)}) = {_grouping_bits(columns, group)} THEN {i}"
            for i, group in enumerate(sets)
        )
        select = ", ".join(columns)
        groups = ", ".join(f"({', '.join(group)})" for group in sets)
        return (
            f"SELECT CASE {cases} END AS _set, {select}, {aggregates} FROM ({source}) s"
            f" GROUP BY GROUPING SETS ({groups})"
        )
    parts = []
    for i, group in enumerate(sets):
        select = ", ".join(c if c in group else f"NULL AS {c}" for c in columns)
        parts.append(
            f"SELECT {i} AS _set, {select}, {aggregates} FROM ({source}) s GROUP BY {', '.join(group)}"
        )
    return " UNION ALL ".join(parts)


def _grouping_bits(columns: list[str], group: tuple[str, ...]) -> int:
    """``GROUPING(a, b, c)``'s value for a set: bit set (most significant first) for each column not grouped."""
    value = 0
    for c in columns:
        value = (value << 1) | (0 if c in group else 1)
    return value


def _sql_of(queryset) -> tuple[str, tuple] | None:
    """The queryset's SQL and parameters; None when it can match nothing (e.g. a user with no scope)."""
    from django.core.exceptions import EmptyResultSet

    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return None


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _top(counts: dict, names: dict, id_key: str, name_key: str, limit: int) -> list[dict]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], names.get(kv[0]) or "", kv[0]))
    return [{id_key: k, name_key: names.get(k), "n": n} for k, n in ranked[:limit]]


def _placement_counts(user) -> dict:
    """Active placements in scope counted by school and by post (with its host and major category), and
    how many of them have an open blocking alert, in ONE statement: a single pass over the placements
    (hash-joined to the set of placements with a blocking alert), the names joined onto the few
    aggregated rows."""
    from zhijiao.enterprises.models import Enterprise
    from zhijiao.majors.models import MajorCategory
    from zhijiao.orgs.models import Institution, Region

    q = connection.ops.quote_name
    scoped = restrict(Placement.objects.filter(status=PlacementStatus.ACTIVE), user, "view", tree_only=True)
    out = {
        "schools": {},
        "school_names": {},
        "school_paths": {},
        "blocked": 0,
        "enterprises": {},
        "enterprise_names": {},
        "categories": {},
    }
    compiled = _sql_of(scoped.order_by().values("id", "institution_id", "post_id", "enterprise_id"))
    if compiled is None:
        return out
    source, params = compiled
    blocked = (
        Alert.objects.filter(resolved_at__isnull=True, severity="block")
        .order_by()
        .values("placement_id")
        .distinct()
    )
    blocked_sql, blocked_params = blocked.query.sql_with_params()
    joined = (
        f"SELECT p.institution_id, p.post_id, p.enterprise_id, b.placement_id AS blocked"
        f" FROM ({source}) p LEFT JOIN ({blocked_sql}) b ON b.placement_id = p.id"
    )
    grouped = _grouped_sql(
        joined,
        [("institution_id",), ("post_id", "enterprise_id")],
        "COUNT(*) AS n, COUNT(blocked) AS blocked",
    )
    sql = (
        f"SELECT g._set, g.n, g.blocked, g.institution_id, i.{q('name')}, r.{q('path')},"
        f" g.enterprise_id, en.{q('name')}, mc.{q('name')}"
        f" FROM ({grouped}) g"
        f" LEFT JOIN {q(Institution._meta.db_table)} i ON i.id = g.institution_id"
        f" LEFT JOIN {q(Region._meta.db_table)} r ON r.id = i.region_id"
        f" LEFT JOIN {q(Enterprise._meta.db_table)} en ON en.id = g.enterprise_id"
        f" LEFT JOIN {q(Post._meta.db_table)} po ON po.id = g.post_id"
        f" LEFT JOIN {q(MajorCategory._meta.db_table)} mc ON mc.id = po.major_category_id"
    )
    repeat = 1 if connection.vendor == "postgresql" else 2  # the UNION ALL form repeats the source
    for set_no, n, blocked_n, inst, inst_name, path, ent, ent_name, cat in _rows(
        sql, [*params, *blocked_params] * repeat
    ):
        if set_no == 0:
            out["schools"][inst] = n
            out["school_names"][inst], out["school_paths"][inst] = inst_name, path or ""
            out["blocked"] += blocked_n
        else:
            out["enterprises"][ent] = out["enterprises"].get(ent, 0) + n
            out["enterprise_names"][ent] = ent_name
            out["categories"][cat] = out["categories"].get(cat, 0) + n
    return out


def _dashboard_regions(user) -> list[str] | None:
    """The region paths whose maintained aggregates answer the user's dashboard: the topmost of the
    user's region grants (a region's rows cover its subtree), the root regions for a superuser. None
    where the aggregates do not apply — SQLite (no triggers), or a scope holding schools or hosts, which
    is small: those count their placements (``_placement_counts``)."""
    from zhijiao.core import counters

    if not counters.applies(user):
        return None
    scope = user_scope(user)
    if scope.is_superuser:
        return []
    grants = [g for g in scope.grants_for("view") if g.node_kind]
    if not grants or any(g.node_kind != "region" for g in grants):
        return None
    paths = sorted({g.region_path for g in grants})
    return [p for p in paths if not any(p != other and p.startswith(other) for other in paths)]


def _placement_aggregates(user, regions: list[str]) -> dict:
    """What ``_placement_counts`` gives, read from the maintained aggregates (``internships.tallies``)
    in TWO statements whatever the number of placements: the per-school tallies of active placements by
    major category and of blocked placements, summed per school with the names of the school, its city
    and the categories; then the hosts ranked from the per-region host counts (only those that can
    reach the top 15: ties at the cut are kept, ``_top`` orders them by name)."""
    from zhijiao.core.models import Tally
    from zhijiao.enterprises.models import Enterprise
    from zhijiao.majors.models import MajorCategory
    from zhijiao.orgs.models import Institution, Region

    from .models import HostTally

    q = connection.ops.quote_name
    out = {
        "schools": {},
        "school_names": {},
        "school_paths": {},
        "city_names": {},
        "blocked": 0,
        "enterprises": {},
        "enterprise_names": {},
        "categories": {},
    }
    tallies = restrict(
        Tally.objects.filter(kind__in=("active_cat", "blocked")), user, "view", tree_only=True
    ).order_by()
    compiled = _sql_of(tallies.values("kind", "institution_id", "k1", "n"))
    if compiled is None:
        return out
    source, params = compiled
    city_code = "CASE WHEN split_part(r.path, '/', 2) <> '' THEN split_part(r.path, '/', 2) ELSE split_part(r.path, '/', 1) END"
    sql = (
        f"SELECT g.kind, g.inst, g.n, i.{q('name')}, r.{q('path')}, c.{q('code')}, c.{q('name')}, mc.{q('name')}"
        f" FROM (SELECT t.kind, t.institution_id AS inst, CASE WHEN t.kind = 'blocked' THEN '' ELSE t.k1 END AS k1,"
        f" sum(t.n) AS n FROM ({source}) t GROUP BY 1, 2, 3 HAVING sum(t.n) <> 0) g"
        f" JOIN {q(Institution._meta.db_table)} i ON i.id = g.inst"
        f" JOIN {q(Region._meta.db_table)} r ON r.id = i.region_id"
        f" LEFT JOIN {q(Region._meta.db_table)} c ON c.code = {city_code}"
        f" LEFT JOIN {q(MajorCategory._meta.db_table)} mc ON g.kind = 'active_cat' AND mc.id::text = g.k1"
    )
    for kind, inst, n, inst_name, path, city, city_name, cat in _rows(sql, params):
        n = int(n)  # sum() of bigint is numeric in PostgreSQL
        if kind == "blocked":
            out["blocked"] += n
            continue
        out["schools"][inst] = out["schools"].get(inst, 0) + n
        out["school_names"][inst], out["school_paths"][inst] = inst_name, path or ""
        out["categories"][cat] = out["categories"].get(cat, 0) + n
        if city:
            out["city_names"][city] = city_name

    hosts = restrict(HostTally.objects.filter(n__gt=0), user, "view", tree_only=True)
    hosts = hosts.filter(path__in=regions) if regions else hosts.filter(path__regex=r"^[^/]+/$")
    compiled = _sql_of(hosts.order_by().values("enterprise_id", "n"))
    if compiled is None:
        return out
    source, params = compiled
    sql = (
        f"WITH s AS (SELECT h.enterprise_id, sum(h.n) AS n FROM ({source}) h GROUP BY 1)"
        f" SELECT s.enterprise_id, s.n, en.{q('name')} FROM s"
        f" LEFT JOIN {q(Enterprise._meta.db_table)} en ON en.id = s.enterprise_id"
        f" WHERE s.n >= coalesce((SELECT n FROM s ORDER BY n DESC OFFSET {TOP_HOSTS - 1} LIMIT 1), 0)"
    )
    for ent, n, ent_name in _rows(sql, params):
        out["enterprises"][ent] = int(n)
        out["enterprise_names"][ent] = ent_name
    return out


def _alert_aggregates(user) -> dict:
    """What ``_alert_counts`` gives, summed from the maintained tallies (``internships.tallies``:
    ``alerts_open`` by rule, ``alerts_level`` by escalation level, ``alerts_host`` by host) in ONE
    statement whatever the number of alerts, the hosts' names joined onto the summed rows."""
    from zhijiao.core.models import Tally
    from zhijiao.enterprises.models import Enterprise

    out = {"by_rule": {}, "by_level": {}, "worst": {}, "worst_names": {}}
    tallies = restrict(
        Tally.objects.filter(kind__in=("alerts_open", "alerts_level", "alerts_host")),
        user,
        "view",
        tree_only=True,
    ).order_by()
    compiled = _sql_of(tallies.values("kind", "k1", "n"))
    if compiled is None:
        return out
    source, params = compiled
    q = connection.ops.quote_name
    sql = (
        f"SELECT g.kind, g.k1, g.n, en.{q('name')} FROM (SELECT t.kind, t.k1, sum(t.n) AS n FROM ({source}) t"
        f" GROUP BY 1, 2 HAVING sum(t.n) <> 0) g"
        f" LEFT JOIN {q(Enterprise._meta.db_table)} en ON g.kind = 'alerts_host' AND en.id::text = g.k1"
    )
    for kind, key, n, name in _rows(sql, params):
        n = int(n)  # sum() of bigint is numeric in PostgreSQL
        if kind == "alerts_open":
            out["by_rule"][key] = n
        elif kind == "alerts_level":
            out["by_level"][int(key)] = n
        else:
            out["worst"][int(key)] = n
            out["worst_names"][int(key)] = name
    return out


def _alert_counts(user) -> dict:
    """Open alerts in scope by rule, escalation level and host (warnings and blocks only): one pass."""
    from zhijiao.enterprises.models import Enterprise

    scoped = restrict(Alert.objects.filter(resolved_at__isnull=True), user, "view").annotate(
        serious=Case(When(~Q(severity="info"), then=1), default=0, output_field=IntegerField()),
    )
    compiled = _sql_of(scoped.order_by().values("rule_id", "escalation_level", "enterprise_id", "serious"))
    if compiled is None:
        return {"by_rule": {}, "by_level": {}, "worst": {}, "worst_names": {}}
    source, params = compiled
    sets = [("rule_id",), ("escalation_level",), ("enterprise_id",)]
    grouped = _grouped_sql(source, sets, "COUNT(*) AS n, SUM(serious) AS serious")
    q = connection.ops.quote_name
    sql = (
        f"SELECT g._set, g.n, g.serious, g.rule_id, g.escalation_level, g.enterprise_id, en.{q('name')}"
        f" FROM ({grouped}) g LEFT JOIN {q(Enterprise._meta.db_table)} en ON en.id = g.enterprise_id"
    )
    repeat = 1 if connection.vendor == "postgresql" else len(sets)
    by_rule, by_level, worst, worst_names = {}, {}, {}, {}
    for set_no, n, serious, rule, level, ent, ent_name in _rows(sql, list(params) * repeat):
        if set_no == 0:
            by_rule[rule] = n
        elif set_no == 1:
            by_level[level] = n
        elif serious and ent is not None:
            worst[ent] = serious
            worst_names[ent] = ent_name
    return {"by_rule": by_rule, "by_level": by_level, "worst": worst, "worst_names": worst_names}


def dashboard(*, user, today: dt.date | None = None) -> dict:
    """Aggregates for the authority dashboard: four statements whatever the number of placements.

    For region staff (PostgreSQL) the active placements are read from the aggregates the database keeps
    current (``internships.tallies``: per school and major category, blocked per school, per host under
    each region — schools, cities, categories, the total and the compliance rate are sums of those,
    with the names in the same statement; the top hosts in a second), and the open alerts from their
    per-school tallies by rule, level and host (a third); for a school's or a host's users, and on
    SQLite, the placements and the open alerts are counted in one pass each over their few rows. Then
    the 直报 figures. Every read starts from ``restrict``.
    """
    from zhijiao.orgs.models import Region

    today = today or timezone.localdate()
    regions = _dashboard_regions(user)
    pc = _placement_counts(user) if regions is None else _placement_aggregates(user, regions)
    ac = _alert_counts(user) if regions is None else _alert_aggregates(user)

    city_counts: dict[str, int] = {}
    for inst, n in pc["schools"].items():
        code = _city_code(pc["school_paths"][inst])
        city_counts[code] = city_counts.get(code, 0) + n
    city_names = pc.get("city_names")
    if city_names is None:
        city_names = dict(Region.objects.filter(code__in=list(city_counts)).values_list("code", "name"))
    by_city = sorted(
        ({"code": c, "name": city_names.get(c, c), "n": n} for c, n in city_counts.items()),
        key=lambda r: (-r["n"], r["code"]),
    )
    by_school = _top(pc["schools"], pc["school_names"], "institution_id", "institution__name", 15)
    by_category = [
        {"post__major_category__name": name, "n": n}
        for name, n in sorted(pc["categories"].items(), key=lambda kv: (-kv[1], kv[0] or ""))[:20]
    ]
    by_enterprise = _top(
        pc["enterprises"], pc["enterprise_names"], "enterprise_id", "enterprise__name", TOP_HOSTS
    )
    alerts_by_rule = [
        {"rule_id": rule, "n": n} for rule, n in sorted(ac["by_rule"].items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    worst_enterprises = _top(ac["worst"], ac["worst_names"], "enterprise_id", "enterprise__name", 10)
    total_active = sum(pc["schools"].values())
    blocking_placements = pc["blocked"]

    reports = restrict(DirectReport.objects.all(), user, "view", tree_only=True)
    answer_time = ExpressionWrapper(
        F("school_responded_at") - F("submitted_at"), output_field=DurationField()
    )
    direct = reports.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status=DirectReportStatus.OPEN)),
        answered=Count(
            "id", filter=Q(school_responded_at__isnull=False) | Q(authority_responded_at__isnull=False)
        ),
        avg_answer=Avg(answer_time, filter=Q(school_responded_at__isnull=False)),
    )
    avg = direct.pop("avg_answer")
    direct["avg_answer_hours"] = round(avg.total_seconds() / 3600, 1) if avg else None
    return {
        "today": today,
        "total_active": total_active,
        "compliant": total_active - blocking_placements,
        "compliance_rate": round(100 * (total_active - blocking_placements) / total_active, 1)
        if total_active
        else None,
        "by_city": by_city,
        "by_school": by_school,
        "by_category": by_category,
        "by_enterprise": by_enterprise,
        "alerts_by_rule": alerts_by_rule,
        "alerts_by_level": ac["by_level"],
        "open_alerts": sum(ac["by_rule"].values()),
        "worst_enterprises": worst_enterprises,
        "direct": direct,
    }


def dashboard_cached(*, user) -> dict:
    """``dashboard`` cached per scope for ``INTERNSHIP_DASHBOARD_CACHE_SECONDS`` (default 300; 0 disables).

    Users with the same grants share the entry; the sweep runs daily, so minutes of staleness are fine.
    """
    import hashlib

    from django.conf import settings
    from django.core.cache import cache

    seconds = getattr(settings, "INTERNSHIP_DASHBOARD_CACHE_SECONDS", 300)
    if not seconds:
        return dashboard(user=user)
    scope = user_scope(user)
    grants = sorted(
        (g.role, g.region_path or "", g.institution_id or 0, g.enterprise_id or 0) for g in scope.grants
    )
    key = (
        "internships:dashboard:"
        + hashlib.sha256(repr((scope.is_superuser, grants)).encode()).hexdigest()[:32]
    )
    data = cache.get(key)
    if data is None:
        data = dashboard(user=user)
        cache.set(key, data, seconds)
    return data


# --- home page figures (core.views.home reads them through internships/home.py) -----------------------
# Small functions on purpose: the province-wide ones will read maintained aggregates later.
def counts_by(queryset, field: str) -> dict[str, int]:
    return {row[field]: row["n"] for row in queryset.order_by().values(field).annotate(n=Count("id"))}


def plan_counts(*, user) -> dict[str, int]:
    """The user's plans by filing status."""
    return counts_by(restrict(InternshipPlan.objects.all(), user, "view"), "filing_status")


def host_figures(*, user, today: dt.date | None = None) -> dict[str, int]:
    """An enterprise's own posts, interns, check-ins of the last seven days and reports to review."""
    today = today or timezone.localdate()
    since = timezone.now() - dt.timedelta(days=7)
    posts = post_list(user=user).filter(enterprise_id__in=user_scope(user).enterprise_ids)
    return {
        "posts": posts.filter(is_active=True).count(),
        "interns": placement_list(user=user).filter(status=PlacementStatus.ACTIVE).count(),
        "checkins": checkin_list(user=user).filter(occurred_at__gte=since).count(),
        "reports": report_list(user=user).filter(status=ReviewStatus.SUBMITTED).count(),
    }


def placement_counts(*, user) -> dict:
    """Placements in the user's scope by status, and the active ones with an open blocking alert:
    ``{"total", "by_status", "active", "blocked"}``. From the maintained tallies (core.counters);
    counted directly where there are none (SQLite, enterprise users)."""
    from zhijiao.core import counters

    by_status = counters.tally("placements", user, by=("k1",))
    blocked = counters.tally("blocked", user)
    if by_status is None or blocked is None:
        scoped = restrict(Placement.objects.all(), user, "view", tree_only=True)
        by_status = {r["status"]: r["n"] for r in scoped.order_by().values("status").annotate(n=Count("id"))}
        blocked = (
            scoped.filter(
                status=PlacementStatus.ACTIVE, alerts__resolved_at__isnull=True, alerts__severity="block"
            )
            .distinct()
            .count()
        )
    return {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "active": by_status.get(PlacementStatus.ACTIVE, 0),
        "blocked": blocked,
    }


def open_alert_counts(*, user) -> dict:
    """Open alerts in the user's scope: ``{"total", "by_severity"}`` (maintained tallies, else counted)."""
    from zhijiao.core import counters

    by_severity = counters.tally("alerts_open", user, by=("k2",))
    if by_severity is None:
        scoped = restrict(Alert.objects.filter(resolved_at__isnull=True), user, "view")
        by_severity = {
            r["severity"]: r["n"] for r in scoped.order_by().values("severity").annotate(n=Count("id"))
        }
    return {"total": sum(by_severity.values()), "by_severity": by_severity}
