"""The dashboard's maintained aggregates (internships.tallies: active placements per school and major
category, per host under each region) say exactly what counting the placements says — after single
writes, bulk statements, transfers, deletes, a post changing category and a school changing region —
and the dashboard reads them with a fixed number of statements."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhijiao.core import counters
from zhijiao.core.models import Tally
from zhijiao.core.testing import region
from zhijiao.internships import selectors, services, tallies
from zhijiao.internships.models import Alert, HostTally, Placement, Post
from zhijiao.majors.models import MajorCategory
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Institution

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the aggregates are PostgreSQL triggers"),
]

STATUSES = ["draft", "active", "active", "active", "suspended", "ended"]


def _snapshot() -> tuple[dict, dict]:
    cat = {(t.institution_id, t.k1): t.n for t in Tally.objects.filter(kind="active_cat") if t.n}
    host = {(h.path, h.enterprise_id): h.n for h in HostTally.objects.all() if h.n}
    return cat, host


def _assert_current():
    """The triggers' figures equal a recount from the placements."""
    kept = _snapshot()
    with connection.cursor() as cursor:
        for sql in tallies.DASHBOARD_REBUILD:
            cursor.execute(sql)
    assert kept == _snapshot()
    assert all(n > 0 for n in kept[0].values())


def _figures(pc: dict) -> dict:
    return {
        "schools": pc["schools"],
        "names": {k: pc["school_names"][k] for k in pc["schools"]},
        "paths": {k: pc["school_paths"][k] for k in pc["schools"]},
        "blocked": pc["blocked"],
        "categories": {k: v for k, v in pc["categories"].items() if v},
        "top_hosts": selectors._top(
            pc["enterprises"], pc["enterprise_names"], "e", "name", selectors.TOP_HOSTS
        ),
    }


def _assert_same(world, users=("province_admin", "jinan", "qingdao")):
    for name in users:
        user = world[name]
        regions = selectors._dashboard_regions(user)
        assert regions is not None
        assert _figures(selectors._placement_aggregates(user, regions)) == _figures(
            selectors._placement_counts(user)
        ), name
        d = selectors.dashboard(user=user)
        assert d["total_active"] == sum(selectors._placement_counts(user)["schools"].values())


@pytest.fixture
def mix(iw, world):
    """Two schools in two cities, four hosts' posts over two major categories."""
    other = MajorCategory.objects.create(level="higher", code="99", name="示例大类")
    posts = [iw.post]
    for i, (ent, category) in enumerate(
        [(world.ent_a, other), (world.ent_b, world.major.major_class.category), (world.ent_b, other)]
    ):
        posts.append(
            Post.objects.create(
                enterprise=ent,
                name=f"示例岗位{i}",
                major_category=category,
                wage_standard=Decimal(4000),
                lowest_grade_wage=Decimal(3000),
                on_duty_staff=50,
            )
        )
    return {"posts": posts, "other": other, "schools": [world.school_a, world.school_b]}


def _new_rows(iw, mix, rng, count):
    rows = []
    for _ in range(count):
        school = rng.choice(mix["schools"])
        post = rng.choice(mix["posts"])
        rows.append(
            Placement(
                plan=iw.plan,
                enrolment=iw.student(school=school, user=False),
                post=post,
                institution=school,
                enterprise_id=post.enterprise_id,
                start_date=iw.start,
                end_date=iw.end,
                status=rng.choice(STATUSES),
            )
        )
    return rows


def test_aggregates_follow_every_kind_of_write(iw, world, mix):
    rng = random.Random(16)
    _assert_current()
    # Services: a placement made, activated, ended.
    a = iw.placement(activate=True)
    b = iw.placement(activate=True)
    _assert_current()
    services.placement_end(actor=iw.school_admin, placement=Placement.objects.get(pk=b.pk), reason="结束")
    _assert_current()
    # One INSERT statement of many rows, in random statuses, schools and posts.
    Placement.objects.bulk_create(_new_rows(iw, mix, rng, 40))
    _assert_current()
    _assert_same(world)
    ids = list(Placement.objects.values_list("pk", flat=True))
    for _round in range(6):
        # A bulk status change (start / end / suspend some at once).
        chosen = rng.sample(ids, 12)
        Placement.objects.filter(pk__in=chosen).update(status=rng.choice(STATUSES))
        # Transfers: another post and host, or another school, in one statement each.
        post = rng.choice(mix["posts"])
        Placement.objects.filter(pk__in=rng.sample(ids, 5)).update(
            post=post, enterprise_id=post.enterprise_id
        )
        school = rng.choice(mix["schools"])
        Placement.objects.filter(pk__in=rng.sample(ids, 3)).update(institution=school)
        # An UPDATE that moves nothing the aggregates count.
        Placement.objects.filter(status="active").update(checked_at=None)
        _assert_current()
        _assert_same(world)
    # Alerts: blocked placements through the alert triggers.
    for p in Placement.objects.filter(status="active")[:4]:
        Alert.objects.create(
            placement=p,
            institution_id=p.institution_id,
            enterprise_id=p.enterprise_id,
            rule_id="INT-PAY",
            severity="block",
            message="x",
            first_seen=a.created_at,
            last_seen=a.created_at,
        )
    _assert_same(world)
    # A post's major category changes: its active placements move between categories.
    moved = mix["posts"][2]
    Post.objects.filter(pk=moved.pk).update(major_category=mix["other"])
    _assert_current()
    _assert_same(world)
    # A school moves to another city: its hosts' counts move between the regions' rows.
    yantai = region("370600", "烟台市", RegionLevel.CITY, world.province)
    zhifu = region("370602", "芝罘区", RegionLevel.COUNTY, yantai)
    Institution.objects.filter(pk=world.school_b.pk).update(region=zhifu)
    _assert_current()
    _assert_same(world)
    # Deletes: drafts and actives (children first), one statement each.
    gone = list(
        Placement.objects.filter(agreement__isnull=True, alerts__isnull=True).values_list("pk", flat=True)[
            :15
        ]
    )
    Placement.objects.filter(pk__in=gone).delete()
    _assert_current()
    _assert_same(world)
    assert HostTally.objects.filter(path="370000/").exists()


def test_dashboard_reads_the_aggregates_with_a_fixed_number_of_statements(iw, world, mix, settings):
    settings.INTERNSHIP_DASHBOARD_CACHE_SECONDS = 0
    rng = random.Random(12)
    user = world["province_admin"]
    Placement.objects.bulk_create(_new_rows(iw, mix, rng, 5))
    selectors.dashboard(user=user)  # the user's grants are loaded once per user object
    with CaptureQueriesContext(connection) as few:
        small = selectors.dashboard(user=user)
    Placement.objects.bulk_create(_new_rows(iw, mix, rng, 60))
    with CaptureQueriesContext(connection) as more:
        large = selectors.dashboard(user=user)
    assert len(few) == len(more) == 4
    assert large["total_active"] > small["total_active"]
    # Whole numbers, as counting gives (PostgreSQL's sum() of bigint is numeric): the API serialises them.
    figures = [large["total_active"], large["compliant"], *(r["n"] for r in large["by_school"])]
    figures += [r["n"] for key in ("by_city", "by_category", "by_enterprise") for r in large[key]]
    assert figures and all(type(n) is int for n in figures)
    # No statement reads the placements: the aggregates answer.
    assert not any("internships_placement" in q["sql"] for q in more.captured_queries)
    assert any("internships_hosttally" in q["sql"] for q in more.captured_queries)


def test_top_hosts_keep_ties_at_the_cut(world, mix, iw, monkeypatch):
    """Only hosts that can reach the top are read; those tied with the last one are all candidates, and
    the dashboard orders them by name as before."""
    rng = random.Random(3)
    monkeypatch.setattr(selectors, "TOP_HOSTS", 1)
    Placement.objects.bulk_create(_new_rows(iw, mix, rng, 30))
    Placement.objects.update(status="active")
    user = world["province_admin"]
    regions = selectors._dashboard_regions(user)
    assert _figures(selectors._placement_aggregates(user, regions)) == _figures(
        selectors._placement_counts(user)
    )


def test_school_and_host_users_count_their_own_placements(world):
    assert selectors._dashboard_regions(world["school_a"]) is None
    assert selectors._dashboard_regions(world["ent_a"]) is None
    assert selectors._dashboard_regions(world["jinan"]) == ["370000/370100/"]


def test_a_superuser_reads_the_root_regions(iw, world, mix):
    from zhijiao.core.testing import make_user

    Placement.objects.bulk_create(_new_rows(iw, mix, random.Random(5), 20))
    admin = make_user("root_admin", is_superuser=True)
    assert selectors._dashboard_regions(admin) == []
    assert _figures(selectors._placement_aggregates(admin, [])) == _figures(
        selectors._placement_counts(admin)
    )


def _assert_alerts_same(world, users=("province_admin", "jinan", "qingdao")):
    """The alert tallies say what one pass over the open alerts says, for every region user; and a
    recount from the alerts changes nothing."""
    kinds = ("alerts_open", "alerts_level", "alerts_host")
    kept = {(t.kind, t.institution_id, t.k1, t.k2): t.n for t in Tally.objects.filter(kind__in=kinds) if t.n}
    with connection.cursor() as cursor:
        for spec in tallies.ALERT_SPECS:
            for sql in counters.rebuild_sql(spec):
                cursor.execute(sql)
    recounted = {
        (t.kind, t.institution_id, t.k1, t.k2): t.n for t in Tally.objects.filter(kind__in=kinds) if t.n
    }
    assert kept == recounted
    for name in users:
        user = world[name]
        assert selectors._dashboard_regions(user) is not None
        assert selectors._alert_aggregates(user) == selectors._alert_counts(user), name


def test_alert_tallies_follow_every_kind_of_write(iw, world, mix):
    rng = random.Random(25)
    Placement.objects.bulk_create(_new_rows(iw, mix, rng, 30))
    placements = list(Placement.objects.all())
    moment = placements[0].created_at

    def alert(p, **kw):
        fields = {
            "placement": p,
            "institution_id": p.institution_id,
            "enterprise_id": p.enterprise_id,
            "rule_id": rng.choice(["INT-PAY", "INT-HOURS", "INT-MISSING"]),
            "severity": rng.choice(["info", "warn", "block"]),
            "message": "x",
            "first_seen": moment,
            "last_seen": moment,
            "escalation_level": rng.choice([0, 1, 2]),
        }
        fields.update(kw)
        return Alert(**fields)

    # One at a time (a service's write) and many in one statement, some without a host.
    Alert.objects.create(**{k: v for k, v in vars(alert(placements[0])).items() if not k.startswith("_")})
    # One alert per placement (at most one open alert per placement and rule).
    Alert.objects.bulk_create([alert(p) for p in placements[1:21]])
    Alert.objects.bulk_create([alert(p, enterprise_id=None, severity="warn") for p in placements[21:24]])
    _assert_alerts_same(world)
    ids = list(Alert.objects.values_list("pk", flat=True))
    for _round in range(4):
        # The sweep: escalate some, resolve some, reopen some, change severity, in one statement each.
        Alert.objects.filter(pk__in=rng.sample(ids, 6)).update(escalation_level=rng.choice([1, 2, 3]))
        Alert.objects.filter(pk__in=rng.sample(ids, 5)).update(resolved_at=moment)
        Alert.objects.filter(pk__in=rng.sample(ids, 3)).update(resolved_at=None)
        Alert.objects.filter(pk__in=rng.sample(ids, 4)).update(severity=rng.choice(["info", "warn", "block"]))
        # Another host, another school.
        Alert.objects.filter(pk__in=rng.sample(ids, 3)).update(enterprise_id=world.ent_b.pk)
        Alert.objects.filter(pk__in=rng.sample(ids, 2)).update(institution_id=world.school_b.pk)
        _assert_alerts_same(world)
    # A school moves to another city: its alerts count under the new city.
    yantai = region("370600", "烟台市", RegionLevel.CITY, world.province)
    zhifu = region("370602", "芝罘区", RegionLevel.COUNTY, yantai)
    Institution.objects.filter(pk=world.school_b.pk).update(region=zhifu)
    _assert_alerts_same(world)
    Alert.objects.filter(pk__in=rng.sample(ids, 8)).delete()
    _assert_alerts_same(world)
    figures = selectors._alert_aggregates(world["province_admin"])
    assert figures["by_rule"] and figures["by_level"] and figures["worst"]
    assert all(type(n) is int for part in ("by_rule", "by_level", "worst") for n in figures[part].values())
    assert set(figures["worst_names"]) == set(figures["worst"])
    # The dashboard reads them: no statement over the alerts for region staff.
    with CaptureQueriesContext(connection) as ctx:
        selectors.dashboard(user=world["province_admin"])
    assert not any('FROM "internships_alert"' in q["sql"] for q in ctx.captured_queries)
