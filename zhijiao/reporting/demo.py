"""The 高职院校实验室信息统计 (annual) in the demo: its definition loaded from
``data/lab_stats.yaml``, the 2021 period, and the colleges' submissions in every state (draft,
submitted, returned, approved, locked, re-opened). Every value is invented — each submission's
备注 says 示例数据 — and everything is written through the services by the demo actor."""

from __future__ import annotations

import datetime
import random
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from zhijiao.accounts.models import RoleAssignment
from zhijiao.core.actors import system_actor
from zhijiao.core.lifecycle import fire
from zhijiao.orgs.models import Institution

from . import services
from .definitions import definition_load
from .models import DataSet, Period

LAB_STATS = Path(__file__).parent / "data" / "lab_stats.yaml"
KEY = "reporting.submission"
# The state each college's submission is brought to, in order; the rest are approved.
STATES = ["draft", "submitted", "returned", "approved", "locked", "reopened", "city_approved"]
MARK = "示例数据（数值为演示虚构）"


def demo_values(rng: random.Random) -> dict:
    labs = rng.randint(40, 180)
    equipment = rng.randint(3000, 30000)
    value = rng.randint(8000, 60000)
    values = {
        ("labs_total", ""): labs,
        ("labs_training", ""): rng.randint(10, labs),
        ("labs_area", ""): rng.randint(8000, 80000),
        ("open_rate", ""): rng.randint(20, 95),
        ("safety_officer", ""): "分管副院长",
        ("last_safety_check", ""): f"2021-{rng.randint(3, 11):02d}-15",
        ("equipment_count", ""): equipment,
        ("equipment_large", ""): rng.randint(5, 80),
        ("equipment_value", ""): value,
        ("equipment_value_new", ""): rng.randint(500, value // 5),
        ("funding_construction", ""): rng.randint(200, 3000),
        ("funding_operation", ""): rng.randint(50, 800),
        ("funding_source", ""): rng.choice(["government", "school", "enterprise"]),
        ("remarks", ""): MARK,
    }
    staff = 0
    for gender in ("male", "female"):
        for title in ("senior", "middle", "junior"):
            n = rng.randint(2, 25)
            staff += n
            values[("staff_total", f"{gender}.{title}")] = n
    values[("staff_master", "")] = rng.randint(0, staff)
    return {k: str(v) for k, v in values.items()}


def _city_user(submission):
    city = submission.institution.region.city
    ra = RoleAssignment.objects.filter(region=city, role="city_admin").select_related("user").first()
    return ra.user if ra else None


@transaction.atomic
def load_demo_reporting(*, actor=None):
    """Runs once; a second call finds the data set and returns it."""
    actor = actor or system_actor("demo")
    existing = DataSet.objects.filter(code="lab_stats").first()
    if existing is not None and existing.periods.exists():
        return existing
    version = definition_load(actor=actor, text=LAB_STATS.read_text(encoding="utf-8"))
    period = Period.objects.create(
        data_set=version.data_set,
        code="2021",
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2021, 12, 31),
        # 示例: an invented deadline, a month ahead so the demo's forms are still open for entry.
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    colleges = Institution.objects.filter(kind__in=version.data_set.reporter_kinds).order_by("pk")[:12]
    for i, college in enumerate(colleges):
        state = STATES[i] if i < len(STATES) else "approved"
        rng = random.Random(college.pk)
        submission = services.submission_open(actor=actor, institution=college, period=period)
        submission = services.submission_save_values(
            actor=actor, submission=submission, values=demo_values(rng), revision=submission.revision
        )
        if state == "draft":
            continue
        submission = fire(KEY, submission, "submit", actor=actor)
        if state == "submitted":
            continue
        if state == "returned":
            city = _city_user(submission)
            if city is not None:
                services.submissions_decide(
                    actor=city, submissions=[submission], decision="return", reason="请核对仪器设备资产总值。"
                )
            continue
        services.submissions_decide(actor=actor, submissions=[submission], decision="approve")
        if state == "city_approved":
            continue  # waits for the province
        services.submissions_decide(actor=actor, submissions=[submission], decision="approve")
        submission.refresh_from_db()
        if state == "locked":
            fire(KEY, submission, "lock", actor=actor)
        elif state == "reopened":
            fire(KEY, submission, "reopen", actor=actor, reason="学校申请更正实验室面积（示例）")
    return version.data_set


# --- the other collections of issue 14 (高地 dispatch, 就业去向, 质量年报 base data) --------------

DATA = Path(__file__).parent / "data"
# A school's graduates of a year are the 学籍 enrolments due to finish that year (``rows.graduates``).
DESTINATIONS = ["employed", "further", "army", "self", "pending"]
DESTINATION_WEIGHTS = [52, 33, 4, 3, 8]  # 示例: invented shares for the demo draw


def _load(actor, code: str):
    existing = DataSet.objects.filter(code=code).first()
    if existing is not None:
        return existing.current_version()
    return _load_file(actor, code)


def _load_file(actor, code: str):
    return definition_load(actor=actor, text=(DATA / f"{code}.yaml").read_text(encoding="utf-8"))


def _period(data_set, code: str, start: datetime.date, end: datetime.date) -> Period:
    # Entry stays open while the demo fills the forms (示例 deadline a month ahead).
    return Period.objects.create(
        data_set=data_set,
        code=code,
        start=start,
        end=end,
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )


def _demo_school():
    ra = RoleAssignment.objects.filter(user__username="school", institution__isnull=False).first()
    return ra.institution if ra else None


def _reporters(data_set, limit: int) -> list:
    """The data set's reporting schools (the demo school first), at most ``limit``."""
    from .reporters import institution_q

    qs = (
        Institution.objects.filter(institution_q(data_set.reporters))
        .select_related("region__parent")
        .order_by("pk")
    )
    if data_set.reporter_kinds:
        qs = qs.filter(kind__in=data_set.reporter_kinds)
    schools = list(qs[:limit])
    own = _demo_school()
    if own is not None and own not in schools and qs.filter(pk=own.pk).exists():
        schools = [own, *schools[: limit - 1]]
    elif own in schools:
        schools.remove(own)
        schools.insert(0, own)
    return schools


def _bring_to(actor, submission, state: str) -> None:
    """Submit and decide the submission until it is in ``state`` (as ``load_demo_reporting``)."""
    if state == "draft":
        return
    submission = fire(KEY, submission, "submit", actor=actor)
    if state == "submitted":
        return
    if state == "returned":
        # Returned by the school's city bureau (the demo actor may approve but not return); a
        # city without a bureau account leaves it submitted (``_fill`` puts those schools last).
        city = _city_user(submission)
        if city is not None:
            services.submissions_decide(
                actor=city,
                submissions=[submission],
                decision="return",
                reason="请核对数据后重新报送（示例）。",
            )
        return
    services.submissions_decide(actor=actor, submissions=[submission], decision="approve")
    if state == "city_approved":
        return
    services.submissions_decide(actor=actor, submissions=[submission], decision="approve")
    submission.refresh_from_db()
    if state == "locked":
        fire(KEY, submission, "lock", actor=actor)
    elif state == "reopened":
        fire(KEY, submission, "reopen", actor=actor, reason="学校申请更正数据（示例）")


def _fill(actor, schools, period, values_of, *, states=(), rows_of=None) -> None:
    """Open, save and bring each school's submission to its state: ``states`` in order for the
    schools after the first (the demo school's is approved), the rest approved. Schools whose
    city has a bureau account come first, so that one can return a submission."""
    bureaus = set(
        RoleAssignment.objects.filter(role="city_admin", region__isnull=False).values_list(
            "region_id", flat=True
        )
    )
    head, rest = schools[:1], schools[1:]
    rest.sort(key=lambda s: getattr(s.region.city, "pk", None) not in bureaus)
    for i, school in enumerate([*head, *rest]):
        state = states[i - 1] if 0 < i <= len(states) else "approved"
        submission = services.submission_open(actor=actor, institution=school, period=period)
        submission = services.submission_save_values(
            actor=actor,
            submission=submission,
            values=values_of(school),
            revision=submission.revision,
            rows=rows_of(submission) if rows_of else None,
        )
        _bring_to(actor, submission, state)


def _destination(seed: str) -> str:
    return random.Random(seed).choices(DESTINATIONS, DESTINATION_WEIGHTS)[0]


EMPLOYERS = ["示例：济南某机械公司", "示例：青岛某电子公司", "示例：某连锁酒店", "示例：某物流公司"]
COLLEGES = ["示例：某职业技术学院", "示例：某高等专科学校"]


def _employment_row(seed: str) -> dict[str, str]:
    """One graduate's 示例 destination (drawn per student, seeded, so the demo is stable)."""
    rng = random.Random(f"row-{seed}")
    destination = _destination(seed)
    row = {"destination": destination}
    if destination == "employed":
        row.update(
            employer=rng.choice(EMPLOYERS),
            matched="yes" if rng.random() < 0.75 else "no",
            pay=str(rng.randint(2800, 5200)),
        )
    elif destination == "further":
        row["employer"] = rng.choice(COLLEGES)
    return row


def _employment_counts(year):
    """Version 1 of the 中职毕业生就业去向 (counts only), as the demo's schools reported 2021 before the
    per-graduate list existed: an invented cohort and destinations (示例). Kept under version 1 — a
    later version never re-interprets what was collected."""

    def values(school):
        rng = random.Random(school.pk * 3 + year)
        total = rng.randint(80, 400)  # 示例: an invented cohort
        counts = dict.fromkeys(DESTINATIONS, 0)
        for n in range(total):
            counts[_destination(f"{school.pk}-{year}-{n}")] += 1
        settled = total - counts["pending"]
        out = {("graduates", ""): total, ("remarks", ""): MARK}
        out.update({("destinations", code): n for code, n in counts.items()})
        out[("matched", "")] = rng.randint(settled // 2, settled) if settled else 0
        out[("starting_salary", "")] = rng.randint(2800, 5200)
        out[("satisfaction", "")] = rng.randint(85, 99)
        return {k: str(v) for k, v in out.items()}

    return values


def _employment_values(actor, year):
    """Version 2: the counts are derived from the list of graduates; satisfaction and remarks are typed."""

    def values(school):
        rng = random.Random(school.pk * 3 + year)
        return {("satisfaction", ""): str(rng.randint(85, 99)), ("remarks", ""): MARK}

    return values


def _employment_rows(submission) -> dict:
    """A 示例 destination for every graduate the form listed from 学籍 when it was opened."""
    from .models import SubmissionRow

    listed = list(SubmissionRow.objects.filter(submission=submission).values_list("key", flat=True))
    school = submission.institution_id
    return {"graduate_list": [(key, _employment_row(f"{school}-{key[1:]}")) for key in listed]}


def _graduation_year(actor) -> tuple[int | None, list]:
    """The latest year, not after this one, in which demo schools have graduates in 学籍, and those
    schools (the 中职 schools that report the data set)."""
    from django.db.models import F

    from zhijiao.students.selectors import enrolment_list

    from .rows import GRADUATING

    finishing = (
        enrolment_list(user=actor)
        .filter(status__in=GRADUATING)
        .annotate(finish=F("cohort_year") + F("study_years"))
        .filter(finish__lte=timezone.localdate().year)
    )
    year = max(finishing.values_list("finish", flat=True).distinct(), default=None)
    if year is None:
        return None, []
    return year, list(finishing.filter(finish=year).values_list("institution_id", flat=True).distinct())


def _quality_values(school) -> dict:
    rng = random.Random(school.pk * 11)
    teachers = rng.randint(60, 400)
    values = {
        ("students", "g1"): rng.randint(300, 1800),
        ("students", "g2"): rng.randint(300, 1700),
        ("students", "g3"): rng.randint(250, 1600),
        ("certificate_rate", ""): rng.randint(40, 95),
        ("contest_awards", ""): rng.randint(0, 40),
        ("teachers", ""): teachers,
        ("dual_teachers", ""): rng.randint(teachers // 3, teachers),
        ("ratio", ""): f"{rng.uniform(12, 22):.1f}",
        ("area_per_student", ""): f"{rng.uniform(12, 30):.1f}",
        ("equipment_per_student", ""): rng.randint(3000, 15000),
        ("funding_per_student", ""): rng.randint(6000, 16000),
        ("partner_enterprises", ""): rng.randint(10, 120),
        ("training_people", ""): rng.randint(500, 20000),
    }
    return {k: str(v) for k, v in values.items()}


def _gaodi_values(quarter: int):
    def values(school):
        rng = random.Random(school.pk * 13 + quarter)
        out = {
            ("shared_bases", ""): rng.randint(0, 2) + quarter // 3,
            ("mixed_ownership", ""): rng.randint(0, 3),
            ("teachers_recruited", ""): rng.randint(0, 15) * quarter,
            ("enterprise_investment", ""): rng.randint(0, 500) * quarter,
            ("order_classes", ""): rng.randint(0, 300),
            ("remarks", ""): MARK,
        }
        return {k: str(v) for k, v in out.items()}

    return values


def _city_bureaus(actor) -> list:
    """``(city, bureau account)`` of every city, 济南 first: the city's first bureau account, or
    a demo account made for it (示例, as the work-plan demo makes its city contacts)."""
    from zhijiao.accounts.choices import Role
    from zhijiao.core.audit import AuditAction, audit_record, snapshot
    from zhijiao.core.demo import demo_password
    from zhijiao.orgs.choices import RegionLevel
    from zhijiao.orgs.models import Region

    out = []
    for city in Region.objects.filter(level=RegionLevel.CITY).order_by("code"):
        ra = (
            RoleAssignment.objects.filter(region=city, role=Role.CITY_ADMIN, user__is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if ra is not None:
            out.append((city, ra.user))
            continue
        user = get_user_model().objects.create_user(
            username=f"rp_city_{city.code}",
            password=demo_password(),
            display_name=f"{city.name}教育局职成科（示例）",
            password_changed_at=timezone.now(),
        )
        audit_record(
            actor=actor, action=AuditAction.CREATE, instance=user, after=snapshot(user), message="demo"
        )
        grant = RoleAssignment(user=user, role=Role.CITY_ADMIN, region=city)
        grant.full_clean()
        grant.save()
        audit_record(
            actor=actor, action=AuditAction.CREATE, instance=grant, after=snapshot(grant), message="demo"
        )
        out.append((city, user))
    out.sort(key=lambda pair: pair[0].code != "370100")
    return out


def _gaodi_city_values(city, quarter: int) -> dict:
    rng = random.Random(city.pk * 13 + quarter)
    out = {
        ("shared_bases", ""): rng.randint(2, 8) + quarter // 3,
        ("mixed_ownership", ""): rng.randint(1, 9) + quarter,
        ("teachers_recruited", ""): rng.randint(20, 60) * quarter,
        ("enterprise_investment", ""): rng.randint(800, 5000) * quarter,
        ("order_classes", ""): rng.randint(800, 6000),
        ("remarks", ""): MARK,
    }
    return {k: str(v) for k, v in out.items()}


# The current quarter's city returns, 济南 first: 济南 accepted by the province, 青岛 waiting for the
# province, one returned, one accepted and re-opened, some drafts; the rest not started.
# 济南 accepted; 青岛 returned by the province, so the demo's 青岛 bureau (city_qingdao) has a return to
# correct — on the form or with the XLSX template — and resubmit; 淄博's waits for the province.
CITY_STATES = ["accepted", "returned", "submitted", "reopened", "draft", "draft", "draft", "draft"]


def _fill_cities(actor, bureaus, period, quarter: int, *, current: bool) -> None:
    city_key = "reporting.city_submission"
    for i, (city, user) in enumerate(bureaus):
        state = (CITY_STATES[i] if i < len(CITY_STATES) else None) if current else "accepted"
        if state is None:
            continue
        ret = services.city_submission_open(actor=user, city=city, period=period)
        ret = services.submission_save_values(
            actor=user, submission=ret, values=_gaodi_city_values(city, quarter), revision=ret.revision
        )
        if state == "draft":
            continue
        ret = fire(city_key, ret, "submit", actor=user)
        if state == "submitted":
            continue
        if state == "returned":
            services.city_submissions_decide(
                actor=actor,
                submissions=[ret],
                decision="return",
                reason="请核对企业投入办学资金口径（示例）。",
            )
            continue
        ret = fire(city_key, ret, "accept", actor=actor)
        if state == "reopened":
            fire(city_key, ret, "reopen", actor=actor, reason="市教育局申请更正订单班人数（示例）")


def _past_city_returns(actor, bureaus) -> None:
    """The cities' returns of the periods whose deadline has passed (the 2020 lab statistics of
    the analytics demo): made, submitted and accepted — a closed year is done, so the province's
    home shows no city overdue for it. A city with schools still waiting for it keeps no return."""
    from django.core.exceptions import ValidationError

    from .models import CitySubmission
    from .reporters import by_city

    city_key = "reporting.city_submission"
    for period in Period.objects.filter(deadline__lt=timezone.localdate()).select_related("data_set"):
        if by_city(period.data_set):
            continue
        for city, user in bureaus:
            if CitySubmission.objects.filter(city=city, period=period).exists():
                continue
            try:
                with transaction.atomic():
                    ret = services.city_submission_open(actor=user, city=city, period=period)
                    ret = fire(city_key, ret, "submit", actor=user)
                    fire(city_key, ret, "accept", actor=actor)
            except ValidationError:
                continue


def _close(period: Period, deadline: datetime.date) -> None:
    # The period takes its real (示例, invented) deadline once the demo has filled it — a seed
    # shortcut, as in demo_analytics, not a service write.
    Period.objects.filter(pk=period.pk).update(deadline=deadline)


@transaction.atomic
def load_demo_collections(*, actor=None):
    """The 高地 indicator dispatch (quarterly, 2021 Q1–Q3), the 中职毕业生就业去向 of 2021 (version 1,
    counts) and of the latest year with graduates in 学籍 (version 2, a destination per graduate
    listed from 学籍), and the 质量年报 base data of 2021 (with a
    submission in every state). Runs once; every value is invented (示例)."""
    actor = actor or system_actor("demo")
    if DataSet.objects.filter(code="zz_employment", periods__isnull=False).exists():
        return
    # 2021 was reported under version 1 (counts only); version 2 (a destination per graduate listed
    # from 学籍) came after and serves the latest year whose graduates are in the demo's 学籍.
    v1 = definition_load(
        actor=actor, text=(DATA / "history" / "zz_employment.v1.yaml").read_text(encoding="utf-8")
    )
    employment = v1.data_set
    period = _period(employment, "2021", datetime.date(2021, 1, 1), datetime.date(2021, 12, 31))
    _fill(actor, _reporters(employment, 24), period, _employment_counts(2021))
    _load_file(actor, "zz_employment")
    year, with_graduates = _graduation_year(actor)
    if year is not None and year != 2021:
        period = _period(employment, str(year), datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        schools = [s for s in _reporters(employment, 24) if s.pk in with_graduates]
        # The schools without graduates in the demo's 学籍 have not reported the year yet.
        _fill(actor, schools, period, _employment_values(actor, year), rows_of=_employment_rows)

    quality = _load(actor, "quality_base").data_set
    period = _period(quality, "2021", datetime.date(2021, 1, 1), datetime.date(2021, 12, 31))
    _fill(actor, _reporters(quality, 24), period, _quality_values, states=STATES)

    gaodi = _load(actor, "gaodi_dispatch").data_set
    bureaus = _city_bureaus(actor)
    for quarter, (start, end) in enumerate(
        [
            (datetime.date(2021, 1, 1), datetime.date(2021, 3, 31)),
            (datetime.date(2021, 4, 1), datetime.date(2021, 6, 30)),
            (datetime.date(2021, 7, 1), datetime.date(2021, 9, 30)),
        ],
        start=1,
    ):
        period = _period(gaodi, f"2021Q{quarter}", start, end)
        # The current quarter is being collected (returns in every state); the earlier ones are
        # done: every city's return accepted by the province.
        _fill_cities(actor, bureaus, period, quarter, current=quarter == 3)
        if quarter < 3:
            _close(period, end + datetime.timedelta(days=15))
    _past_city_returns(actor, bureaus)
